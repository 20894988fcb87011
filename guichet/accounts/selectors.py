"""Reads for citizen accounts: the dashboard's tickets and the tickets the holder may claim."""

from allauth.account.models import EmailAddress
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from guichet.accounts.models import PhoneVerification, TicketSeen, User
from guichet.citizens.models import Citizen
from guichet.tickets.models import AuthorKind, Message, Ticket, Visibility

EPOCH = "1970-01-01T00:00:00Z"


def account_tickets(user: User) -> QuerySet[Ticket]:
    """Every ticket of the account's citizen record, newest first, each flagged ``has_unread`` reply."""
    last_reply = (
        Message.objects.filter(ticket=OuterRef("pk"), author_kind=AuthorKind.AGENT, visibility=Visibility.PUBLIC)
        .values("ticket")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    seen = TicketSeen.objects.filter(user=user, ticket=OuterRef("pk")).values("seen_at")
    return (
        Ticket.objects.filter(citizen__user=user)
        .select_related("request_type", "household_member")
        .annotate(
            last_reply_at=Subquery(last_reply, output_field=DateTimeField()),
            seen_at=Coalesce(Subquery(seen, output_field=DateTimeField()), Value(EPOCH, output_field=DateTimeField())),
        )
        .annotate(has_unread=ExpressionWrapper(Q(last_reply_at__gt=F("seen_at")), output_field=BooleanField()))
        .order_by("-created_at", "-pk")
    )


def verified_emails(user: User) -> list[str]:
    return [
        email.lower() for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    ]


def verified_phones(user: User) -> list[str]:
    """The profile's number, if a code sent to it was entered (a changed number needs a new code)."""
    phone = Citizen.objects.filter(user=user).values_list("phone", flat=True).first()
    if phone and PhoneVerification.objects.filter(user=user, phone=phone, verified_at__isnull=False).exists():
        return [phone]
    return []


def claimable_tickets(user: User) -> QuerySet[Ticket]:
    """Tickets of records without an account that carry one of the account's verified emails or phone.

    An unverified address never matches: anyone could type someone else's email or number in a form.
    """
    emails, phones = verified_emails(user), verified_phones(user)
    if not emails and not phones:
        return Ticket.objects.none()
    other_accounts = Q(citizen__user__isnull=False)
    return (
        Ticket.objects.filter(Q(citizen__email__in=emails) | Q(citizen__phone__in=phones))
        .exclude(other_accounts)
        .select_related("request_type")
        .order_by("-created_at", "-pk")
    )
