"""Creating a ticket in multipart/form-data, with the files of the request type's file fields."""

import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from guichet.catalogue.models import FieldKind
from guichet.tickets.models import Attachment, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

ANSWERS = {"adresse": {"street": "3 rue des Lilas", "postcode": "75020", "city": "Paris"}, "description": "Trou"}
CITIZEN = {"first_name": "Jean", "last_name": "Dupont", "phone": "06 11 22 33 44"}


def png(name: str = "trou.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "orange").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def big_png(name: str = "grand.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 80).save(buffer := io.BytesIO(), format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def exe_named_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("facture.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="application/pdf")


@pytest.fixture
def needs_a_photo(request_type):
    request_type.fields.filter(code="photo").update(required=True)
    return request_type


def create(client, request_type, **extra):
    data = {"request_type": request_type.slug, "answers": json.dumps(ANSWERS), "citizen": json.dumps(CITIZEN)}
    return client.post(reverse("api:tickets"), {**data, **extra}, format="multipart")


def test_multipart_creation_stores_the_file_of_a_required_field(api_as, agent, needs_a_photo):
    response = create(api_as(agent), needs_a_photo, **{"file[photo]": png()})
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert ticket.citizen.last_name == "Dupont"
    [attachment] = response.json()["form_attachments"]
    assert (attachment["field_code"], attachment["original_name"], attachment["content_type"]) == (
        "photo",
        "trou.png",
        "image/png",
    )
    stored = Attachment.objects.get(ticket=ticket)
    assert stored.message_id is None and stored.size == len(png().read())
    assert {"code": "photo", "label": "Photo", "kind": FieldKind.FILE, "value": "trou.png"} in ticket.answers


def test_a_missing_required_file_is_a_400_naming_its_part(api_as, agent, needs_a_photo):
    response = create(api_as(agent), needs_a_photo)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["fields"] == {"file[photo]": ["Ce champ est obligatoire."]}
    assert not Ticket.objects.exists()


def test_json_still_cannot_fill_a_required_file_field_and_says_how(api_as, agent, needs_a_photo):
    data = {"request_type": needs_a_photo.slug, "answers": {**ANSWERS, "photo": "trou.png"}}
    response = api_as(agent).post(reverse("api:tickets"), data, format="json")
    assert response.status_code == 400
    assert "file[photo]" in response.json()["fields"]["answers.photo"][0]


def test_a_fake_file_is_refused_by_content(api_as, agent, request_type):
    response = create(api_as(agent), request_type, **{"file[photo]": exe_named_pdf()})
    assert response.status_code == 400
    assert "n'est pas d'un type accepté" in response.json()["fields"]["file[photo]"][0]
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_an_oversized_file_is_refused_with_the_web_forms_message(api_as, agent, request_type, settings):
    settings.GUICHET_ATTACHMENT_MAX_BYTES = 1000
    response = create(api_as(agent), request_type, **{"file[photo]": big_png()})
    assert response.status_code == 400
    assert "dépasse la taille maximale" in response.json()["fields"]["file[photo]"][0]


def test_a_body_larger_than_any_set_of_files_is_a_413(api_as, agent, request_type, settings):
    settings.GUICHET_ATTACHMENT_MAX_BYTES = 1000
    settings.GUICHET_ATTACHMENT_MAX_COUNT = 1
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = create(api_as(agent), request_type, **{"file[photo]": big_png()})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Ticket.objects.exists()


def test_too_large_text_fields_in_multipart_are_a_413(api_as, agent, request_type, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = create(api_as(agent), request_type, subject="x" * 150, **{"file[photo]": png()}, citizen="x" * 2000)
    assert response.status_code == 413


def test_parts_that_match_no_file_field_are_refused(api_as, agent, request_type):
    client = api_as(agent)
    unknown = create(client, request_type, **{"file[inconnu]": png()})
    assert unknown.status_code == 400 and list(unknown.json()["fields"]) == ["file[inconnu]"]
    not_a_file_field = create(client, request_type, **{"file[description]": png()})
    assert list(not_a_file_field.json()["fields"]) == ["file[description]"]
    stray = create(client, request_type, piece=png())
    assert list(stray.json()["fields"]) == ["piece"]
    text = create(client, request_type, **{"file[photo]": "pas un fichier"})
    assert text.json()["fields"] == {"file[photo]": ["Cette partie doit être un fichier."]}
    two = create(client, request_type, **{"file[photo]": [png(), png("b.png")]})
    assert two.json()["fields"] == {"file[photo]": ["Un seul fichier par champ."]}
    assert not Ticket.objects.exists()


def test_nested_json_text_is_validated_with_dotted_names(api_as, agent, request_type):
    client = api_as(agent)
    bad_json = create(client, request_type, citizen="{pas du json")
    assert bad_json.status_code == 400 and bad_json.json()["fields"] == {"citizen": ["JSON invalide."]}
    no_name = create(client, request_type, citizen=json.dumps({"email": "a@example.org"}))
    assert "citizen.last_name" in no_name.json()["fields"]
    bad_answer = create(client, request_type, answers=json.dumps({**ANSWERS, "adresse": "rue"}))
    assert "answers.adresse" in bad_answer.json()["fields"]
    not_a_dict = create(client, request_type, answers="[1, 2]")
    assert bad_answer.status_code == not_a_dict.status_code == 400 and "answers" in not_a_dict.json()["fields"]


def test_multipart_without_files_or_citizen_works_like_json(api_as, agent, request_type):
    data = {"request_type": request_type.slug, "answers": json.dumps(ANSWERS), "channel": "counter"}
    response = api_as(agent).post(reverse("api:tickets"), data, format="multipart")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.citizen, ticket.channel, ticket.attachments.count()) == (None, "counter", 0)


def test_json_creation_is_unchanged(api_as, agent, request_type):
    data = {"request_type": request_type.slug, "answers": ANSWERS, "citizen": CITIZEN}
    response = api_as(agent).post(reverse("api:tickets"), data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["form_attachments"] == []


def test_a_multipart_replay_returns_the_same_ticket_with_one_copy_of_the_file(
    api_as, agent, other_agent, needs_a_photo
):
    key = str(uuid.uuid4())
    client = api_as(agent)
    first = create(client, needs_a_photo, submission_key=key, **{"file[photo]": png()})
    again = create(client, needs_a_photo, submission_key=key, **{"file[photo]": png()})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert (Ticket.objects.count(), Attachment.objects.count()) == (1, 1)
    stranger = create(api_as(other_agent), needs_a_photo, submission_key=key, **{"file[photo]": png()})
    assert stranger.status_code == 409


def test_the_schema_offers_both_content_types(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    body = schema["paths"]["/api/v1/tickets/"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    upload = schema["components"]["schemas"]["TicketUploadRequest"]
    assert upload["additionalProperties"]["format"] == "binary"
    assert upload["properties"]["citizen"]["allOf"] == [{"$ref": "#/components/schemas/CitizenInputRequest"}]
    assert body["multipart/form-data"]["encoding"]["answers"] == {"contentType": "application/json"}


def test_json_parts_may_declare_their_content_type_as_curl_sends_them(api_as, agent, request_type):
    """``curl -F 'citizen={…};type=application/json'``: a part without a filename is a field, whatever its type."""
    boundary = "limite"
    parts = [
        ("request_type", None, request_type.slug.encode()),
        ("answers", "application/json", json.dumps(ANSWERS).encode()),
        ("citizen", "application/json", json.dumps(CITIZEN).encode()),
    ]
    body = b""
    for name, content_type, value in parts:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'.encode()
        body += f"Content-Type: {content_type}\r\n".encode() if content_type else b""
        body += b"\r\n" + value + b"\r\n"
    image = png().read()
    body += f'--{boundary}\r\nContent-Disposition: form-data; name="file[photo]"; filename="trou.png"\r\n'.encode()
    body += b"Content-Type: image/png\r\n\r\n" + image + f"\r\n--{boundary}--\r\n".encode()
    response = api_as(agent).post(
        reverse("api:tickets"), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 201, response.content
    assert [a["field_code"] for a in response.json()["form_attachments"]] == ["photo"]
    assert response.json()["citizen"]["last_name"] == "Dupont"


def test_a_file_field_of_another_kind_of_type_is_not_confused(api_as, agent, service):
    """Codes are the type's own: a type without file fields refuses any file part."""
    plain = factories.RequestTypeFactory(service=service)
    factories.FieldFactory(request_type=plain, code="texte", kind=FieldKind.SHORT_TEXT)
    data = {"request_type": plain.slug, "answers": json.dumps({"texte": "x"}), "file[photo]": png()}
    response = api_as(agent).post(reverse("api:tickets"), data, format="multipart")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["file[photo]"]


@pytest.mark.parametrize("body_format", ["json", "multipart"])
def test_a_nul_byte_in_a_slug_is_a_400_not_a_database_error(api_as, agent, request_type, body_format):
    """Found by the fuzz test on PostgreSQL, whose text cannot hold NUL: the lookup crashed with a 500."""
    data = {"request_type": request_type.slug + "\x00", "answers": json.dumps(ANSWERS)}
    if body_format == "json":
        data["answers"] = ANSWERS
    response = api_as(agent).post(reverse("api:tickets"), data, format=body_format)
    assert response.status_code == 400 and list(response.json()["fields"]) == ["request_type"]


def test_a_nul_byte_in_a_transfer_service_is_a_400(api_as, supervisor, ticket, other_service):
    response = api_as(supervisor).post(
        reverse("api:ticket_transfer", args=[ticket.reference]),
        {"service": other_service.slug + "\x00", "reason": "x", "version": 1},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()["fields"]) == ["service"]


def test_a_family_request_type_can_be_created_without_a_household_member(api_as, agent, request_type):
    """As at the counter: the caller may have no account, hence no household to choose from."""
    request_type.requires_family_member = True
    request_type.save(update_fields=["requires_family_member"])
    response = create(api_as(agent), request_type, **{"file[photo]": png()})
    assert response.status_code == 201, response.content
    assert response.json()["household_member"] is None
