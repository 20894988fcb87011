"""Citizen records: values normalised on the way in, search text and consents kept by the services."""

import pytest
from django.core.exceptions import ValidationError

from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import FROM_CITIZEN, citizen_for_submission, citizen_update
from guichet.tickets.models import Ticket
from guichet.tickets.search import apply_search
from tests import factories
from tests.citizens.conftest import make_citizen

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033612345678",
        "+33 (0)6 12 34 56 78",
        " 06 12 34 56 78 ",
    ],
)
def test_french_numbers_typed_any_usual_way_are_stored_in_e164(typed):
    citizen = make_citizen("Martin", phone=typed)
    assert citizen.phone == "+33612345678"
    assert citizen.phone_display == "06 12 34 56 78"
    assert "0612345678 33612345678" in citizen.search_text


def test_landline_and_overseas_numbers_are_stored_in_e164():
    assert make_citizen("Martin", phone="02 38 12 34 56").phone == "+33238123456"
    assert make_citizen("Payet", phone="+262 692 12 34 56").phone == "+262692123456"


def test_an_invalid_phone_number_is_refused():
    with pytest.raises(ValidationError) as error:
        make_citizen("Martin", phone="06 12 34")
    assert "phone" in error.value.message_dict
    assert not Citizen.objects.exists()


def test_full_clean_refuses_a_phone_that_is_not_e164():
    citizen = Citizen(last_name="Martin", phone="0612345678")
    with pytest.raises(ValidationError) as error:
        citizen.full_clean()
    assert "phone" in error.value.message_dict


def test_email_names_and_address_are_normalised():
    citizen = make_citizen(
        "  Le   Gall ", "  Anne-Marie ", email="  Anne.LeGall@Example.ORG ", postcode=" 45 000", city=" Orléans "
    )
    assert (citizen.last_name, citizen.first_name) == ("Le Gall", "Anne-Marie")
    assert citizen.email == "anne.legall@example.org"
    assert (citizen.postcode, citizen.city) == ("45000", "Orléans")


def test_search_text_is_folded_and_laid_out_name_first(helene):
    assert helene.search_text == (
        "lefevre;helene | helene.lefevre@example.org | 0612345678 33612345678 | 45000 orleans | 12 rue de la republique"
    )


def test_update_normalises_and_refreshes_the_search_texts_of_the_citizen_and_their_tickets(helene, request_type):
    ticket = factories.make_ticket(request_type=request_type, citizen=helene)
    before = helene.updated_at
    citizen_update(citizen=helene, phone="07 81 22 33 44", city="Olivet", postcode="45160")
    helene.refresh_from_db()
    assert helene.phone == "+33781223344"
    assert "0781223344" in helene.search_text and "olivet" in helene.search_text
    assert helene.updated_at > before
    assert list(apply_search(Ticket.objects.all(), "07 81 22 33 44")) == [ticket]


def test_update_refuses_fields_that_are_not_editable(helene):
    with pytest.raises(TypeError):
        citizen_update(citizen=helene, search_text="x")


def test_update_validates_before_saving(helene):
    with pytest.raises(ValidationError):
        citizen_update(citizen=helene, email="pas-une-adresse")
    helene.refresh_from_db()
    assert helene.email == "helene.lefevre@example.org"


def test_web_form_records_are_searchable_and_consent_to_the_chosen_channel():
    citizen = citizen_for_submission(
        rules=FROM_CITIZEN, first_name="Hélène", last_name="Lefèvre", email="Helene@Example.org",
        phone="+33612345678", chosen_channel=ContactChannel.SMS,
    )  # fmt: skip
    assert citizen.search_text.startswith("lefevre;helene | helene@example.org")
    assert citizen.consent_email and citizen.consent_sms
    assert citizen.wants_sms and not citizen.wants_email


def test_web_form_reuses_the_record_and_renews_the_consent_given_again(helene):
    citizen_update(citizen=helene, consent_email=False)
    again = citizen_for_submission(
        rules=FROM_CITIZEN, first_name="Hélène", last_name="Lefèvre", email="helene.lefevre@example.org",
        chosen_channel=ContactChannel.EMAIL,
    )  # fmt: skip
    assert again.pk == helene.pk
    assert again.consent_email and again.wants_email


def test_wanting_email_or_sms_needs_the_consent_too(helene):
    citizen_update(citizen=helene, preferred_channel=ContactChannel.EMAIL_AND_SMS)
    assert helene.wants_email and helene.wants_sms
    citizen_update(citizen=helene, consent_email=False, consent_sms=False)
    assert not helene.wants_email and not helene.wants_sms


def test_each_citizen_gets_a_random_public_id():
    first, second = make_citizen("Martin"), make_citizen("Martin")
    assert len(first.public_id) == 16 and first.public_id != second.public_id
