"""The access log of personal data: every viewing path writes one entry; administrators and the DPO read it."""

import datetime
from email.message import EmailMessage

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.compliance.access_log import access_log_purge, access_log_write, purge_access_log
from guichet.compliance.models import AccessAction, AccessObject, PersonalDataAccess
from guichet.intake.channels.email import email_receive
from guichet.intake.models import InboundEmail, InboundOutcome
from guichet.mailroom.models import MailItem, MailSource
from guichet.mailroom.services import mail_item_receive
from guichet.organisation.models import Role
from guichet.tickets.models import Attachment
from tests import factories
from tests.api.rest.conftest import client_with_key, key_for
from tests.mailroom.conftest import letter_image, letter_lines, save_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(full_ticket, agent, client, tmp_path, settings, request_type):
    """One of each thing an agent may open: a ticket with a file, a scanned letter, an email in quarantine."""
    settings.EMAIL_DEFAULT_REQUEST_TYPE = request_type.slug
    path = save_scan(letter_image(letter_lines()), tmp_path / "lettre.png", "PNG")
    mail_item_receive(path=str(path), name="lettre.png", source=MailSource.UPLOAD, received_on=None)
    message = EmailMessage()
    message["From"], message["Subject"] = "Hélène <helene@example.org.>", "Trou"  # unusable sender: quarantine
    message["Message-ID"] = "<log-1@client.example>"
    message.set_content("Bonjour, il y a un trou rue Haute.")
    assert email_receive(message.as_bytes()).outcome == InboundOutcome.QUARANTINED
    return {
        "ticket": full_ticket,
        "citizen": full_ticket.citizen,
        "attachment": Attachment.objects.get(ticket=full_ticket),
        "item": MailItem.objects.get(),
        "inbound": InboundEmail.objects.get(),
    }


def _as(client, user):
    client.force_login(user)
    return client


# (name, persona, request maker, expected kind, expected action, identifier the entry names)
PATHS = [
    ("ticket", "agent", lambda c, w: c.get(reverse("backoffice:ticket", args=[w["ticket"].reference])),
     AccessObject.TICKET, AccessAction.VIEW, lambda w: w["ticket"].reference),
    ("attachment", "agent", lambda c, w: c.get(reverse("backoffice:attachment", args=[w["ticket"].reference, w["attachment"].public_id])),
     AccessObject.ATTACHMENT, AccessAction.DOWNLOAD, lambda w: w["attachment"].public_id),
    ("citizen", "agent", lambda c, w: c.get(reverse("backoffice:citizen", args=[w["citizen"].public_id])),
     AccessObject.CITIZEN, AccessAction.VIEW, lambda w: w["citizen"].public_id),
    ("directory", "agent", lambda c, w: c.get(reverse("backoffice:citizens"), {"q": "Lefèvre"}),
     AccessObject.CITIZEN, AccessAction.LIST, lambda w: w["citizen"].public_id),
    ("directory_fragment", "agent", lambda c, w: c.get(reverse("backoffice:citizen_search"), {"q": "Lefèvre"}),
     AccessObject.CITIZEN, AccessAction.LIST, lambda w: w["citizen"].public_id),
    ("inbox", "agent", lambda c, w: c.get(reverse("backoffice:inbox")),
     AccessObject.TICKET, AccessAction.LIST, lambda w: w["ticket"].reference),
    ("export", "agent", lambda c, w: c.post(reverse("backoffice:export_inbox"), {"format": "csv", "usagers": "on"}),
     AccessObject.EXPORT, AccessAction.EXPORT, None),
    ("mail_list", "mail_room", lambda c, w: c.get(reverse("backoffice:mail_list")),
     AccessObject.MAIL_ITEM, AccessAction.LIST, lambda w: w["item"].public_id),
    ("mail_item", "mail_room", lambda c, w: c.get(reverse("backoffice:mail_item", args=[w["item"].public_id])),
     AccessObject.MAIL_ITEM, AccessAction.VIEW, lambda w: w["item"].public_id),
    ("mail_file", "mail_room", lambda c, w: c.get(reverse("backoffice:mail_file", args=[w["item"].public_id])),
     AccessObject.MAIL_ITEM, AccessAction.DOWNLOAD, lambda w: w["item"].public_id),
    ("quarantine_list", "reception", lambda c, w: c.get(reverse("backoffice:quarantine_list")),
     AccessObject.INBOUND_EMAIL, AccessAction.LIST, lambda w: w["inbound"].public_id),
    ("quarantine_detail", "reception", lambda c, w: c.get(reverse("backoffice:quarantine", args=[w["inbound"].public_id])),
     AccessObject.INBOUND_EMAIL, AccessAction.VIEW, lambda w: w["inbound"].public_id),
    ("email_original", "reception", lambda c, w: c.get(reverse("backoffice:inbound_original", args=[w["inbound"].public_id])),
     AccessObject.INBOUND_EMAIL, AccessAction.DOWNLOAD, lambda w: w["inbound"].public_id),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "persona", "open_page", "kind", "action", "identifier"), PATHS, ids=[p[0] for p in PATHS]
)
def test_every_viewing_path_logs_one_entry_naming_what_was_shown(
    client, world, request, name, persona, open_page, kind, action, identifier
):
    users = {
        "agent": request.getfixturevalue("agent"),
        "mail_room": factories.AgentFactory(role=Role.MAIL_ROOM).user,
        "reception": factories.AgentFactory(role=Role.RECEPTION).user,
    }
    user = users[persona]
    PersonalDataAccess.objects.all().delete()
    response = open_page(_as(client, user), world)
    assert response.status_code == 200, response.status_code
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    entry = PersonalDataAccess.objects.get()  # one entry, whatever the number of rows shown
    assert (entry.user, entry.object_kind, entry.action) == (user, kind, action)
    assert entry.actor == user.get_full_name()
    if identifier is not None:
        assert identifier(world) in {entry.object_id, *entry.object_ids.split()}
    if kind in {AccessObject.TICKET, AccessObject.ATTACHMENT} and action != AccessAction.LIST:
        assert entry.citizen == world["citizen"]
    if kind == AccessObject.EXPORT:
        assert entry.export is not None and "avec coordonnées" in entry.detail


@pytest.mark.parametrize(
    ("path", "identifier"),
    [
        (lambda w: reverse("api:ticket", args=[w["ticket"].reference]), lambda w: w["ticket"].reference),
        (lambda w: reverse("api:tickets"), lambda w: w["ticket"].reference),
        (
            lambda w: reverse("api:ticket_attachment", args=[w["ticket"].reference, w["attachment"].public_id]),
            lambda w: w["attachment"].public_id,
        ),
    ],
    ids=["detail", "list", "attachment"],
)
def test_rest_reads_log_the_api_key_and_its_agent(world, agent, path, identifier):
    api = client_with_key(key_for(agent))
    PersonalDataAccess.objects.all().delete()
    assert api.get(path(world)).status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert entry.user == agent and entry.api_key is not None and entry.api_key.name == "Outil"
    assert "clé d'API « Outil »" in entry.actor
    assert identifier(world) in {entry.object_id, *entry.object_ids.split()}


def test_refused_and_empty_views_log_nothing(client, world, other_agent):
    PersonalDataAccess.objects.all().delete()
    client.force_login(other_agent)  # another service: the ticket is a 404
    assert client.get(reverse("backoffice:ticket", args=[world["ticket"].reference])).status_code == 404
    assert client.get(reverse("backoffice:citizens")).status_code == 200  # no search, no list
    assert not PersonalDataAccess.objects.exists()


def test_a_list_costs_one_insert_however_many_rows(client, agent, request_type, citizen, django_assert_max_num_queries):
    for _ in range(30):
        factories.make_ticket(request_type=request_type, citizen=citizen)
    client.force_login(agent)
    client.get(reverse("backoffice:inbox"))  # warm the per-process caches
    PersonalDataAccess.objects.all().delete()
    with django_assert_max_num_queries(20):
        assert client.get(reverse("backoffice:inbox")).status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert len(entry.object_ids.split()) == 25  # the page shown


# The administrators' page ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "supervisor", "reception"])
def test_only_administrators_and_the_dpo_read_the_log(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("backoffice:access_log"))
    assert response.status_code == 403
    assert "délégué à la protection des données" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("backoffice:access_log"))
    assert response.status_code == 302 and reverse("backoffice:login") in response["Location"]


@pytest.mark.parametrize("persona", ["administrator", "dpo"])
def test_the_log_is_searchable_by_identifier_agent_and_dates(client, request, persona, world, agent):
    client.force_login(agent)
    client.get(reverse("backoffice:ticket", args=[world["ticket"].reference]))
    client.get(reverse("backoffice:inbox"))
    other = factories.make_ticket(request_type=world["ticket"].request_type, citizen=None)
    client.get(reverse("backoffice:ticket", args=[other.reference]))
    client.force_login(request.getfixturevalue(persona))

    grouped = world["ticket"].reference_display  # typed as printed, with its dashes
    page = client.get(reverse("backoffice:access_log"), {"identifiant": grouped})
    assert page.status_code == 200
    found = list(page.context["page"].object_list)
    assert {entry.action for entry in found} == {AccessAction.VIEW, AccessAction.LIST}
    assert all(entry.user == agent for entry in found)

    by_agent = client.get(reverse("backoffice:access_log"), {"qui": agent.last_name, "action": "view"})
    assert by_agent.context["page"].paginator.count == 2
    today = timezone.localdate()
    later = client.get(reverse("backoffice:access_log"), {"du": (today + datetime.timedelta(days=1)).isoformat()})
    assert later.context["page"].paginator.count == 0


def test_bad_filters_get_a_french_message_and_keep_what_was_typed(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("backoffice:access_log"), {"du": "2026-05-10", "au": "2026-05-01", "qui": "Dupont"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "La date de fin doit suivre la date de début." in html and 'value="Dupont"' in html
    assert client.get(reverse("backoffice:access_log"), {"du": "pas une date"}).status_code == 400


def test_the_log_page_is_paginated_with_a_bounded_number_of_queries(
    client, administrator, agent, django_assert_max_num_queries
):
    for index in range(120):
        access_log_write(user=agent, action=AccessAction.VIEW, kind=AccessObject.TICKET, object_id=f"REF{index}")
    client.force_login(administrator)
    client.get(reverse("backoffice:access_log"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("backoffice:access_log"), {"page": 2})
    assert len(response.context["page"].object_list) == 50 and response.context["page"].paginator.num_pages == 3


def test_the_log_forgets_entries_after_its_own_retention(agent, settings):
    settings.GUICHET_ACCESS_LOG_DAYS = 365
    now = timezone.now()
    old = access_log_write(user=agent, action=AccessAction.VIEW, kind=AccessObject.TICKET, object_id="OLD")
    PersonalDataAccess.objects.filter(pk=old.pk).update(at=now - datetime.timedelta(days=366))
    access_log_write(user=agent, action=AccessAction.VIEW, kind=AccessObject.TICKET, object_id="NEW")
    assert access_log_purge(now=now) == 1
    assert list(PersonalDataAccess.objects.values_list("object_id", flat=True)) == ["NEW"]
    settings.GUICHET_ACCESS_LOG_DAYS = 0
    assert purge_access_log.call() == 1  # the worker's job, run again: idempotent
    assert purge_access_log.call() == 0


@pytest.mark.django_db(transaction=True)
def test_the_purge_command_runs_or_hands_the_job_to_the_worker(agent, settings, run_worker):
    from django.core.management import call_command

    entry = access_log_write(user=agent, action=AccessAction.VIEW, kind=AccessObject.TICKET, object_id="OLD")
    PersonalDataAccess.objects.filter(pk=entry.pk).update(at=timezone.now() - datetime.timedelta(days=400))
    call_command("purge_access_log", "--file")
    assert PersonalDataAccess.objects.exists()
    run_worker()
    assert not PersonalDataAccess.objects.exists()


def test_the_log_survives_the_agent_account(agent):
    entry = access_log_write(user=agent, action=AccessAction.VIEW, kind=AccessObject.TICKET, object_id="X")
    name = agent.get_full_name()
    agent.agent.delete()
    agent.delete()
    entry.refresh_from_db()
    assert entry.user is None and entry.actor == name


def test_letters_by_post_are_logged_one_by_one_and_in_a_batch(client, request_type, agent):
    from guichet.mailroom.models import Letter
    from guichet.tickets.services import message_post_by_agent

    postal = factories.CitizenFactory(email="", phone="", street="2 rue Basse", postcode="45000", city="Orléans")
    ticket = factories.make_ticket(request_type=request_type, citizen=postal, channel="mail", acknowledge=False)
    message_post_by_agent(ticket=ticket, agent=agent, body="La lampe sera remplacée jeudi.")
    letter = Letter.objects.get()
    client.force_login(factories.AgentFactory(role=Role.MAIL_ROOM).user)
    PersonalDataAccess.objects.all().delete()
    assert client.get(reverse("backoffice:letter_pdf", args=[letter.public_id])).status_code == 200
    one = PersonalDataAccess.objects.get()
    assert (one.object_kind, one.action, one.object_id, one.citizen) == (
        AccessObject.TICKET, AccessAction.DOWNLOAD, ticket.reference, postal,
    )  # fmt: skip
    assert client.post(reverse("backoffice:letters_print"), {"letters": [letter.public_id]}).status_code == 200
    batch = PersonalDataAccess.objects.exclude(pk=one.pk).get()
    assert batch.action == AccessAction.LIST and batch.object_ids == ticket.reference
