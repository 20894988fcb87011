"""The request form's nearby panel and « Moi aussi » (issue 17)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from guichet.catalogue.models import LocationMode
from guichet.citizens.models import Citizen
from guichet.notifications.models import Notification, Template
from guichet.tickets import nearby
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Event, EventKind, Ticket, TicketFollower
from tests import factories

pytestmark = pytest.mark.django_db

HERE = (45.7640, 4.8357)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def located_type(request_type):
    request_type.location_mode = LocationMode.BOTH
    request_type.save()
    return request_type


def located(request_type, metres=0.0, **kwargs):
    defaults = {
        "latitude": HERE[0] + metres / nearby.METRES_PER_DEGREE_LAT,
        "longitude": HERE[1],
        "address_label": "12 bis Rue de la République 69001 Lyon",
        "citizen": factories.CitizenFactory(first_name="Hélène", last_name="Premier"),
        "subject": "Lampadaire éteint, appelez-moi au 06 12 34 56 78",
    }
    return factories.raw_ticket(request_type=request_type, **{**defaults, **kwargs})


def panel(client, request_type, **params):
    params = {"location_lat": str(HERE[0]), "location_lon": str(HERE[1]), **params}
    return client.get(reverse("portal:nearby", args=[request_type.slug]), params, headers={"HX-Request": "true"})


def contact(**overrides):
    return {
        "contact-first_name": "Paul",
        "contact-last_name": "Martin",
        "contact-email": "paul@example.org",
        "contact-phone": "",
        "contact-ack_channel": "email",
        **overrides,
    }


def test_the_panel_lists_open_requests_of_the_type_nearby_and_nothing_personal(client, located_type):
    ticket = located(located_type, 20)
    located(located_type, 200)
    located(located_type, 5, status=Status.CLOSED)
    located(factories.RequestTypeFactory(service=located_type.service, location_mode=LocationMode.MAP), 5)
    response = panel(client, located_type, f_description="lampadaire")
    assert response.status_code == 200
    text = response.text
    assert text.count("formaction=") == 1
    assert f'formaction="{reverse("portal:me_too", args=[located_type.slug, ticket.reference])}"' in text
    assert "Rue de la République 69001 Lyon" in text and "12 bis" not in text
    for personal in ("Hélène", "Premier", "06 12 34 56 78", "Lampadaire éteint", "helene"):
        assert personal not in text
    assert "à environ 20 m" in text


def test_the_panel_says_when_nothing_is_nearby_and_ignores_bad_coordinates(client, located_type):
    assert "Aucune demande semblable" in panel(client, located_type).text
    for lat, lon in (("abc", "4.8"), ("95", "4.8"), ("nan", "4.8"), ("", "")):
        response = panel(client, located_type, location_lat=lat, location_lon=lon)
        assert response.status_code == 200 and "Moi aussi" not in response.text


def test_a_type_without_location_has_no_panel(client, request_type):
    assert panel(client, request_type).status_code == 404


def test_the_panel_is_rate_limited(client, located_type, settings):
    settings.GUICHET_NEARBY_RATE = "2/m"
    panel(client, located_type)
    panel(client, located_type)
    response = panel(client, located_type)
    assert response.status_code == 200 and "Trop de recherches" in response.text  # htmx swaps only a 200
    params = {"location_lat": str(HERE[0]), "location_lon": str(HERE[1])}
    assert client.get(reverse("portal:nearby", args=[located_type.slug]), params).status_code == 429


def test_me_too_makes_a_follower_confirms_and_shows_the_reference(client, located_type):
    ticket = located(located_type, 10)
    url = reverse("portal:me_too", args=[located_type.slug, ticket.reference])
    page = client.get(url)
    assert page.status_code == 200 and "Premier" not in page.text and "Rue de la République" in page.text
    response = client.post(url, contact())
    assert response.status_code == 302
    assert response.url == reverse("portal:me_too_done", args=[located_type.slug, ticket.reference])
    follower = TicketFollower.objects.get(ticket=ticket)
    assert follower.citizen.email == "paul@example.org"
    assert Event.objects.filter(ticket=ticket, kind=EventKind.FOLLOWER_ADDED).count() == 1
    assert Notification.objects.get(template=Template.FOLLOWER_ADDED).recipient == "paul@example.org"
    done = client.get(response.url)
    assert ticket.reference_display in done.text
    # The public tracking page counts the people affected.
    status_page = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert "Personnes concernées" in status_page.text
    assert Ticket.objects.count() == 1


def test_me_too_keeps_what_was_typed_on_an_error(client, located_type):
    ticket = located(located_type, 10)
    url = reverse("portal:me_too", args=[located_type.slug, ticket.reference])
    response = client.post(url, contact(**{"contact-email": "pas-une-adresse"}))
    assert response.status_code == 400
    assert 'value="Paul"' in response.text and "pas-une-adresse" in response.text
    assert not TicketFollower.objects.exists() and not Citizen.objects.filter(first_name="Paul").exists()


def test_me_too_needs_csrf(located_type):
    from django.test import Client

    ticket = located(located_type, 10)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("portal:me_too", args=[located_type.slug, ticket.reference]), contact())
    assert response.status_code == 403 and not TicketFollower.objects.exists()


def test_me_too_refuses_closed_unlocated_or_other_type_requests(client, located_type):
    closed = located(located_type, 10, status=Status.CLOSED)
    unlocated = factories.raw_ticket(request_type=located_type)
    other = located(factories.RequestTypeFactory(service=located_type.service, location_mode=LocationMode.MAP), 10)
    for ticket in (closed, unlocated, other):
        response = client.post(reverse("portal:me_too", args=[located_type.slug, ticket.reference]), contact())
        assert response.status_code == 404
    assert not TicketFollower.objects.exists()


def test_me_too_is_rate_limited(client, located_type, settings):
    settings.GUICHET_SUBMIT_RATE = "1/m"
    ticket = located(located_type, 10)
    url = reverse("portal:me_too", args=[located_type.slug, ticket.reference])
    client.post(url, contact())
    response = client.post(url, contact(**{"contact-email": "autre@example.org"}))
    assert response.status_code == 429
    assert TicketFollower.objects.count() == 1


def test_the_panel_button_posts_the_whole_request_form_to_me_too(client, located_type):
    """The panel sits inside the request form: its button sends the form, contact details included."""
    ticket = located(located_type, 10)
    form = {
        "submission_key": "0f9a3c1e-8a4b-4a57-9a0c-1d2e3f405162",
        "f_description": "Le lampadaire ne marche plus",
        "location_lat": str(HERE[0]),
        "location_lon": str(HERE[1]),
        **contact(),
    }
    response = client.post(reverse("portal:me_too", args=[located_type.slug, ticket.reference]), form)
    assert response.status_code == 302
    assert TicketFollower.objects.get().citizen.email == "paul@example.org"
    assert Ticket.objects.count() == 1


def test_me_too_and_the_web_form_read_the_contact_form_the_same_way(client, located_type):
    """One mapping (``citizens.services.citizen_from_contact``): someone who filed on the web and later says
    « moi aussi » with the same details is the same record, their chosen channel kept."""
    from guichet.citizens.services import citizen_from_contact

    filed = citizen_from_contact(
        {"first_name": "Paul", "last_name": "Martin", "email": "paul@example.org", "phone": "", "ack_channel": "email"}
    )
    ticket = located(located_type, 10)
    response = client.post(reverse("portal:me_too", args=[located_type.slug, ticket.reference]), contact())
    assert response.status_code == 302
    assert TicketFollower.objects.get(ticket=ticket).citizen_id == filed.pk
    assert Citizen.objects.filter(email="paul@example.org").count() == 1
    sms = citizen_from_contact(
        {"first_name": "Lou", "last_name": "Bon", "email": "", "phone": "+33612345670", "ack_channel": "sms"}
    )
    assert (sms.preferred_channel, sms.consent_sms, sms.phone) == ("sms", True, "+33612345670")
