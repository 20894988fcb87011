"""Recording who saw personal data, and forgetting it after ``GUICHET_ACCESS_LOG_DAYS``.

Every viewing path calls ``access_record`` once: one INSERT, whatever the number of rows a list shows (their
identifiers go in the same row). The administrators' page reads it through ``selectors.access_log_search``.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django_tasks import task
from rest_framework.request import Request

from guichet.accounts.models import User
from guichet.api.models import ApiKey
from guichet.citizens.models import Citizen
from guichet.compliance.models import AccessAction, AccessObject, PersonalDataAccess
from guichet.exports.models import Export
from guichet.intake.models import InboundEmail
from guichet.mailroom.models import MailItem
from guichet.tickets.models import Ticket

AnyRequest = HttpRequest | Request  # a page's request, or DRF's (its ``auth`` is the API key)
MAX_LISTED = 200  # a list page shows 25 to 100 rows; beyond this the row says how many were left out


def access_record(
    request: AnyRequest,
    *,
    action: AccessAction,
    kind: AccessObject,
    object_id: str = "",
    citizen_id: int | None = None,
    ids: Iterable[str] = (),
    export: Export | None = None,
    detail: str = "",
) -> PersonalDataAccess:
    """Log that ``request``'s user (or API key) was shown personal data. ``citizen_id`` names whose data it was."""
    key = getattr(request, "auth", None)  # DRF's request: the API key that authenticated it
    return access_log_write(
        user=request.user if request.user.is_authenticated else None,
        api_key=key if isinstance(key, ApiKey) else None,
        action=action,
        kind=kind,
        object_id=object_id,
        citizen_id=citizen_id,
        ids=ids,
        export=export,
        path=request.path,
        detail=detail,
    )


def access_log_write(
    *,
    user: User | None,
    action: AccessAction,
    kind: AccessObject,
    api_key: ApiKey | None = None,
    object_id: str = "",
    citizen_id: int | None = None,
    ids: Iterable[str] = (),
    export: Export | None = None,
    path: str = "",
    detail: str = "",
) -> PersonalDataAccess:
    listed = [str(value) for value in ids]
    if len(listed) > MAX_LISTED:
        detail = f"{detail} (+{len(listed) - MAX_LISTED})".strip()
        listed = listed[:MAX_LISTED]
    return PersonalDataAccess.objects.create(
        user=user,
        api_key=api_key,
        actor=_actor_label(user, api_key),
        action=action,
        object_kind=kind,
        object_id=object_id[:64],
        object_ids=" ".join(listed),
        citizen_id=citizen_id,
        export=export,
        path=path[:300],
        detail=detail[:300],
    )


# One call per viewing path: these name what was shown ------------------------------------------------------


def access_ticket(
    request: AnyRequest, ticket: Ticket, *, action: AccessAction = AccessAction.VIEW, detail: str = ""
) -> None:
    access_record(
        request,
        action=action,
        kind=AccessObject.TICKET,
        object_id=ticket.reference,
        citizen_id=ticket.citizen_id,
        detail=detail,
    )


def access_attachment(request: AnyRequest, ticket: Ticket, public_id: str) -> None:
    access_record(
        request,
        action=AccessAction.DOWNLOAD,
        kind=AccessObject.ATTACHMENT,
        object_id=public_id,
        citizen_id=ticket.citizen_id,
        ids=[ticket.reference],
    )


def access_citizen(request: AnyRequest, citizen: Citizen) -> None:
    access_record(
        request, action=AccessAction.VIEW, kind=AccessObject.CITIZEN, object_id=citizen.public_id, citizen_id=citizen.pk
    )


def access_list(request: AnyRequest, kind: AccessObject, ids: Iterable[str], *, detail: str = "") -> None:
    """A list showing personal data: one row naming its items (nothing logged for an empty list)."""
    listed = list(ids)
    if listed:
        access_record(request, action=AccessAction.LIST, kind=kind, ids=listed, detail=detail)


def access_mail_item(
    request: AnyRequest, item: MailItem, *, action: AccessAction = AccessAction.VIEW, detail: str = ""
) -> None:
    access_record(request, action=action, kind=AccessObject.MAIL_ITEM, object_id=item.public_id, detail=detail)


def access_inbound_email(
    request: AnyRequest, inbound: InboundEmail, *, action: AccessAction = AccessAction.VIEW
) -> None:
    access_record(request, action=action, kind=AccessObject.INBOUND_EMAIL, object_id=inbound.public_id)


def access_export(request: AnyRequest, export: Export, *, action: AccessAction = AccessAction.EXPORT) -> None:
    detail = "avec coordonnées des usagers" if export.with_citizen else ""
    access_record(
        request,
        action=action,
        kind=AccessObject.EXPORT,
        object_id=str(export.public_id),
        export=export,
        detail=f"{export.row_count} lignes {detail}".strip(),
    )


def _actor_label(user: User | None, api_key: ApiKey | None) -> str:
    name = (user.get_full_name() or user.get_username()) if user is not None else ""
    if api_key is not None:
        return f"{name} (clé d'API « {api_key.name} »)".strip()[:200]
    return name[:200]


def access_log_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the entries older than ``GUICHET_ACCESS_LOG_DAYS`` (the log's own retention); returns how many."""
    limit = (now or timezone.now()) - datetime.timedelta(days=settings.GUICHET_ACCESS_LOG_DAYS)
    deleted, _ = PersonalDataAccess.objects.filter(at__lt=limit).delete()
    return deleted


@task()
def purge_access_log() -> int:
    """The worker's job (queued daily by ``purge_access_log --queue``, or run by cron without it); idempotent."""
    return access_log_purge()
