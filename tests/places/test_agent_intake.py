import pytest

from guichet.catalogue.models import LocationMode
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from tests.backoffice.test_intake import reception, type_fields, url  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_the_agents_intake_form_takes_the_address(client, reception, request_type, ban_api):  # noqa: F811
    request_type.location_mode = LocationMode.ADDRESS
    request_type.save()
    page = client.get(url(canal=Channel.PHONE, demarche=request_type.slug))
    assert 'id="id_location_address"' in page.text and "leaflet" not in page.text
    data = type_fields(**{"usager-first_name": "Jean", "usager-last_name": "Moulin", "usager-phone": "06 11 22 33 44"})
    missing = client.post(url(canal=Channel.PHONE, demarche=request_type.slug), data | {"ack": "none"})
    assert missing.status_code == 400 and not Ticket.objects.exists()
    label = "5 Impasse des Lilas 38560 Saint-Aubin-des-Prés"
    response = client.post(
        url(canal=Channel.PHONE, demarche=request_type.slug), data | {"ack": "none", "location_address": label}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.address_label == label and ticket.address_in_base and ticket.latitude is not None
