"""POST requests.{xml,json} through raw HTTP (Django's test client)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.api.keys import api_key_create, api_key_revoke
from guichet.api.models import Scope
from guichet.citizens.models import Citizen
from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Event, EventKind, Ticket
from tests import factories
from tests.api.conftest import parse_xml, png_bytes

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.{}"


def body(request_type, raw_key, **extra):
    data = {
        "api_key": raw_key,
        "service_code": request_type.slug,
        "lat": "48.8534",
        "long": "2.3488",
        "address_string": "12 rue de la Paix, 75002 Paris",
        "description": "Trou profond devant l'école",
        "attribute[danger]": "Oui",
    }
    data.update(extra)
    return {name: value for name, value in data.items() if value is not None}


def test_post_xml_creates_an_api_ticket_and_answers_with_its_reference(client, pothole, api_key):
    key, raw = api_key
    response = client.post(URL.format("xml"), body(pothole, raw, account_id="compte-42"))
    assert response.status_code == 201
    root = parse_xml(response)
    assert root.tag == "service_requests"
    [item] = root.findall("request")
    assert [child.tag for child in item] == ["service_request_id", "service_notice", "account_id"]
    ticket = Ticket.objects.get()
    assert item.findtext("service_request_id") == ticket.reference_display
    assert ticket.reference_display in item.findtext("service_notice")
    assert item.findtext("account_id") == "compte-42"
    assert (ticket.channel, ticket.api_key, ticket.request_type) == (Channel.API, key, pothole)
    created = Event.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert created.channel == Channel.API and created.data == {"api_key": key.name}


def test_post_json_maps_attributes_location_and_description_onto_the_form(client, pothole, api_key):
    data = body(pothole, api_key[1], **{"attribute[vu_le]": "2026-11-20T23:30:00Z", "device_id": "tel-7"})
    data["attribute[genes][]"] = ["Piétons", "Cyclistes"]
    response = client.post(URL.format("json"), data)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    [created] = response.json()
    assert isinstance(created["service_request_id"], str)
    answers = {a["code"]: a["value"] for a in Ticket.objects.get().answers}
    assert answers["adresse"] == {"street": "12 rue de la Paix", "postcode": "75002", "city": "Paris"}
    assert answers["description"] == "Trou profond devant l'école"  # the type's own description field
    assert "open311_description" not in answers
    assert answers["danger"] == "Oui"
    assert answers["genes"] == ["Piétons", "Cyclistes"]
    assert answers["vu_le"] == "2026-11-21"  # 23:30 UTC is already the 21st in Paris
    assert (answers["open311_lat"], answers["open311_long"]) == ("48.8534", "2.3488")
    assert answers["open311_address"] == "12 rue de la Paix, 75002 Paris"
    assert answers["open311_device_id"] == "tel-7"


def test_attributes_get_the_web_forms_validation_with_french_messages(client, pothole, api_key):
    data = body(pothole, api_key[1], **{"attribute[danger]": "Peut-être", "attribute[genes][]": "Camions"})
    data["address_string"] = "Quelque part"
    response = client.post(URL.format("json"), data)
    assert response.status_code == 400
    errors = [e["description"] for e in response.json()]
    assert all(e["code"] == 400 for e in response.json())
    assert any(d.startswith("attribute[danger] : Sélectionnez un choix valide") for d in errors), errors
    assert any(d.startswith("attribute[genes] : Sélectionnez un choix valide") for d in errors), errors
    assert "attribute[adresse] : Indiquez la voie, le code postal et la commune." in errors
    assert not Ticket.objects.exists()


def test_a_required_attribute_is_required_and_an_empty_one_counts_as_absent(client, pothole, api_key):
    response = client.post(URL.format("xml"), body(pothole, api_key[1], **{"attribute[danger]": ""}))
    assert response.status_code == 400
    descriptions = [e.findtext("description") for e in parse_xml(response).findall("error")]
    assert "attribute[danger] : Ce champ est obligatoire." in descriptions


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lat": None, "long": None, "address_string": None}, "Indiquez le lieu : lat et long, address_string ou address_id."),
        ({"long": None, "address_string": None}, "Envoyez lat et long ensemble."),
        ({"lat": "91"}, "lat : Assurez-vous que cette valeur est inférieure ou égale à 90."),
        ({"description": "x" * 4001}, "description : Assurez-vous que cette valeur comporte au plus 4000 caractères (actuellement 4001)."),
        ({"description": "<b>Trou</b>"}, "description : Le HTML n'est pas accepté : envoyez du texte brut."),
        ({"email": "pas-un-courriel"}, "email : Saisissez une adresse de courriel valide."),
        ({"phone": "12"}, "phone : Ce numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78 ou +33 6 12 34 56 78."),
        ({"media_url": "javascript:alert(1)"}, "media_url : Saisissez une URL valide."),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_with_a_french_description(client, pothole, api_key, changes, message):
    response = client.post(URL.format("json"), body(pothole, api_key[1], **changes))
    assert response.status_code == 400
    assert message in [e["description"] for e in response.json()]


def test_location_by_address_id_alone_is_enough_when_the_type_has_no_address_field(client, api_key, commune):
    bench = factories.RequestTypeFactory(name="Banc cassé", slug="banc")
    response = client.post(URL.format("json"), {"api_key": api_key[1], "service_code": "banc", "address_id": "BAN-42"})
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(request_type=bench)
    assert {"code": "open311_address_id", "value": "BAN-42"}.items() <= ticket.answers[0].items()


def test_missing_unknown_or_account_only_service_code(client, pothole, api_key):
    response = client.post(URL.format("json"), body(pothole, api_key[1], service_code=None))
    assert response.status_code == 400 and "service_code" in response.json()[0]["description"]
    response = client.post(URL.format("xml"), body(pothole, api_key[1], service_code="inconnu"))
    assert response.status_code == 404 and "inconnu" in parse_xml(response).findtext("error/description")
    factories.RequestTypeFactory(slug="cantine", requires_account=True)
    assert client.post(URL.format("json"), body(pothole, api_key[1], service_code="cantine")).status_code == 404


def test_api_key_is_required_and_accepted_in_the_query_string(client, pothole, api_key):
    response = client.post(URL.format("xml"), body(pothole, None))
    assert response.status_code == 403
    assert parse_xml(response).findtext("error/code") == "403"
    response = client.post(URL.format("json") + f"?api_key={api_key[1]}", body(pothole, None))
    assert response.status_code == 201


def test_revoked_wrong_or_unscoped_keys_are_refused_with_403(client, pothole, api_key):
    key, raw = api_key
    _reader, reader_raw = api_key_create(name="Lecteur", owner="DSI", scopes=[Scope.CATALOGUE_READ])
    for bad in (f"{key.prefix}.faux", reader_raw):
        response = client.post(URL.format("json"), body(pothole, bad))
        assert response.status_code == 403
        assert "api_key" in response.json()[0]["description"]
    api_key_revoke(key)
    assert client.post(URL.format("json"), body(pothole, raw)).status_code == 403
    assert not Ticket.objects.exists()


def test_posts_are_rate_limited_per_key(client, pothole, api_key, settings):
    settings.OPEN311_POST_RATE = "2/m"
    _other, other_raw = api_key_create(name="Autre appli", owner="Ville", scopes=[Scope.OPEN311_WRITE])
    assert client.post(URL.format("json"), body(pothole, api_key[1])).status_code == 201
    assert client.post(URL.format("json"), body(pothole, api_key[1], lat="x")).status_code == 400  # counts too
    response = client.post(URL.format("json"), body(pothole, api_key[1]))
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert response.json()[0]["code"] == 429
    # Same address, another key: not blocked.
    assert client.post(URL.format("json"), body(pothole, other_raw)).status_code == 201
    assert Ticket.objects.count() == 2


def test_jurisdiction_in_the_body_is_checked_when_configured(client, pothole, api_key, settings):
    settings.OPEN311_JURISDICTION_ID = "ma-commune.fr"
    response = client.post(URL.format("json"), body(pothole, api_key[1], jurisdiction_id="autre.fr"))
    assert response.status_code == 404
    assert (
        client.post(URL.format("json"), body(pothole, api_key[1], jurisdiction_id="ma-commune.fr")).status_code == 201
    )


def test_email_contact_finds_the_citizen_and_queues_the_acknowledgement(client, pothole, api_key, citizen):
    data = body(pothole, api_key[1], first_name=citizen.first_name, last_name=citizen.last_name, email=citizen.email)
    assert client.post(URL.format("json"), data).status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.citizen == citizen and Citizen.objects.count() == 1
    [ack] = Notification.objects.filter(ticket=ticket)
    assert (ack.template, ack.channel, ack.recipient) == (
        Template.ACKNOWLEDGEMENT,
        NotificationChannel.EMAIL,
        citizen.email,
    )


def test_a_mobile_number_alone_creates_the_citizen_and_gets_an_sms(client, pothole, api_key):
    assert client.post(URL.format("json"), body(pothole, api_key[1], phone="06 11 22 33 44")).status_code == 201
    ticket = Ticket.objects.select_related("citizen").get()
    assert ticket.citizen.phone == "+33611223344"
    [ack] = Notification.objects.filter(ticket=ticket)
    assert (ack.channel, ack.recipient) == (NotificationChannel.SMS, "+33611223344")


def test_without_contact_there_is_no_citizen_and_no_acknowledgement(client, pothole, api_key):
    assert client.post(URL.format("json"), body(pothole, api_key[1])).status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.citizen is None
    assert not Notification.objects.filter(ticket=ticket, template=Template.ACKNOWLEDGEMENT).exists()


def test_a_known_citizen_keeps_their_contact_preferences(client, pothole, api_key):
    """Open311 never asks how to answer: the citizen's own choice (SMS here) stands."""
    known = factories.CitizenFactory(email="jean@example.org", phone="+33611223344", preferred_channel="sms")
    data = body(pothole, api_key[1], first_name=known.first_name, last_name=known.last_name, email=known.email)
    assert client.post(URL.format("json"), data).status_code == 201
    known.refresh_from_db()
    assert Ticket.objects.get().citizen == known and known.preferred_channel == "sms"
    assert Notification.objects.get(template=Template.ACKNOWLEDGEMENT).channel == NotificationChannel.SMS


def test_a_name_alone_is_recorded_for_agents_without_any_consent(client, pothole, api_key):
    assert client.post(URL.format("json"), body(pothole, api_key[1], last_name="Durand")).status_code == 201
    citizen = Ticket.objects.get().citizen
    assert (citizen.last_name, citizen.consent_email, citizen.consent_sms) == ("Durand", False, False)
    assert not Notification.objects.exists()


def test_a_real_image_is_attached_to_the_types_file_field(client, pothole, api_key):
    photo = SimpleUploadedFile("trou.png", png_bytes(), content_type="image/png")
    extra = SimpleUploadedFile("plan.png", png_bytes(), content_type="image/png")
    response = client.post(URL.format("json"), {**body(pothole, api_key[1]), "media": [photo, extra]})
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    attachments = sorted((a.field_code, a.content_type) for a in ticket.attachments.all())
    assert attachments == [("media", "image/png"), ("photo", "image/png")]
    assert {"code": "photo", "value": "trou.png"}.items() <= next(
        a for a in ticket.answers if a["code"] == "photo"
    ).items()


def test_a_fake_image_is_refused_by_its_content(client, pothole, api_key):
    fake = SimpleUploadedFile("trou.png", b"#!/bin/sh\nrm -rf /\n", content_type="image/png")
    response = client.post(URL.format("json"), {**body(pothole, api_key[1]), "media[]": fake})
    assert response.status_code == 400
    [message] = [e["description"] for e in response.json()]
    assert message.startswith("media : Le fichier « trou.png » n'est pas d'un type accepté")
    assert not Ticket.objects.exists()


def test_a_required_file_field_needs_media(client, pothole, api_key):
    pothole.fields.filter(code="photo").update(required=True)
    response = client.post(URL.format("json"), body(pothole, api_key[1]))
    assert response.status_code == 400
    assert "media : pièce jointe obligatoire (Photo)." in [e["description"] for e in response.json()]


def test_get_post_only_other_methods_are_refused(client, pothole):
    assert client.put(URL.format("json")).status_code == 405


def test_number_attributes_accept_a_decimal_point_and_refuse_words(client, pothole, api_key):
    factories.FieldFactory(request_type=pothole, code="largeur", label="Largeur (cm)", kind="number", order=9)
    response = client.post(URL.format("json"), body(pothole, api_key[1], **{"attribute[largeur]": "12.5"}))
    assert response.status_code == 201
    assert {a["code"]: a["value"] for a in Ticket.objects.get().answers}["largeur"] == "12.5"
    response = client.post(URL.format("json"), body(pothole, api_key[1], **{"attribute[largeur]": "douze"}))
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "attribute[largeur] : Saisissez un nombre."}]


def test_the_agent_sees_which_application_submitted_the_request(client, pothole, api_key, agent):
    client.post(URL.format("json"), body(pothole, api_key[1]))
    ticket = Ticket.objects.get()
    client.force_login(agent)
    page = client.get(f"/agent/demandes/{ticket.reference}/")
    assert page.status_code == 200
    assert "par l’application Appli Signalements" in page.content.decode()
