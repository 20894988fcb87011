"""« Télécharger mes données » : what the town hall holds about an account holder, as one JSON document."""

from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from guichet.accounts.models import User
from guichet.accounts.selectors import verified_emails
from guichet.accounts.services import account_citizen
from guichet.households.models import HouseholdMember
from guichet.tickets.models import AuthorKind, Message, Ticket, Visibility

FORMAT_VERSION = 1


def account_export(user: User) -> dict[str, Any]:
    citizen = account_citizen(user)
    tickets = (
        Ticket.objects.filter(citizen=citizen)
        .select_related("request_type", "household_member")
        .order_by("created_at", "pk")
    )
    threads: dict[int, list[dict[str, Any]]] = {}
    public_messages = Message.objects.filter(ticket__citizen=citizen, visibility=Visibility.PUBLIC).order_by(
        "created_at", "pk"
    )
    for message in public_messages:
        threads.setdefault(message.ticket_id, []).append(
            {
                "date": message.created_at,
                "from": "citizen" if message.author_kind == AuthorKind.CITIZEN else "town_hall",
                "channel": message.channel,
                "body": message.body,
            }
        )
    return {
        "format": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "verified_emails": verified_emails(user),
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "identity_providers": list(SocialAccount.objects.filter(user=user).values_list("provider", flat=True)),
        },
        "profile": {
            "first_name": citizen.first_name,
            "last_name": citizen.last_name,
            "birth_date": citizen.birth_date,
            "email": citizen.email,
            "phone": citizen.phone,
            "address": {"street": citizen.street, "postcode": citizen.postcode, "city": citizen.city},
            "preferred_channel": citizen.preferred_channel,
            "consent_email": citizen.consent_email,
            "consent_sms": citizen.consent_sms,
        },
        "household": [
            {
                "first_name": member.first_name,
                "last_name": member.last_name,
                "birth_date": member.birth_date,
                "relationship": member.relationship,
                "archived": member.is_archived,
            }
            for member in HouseholdMember.objects.filter(citizen=citizen)
        ],
        "tickets": [
            {
                "reference": ticket.reference_display,
                "request_type": ticket.request_type.name,
                "subject": ticket.subject,
                "channel": ticket.channel,
                "status": ticket.status,
                "created_at": ticket.created_at,
                "due_date": ticket.due_date,
                "closed_at": ticket.closed_at,
                "household_member": ticket.household_member.full_name if ticket.household_member else None,
                "answers": [{"label": a.get("label"), "value": a.get("value")} for a in ticket.answers],
                "thread": threads.get(ticket.pk, []),
            }
            for ticket in tickets
        ],
    }
