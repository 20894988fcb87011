"""The mail-room screens: who may use them, the queue, qualifying a scan into a ticket or a thread, splitting."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pdfminer.high_level import extract_text

from guichet.mailroom.letters import letter_pdf
from guichet.mailroom.models import Letter, MailItem, MailSource, MailStatus
from guichet.mailroom.services import mail_item_read, mail_item_receive
from guichet.notifications.models import Notification
from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Event, EventKind, Message, Ticket
from tests import factories
from tests.mailroom.conftest import letter_image, letter_lines, save_scan, scan_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_item(tmp_path):
    def make(lines=None, name="lettre.png", pages=None, received_on=None) -> MailItem:
        image = pages or letter_image(lines or letter_lines())
        fmt = "TIFF" if name.endswith(".tif") else "PNG"
        path = save_scan(image, tmp_path / name, fmt)
        item, _created = mail_item_receive(path=str(path), name=name, source=MailSource.UPLOAD, received_on=received_on)
        mail_item_read(item_id=item.pk)
        item.refresh_from_db()
        return item

    return make


@pytest.mark.parametrize("role", [Role.SERVICE_AGENT, Role.RECEPTION])
def test_other_agents_are_refused(client, role, read_item):
    item = read_item()
    client.force_login(factories.AgentFactory(role=role).user)
    assert client.get(reverse("backoffice:mail_list")).status_code == 403
    assert client.get(reverse("backoffice:mail_item", args=[item.public_id])).status_code == 403
    assert client.get(reverse("backoffice:mail_page", args=[item.public_id, 1])).status_code == 403
    assert client.get(reverse("backoffice:letters")).status_code == 403
    response = client.post(reverse("backoffice:mail_qualify", args=[item.public_id]), {})
    assert response.status_code == 403
    assert "Courrier" not in client.get(reverse("backoffice:inbox")).text.split("<main", 1)[0]


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("backoffice:mail_list"))
    assert response.status_code == 302 and "/agent/connexion/" in response.url


def test_backlog_is_for_supervisors_only(client, mail_agent, supervisor, read_item):
    read_item(received_on=timezone.localdate() - datetime.timedelta(days=10))
    client.force_login(mail_agent)
    assert client.get(reverse("backoffice:mail_backlog")).status_code == 403
    client.force_login(supervisor)
    page = client.get(reverse("backoffice:mail_backlog"))
    assert page.status_code == 200
    assert "1 courrier à qualifier" in page.text and "10 jours" in page.text and "en retard" in page.text


def test_queue_lists_oldest_first_with_ages_and_its_own_search(
    client, mail_agent, read_item, django_assert_max_num_queries
):
    today = timezone.localdate()
    read_item(["Madame Martin : trottoir abîmé"], name="m.png", received_on=today - datetime.timedelta(days=3))
    read_item(["Monsieur Petit : cantine scolaire"], name="p.png", received_on=today)
    client.force_login(mail_agent)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("backoffice:mail_list"))
    assert page.text.index("m.png") < page.text.index("p.png")
    assert "3 jours" in page.text
    found = client.get(reverse("backoffice:mail_list"), {"q": "abime"})  # folded: "abîmé" found without accents
    assert "m.png" in found.text and "p.png" not in found.text


def test_upload_several_scans_and_refuse_a_fake(client, mail_agent):
    client.force_login(mail_agent)
    files = [
        SimpleUploadedFile("un.png", scan_bytes(letter_image(["Un"]), "PNG")),
        SimpleUploadedFile("deux.pdf", scan_bytes(letter_image(["Deux"]), "PDF")),
        SimpleUploadedFile("faux.pdf", b"MZ\x90\x00 un programme"),
    ]
    response = client.post(reverse("backoffice:mail_upload"), {"files": files}, follow=True)
    assert sorted(MailItem.objects.values_list("original_name", flat=True)) == ["deux.pdf", "un.png"]
    assert "2 scan(s) ajouté(s)" in response.text
    assert "« faux.pdf » n&#x27;est pas un scan accepté" in response.text
    assert MailItem.objects.filter(created_by=mail_agent, source=MailSource.UPLOAD).count() == 2


def test_item_page_prefills_the_citizen_from_the_text(client, mail_agent, read_item):
    item = read_item()
    client.force_login(mail_agent)
    page = client.get(reverse("backoffice:mail_item", args=[item.public_id]))
    assert page.status_code == 200
    for value in [
        'value="Hélène"',
        'value="Lefèvre"',
        'value="helene.lefevre@example.org"',
        'value="88200"',
        'value="06 12 34 56 78"',
        'value="12 rue de l&#x27;Église"',
    ]:
        assert value in page.text
    assert reverse("backoffice:mail_page", args=[item.public_id, 1]) in page.text
    image = client.get(reverse("backoffice:mail_page", args=[item.public_id, 1]))
    assert image["Content-Type"] == "image/png"


def test_qualify_into_a_new_ticket_for_a_new_citizen(client, mail_agent, read_item, request_type):
    received = timezone.localdate() - datetime.timedelta(days=2)
    item = read_item(received_on=received)
    client.force_login(mail_agent)
    data = {
        "submission_key": str(uuid.uuid4()),
        "demarche": request_type.slug,
        "summary": "Lampadaire éteint\nDevant le 12 rue de l'Église",
        "usager-first_name": "Hélène",
        "usager-last_name": "Lefèvre",
        "usager-email": "helene.lefevre@example.org",
        "usager-street": "12 rue de l'Église",
        "usager-postcode": "88200",
        "usager-city": "Remiremont",
    }
    response = client.post(reverse("backoffice:mail_qualify", args=[item.public_id]), data)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("backoffice:ticket", args=[ticket.reference])
    assert (ticket.channel, ticket.entered_by, ticket.subject) == (Channel.MAIL, mail_agent, "Lampadaire éteint")
    assert timezone.localdate(ticket.created_at) == received
    assert ticket.attachments.get().content_type == "application/pdf"  # the scan, with its text layer
    assert "eteint depuis une semaine" in ticket.search_text  # the OCR text is in the back-office search
    assert Notification.objects.filter(ticket=ticket, recipient="helene.lefevre@example.org").exists()
    item.refresh_from_db()
    assert (item.status, item.ticket, item.qualified_by) == (MailStatus.QUALIFIED, ticket, mail_agent)
    assert Event.objects.get(ticket=ticket, kind=EventKind.CREATED).channel == Channel.MAIL
    # A second POST of the same form does not make a second ticket.
    client.post(reverse("backoffice:mail_qualify", args=[item.public_id]), data)
    assert Ticket.objects.count() == 1


def test_existing_citizen_without_email_or_phone_is_acknowledged_by_post(client, mail_agent, read_item, request_type):
    citizen = factories.CitizenFactory(
        email="", phone="", preferred_channel="post", street="1 rue Haute", postcode="45000", city="Orléans"
    )
    item = read_item()
    client.force_login(mail_agent)
    data = {"demarche": request_type.slug, "summary": "Question", "usager": citizen.public_id}
    extra = SimpleUploadedFile("plan.png", scan_bytes(letter_image(["Plan du quartier"]), "PNG"))
    client.post(reverse("backoffice:mail_qualify", args=[item.public_id]), data | {"files": [extra]})
    ticket = Ticket.objects.get()
    assert ticket.citizen == citizen
    assert not Notification.objects.filter(ticket=ticket).exists()
    letter = Letter.objects.get(ticket=ticket)
    assert (letter.template, letter.message) == ("acknowledgement", None)
    assert "Nous avons bien reçu votre courrier" in extract_text(io.BytesIO(letter_pdf(letter)))
    assert sorted(ticket.attachments.values_list("original_name", flat=True)) == ["lettre.pdf", "plan.png"]


def test_a_new_citizen_with_only_a_mobile_is_acknowledged_by_sms_and_consents_to_nothing_else(
    client, mail_agent, read_item, request_type
):
    item = read_item()
    client.force_login(mail_agent)
    data = {"submission_key": str(uuid.uuid4()), "demarche": request_type.slug, "summary": "Question",
            "usager-last_name": "Petit", "usager-phone": "06 22 33 44 55"}  # fmt: skip
    client.post(reverse("backoffice:mail_qualify", args=[item.public_id]), data)
    citizen = Ticket.objects.get().citizen
    assert (citizen.preferred_channel, citizen.consent_sms, citizen.consent_email) == ("sms", True, False)
    assert Notification.objects.get(ticket__citizen=citizen).channel == "sms"


def test_a_known_citizen_keeps_their_preferences_when_a_letter_is_qualified(
    client, mail_agent, read_item, request_type
):
    known = factories.CitizenFactory(phone="+33611223344", preferred_channel="sms", consent_email=False)
    client.force_login(mail_agent)
    data = {"demarche": request_type.slug, "summary": "Question", "usager": known.public_id}
    client.post(reverse("backoffice:mail_qualify", args=[read_item().public_id]), data)
    known.refresh_from_db()
    assert (known.preferred_channel, known.consent_email, Ticket.objects.get().citizen) == ("sms", False, known)


def test_fake_extra_attachment_is_refused_and_nothing_is_created(client, mail_agent, read_item, request_type, citizen):
    item = read_item()
    client.force_login(mail_agent)
    data = {"demarche": request_type.slug, "summary": "Question", "usager": citizen.public_id}
    fake = SimpleUploadedFile("plan.png", b"<script>alert(1)</script>")
    response = client.post(reverse("backoffice:mail_qualify", args=[item.public_id]), data | {"files": [fake]})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_invalid_form_keeps_the_item_open(client, mail_agent, read_item):
    item = read_item()
    client.force_login(mail_agent)
    response = client.post(reverse("backoffice:mail_qualify", args=[item.public_id]), {"summary": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.text
    item.refresh_from_db()
    assert item.status == MailStatus.TO_QUALIFY and not Ticket.objects.exists()


def test_letter_citing_a_reference_is_proposed_for_its_thread(client, mail_agent, read_item, quoted_ticket):
    ticket = quoted_ticket
    item = read_item(letter_lines(reference=ticket.reference_display))
    client.force_login(mail_agent)
    page = client.get(reverse("backoffice:mail_item", args=[item.public_id]))
    assert f"Joindre au fil de {ticket.reference_display}" in page.text
    response = client.post(reverse("backoffice:mail_attach", args=[item.public_id]), {"reference": ticket.reference})
    assert response.status_code == 302
    message = Message.objects.filter(ticket=ticket).latest("pk")
    assert (message.channel, message.author_kind, message.author) == (Channel.MAIL, "citizen", mail_agent)
    assert "éteint depuis une semaine" in message.body
    assert message.attachments.count() == 1
    assert Ticket.objects.count() == 1
    item.refresh_from_db()
    assert (item.status, item.ticket) == (MailStatus.QUALIFIED, ticket)


def test_answered_ticket_goes_back_in_progress_when_a_letter_arrives(
    client, mail_agent, read_item, quoted_ticket, agent
):
    ticket = quoted_ticket
    from guichet.tickets.services import message_post_by_agent

    message_post_by_agent(ticket=ticket, agent=agent, body="Réparé.", new_status=Status.ANSWERED)
    item = read_item(letter_lines(reference=ticket.reference))
    client.force_login(mail_agent)
    client.post(reverse("backoffice:mail_attach", args=[item.public_id]), {"reference": ticket.reference})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_split_a_scan_holding_two_letters(client, mail_agent, read_item):
    pages = [letter_image(["Lettre de Madame Martin"]), letter_image(["Suite Martin"]), letter_image(["Petit"])]
    item = read_item(name="lot.tif", pages=pages)
    client.force_login(mail_agent)
    bad = client.post(reverse("backoffice:mail_split", args=[item.public_id]), {"ranges": "1-2, 2-3"})
    assert bad.status_code == 400 and "sans se chevaucher" in bad.text
    response = client.post(reverse("backoffice:mail_split", args=[item.public_id]), {"ranges": "1-2, 3"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == MailStatus.SPLIT
    first, second = item.parts.order_by("first_page")
    assert (first.page_count, second.page_count) == (2, 1)
    assert "Martin" in first.ocr_text and "Petit" in second.ocr_text and "Petit" not in first.ocr_text
    assert [p.number for p in first.pages.all()] == [1, 2]
    assert first.file.read(5) == b"%PDF-"
    queue = client.get(reverse("backoffice:mail_list"))
    assert "lot.tif p1-2" in queue.text and "lot.tif p3-3" in queue.text


def test_reread_after_installing_tesseract(client, mail_agent, read_item, settings, tmp_path):
    settings.GUICHET_TESSERACT_CMD = str(tmp_path / "absent")
    item = read_item()
    client.force_login(mail_agent)
    page = client.get(reverse("backoffice:mail_item", args=[item.public_id]))
    assert "OCR indisponible" in page.text and "Tesseract est introuvable" in page.text
    settings.GUICHET_TESSERACT_CMD = "tesseract"
    client.post(reverse("backoffice:mail_reread", args=[item.public_id]))
    mail_item_read(item_id=item.pk)  # what the worker runs
    item.refresh_from_db()
    assert item.ocr_status == "done" and "Lefèvre" in item.ocr_text


def test_scan_file_is_served_sandboxed(any_storage, client, mail_agent, read_item):
    item = read_item()
    client.force_login(mail_agent)
    response = client.get(reverse("backoffice:mail_file", args=[item.public_id]))
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
    with item.searchable_pdf.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    page = client.get(reverse("backoffice:mail_page", args=[item.public_id, 1]))
    assert b"".join(page.streaming_content).startswith(b"\x89PNG") and page["Cache-Control"] == "private, no-store"


def test_reading_failure_is_shown_and_the_scan_kept(client, mail_agent, read_item, settings):
    settings.GUICHET_TESSERACT_CMD = "/bin/false"  # runs, and fails without a word
    item = read_item()
    assert item.ocr_status == "failed" and item.ocr_message.startswith("Lecture impossible")
    assert item.file.size > 0
    client.force_login(mail_agent)
    assert "Lecture impossible" in client.get(reverse("backoffice:mail_item", args=[item.public_id])).text


def test_back_office_search_finds_a_mail_ticket_by_the_letter_text(client, mail_agent, read_item, request_type, agent):
    item = read_item()
    client.force_login(mail_agent)
    data = {"demarche": request_type.slug, "summary": "Éclairage", "usager-last_name": "Lefèvre"}
    client.post(reverse("backoffice:mail_qualify", args=[item.public_id]), data)
    ticket = Ticket.objects.get()
    client.force_login(agent)
    found = client.get(reverse("backoffice:inbox"), {"view": "all", "q": "lampadaire"})
    assert ticket.reference_display in found.text
    assert ticket.reference_display not in client.get(reverse("backoffice:inbox"), {"view": "all", "q": "piscine"}).text


def test_split_a_tiff_read_without_tesseract(any_storage, client, mail_agent, read_item, settings, tmp_path):
    settings.GUICHET_TESSERACT_CMD = str(tmp_path / "absent")
    item = read_item(name="lot.tif", pages=[letter_image(["Un"]), letter_image(["Deux"])])
    assert not item.searchable_pdf
    client.force_login(mail_agent)
    client.post(reverse("backoffice:mail_split", args=[item.public_id]), {"ranges": "1;2"})
    parts = list(item.parts.order_by("first_page"))
    assert [p.page_count for p in parts] == [1, 1]
    assert all(p.file.read(5) == b"%PDF-" and p.ocr_status == "unavailable" for p in parts)
    assert [p.pages.get().image.name for p in parts] == [p.image.name for p in item.pages.all()]


def test_too_many_files_at_once_are_refused(client, mail_agent, monkeypatch):
    from guichet.mailroom import forms

    monkeypatch.setattr(forms, "MAX_FILES_PER_UPLOAD", 1)
    client.force_login(mail_agent)
    files = [SimpleUploadedFile(f"{n}.png", scan_bytes(letter_image([str(n)]), "PNG")) for n in range(2)]
    response = client.post(reverse("backoffice:mail_upload"), {"files": files}, follow=True)
    assert "1 fichiers au plus à la fois" in response.text
    assert not MailItem.objects.exists()


def test_supervisors_keep_the_backlog_tab_on_the_letters_page(client, mail_agent, supervisor):
    client.force_login(supervisor)
    assert "Retard de qualification" in client.get(reverse("backoffice:letters")).text
    client.force_login(mail_agent)
    assert "Retard de qualification" not in client.get(reverse("backoffice:letters")).text
