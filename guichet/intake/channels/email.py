"""Email in: a new message becomes a ticket; a reply to a notification joins its ticket's thread.

The same function serves `manage.py receive_mail` (a raw message on standard input, from an MTA pipe)
and, later, IMAP polling. A message is handled once (its Message-ID is recorded); automatic replies
and bounces are never answered, so two robots cannot ping-pong.
"""

import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from inscriptis import get_text
from mailparser_reply import EmailReplyParser

from guichet.catalogue.models import RequestType
from guichet.citizens.services import FROM_CITIZEN, citizen_for_submission
from guichet.intake.models import InboundEmail, InboundOutcome
from guichet.lib import references
from guichet.lib.uploads import CheckedUpload, check_upload
from guichet.notifications.models import Notification
from guichet.notifications.recovery import notification_bounced
from guichet.notifications.rendering import domain
from guichet.tickets.exceptions import ReplyNotAllowed
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import message_post_by_citizen, ticket_create

REFERENCE_IN_TEXT = re.compile(r"\b([0-9A-Za-z]{3}[- ]?[0-9A-Za-z]{3}[- ]?[0-9A-Za-z]{3})\b")
# Where a client starts quoting the message replied to, when the reply parser missed it.
QUOTE_HEADER = re.compile(
    r"^(?:Le\s[^\n]*(?:\n[^\n]*)?\sa\s(?:é|e)crit\s?:|On\s[^\n]*(?:\n[^\n]*)?\swrote:"
    r"|-{2,}\s*(?:Original Message|Message d'origine)\s*-{2,}|(?:De|From)\s?:\s[^\n]+\n(?:Envoyé|Sent)\s?:)",
    re.MULTILINE | re.IGNORECASE,
)
ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|ne-?pas-?repondre)@", re.IGNORECASE)


@dataclass(frozen=True)
class Received:
    outcome: str
    ticket: Ticket | None
    reason: str = ""


def email_receive(raw: bytes) -> Received:
    message = message_from_bytes(raw, policy=policy.default)
    message_id = (message.get("Message-ID") or "").strip() or "sha256:" + hashlib.sha256(raw).hexdigest()
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    subject = str(message.get("Subject", "")).strip()
    if InboundEmail.objects.filter(message_id=message_id).exists():
        return Received(InboundOutcome.IGNORED, None, "déjà reçu")
    if bounced := _bounced_notification(message, raw):
        notification_bounced(notification=bounced, diagnostic=_diagnostic(message))
        return _record(
            message_id, sender, subject, Received(InboundOutcome.IGNORED, bounced.ticket, "avis de non-remise")
        )
    if reason := _robot_reason(message, sender, message_id):
        return _record(message_id, sender, subject, Received(InboundOutcome.IGNORED, None, reason))
    try:
        with transaction.atomic():
            received = _ingest(message, sender, subject)
            _record(message_id, sender, subject, received)
    except IntegrityError:  # the same message processed at the same moment by another process
        return Received(InboundOutcome.IGNORED, None, "déjà reçu")
    return received


def _ingest(message: EmailMessage, sender: str, subject: str) -> Received:
    body, uploads = _content(message)
    ticket = _ticket_replied_to(message, subject)
    if ticket is not None and ticket.citizen is not None and ticket.citizen.email == sender:
        reply = strip_quoted_history(body)
        try:
            message_post_by_citizen(ticket=ticket, body=reply or "—", channel=Channel.EMAIL, uploads=uploads)
            return Received(InboundOutcome.REPLY, ticket)
        except ReplyNotAllowed:
            pass  # a closed ticket: the message becomes a new request rather than being lost
    first_name, last_name = split_display_name(parseaddr(str(message.get("From", "")))[0])
    citizen = citizen_for_submission(rules=FROM_CITIZEN, first_name=first_name, last_name=last_name, email=sender)
    ticket = ticket_create(
        request_type=RequestType.objects.get(slug=settings.EMAIL_DEFAULT_REQUEST_TYPE),
        citizen=citizen,
        channel=Channel.EMAIL,
        subject=subject or "Courriel",
        answers=[{"code": "message", "label": "Message", "kind": "long_text", "value": body.strip()}],
        uploads=[("", upload) for upload in uploads],
    )
    return Received(InboundOutcome.NEW_TICKET, ticket)


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


def _bounced_notification(message: EmailMessage, raw: bytes) -> Notification | None:
    """A delivery failure report about one of our notifications (its Message-ID is quoted in the report)."""
    is_report = message.get_content_type() == "multipart/report" or (message.get("Return-Path") or "").strip() == "<>"
    if not is_report:
        return None
    ours = re.escape(domain())
    for token in re.findall(rb"<([0-9a-f-]{36})@" + ours.encode() + rb">", raw):
        notification = Notification.objects.filter(uuid=token.decode()).select_related("ticket").first()
        if notification is not None:
            return notification
    return None


def _diagnostic(message: EmailMessage) -> str:
    """The remote server's reason, from the report's delivery-status part when there is one."""
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            text = part.as_string()
            found = re.search(r"^Diagnostic-Code:\s*(.+)$", text, re.MULTILINE) or re.search(
                r"^Status:\s*(.+)$", text, re.MULTILINE
            )
            if found:
                return found.group(1).strip()
    return str(message.get("Subject", "avis de non-remise"))


def _robot_reason(message: EmailMessage, sender: str, message_id: str) -> str:
    if message_id.rstrip(">").endswith("@" + domain()):
        return "notre propre message (boucle)"
    if (message.get("Return-Path") or "").strip() == "<>":
        return "message de retour (Return-Path vide)"
    if (message.get("Auto-Submitted") or "no").strip().lower() != "no":
        return "réponse automatique (Auto-Submitted)"
    if (message.get("Precedence") or "").strip().lower() in {"bulk", "junk", "auto_reply", "list"}:
        return "envoi automatique (Precedence)"
    if message.get("X-Autoreply") or message.get("X-Autorespond") or not sender or ROBOT_SENDERS.match(sender):
        return "expéditeur automatique"
    return ""


def _content(message: EmailMessage) -> tuple[str, list[CheckedUpload]]:
    part = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if part is not None:
        text = _part_text(part)
        if part.get_content_type() == "text/html":
            text = get_text(text)  # scripts, styles and markup dropped: only the text is kept
    uploads = []
    for attachment in message.iter_attachments():
        name = attachment.get_filename() or "piece-jointe"
        data = attachment.get_payload(decode=True) or b""
        try:
            uploads.append(check_upload(SimpleUploadedFile(name, data)))
        except ValidationError as refusal:
            text += f"\n\n[Pièce jointe refusée : {' '.join(refusal.messages)}]"
    return text, uploads


def _part_text(part: EmailMessage) -> str:
    """The part's text; an unknown or lying charset still gives readable text rather than an error."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        data = part.get_payload(decode=True) or b""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")  # what French Windows clients send unlabelled


def _ticket_replied_to(message: EmailMessage, subject: str) -> Ticket | None:
    """By plus-address (mairie+REF@…), then our Message-IDs in In-Reply-To/References, then the subject."""
    recipients = getaddresses([str(message.get(h, "")) for h in ("To", "Cc", "Delivered-To", "X-Original-To")])
    for _name, address in recipients:
        local = address.split("@")[0]
        if "+" in local and (ticket := _by_reference(local.split("+", 1)[1])):
            return ticket
    threads = " ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References"))
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


def _record(message_id: str, sender: str, subject: str, received: Received) -> Received:
    InboundEmail.objects.create(
        message_id=message_id[:255],
        sender=sender[:254],
        subject=subject[:255],
        ticket=received.ticket,
        outcome=received.outcome,
        reason=received.reason[:255],
    )
    return received
