"""The demo's full past (``seed_demo`` at its real size), seeded once for this module and read by each test.

Seeding it takes most of a minute on PostgreSQL: the tests below only read what it wrote, so they share one
run. It is written in a transaction opened for the module (each test's own transaction is a savepoint
inside it, as in Django's ``TestCase.setUpTestData``) and rolled back after the last test.
"""

import dataclasses
import datetime
from collections import Counter
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guichet.backoffice.resend import failed_notifications_for
from guichet.demo import demo_data, history
from guichet.notifications.models import DeliveryStatus, Notification
from guichet.statistics.filters import Period, StatsFilter
from guichet.statistics.metrics import ticket_backlog, ticket_stats
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import AuthorKind, Event, EventKind, Message, Ticket, Visibility
from tests.conftest import isolated_settings

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PASSWORD = "mot-de-passe-demo"


@dataclasses.dataclass(frozen=True)
class Seeded:
    started: datetime.datetime  # timezone.now() before the command ran


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Seeded]:
    assert demo_data.HISTORY_TICKETS >= 300  # the real size (no other module's shrinking leaks here)
    with (
        django_db_blocker.unblock(),
        override_settings(**isolated_settings(tmp_path_factory.mktemp("demo"))),
        transaction.atomic(),
    ):
        started = timezone.now()
        call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
        yield Seeded(started=started)
        transaction.set_rollback(True)


def test_the_full_history_covers_every_service_channel_and_status(demo) -> None:
    # How long it takes is the README's figure, not an assertion: a busy machine is not a defect.
    tickets = Ticket.objects.all()
    assert 300 <= tickets.count() <= 400
    assert set(tickets.values_list("channel", flat=True)) == set(Channel.values)
    statuses = Counter(tickets.values_list("status", flat=True))
    assert set(statuses) == set(Status.values), statuses
    assert statuses[Status.CLOSED] > tickets.count() / 3  # most of the past is over
    assert set(tickets.values_list("service__slug", flat=True)) == {slug for slug, _name in demo_data.SERVICES}
    assert set(tickets.values_list("request_type__slug", flat=True)) == {t["slug"] for t in demo_data.REQUEST_TYPES}
    oldest = timezone.now() - tickets.order_by("created_at").first().created_at
    assert datetime.timedelta(days=150) < oldest <= datetime.timedelta(days=demo_data.HISTORY_DAYS + 1)
    # Threads: questions, answers, notes, citizens' replies; some reopened.
    messages = Message.objects.all()
    assert messages.filter(visibility=Visibility.INTERNAL).count() > 20
    assert messages.filter(author_kind=AuthorKind.CITIZEN).count() > 20
    assert Event.objects.filter(to_status=Status.AWAITING_CITIZEN).count() > 20
    reopened = Event.objects.filter(from_status__in=[Status.ANSWERED, Status.CLOSED], to_status=Status.IN_PROGRESS)
    assert reopened.values("ticket").distinct().count() > 10
    # Counter and phone requests were typed by the reception, letters by the mail room.
    assert {t.entered_by.username for t in tickets.filter(channel=Channel.MAIL)} == {"courrier"}
    assert {t.entered_by.username for t in tickets.filter(channel__in=[Channel.PHONE, Channel.COUNTER])} == {"accueil"}


def test_every_moment_is_in_the_past_and_in_order(demo) -> None:
    now = demo.started
    for ticket in Ticket.objects.prefetch_related("events", "messages"):
        moments = [e.created_at for e in ticket.events.all()] + [m.created_at for m in ticket.messages.all()]
        assert all(ticket.created_at <= moment <= now for moment in moments), ticket.subject
        assert ticket.created_at <= ticket.updated_at <= now
        assert (ticket.closed_at is not None) == (ticket.status in {Status.CLOSED, Status.REJECTED})
        # The acknowledgement left with its notification, back then, not when the demo was seeded.
        if ticket.acknowledged_at is not None:
            assert ticket.created_at <= ticket.acknowledged_at < ticket.created_at + datetime.timedelta(hours=1)
        # An address is answered as the form answers it: street, postcode and city.
        for answer in ticket.answers:
            if answer["kind"] == "address":
                assert answer["value"]["street"] and answer["value"]["postcode"] == "45270", answer
    assert Ticket.objects.filter(acknowledged_at__isnull=False).exists()
    # Agents act in opening hours, on weekdays.
    for event in Event.objects.filter(kind=EventKind.AGENT_REPLY):
        local = timezone.localtime(event.created_at)
        assert local.weekday() < 5 and datetime.time(8, 30) <= local.time() < datetime.time(18, 30), local


def test_the_statistics_layer_has_true_figures_on_the_demo(demo) -> None:
    supervisor = get_user_model().objects.get(username="responsable")
    today = timezone.localdate()
    filters = StatsFilter(period=Period(start=today - datetime.timedelta(days=183), end=today))

    report = ticket_stats(user=supervisor, filters=filters)
    backlog = ticket_backlog(user=supervisor, filters=filters)

    assert report.volume.total == Ticket.objects.count()  # the past is 182 days long
    assert set(report.volume.by_channel) == set(Channel.values)
    assert len(report.volume.by_month) >= 6
    assert report.first_response.working_days.median is not None
    assert report.first_response.hours.median is not None
    assert report.resolution.working_days.p90 is not None
    assert 0.5 < report.within_deadline.value < 1  # mostly on time, some late
    assert 0 < report.reopened.count < report.reopened.n
    assert backlog.open > 0 and backlog.overdue > 0
    assert backlog.awaiting_citizen.count > 0
    assert sum(1 for count in backlog.by_age.values() if count) >= 2


def test_no_notification_is_left_to_send_for_the_past(demo) -> None:
    notifications = Notification.objects.filter(ticket__isnull=False)
    assert notifications.count() > Ticket.objects.count()
    assert not notifications.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.HELD])
    assert not notifications.filter(sent_at__isnull=True, status=DeliveryStatus.SENT).exists()
    # Nothing queued for the worker but the OCR of the letters waiting in the mail room.
    assert set(DBTaskResult.objects.values_list("task_path", flat=True)) == {"guichet.mailroom.services.read_mail_item"}
    # Each delivery left its attempt and its line in the ticket's timeline, at the moment it happened.
    for notification in notifications.select_related("ticket").prefetch_related("delivery_attempts"):
        [attempt] = notification.delivery_attempts.all()
        assert attempt.succeeded == (notification.status == DeliveryStatus.SENT)
        kind = EventKind.NOTIFICATION_SENT if attempt.succeeded else EventKind.NOTIFICATION_FAILED
        assert notification.ticket.events.filter(kind=kind, data__notification=str(notification.uuid)).exists()
        assert notification.ticket.created_at <= notification.created_at <= attempt.finished_at


def test_failed_sends_show_in_envois_en_echec(demo, client) -> None:
    failed = Notification.objects.filter(status=DeliveryStatus.FAILED)
    assert failed.count() == history.FAILED_NOTIFICATIONS
    assert all("5." in n.last_error and n.recipient in n.last_error for n in failed)
    supervisor = get_user_model().objects.get(username="responsable")
    assert set(failed_notifications_for(supervisor)) == set(failed)
    client.force_login(supervisor)
    page = client.get(reverse("backoffice:failed_notifications")).content.decode()
    assert all(n.ticket.reference in page for n in failed)


def test_the_demo_account_has_requests_in_every_state(demo, client) -> None:
    [spec] = demo_data.CITIZEN_ACCOUNTS

    mine = Ticket.objects.filter(citizen__user__username=spec.email)
    assert len(mine) == len(history.ACCOUNT_STORIES)
    assert {Status.AWAITING_CITIZEN, Status.CLOSED, Status.IN_PROGRESS} <= set(mine.values_list("status", flat=True))
    assert mine.filter(household_member__first_name="Lucas").count() == 2
    client.post("/compte/login/", {"login": spec.email, "password": PASSWORD})
    page = client.get("/compte/").content.decode()
    assert all(ticket.reference in page for ticket in mine)
