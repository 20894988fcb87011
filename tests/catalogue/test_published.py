"""The portal keeps each request type per process, and sees any change to the catalogue at the next request."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.catalogue import published
from guichet.catalogue.models import RequestType
from guichet.tickets.models import Ticket
from tests.portal.test_submission import form_data

pytestmark = pytest.mark.django_db


def _skip_ahead(monkeypatch, seconds: float) -> None:
    """The process's clock, as ``published`` reads it, ``seconds`` later."""

    class Later:
        @staticmethod
        def monotonic() -> float:
            return time.monotonic() + seconds

    monkeypatch.setattr(published, "time", Later)


def _type_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"catalogue_' in q["sql"]]


def test_a_kept_type_is_served_without_reading_the_catalogue(client, request_type):
    url = reverse("portal:request_form", args=[request_type.slug])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
        assert client.post(url, form_data()).status_code == 302
    assert _type_queries(queries) == []
    assert Ticket.objects.get().request_type == request_type


def test_a_change_to_a_field_shows_at_the_next_request(client, request_type):
    url = reverse("portal:request_form", args=[request_type.slug])
    client.get(url)
    field = request_type.fields.get(code="description")
    field.label = "Décrivez le trou en quelques mots"
    field.save()
    assert "Décrivez le trou en quelques mots" in client.get(url).text


def test_a_deactivated_type_is_gone_at_once(client, request_type):
    url = reverse("portal:request_form", args=[request_type.slug])
    client.get(url)
    request_type.is_active = False
    request_type.save()
    assert client.get(url).status_code == 404
    assert client.post(url, form_data()).status_code == 404
    assert not Ticket.objects.exists()


def test_a_change_of_its_service_is_seen_too(client, request_type, service):
    url = reverse("portal:request_form", args=[request_type.slug])
    client.get(url)
    service.name = "Voirie et réseaux"
    service.save()
    assert published.active_request_type(request_type.slug).service.name == "Voirie et réseaux"


def test_a_change_made_without_signals_is_seen_after_the_keeping_delay(client, request_type, monkeypatch):
    url = reverse("portal:request_form", args=[request_type.slug])
    client.get(url)
    RequestType.objects.filter(pk=request_type.pk).update(is_active=False)  # no signal: kept a little longer
    assert client.get(url).status_code == 200

    _skip_ahead(monkeypatch, published.KEEP_SECONDS + 1)
    assert client.get(url).status_code == 404


def test_an_unknown_slug_is_a_404_and_is_not_kept(client):
    assert client.get(reverse("portal:request_form", args=["inconnue"])).status_code == 404
    assert "inconnue" not in published._kept


def test_a_change_made_by_another_process_is_seen_within_seconds(client, request_type, monkeypatch):
    """Another process's change replaces the shared token: this one reads it again after VERSION_SECONDS."""
    from django.core.cache import cache

    url = reverse("portal:request_form", args=[request_type.slug])
    client.get(url)
    RequestType.objects.filter(pk=request_type.pk).update(is_active=False)
    cache.set(published.VERSION_KEY, "changed-elsewhere", None)  # what catalogue_changed does over there
    assert client.get(url).status_code == 200  # this process read the token less than VERSION_SECONDS ago

    _skip_ahead(monkeypatch, published.VERSION_SECONDS + 1)
    assert client.get(url).status_code == 404
