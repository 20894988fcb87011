"""Email in: a new message becomes a ticket; a reply to a notification joins its ticket's thread.

The same function serves `manage.py receive_mail` (a raw message on standard input, from an MTA pipe)
and IMAP polling (`fetch_mail`). A message is handled once (its Message-ID is recorded). Automatic
replies, bounces, mailing lists and notifications are recognised by their headers (`intake.robots`),
recorded and never answered, so two robots cannot ping-pong. A message that cannot become a ticket
(no usable sender, not a message at all, an unexpected error) is kept whole in the quarantine agents
handle (`intake.quarantine`): nothing a person wrote is dropped without a trace. `email_receive`
raises only when it could not store the message at all (database down), so the mail server retries.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from mailparser_reply import EmailReplyParser

from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.citizens.services import FROM_CITIZEN, citizen_for_submission
from guichet.intake import mime
from guichet.intake.models import InboundEmail, InboundOutcome
from guichet.intake.quarantine import inbound_quarantine, inbound_record
from guichet.intake.robots import delivery_report, robot_reason
from guichet.lib import references
from guichet.lib.uploads import CheckedUpload, check_upload
from guichet.notifications.models import Notification
from guichet.notifications.recovery import notification_bounced
from guichet.tickets.exceptions import ReplyNotAllowed
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import message_post_by_citizen, ticket_create

logger = logging.getLogger(__name__)

REFERENCE_IN_TEXT = re.compile(r"\b([0-9A-Za-z]{3}[- ]?[0-9A-Za-z]{3}[- ]?[0-9A-Za-z]{3})\b")
# Where a client starts quoting the message replied to, when the reply parser missed it.
QUOTE_HEADER = re.compile(
    r"^(?:Le\s[^\n]*(?:\n[^\n]*)?\sa\s(?:é|e)crit\s?:|On\s[^\n]*(?:\n[^\n]*)?\swrote:"
    r"|-{2,}\s*(?:Original Message|Message d'origine)\s*-{2,}|(?:De|From)\s?:\s[^\n]+\n(?:Envoyé|Sent)\s?:)",
    re.MULTILINE | re.IGNORECASE,
)
NAME_MAX = 100  # Citizen.first_name / last_name
# The database being unreachable is the one failure the mail server must retry; anything else is the message's.
STORAGE_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class Received:
    outcome: str
    ticket: Ticket | None
    reason: str = ""


@dataclass(frozen=True)
class Envelope:
    message_id: str
    sender: str
    subject: str


def message_id_of(raw: bytes) -> str:
    """The key a message is recorded under: its Message-ID, or a digest of its bytes when it has none."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
        found = mime.header(message, "Message-ID").strip()
    except Exception:
        found = ""
    found = mime.storable(found)
    return found[:255] if found else "sha256:" + hashlib.sha256(raw).hexdigest()


def email_receive(raw: bytes) -> Received:
    message_id = message_id_of(raw)
    try:
        return _receive(raw, message_id)
    except STORAGE_ERRORS:
        raise
    except Exception as error:
        # Stored already (a failure after the commit, e.g. the cache): the message is safe, say what was done.
        stored = InboundEmail.objects.filter(message_id=message_id).select_related("ticket").first()
        if stored is not None:
            logger.exception("Inbound email %s stored, then an error occurred", message_id)
            return Received(stored.outcome, stored.ticket, stored.reason)
        logger.exception("Inbound email %s could not be handled: quarantined", message_id)
        envelope = Envelope(message_id, "", "")
        reason = f"erreur pendant le traitement ({type(error).__name__})"
        return _quarantined(raw, envelope, reason)


def _receive(raw: bytes, message_id: str) -> Received:
    message = message_from_bytes(raw, policy=policy.default)
    hint = mime.body_charset(message)
    address = mime.first_address(message, "From", hint)
    problem = sender_problem(address)
    # An unusable address is recorded as the From header reads, for the agent who handles the quarantine.
    if problem or address is None:
        sender = mime.header(message, "From", hint, as_text=True)
    else:
        sender = address.addr_spec.strip().lower()
    envelope = Envelope(message_id, sender, mime.header(message, "Subject", hint))
    if InboundEmail.objects.filter(message_id=message_id).exists():
        return Received(InboundOutcome.IGNORED, None, "déjà reçu")
    if report := delivery_report(message, raw):
        if report.notification is not None and report.final:
            notification_bounced(notification=report.notification, diagnostic=report.diagnostic)
        ticket = report.notification.ticket if report.notification else None
        reason = "avis de non-remise" if report.final else "avis de retard de remise"
        return _recorded(envelope, Received(InboundOutcome.IGNORED, ticket, reason))
    if not mime.starts_with_headers(raw):
        return _quarantined(raw, envelope, "le message ne commence pas par des en-têtes (message illisible)")
    if reason := robot_reason(message, sender):
        return _recorded(envelope, Received(InboundOutcome.IGNORED, None, reason))
    if problem or address is None:
        return _quarantined(raw, envelope, problem)
    try:
        with transaction.atomic():
            received, set_aside = _ingest(message, address, envelope)
            inbound_record(
                raw=raw if set_aside else None,
                message_id=message_id,
                sender=sender,
                subject=envelope.subject,
                ticket=received.ticket,
                outcome=received.outcome,
                reason=received.reason,
                set_aside=set_aside,
            )
    except IntegrityError:
        if InboundEmail.objects.filter(message_id=message_id).exists():  # the same message, another process
            return Received(InboundOutcome.IGNORED, None, "déjà reçu")
        raise
    return received


def sender_problem(address: Address | None) -> str:
    """Why the sender cannot be answered, or "" for a usable address."""
    if address is None or not address.addr_spec or address.addr_spec == "<>":
        return "aucun expéditeur lisible (en-tête From absent, vide ou illisible)"
    try:
        validate_email(address.addr_spec)
    except ValidationError:
        return "adresse d’expéditeur invalide"
    if len(address.addr_spec) > (Citizen._meta.get_field("email").max_length or 254):
        return "adresse d’expéditeur trop longue"
    return ""


def _ingest(message: EmailMessage, address: Address, envelope: Envelope) -> tuple[Received, list[dict]]:
    found = mime.content(message)
    uploads, set_aside = _checked_uploads(found.files)
    body = _body(found, set_aside)
    sender = envelope.sender
    ticket = _ticket_replied_to(message, envelope.subject)
    if ticket is not None and ticket.citizen is not None and ticket.citizen.email == sender:
        # Only what the citizen wrote above the quoted history, then the forwarded parts and set-aside notes.
        reply = _body(replace(found, text=strip_quoted_history(found.text)), set_aside) if found.text else body
        try:
            message_post_by_citizen(ticket=ticket, body=reply or "—", channel=Channel.EMAIL, uploads=uploads)
            return Received(InboundOutcome.REPLY, ticket), set_aside
        except ReplyNotAllowed:
            pass  # a closed ticket: the message becomes a new request rather than being lost
    ticket = ticket_create(
        request_type=RequestType.objects.get(slug=settings.EMAIL_DEFAULT_REQUEST_TYPE),
        citizen=_citizen_for(address),
        channel=Channel.EMAIL,
        subject=envelope.subject or "Courriel",
        answers=[{"code": "message", "label": "Message", "kind": "long_text", "value": body}],
        uploads=[("", upload) for upload in uploads],
    )
    return Received(InboundOutcome.NEW_TICKET, ticket), set_aside


def _citizen_for(address: Address) -> Citizen | None:
    first_name, last_name = split_display_name(mime.clean_text(address.display_name))
    return citizen_for_submission(
        rules=FROM_CITIZEN, first_name=first_name[:NAME_MAX], last_name=last_name[:NAME_MAX], email=address.addr_spec
    )


def _body(found: mime.Content, set_aside: list[dict]) -> str:
    parts = [found.text]
    if not found.text and found.files:
        names = ", ".join(f"« {file.name} »" for file in found.files)
        parts = [f"(Message sans texte : pièce jointe {names}.)"]
    elif not found.text and not found.forwarded:
        parts = ["(Message sans texte.)"]
    parts += [f"---------- Message transféré ----------\n{text}" for text in found.forwarded]
    parts += [
        f"[Pièce jointe refusée, mise de côté : « {item['name']} » — {item['reason']} "
        "Le message d’origine est conservé pour les agents.]"
        for item in set_aside
    ]
    return mime.storable("\n\n".join(part.strip() for part in parts if part.strip()))


def _checked_uploads(files: list[mime.FoundFile]) -> tuple[list[CheckedUpload], list[dict]]:
    """The files the web form would accept, within its count and total size; the others set aside, with why."""
    uploads: list[CheckedUpload] = []
    set_aside: list[dict] = []
    total = 0
    for file in files:
        if len(uploads) >= settings.GUICHET_ATTACHMENT_MAX_COUNT:
            reason = f"au-delà de {settings.GUICHET_ATTACHMENT_MAX_COUNT} pièces jointes."
        elif total + len(file.data) > settings.GUICHET_ATTACHMENT_MAX_TOTAL_BYTES:
            reason = f"taille totale des pièces jointes au-delà de {_megabytes(settings.GUICHET_ATTACHMENT_MAX_TOTAL_BYTES)} Mo."
        else:
            try:
                upload = check_upload(SimpleUploadedFile(file.name, file.data, content_type=file.content_type))
            except ValidationError as refusal:
                reason = " ".join(refusal.messages)
            except Exception:  # a checker crash on a hostile file: refused like an unreadable one
                logger.exception("Attachment %r could not be checked", file.name)
                reason = "fichier illisible par les contrôles."
            else:
                uploads.append(upload)
                total += upload.size
                continue
        set_aside.append({"name": file.name, "reason": str(reason), "size": len(file.data)})
    return uploads, set_aside


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


def split_display_name(name: str) -> tuple[str, str]:
    """ "Hélène Lefèvre" and Outlook's "Lefèvre, Hélène" both give ("Hélène", "Lefèvre")."""
    name = " ".join(name.replace('"', " ").split())
    if "," in name:
        last_name, _sep, first_name = name.partition(",")
        return first_name.strip(), last_name.strip()
    first_name, _sep, last_name = name.rpartition(" ")
    return first_name, last_name


def strip_quoted_history(text: str) -> str:
    """The new part of a reply: the parser's answer, then a cut at a remaining quote header."""
    reply = EmailReplyParser(languages=["fr", "en"]).parse_reply(text=text) or text
    header = QUOTE_HEADER.search(reply)
    if header is not None and reply[: header.start()].strip():
        reply = reply[: header.start()]
    lines = reply.rstrip().splitlines()
    while lines and lines[-1].lstrip().startswith(">"):
        lines.pop()
    return "\n".join(lines).strip() or text.strip()


def _ticket_replied_to(message: EmailMessage, subject: str) -> Ticket | None:
    """By plus-address (mairie+REF@…), then our Message-IDs in In-Reply-To/References, then the subject."""
    recipients = getaddresses([mime.header(message, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To")])
    for _name, address in recipients:
        local = address.split("@")[0]
        if "+" in local and (ticket := _by_reference(local.split("+", 1)[1])):
            return ticket
    threads = " ".join(mime.header(message, h) for h in ("In-Reply-To", "References"))
    for token in re.findall(r"<([^<>@]+)@", threads):
        if token.startswith("ticket-") and (ticket := _by_reference(token.removeprefix("ticket-"))):
            return ticket
        notification = (
            Notification.objects.filter(uuid=token).select_related("ticket").first() if _is_uuid(token) else None
        )
        if notification is not None and notification.ticket is not None:
            return notification.ticket
    for candidate in REFERENCE_IN_TEXT.findall(subject):
        if ticket := _by_reference(candidate):
            return ticket
    return None


def _by_reference(raw: str) -> Ticket | None:
    reference = references.normalise(raw)
    return Ticket.objects.select_related("citizen").filter(reference=reference).first() if reference else None


def _is_uuid(token: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", token))


def _recorded(envelope: Envelope, received: Received) -> Received:
    try:
        with transaction.atomic():
            inbound_record(
                raw=None,
                message_id=envelope.message_id,
                sender=envelope.sender,
                subject=envelope.subject,
                ticket=received.ticket,
                outcome=received.outcome,
                reason=received.reason,
            )
    except IntegrityError:
        return Received(InboundOutcome.IGNORED, None, "déjà reçu")
    return received


def _quarantined(raw: bytes, envelope: Envelope, reason: str) -> Received:
    try:
        inbound_quarantine(
            raw=raw, message_id=envelope.message_id, sender=envelope.sender, subject=envelope.subject, reason=reason
        )
    except IntegrityError:
        return Received(InboundOutcome.IGNORED, None, "déjà reçu")
    return Received(InboundOutcome.QUARANTINED, None, reason)
