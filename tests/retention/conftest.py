"""Tickets of every channel, with their files, letters, emails and SMS, made through the real paths."""

import datetime
import io
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from guichet.citizens.models import ContactChannel
from guichet.intake.channels.email import email_receive
from guichet.intake.channels.mail import mail_submit
from guichet.lib.uploads import check_upload
from guichet.mailroom.letters import letter_render
from guichet.mailroom.models import Letter, MailSource
from guichet.mailroom.services import mail_item_read, mail_item_receive
from guichet.notifications.delivery import deliver
from guichet.notifications.models import DeliveryStatus, Notification
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from tests import factories
from tests.mailroom.conftest import letter_image, save_scan

# What the scan of the database and of the media storage must no longer find (folded: no case, no accent).
NEEDLES = [
    "helene", "lefevre", "helene.lefevre@example.org", "612345678", "06 12 34 56 78", "rue de l'eglise",
    "marcel", "dupont-ferrand", "698765432",
    "jeanne", "vauclair", "jeanne.vauclair@example.net",
    "paul", "marchetti", "impasse des tilleuls", "paul.marchetti@example.com",
    "odile", "brunswick", "odile.b@example.com",
]  # fmt: skip
HELD_NAME = "Gaston Lagaffe"


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _email(sender: str, subject: str, text: str, message_id: str, attachment: bytes | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "mairie@ma-commune.fr", subject
    message["Message-ID"] = message_id
    message.set_content(text)
    if attachment:
        message.add_attachment(attachment, maintype="image", subtype="png", filename="Vauclair facture.png")
    return message.as_bytes()


def _close(ticket, agent, reply: str) -> None:
    services.message_post_by_agent(ticket=ticket, agent=agent, body=reply, new_status=Status.ANSWERED)
    ticket.refresh_from_db()
    services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)


def _deliver_all() -> None:
    for pk in Notification.objects.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True):
        deliver(pk)


@pytest.fixture
def seeded(commune, request_type, agent, supervisor, settings, tmp_path):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = request_type.slug
    # Web: an email citizen, a photo, an address and a free text naming her, a thread both ways.
    helene = factories.CitizenFactory(street="12 rue de l'Église", postcode="88200", city="Remiremont")
    web = factories.make_ticket(
        request_type=request_type,
        citizen=helene,
        answers=[
            {"code": "description", "label": "Description", "kind": "long_text", "value": "Hélène Lefèvre, 06 12 34 56 78"},
            {"code": "lieu", "label": "Adresse", "kind": "address",
             "value": {"street": "12 rue de l'Église", "postcode": "88200", "city": "Remiremont"}},
            {"code": "nature", "label": "Nature", "kind": "choice", "value": "Voirie"},
        ],
        uploads=[("photo", check_upload(png_upload("Lefèvre trou.png")))],
    )  # fmt: skip
    services.message_post_by_citizen(
        ticket=web, body="Je suis Hélène Lefèvre, rappelez-moi au 06 12 34 56 78", channel=Channel.WEB,
        uploads=[check_upload(png_upload("helene.png"))],
    )  # fmt: skip
    _close(web, agent, "Bonjour Madame Lefèvre, c'est réparé.")

    # Phone: an SMS citizen entered by reception.
    marcel = factories.CitizenFactory(
        first_name="Marcel", last_name="Dupont-Ferrand", email="", phone="+33698765432",
        preferred_channel=ContactChannel.SMS,
    )  # fmt: skip
    phone = factories.make_ticket(request_type=request_type, citizen=marcel, channel=Channel.PHONE, entered_by=agent)
    _close(phone, agent, "Monsieur Dupont-Ferrand, votre demande est traitée.")

    # Email, through the real intake, with an attachment; and one left in quarantine (no usable sender).
    received = email_receive(
        _email("Jeanne Vauclair <jeanne.vauclair@example.net>", "Facture Vauclair", "Bonjour, Jeanne Vauclair.",
               "<v1@client.example>", attachment=png_upload().read())
    )  # fmt: skip
    email_ticket = received.ticket
    _close(email_ticket, agent, "Madame Vauclair, voici la réponse.")
    email_receive(b"Odile Brunswick odile.b@example.com\nthis is not a header line\n\nbody")

    # Mail: a scanned letter (read by Tesseract when installed), answered by post.
    lines = ["Monsieur Paul Marchetti", "7 impasse des Tilleuls", "88200 Remiremont", "Monsieur le Maire,"]
    path = save_scan(letter_image(lines), tmp_path / "marchetti.png", "PNG")
    item, _created = mail_item_receive(path=str(path), name="marchetti.png", source=MailSource.UPLOAD)
    mail_item_read(item_id=item.pk)
    item.refresh_from_db()
    mail = mail_submit(
        item=item, request_type=request_type, citizen=None, agent=agent, summary="Lettre de Paul Marchetti",
        new_citizen={"first_name": "Paul", "last_name": "Marchetti", "street": "7 impasse des Tilleuls",
                     "postcode": "88200", "city": "Remiremont"},
    )  # fmt: skip
    _close(mail, agent, "Monsieur Marchetti, voici notre réponse.")
    for letter in Letter.objects.all():
        letter_render(letter)
        with letter.pdf.open("rb") as stored:
            pdf = stored.read()
        services.ticket_sent_by_post(
            ticket=letter.ticket, agent=agent, letter=check_upload(SimpleUploadedFile(
                "lettre.pdf", pdf, content_type="application/pdf")),
            message=letter.message, recipient=letter.recipient_name,
        )  # fmt: skip

    # Held: closed as long ago, but under a legal hold.
    gaston = factories.CitizenFactory(first_name="Gaston", last_name="Lagaffe", email="gaston@example.org", phone="")
    held = factories.make_ticket(request_type=request_type, citizen=gaston)
    _close(held, agent, "Monsieur Lagaffe, c'est noté.")
    services.ticket_legal_hold_set(ticket=held, actor=supervisor, reason="Contentieux en cours")
    _deliver_all()
    tickets = SimpleNamespace(web=web, phone=phone, email=email_ticket, mail=mail, held=held)
    return tickets


@pytest.fixture
def later():
    """Thirteen months from now: past the commune's default policy (12 months after closing)."""
    return timezone.now() + datetime.timedelta(days=400)
