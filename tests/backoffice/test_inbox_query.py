"""The inbox's address keeps only the filters that matter (a GET form sends every field, empty or not), and the
agents' navigation leads to the map."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db
INBOX = "/agent/"
FORM_AS_SENT = (
    "vue=mon-service&q=&canal=web&demarche=&service=&agent=&du=&au=&escalade=&tri=echeance&pres_de=&rayon=&lat=&lon="
)


def test_a_submitted_filter_form_is_redirected_to_its_non_empty_parameters(client, agent):
    client.force_login(agent)
    response = client.get(f"{INBOX}?{FORM_AS_SENT}")
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?vue=mon-service&canal=web&tri=echeance"
    assert client.get(response["Location"]).status_code == 200


def test_a_radius_without_a_place_goes_and_with_one_stays(client, agent, ticket):
    client.force_login(agent)
    assert client.get(f"{INBOX}?rayon=200")["Location"] == INBOX
    near = f"{INBOX}?pres_de={ticket.reference}&rayon=200"
    assert client.get(near).status_code == 200


def test_htmx_gets_the_clean_address_to_push(client, agent):
    client.force_login(agent)
    response = client.get(f"{INBOX}?{FORM_AS_SENT}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{INBOX}?vue=mon-service&canal=web&tri=echeance"
    response = client.get(INBOX, {"q": ""}, headers={"HX-Request": "true"})
    assert response["HX-Push-Url"] == INBOX


def test_pagination_export_and_map_links_carry_no_empty_parameter(client, agent, request_type):
    for _ in range(26):
        factories.raw_ticket(request_type=request_type)
    client.force_login(agent)
    page = client.get(f"{INBOX}?vue=mon-service&canal=web").text
    assert "pres_de=" not in page and "lat=&" not in page and "q=&" not in page
    assert f'href="{reverse("backoffice:inbox_map")}?vue=mon-service&amp;canal=web"' in page
    map_page = client.get(reverse("backoffice:inbox_map"), {"vue": "mon-service", "q": "", "rayon": "50"}).text
    assert "demandes.geojson?vue=mon-service&quot;" in map_page or 'demandes.geojson?vue=mon-service"' in map_page


def test_the_agents_navigation_links_to_the_map_and_marks_it_current(client, agent):
    client.force_login(agent)
    url = reverse("backoffice:inbox_map")
    assert f'<a href="{url}">Carte</a>' in client.get(INBOX).text
    assert f'<a href="{url}" aria-current="page">Carte</a>' in client.get(url).text


def test_the_map_is_refused_to_a_visitor(client):
    response = client.get(reverse("backoffice:inbox_map"))
    assert response.status_code == 302 and "/agent/connexion/" in response["Location"]
