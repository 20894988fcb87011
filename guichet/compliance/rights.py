"""A citizen's rights answered from the back office (GDPR art. 15 access, 16 rectification, 17 erasure).

Each answer writes an entry in the access log (who answered, for whom, when); erasure also writes a
``personal_data_erased`` event on each of the citizen's tickets. ``erase_citizen`` is the one entry point for
« anonymiser maintenant »: the record is emptied as an account deletion does, then each ticket is anonymised by
the retention service as the job would at expiry.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.accounts.services import account_delete, citizen_anonymise
from guichet.citizens.models import Citizen
from guichet.citizens.services import citizen_update
from guichet.compliance.access_log import access_log_write
from guichet.compliance.models import AccessAction, AccessObject
from guichet.households.models import HouseholdMember
from guichet.lib.pdf import weasyprint
from guichet.notifications.models import Notification
from guichet.organisation import roles
from guichet.organisation.models import Commune
from guichet.retention.services import anonymise_ticket_only
from guichet.tickets.models import Attachment, Message, Ticket

FORMAT_VERSION = 1
ERASURE_REASON = "droit à l'effacement (RGPD, article 17)"


def _check(actor: User) -> None:
    if not roles.may_answer_data_requests(actor):
        raise PermissionDenied(
            _(
                "Seuls l’administrateur et le délégué à la protection des données répondent aux demandes d’exercice des droits."
            )
        )


def citizen_data(citizen: Citizen) -> dict[str, Any]:
    """Everything held about the citizen: the record, household, tickets with answers, thread (internal notes
    included: they are about the person too), attachments (listed, not copied) and the notifications sent."""
    tickets = list(
        Ticket.objects.filter(citizen=citizen).select_related("request_type", "service").order_by("created_at", "pk")
    )
    ids = [ticket.pk for ticket in tickets]
    messages: dict[int, list[dict[str, Any]]] = {}
    for message in Message.objects.filter(ticket_id__in=ids).order_by("created_at", "pk"):
        messages.setdefault(message.ticket_id, []).append(
            {
                "date": message.created_at,
                "author": message.author_kind,
                "visibility": message.visibility,
                "channel": message.channel,
                "body": message.body,
            }
        )
    files: dict[int, list[dict[str, Any]]] = {}
    for item in Attachment.objects.filter(ticket_id__in=ids).order_by("created_at", "pk"):
        files.setdefault(item.ticket_id, []).append(
            {"name": item.original_name, "type": item.content_type, "size": item.size, "date": item.created_at}
        )
    sent: dict[int, list[dict[str, Any]]] = {}
    for notification in Notification.objects.filter(ticket_id__in=ids).order_by("created_at", "pk"):
        sent.setdefault(notification.ticket_id or 0, []).append(
            {
                "date": notification.created_at,
                "template": notification.template,
                "channel": notification.channel,
                "recipient": notification.recipient,
                "subject": notification.subject,
                "status": notification.status,
                "sent_at": notification.sent_at,
            }
        )
    return {
        "format": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "controller": Commune.current().name,
        "citizen": {
            "id": citizen.public_id,
            "first_name": citizen.first_name,
            "last_name": citizen.last_name,
            "birth_date": citizen.birth_date,
            "email": citizen.email,
            "phone": citizen.phone,
            "address": {"street": citizen.street, "postcode": citizen.postcode, "city": citizen.city},
            "preferred_channel": citizen.preferred_channel,
            "consent_email": citizen.consent_email,
            "consent_sms": citizen.consent_sms,
            "has_account": citizen.user_id is not None,
            "created_at": citizen.created_at,
            "updated_at": citizen.updated_at,
        },
        "household": [
            {
                "first_name": member.first_name,
                "last_name": member.last_name,
                "birth_date": member.birth_date,
                "relationship": member.relationship,
                "archived": member.is_archived,
            }
            for member in HouseholdMember.objects.filter(citizen=citizen).order_by("pk")
        ],
        "tickets": [
            {
                "reference": ticket.reference_display,
                "request_type": ticket.request_type.name,
                "service": ticket.service.name,
                "subject": ticket.subject,
                "channel": ticket.channel,
                "status": ticket.status,
                "created_at": ticket.created_at,
                "due_date": ticket.due_date,
                "closed_at": ticket.closed_at,
                "answers": [{"label": a.get("label"), "value": a.get("value")} for a in ticket.answers],
                "messages": messages.get(ticket.pk, []),
                "attachments": files.get(ticket.pk, []),
                "notifications": sent.get(ticket.pk, []),
            }
            for ticket in tickets
        ],
    }


def citizen_data_access(*, citizen: Citizen, actor: User, pdf: bool, path: str = "") -> dict[str, Any] | bytes:
    """The copy for a right-of-access request, logged: the data as a dict (for JSON), or a PDF."""
    _check(actor)
    data = citizen_data(citizen)
    access_log_write(
        user=actor,
        action=AccessAction.RIGHT_OF_ACCESS,
        kind=AccessObject.CITIZEN,
        object_id=citizen.public_id,
        citizen_id=citizen.pk,
        path=path,
        detail="PDF" if pdf else "JSON",
    )
    if not pdf:
        return data
    html = render_to_string("compliance/citizen_data.html", {"data": data, "commune": Commune.current()})
    module = weasyprint()
    return module.HTML(string=html, url_fetcher=module.URLFetcher(allowed_protocols={"data"})).write_pdf()


def citizen_rectify(*, citizen: Citizen, actor: User, changes: dict[str, Any], path: str = "") -> list[str]:
    """Correct the record (``citizens.services.citizen_update`` validates); the log names the fields changed."""
    _check(actor)
    before = {name: getattr(citizen, name) for name in changes}
    with transaction.atomic():
        citizen_update(citizen=citizen, **changes)
        changed = sorted(name for name, value in before.items() if getattr(citizen, name) != value)
        if changed:
            access_log_write(
                user=actor,
                action=AccessAction.RECTIFY,
                kind=AccessObject.CITIZEN,
                object_id=citizen.public_id,
                citizen_id=citizen.pk,
                path=path,
                detail=", ".join(changed),
            )
    return changed


def erase_citizen(citizen: Citizen, actor: User, *, path: str = "") -> None:
    """« Effacement » now: the record is anonymised and its tickets lose their personal details; a citizen
    account is closed too. A town-hall account behind the record is refused."""
    _check(actor)
    user = citizen.user
    if user is not None and roles.is_town_hall_account(user):
        raise ValidationError(_("Cette fiche est liée à un compte de la mairie : elle ne peut pas être effacée ici."))
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
        ticket_ids = list(Ticket.objects.filter(citizen=citizen).values_list("pk", flat=True))
        citizen_anonymise(citizen, erased_by=actor)
        # Then each ticket as the retention job would at expiry: free text, thread, files, scans, emails,
        # notifications. A ticket under legal hold keeps its contents (the record's contact details are gone).
        for ticket in Ticket.objects.filter(pk__in=ticket_ids).order_by("pk"):
            anonymise_ticket_only(ticket, actor=actor, reason=ERASURE_REASON)
        if user is not None:
            account_delete(user=user)  # its citizen record is anonymous already: only the account goes
        access_log_write(
            user=actor,
            action=AccessAction.ERASE,
            kind=AccessObject.CITIZEN,
            object_id=citizen.public_id,
            citizen_id=citizen.pk,
            path=path,
        )
