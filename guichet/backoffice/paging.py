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
        self.queryset = object_list
        self.load = load

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.queryset.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {row.pk: row for row in self.load(self.queryset.model._default_manager.filter(pk__in=ids))}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)
