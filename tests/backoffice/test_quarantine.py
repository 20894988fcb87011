"""Emails in quarantine: who sees them, turning one into a ticket by hand, discarding one."""

from email.message import EmailMessage

import pytest
from django.urls import reverse

from guichet.intake.channels.email import email_receive
from guichet.intake.models import InboundEmail, InboundOutcome, QuarantineResolution
from guichet.notifications.models import Notification, Template
from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from tests import factories
from tests.lib.malformed import pdf_bytes

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()  # a real one-page PDF: the content checks open every PDF


@pytest.fixture
def question_type(service, commune, settings):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = "question-mairie"
    return factories.RequestTypeFactory(slug="question-mairie", name="Poser une question", service=service)


@pytest.fixture
def reception(db):
    return factories.AgentFactory(role=Role.RECEPTION).user


def quarantined(*, sender: str = "Hélène Lefèvre <helene@example.org.>", with_pdf: bool = True) -> InboundEmail:
    message = EmailMessage()
    message["From"], message["Subject"] = sender, "Trou dans la chaussée"
    message["Message-ID"] = "<quarantine-1@client.example>"
    message.set_content("Bonjour, il y a un trou <b>énorme</b> rue Haute.")
    if with_pdf:
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="plan.pdf")
    assert email_receive(message.as_bytes()).outcome == InboundOutcome.QUARANTINED
    return InboundEmail.objects.get()


@pytest.mark.parametrize("persona", ["reception", "supervisor"])
def test_reception_and_supervisors_see_the_quarantine_with_a_count_in_the_navigation(
    client, question_type, persona, request
):
    inbound = quarantined()
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("backoffice:quarantine_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "Courriels en quarantaine" in html and "adresse d’expéditeur invalide" in html and "helene@example.org." in html
    )
    assert '<span class="badge">1<span class="visually-hidden"> à traiter' in html
    detail = client.get(reverse("backoffice:quarantine", args=[inbound.public_id]))
    assert detail.status_code == 200
    assert "il y a un trou &lt;b&gt;énorme&lt;/b&gt;" in detail.content.decode()  # shown as text, escaped


def test_service_agents_and_visitors_are_refused(client, question_type, agent):
    inbound = quarantined()
    urls = [
        reverse("backoffice:quarantine_list"),
        reverse("backoffice:quarantine", args=[inbound.public_id]),
        reverse("backoffice:inbound_original", args=[inbound.public_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(agent)
    assert client.get(urls[0]).status_code == 403
    assert client.get(urls[1]).status_code == 403
    assert client.get(urls[2]).status_code == 404
    assert client.post(reverse("backoffice:quarantine_discard", args=[inbound.public_id])).status_code == 403
    assert "Courriels en quarantaine" not in client.get(reverse("backoffice:inbox")).content.decode()
    inbound.refresh_from_db()
    assert inbound.in_quarantine


def test_an_agent_turns_a_quarantined_email_into_a_ticket(client, question_type, reception):
    inbound = quarantined()
    client.force_login(reception)
    form = client.get(reverse("backoffice:quarantine", args=[inbound.public_id])).context["form"]
    assert form.initial["subject"] == "Trou dans la chaussée" and "trou" in form.initial["body"]
    assert "email" not in form.initial  # the unusable address is not offered, the name is
    assert (form.initial["first_name"], form.initial["last_name"]) == ("Hélène", "Lefèvre")
    response = client.post(
        reverse("backoffice:quarantine", args=[inbound.public_id]),
        {
            "request_type": question_type.pk,
            "first_name": "Hélène",
            "last_name": "Lefèvre",
            "email": "helene@example.org",
            "subject": "Trou dans la chaussée",
            "body": form.initial["body"],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("backoffice:ticket", args=[ticket.reference])
    assert (ticket.channel, ticket.request_type, ticket.entered_by) == (Channel.EMAIL, question_type, reception)
    assert ticket.citizen.email == "helene@example.org"
    assert ticket.attachments.get().original_name == "plan.pdf"
    assert Notification.objects.filter(ticket=ticket, template=Template.ACKNOWLEDGEMENT).exists()
    inbound.refresh_from_db()
    assert (inbound.resolution, inbound.resolved_by, inbound.ticket) == (
        QuarantineResolution.TICKETED,
        reception,
        ticket,
    )
    assert inbound.resolved_at is not None
    # Handled once: a second post changes nothing.
    client.post(reverse("backoffice:quarantine", args=[inbound.public_id]), {"request_type": question_type.pk})
    assert Ticket.objects.count() == 1


def test_a_form_error_keeps_what_the_agent_typed(client, question_type, reception):
    inbound = quarantined()
    client.force_login(reception)
    response = client.post(
        reverse("backoffice:quarantine", args=[inbound.public_id]),
        {"request_type": "", "subject": "Mon objet corrigé", "body": "Texte retouché", "email": "a@example.org"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mon objet corrigé" in html and "Texte retouché" in html and "field__errors" in html
    assert not Ticket.objects.exists()


def test_an_agent_discards_a_quarantined_email_and_it_stays_on_record(client, question_type, supervisor):
    inbound = quarantined(with_pdf=False)
    client.force_login(supervisor)
    response = client.post(reverse("backoffice:quarantine_discard", args=[inbound.public_id]))
    assert response.status_code == 302
    inbound.refresh_from_db()
    assert (inbound.resolution, inbound.resolved_by) == (QuarantineResolution.DISCARDED, supervisor)
    listing = client.get(reverse("backoffice:quarantine_list")).content.decode()
    assert "Aucun courriel en quarantaine." in listing and "Écarté" in listing
    assert client.get(reverse("backoffice:quarantine_discard", args=[inbound.public_id])).status_code == 405


def test_the_original_message_downloads_for_handlers_and_for_agents_of_its_ticket(
    client, question_type, reception, agent, other_agent, settings
):
    inbound = quarantined()
    client.force_login(reception)
    download = client.get(reverse("backoffice:inbound_original", args=[inbound.public_id]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    assert download.content.startswith(b"From: ") or b"Trou dans la chauss" in download.content

    settings.GUICHET_ATTACHMENT_MAX_COUNT = 0  # the PDF of a ticketed email is set aside
    message = EmailMessage()
    message["From"], message["Subject"], message["Message-ID"] = "jean@example.org", "Pièce", "<set-aside@x>"
    message.set_content("Voici.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="plan.pdf")
    email_receive(message.as_bytes())
    kept = InboundEmail.objects.get(message_id="<set-aside@x>")
    assert kept.ticket is not None and kept.set_aside
    client.force_login(agent)  # of the ticket's service
    assert client.get(reverse("backoffice:inbound_original", args=[kept.public_id])).status_code == 200
    client.force_login(other_agent)
    assert client.get(reverse("backoffice:inbound_original", args=[kept.public_id])).status_code == 404


def test_a_lost_raw_file_or_a_message_not_in_quarantine_never_gives_a_500(client, question_type, reception):
    inbound = quarantined()
    inbound.raw.storage.delete(inbound.raw.name)
    client.force_login(reception)
    page = client.get(reverse("backoffice:quarantine", args=[inbound.public_id]))
    assert page.status_code == 200 and "Aucun texte lisible." in page.content.decode()
    assert client.get(reverse("backoffice:inbound_original", args=[inbound.public_id])).status_code == 404
    robot = EmailMessage()
    robot["From"], robot["Subject"], robot["Auto-Submitted"] = "a@example.org", "Absent", "auto-replied"
    robot.set_content("Je suis absent.")
    email_receive(robot.as_bytes())
    recorded = InboundEmail.objects.get(outcome=InboundOutcome.IGNORED)
    assert client.get(reverse("backoffice:quarantine", args=[recorded.public_id])).status_code == 404
    assert client.get(reverse("backoffice:quarantine", args=["inconnu"])).status_code == 404


def test_messages_taken_for_robots_stay_visible_to_the_agents(client, question_type, reception):
    robot = EmailMessage()
    robot["From"], robot["Subject"], robot["List-Id"] = "voisin@example.org", "Fête des voisins", "<v.lists.example>"
    robot.set_content("Samedi.")
    email_receive(robot.as_bytes())
    client.force_login(reception)
    html = client.get(reverse("backoffice:quarantine_list")).content.decode()
    assert "Messages automatiques reçus" in html and "Fête des voisins" in html and "liste de diffusion" in html
