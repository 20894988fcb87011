"""Every write goes through tickets.services (events, notifications, versions), as in the back office."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from guichet.citizens.models import Citizen
from guichet.notifications.models import Notification, Template
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Event, EventKind, Message, Ticket, Visibility
from tests import factories

pytestmark = pytest.mark.django_db

ANSWERS = {"adresse": {"street": "3 rue des Lilas", "postcode": "75020", "city": "Paris"}, "description": "Trou"}


def post(client, name, ticket, **data):
    return client.post(reverse(f"api:{name}", args=[ticket.reference]), data, format="json")


def test_reply_notifies_the_citizen_and_can_ask_for_information(api_as, agent, ticket):
    response = post(
        api_as(agent), "ticket_messages", ticket, body="Quel numéro ?", then=Status.AWAITING_CITIZEN, version=1
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == Status.AWAITING_CITIZEN and body["version"] == ticket.version + 1
    assert response["ETag"]
    message = Message.objects.get(ticket=ticket)
    assert (message.author, message.visibility, message.body) == (agent, Visibility.PUBLIC, "Quel numéro ?")
    assert Notification.objects.filter(ticket=ticket, template=Template.INFO_REQUESTED).exists()
    assert Event.objects.filter(ticket=ticket, kind=EventKind.AGENT_REPLY, actor=agent).exists()


def test_an_internal_note_is_never_sent_to_the_citizen(api_as, agent, ticket):
    before = Notification.objects.count()
    response = post(api_as(agent), "ticket_messages", ticket, body="Voir avec la voirie nord", internal=True)
    assert response.status_code == 201
    assert Message.objects.get(ticket=ticket).visibility == Visibility.INTERNAL
    assert Notification.objects.count() == before
    assert Event.objects.filter(ticket=ticket, kind=EventKind.INTERNAL_NOTE).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


def test_a_note_cannot_change_the_status(api_as, agent, ticket):
    response = post(api_as(agent), "ticket_messages", ticket, body="x", internal=True, then=Status.ANSWERED)
    assert response.status_code == 400 and "then" in response.json()["fields"]


def test_change_status_writes_its_event_and_notifies(api_as, agent, ticket):
    client = api_as(agent)
    assert post(client, "ticket_status", ticket, status=Status.IN_PROGRESS, version=1).status_code == 200
    response = post(client, "ticket_status", ticket, status=Status.ANSWERED, reason="Rebouché", version=2)
    assert response.status_code == 200 and response.json()["status"] == Status.ANSWERED
    event = Event.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).last()
    assert (event.from_status, event.to_status, event.actor, event.data["reason"]) == (
        Status.IN_PROGRESS,
        Status.ANSWERED,
        agent,
        "Rebouché",
    )
    assert Notification.objects.filter(ticket=ticket, template=Template.STATUS_CHANGED).exists()


def test_a_forbidden_transition_is_a_409_in_french(api_as, agent, ticket):
    response = post(api_as(agent), "ticket_status", ticket, status=Status.CLOSED, outcome="resolved", version=1)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert "ne peut pas passer" in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


def test_a_stale_version_is_a_409_and_changes_nothing(api_as, agent, ticket):
    client = api_as(agent)
    post(client, "ticket_status", ticket, status=Status.IN_PROGRESS, version=1)
    for name, data in (
        ("ticket_status", {"status": Status.ANSWERED}),
        ("ticket_assign", {"assignee": agent.username}),
        ("ticket_transfer", {"service": factories.ServiceFactory(slug="urbanisme").slug, "reason": "x"}),
        ("ticket_messages", {"body": "Réponse"}),
    ):
        response = post(client, name, ticket, version=1, **data)
        assert response.status_code == 409, name
        assert response.json()["code"] == "stale_version"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.version) == (Status.IN_PROGRESS, None, 2)
    assert not Message.objects.exists()


def test_version_is_required_for_state_changes(api_as, agent, ticket):
    response = post(api_as(agent), "ticket_status", ticket, status=Status.IN_PROGRESS)
    assert response.status_code == 400 and "version" in response.json()["fields"]


def test_assign_to_an_agent_of_the_service_then_to_nobody(api_as, agent, ticket, service):
    colleague = factories.AgentFactory(services=[service]).user
    client = api_as(agent)
    response = post(client, "ticket_assign", ticket, assignee=colleague.username, version=1)
    assert response.status_code == 200
    assert response.json()["assignee"]["username"] == colleague.username
    assert Event.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED, data__assignee=colleague.username).exists()
    response = post(client, "ticket_assign", ticket, assignee=None, version=2)
    assert response.status_code == 200 and response.json()["assignee"] is None


def test_assign_refuses_unknown_agents_and_agents_of_other_services(api_as, agent, other_agent, ticket):
    client = api_as(agent)
    response = post(client, "ticket_assign", ticket, assignee="personne", version=1)
    assert response.status_code == 400 and response.json()["fields"]["assignee"] == [
        "Aucun agent avec cet identifiant."
    ]
    response = post(client, "ticket_assign", ticket, assignee=other_agent.username, version=1)
    assert response.status_code == 400
    assert "ne travaille pas pour le service" in response.json()["detail"]


def test_transfer_moves_the_ticket_and_clears_the_assignee(api_as, supervisor, ticket, other_service):
    client = api_as(supervisor)
    response = post(client, "ticket_transfer", ticket, service=other_service.slug, reason="État civil", version=1)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.service == other_service and ticket.assignee is None
    assert Event.objects.filter(ticket=ticket, kind=EventKind.TRANSFERRED, data__reason="État civil").exists()
    response = post(client, "ticket_transfer", ticket, service=other_service.slug, reason="x", version=ticket.version)
    assert response.status_code == 409 and response.json()["code"] == "same_service"


def test_create_a_phone_ticket_for_a_new_citizen(api_as, agent, request_type):
    data = {
        "request_type": request_type.slug,
        "channel": Channel.PHONE,
        "answers": ANSWERS,
        "citizen": {"first_name": "Jean", "last_name": "Dupont", "phone": "06 11 22 33 44", "preferred_channel": "sms"},
    }
    response = api_as(agent).post(reverse("api:tickets"), data, format="json")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert (ticket.channel, ticket.entered_by, ticket.api_key.user) == (Channel.PHONE, agent, agent)
    assert ticket.citizen.phone == "+33611223344"
    assert ticket.answers[0] == {
        "code": "adresse",
        "label": "Adresse du problème",
        "kind": "address",
        "value": {"street": "3 rue des Lilas", "postcode": "75020", "city": "Paris"},
    }
    created = Event.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert (created.actor, created.channel, created.data) == (agent, Channel.PHONE, {"api_key": "Outil"})
    assert Notification.objects.filter(ticket=ticket, template=Template.ACKNOWLEDGEMENT).exists()


def test_create_reuses_the_known_citizen(api_as, agent, request_type, citizen):
    client = api_as(agent)
    same_person = {"first_name": "Hélène", "last_name": "Lefèvre", "email": citizen.email}
    data = {"request_type": request_type.slug, "answers": ANSWERS, "citizen": same_person}
    assert client.post(reverse("api:tickets"), data, format="json").status_code == 201
    by_id = {"request_type": request_type.slug, "answers": ANSWERS, "citizen": {"public_id": citizen.public_id}}
    assert client.post(reverse("api:tickets"), by_id, format="json").status_code == 201
    assert Citizen.objects.count() == 1
    assert Ticket.objects.filter(citizen=citizen, channel=Channel.API).count() == 2


def test_create_without_a_citizen_sends_no_acknowledgement(api_as, agent, request_type):
    data = {"request_type": request_type.slug, "answers": ANSWERS}
    response = api_as(agent).post(reverse("api:tickets"), data, format="json")
    assert response.status_code == 201
    assert response.json()["citizen"] is None
    assert not Notification.objects.filter(template=Template.ACKNOWLEDGEMENT).exists()


def test_create_validates_the_answers_with_the_types_own_form(api_as, agent, request_type):
    answers = {"adresse": {"street": "1 rue", "postcode": "750", "city": "Paris"}, "inconnu": "x", "photo": "a.png"}
    response = api_as(agent).post(
        reverse("api:tickets"), {"request_type": request_type.slug, "answers": answers}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["answers.adresse"] == ["Le code postal doit comporter 5 chiffres."]
    assert fields["answers.description"] == ["Ce champ est obligatoire."]
    assert set(fields) == {"answers.adresse", "answers.description", "answers.inconnu", "answers.photo"}
    assert not Ticket.objects.exists()


def test_create_refuses_an_invalid_citizen_with_dotted_field_names(api_as, agent, request_type):
    data = {"request_type": request_type.slug, "answers": ANSWERS, "citizen": {"last_name": "X", "phone": "12"}}
    response = api_as(agent).post(reverse("api:tickets"), data, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["citizen.phone"]
    assert not Ticket.objects.exists() and not Citizen.objects.exists()


def test_create_refuses_inactive_or_unknown_request_types(api_as, agent, request_type):
    request_type.is_active = False
    request_type.save()
    response = api_as(agent).post(reverse("api:tickets"), {"request_type": request_type.slug}, format="json")
    assert response.status_code == 400 and "request_type" in response.json()["fields"]


def test_a_repeated_submission_key_returns_the_same_ticket(api_as, agent, other_agent, request_type):
    key = str(uuid.uuid4())
    data = {"request_type": request_type.slug, "answers": ANSWERS, "submission_key": key}
    client = api_as(agent)
    first = client.post(reverse("api:tickets"), data, format="json")
    again = client.post(reverse("api:tickets"), data, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert Ticket.objects.count() == 1
    stranger = api_as(other_agent).post(reverse("api:tickets"), data, format="json")
    assert stranger.status_code == 409 and "reference" not in stranger.json()


def test_the_submission_key_is_read_like_the_forms_and_an_invalid_one_is_a_400(api_as, agent, request_type):
    key = uuid.uuid4()
    client = api_as(agent)
    data = {"request_type": request_type.slug, "answers": ANSWERS}
    assert client.post(reverse("api:tickets"), data | {"submission_key": key.hex}, format="json").status_code == 201
    again = client.post(reverse("api:tickets"), data | {"submission_key": str(key).upper()}, format="json")
    assert again.status_code == 200 and Ticket.objects.get().submission_key == key
    refused = client.post(reverse("api:tickets"), data | {"submission_key": "pas-une-cle"}, format="json")
    assert refused.status_code == 400 and "submission_key" in refused.json()["fields"]


def test_writes_with_a_json_body_only_except_messages_with_files(api_as, agent, ticket):
    response = api_as(agent).post(
        reverse("api:ticket_status", args=[ticket.reference]),
        {"status": Status.IN_PROGRESS, "version": 1},
        format="multipart",
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_an_oversized_body_is_refused_before_it_is_read(api_as, agent, ticket, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(agent).post(
        reverse("api:ticket_messages", args=[ticket.reference]), {"body": "x" * 2000}, format="json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Message.objects.exists()


def test_malformed_json_is_a_400_in_the_api_format(api_as, agent, ticket):
    response = api_as(agent).post(
        reverse("api:ticket_messages", args=[ticket.reference]), "{pas du json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def png(name: str = "plan.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_note_with_files_in_multipart(api_as, agent, ticket):
    response = api_as(agent).post(
        reverse("api:ticket_messages", args=[ticket.reference]),
        {"body": "Plan joint", "internal": "true", "files": [png(), png("plan2.png")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    [note] = response.json()["messages"]
    assert note["visibility"] == "internal"
    assert [(a["original_name"], a["is_public"]) for a in note["attachments"]] == [
        ("plan.png", False),
        ("plan2.png", False),
    ]
    assert ticket.attachments.filter(message__isnull=False).count() == 2


def test_files_are_checked_by_content(api_as, agent, ticket):
    fake = SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", content_type="image/png")
    response = api_as(agent).post(
        reverse("api:ticket_messages", args=[ticket.reference]), {"body": "x", "files": [fake]}, format="multipart"
    )
    assert response.status_code == 400
    assert "n'est pas d'un type accepté" in response.json()["fields"]["files"][0]
    assert not Message.objects.exists()


def test_create_leaves_a_known_citizens_preferences_alone_unless_given(api_as, agent, request_type):
    known = factories.CitizenFactory(
        first_name="Jean", last_name="Dupont", phone="+33611223344", email="", preferred_channel="sms",
        consent_email=False,
    )  # fmt: skip
    same_person = {"first_name": "Jean", "last_name": "Dupont", "phone": "06 11 22 33 44"}
    data = {"request_type": request_type.slug, "answers": ANSWERS, "citizen": same_person}
    assert api_as(agent).post(reverse("api:tickets"), data, format="json").status_code == 201
    known.refresh_from_db()
    assert (known.preferred_channel, known.consent_email) == ("sms", False)


def test_a_new_citizen_with_only_a_phone_is_answered_by_sms(api_as, agent, request_type):
    person = {"first_name": "Marc", "last_name": "Petit", "phone": "06 22 33 44 55"}
    data = {"request_type": request_type.slug, "answers": ANSWERS, "citizen": person}
    response = api_as(agent).post(reverse("api:tickets"), data, format="json")
    assert response.status_code == 201
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert ticket.citizen.preferred_channel == "sms"
    assert Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT).channel == "sms"


def test_a_new_citizen_with_only_a_landline_gets_no_sms(api_as, agent, request_type):
    person = {"first_name": "Marc", "last_name": "Petit", "phone": "02 38 00 00 00"}
    data = {"request_type": request_type.slug, "answers": ANSWERS, "citizen": person}
    response = api_as(agent).post(reverse("api:tickets"), data, format="json")
    assert response.status_code == 201
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert ticket.citizen.preferred_channel == "post" and not ticket.citizen.wants_sms
    assert not Notification.objects.filter(ticket=ticket, channel="sms").exists()


def test_a_known_email_and_name_give_the_same_citizen_with_the_chosen_channel(api_as, agent, request_type):
    known = factories.CitizenFactory(first_name="Jean", last_name="Dupont", email="jean@example.org")
    person = {"first_name": "Jean", "last_name": "Dupont", "email": "JEAN@example.org", "phone": "06 11 22 33 44",
              "preferred_channel": "email_sms"}  # fmt: skip
    data = {"request_type": request_type.slug, "answers": ANSWERS, "citizen": person}
    assert api_as(agent).post(reverse("api:tickets"), data, format="json").status_code == 201
    known.refresh_from_db()
    assert Citizen.objects.count() == 1 and Ticket.objects.get().citizen == known
    assert (known.phone, known.preferred_channel, known.consent_sms) == ("+33611223344", "email_sms", True)
