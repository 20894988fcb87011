import pytest
from django.urls import reverse

from guichet.api.models import Scope
from guichet.catalogue.models import FieldKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue_client(api_as, agent):
    return api_as(agent, [Scope.CATALOGUE_READ])


def test_request_types_with_their_fields_in_a_fixed_number_of_queries(
    catalogue_client, request_type, django_assert_max_num_queries
):
    factories.FieldFactory(
        request_type=request_type, code="taille", kind=FieldKind.CHOICE, choices="Petit\nGrand", order=4
    )
    catalogue_client.get(reverse("api:request_types"))
    with django_assert_max_num_queries(4) as few:
        [listed] = catalogue_client.get(reverse("api:request_types")).json()
    for n in range(3):
        factories.RequestTypeFactory(service=request_type.service, with_fields=True, slug=f"autre-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(catalogue_client.get(reverse("api:request_types")).json()) == 4
    assert listed["slug"] == request_type.slug and listed["service"] == "voirie"
    assert [f["code"] for f in listed["fields"]] == ["adresse", "description", "photo", "taille"]
    assert listed["fields"][3]["choices"] == ["Petit", "Grand"]


def test_request_types_filters(catalogue_client, request_type, other_service):
    other = factories.RequestTypeFactory(service=other_service, slug="acte-naissance", is_active=False)
    assert [
        t["slug"] for t in catalogue_client.get(reverse("api:request_types"), {"service": "etat-civil"}).json()
    ] == [other.slug]
    assert [t["slug"] for t in catalogue_client.get(reverse("api:request_types"), {"active": "true"}).json()] == [
        request_type.slug
    ]
    theme = request_type.theme.slug
    assert [t["slug"] for t in catalogue_client.get(reverse("api:request_types"), {"theme": theme}).json()] == [
        request_type.slug
    ]


def test_one_request_type_and_a_404_in_the_api_format(catalogue_client, request_type):
    assert (
        catalogue_client.get(reverse("api:request_type", args=[request_type.slug])).json()["name"] == request_type.name
    )
    response = catalogue_client.get(reverse("api:request_type", args=["inconnue"]))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_services_and_themes(catalogue_client, service, other_service, request_type):
    services = catalogue_client.get(reverse("api:services")).json()
    assert [s["slug"] for s in services] == ["etat-civil", "voirie"]
    assert services[1] == {"slug": "voirie", "name": "Voirie", "email": "voirie@mairie.test", "is_active": True}
    themes = catalogue_client.get(reverse("api:themes")).json()
    assert [t["slug"] for t in themes] == [request_type.theme.slug]


def test_agents_to_assign_need_an_agents_key(
    api_as, agent, other_agent, service, catalogue_client, django_assert_max_num_queries
):
    client = api_as(agent, [Scope.TICKETS_READ])
    factories.AgentFactory(services=[service], user=factories.UserFactory(is_active=False))
    client.get(reverse("api:agents"))  # the key's last_used_at write
    with django_assert_max_num_queries(4):
        everyone = client.get(reverse("api:agents")).json()
    assert {a["username"] for a in everyone} == {agent.username, other_agent.username}
    [mine] = client.get(reverse("api:agents"), {"service": "voirie"}).json()
    assert mine == {
        "username": agent.username,
        "name": agent.get_full_name(),
        "role": "service_agent",
        "services": ["voirie"],
    }
    assert catalogue_client.get(reverse("api:agents")).status_code == 403
