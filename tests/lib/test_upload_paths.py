"""Every upload path refuses a file the content checks cannot read with a French message, never a 500,
and keeps what the person typed."""

import html
import json
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from guichet.api.keys import api_key_create
from guichet.api.models import Scope
from guichet.intake.channels.email import email_receive
from guichet.mailroom.models import MailItem
from guichet.organisation.models import Role
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Attachment, Message, Ticket
from guichet.tickets.services import message_post_by_agent
from tests import factories
from tests.api.rest.conftest import client_with_key, key_for
from tests.lib.malformed import UNREADABLE_SCANS, UNREADABLE_UPLOADS

pytestmark = pytest.mark.django_db

# The empty file is refused by Django's own FileField ("Le fichier soumis est vide.") on the web paths.
REASONS = ("illisible ou endommagée", "illisible, endommagé", "est vide")
UPLOADS = sorted(UNREADABLE_UPLOADS)
SCANS = sorted(UNREADABLE_SCANS)


def bad(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, UNREADABLE_UPLOADS[name], content_type="application/octet-stream")


def page(response) -> str:
    return html.unescape(response.content.decode())


def refused(text: str, name: str) -> bool:
    return any(reason in text for reason in REASONS) and (name in text or name == "vide.jpg")


@pytest.mark.parametrize("name", UPLOADS)
def test_portal_request_form(client, request_type, name):
    description = "Un trou de 20 cm devant l'école."
    data = {
        "submission_key": str(uuid.uuid4()),
        "f_adresse_0": "12 rue de l'Église", "f_adresse_1": "44000", "f_adresse_2": "Nantes",
        "f_description": description, "f_photo": bad(name),
        "contact-first_name": "Hélène", "contact-last_name": "Lefèvre", "contact-email": "helene@example.org",
        "contact-phone": "", "contact-ack_channel": "email",
    }  # fmt: skip
    response = client.post(reverse("portal:request_form", args=[request_type.slug]), data)
    assert response.status_code == 400
    assert refused(page(response), name) and description in page(response)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("name", UPLOADS)
def test_portal_citizen_reply(client, ticket, agent, name):
    message_post_by_agent(ticket=ticket, agent=agent, body="Quel numéro ?", new_status=Status.AWAITING_CITIZEN)
    client.get(reverse("portal:access", args=[ticket.reference, access_token_issue(ticket=ticket)]))
    response = client.post(
        reverse("portal:reply", args=[ticket.reference]), {"body": "Le 12 bis.", "files": [bad(name)]}
    )
    assert response.status_code == 400
    assert refused(page(response), name) and "Le 12 bis." in page(response)
    assert not Message.objects.filter(author_kind="citizen").exists()


@pytest.mark.parametrize("action", ["reply", "note"])
@pytest.mark.parametrize("name", UPLOADS)
def test_backoffice_reply_and_note(client, ticket, agent, action, name):
    client.force_login(agent)
    data = {"version": ticket.version, "body": "Voici le plan.", "files": [bad(name)]}
    response = client.post(reverse(f"backoffice:{action}", args=[ticket.reference]), data)
    assert response.status_code == 400
    assert refused(page(response), name) and "Voici le plan." in page(response)
    assert not Message.objects.exists()


@pytest.mark.parametrize("name", SCANS)
def test_mailroom_upload(client, name):
    client.force_login(factories.AgentFactory(role=Role.MAIL_ROOM).user)
    scan = SimpleUploadedFile(name, UNREADABLE_SCANS[name])
    response = client.post(reverse("backoffice:mail_upload"), {"files": [scan]}, follow=True)
    assert response.status_code == 200
    assert refused(page(response), name)
    assert not MailItem.objects.exists()


def test_import_scans_moves_every_unreadable_file_to_failed_with_its_reason(tmp_path: Path):
    folder = tmp_path / "scanner"
    folder.mkdir()
    for name, data in UNREADABLE_SCANS.items():
        (folder / name).write_bytes(data)
    call_command("import_scans", str(folder), "--min-age", "0")
    assert not MailItem.objects.exists()
    for name in UNREADABLE_SCANS:
        assert (folder / "failed" / name).exists()
        assert refused((folder / "failed" / f"{name}.reason.txt").read_text(), name)


@pytest.mark.parametrize("name", UPLOADS)
def test_open311_media(client, request_type, name):
    _key, raw = api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    data = {"api_key": raw, "service_code": request_type.slug, "address_string": "12 rue de la Paix, 75002 Paris",
            "description": "Trou", "media": bad(name)}  # fmt: skip
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 400
    assert any(item["description"].startswith("media : ") and refused(item["description"], name)
               for item in response.json())  # fmt: skip
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("name", UPLOADS)
def test_rest_multipart_file(supervisor, request_type, name):
    client = client_with_key(key_for(supervisor))
    answers = {"adresse": {"street": "3 rue des Lilas", "postcode": "75020", "city": "Paris"}, "description": "Trou"}
    data = {"request_type": request_type.slug, "answers": json.dumps(answers), "file[photo]": bad(name)}
    response = client.post(reverse("api:tickets"), data, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert any(refused(message, name) for messages in body["fields"].values() for message in messages)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("name", UPLOADS)
def test_email_attachment_never_breaks_the_message(service, commune, settings, name):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = "question-mairie"
    factories.RequestTypeFactory(slug="question-mairie", name="Poser une question", service=service)
    message = EmailMessage()
    message["From"], message["To"] = "Jean Moulin <jean@example.org>", "mairie@ma-commune.fr"
    message["Subject"], message["Message-ID"] = "Ma pièce", f"<{uuid.uuid4()}@client.example>"
    message.set_content("Voici la pièce demandée.")
    message.add_attachment(UNREADABLE_UPLOADS[name] or b"", maintype="application", subtype="octet-stream",
                           filename=name)  # fmt: skip
    ticket = email_receive(message.as_bytes()).ticket
    assert "Voici la pièce demandée." in ticket.answers[0]["value"]
    assert not Attachment.objects.filter(ticket=ticket, original_name=name, message__isnull=True).exists()


@pytest.mark.parametrize("name", UPLOADS)
def test_counter_intake_by_reception(client, service, request_type, citizen, name):
    client.force_login(factories.AgentFactory(role=Role.RECEPTION, services=[service]).user)
    target = (
        reverse("backoffice:new_request") + f"?canal=counter&demarche={request_type.slug}&usager={citizen.public_id}"
    )
    data = {
        "submission_key": str(uuid.uuid4()), "ack": "none",
        "f_adresse_0": "3 place du Marché", "f_adresse_1": "45270", "f_adresse_2": "Villebrune",
        "f_description": "Nid-de-poule signalé au guichet", "files": [bad(name)],
    }  # fmt: skip
    response = client.post(target, data)
    assert response.status_code == 400
    assert refused(page(response), name) and "Nid-de-poule signalé au guichet" in page(response)
    assert not Ticket.objects.exists()
