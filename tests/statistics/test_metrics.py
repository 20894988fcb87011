import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.statistics.filters import Period, StatsFilter
from guichet.statistics.metrics import ticket_backlog, ticket_stats, ticket_stats_compared
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from tests import factories
from tests.conftest import build_facts
from tests.statistics.timeline import at, change, citizen_reply, paris, received, reply

MAY = Period(start=datetime.date(2026, 5, 1), end=datetime.date(2026, 5, 31))


def may(**dimensions) -> StatsFilter:
    return StatsFilter(period=MAY, **dimensions)


def test_volume_by_time_channel_status_and_service(dataset, agent):
    volume = ticket_stats(user=agent, filters=may()).volume
    assert volume.total == 8
    day = datetime.date
    assert volume.by_day == [
        (day(2026, 5, 4), 2),
        (day(2026, 5, 5), 1),
        (day(2026, 5, 6), 1),
        (day(2026, 5, 7), 1),
        (day(2026, 5, 11), 1),
        (day(2026, 5, 18), 1),
        (day(2026, 5, 26), 1),
    ]
    assert volume.by_week == [(day(2026, 5, 4), 5), (day(2026, 5, 11), 1), (day(2026, 5, 18), 1), (day(2026, 5, 25), 1)]
    assert volume.by_month == [(day(2026, 5, 1), 8)]
    assert volume.by_channel == {Channel.WEB: 7, Channel.EMAIL: 1}
    assert volume.by_status == {
        Status.ANSWERED: 4,
        Status.AWAITING_CITIZEN: 1,
        Status.IN_PROGRESS: 1,
        Status.RECEIVED: 1,
        Status.REJECTED: 1,
    }
    assert volume.by_service == [(dataset.request_type.service_id, "Voirie", 8)]
    assert volume.by_request_type == [(dataset.request_type.pk, dataset.request_type.name, 8)]


def test_a_ticket_received_late_in_the_evening_counts_on_its_local_day(dataset, agent):
    # 23:30 in Paris on 31 May is 21:30 UTC: still May, whatever the database's time zone.
    factories.make_ticket(request_type=dataset.request_type, citizen=None, received_at=paris(5, 31, 23, 30))
    build_facts()
    volume = ticket_stats(user=agent, filters=may()).volume
    assert volume.total == 9
    assert volume.by_day[-1] == (datetime.date(2026, 5, 31), 1)


def test_first_response_counts_public_replies_and_status_answers_without_paused_time(dataset, agent):
    first_response = ticket_stats(user=agent, filters=may()).first_response
    # A 1, B 1 (weekend and holiday skipped), C 1, D 11, F 2, G 1 (rejected), J 1 — E has none yet.
    assert first_response.working_days.n == 7
    assert first_response.working_days.median == 1
    assert first_response.working_days.p90 == 11
    assert first_response.working_days.buckets == {"0-2": 6, "3-5": 0, "6-10": 0, "11-20": 1, "21+": 0}
    # 24 24 24 24 48 90 432 hours.
    assert first_response.hours.n == 7
    assert first_response.hours.median == 24
    assert first_response.hours.p90 == 432


def test_resolution_time_leaves_out_the_wait_for_the_citizen(dataset, agent):
    resolution = ticket_stats(user=agent, filters=may()).resolution
    # A 2, B 1, C 5 − 3 paused = 2, D 11, F 2 (a three-way tie at the median); G rejected, E and J open.
    assert resolution.working_days.n == 5
    assert resolution.working_days.median == 2
    assert resolution.working_days.p90 == 11
    assert resolution.working_days.buckets == {"0-2": 4, "3-5": 0, "6-10": 0, "11-20": 1, "21+": 0}
    # 48 90 48 (216 − 168 paused) 432 48.
    assert resolution.hours.median == 48
    assert resolution.hours.p90 == 432


def test_paused_ticket_alone_resolves_in_two_working_days_and_48_hours(dataset, agent):
    report = ticket_stats(
        user=agent, filters=StatsFilter(period=Period(datetime.date(2026, 5, 20), datetime.date(2026, 5, 20)))
    )
    assert (report.resolution.working_days.n, report.resolution.working_days.median) == (1, 2)
    assert report.resolution.hours.median == 48


def test_within_deadline_and_reopen_rate(dataset, agent):
    report = ticket_stats(user=agent, filters=may())
    # D answered on 22 May, due 21 May; C's due date moved by its pause and it is on time.
    assert (report.within_deadline.count, report.within_deadline.n) == (4, 5)
    assert report.within_deadline.percent == 80.0
    assert (report.reopened.count, report.reopened.n) == (1, 5)


def test_backlog_by_age_overdue_and_waiting_for_the_citizen(dataset, agent):
    backlog = ticket_backlog(user=agent, filters=may(), now=paris(5, 29, 12))
    # D in progress (25 days, overdue since 21 May), E new (3 days), J waiting (11 days), K (116 days, overdue).
    assert backlog.open == 4
    assert backlog.by_age == {"lt7": 1, "7-30": 2, "30-90": 0, "gte90": 1}
    assert backlog.overdue == 2
    assert (backlog.awaiting_citizen.count, backlog.awaiting_citizen.n) == (1, 4)


def test_an_agent_of_another_service_sees_none_of_them(dataset, other_agent):
    report = ticket_stats(user=other_agent, filters=may())
    assert report.volume.total == 1
    assert report.volume.by_service == [(dataset.other_type.service_id, "État civil", 1)]
    assert report.resolution.working_days.n == 1
    assert ticket_backlog(user=other_agent, filters=may(), now=paris(5, 29, 12)).open == 0
    # Asking for a service they do not belong to narrows to nothing; it never widens what they see.
    assert ticket_stats(user=other_agent, filters=may(service=dataset.request_type.service)).volume.total == 0


def test_a_supervisor_sees_every_service(dataset, supervisor):
    report = ticket_stats(user=supervisor, filters=may())
    assert report.volume.total == 9
    assert report.volume.by_channel == {Channel.WEB: 7, Channel.EMAIL: 1, Channel.PHONE: 1}
    assert report.resolution.working_days.n == 6
    assert report.within_deadline.count == 5


def test_a_user_without_an_agent_record_sees_nothing(dataset):
    citizen_user = factories.UserFactory()
    report = ticket_stats(user=citizen_user, filters=may())
    assert report.volume.total == 0
    assert report.resolution.working_days.n == 0
    assert report.resolution.working_days.median is None
    assert report.within_deadline.value is None


def test_filters_by_service_type_channel_and_assignee(dataset, agent, supervisor):

    assert ticket_stats(user=supervisor, filters=may(service=dataset.request_type.service)).volume.total == 8
    assert ticket_stats(user=supervisor, filters=may(request_type=dataset.other_type)).volume.total == 1
    email = ticket_stats(user=agent, filters=may(channel=Channel.EMAIL))
    assert (email.volume.total, email.first_response.working_days.n, email.resolution.working_days.n) == (1, 1, 0)
    services.ticket_assign(ticket=dataset.c, assignee=agent, actor=supervisor)
    mine = ticket_stats(user=agent, filters=may(assignee=agent))
    assert mine.volume.total == 1
    assert mine.resolution.working_days.median == 2


def test_comparison_with_the_previous_period_of_the_same_length(dataset, agent):
    comparison = ticket_stats_compared(user=agent, filters=may())
    assert comparison.previous.period == Period(datetime.date(2026, 3, 31), datetime.date(2026, 4, 30))
    assert comparison.current.volume.total == 8
    assert comparison.previous.volume.total == 1
    assert comparison.previous.resolution.working_days.median == 1
    assert comparison.previous.resolution.hours.median == 24
    assert comparison.previous.within_deadline.percent == 100.0


def test_small_cells_are_not_publishable(dataset, agent, settings):
    report = ticket_stats(user=agent, filters=may())
    assert report.resolution.working_days.n == 5
    assert not report.resolution.working_days.publishable
    assert not report.within_deadline.publishable
    settings.GUICHET_STATS_MIN_CELL = 5
    assert report.resolution.working_days.publishable
    assert report.within_deadline.publishable


@pytest.mark.parametrize("resolved_day", [datetime.date(2026, 5, 31), datetime.date(2026, 6, 1)])
def test_a_duration_belongs_to_the_period_in_which_it_ended(dataset, agent, resolved_day):

    change(dataset.e, agent, paris(resolved_day.month, resolved_day.day, 12), Status.ANSWERED)
    n = ticket_stats(user=agent, filters=may()).resolution.working_days.n
    assert n == (6 if resolved_day.month == 5 else 5)


def test_the_number_of_queries_does_not_grow_with_the_tickets(dataset, agent):

    ticket_stats(user=agent, filters=may())  # the commune's calendar and the agent's services, cached
    with CaptureQueriesContext(connection) as before:
        ticket_stats(user=agent, filters=may())
    for day in (12, 13, 18):
        ticket = factories.make_ticket(request_type=dataset.request_type, citizen=None, received_at=paris(5, day))
        change(ticket, agent, paris(5, 20), Status.ANSWERED)
    with CaptureQueriesContext(connection) as after:
        report = ticket_stats(user=agent, filters=may())
    assert report.resolution.working_days.n == 8
    # Volume (7), deadline and reopen (1), two durations × (grouped days + hours).
    assert len(after) == len(before) == 12


def test_reception_sees_every_ticket_as_in_its_inbox(dataset):
    reception = factories.AgentFactory(role="reception").user
    assert ticket_stats(user=reception, filters=may()).volume.total == 9


def test_an_inactive_agent_sees_nothing(dataset, agent):
    agent.is_active = False
    agent.save()
    assert ticket_stats(user=agent, filters=may()).volume.total == 0


def test_two_waits_for_the_citizen_are_both_left_out(commune, request_type, agent):

    ticket = received(request_type, paris(6, 1))
    reply(ticket, agent, paris(6, 2), new_status=Status.AWAITING_CITIZEN)
    citizen_reply(ticket, paris(6, 4))  # waited 3 and 4 June: 2 wd, 48 h
    reply(ticket, agent, paris(6, 5), new_status=Status.AWAITING_CITIZEN)
    citizen_reply(ticket, paris(6, 9))  # waited 8 and 9 June: 2 wd, 96 h
    reply(ticket, agent, paris(6, 10), new_status=Status.ANSWERED)
    report = ticket_stats(
        user=agent, filters=StatsFilter(period=Period(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30)))
    )
    # 2 3 4 5 8 9 10 June = 7 wd − 4 paused; 216 h − 144 h paused.
    assert report.resolution.working_days.median == 3
    assert report.resolution.hours.median == 72
    assert report.first_response.working_days.median == 1
    assert (report.within_deadline.count, report.within_deadline.n) == (1, 1)


def test_a_reopened_ticket_answered_again_keeps_its_first_resolution(dataset, agent):

    change(dataset.d, agent, paris(5, 28), Status.ANSWERED)
    report = ticket_stats(user=agent, filters=may())
    assert report.resolution.working_days.n == 5
    assert report.resolution.working_days.p90 == 11
    assert (report.reopened.count, report.reopened.n) == (1, 5)


def test_a_citizen_message_typed_by_an_agent_is_not_a_response(dataset, agent):

    with at(paris(5, 27)):
        services.message_post_by_citizen(ticket=dataset.e, body="Appel", channel=Channel.PHONE, entered_by=agent)
    assert ticket_stats(user=agent, filters=may()).first_response.working_days.n == 7
