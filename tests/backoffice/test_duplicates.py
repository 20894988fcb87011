"""« Doublons probables » on the ticket page, merge and undo, and who may do them (issue 17)."""

import pytest
from django.urls import reverse

from guichet.tickets import nearby
from guichet.tickets.lifecycle import ClosingOutcome, Status
from guichet.tickets.models import Event, EventKind, TicketFollower
from tests import factories

pytestmark = pytest.mark.django_db

HERE = (45.7640, 4.8357)


def located(request_type, metres=0.0, **kwargs):
    return factories.raw_ticket(
        request_type=request_type,
        latitude=HERE[0] + metres / nearby.METRES_PER_DEGREE_LAT,
        longitude=HERE[1],
        subject="Lampadaire éteint",
        **kwargs,
    )


@pytest.fixture
def pair(request_type):
    kept = located(request_type, 0, citizen=factories.CitizenFactory(email="premier@example.org"))
    duplicate = located(request_type, 8, citizen=factories.CitizenFactory(first_name="Paul", email="paul@example.org"))
    return kept, duplicate


def test_the_ticket_page_lists_likely_duplicates_with_a_merge_button(client, agent, pair):
    kept, duplicate = pair
    client.force_login(agent)
    response = client.get(reverse("backoffice:ticket", args=[duplicate.reference]))
    assert response.status_code == 200
    assert "Doublons probables" in response.text and "doublon probable" in response.text
    assert reverse("backoffice:merge", args=[duplicate.reference]) in response.text
    assert f'value="{kept.reference}"' in response.text


def test_merging_from_the_page_and_undoing_it(client, agent, pair):
    kept, duplicate = pair
    client.force_login(agent)
    response = client.post(reverse("backoffice:merge", args=[duplicate.reference]), {"kept": kept.reference})
    assert response.status_code == 302 and response.url == reverse("backoffice:ticket", args=[kept.reference])
    duplicate.refresh_from_db()
    assert (duplicate.closing_outcome, duplicate.duplicate_of_id) == (ClosingOutcome.DUPLICATE, kept.pk)
    page = client.get(reverse("backoffice:ticket", args=[kept.reference]))
    assert "2 personnes concernées" in page.text and duplicate.reference_display in page.text
    # Both threads stay readable.
    assert client.get(reverse("backoffice:ticket", args=[duplicate.reference])).status_code == 200
    response = client.post(reverse("backoffice:merge_undo", args=[duplicate.reference]))
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.IN_PROGRESS and not TicketFollower.objects.exists()


def test_an_agent_of_another_service_may_not_merge(client, other_agent, pair):
    kept, duplicate = pair
    client.force_login(other_agent)
    response = client.post(reverse("backoffice:merge", args=[duplicate.reference]), {"kept": kept.reference})
    assert response.status_code == 404
    duplicate.refresh_from_db()
    assert duplicate.status == Status.RECEIVED and not Event.objects.filter(kind=EventKind.MERGED).exists()


def test_merging_into_a_ticket_the_agent_may_not_change_is_refused(client, agent, request_type, other_service):
    duplicate = located(request_type, 0)
    foreign = located(factories.RequestTypeFactory(service=other_service), 5)
    client.force_login(agent)
    response = client.post(reverse("backoffice:merge", args=[duplicate.reference]), {"kept": foreign.reference})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.RECEIVED
    assert "Vous ne pouvez pas agir" in client.get(response.url).text


def test_undo_by_an_agent_of_another_service_is_refused(client, agent, other_agent, pair):
    kept, duplicate = pair
    client.force_login(agent)
    client.post(reverse("backoffice:merge", args=[duplicate.reference]), {"kept": kept.reference})
    client.force_login(other_agent)
    assert client.post(reverse("backoffice:merge_undo", args=[duplicate.reference])).status_code == 404
    duplicate.refresh_from_db()
    assert duplicate.closing_outcome == ClosingOutcome.DUPLICATE


def test_merging_twice_says_why_in_french(client, agent, pair):
    kept, duplicate = pair
    client.force_login(agent)
    client.post(reverse("backoffice:merge", args=[duplicate.reference]), {"kept": kept.reference})
    response = client.post(
        reverse("backoffice:merge", args=[duplicate.reference]), {"kept": kept.reference}, follow=True
    )
    assert response.status_code == 200
    assert "déjà terminée" in response.text
    assert Event.objects.filter(kind=EventKind.MERGED).count() == 2  # one on each side, once


def test_the_page_query_count_does_not_grow_with_the_nearby_tickets(
    client, agent, request_type, django_assert_max_num_queries
):
    ticket = located(request_type, 0)
    client.force_login(agent)
    client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    for metres in range(2, 12, 2):
        located(request_type, metres)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert response.text.count("Fusionner dans") == 5
