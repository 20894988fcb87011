"""Personal links expire when unused, are renewed by each use, and stop working once the citizen asks for a code."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.tickets.credentials import access_code_issue, access_token_issue
from guichet.tickets.models import AccessToken
from tests import factories

pytestmark = pytest.mark.django_db


def open_link(client, ticket, token):
    return client.get(reverse("portal:access", args=[ticket.reference, token]))


def test_a_new_link_lives_the_configured_number_of_days(settings, ticket):
    settings.GUICHET_ACCESS_LINK_DAYS = 30
    access_token_issue(ticket=ticket)
    expires_at = AccessToken.objects.get(ticket=ticket).expires_at
    assert abs(expires_at - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)


def test_an_expired_link_is_refused_with_a_page_offering_a_new_code(client, ticket):
    token = access_token_issue(ticket=ticket)
    AccessToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = open_link(client, ticket, token)
    assert response.status_code == 410
    assert "Ce lien personnel n’est plus valable" in response.text
    assert reverse("portal:access_code", args=[ticket.reference]) in response.text
    dashboard = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert "Écrire à la mairie" not in dashboard.text  # no access granted


def test_using_a_link_renews_its_lifetime(client, settings, ticket):
    settings.GUICHET_ACCESS_LINK_DAYS = 10
    token = access_token_issue(ticket=ticket)
    nearly = timezone.now() + datetime.timedelta(hours=1)
    AccessToken.objects.update(expires_at=nearly)
    assert open_link(client, ticket, token).status_code == 302
    link = AccessToken.objects.get()
    assert link.last_used_at is not None
    assert link.expires_at > timezone.now() + datetime.timedelta(days=9)


def test_entering_a_new_code_revokes_the_older_links(client, ticket):
    old_token = access_token_issue(ticket=ticket)
    other_ticket = factories.make_ticket(request_type=ticket.request_type, citizen=ticket.citizen)
    other_token = access_token_issue(ticket=other_ticket)
    code = access_code_issue(ticket=ticket)
    response = client.post(reverse("portal:access_code_check", args=[ticket.reference]), {"code": code})
    assert response.status_code == 302
    stranger = client.__class__()
    assert open_link(stranger, ticket, old_token).status_code == 410
    assert open_link(stranger, other_ticket, other_token).status_code == 302  # only this ticket's links
    new_token = access_token_issue(ticket=ticket)  # links sent afterwards work
    assert open_link(client.__class__(), ticket, new_token).status_code == 302


def test_an_unknown_token_stays_a_neutral_not_found(client, ticket):
    access_token_issue(ticket=ticket)
    response = open_link(client, ticket, "pas-le-bon-jeton")
    assert response.status_code == 404
    assert "Nous ne trouvons pas cette demande" in response.text
