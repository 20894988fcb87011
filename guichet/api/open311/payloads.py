"""A ticket as an Open311 service request, for anyone to read: no personal data.

Published: the public reference, the request type, the service, dates, the Open311 status and
Guichet's own, and the ticket's place (lat/long and address) or the location a partner sent (lat/long,
address_string, address_id) when its request type's position is public (``RequestType.position_public``),
exactly or rounded to about 100 m as the commune chose (``Commune.open311_position``). Never published: the citizen (name,
email, phone, address), the form's answers, the description, media, the thread and internal notes.
``extensions=true`` adds the status history and the priority (``extended_attributes``: the spec has no field
for it).
"""

import datetime
from typing import Any

from django.utils import timezone

from guichet.api.open311.forms import PUBLIC_LOCATION_CODES, SOURCE
from guichet.organisation.models import PositionPrecision
from guichet.places.bbox import round_position
from guichet.tickets.lifecycle import CITIZEN_STATUS_LABELS, OPEN_STATUSES, Status
from guichet.tickets.models import Event, EventKind, Ticket
from guichet.tickets.nearby import street_of

ITEM_TAGS = {"notes": "note"}


def stamp(moment: datetime.datetime) -> str:
    """W3C datetime in UTC with ``Z``, no fraction: what every client and the old validator accept."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def _expected(ticket: Ticket) -> str:
    # The due date is a day: the answer is expected by the end of it, town hall time.
    end_of_day = datetime.datetime.combine(ticket.due_date, datetime.time(23, 59, 59))
    return stamp(timezone.make_aware(end_of_day))


def _location(ticket: Ticket, precision: str) -> dict[str, Any]:
    """The ticket's place (issue 17: set by every channel for located request types and by partners), else the
    location a partner sent before the place had its own columns. Nothing for a request type whose position is
    not public (a home); rounded to about 100 m, with the street and no house number, when the commune says so."""
    if not ticket.request_type.position_public:
        return {}
    values = {
        answer["code"]: answer["value"]
        for answer in ticket.answers
        if answer.get("source") == SOURCE and answer.get("code") in PUBLIC_LOCATION_CODES
    }
    location: dict[str, Any] = {
        "address": ticket.address_label or values.get("open311_address"),
        "address_id": values.get("open311_address_id"),
    }
    if ticket.latitude is not None and ticket.longitude is not None:
        location["lat"], location["long"] = ticket.latitude, ticket.longitude
    elif "open311_lat" in values and "open311_long" in values:
        location["lat"] = float(values["open311_lat"])
        location["long"] = float(values["open311_long"])
    if precision == PositionPrecision.APPROXIMATE:
        location["address"] = street_of(location["address"] or "")
        location["address_id"] = None  # a BAN identifier names the house
        if "lat" in location:
            location["lat"], location["long"] = round_position(location["lat"]), round_position(location["long"])
    return location


def _note(event: Event) -> dict[str, Any]:
    if event.kind == EventKind.CREATED:
        kind, status = "submitted", str(Status.RECEIVED)
    else:
        status = event.to_status
        was_open = event.from_status in OPEN_STATUSES
        kind = "closed" if status not in OPEN_STATUSES else ("activity" if was_open else "opened")
    label = str(CITIZEN_STATUS_LABELS.get(status, status))
    return {
        "datetime": stamp(event.created_at),
        "type": kind,
        "summary": label,
        "description": label,
        "extended_attributes": {"guichet_status": status},
    }


def request_payload(
    ticket: Ticket, *, extensions: bool = False, precision: str = PositionPrecision.EXACT
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "service_request_id": ticket.reference_display,
        "status": open311_status(ticket.status),
        "status_notes": str(CITIZEN_STATUS_LABELS[ticket.status]),
        "service_name": ticket.request_type.name,
        "service_code": ticket.request_type.slug,
        "agency_responsible": ticket.service.name,
        "requested_datetime": stamp(ticket.created_at),
        "updated_datetime": stamp(ticket.updated_at),
        "expected_datetime": _expected(ticket),
        **_location(ticket, precision),
    }
    if extensions:
        payload["extended_attributes"] = {
            "guichet_status": ticket.status,
            "guichet_status_label": str(CITIZEN_STATUS_LABELS[ticket.status]),
            "channel": ticket.channel,
        }
        # Requests that call for a decision: the day the commune's silence decides (CRPA L231-1, L114-5).
        if ticket.implicit_decision_on:
            payload["extended_attributes"]["implicit_decision_date"] = ticket.implicit_decision_on.isoformat()
        if ticket.decision:
            payload["extended_attributes"]["decision"] = ticket.decision
        # GeoReport v2 has no priority: it goes with Guichet's other attributes (selected with extensions only).
        if ticket.priority_id is not None and ticket.priority is not None:
            payload["extended_attributes"]["priority"] = ticket.priority.slug
            payload["extended_attributes"]["priority_label"] = ticket.priority.name
        # Prefetched by selectors.public_tickets(extensions=True).
        payload["notes"] = [_note(event) for event in ticket.public_history]  # type: ignore[attr-defined]
    return {name: value for name, value in payload.items() if value not in (None, "")}
