import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guichet.notifications.models import Notification, Template, TemplateOverride
from guichet.notifications.rendering import render_notification
from tests import factories

pytestmark = pytest.mark.django_db


def acknowledgement(ticket):
    return Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT)


def test_an_active_override_replaces_the_default_wording(ticket):
    TemplateOverride.objects.create(
        template=Template.ACKNOWLEDGEMENT,
        channel="email",
        subject="Bien reçu : {{ ticket.reference_display }}",
        text="Bonjour {{ citizen.first_name }}, suivez votre demande : {{ access_url }}",
    )
    rendered = render_notification(acknowledgement(ticket), access_token="secret-token")
    assert rendered.subject == f"Bien reçu : {ticket.reference_display}"
    assert rendered.text.startswith("Bonjour Hélène, suivez votre demande : http")
    assert "/acces/secret-token/" in rendered.text
    assert "<p>Bonjour Hélène" in rendered.html  # no HTML given: the text, simply laid out


def test_the_html_fallback_escapes_what_the_citizen_typed(request_type):
    citizen = factories.CitizenFactory(first_name="<b>Hélène</b>")
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    TemplateOverride.objects.create(
        template=Template.ACKNOWLEDGEMENT, channel="email", subject="Reçu", text="Bonjour {{ citizen.first_name }}"
    )
    rendered = render_notification(acknowledgement(ticket), access_token="t")
    assert "Bonjour <b>Hélène</b>" in rendered.text  # plain text stays as typed
    assert "&lt;b&gt;Hélène&lt;/b&gt;" in rendered.html


def test_an_inactive_override_is_ignored(ticket):
    TemplateOverride.objects.create(
        template=Template.ACKNOWLEDGEMENT, channel="email", subject="X", text="Autre texte", is_active=False
    )
    rendered = render_notification(acknowledgement(ticket), access_token="t")
    assert rendered.subject.startswith("Demande reçue")


def test_a_template_syntax_error_is_refused_in_french():
    override = TemplateOverride(template=Template.ACKNOWLEDGEMENT, channel="email", subject="Reçu", text="{% if %}")
    with pytest.raises(ValidationError, match="Erreur dans le gabarit"):
        override.full_clean()


def test_an_email_override_needs_a_subject():
    override = TemplateOverride(template=Template.ACKNOWLEDGEMENT, channel="email", subject="", text="Bonjour")
    with pytest.raises(ValidationError, match="objet"):
        override.full_clean()


def test_the_admin_previews_the_wording_on_a_sample_ticket(admin_client):
    email = TemplateOverride.objects.create(
        template=Template.AGENT_REPLY, channel="email", subject="Réponse {{ ticket.reference_display }}",
        text="{{ message.body }}",
    )  # fmt: skip
    sms = TemplateOverride.objects.create(
        template=Template.ACKNOWLEDGEMENT, channel="sms", text="Demande reçue n° {{ ticket.reference_display }}"
    )
    page = admin_client.get(reverse("admin:notifications_templateoverride_change", args=[email.pk]))
    assert page.status_code == 200
    assert "Réponse K7Q-2M9-XDH" in page.text and "pouvez-vous nous envoyer une photo" in page.text
    page = admin_client.get(reverse("admin:notifications_templateoverride_change", args=[sms.pk]))
    assert "Demande recue no K7Q-2M9-XDH" in page.text and "GSM-7 · 1" in page.text
