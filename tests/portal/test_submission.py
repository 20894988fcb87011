import re
import uuid

import pytest
from django.urls import reverse

from guichet.lib.submission_keys import parse_submission_key
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Event, EventKind, Ticket
from tests import factories
from tests.conftest import queued_tasks

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "submission_key": str(uuid.uuid4()),
        "f_adresse_0": "12 rue de l'Église",
        "f_adresse_1": "44000",
        "f_adresse_2": "Nantes",
        "f_description": "Un trou de 20 cm devant l'école.",
        "contact-first_name": "Hélène",
        "contact-last_name": "Lefèvre",
        "contact-email": "helene@example.org",
        "contact-phone": "",
        "contact-ack_channel": "email",
    }
    data.update(overrides)
    return data


def test_home_lists_active_request_types_by_theme(client, request_type):
    factories.RequestTypeFactory(name="Démarche retirée", is_active=False, theme=request_type.theme)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert request_type.name in response.text
    assert request_type.theme.name in response.text
    assert "Démarche retirée" not in response.text


def test_home_search_filters_request_types(client, request_type):
    factories.RequestTypeFactory(name="Demander un acte de naissance", theme=request_type.theme)
    response = client.get(reverse("portal:home"), {"q": "naissance"})
    assert "Demander un acte de naissance" in response.text
    assert request_type.name not in response.text


def test_form_page_renders_every_configured_field(client, request_type):
    response = client.get(reverse("portal:request_form", args=[request_type.slug]))
    assert response.status_code == 200
    for label in ("Adresse du problème", "Description", "Photo", "Code postal", "Adresse électronique"):
        assert label in response.text


def test_valid_submission_creates_one_ticket_with_event_and_queued_acknowledgement(client, request_type):
    response = client.post(reverse("portal:request_form", args=[request_type.slug]), form_data())
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:confirmation", args=[ticket.reference])
    assert ticket.channel == Channel.WEB
    assert ticket.status == Status.RECEIVED
    assert ticket.citizen.email == "helene@example.org"
    assert {a["code"]: a["value"] for a in ticket.answers}["adresse"] == {
        "street": "12 rue de l'Église",
        "postcode": "44000",
        "city": "Nantes",
    }
    assert list(Event.objects.values_list("kind", flat=True)) == [EventKind.CREATED]
    assert queued_tasks() == ["ticket_received"]  # acknowledgement, facts and agents' alerts: one task
    page = client.get(response.url)
    assert ticket.reference_display in page.text


def test_a_known_name_and_email_reuse_the_citizen_record_and_take_the_new_phone(client, request_type):
    known = factories.CitizenFactory(first_name="Hélène", last_name="Lefèvre", email="helene@example.org", phone="")
    data = form_data(**{"contact-phone": "06 12 34 56 78", "contact-ack_channel": "email_sms"})
    assert client.post(reverse("portal:request_form", args=[request_type.slug]), data).status_code == 302
    known.refresh_from_db()
    assert Ticket.objects.get().citizen == known
    assert (known.phone, known.preferred_channel, known.consent_sms) == ("+33612345678", "email_sms", True)


def test_resubmitting_the_same_form_does_not_create_a_second_ticket(client, request_type):
    data = form_data()
    url = reverse("portal:request_form", args=[request_type.slug])
    first = client.post(url, data)
    second = client.post(url, data)
    assert Ticket.objects.count() == 1
    assert first.url == second.url
    assert queued_tasks() == ["ticket_received"]


@pytest.mark.parametrize("sent", ["", "None", "pas-une-cle"])
def test_a_missing_or_altered_key_is_replaced_so_the_form_can_be_sent_again(client, request_type, sent):
    url = reverse("portal:request_form", args=[request_type.slug])
    response = client.post(url, form_data(submission_key=sent))
    assert response.status_code == 400 and not Ticket.objects.exists()
    fresh = re.search(r'name="submission_key" value="([^"]*)"', response.text).group(1)
    assert parse_submission_key(fresh) is not None
    assert client.post(url, form_data(submission_key=fresh)).status_code == 302
    assert Ticket.objects.count() == 1


def test_invalid_submission_keeps_what_was_typed_and_explains_in_french(client, request_type):
    data = form_data(**{"f_adresse_1": "44", "contact-email": "", "contact-phone": ""})
    response = client.post(reverse("portal:request_form", args=[request_type.slug]), data)
    assert response.status_code == 400
    assert Ticket.objects.count() == 0
    assert "Le code postal doit comporter 5 chiffres." in response.text
    assert "Indiquez une adresse électronique ou un numéro de téléphone portable" in response.text
    assert "Un trou de 20 cm devant l&#x27;école." in response.text
    assert "Hélène" in response.text


def test_sms_acknowledgement_needs_a_mobile_number(client, request_type):
    data = form_data(**{"contact-ack_channel": "sms", "contact-phone": "01 23 45 67 89"})
    response = client.post(reverse("portal:request_form", args=[request_type.slug]), data)
    assert response.status_code == 400
    assert "pas un numéro de portable" in response.text


def test_request_type_requiring_an_account_sends_anonymous_visitors_to_sign_in(client, request_type):
    request_type.requires_account = True
    request_type.save()
    url = reverse("portal:request_form", args=[request_type.slug])
    response = client.post(url, form_data())
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"
    assert Ticket.objects.count() == 0


def test_honeypot_filled_by_a_bot_creates_nothing(client, request_type):
    response = client.post(
        reverse("portal:request_form", args=[request_type.slug]), form_data(**{"contact-website": "http://spam"})
    )
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_submissions_are_rate_limited_per_address(client, request_type, settings):
    settings.GUICHET_SUBMIT_RATE = "2/m"
    url = reverse("portal:request_form", args=[request_type.slug])
    for _ in range(2):
        client.post(url, form_data())
    response = client.post(url, form_data())
    assert response.status_code == 429
    assert "Trop de tentatives" in response.text
    assert Ticket.objects.count() == 2


def test_home_page_query_count_does_not_grow_with_the_catalogue(client, request_type, django_assert_max_num_queries):
    for index in range(30):
        factories.RequestTypeFactory(name=f"Démarche {index}", theme=factories.ThemeFactory())
    with django_assert_max_num_queries(4):
        response = client.get(reverse("portal:home"))
    assert response.text.count('class="tile"') == 31
