"""A submission key sent again only returns its ticket to the browser session that sent it first."""

import pytest
from django.test import Client
from django.urls import reverse

from guichet.portal import submissions
from guichet.tickets.models import Ticket
from tests.portal.test_submission import form_data

pytestmark = pytest.mark.django_db


def _sent_again_by_someone_else(first: dict) -> dict:
    """The first form's key, sent by another person with their own contact details."""
    return form_data(
        submission_key=first["submission_key"],
        **{"contact-first_name": "Marc", "contact-last_name": "Intrus", "contact-email": "marc@example.org"},
    )


def test_another_visitor_replaying_a_key_is_not_shown_the_first_citizens_ticket(client, request_type):
    url = reverse("portal:request_form", args=[request_type.slug])
    first = form_data()
    assert client.post(url, first).status_code == 302
    ticket = Ticket.objects.get()

    intruder = Client()
    replay = _sent_again_by_someone_else(first)
    response = intruder.post(url, replay)
    assert response.status_code == 400
    assert "Ce formulaire a déjà été envoyé depuis un autre navigateur" in response.text
    assert ticket.reference not in response.text and "Lefèvre" not in response.text
    assert "Intrus" in response.text  # what the second visitor typed is kept
    assert first["submission_key"] not in response.text  # a fresh key: sending again makes their own ticket
    assert Ticket.objects.count() == 1
    dashboard = intruder.get(reverse("portal:ticket", args=[ticket.reference]))
    assert "Écrire à la mairie" not in dashboard.text and "helene@example.org" not in dashboard.text

    fresh_key = response.context["submission_key"]
    again = intruder.post(url, replay | {"submission_key": str(fresh_key)})
    assert again.status_code == 302
    assert Ticket.objects.count() == 2
    assert Ticket.objects.exclude(pk=ticket.pk).get().citizen.last_name == "Intrus"


def test_the_same_session_replaying_its_key_gets_its_own_ticket_back(client, request_type):
    url = reverse("portal:request_form", args=[request_type.slug])
    client.get(url)
    data = form_data()
    first = client.post(url, data)
    second = client.post(url, data | {"contact-first_name": "Hélène-Marie"})
    assert second.status_code == 302 and second.url == first.url
    assert Ticket.objects.count() == 1


def test_a_double_click_racing_the_first_request_still_gets_the_ticket(client, request_type):
    # The second request left before the first one saved anything: only the session's submitter id is shared.
    url = reverse("portal:request_form", args=[request_type.slug])
    client.get(url)
    data = form_data()
    assert submissions.SESSION_KEY in client.session  # given when the form was opened
    first = client.post(url, data)
    # The twin click read the session before the first request granted the ticket: only the submitter id.
    session = client.session
    session.pop("guichet_tickets")
    session.save()
    twin = Client()
    twin.cookies = client.cookies  # same browser, same session cookie
    second = twin.post(url, data)
    assert second.status_code == 302 and second.url == first.url
    assert Ticket.objects.count() == 1


def test_a_key_replayed_after_its_claim_expired_is_still_refused_and_nothing_of_it_is_kept(client, request_type):
    # A shared computer, hours later: the cache no longer remembers who sent the key, the ticket does.
    from django.core.cache import cache

    from guichet.citizens.models import Citizen

    url = reverse("portal:request_form", args=[request_type.slug])
    first = form_data()
    assert client.post(url, first).status_code == 302
    ticket = Ticket.objects.get()
    cache.delete(f"guichet:submission:{first['submission_key']}")  # the claim lasts an hour, the ticket stays
    citizens = Citizen.objects.count()

    intruder = Client()
    replay = _sent_again_by_someone_else(first)
    response = intruder.post(url, replay)
    assert response.status_code == 400
    assert "Ce formulaire a déjà été envoyé depuis un autre navigateur" in response.text
    assert ticket.reference not in response.text and "Intrus" in response.text
    assert Citizen.objects.count() == citizens and not Citizen.objects.filter(last_name="Intrus").exists()
    assert Ticket.objects.count() == 1

    # The session that sent it still gets its own ticket back.
    again = client.post(url, first)
    assert again.status_code == 302 and ticket.reference in again.url


@pytest.mark.django_db(transaction=True)
def test_outside_a_test_transaction_a_replay_rolls_back_its_citizen_and_a_taken_reference_is_drawn_again(
    client, request_type, monkeypatch
):
    """The web form gives the ticket a transaction of its own (no savepoint): what a refused submission
    wrote, its citizen's record first, goes with the rollback, and a reference drawn twice is drawn again."""
    from django.core.cache import cache

    from guichet.citizens.models import Citizen
    from guichet.lib import references
    from guichet.tickets.search import apply_search

    url = reverse("portal:request_form", args=[request_type.slug])
    first = form_data()
    assert client.post(url, first).status_code == 302
    ticket = Ticket.objects.get()
    # Found by its reference and its citizen in the agents' search, on both databases.
    assert list(apply_search(Ticket.objects.all(), ticket.reference)) == [ticket]
    assert list(apply_search(Ticket.objects.all(), "helene lefevre")) == [ticket]

    cache.delete(f"guichet:submission:{first['submission_key']}")
    replay = _sent_again_by_someone_else(first)
    assert Client().post(url, replay).status_code == 400
    assert not Citizen.objects.filter(last_name="Intrus").exists() and Ticket.objects.count() == 1

    fresh = references.generate()
    drawn = iter([ticket.reference, fresh])
    monkeypatch.setattr(references, "generate", lambda: next(drawn))
    other = form_data(
        **{"contact-first_name": "Léa", "contact-last_name": "Martin", "contact-email": "lea@example.org"}
    )
    response = Client().post(url, other)
    assert response.status_code == 302 and fresh in response.url
    assert Citizen.objects.filter(last_name="Martin").count() == 1  # made once: the first try was rolled back
    assert Ticket.objects.get(reference=fresh).citizen.last_name == "Martin"
