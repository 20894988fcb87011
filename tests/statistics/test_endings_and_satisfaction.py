"""Closing outcomes and satisfaction answers, pinned by hand-computed numbers (docs/METRICS.md).

Six tickets end within the last 30 days, five in the agent's service (Voirie), one in another; one more ended a
year ago and counts nowhere. Answers ("Très bien" = good), with the agent in charge of A and B:

    ticket  service  channel  outcome            ease    quality  delay   not solved
    A       Voirie   web      resolved           good    good     good
    B       Voirie   email    resolved           good    good     bad
    C       Voirie   web      not_for_town_hall  bad     bad      medium  yes
    D       Voirie   web      duplicate          good    good     good
    E       Voirie   web      no_follow_up       medium  good     good
    F       other    phone    resolved           bad     bad      bad

The agent (Voirie only): 5 endings, resolved 2/5 = 40 %; 5 answers, ease 3/5 = 60 %, quality 4/5 = 80 %,
delay 3/5 = 60 %, not solved 1/5 = 20 %. A supervisor: 6 endings, resolved 3/6 = 50 %; ease 3/6 = 50 %.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.api.models import Scope
from guichet.statistics.filters import Period, Preset, StatsFilter
from guichet.statistics.outcomes import ticket_outcomes
from guichet.statistics.satisfaction import ticket_satisfaction
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, ClosingOutcome, Status
from guichet.tickets.models import Ticket
from guichet.tickets.surveys import SurveyAnswer, survey_answer, survey_find, survey_paper_code
from tests import factories
from tests.api.rest.conftest import client_with_key, key_for

pytestmark = pytest.mark.django_db


def last_30_days() -> StatsFilter:
    """Built when a test runs, not when the module loads: a suite that crosses midnight moves the period."""
    return StatsFilter(period=Period.from_preset(Preset.LAST_30_DAYS))


def _ended(request_type, agent, to_status, outcome, ratings, *, channel=Channel.WEB, assign=False, not_resolved=False):
    ticket = factories.make_ticket(request_type=request_type, citizen=None, channel=channel)
    if assign:
        services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    if to_status == Status.CLOSED:
        services.ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent)
    kept = factories.make_ticket(request_type=request_type, citizen=None)
    chosen = services.outcome_for(
        ticket=ticket, kind=outcome, competent_body="La préfecture", duplicate_reference=kept.reference
    )
    services.ticket_change_status(ticket=ticket, to_status=to_status, actor=agent, outcome=chosen)
    code = survey_paper_code(ticket=ticket)
    survey = survey_find(code)
    ease, quality, delay = ratings
    survey_answer(
        survey=survey, answer=SurveyAnswer(ease=ease, quality=quality, delay=delay, not_resolved=not_resolved)
    )
    return ticket


@pytest.fixture
def endings(request_type, agent, other_agent, other_service, settings):
    settings.GUICHET_STATS_MIN_CELL = 5
    other_type = factories.RequestTypeFactory(service=other_service, name="Acte de naissance")
    t = SimpleNamespace()
    t.a = _ended(request_type, agent, Status.CLOSED, ClosingOutcome.RESOLVED, ("good", "good", "good"), assign=True)
    t.b = _ended(
        request_type,
        agent,
        Status.CLOSED,
        ClosingOutcome.RESOLVED,
        ("good", "good", "bad"),
        channel=Channel.EMAIL,
        assign=True,
    )
    t.c = _ended(
        request_type,
        agent,
        Status.REJECTED,
        ClosingOutcome.NOT_FOR_TOWN_HALL,
        ("bad", "bad", "medium"),
        not_resolved=True,
    )
    t.d = _ended(request_type, agent, Status.REJECTED, ClosingOutcome.DUPLICATE, ("good", "good", "good"))
    t.e = _ended(request_type, agent, Status.REJECTED, ClosingOutcome.NO_FOLLOW_UP, ("medium", "good", "good"))
    t.f = _ended(
        other_type, other_agent, Status.CLOSED, ClosingOutcome.RESOLVED, ("bad", "bad", "bad"), channel=Channel.PHONE
    )
    # Ended a year ago: outside every period below, for its ending as for its answer.
    t.old = factories.make_ticket(request_type=request_type, citizen=None)
    services.ticket_change_status(ticket=t.old, to_status=Status.REJECTED, actor=agent)
    Ticket.objects.filter(pk=t.old.pk).update(closed_at=timezone.now() - datetime.timedelta(days=365))
    return t


def test_the_outcomes_are_counted_apart(endings, agent, supervisor):
    mine = ticket_outcomes(user=agent, filters=last_30_days())
    assert mine.counts == {"resolved": 2, "not_for_town_hall": 1, "no_follow_up": 1, "duplicate": 1}
    assert mine.n == 5
    assert (mine.share("resolved").percent, mine.share("resolved").publishable) == (40.0, True)
    everyone = ticket_outcomes(user=supervisor, filters=last_30_days())
    assert everyone.n == 6 and everyone.share("resolved").percent == 50.0


def test_satisfaction_overall_and_by_dimension(endings, agent, supervisor):
    mine = ticket_satisfaction(user=agent, filters=last_30_days())
    overall = mine.overall
    assert overall.n == 5 and overall.publishable
    assert (overall.ease.good, overall.ease.medium, overall.ease.bad) == (3, 1, 1)
    assert overall.ease.satisfied.percent == 60.0
    assert overall.quality.satisfied.percent == 80.0
    assert overall.delay.satisfied.percent == 60.0
    assert overall.not_resolved.percent == 20.0
    assert [(row.label, row.n) for row in mine.by_service] == [("Voirie", 5)]
    assert [(row.key, row.n, row.publishable) for row in mine.by_channel] == [("web", 4, False), ("email", 1, False)]
    assert [(row.key, row.n) for row in mine.by_agent] == [(agent.username, 2)]
    assert sum(row.n for row in mine.by_request_type) == 5
    everyone = ticket_satisfaction(user=supervisor, filters=last_30_days())
    assert everyone.overall.n == 6 and everyone.overall.ease.satisfied.percent == 50.0
    assert [row.n for row in everyone.by_service] == [5, 1]  # largest first


def test_the_filters_apply_to_the_answers(endings, supervisor, agent):
    by_channel = ticket_satisfaction(
        user=supervisor, filters=StatsFilter(period=last_30_days().period, channel="phone")
    )
    assert by_channel.overall.n == 1 and by_channel.overall.ease.bad == 1
    by_agent = ticket_satisfaction(user=supervisor, filters=StatsFilter(period=last_30_days().period, assignee=agent))
    assert by_agent.overall.n == 2 and by_agent.overall.delay.satisfied.percent == 50.0
    a_year_ago = Period(
        start=timezone.localdate() - datetime.timedelta(days=400),
        end=timezone.localdate() - datetime.timedelta(days=300),
    )
    assert ticket_outcomes(user=supervisor, filters=StatsFilter(period=a_year_ago)).counts["no_follow_up"] == 1
    assert ticket_satisfaction(user=supervisor, filters=StatsFilter(period=a_year_ago)).overall.n == 0


def test_the_statistics_page_shows_them_and_withholds_small_cells(client, endings, agent):
    client.force_login(agent)
    response = client.get(reverse("backoffice:pilotage"), {"periode": "30j"})
    assert response.status_code == 200
    outcomes = dict((str(label), share.count) for label, share in response.context["outcome_rows"])
    assert outcomes == {
        "Résolue": 2,
        "Ne relève pas de la mairie": 1,
        "Suite impossible": 1,
        "Doublon d’une autre demande": 1,
    }
    text = response.text
    assert "Issue des demandes terminées" in text and "Satisfaction des usagers" in text
    assert "40 %" in text and "80 %" in text
    table = text.split('id="satisfaction-3"')[1].split("</table>")[0]  # by channel: 4 and 1 answers, below 5
    assert "%" not in table and "—" in table


def test_the_api_gives_them_with_n_and_publishable(endings, agent):
    client = client_with_key(key_for(agent, [Scope.STATS_READ]))
    body = client.get("/api/v1/stats/", {"period": "30j"}).json()
    assert body["outcomes"]["n"] == 5
    assert body["outcomes"]["by_outcome"]["resolved"] == {"count": 2, "n": 5, "percent": 40.0, "publishable": True}
    overall = body["satisfaction"]["overall"]
    assert (overall["n"], overall["publishable"]) == (5, True)
    assert overall["quality"]["satisfied"]["percent"] == 80.0
    assert overall["ease"] == {
        "good": 3,
        "medium": 1,
        "bad": 1,
        "n": 5,
        "satisfied": {"count": 3, "n": 5, "percent": 60.0, "publishable": True},
    }
    assert [row["key"] for row in body["satisfaction"]["by_channel"]] == ["web", "email"]
