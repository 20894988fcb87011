"""``lib.inserts.insert`` writes what ``Model.save(force_insert=True)`` writes, sends the signals it sends, and
leaves expressions to Django's compiler and a model's own ``save()`` to itself."""

import datetime
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.db.models.functions import Now
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult, get_date_max

from guichet.citizens.models import Citizen
from guichet.lib import inserts
from guichet.lib.inserts import insert
from guichet.notifications.models import Notification
from guichet.organisation.models import Commune
from guichet.tickets.models import Event, Ticket
from tests import factories

pytestmark = pytest.mark.django_db


def _row(obj: Model) -> dict:
    return type(obj)._base_manager.filter(pk=obj.pk).values().get()


def _copy(obj: Model, **fresh) -> Model:
    """A new, unsaved object with ``obj``'s values, but for its primary key and the unique values drawn by default."""
    fields = [f for f in obj._meta.concrete_fields if not f.primary_key and not (f.unique and f.has_default())]
    return type(obj)(**{**{f.attname: getattr(obj, f.attname) for f in fields}, **fresh})


def _unique_or_automatic(model: type[Model]) -> set[str]:
    """Columns that differ between two inserts of the same values: keys, unique values, dates set on insert."""
    return {
        f.attname
        for f in model._meta.concrete_fields
        if f.primary_key or f.unique or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }


@pytest.fixture
def ticket(request_type, citizen) -> Ticket:
    ticket = factories.make_ticket(
        request_type=request_type,
        citizen=citizen,
        answers=[{"code": "description", "label": "Description", "kind": "long_text", "value": "Trou « profond »"}],
    )
    Ticket.objects.filter(pk=ticket.pk).update(latitude=45.18, longitude=5.72, address_label="7 rue du Moulin")
    ticket.refresh_from_db()
    return ticket


def _originals(ticket: Ticket) -> dict[str, tuple[Model, dict, dict]]:
    """Per model: a row the services wrote, and the unique values each of its two copies needs."""
    event = Event.objects.filter(ticket=ticket).first()
    notification = Notification.objects.filter(ticket=ticket).first()
    return {
        "citizen": (ticket.citizen, {}, {}),
        "ticket": (
            ticket,
            {"reference": "SAVE00001", "submission_key": uuid.uuid4()},
            {"reference": "INSRT0001", "submission_key": uuid.uuid4()},
        ),
        "event": (event, {}, {}),
        "notification": (notification, {"idempotency_key": "copie:save"}, {"idempotency_key": "copie:insert"}),
        "task row": (DBTaskResult.objects.get(task_path__endswith=".ticket_received"), {}, {}),
    }


@pytest.mark.parametrize("model", ["citizen", "ticket", "event", "notification", "task row"])
def test_insert_writes_the_row_save_writes(ticket, model):
    original, for_save, for_insert = _originals(ticket)[model]
    saved = _copy(original, **for_save)
    saved.save(force_insert=True)
    inserted = insert(_copy(original, **for_insert))

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert inserted._state.adding is False and inserted._state.db == "default"
    assert (type(inserted), inserted.pk) in {(type(o), o.pk) for o in type(inserted)._base_manager.all()}
    by_save, by_insert = _row(saved), _row(inserted)
    differing = _unique_or_automatic(type(original))
    assert {k: v for k, v in by_insert.items() if k not in differing} == {
        k: v for k, v in by_save.items() if k not in differing
    }
    # Dates set on insert are set both ways, and the object holds what the row holds.
    for attname in differing - {type(original)._meta.pk.attname}:
        assert (by_insert[attname] is None) == (by_save[attname] is None), attname
        assert getattr(inserted, attname) == by_insert[attname], attname


def test_the_statement_is_built_once_per_model_and_reused(ticket):
    inserts._STATEMENTS.clear()
    event = Event.objects.filter(ticket=ticket).first()
    with CaptureQueriesContext(connection) as queries:
        first = insert(_copy(event))
        second = insert(_copy(event, data={"autre": "valeur"}))
    [(key, statement)] = inserts._STATEMENTS.items()
    assert key[0] is Event and statement is not None  # the shortcut, not save()
    assert len(queries) == 2 and queries[0]["sql"].split(" VALUES")[0] == queries[1]["sql"].split(" VALUES")[0]
    assert _row(second)["data"] == {"autre": "valeur"} and _row(first)["data"] == event.data


def test_receivers_get_the_signals_save_sends(ticket):
    calls = []

    def before(sender, instance, raw, using, update_fields, **kwargs):
        calls.append(("pre_save", instance.pk, raw, using, update_fields))
        instance.data = {**instance.data, "vu": True}

    def after(sender, instance, created, raw, using, update_fields, **kwargs):
        calls.append(("post_save", instance.pk, created, instance._state.adding))

    pre_save.connect(before, sender=Event)
    post_save.connect(after, sender=Event)
    try:
        event = insert(_copy(Event.objects.filter(ticket=ticket).first()))
    finally:
        pre_save.disconnect(before, sender=Event)
        post_save.disconnect(after, sender=Event)
    assert calls == [("pre_save", None, False, "default", None), ("post_save", event.pk, True, False)]
    assert _row(event)["data"]["vu"] is True
    assert inserts._STATEMENTS[(Event, "default", False)] is not None  # with the statement kept


def test_the_task_rows_get_their_run_after_from_the_librarys_receiver():
    # django-tasks-db sets a task row's run_after in a pre_save receiver.
    task_row = insert(DBTaskResult(args_kwargs={}, task_path="a.b", backend_name="default", run_after=None))
    assert DBTaskResult.objects.get(pk=task_row.pk).run_after == get_date_max()
    assert inserts._STATEMENTS[(DBTaskResult, "default", True)] is not None  # the primary key drawn beforehand


def test_an_expression_is_written_by_djangos_compiler(ticket):
    event = _copy(Event.objects.filter(ticket=ticket).first(), created_at=Now())
    insert(event)
    stored = _row(event)["created_at"]
    assert abs(stored - datetime.datetime.now(tz=datetime.UTC)) < datetime.timedelta(minutes=1)


def test_a_model_with_its_own_save_goes_through_it(commune):
    Commune.current()
    assert Commune._cached is not None
    other = insert(Commune(name="Commune voisine"))
    assert other.pk is not None and Commune._cached is None  # Commune.save forgets the commune kept in memory
    assert not any(key[0] is Commune for key in inserts._STATEMENTS)


def test_an_unsaved_related_object_is_refused_as_save_refuses_it(request_type):
    with pytest.raises(ValueError, match="unsaved related object"):
        insert(Ticket(request_type=request_type, service=request_type.service, citizen=Citizen(last_name="Neuf")))


def test_a_refused_row_marks_the_transaction_for_rollback_as_save_does(ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        try:
            insert(_copy(ticket, reference=ticket.reference, submission_key=None))
        except IntegrityError:
            assert connection.needs_rollback  # a caller that swallowed it could not go on writing
            raise
    assert Ticket.objects.filter(reference=ticket.reference).count() == 1


def test_guichets_task_backend_writes_the_row_the_librarys_writes(ticket):
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend as LibraryBackend

    from guichet.lib.tasks_backend import DatabaseBackend
    from guichet.tickets.services import ticket_received

    ours = task_backends["default"]
    assert type(ours) is DatabaseBackend
    library = LibraryBackend("default", {"QUEUES": ["default"]})
    by_library = library.enqueue(ticket_received, (ticket.pk, ticket.service_id), {"deliver": [1, 2]})
    by_ours = ours.enqueue(ticket_received, (ticket.pk, ticket.service_id), {"deliver": [1, 2]})
    rows = [DBTaskResult.objects.filter(pk=result.id).values().get() for result in (by_library, by_ours)]
    differing = _unique_or_automatic(DBTaskResult)
    by_library_row, by_ours_row = ({k: v for k, v in row.items() if k not in differing} for row in rows)
    assert by_ours_row == by_library_row
    assert by_ours.status == by_library.status and by_ours.args == by_library.args
