"""What an agent can pick up from a letter's OCR text: contact details, a name, a postcode, a ticket reference."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import phonenumbers

from guichet.lib import references
from guichet.lib.phones import to_e164

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
POSTCODE_CITY = re.compile(r"\b((?:0[1-9]|[1-8]\d|9[0-8])\s?\d{3})\s+([A-ZÀ-Ý][A-Za-zÀ-ÿ' -]{1,60})")
# "Madame Hélène Lefèvre", "M. Jean DUPONT", "Mme LEFÈVRE Hélène"; not "Monsieur le Maire".
NAME = re.compile(
    r"\b(?:Madame|Monsieur|Mme|Mlle|M\.)\s+"
    r"((?!le\b|la\b|les\b|l')[A-ZÀ-Ý][\w'’-]+(?:[ \t]+(?!le\b|la\b)[A-ZÀ-Ý][\w'’-]+){0,2})"
)
NOT_NAMES = frozenset({"le", "la", "les", "maire", "madame", "monsieur"})
STREET = re.compile(r"^\s*(\d{1,4}\s?(?:bis|ter)?,?\s+[A-Za-zÀ-ÿ'’ .-]{3,80})\s*$", re.IGNORECASE)
REFERENCE = re.compile(r"(?<![0-9A-Za-z])([0-9A-Za-z]{3}[- .]?[0-9A-Za-z]{3}[- .]?[0-9A-Za-z]{3})(?![0-9A-Za-z])")


@dataclass
class Suggestions:
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    postcodes: list[tuple[str, str]] = field(default_factory=list)  # (postcode, city)
    streets: list[str] = field(default_factory=list)  # "12 rue de l'Église": a numbered line above a postcode
    names: list[tuple[str, str]] = field(default_factory=list)  # (first name, last name)
    references: list[str] = field(default_factory=list)  # canonical, check symbol verified


T = TypeVar("T")


def _unique(values: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(values))


def suggest(text: str) -> Suggestions:
    text = text or ""
    return Suggestions(
        emails=_unique(match.lower().rstrip(".") for match in EMAIL.findall(text)),
        phones=_unique(to_e164(m.number) for m in phonenumbers.PhoneNumberMatcher(text, "FR")),
        postcodes=_unique(
            (code.replace(" ", ""), " ".join(city.split()).strip(" -'"))
            for code, city in (line_match.groups() for line_match in POSTCODE_CITY.finditer(text))
        ),
        names=_unique(_split_name(match) for match in NAME.findall(text) if match.split()[0].lower() not in NOT_NAMES),
        references=_references(text),
        streets=_streets(text),
    )


# Shapes Tesseract confuses in a reference: a symbol read as its look-alike (Z as 7, S as 5…).
OCR_LOOKALIKES = {"7": "Z", "Z": "27", "2": "Z", "5": "S", "S": "5", "8": "B", "B": "8", "6": "G", "G": "6", "4": "A"}
OCR_NOISE = str.maketrans("", "", "[]|{}")


def _references(text: str) -> list[str]:
    """Valid references quoted in the letter, exact ones first.

    A candidate whose check symbol fails is tried again with one look-alike symbol swapped; the check
    symbol makes a wrong correction unlikely (1 in 37), and the caller only proposes existing tickets.
    """
    exact, corrected = [], []
    for raw in REFERENCE.findall(text.translate(OCR_NOISE)):
        if reference := references.normalise(raw):
            exact.append(reference)
            continue
        cleaned = "".join(c for c in raw.upper() if c.isalnum())
        for index, symbol in enumerate(cleaned):
            for other in OCR_LOOKALIKES.get(symbol, ""):
                if reference := references.normalise(cleaned[:index] + other + cleaned[index + 1 :]):
                    corrected.append(reference)
    return _unique(exact + corrected)


def _streets(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if line.strip()]
    found = []
    for previous, line in zip(lines, lines[1:], strict=False):
        if POSTCODE_CITY.match(line.strip()) and (street := STREET.match(previous)):
            found.append(" ".join(street.group(1).split()))
    return _unique(found)


def _split_name(full: str) -> tuple[str, str]:
    """Letters write "Hélène Lefèvre" or "LEFÈVRE Hélène": a word in capitals is the last name."""
    words = full.split()
    if len(words) == 1:
        return "", words[0]
    capitals = [word for word in words if word.isupper() and len(word) > 1]
    if capitals:
        last = " ".join(capitals)
        return " ".join(word for word in words if word not in capitals), last
    return " ".join(words[:-1]), words[-1]
