import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_agent(client, agent):
    client.force_login(agent)
    return agent


def inbox(client, **params):
    return client.get(reverse("backoffice:inbox"), params)


def test_views_split_mine_unassigned_and_late(client, logged_agent, request_type):
    today = timezone.localdate()
    mine = factories.raw_ticket(
        request_type=request_type, assignee=logged_agent, due_date=today + datetime.timedelta(5)
    )
    free = factories.raw_ticket(request_type=request_type, due_date=today + datetime.timedelta(5))
    late = factories.raw_ticket(request_type=request_type, due_date=today - datetime.timedelta(1))
    assert [mine.reference_display] == refs(inbox(client, vue="mes-demandes"))
    assert {free.reference_display, late.reference_display} == set(refs(inbox(client, vue="non-assignees")))
    assert [late.reference_display] == refs(inbox(client, vue="en-retard"))
    page = inbox(client)
    assert 'aria-current="page">Mon service <span class="count">3</span>' in page.text
    counts = {key: count for key, _label, count in page.context["views"]}
    assert counts == {"mes-demandes": 1, "mon-service": 3, "non-assignees": 2, "en-retard": 1}


def refs(response):
    return [t.reference_display for t in response.context["page"].object_list]


def test_closed_tickets_appear_only_when_asked_for(client, logged_agent, request_type):
    closed = factories.raw_ticket(request_type=request_type, status=Status.CLOSED)
    assert closed.reference_display not in refs(inbox(client))
    assert refs(inbox(client, statut=Status.CLOSED)) == [closed.reference_display]


def test_filters_combine_and_stay_in_the_pagination_links(client, logged_agent, request_type):
    for _ in range(30):
        factories.raw_ticket(request_type=request_type, channel=Channel.PHONE)
    factories.raw_ticket(request_type=request_type, channel=Channel.WEB)
    response = inbox(client, canal=Channel.PHONE, tri="recentes")
    assert response.context["page"].paginator.count == 30
    assert "canal=phone" in response.context["query_string"]
    assert "page=2" in response.text and "canal=phone&amp;tri=recentes&amp;page=2" in response.text


def test_due_soon_and_overdue_filters(client, logged_agent, request_type):
    today = timezone.localdate()
    soon = factories.raw_ticket(request_type=request_type, due_date=today)
    factories.raw_ticket(request_type=request_type, due_date=today + datetime.timedelta(days=30))
    late = factories.raw_ticket(request_type=request_type, due_date=today - datetime.timedelta(days=3))
    assert refs(inbox(client, bientot="on")) == [soon.reference_display]
    assert refs(inbox(client, retard="on")) == [late.reference_display]


@pytest.fixture
def searchable(logged_agent, request_type):
    citizen = factories.CitizenFactory(first_name="Hélène", last_name="Dupontel", phone="+33612345678")
    target = factories.make_ticket(
        request_type=request_type,
        citizen=citizen,
        subject="Lampadaire cassé",
        answers=[{"code": "adresse", "label": "Adresse", "kind": "address", "value": {"street": "rue des Tilleuls"}}],
    )
    services.message_post_by_citizen(ticket=target, body="Le poteau penche dangereusement", channel=Channel.WEB)
    services.message_post_by_agent(ticket=target, agent=logged_agent, body="Vu avec Enedis", internal=True)
    other = factories.CitizenFactory(first_name="Paul", last_name="Martin", email="paul@example.org", phone="")
    factories.make_ticket(request_type=request_type, citizen=other, subject="Autre chose")
    return target


@pytest.mark.parametrize(
    "query",
    [
        "dupontel",
        "Helene",
        "HÉLÈNE Dupontel",
        "lampadaire",
        "tilleuls",
        "poteau",
        "enedis",
        "06 12 34 56 78",
        "+33612345678",
    ],
)
def test_search_finds_name_subject_answers_thread_and_phone(client, searchable, query):
    assert refs(inbox(client, q=query)) == [searchable.reference_display]


def test_search_with_no_match_lists_nothing(client, searchable):
    assert refs(inbox(client, q="introuvable")) == []


def test_a_reference_typed_in_the_search_box_opens_the_ticket(client, searchable):
    typed = searchable.reference_display.lower().replace("-", " ")
    response = inbox(client, q=typed)
    assert response.status_code == 302
    assert response.url == reverse("backoffice:ticket", args=[searchable.reference])


def test_search_never_reaches_another_services_tickets(client, other_agent, searchable):
    client.force_login(other_agent)
    assert refs(inbox(client, q="dupontel")) == []
    assert inbox(client, q=searchable.reference).status_code == 200  # no jump to a ticket it may not see


def test_sorting_by_deadline_puts_the_most_urgent_first(client, logged_agent, request_type):
    today = timezone.localdate()
    later = factories.raw_ticket(request_type=request_type, due_date=today + datetime.timedelta(days=9))
    sooner = factories.raw_ticket(request_type=request_type, due_date=today + datetime.timedelta(days=2))
    assert refs(inbox(client)) == [sooner.reference_display, later.reference_display]


def test_inbox_query_count_does_not_grow_with_the_page(
    client, logged_agent, request_type, django_assert_max_num_queries
):
    citizen = factories.CitizenFactory()
    for _ in range(25):
        factories.raw_ticket(request_type=request_type, citizen=citizen, assignee=logged_agent)
    # Constant: session, user, agent, counts, commune, filter choices, page ids, page rows, the access log's row.
    with django_assert_max_num_queries(13):
        response = inbox(client, vue="mes-demandes")
    assert len(response.context["page"].object_list) == 25


def test_invalid_filter_values_are_ignored_not_a_500(client, logged_agent, request_type):
    factories.raw_ticket(request_type=request_type)
    response = inbox(client, du="pas-une-date", demarche="abc", page="xyz", vue="inconnue")
    assert response.status_code == 200


def test_htmx_gets_the_results_fragment_but_history_restoration_the_whole_page(client, logged_agent, request_type):
    factories.raw_ticket(request_type=request_type)
    fragment = client.get(reverse("backoffice:inbox"), headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "<table" in fragment.text
    restore = client.get(
        reverse("backoffice:inbox"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text


def test_the_open_tickets_index_lists_exactly_the_open_statuses():
    from guichet.tickets.lifecycle import OPEN_STATUSES
    from guichet.tickets.models import Ticket

    [index] = [i for i in Ticket._meta.indexes if i.name == "ticket_open_by_deadline"]
    assert set(dict(index.condition.children)["status__in"]) == set(OPEN_STATUSES)


def test_pages_keep_the_sort_order_and_the_last_page_is_short(client, logged_agent, request_type):
    today = timezone.localdate()
    made = [
        factories.raw_ticket(request_type=request_type, due_date=today + datetime.timedelta(days=n)) for n in range(30)
    ]
    first = inbox(client, page=1)
    second = inbox(client, page=2)
    assert refs(first) == [t.reference_display for t in made[:25]]
    assert refs(second) == [t.reference_display for t in made[25:]]
    assert refs(inbox(client, page=99)) == refs(second)  # past the end: the last page


def test_supervisor_counts_cover_every_service(client, supervisor, request_type, other_service):
    factories.raw_ticket(request_type=request_type)
    factories.raw_ticket(request_type=factories.RequestTypeFactory(service=other_service))
    factories.raw_ticket(request_type=request_type, status=Status.CLOSED)
    client.force_login(supervisor)
    counts = {key: count for key, _label, count in inbox(client, vue="toutes").context["views"]}
    assert counts["toutes"] == 2 and counts["non-assignees"] == 2 and counts["mes-demandes"] == 0
