"""Every response carries the Content-Security-Policy, the admin's included (its one inline style by hash)."""

import base64
import hashlib
import re

import pytest
from django.contrib import admin
from django.urls import reverse

from guichet.organisation.models import Service
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_admin_login_page_carries_the_policy(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp


@pytest.mark.parametrize("url", ["/admin/", "/admin/organisation/service/", "/admin/pas-une-page/"])
def test_every_admin_page_carries_the_policy(client, superuser, url, service):
    response = client.get(url, follow=True)
    assert response.status_code in {200, 404}
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_change_list_inline_style_is_allowed_by_its_hash(client, superuser, service, monkeypatch):
    model_admin = admin.site._registry[Service]
    monkeypatch.setattr(model_admin, "actions_on_top", False)
    monkeypatch.setattr(model_admin, "actions_on_bottom", False)  # Django then prints a <style> block
    response = client.get(reverse("admin:organisation_service_changelist"))
    (style,) = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response["Content-Security-Policy"]


def test_the_rest_of_the_site_has_no_inline_style_allowance(client):
    csp = client.get("/")["Content-Security-Policy"]
    assert "style-src 'self';" in csp and "sha256" not in csp
