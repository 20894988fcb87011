"""What the apps above notifications register with it (docs/ARCHITECTURE.md, "Layers")."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from guichet.accounts import phones
from guichet.mailroom.letters import letter_queue
from guichet.notifications import registry
from guichet.notifications.models import AGENT_TEMPLATES, CITIZEN_TEMPLATES, Template
from guichet.tickets import credentials
from guichet.tickets.services import ticket_notification_event


def test_the_apps_that_own_a_secret_registered_how_to_mint_and_withdraw_it():
    for template in CITIZEN_TEMPLATES:
        assert registry.secret_for(template) == registry.Secret(
            "token", credentials.personal_link_mint, credentials.personal_link_withdraw
        )
    assert registry.secret_for(Template.ACCESS_CODE).issue is credentials.access_code_mint
    assert registry.secret_for(Template.PHONE_VERIFICATION).issue is phones.phone_verification_mint
    for template in AGENT_TEMPLATES:
        assert registry.secret_for(template) is None  # agents' alerts carry no secret


def test_tickets_records_delivery_outcomes_and_the_mail_room_provides_the_post():
    assert registry.event_recorder() is ticket_notification_event
    assert registry.post_transport() is letter_queue


def test_a_second_secret_for_one_template_is_refused():
    other = registry.Secret("code", lambda notification: "123456", lambda notification, code: None)
    with pytest.raises(ImproperlyConfigured):
        registry.register_secret([Template.ACCESS_CODE], other)
    assert registry.secret_for(Template.ACCESS_CODE).issue is credentials.access_code_mint


def test_registering_the_same_thing_again_is_harmless():
    registry.register_post_transport(letter_queue)
    with pytest.raises(ImproperlyConfigured):
        registry.register_post_transport(lambda **kwargs: None)
    assert registry.post_transport() is letter_queue
