"""Run the real services at a moment of the past, for the demo's history (never imported by the product path).

``at(when)`` sets ``django.utils.timezone.now`` to ``when`` for the duration of one step: the services date
what they write with it (``updated_at``, ``status_changed_at``, ``closed_at``, due dates, pauses). Model
defaults hold the original ``timezone.now`` (``default=timezone.now`` was bound when the models loaded), so
the rows the step inserted with such a default are re-dated to ``when`` on the way out, found by their ids
above the watermark taken on the way in. One step at a time, single-threaded: only the seeder uses it.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db.models import Max, Model

from guichet.notifications.models import Notification
from guichet.tickets.models import Event, Message

# The models whose ``created_at`` defaults to the time of the insert, and that the ticket services insert.
REDATED: tuple[type[Model], ...] = (Event, Message, Notification)


class TimeMachine:
    """Keeps the watermarks between steps, so each step costs one update per model and no extra read."""

    def __init__(self) -> None:
        self.marks = {model: _last_pk(model) for model in REDATED}

    @contextmanager
    def at(self, when: datetime.datetime) -> Iterator[None]:
        with mock.patch("django.utils.timezone.now", return_value=when):
            yield
        for model in REDATED:
            inserted = model._default_manager.filter(pk__gt=self.marks[model])
            if inserted.update(created_at=when):
                self.marks[model] = _last_pk(model)


def _last_pk(model: type[Model]) -> int:
    return model._default_manager.aggregate(last=Max("pk"))["last"] or 0
