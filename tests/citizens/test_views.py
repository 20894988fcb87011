"""The back-office directory: who may see it, what the pages show, merging for supervisors only."""

import pytest
from django.urls import reverse

from guichet.citizens.models import Citizen
from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import EventKind, Ticket
from tests import factories
from tests.citizens.conftest import make_citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def twin(helene):
    return make_citizen("Lefevre", "Helene", phone="06 12 34 56 78")


def urls(citizen: Citizen) -> list[str]:
    return [
        reverse("backoffice:citizens"),
        reverse("backoffice:citizen_search"),
        reverse("backoffice:citizen", args=[citizen.public_id]),
        reverse("backoffice:citizen_merge", args=[citizen.public_id]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, helene):
    for url in urls(helene):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("backoffice:login"))


def test_a_user_who_is_not_an_agent_is_refused(client, helene):
    client.force_login(factories.UserFactory())
    for url in urls(helene):
        assert client.get(url).status_code == 403


def test_urls_carry_the_public_id_not_the_primary_key(helene):
    assert reverse("backoffice:citizen", args=[helene.public_id]).endswith(f"/usagers/{helene.public_id}/")


def test_every_agent_can_search_the_directory_without_javascript(client, helene, request_type):
    factories.make_ticket(request_type=request_type, citizen=helene)
    client.force_login(factories.AgentFactory(role=Role.RECEPTION).user)
    response = client.get(reverse("backoffice:citizens"), {"q": "06 12 34"})
    assert response.status_code == 200
    text = response.text
    assert "<html" in text and f'hx-get="{reverse("backoffice:citizens")}"' in text
    assert reverse("backoffice:citizen", args=[helene.public_id]) in text
    assert "06 12 34 56 78" in text and "helene.lefevre@example.org" in text and "45000 Orléans" in text
    assert "1 demande" in text
    assert 'name="citizen"' not in text


def test_htmx_gets_only_the_results_fragment(client, agent, helene):
    client.force_login(agent)
    response = client.get(reverse("backoffice:citizens"), {"q": "lefevre"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text and "Hélène Lefèvre" in response.text
    assert [t.name for t in response.templates][0] == "backoffice/citizens/_citizen_results.html"


def test_the_search_fragment_offers_a_choose_button_when_picking(client, agent, helene):
    client.force_login(agent)
    url = reverse("backoffice:citizen_search")
    plain = client.get(url, {"q": "hélène"})
    assert "<html" not in plain.text and "Hélène Lefèvre" in plain.text and 'name="citizen"' not in plain.text
    picking = client.get(url, {"q": "hélène", "pick": "1"})
    assert f'name="citizen" value="{helene.public_id}"' in picking.text
    assert "<form" not in picking.text  # it is embedded in another screen's form


def test_result_ticket_counts_only_count_the_tickets_the_agent_may_see(
    client, agent, helene, request_type, other_service
):
    factories.make_ticket(request_type=request_type, citizen=helene)
    elsewhere = factories.RequestTypeFactory(service=other_service)
    factories.raw_ticket(request_type=elsewhere, citizen=helene)
    client.force_login(agent)
    response = client.get(reverse("backoffice:citizens"), {"q": "hélène"})
    assert response.context["results"][0].visible_ticket_count == 1


def test_citizen_page_shows_contact_duplicates_and_only_visible_tickets(
    client, agent, helene, twin, request_type, other_service
):
    mine = factories.make_ticket(request_type=request_type, citizen=helene, channel=Channel.PHONE)
    elsewhere = factories.raw_ticket(request_type=factories.RequestTypeFactory(service=other_service), citizen=helene)
    client.force_login(agent)
    response = client.get(reverse("backoffice:citizen", args=[helene.public_id]))
    text = response.text
    assert "06 12 34 56 78" in text and "12 rue de la République" in text and "45000 Orléans" in text
    assert mine.reference_display in text and "Téléphone" in text
    assert elsewhere.reference_display not in text
    assert "Doublons possibles" in text and reverse("backoffice:citizen", args=[twin.public_id]) in text
    assert "même téléphone" in text
    assert "fusionner" not in text  # the merge link is for supervisors


def test_supervisor_sees_every_ticket_and_the_merge_link(client, supervisor, helene, twin, other_service):
    elsewhere = factories.raw_ticket(request_type=factories.RequestTypeFactory(service=other_service), citizen=helene)
    client.force_login(supervisor)
    text = client.get(reverse("backoffice:citizen", args=[helene.public_id])).text
    assert elsewhere.reference_display in text
    assert f"{reverse('backoffice:citizen_merge', args=[helene.public_id])}?avec={twin.public_id}" in text


def test_citizen_page_query_count_does_not_grow_with_the_tickets(
    client, agent, helene, twin, request_type, django_assert_max_num_queries
):
    client.force_login(agent)
    url = reverse("backoffice:citizen", args=[helene.public_id])
    for _ in range(30):
        factories.raw_ticket(request_type=request_type, citizen=helene)
    # user, agent, citizen, agent's services, duplicates, count, page, commune (+ closure days), the access log's row
    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20
    with django_assert_max_num_queries(11):
        client.get(url, {"page": 2})


def test_unknown_citizen_is_a_404(client, agent):
    client.force_login(agent)
    assert client.get(reverse("backoffice:citizen", args=["inconnu"])).status_code == 404


@pytest.mark.parametrize("role", [Role.SERVICE_AGENT, Role.RECEPTION, Role.MAIL_ROOM])
def test_only_supervisors_may_merge(client, helene, twin, role):
    client.force_login(factories.AgentFactory(role=role).user)
    url = reverse("backoffice:citizen_merge", args=[helene.public_id])
    assert client.get(url, {"avec": twin.public_id}).status_code == 403
    assert client.post(url, {"avec": twin.public_id, "garder": helene.public_id}).status_code == 403
    assert Citizen.objects.filter(pk__in=[helene.pk, twin.pk]).count() == 2


def test_supervisor_confirms_what_moves_then_merges(client, supervisor, helene, twin, request_type):
    moving = factories.make_ticket(request_type=request_type, citizen=twin)
    client.force_login(supervisor)
    url = reverse("backoffice:citizen_merge", args=[helene.public_id])
    choose = client.get(url)
    assert f"?avec={twin.public_id}" in choose.text
    confirm = client.get(url, {"avec": twin.public_id})
    assert confirm.context["keep"] == helene and confirm.context["gone"] == twin
    assert moving.reference_display in confirm.text
    assert Ticket.objects.get(pk=moving.pk).citizen == twin  # a GET changes nothing
    response = client.post(url, {"avec": twin.public_id, "garder": helene.public_id})
    assert response.status_code == 302 and response.url == reverse("backoffice:citizen", args=[helene.public_id])
    assert not Citizen.objects.filter(pk=twin.pk).exists()
    moving.refresh_from_db()
    assert moving.citizen == helene
    assert moving.events.filter(kind=EventKind.CITIZEN_MERGED, actor=supervisor).exists()


def test_supervisor_may_keep_the_other_record(client, supervisor, helene, twin):
    client.force_login(supervisor)
    url = reverse("backoffice:citizen_merge", args=[helene.public_id])
    confirm = client.get(url, {"avec": twin.public_id, "garder": twin.public_id})
    assert confirm.context["keep"] == twin
    response = client.post(url, {"avec": twin.public_id, "garder": twin.public_id})
    assert response.url == reverse("backoffice:citizen", args=[twin.public_id])
    assert not Citizen.objects.filter(pk=helene.pk).exists()


def test_merging_with_a_record_that_is_not_a_flagged_duplicate_is_refused(client, supervisor, helene):
    stranger = make_citizen("Martin", "Paul")
    client.force_login(supervisor)
    url = reverse("backoffice:citizen_merge", args=[helene.public_id])
    assert client.post(url, {"avec": stranger.public_id}).status_code == 404
    assert Citizen.objects.count() == 2


def test_directory_is_in_the_back_office_navigation(client, agent):
    client.force_login(agent)
    assert f'href="{reverse("backoffice:citizens")}"' in client.get(reverse("backoffice:inbox")).text


def test_admin_edits_go_through_the_services_and_keep_the_search_right(admin_client, citizen):
    from django.urls import reverse as admin_reverse

    url = admin_reverse("admin:citizens_citizen_change", args=[citizen.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {name: "" for name in ("first_name", "email", "street", "postcode", "city")}
    data |= {
        "last_name": "Durand",
        "first_name": "Zoé",
        "phone": "+33612345678",
        "preferred_channel": "email",
        "consent_email": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    citizen.refresh_from_db()
    assert citizen.last_name == "Durand"
    assert "durand" in citizen.search_text
