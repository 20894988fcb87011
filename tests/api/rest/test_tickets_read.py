"""Listing, filtering, searching, paging and reading tickets; ETags and query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from tests import factories

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    response = client.get(reverse("api:tickets"), params)
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def test_the_list_reads_a_fixed_number_of_queries(api_as, agent, request_type, django_assert_max_num_queries):
    client = api_as(agent)
    for _ in range(3):
        factories.raw_ticket(request_type=request_type, citizen=factories.CitizenFactory(), assignee=agent)
    client.get(reverse("api:tickets"))  # warm the key's last_used_at write
    with django_assert_max_num_queries(5) as few:
        assert len(listed(client)) == 3
    for _ in range(20):
        factories.raw_ticket(request_type=request_type, citizen=factories.CitizenFactory(), assignee=agent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(client)) == 23


def test_the_detail_reads_a_fixed_number_of_queries(api_as, agent, ticket, django_assert_max_num_queries):
    client = api_as(agent)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Un")
    client.get(reverse("api:ticket", args=[ticket.reference]))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("api:ticket", args=[ticket.reference]))
    for body in ("Deux", "Trois", "Quatre"):
        services.message_post_by_agent(ticket=ticket, agent=agent, body=body, internal=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        detail = client.get(reverse("api:ticket", args=[ticket.reference])).json()
    assert [m["body"] for m in detail["messages"]] == ["Un", "Deux", "Trois", "Quatre"]


def test_cursor_pagination_walks_every_ticket_once(api_as, agent, request_type):
    client = api_as(agent)
    start = timezone.now() - datetime.timedelta(hours=1)
    made = [
        factories.raw_ticket(request_type=request_type, created_at=start + datetime.timedelta(minutes=i)).reference
        for i in range(7)
    ]
    seen, url, pages = [], reverse("api:tickets") + "?page_size=3", 0
    while url:
        page = client.get(url).json()
        seen += [row["reference"] for row in page["results"]]
        url, pages = page["next"], pages + 1
    assert pages == 3
    assert seen == list(reversed(made))  # newest first by default


def test_a_bad_cursor_is_a_400(api_as, agent):
    response = api_as(agent).get(reverse("api:tickets"), {"cursor": "pas-un-curseur"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"cursor": ["Curseur de pagination invalide."]}


def test_filters(api_as, agent, request_type, service):
    client = api_as(agent)
    other_type = factories.RequestTypeFactory(service=service, slug="eclairage")
    today = timezone.localdate()
    phone = factories.raw_ticket(request_type=request_type, channel=Channel.PHONE, due_date=today)
    late = factories.raw_ticket(request_type=other_type, assignee=agent, due_date=today - datetime.timedelta(days=3))
    closed = factories.raw_ticket(request_type=request_type, status=Status.CLOSED, due_date=today)
    assert set(listed(client, status="closed")) == {closed.reference}
    assert set(listed(client, status="received,closed")) == {phone.reference, late.reference, closed.reference}
    assert listed(client, channel="phone") == [phone.reference]
    assert listed(client, request_type="eclairage") == [late.reference]
    assert listed(client, assignee="me") == [late.reference]
    assert listed(client, assignee=agent.username) == [late.reference]
    assert set(listed(client, assignee="none")) == {phone.reference, closed.reference}
    assert listed(client, overdue="true") == [late.reference]
    assert listed(client, due_before=str(today - datetime.timedelta(days=1))) == [late.reference]
    assert set(listed(client, due_after=str(today))) == {phone.reference, closed.reference}
    assert set(listed(client, service="voirie")) == {phone.reference, late.reference, closed.reference}


@pytest.mark.parametrize(
    "params",
    [{"status": "nope"}, {"channel": "fax"}, {"due_before": "demain"}, {"updated_after": "x"}, {"ordering": "pk"}],
)
def test_bad_filters_are_a_400_naming_the_parameter(api_as, agent, params):
    response = api_as(agent).get(reverse("api:tickets"), params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and {f.split(".")[0] for f in body["fields"]} == set(params)


def test_updated_after_and_ordering_make_a_sync(api_as, agent, ticket, request_type):
    client = api_as(agent)
    first = client.get(reverse("api:tickets"), {"ordering": "updated_at"}).json()["results"]
    mark = first[-1]["updated_at"]
    assert listed(client, updated_after=mark) == []
    other = factories.make_ticket(request_type=request_type, citizen=None)
    services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    assert listed(client, updated_after=mark, ordering="updated_at") == [other.reference, ticket.reference]


def test_search_finds_a_citizen_by_name_without_accents(api_as, agent, ticket, request_type):
    factories.make_ticket(
        request_type=request_type,
        citizen=factories.CitizenFactory(first_name="Paul", last_name="Martin", email="paul@example.org"),
    )
    assert listed(api_as(agent), q="lefevre") == [ticket.reference]


def test_detail_has_the_thread_internal_notes_events_and_attachments(api_as, agent, ticket):
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Réponse")
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Note", internal=True)
    detail = api_as(agent).get(reverse("api:ticket", args=[ticket.reference.lower()])).json()
    assert detail["reference"] == ticket.reference
    assert [(m["body"], m["visibility"]) for m in detail["messages"]] == [("Réponse", "public"), ("Note", "internal")]
    assert detail["messages"][0]["author"] == {"username": agent.username, "name": agent.get_full_name()}
    assert [e["kind"] for e in detail["events"]][:4] == ["created", "agent_reply", "status_changed", "internal_note"]
    assert detail["citizen"]["email"] == "helene.lefevre@example.org"
    assert detail["answers"] == [
        {"code": "description", "label": "Description", "kind": "long_text", "value": "Trou profond"}
    ]
    assert detail["status"] == "in_progress" and detail["version"] == 3


def test_etag_and_if_none_match_give_a_304_until_the_ticket_changes(api_as, agent, ticket):
    client = api_as(agent)
    url = reverse("api:ticket", args=[ticket.reference])
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"autre", W/{etag}').status_code == 304
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Note", internal=True)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_etag_changes_with_what_the_agent_reads_even_without_a_new_version(api_as, agent, ticket):
    client = api_as(agent)
    url = reverse("api:ticket", args=[ticket.reference])
    etag = client.get(url)["ETag"]
    ticket.citizen.phone = "+33698765432"
    ticket.citizen.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_unencoded_plus_in_the_offset_is_understood(api_as, agent, ticket):
    client = api_as(agent)
    before = (ticket.updated_at - datetime.timedelta(hours=1)).astimezone(
        datetime.timezone(datetime.timedelta(hours=1))
    )
    typed = before.isoformat().replace("+", " ")  # what "?updated_after=…+01:00" decodes to
    assert listed(client, updated_after=typed) == [ticket.reference]
    assert listed(client, updated_after=before.isoformat()) == [ticket.reference]


def test_detail_names_the_household_member_and_the_partner_application(api_as, agent, ticket):
    import datetime as dt

    from guichet.api.keys import api_key_create
    from guichet.api.models import Scope
    from guichet.households.services import member_create
    from guichet.tickets.models import Ticket

    member = member_create(
        citizen=ticket.citizen, first_name="Lucas", last_name="Lefèvre", birth_date=dt.date(2018, 3, 14),
        relationship="child",
    )  # fmt: skip
    partner, _raw = api_key_create(name="Appli Signalements", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    Ticket.objects.filter(pk=ticket.pk).update(household_member=member, api_key=partner)
    detail = api_as(agent).get(reverse("api:ticket", args=[ticket.reference])).json()
    assert detail["household_member"] == {
        "public_id": member.public_id, "first_name": "Lucas", "last_name": "Lefèvre", "birth_date": "2018-03-14",
        "relationship": "child",
    }  # fmt: skip
    assert detail["api_application"] == "Appli Signalements"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/tickets/{ref}/attachments/%00/", "/api/v1/tickets/%00/", "/api/v1/request-types/a%00/"],
)
def test_a_nul_byte_in_a_path_is_the_apis_404(api_as, supervisor, ticket, url):
    """Found by the fuzz test on PostgreSQL, whose text cannot hold NUL: the lookups crashed with a 500."""
    response = api_as(supervisor).get(url.format(ref=ticket.reference))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
