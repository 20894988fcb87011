"""Pages over a large, wide table: a page's ids come from the indexes, then only those rows are read.

Sorting and skipping run on an index (the tickets' ``ticket_open_by_deadline`` covers the inbox's
filters and its default order) instead of fetching and sorting every matching row.
"""

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class IdsFirstPaginator(Paginator):
    def __init__(self, object_list: QuerySet, per_page: int, *, load: Callable[[QuerySet], QuerySet]) -> None:
        super().__init__(object_list, per_page)
        self.load = load

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {row.pk: row for row in self.load(self.object_list.model.objects.filter(pk__in=ids))}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
