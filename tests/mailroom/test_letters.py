"""Answers by post: the letter PDF for a DL window envelope, the mail room's print queue, "sent by post"."""

import io

import pytest
from django.urls import reverse
from pdfminer.high_level import extract_pages, extract_text
from pdfminer.layout import LTTextContainer, LTTextLine

from guichet.mailroom.letters import ADDRESS_MAX_CHARS, WINDOW
from guichet.mailroom.models import Letter, LetterStatus
from guichet.notifications.models import Notification
from guichet.tickets.models import Event, EventKind
from guichet.tickets.services import message_post_by_agent
from tests import factories

pytestmark = pytest.mark.django_db
MM = 25.4 / 72


@pytest.fixture
def postal_citizen(db):
    return factories.CitizenFactory(
        first_name="Hélène",
        last_name="Lefèvre",
        email="",
        phone="",
        street="12 rue de l'Église",
        postcode="88200",
        city="Saint-Étienne-lès-Remiremont",
        preferred_channel="post",
    )


@pytest.fixture
def postal_ticket(request_type, postal_citizen):
    # Its acknowledgement letter is tested with the qualification (tests/mailroom/test_views.py).
    return factories.make_ticket(request_type=request_type, citizen=postal_citizen, channel="mail", acknowledge=False)


def lines_with_boxes(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) in mm from the sheet's top-left corner, first page."""
    page = next(iter(extract_pages(io.BytesIO(pdf))))
    found = []
    for element in page:
        if isinstance(element, LTTextContainer):
            for line in element:
                if isinstance(line, LTTextLine):
                    x0, y0, x1, y1 = line.bbox
                    found.append(
                        (line.get_text().strip(), x0 * MM, (page.height - y1) * MM, x1 * MM, (page.height - y0) * MM)
                    )
    return found


def reply(ticket, agent, body="La lampe sera remplacée jeudi.\nCordialement."):
    return message_post_by_agent(ticket=ticket, agent=agent, body=body)


def test_reply_to_a_citizen_who_chose_the_post_queues_a_letter(postal_ticket, agent):
    message = reply(postal_ticket, agent)
    letter = Letter.objects.get()
    assert (letter.ticket, letter.message, letter.status) == (postal_ticket, message, LetterStatus.TO_PRINT)
    assert letter.address_lines == ["Hélène Lefèvre", "12 rue de l'Église", "88200 SAINT-ÉTIENNE-LÈS-REMIREMONT"]
    assert not Notification.objects.filter(ticket=postal_ticket, template="agent_reply").exists()


def test_citizen_with_email_gets_no_letter(ticket, agent):
    reply(ticket, agent)
    assert not Letter.objects.exists()


def test_citizen_without_email_or_phone_gets_a_letter_even_without_choosing_post(request_type, agent):
    citizen = factories.CitizenFactory(email="", phone="", street="1 rue Haute", postcode="45000", city="Orléans")
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    reply(ticket, agent)
    assert Letter.objects.filter(ticket=ticket).count() == 1


def test_internal_note_makes_no_letter(postal_ticket, agent):
    message_post_by_agent(ticket=postal_ticket, agent=agent, body="Note", internal=True)
    assert not Letter.objects.exists()


def test_address_sits_inside_the_envelope_window(postal_ticket, agent):
    from guichet.mailroom.letters import letter_pdf

    reply(postal_ticket, agent)
    pdf = letter_pdf(Letter.objects.get())
    boxes = {text: box for text, *box in lines_with_boxes(pdf)}
    address = ["Hélène Lefèvre", "12 rue de l'Église", "88200 SAINT-ÉTIENNE-LÈS-REMIREMONT"]
    left, top = WINDOW["left"], WINDOW["top"]
    right, bottom = left + WINDOW["width"], top + WINDOW["height"]
    for line in address:
        x0, y0, x1, y1 = boxes[line]
        assert left + 5 <= x0 and x1 <= right - 5, (line, x0, x1)
        assert top + 4 <= y0 and y1 <= bottom - 4, (line, y0, y1)
        assert len(line) <= ADDRESS_MAX_CHARS
    # Nothing else shows through the window.
    others = [t for t, x0, y0, x1, y1 in lines_with_boxes(pdf) if t not in address]
    for text, x0, y0, x1, y1 in lines_with_boxes(pdf):
        if text in others:
            assert x1 <= left or x0 >= right or y1 <= top or y0 >= bottom, text
    text = extract_text(io.BytesIO(pdf))
    assert postal_ticket.reference_display in text
    assert "La lampe sera remplacée jeudi." in text
    assert postal_ticket.subject in text


def test_long_reply_flows_onto_a_second_page(postal_ticket, agent):
    from guichet.mailroom.letters import letter_pdf

    reply(postal_ticket, agent, body="\n".join(f"Paragraphe {n} de la réponse." for n in range(80)))
    pdf = letter_pdf(Letter.objects.get())
    pages = list(extract_pages(io.BytesIO(pdf)))
    assert len(pages) >= 2
    assert "Paragraphe 79" in extract_text(io.BytesIO(pdf))


def test_mail_room_prints_a_batch_then_marks_it_sent(
    any_storage, client, postal_ticket, agent, mail_agent, request_type
):
    other = factories.make_ticket(
        request_type=request_type, citizen=factories.CitizenFactory(email="", phone="", street="2 rue Basse",
                                                                    postcode="45000", city="Orléans"),
    )  # fmt: skip
    reply(postal_ticket, agent)
    reply(other, agent)
    client.force_login(mail_agent)
    listing = client.get(reverse("backoffice:letters"))
    assert postal_ticket.reference_display in listing.text and other.reference_display in listing.text
    ids = list(Letter.objects.values_list("public_id", flat=True))
    batch = client.post(reverse("backoffice:letters_print"), {"letters": ids})
    assert batch["Content-Type"] == "application/pdf"
    batch_text = extract_text(io.BytesIO(batch.content))
    assert postal_ticket.reference_display in batch_text and other.reference_display in batch_text

    version_before = Letter.objects.get(public_id=ids[0]).ticket.version
    response = client.post(reverse("backoffice:letters_sent"), {"letters": ids[:1]})
    assert response.status_code == 302
    sent = Letter.objects.get(public_id=ids[0])
    assert sent.ticket.version == version_before + 1  # a change like any other: API ETags and caches follow
    assert (sent.status, sent.sent_by) == (LetterStatus.SENT, mail_agent)
    event = Event.objects.get(ticket=sent.ticket, kind=EventKind.SENT_BY_POST)
    attachment = sent.ticket.attachments.get(public_id=event.data["attachment"])
    assert attachment.file.read(5) == b"%PDF-"
    # Marking it again changes nothing.
    client.post(reverse("backoffice:letters_sent"), {"letters": ids[:1]})
    assert Event.objects.filter(kind=EventKind.SENT_BY_POST).count() == 1
    assert list(Letter.objects.filter(status=LetterStatus.TO_PRINT).values_list("public_id", flat=True)) == ids[1:]

    client.force_login(agent)
    timeline = client.get(reverse("backoffice:ticket", args=[sent.ticket.reference]))
    assert "Envoyée par courrier postal" in timeline.text and "courrier envoyé (PDF)" in timeline.text


def test_letter_list_query_count(client, mail_agent, agent, request_type, django_assert_max_num_queries):
    for index in range(5):
        citizen = factories.CitizenFactory(
            email="", phone="", street=f"{index} rue Basse", postcode="45000", city="Orléans"
        )
        reply(factories.make_ticket(request_type=request_type, citizen=citizen), agent)
    client.force_login(mail_agent)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("backoffice:letters"))
    assert page.text.count('name="letters"') == 5


def test_letters_are_refused_to_service_agents(any_storage, client, agent, postal_ticket):
    reply(postal_ticket, agent)
    client.force_login(agent)
    letter = Letter.objects.get()
    assert client.get(reverse("backoffice:letter_pdf", args=[letter.public_id])).status_code == 403
    assert client.post(reverse("backoffice:letters_sent"), {"letters": [letter.public_id]}).status_code == 403
    assert Letter.objects.get().status == LetterStatus.TO_PRINT


def test_single_letter_pdf_for_the_mail_room(any_storage, client, mail_agent, postal_ticket, agent):
    reply(postal_ticket, agent)
    client.force_login(mail_agent)
    response = client.get(reverse("backoffice:letter_pdf", args=[Letter.objects.get().public_id]))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:5] == b"%PDF-"
    assert response["Content-Disposition"].startswith("inline;") and response["Cache-Control"] == "private, no-store"


def test_long_address_line_wraps_inside_the_window(request_type, agent):
    from guichet.mailroom.letters import letter_pdf

    street = "Résidence des Grands Chênes, bâtiment B, escalier 4, 118 avenue du Général-de-Gaulle"
    citizen = factories.CitizenFactory(email="", phone="", street=street, postcode="45000", city="Orléans")
    reply(factories.make_ticket(request_type=request_type, citizen=citizen), agent)
    boxes = lines_with_boxes(letter_pdf(Letter.objects.get()))
    left, top = WINDOW["left"], WINDOW["top"]
    right, bottom = left + WINDOW["width"], top + WINDOW["height"]
    inside = [text for text, x0, y0, x1, y1 in boxes if left <= x0 and x1 <= right and top <= y0 and y1 <= bottom]
    assert " ".join(inside).replace("- ", "-") == f"{citizen.full_name} {street} 45000 ORLÉANS"


def test_reply_form_says_the_answer_goes_by_post(client, agent, postal_ticket, request_type, ticket):
    client.force_login(agent)
    page = client.get(reverse("backoffice:ticket", args=[postal_ticket.reference]))
    assert "votre réponse sera imprimée et postée par le service courrier" in page.text
    unreachable = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory(email="", phone=""))
    page = client.get(reverse("backoffice:ticket", args=[unreachable.reference]))
    assert "il ne sera pas prévenu de votre réponse" in page.text
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert "courrier postal" not in page.text and "pas prévenu" not in page.text


def _letter_text(letter: Letter) -> str:
    from guichet.mailroom.letters import letter_render

    letter = letter_render(letter)
    with letter.pdf.open("rb") as handle:
        return extract_text(io.BytesIO(handle.read()))


def test_the_answer_letter_carries_the_survey_code_and_address(client, postal_ticket, agent, settings):
    import re

    from guichet.surveys.models import InvitationChannel, Survey
    from guichet.tickets.lifecycle import Status

    message_post_by_agent(ticket=postal_ticket, agent=agent, body="La lampe est remplacée.", new_status=Status.ANSWERED)
    letter = Letter.objects.get()
    assert letter.carries_survey and not Survey.objects.exists()  # drawn when the PDF is made, only then
    text = _letter_text(letter)
    assert "Votre avis" in text and settings.SITE_URL + reverse("portal:survey_code") in text
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", text).group(0)
    survey = Survey.objects.get()
    assert (survey.ticket, survey.channel) == (postal_ticket, InvitationChannel.PAPER)
    # The printed code, typed on /avis/, opens the survey.
    typed = client.get(reverse("portal:survey_code"), {"code": code.lower()})
    assert client.get(typed["Location"]).status_code == 200
    assert _letter_text(Letter.objects.get()) == text  # made once: the same code on every print


def test_a_reply_that_does_not_answer_carries_no_survey(postal_ticket, agent):
    reply(postal_ticket, agent)  # in progress: the survey comes with the answer
    letter = Letter.objects.get()
    assert not letter.carries_survey and "Votre avis" not in _letter_text(letter)


def test_one_printed_code_per_round_of_handling(postal_ticket, agent):
    from guichet.surveys.models import Survey
    from guichet.tickets.lifecycle import Status

    message_post_by_agent(ticket=postal_ticket, agent=agent, body="Réponse.", new_status=Status.ANSWERED)
    first = Letter.objects.get()
    _letter_text(first)
    message_post_by_agent(ticket=postal_ticket, agent=agent, body="Dossier clos.", new_status=Status.CLOSED)
    second = Letter.objects.exclude(pk=first.pk).get()
    assert not second.carries_survey and "Votre avis" not in _letter_text(second)
    assert Survey.objects.count() == 1


def test_no_survey_letter_of_its_own_when_the_ticket_is_closed_without_a_letter(postal_ticket, agent):
    from guichet.tickets.lifecycle import Status
    from guichet.tickets.services import ticket_change_status

    reply(postal_ticket, agent)
    _letter_text(Letter.objects.get())
    ticket_change_status(ticket=postal_ticket, to_status=Status.ANSWERED, actor=agent)
    assert Letter.objects.count() == 1 and not Letter.objects.get().carries_survey


def test_a_citizen_who_refused_surveys_gets_no_code_on_the_letter(postal_ticket, agent):
    from guichet.surveys.models import SurveyRefusal
    from guichet.tickets.lifecycle import Status

    SurveyRefusal.objects.create(citizen=postal_ticket.citizen)
    message_post_by_agent(ticket=postal_ticket, agent=agent, body="Réponse.", new_status=Status.ANSWERED)
    assert not Letter.objects.get().carries_survey
