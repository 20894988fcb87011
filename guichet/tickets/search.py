"""Agents' full-text search over a ticket's reference, citizen, subject, answers and thread.

Each ticket keeps ``search_text``: everything searchable, lower-cased and without accents, so
"helene" finds "Hélène" on every database. PostgreSQL searches it with the French text-search
configuration through a stored tsvector column and its GIN index (migrations 0003 and 0006);
SQLite, the zero-config default, falls back to matching every word as a substring.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from guichet.lib.phones import parse_phone, phone_search_forms, to_e164
from guichet.lib.text import fold
from guichet.tickets.models import Ticket

TEXT_SEARCH_CONFIG = "french"


def _answer_text(value: object) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values())
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def build_search_text(ticket: Ticket, messages: Iterable[str] = ()) -> str:
    citizen = ticket.citizen
    parts = [ticket.reference, ticket.subject, ticket.request_type.name]
    if citizen is not None:
        parts += [
            citizen.first_name,
            citizen.last_name,
            citizen.email,
            phone_search_forms(citizen.phone) if citizen.phone else "",
        ]
    parts += [_answer_text(answer.get("value", "")) for answer in ticket.answers]
    parts += list(messages)
    return fold(" ".join(part for part in parts if part))


def search_fragment(text: str) -> str:
    """What to add to ``search_text`` when a message is posted."""
    return " " + fold(text)


def _query_terms(query: str) -> str:
    number = parse_phone(query) if sum(c.isdigit() for c in query) >= 9 else None
    if number is not None:
        return to_e164(number).lstrip("+")
    return fold(query)


def apply_search(queryset: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    terms = _query_terms(query.strip())
    if not terms:
        return queryset
    if settings.IS_POSTGRESQL:
        # search_vector is a generated column that only PostgreSQL has (migration tickets 0006).
        matches = RawSQL(
            "tickets_ticket.search_vector @@ websearch_to_tsquery(%s::regconfig, %s)",
            (TEXT_SEARCH_CONFIG, terms),
            output_field=BooleanField(),
        )
        return queryset.filter(matches)
    condition = Q()
    for word in terms.split():
        condition &= Q(search_text__contains=word)
    return queryset.filter(condition)
