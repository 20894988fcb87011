"""Priorities in the admin: one default, and a change of targets moves the open tickets (in the worker)."""

import pytest

from guichet.organisation.models import Priority
from tests.conftest import queued_tasks

pytestmark = pytest.mark.django_db


def priority_form(**values):
    return {
        "name": "Très urgente",
        "slug": "tres-urgente",
        "order": 50,
        "first_response_target": 1,
        "first_response_unit": "hours",
        "resolution_target": "",
        "resolution_unit": "days",
        **values,
    }


def test_a_second_default_priority_is_refused_in_french(admin_client):
    response = admin_client.post("/admin/organisation/priority/add/", priority_form(is_default="on"))
    assert response.status_code == 200
    assert "Une seule priorité peut être la priorité par défaut." in response.text
    assert not Priority.objects.filter(slug="tres-urgente").exists()


def test_new_priorities_wait_for_tickets_but_changed_targets_queue_the_recomputation(admin_client):
    admin_client.post("/admin/organisation/priority/add/", priority_form())
    assert Priority.objects.filter(slug="tres-urgente").exists()
    assert queued_tasks() == []
    haute = Priority.objects.get(slug="haute")
    admin_client.post(
        f"/admin/organisation/priority/{haute.pk}/change/",
        priority_form(name="Haute", slug="haute", order=20, first_response_target=3, first_response_unit="days"),
    )
    haute.refresh_from_db()
    assert haute.first_response_target == 3
    assert queued_tasks() == ["targets_recompute"]
