"""Reads of the citizen directory: search-as-you-type and possible duplicates.

Both work on ``Citizen.search_text`` (layout in ``citizens.services``): folded name, email, the phone
in national and E.164 digits, postcode, city and street. On PostgreSQL a trigram GIN index over it
(migration citizens 0002) serves every ``LIKE '%…%'`` and the fuzzy ``%>`` match, and results are
ordered by trigram similarity; SQLite, the zero-config default, falls back to ``LIKE`` alone.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, QuerySet, Value, When

from guichet.citizens.models import Citizen
from guichet.citizens.services import fold_text
from guichet.lib.phones import parse_phone, to_e164

MIN_QUERY_LENGTH = 2
# Below this, a trigram index cannot narrow a substring match: shorter queries match word starts only.
TRIGRAM_LENGTH = 3
# Typo tolerance ("lefevrre" finds "Lefèvre") from this many letters; fewer would match everything.
FUZZY_MIN_LENGTH = 4
# Same folded last name, and first names at least this similar (Hélène/Helene/Helen; not Jean/Jeanne).
FIRST_NAME_SIMILARITY = 0.55
PHONE_LIKE = re.compile(r"[\d\s.\-+()/]+")
NAME_LIKE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


@dataclass(frozen=True)
class CitizenQuery:
    text: str  # folded, what similarity is measured against
    terms: tuple[str, ...]  # each must be a substring of search_text
    phone: str = ""  # E.164, when a whole valid number was typed
    email: str = ""  # when a whole address was typed


class _WordSimilar(Func):
    """``search_text %> query``: word_similarity(query, search_text) above pg_trgm's threshold, indexable."""

    arg_joiner = " %%> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _SplitPart(Func):
    function = "SPLIT_PART"


def parse_query(query: str) -> CitizenQuery:
    raw = query.strip()
    text = fold_text(raw)
    phone = ""
    if sum(c.isdigit() for c in raw) >= 9 and (number := parse_phone(raw)) is not None:
        phone = to_e164(number)
    if PHONE_LIKE.fullmatch(text):
        # A number typed in groups is one number: "06 12 34" → "061234", "+33 6 12" → "33612".
        text = re.sub(r"\D", "", text.replace("(0)", ""))
        text = text[2:] if text.startswith("00") and len(text) > 4 else text
    email = text if "@" in text and " " not in text else ""
    terms = tuple(term.lstrip("+") for term in re.split(r"[\s,]+", text) if term.lstrip("+"))
    return CitizenQuery(text=text, terms=terms, phone=phone, email=email)


def _name_prefix_regex(term: str) -> str:
    """The term starts a word of the name (the segment before the first "|")."""
    return r"^([^|]*[ ;'-])?" + re.escape(term)


def _rank(parsed: CitizenQuery) -> Case:
    """0: exact phone or email; 1: last name starts with the query; 2: each word starts a name word; 3: rest."""
    whens = []
    if parsed.phone:
        whens.append(When(phone=parsed.phone, then=Value(0)))
    if parsed.email:
        whens.append(When(email=parsed.email, then=Value(0)))
    if all(NAME_LIKE.fullmatch(term) for term in parsed.terms):
        words = Q()
        for term in parsed.terms:
            words &= Q(search_text__regex=_name_prefix_regex(term))
        whens.append(When(words & Q(search_text__startswith=parsed.terms[0]), then=Value(1)))
        whens.append(When(words, then=Value(2)))
    return Case(*whens, default=Value(3), output_field=IntegerField())


def _matches(parsed: CitizenQuery) -> Q:
    condition = Q()
    for term in parsed.terms:
        condition &= Q(search_text__contains=term)
    if parsed.phone:
        condition |= Q(phone=parsed.phone)
    if parsed.email:
        condition |= Q(email=parsed.email)
    return condition


def citizens_search(*, query: str, limit: int = 10) -> list[Citizen]:
    """Citizens matching what an agent types: a name, a phone number in any format, an email, an address.

    Accent- and case-insensitive, best first: exact phone or email, then names starting with the
    query, then (PostgreSQL) by trigram similarity, which also finds names typed with a typo.
    """
    parsed = parse_query(query)
    if len(parsed.text.replace(" ", "")) < MIN_QUERY_LENGTH:
        return []
    if len(parsed.text) < TRIGRAM_LENGTH:
        return _starting_with(parsed.text, limit=limit)
    ordering: list = ["rank"]
    queryset = Citizen.objects.filter(_matches(parsed)).annotate(rank=_rank(parsed))
    if settings.IS_POSTGRESQL:
        queryset = queryset.annotate(similarity=TrigramWordSimilarity(parsed.text, "search_text"))
        ordering.append(F("similarity").desc())
    found: list[Citizen] = list(queryset.order_by(*ordering, "last_name", "first_name", "pk")[:limit])
    if settings.IS_POSTGRESQL and len(found) < limit and _fuzzy_applies(parsed):
        fuzzy = (
            Citizen.objects.filter(_WordSimilar(F("search_text"), Value(parsed.text)))
            .exclude(pk__in=[citizen.pk for citizen in found])
            .annotate(similarity=TrigramWordSimilarity(parsed.text, "search_text"))
            .order_by(F("similarity").desc(), "last_name", "first_name", "pk")
        )
        found += list(fuzzy[: limit - len(found)])
    return found


def _starting_with(text: str, *, limit: int) -> list[Citizen]:
    """Two characters: the start of a last name, a first name, a phone number or a postcode.

    Matching them anywhere would hit half the directory and rank it all; word starts are what an agent
    who has just begun typing means, and remain cheap (the trigram index knows word starts).
    """
    if text.isdigit():
        condition = Q(search_text__contains=f"| {text}")
    else:
        condition = Q(search_text__startswith=text) | Q(search_text__contains=f";{text}")
    rank = Case(When(search_text__startswith=text, then=Value(1)), default=Value(2), output_field=IntegerField())
    queryset = Citizen.objects.filter(condition).annotate(rank=rank)
    return list(queryset.order_by("rank", "last_name", "first_name", "pk")[:limit])


def _fuzzy_applies(parsed: CitizenQuery) -> bool:
    """Typos are forgiven in words (names, streets, towns), not in numbers or email addresses."""
    words = all(NAME_LIKE.fullmatch(term) for term in parsed.terms)
    return words and sum(c.isalpha() for c in parsed.text) >= FUZZY_MIN_LENGTH


def citizen_possible_duplicates(citizen: Citizen, *, limit: int = 20) -> list[Citizen]:
    """Other records that may be the same person: same phone, same email, or (nearly) the same name.

    Only a flag for an agent to look at; records are merged by a supervisor (``citizens_merge``), never here.
    """
    return list(_duplicates_queryset(citizen).order_by("created_at", "pk")[:limit])


def _duplicates_queryset(citizen: Citizen) -> QuerySet[Citizen]:
    last, first = fold_text(citizen.last_name), fold_text(citizen.first_name)
    queryset = Citizen.objects.exclude(pk=citizen.pk)
    condition = Q(pk__in=[])
    if citizen.phone:
        condition |= Q(phone=citizen.phone)
    if citizen.email:
        condition |= Q(email=citizen.email)
    if not last:
        return queryset.filter(condition)
    if settings.IS_POSTGRESQL and first:
        # search_text starts "<last>;<first> | …": same last name by prefix (indexed), first name by similarity.
        first_name = _SplitPart(_SplitPart(F("search_text"), Value(" | "), Value(1)), Value(";"), Value(2))
        queryset = queryset.alias(first_similarity=TrigramSimilarity(first_name, first))
        condition |= Q(search_text__startswith=f"{last};") & Q(first_similarity__gte=FIRST_NAME_SIMILARITY)
    else:
        condition |= Q(search_text__startswith=f"{last};{first} | ")
    return queryset.filter(condition)
