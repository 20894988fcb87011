"""The checker of the commune's configuration, and the receipt and acknowledgement times (CRPA L112-11)."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from guichet.catalogue.models import LegalRegime
from guichet.mailroom.letters import letter_queue, letters_mark_sent
from guichet.notifications.delivery import deliver
from guichet.notifications.models import Notification, Template
from guichet.tickets.acknowledgement import (
    Mention,
    acknowledgement_configuration_problems,
    acknowledgement_problems,
)
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete(commune):
    commune.address = "1 place de la Mairie\n88200 Remiremont"
    commune.administrative_court = "Tribunal administratif de Nancy"
    commune.save()
    return commune


def mentions(request_type) -> list[str]:
    return [problem.mention for problem in acknowledgement_problems(request_type)]


# The checker ----------------------------------------------------------------------------------------


def test_complete_configuration_has_no_problem(complete, service):
    for regime in LegalRegime.values:
        factories.RequestTypeFactory(service=service, legal_regime=regime)
    assert acknowledgement_configuration_problems() == []


def test_service_and_commune_without_address_or_phone(commune):
    commune.phone = ""
    commune.save()
    bare = factories.ServiceFactory(name="Cimetière", slug="cimetiere", email="")
    commune.email = ""
    commune.save()
    request_type = factories.RequestTypeFactory(service=bare)
    assert mentions(request_type) == [Mention.SERVICE_ADDRESS, Mention.SERVICE_EMAIL, Mention.SERVICE_PHONE]


def test_service_details_fill_what_the_commune_lacks(commune):
    commune.phone = ""
    commune.save()
    own = factories.ServiceFactory(postal_address="2 rue Basse\n88200 Remiremont", phone="03 29 00 00 02")
    assert mentions(factories.RequestTypeFactory(service=own)) == []


def test_decision_type_without_a_delay(complete, service):
    request_type = factories.RequestTypeFactory(
        service=service, legal_regime=LegalRegime.SVA, implicit_decision_months=0, implicit_decision_days=0
    )
    assert mentions(request_type) == [Mention.IMPLICIT_DECISION_DATE]


def test_rejection_type_without_the_administrative_court(complete, service):
    complete.administrative_court = "  "
    complete.save()
    assert mentions(factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVR)) == [Mention.APPEAL]
    assert mentions(factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVA)) == []


def test_exempt_and_inactive_types_are_not_reported(commune, service):
    commune.phone = ""
    commune.save()
    factories.RequestTypeFactory(service=service, acknowledgement_exempt=True)
    factories.RequestTypeFactory(service=service, is_active=False)
    assert acknowledgement_configuration_problems() == []


def test_command_lists_the_problems_and_fails(commune, service, capsys):
    factories.RequestTypeFactory(service=service, name="Permis de végétaliser", legal_regime=LegalRegime.SVR)
    with pytest.raises(CommandError, match="2 mention"):
        call_command("check_acknowledgements")
    out = capsys.readouterr().out
    assert "Permis de végétaliser : ni le service « Voirie » ni la commune n'ont d'adresse postale." in out
    assert "tribunal administratif" in out


def test_command_succeeds_on_a_complete_configuration(complete, service, capsys):
    factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVR)
    call_command("check_acknowledgements")
    assert "Tous les accusés de réception portent les mentions obligatoires." in capsys.readouterr().out


def test_administrators_see_the_problems_in_the_admin(admin_client, commune, service):
    factories.RequestTypeFactory(service=service, name="Permis de végétaliser", legal_regime=LegalRegime.SVR)
    for name in ("catalogue_requesttype", "organisation_service", "organisation_commune"):
        page = admin_client.get(reverse(f"admin:{name}_changelist"))
        assert "Accusé de réception incomplet" in page.content.decode(), name
        assert "Permis de végétaliser" in page.content.decode()


def test_no_banner_when_complete(admin_client, complete, service):
    factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVR)
    page = admin_client.get(reverse("admin:catalogue_requesttype_changelist"))
    assert "Accusé de réception incomplet" not in page.content.decode()


def test_service_contact_is_editable_in_the_admin(admin_client, service):
    page = admin_client.get(reverse("admin:organisation_service_change", args=[service.pk]))
    content = page.content.decode()
    assert 'name="postal_address"' in content and 'name="phone"' in content


# Receipt and acknowledgement times ----------------------------------------------------------------


def test_delivery_records_when_the_acknowledgement_left(ticket, smtp_server):
    assert ticket.acknowledged_at is None
    notification = Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT)
    deliver(notification.pk)
    ticket.refresh_from_db()
    first = ticket.acknowledged_at
    assert first is not None and first >= ticket.created_at
    assert not ticket.acknowledgement_late


def test_other_notifications_do_not_date_the_acknowledgement(ticket, agent, smtp_server):
    from guichet.tickets.services import message_post_by_agent

    message_post_by_agent(ticket=ticket, agent=agent, body="Bonjour")
    reply = Notification.objects.get(ticket=ticket, template=Template.AGENT_REPLY)
    deliver(reply.pk)
    ticket.refresh_from_db()
    assert ticket.acknowledged_at is None


def test_acknowledgement_letter_posted_dates_the_acknowledgement(request_type, agent):
    writer = factories.CitizenFactory(
        email="", phone="", street="3 rue Haute", postcode="88200", city="Remiremont", preferred_channel="post"
    )
    ticket = factories.make_ticket(request_type=request_type, citizen=writer, channel=Channel.MAIL, acknowledge=False)
    letter = letter_queue(ticket=ticket, template=Template.ACKNOWLEDGEMENT, message_id=None)
    assert letters_mark_sent(letters=[letter], agent=agent) == 1
    ticket.refresh_from_db()
    assert ticket.acknowledged_at is not None


def aged(ticket: Ticket, days: int, acknowledged_after_days: int | None = None) -> Ticket:
    created = timezone.now() - datetime.timedelta(days=days)
    acknowledged = created + datetime.timedelta(days=acknowledged_after_days) if acknowledged_after_days else None
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created, acknowledged_at=acknowledged)
    ticket.refresh_from_db()
    return ticket


def test_electronic_submission_unacknowledged_after_seven_days_is_late(ticket, request_type, citizen):
    on_time = aged(factories.make_ticket(request_type=request_type, citizen=citizen), days=6)
    late = aged(ticket, days=8)
    sent_late = aged(
        factories.make_ticket(request_type=request_type, citizen=citizen), days=20, acknowledged_after_days=9
    )
    sent_in_time = aged(
        factories.make_ticket(request_type=request_type, citizen=citizen), days=20, acknowledged_after_days=1
    )
    counter = aged(factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.COUNTER), days=30)

    assert [t.acknowledgement_late for t in (on_time, late, sent_late, sent_in_time, counter)] == [
        False, True, True, False, False
    ]  # fmt: skip
    assert set(Ticket.objects.acknowledgement_late()) == {late, sent_late}


def test_api_submission_without_a_citizen_has_nobody_to_acknowledge(request_type):
    ticket = aged(factories.make_ticket(request_type=request_type, citizen=None, channel=Channel.API), days=30)
    assert not ticket.acknowledgement_late
    assert not Ticket.objects.acknowledgement_late().exists()


def test_exempt_type_is_never_late(service, citizen):
    exempt = factories.RequestTypeFactory(service=service, acknowledgement_exempt=True)
    ticket = aged(factories.make_ticket(request_type=exempt, citizen=citizen), days=30)
    assert not ticket.acknowledgement_late
    assert not Ticket.objects.acknowledgement_late().exists()


def test_agents_see_both_times_and_the_late_warning(client, agent, ticket):
    client.force_login(agent)
    url = reverse("backoffice:ticket", args=[ticket.reference])
    assert "accusé de réception pas encore envoyé" in client.get(url).content.decode()

    aged(ticket, days=10)
    content = client.get(url).content.decode()
    assert "Accusé de réception hors délai" in content

    Ticket.objects.filter(pk=ticket.pk).update(acknowledged_at=ticket.created_at + datetime.timedelta(hours=1))
    content = client.get(url).content.decode()
    assert "accusé de réception envoyé le" in content
    assert "Accusé de réception hors délai" not in content


def test_agent_of_another_service_does_not_see_the_ticket(client, other_agent, ticket):
    client.force_login(other_agent)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert page.status_code == 404


# The commune's own wording ---------------------------------------------------------------------------


def override(**kwargs):
    from guichet.notifications.models import TemplateOverride

    return TemplateOverride.objects.create(template=Template.ACKNOWLEDGEMENT, **kwargs)


def test_an_email_override_that_drops_the_mentions_is_reported(complete, service):
    factories.RequestTypeFactory(service=service, name="Permis de végétaliser", legal_regime=LegalRegime.SVR)
    override(channel="email", subject="Reçu", text="Bonjour, nous avons bien reçu votre demande. {{ access_url }}")
    problems = acknowledgement_configuration_problems()
    assert {problem.mention for problem in problems} >= {Mention.SERVICE_PHONE, Mention.APPEAL}
    assert "omet « Délais et voies de recours »" in str(problems[-1])


def test_an_email_override_that_includes_the_mentions_passes(complete, service):
    factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVA)
    override(
        channel="email",
        subject="Reçu",
        text='Bonjour.\n{% include "_partials/acknowledgement.txt" %}\n{{ access_url }}',
        html='<p>Bonjour.</p>{% include "_partials/acknowledgement.html" %}',
    )
    assert acknowledgement_configuration_problems() == []


def test_an_sms_override_must_keep_the_link_to_the_acknowledgement_page(complete, service):
    factories.RequestTypeFactory(service=service)
    sms = override(channel="sms", text="Demande bien reçue.")
    assert [problem.mention for problem in acknowledgement_configuration_problems()] == [Mention.RECEIVED_ON]
    sms.text = "Demande reçue : {{ access_url }}"
    sms.save()
    assert acknowledgement_configuration_problems() == []


# The agents' list --------------------------------------------------------------------------------------

MAX_QUERIES = 10  # session, user, agent, commune, count, page: not one per row


def late_list_url() -> str:
    return reverse("backoffice:late_acknowledgements")


def test_agents_list_their_late_acknowledgements(client, agent, ticket, request_type, citizen, other_service):
    late = aged(ticket, days=9)
    aged(factories.make_ticket(request_type=request_type, citizen=citizen), days=2)  # still within the delay
    elsewhere = factories.RequestTypeFactory(service=other_service)
    hidden = aged(factories.make_ticket(request_type=elsewhere, citizen=citizen), days=9)
    client.force_login(agent)
    content = client.get(late_list_url()).content.decode()
    assert late.reference_display in content
    assert hidden.reference_display not in content
    assert "pas encore envoyé" in content


def test_late_list_query_count_does_not_grow_with_the_rows(
    client, agent, request_type, citizen, django_assert_max_num_queries
):
    tickets = [aged(factories.make_ticket(request_type=request_type, citizen=citizen), days=10) for _ in range(8)]
    client.force_login(agent)
    with django_assert_max_num_queries(MAX_QUERIES):
        content = client.get(late_list_url()).content.decode()
    assert all(ticket.reference_display in content for ticket in tickets)


def test_late_list_is_refused_to_visitors_and_citizens(client, citizen):
    assert client.get(late_list_url()).status_code == 302
    user = factories.UserFactory(username="citoyenne")
    client.force_login(user)
    assert client.get(late_list_url()).status_code == 403


def test_nothing_late_says_so(client, agent):
    client.force_login(agent)
    assert "Aucun accusé de réception en retard." in client.get(late_list_url()).content.decode()
