"""The citizen behind a submission: one service, the same rules for the six channels.

Channels differ only by ``SubmissionRules`` (FROM_CITIZEN: web, email, Open311, REST; FROM_AGENT:
phone, counter, mail room) and by what they pass (a chosen record, the citizen's chosen channel).
"""

import pytest
from django.core.exceptions import ValidationError

from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import (
    DECLINED,
    FROM_AGENT,
    FROM_CITIZEN,
    NOT_ASKED,
    citizen_for_submission,
    citizen_update,
)
from tests import factories

pytestmark = pytest.mark.django_db


def submit(rules=FROM_CITIZEN, **values):
    return citizen_for_submission(rules=rules, **values)


# Which record -----------------------------------------------------------------------------------


def test_a_known_email_with_the_same_name_gives_the_same_citizen(helene):
    again = submit(first_name="HéLèNE", last_name="lefèvre", email="Helene.Lefevre@Example.org")
    assert again.pk == helene.pk and Citizen.objects.count() == 1


def test_a_known_phone_typed_another_way_gives_the_same_citizen(helene):
    assert submit(first_name="Hélène", last_name="Lefèvre", phone="+33 6 12 34 56 78").pk == helene.pk


def test_a_shared_address_with_another_name_is_another_person(helene):
    daughter = submit(first_name="Zoé", last_name="Lefèvre", email="helene.lefevre@example.org")
    assert daughter.pk != helene.pk and Citizen.objects.count() == 2


def test_a_missing_email_or_phone_matches_nobody_elses_missing_one():
    by_phone = submit(first_name="Paul", last_name="Martin", phone="+33612345678")
    by_email = submit(first_name="Paul", last_name="Martin", email="paul@example.org")
    assert by_email.pk != by_phone.pk  # neither has the other's address: "" is nobody's
    other_phone = submit(first_name="Paul", last_name="Martin", phone="+33698765432")
    assert other_phone.pk not in (by_phone.pk, by_email.pk) and Citizen.objects.count() == 3


def test_agents_records_are_never_matched_they_chose_new_after_searching(helene):
    typed = submit(FROM_AGENT, first_name="Hélène", last_name="Lefèvre", email="helene.lefevre@example.org")
    assert typed.pk != helene.pk


def test_a_given_record_is_used_as_it_is_when_nothing_is_given(helene):
    before = Citizen.objects.values().get(pk=helene.pk)
    assert submit(FROM_AGENT, citizen=helene).pk == helene.pk
    assert Citizen.objects.values().get(pk=helene.pk) == before


def test_nobody_to_record_without_a_name_an_email_or_a_phone():
    assert submit(first_name="Hélène") is None
    assert not Citizen.objects.exists()


def test_the_email_or_phone_stands_in_for_a_missing_name_cut_to_the_fields_length():
    long_address = "a" * 110 + "@example.org"
    citizen = submit(email=long_address)
    assert citizen.last_name == long_address[:100] and citizen.email == long_address
    assert submit(email=long_address).pk == citizen.pk  # the same sender again: the same record


def test_an_invalid_phone_is_refused_and_nothing_is_created():
    with pytest.raises(ValidationError) as refusal:
        submit(last_name="Durand", phone="12")
    assert "phone" in refusal.value.message_dict
    assert not Citizen.objects.exists()


# Contact details --------------------------------------------------------------------------------


def test_a_matched_record_takes_the_new_phone_and_keeps_its_names(helene):
    again = submit(first_name="HéLèNE", last_name="LEFèVRE", email="helene.lefevre@example.org", phone="06 98 76 54 32")
    helene.refresh_from_db()
    assert again.pk == helene.pk
    assert (helene.first_name, helene.last_name, helene.phone) == ("Hélène", "Lefèvre", "+33698765432")


def test_an_account_takes_the_typed_names_and_phone_but_keeps_its_email(helene):
    Citizen.objects.filter(pk=helene.pk).update(user=factories.UserFactory(email=helene.email))
    helene.refresh_from_db()
    submit(citizen=helene, first_name="Hélène", last_name="Lefèvre-Martin", email="autre@example.org",
           phone="07 81 23 45 67", chosen_channel=ContactChannel.SMS)  # fmt: skip
    helene.refresh_from_db()
    assert (helene.last_name, helene.email, helene.phone) == (
        "Lefèvre-Martin",
        "helene.lefevre@example.org",
        "+33781234567",
    )
    assert helene.preferred_channel == ContactChannel.SMS and helene.consent_sms


# Preferences and consent ------------------------------------------------------------------------


@pytest.mark.parametrize("rules", [FROM_CITIZEN, FROM_AGENT])
def test_the_chosen_channel_is_preferred_and_consented_and_withdraws_nothing(helene, rules):
    citizen_update(citizen=helene, consent_sms=False)
    submit(rules, citizen=helene, chosen_channel=ContactChannel.SMS)
    helene.refresh_from_db()
    assert (helene.preferred_channel, helene.consent_sms, helene.consent_email) == (ContactChannel.SMS, True, True)


@pytest.mark.parametrize("chosen", [NOT_ASKED, DECLINED])
def test_a_known_citizen_keeps_their_preferences_when_not_asked_or_declining(helene, chosen):
    citizen_update(citizen=helene, preferred_channel=ContactChannel.SMS, consent_email=False)
    submit(first_name="Hélène", last_name="Lefèvre", email="helene.lefevre@example.org", chosen_channel=chosen)
    helene.refresh_from_db()
    assert (helene.preferred_channel, helene.consent_email, helene.consent_sms) == (ContactChannel.SMS, False, True)


@pytest.mark.parametrize(
    ("contact", "channel"),
    [
        ({"email": "marc@example.org", "phone": "06 22 33 44 55"}, ContactChannel.EMAIL),
        ({"phone": "06 22 33 44 55"}, ContactChannel.SMS),
        ({"phone": "02 38 00 00 00"}, ContactChannel.POST),
        ({"street": "1 rue Haute", "postcode": "45000", "city": "Orléans"}, ContactChannel.POST),
    ],
)
def test_a_newcomer_not_asked_is_answered_the_way_their_contact_allows(contact, channel):
    by_citizen = submit(last_name="Petit", **contact)
    by_agent = submit(FROM_AGENT, last_name="Petit", **contact)
    assert by_citizen.preferred_channel == by_agent.preferred_channel == channel


def test_details_given_by_the_citizen_are_consent_to_each_of_them():
    both = submit(last_name="Petit", email="marc@example.org", phone="06 22 33 44 55", chosen_channel="email")
    assert (both.consent_email, both.consent_sms) == (True, True)
    email_only = submit(last_name="Roux", email="roux@example.org")
    assert (email_only.consent_email, email_only.consent_sms) == (True, False)
    name_only = submit(last_name="Blanc")
    assert (name_only.consent_email, name_only.consent_sms) == (False, False)


def test_details_typed_by_an_agent_consent_only_to_the_chosen_channel():
    citizen = submit(FROM_AGENT, last_name="Petit", email="marc@example.org", phone="06 22 33 44 55",
                     chosen_channel=ContactChannel.SMS)  # fmt: skip
    assert (citizen.preferred_channel, citizen.consent_email, citizen.consent_sms) == (ContactChannel.SMS, False, True)


def test_a_letter_writer_consents_to_the_way_their_letter_can_be_answered():
    citizen = submit(FROM_AGENT, last_name="Petit", email="marc@example.org", phone="06 22 33 44 55")
    assert (citizen.preferred_channel, citizen.consent_email, citizen.consent_sms) == ("email", True, False)
    assert citizen.wants_email and not citizen.wants_sms


def test_a_newcomer_who_declines_consents_to_nothing():
    citizen = submit(FROM_AGENT, last_name="Petit", email="marc@example.org", chosen_channel=DECLINED)
    assert (citizen.consent_email, citizen.consent_sms) == (False, False)
    assert not citizen.wants_email and not citizen.wants_sms


def test_the_look_up_leaves_out_what_was_not_given_so_each_condition_uses_its_index(helene):
    """`phone = ''` would match most records: PostgreSQL then scanned the whole table on every submission."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        submit(first_name="Hélène", last_name="Lefèvre", email="helene.lefevre@example.org")
    look_up = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT * FROM"))
    assert "email" in look_up.split("WHERE")[1] and "phone" not in look_up.split("WHERE")[1]
