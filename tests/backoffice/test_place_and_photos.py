"""Agents correct a ticket's place and publish its photos (issue 17), and who may."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from guichet.catalogue.models import LocationMode
from guichet.lib.uploads import check_upload
from guichet.places.place import Place
from guichet.tickets import nearby
from guichet.tickets.models import Event, EventKind, TicketFacts
from tests import factories
from tests.backoffice.test_intake import reception  # noqa: F401 (fixture)
from tests.conftest import build_facts
from tests.places.test_photos import photo

pytestmark = pytest.mark.django_db

HERE = (45.7640, 4.8357)
LILAS = "5 Impasse des Lilas 38560 Saint-Aubin-des-Prés"


@pytest.fixture
def located_type(request_type):
    request_type.location_mode = LocationMode.BOTH
    request_type.save()
    return request_type


@pytest.fixture
def located_ticket(located_type, citizen):
    upload = check_upload(SimpleUploadedFile("lampadaire.jpg", photo(), content_type="image/jpeg"))
    return factories.make_ticket(
        request_type=located_type,
        citizen=citizen,
        place=Place(label="12 Rue de la République 69001 Lyon", latitude=HERE[0], longitude=HERE[1], in_base=True),
        uploads=[("photo", upload)],
        photos_public_consent=True,
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_url(ticket) -> str:
    return reverse("backoffice:place_edit", args=[ticket.reference])


# The place -----------------------------------------------------------------------------------------------------


def test_the_ticket_page_links_to_the_place_form_which_reuses_the_citizens_widget(agent, located_ticket):
    client = signed_in(agent)
    page = client.get(reverse("backoffice:ticket", args=[located_ticket.reference]))
    assert edit_url(located_ticket) in page.text
    form = client.get(edit_url(located_ticket))
    assert form.status_code == 200
    assert 'role="listbox"' in form.text and 'id="location-map"' in form.text  # combobox and optional map
    assert 'value="12 Rue de la République 69001 Lyon"' in form.text and 'value="45.764000"' in form.text


def test_an_agent_corrects_the_place_by_keyboard_alone(agent, located_ticket, ban_api):
    """No map: the address typed (a BAN suggestion) gives the new position; one event says old → new."""
    build_facts()  # the worker has followed the new ticket
    facts_before = TicketFacts.objects.values().get(ticket=located_ticket)
    response = signed_in(agent).post(
        edit_url(located_ticket), {"version": located_ticket.version, "location_address": LILAS}
    )
    assert response.status_code == 302
    located_ticket.refresh_from_db()
    assert located_ticket.address_label == LILAS and located_ticket.address_in_base is True
    assert located_ticket.latitude is not None and abs(located_ticket.latitude - HERE[0]) > 0.1
    event = Event.objects.get(ticket=located_ticket, kind=EventKind.PLACE_CHANGED)
    assert event.actor == agent
    assert event.data["previous"] == {
        "address": "12 Rue de la République 69001 Lyon",
        "latitude": HERE[0],
        "longitude": HERE[1],
        "in_base": True,
    }
    assert event.data["place"]["address"] == LILAS
    # The statistics' facts hold no place and stay as they were; the nearby index follows the new position.
    assert TicketFacts.objects.values().get(ticket=located_ticket) == facts_before
    probe = nearby.Probe(
        latitude=HERE[0], longitude=HERE[1], request_type_id=located_ticket.request_type_id, service_id=0
    )
    assert not nearby.nearby_tickets(probe=probe, request_type=located_ticket.request_type, same_type_only=True)
    moved = nearby.Probe(
        latitude=located_ticket.latitude,
        longitude=located_ticket.longitude,
        request_type_id=located_ticket.request_type_id,
        service_id=0,
    )
    found = nearby.nearby_tickets(probe=moved, request_type=located_ticket.request_type, same_type_only=True)
    assert [item.ticket.pk for item in found] == [located_ticket.pk]
    timeline = signed_in(agent).get(reverse("backoffice:ticket", args=[located_ticket.reference])).text
    assert "Lieu corrigé" in timeline and f"« {LILAS} »" in timeline


def test_a_moved_pin_keeps_a_typed_address(agent, located_ticket):
    response = signed_in(agent).post(
        edit_url(located_ticket),
        {
            "version": located_ticket.version,
            "location_address": "devant le n° 14",
            "location_lat": "45.765000",
            "location_lon": "4.836000",
        },
    )
    assert response.status_code == 302
    located_ticket.refresh_from_db()
    assert (located_ticket.latitude, located_ticket.longitude) == (45.765, 4.836)
    assert located_ticket.address_label == "devant le n° 14" and located_ticket.address_in_base is False


def test_a_stale_or_unchanged_place_is_refused_in_french(agent, located_ticket):
    client = signed_in(agent)
    stale = client.post(edit_url(located_ticket), {"version": located_ticket.version + 5, "location_address": "ici"})
    assert stale.status_code == 400 and 'role="alert"' in stale.text
    same = client.post(
        edit_url(located_ticket),
        {
            "version": located_ticket.version,
            "location_address": "12 Rue de la République 69001 Lyon",
            "location_lat": str(HERE[0]),
            "location_lon": str(HERE[1]),
        },
    )
    assert same.status_code == 400 and "rien n’a changé" in same.text
    empty = client.post(edit_url(located_ticket), {"version": located_ticket.version, "location_address": ""})
    assert empty.status_code == 400
    assert not Event.objects.filter(kind=EventKind.PLACE_CHANGED).exists()


def test_who_may_not_correct_the_place_gets_a_404(other_agent, reception, located_ticket):  # noqa: F811
    for user in (other_agent, reception):
        client = signed_in(user)
        assert client.get(edit_url(located_ticket)).status_code == 404
        response = client.post(edit_url(located_ticket), {"version": located_ticket.version, "location_address": "x"})
        assert response.status_code == 404
    located_ticket.refresh_from_db()
    assert located_ticket.address_label == "12 Rue de la République 69001 Lyon"
    assert not Event.objects.filter(kind=EventKind.PLACE_CHANGED).exists()
    # The front desk reads the ticket but is offered no correction.
    page = signed_in(reception).get(reverse("backoffice:ticket", args=[located_ticket.reference]))
    assert page.status_code == 200 and edit_url(located_ticket) not in page.text


# Photos ----------------------------------------------------------------------------------------------------------


def test_an_agent_publishes_a_photo_then_withdraws_it(agent, located_ticket):
    attachment = located_ticket.attachments.get()
    client = signed_in(agent)
    page = client.get(reverse("backoffice:ticket", args=[located_ticket.reference]))
    publish = reverse("backoffice:photo_publish", args=[located_ticket.reference, attachment.public_id])
    assert publish in page.text and "ni plaque d’immatriculation" in page.text
    response = client.post(publish, {"description": "lampadaire penché"})
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.published_at is not None and attachment.published_by == agent
    assert attachment.public_description == "lampadaire penché"
    public = reverse("portal:published_photo", args=[attachment.public_id])
    assert Client().get(public).status_code == 200
    page = client.get(reverse("backoffice:ticket", args=[located_ticket.reference]))
    assert "Photo rendue publique" in page.text and "Retirer de l’affichage public" in page.text

    client.post(reverse("backoffice:photo_unpublish", args=[located_ticket.reference, attachment.public_id]))
    attachment.refresh_from_db()
    assert attachment.published_at is None and attachment.published_by is None
    assert Client().get(public).status_code == 404
    kinds = list(Event.objects.filter(ticket=located_ticket).values_list("kind", flat=True))
    assert kinds.count(EventKind.PHOTO_PUBLISHED) == 1 and kinds.count(EventKind.PHOTO_UNPUBLISHED) == 1


def test_a_photo_without_the_citizens_consent_cannot_be_published(agent, located_type, citizen):
    upload = check_upload(SimpleUploadedFile("voiture.jpg", photo(), content_type="image/jpeg"))
    ticket = factories.make_ticket(request_type=located_type, citizen=citizen, uploads=[("photo", upload)])
    attachment = ticket.attachments.get()
    client = signed_in(agent)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert "Non publiable" in page.text
    response = client.post(reverse("backoffice:photo_publish", args=[ticket.reference, attachment.public_id]))
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.published_at is None
    assert "ne peut pas être rendue publique" in client.get(response.url).text
    assert not Event.objects.filter(kind=EventKind.PHOTO_PUBLISHED).exists()


def test_who_may_not_act_on_the_ticket_cannot_publish(other_agent, reception, agent, located_ticket):  # noqa: F811
    attachment = located_ticket.attachments.get()
    publish = reverse("backoffice:photo_publish", args=[located_ticket.reference, attachment.public_id])
    for user in (other_agent, reception):
        assert signed_in(user).post(publish).status_code == 404
    assert Client().post(publish).status_code == 302  # to the sign-in page
    attachment.refresh_from_db()
    assert attachment.published_at is None
    signed_in(agent).post(publish)
    unpublish = reverse("backoffice:photo_unpublish", args=[located_ticket.reference, attachment.public_id])
    assert signed_in(other_agent).post(unpublish).status_code == 404
    attachment.refresh_from_db()
    assert attachment.published_at is not None
