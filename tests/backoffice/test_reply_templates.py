import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guichet.backoffice.models import ReplyTemplate
from guichet.backoffice.replies import reply_template_render

pytestmark = pytest.mark.django_db

BODY = "Bonjour {{ usager }},\nVotre demande {{reference}} ({{ demarche }}) sera traitée avant le {{ echeance }}.\n{{ agent }}, {{ service }}"


def test_placeholders_are_filled_for_the_ticket(ticket, agent):
    template = ReplyTemplate.objects.create(title="Prise en compte", body=BODY, service=ticket.service)
    text = reply_template_render(template=template, ticket=ticket, agent=agent)
    assert text.startswith("Bonjour Hélène Lefèvre,")
    assert ticket.reference_display in text
    assert ticket.request_type.name in text
    assert f"{agent.get_full_name()}, Voirie" in text
    assert "{{" not in text


def test_unknown_placeholders_are_refused_in_the_admin_form():
    template = ReplyTemplate(title="Erreur", body="Bonjour {{ prenom }} {{ usager }}")
    with pytest.raises(ValidationError, match="Champs inconnus : prenom"):
        template.full_clean()


def test_ticket_page_offers_the_services_and_shared_templates_only(client, agent, ticket, other_service):
    ReplyTemplate.objects.create(title="Voirie : intervention programmée", body="x", service=ticket.service)
    ReplyTemplate.objects.create(title="Commun : merci", body="x")
    ReplyTemplate.objects.create(title="État civil : acte envoyé", body="x", service=other_service)
    ReplyTemplate.objects.create(title="Voirie : ancien", body="x", service=ticket.service, is_active=False)
    client.force_login(agent)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    titles = [t.title for t in page.context["reply_templates"]]
    assert sorted(titles) == ["Commun : merci", "Voirie : intervention programmée"]


def test_choosing_a_template_prefills_the_reply_for_review(client, agent, ticket):
    template = ReplyTemplate.objects.create(title="Prise en compte", body=BODY, service=ticket.service)
    client.force_login(agent)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]), {"modele": template.pk})
    assert "relisez et complétez le texte" in page.text
    assert "Bonjour Hélène Lefèvre," in page.text
    assert ticket.reference_display in page.context["reply_form"].initial["body"]


def test_a_template_of_another_service_cannot_be_forced_through_the_url(client, agent, ticket, other_service):
    foreign = ReplyTemplate.objects.create(title="Secret", body="Texte secret", service=other_service)
    client.force_login(agent)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]), {"modele": foreign.pk})
    assert "Texte secret" not in page.text
