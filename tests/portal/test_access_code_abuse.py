"""Nobody can make the town hall send codes in bulk: proof of work, no-JS limit, per-citizen and daily caps."""

import hashlib

import pytest
from django.urls import reverse

from guichet.notifications.models import Notification, Template
from guichet.portal.challenge import Proof, challenge_issue, leading_zero_bits, proof_check, solve
from guichet.portal.models import Refusal, RefusalReason
from tests import factories
from tests.portal.test_access_codes import request_code

pytestmark = pytest.mark.django_db


def send(client, ticket, **data):
    return client.post(reverse("portal:access_code_send", args=[ticket.reference]), data)


def codes_sent() -> int:
    return Notification.objects.filter(template=Template.ACCESS_CODE).count()


def refusals(reason) -> int:
    return sum(Refusal.objects.filter(reason=reason).values_list("count", flat=True))


def test_the_page_carries_a_challenge_a_background_script_and_a_live_region(client, ticket):
    page = client.get(reverse("portal:access_code", args=[ticket.reference]))
    assert 'name="pow_challenge"' in page.text and 'name="pow_nonce"' in page.text
    assert "js/proof-of-work.js" in page.text and 'aria-live="polite"' in page.text
    assert '<button type="submit" class="button">Recevoir un code' in page.text


def test_a_solved_challenge_is_accepted_once_and_needs_the_configured_bits(settings):
    settings.GUICHET_ACCESS_CODE_POW_BITS = 12
    challenge = challenge_issue()
    nonce = solve(challenge, 12)
    assert proof_check(challenge=challenge, nonce=nonce) is Proof.VALID
    assert proof_check(challenge=challenge, nonce=nonce) is Proof.INVALID  # replayed
    other = challenge_issue()
    wrong = next(str(n) for n in range(100) if leading_zero_bits(hashlib.sha256(f"{other}{n}".encode()).digest()) < 12)
    assert proof_check(challenge=other, nonce=wrong) is Proof.INVALID  # not enough zero bits
    assert proof_check(challenge=challenge[:-2] + "xx", nonce=nonce) is Proof.INVALID  # forged
    assert proof_check(challenge="", nonce="") is Proof.MISSING
    # A challenge issued at a lower difficulty is held to today's setting.
    settings.GUICHET_ACCESS_CODE_POW_BITS = 4
    easy = challenge_issue()
    settings.GUICHET_ACCESS_CODE_POW_BITS = 20
    assert leading_zero_bits(bytes([0, 0x0F])) == 12
    assert proof_check(challenge=easy, nonce=solve(easy, 4)) is Proof.INVALID


def test_a_replayed_proof_is_refused_and_counted(client, ticket):
    page = client.get(reverse("portal:access_code", args=[ticket.reference]))
    proof = {"pow_challenge": page.context["challenge"], "pow_nonce": solve(page.context["challenge"], 16)}
    assert "envoye=1" in send(client, ticket, **proof).url
    replay = send(client, ticket, **proof)
    assert replay.status_code == 302 and "envoye" not in replay.url
    assert "La vérification anti-abus n’a pas abouti" in client.get(replay.url).text
    assert codes_sent() == 1 and refusals(RefusalReason.BAD_PROOF) == 1


def test_without_javascript_the_form_works_but_is_limited_harder(client, ticket, settings):
    settings.GUICHET_ACCESS_CODE_NOPROOF_RATE = "2/h"
    other = factories.make_ticket(request_type=ticket.request_type, citizen=factories.CitizenFactory())
    assert "envoye=1" in send(client, ticket).url
    assert "envoye=1" in send(client, other).url
    refused = send(client, ticket)
    assert refused.status_code == 429
    assert "activez JavaScript" in refused.text
    assert codes_sent() == 2 and refusals(RefusalReason.NO_PROOF_RATE) == 1
    assert "envoye=1" in request_code(client, ticket).url  # with the proof, the usual limits only


def test_a_citizen_gets_at_most_the_daily_cap_across_their_tickets(client, ticket, settings):
    settings.GUICHET_ACCESS_CODE_CITIZEN_DAILY = 4
    tickets = [ticket] + [
        factories.make_ticket(request_type=ticket.request_type, citizen=ticket.citizen) for _ in range(2)
    ]
    for t in tickets:
        for _ in range(2):
            request_code(client, t)
    assert codes_sent() == 4
    assert refusals(RefusalReason.CITIZEN_DAILY) == 2
    # Another record with the same address is the same person's inbox.
    twin = factories.CitizenFactory(email=ticket.citizen.email)
    response = request_code(client, factories.make_ticket(request_type=ticket.request_type, citizen=twin))
    assert "Plusieurs codes vous ont déjà été envoyés aujourd’hui" in client.get(response.url).text


def test_the_commune_sends_at_most_the_global_daily_cap(client, ticket, settings):
    settings.GUICHET_ACCESS_CODE_DAILY = 3
    for _ in range(4):
        citizen = factories.CitizenFactory(email=f"{factories.CitizenFactory().pk}@example.org")
        response = request_code(client, factories.make_ticket(request_type=ticket.request_type, citizen=citizen))
    assert codes_sent() == 3
    assert "L’envoi de codes est momentanément suspendu" in client.get(response.url).text
    assert refusals(RefusalReason.GLOBAL_DAILY) == 1


def test_refusals_are_counted_per_day_and_read_in_the_admin(client, ticket, settings):
    settings.GUICHET_SUBMIT_RATE = "1/m"
    request_code(client, ticket)
    assert request_code(client, ticket).status_code == 429
    assert refusals(RefusalReason.ADDRESS_RATE) == 1
    client.force_login(factories.UserFactory(username="admin", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:portal_refusal_changelist"))
    assert page.status_code == 200 and "Trop de demandes depuis une même adresse" in page.text
