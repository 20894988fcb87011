import random

import pytest

from guichet.lib import references
from guichet.lib.references import ALPHABET, CHECK_ALPHABET, LENGTH, check_symbol, display, generate, normalise

EXTRA_CHECK_SYMBOLS = "*~$=U"


@pytest.fixture(scope="module")
def sample() -> list[str]:
    return [generate() for _ in range(20)]


def with_check(payload: str) -> str:
    return payload + check_symbol(payload)


# Generation -----------------------------------------------------------------------------------


def test_generated_reference_is_nine_plain_symbols():
    for _ in range(200):
        reference = generate()
        assert len(reference) == LENGTH == 9
        assert set(reference) <= set(ALPHABET)


def test_generated_reference_is_accepted_unchanged_by_normalise():
    for _ in range(200):
        reference = generate()
        assert normalise(reference) == reference


def test_generated_reference_ends_with_its_check_symbol():
    for _ in range(200):
        reference = generate()
        assert reference[-1] == check_symbol(reference[:-1])


def test_generated_references_are_distinct():
    generated = [generate() for _ in range(5000)]
    assert len(set(generated)) == len(generated)


def test_generation_draws_again_when_check_symbol_would_be_an_extra_symbol(monkeypatch):
    # The first payload's check is "*" (value 32); generate() must discard it and use the next one.
    payloads = iter(["00000010", "0000000Z"])
    symbols = iter("".join(payloads))
    monkeypatch.setattr(references.secrets, "choice", lambda alphabet: next(symbols))
    assert generate() == "0000000ZZ"


def test_generation_never_produces_an_extra_check_symbol():
    # A payload has a 5/37 chance of an extra check symbol, so 2,000 draws would surely meet some.
    checks = {generate()[-1] for _ in range(2000)}
    assert not checks & set(EXTRA_CHECK_SYMBOLS)


# Check symbol: vectors computed by hand ------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("00000000", "0"),  # value 0
        ("00000001", "1"),  # value 1
        ("0000000Z", "Z"),  # value 31, the last plain symbol
        ("00000010", "*"),  # value 32
        ("00000011", "~"),  # value 33
        ("00000012", "$"),  # value 34
        ("00000013", "="),  # value 35
        ("00000014", "U"),  # value 36
        ("00000015", "0"),  # value 37 wraps round
        ("00000100", "S"),  # value 1024 = 27 × 37 + 25, and ALPHABET[25] is "S"
    ],
)
def test_check_symbol_is_crockford_mod_37(payload, expected):
    assert check_symbol(payload) == expected


def test_check_alphabet_extends_the_plain_alphabet_with_crockford_extra_symbols():
    assert len(ALPHABET) == 32
    assert CHECK_ALPHABET == ALPHABET + EXTRA_CHECK_SYMBOLS
    assert not set("ILOU") & set(ALPHABET)


# Normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "0000000ZZ",
        "0000000zz",
        "000-000-0ZZ",
        "000 000 0ZZ",
        "000.000.0zz",
        "  000 - 000 - 0zz  ",
        "000_000/0ZZ",
        "OOOOOOOZZ",  # letter O for zero
        "ooo-ooo-ozz",
    ],
)
def test_normalise_accepts_how_people_type_a_reference(typed):
    assert normalise(typed) == "0000000ZZ"


@pytest.mark.parametrize("one", ["1", "I", "i", "L", "l"])
def test_normalise_reads_i_and_l_as_one(one):
    reference = with_check("0000001A")
    assert reference == "0000001A5"  # value 32 + 10 = 42, and 42 % 37 = 5
    assert normalise(reference.replace("1", one)) == reference


def test_normalise_accepts_displayed_form_of_generated_references(sample):
    for reference in sample:
        assert normalise(display(reference).lower()) == reference


@pytest.mark.parametrize("raw", ["", None, "0000000Z", "0000000ZZ0", "0000000ZZZ", "00", "ZZ-ZZZ-ZZZ-ZZZ"])
def test_normalise_rejects_wrong_length(raw):
    assert normalise(raw) is None


def test_normalise_rejects_u_in_payload():
    payload = "0000000U"
    # Whatever the check symbol, a U among the first eight symbols is not a reference.
    for check in CHECK_ALPHABET:
        assert normalise(payload + check) is None


@pytest.mark.parametrize("raw", ["00000#00Z", "0000é000Z", "0000*000Z", "ABCDEFGH!"])
def test_normalise_rejects_symbols_outside_the_alphabet(raw):
    assert normalise(raw) is None


def test_normalise_rejects_wrong_check_symbol():
    assert normalise("0000000Z0") is None
    assert normalise("000000000") == "000000000"


# Error detection ------------------------------------------------------------------------------


def test_every_single_symbol_substitution_is_rejected(sample):
    for reference in sample:
        for position in range(LENGTH):
            for symbol in ALPHABET:
                if symbol == reference[position]:
                    continue
                typo = reference[:position] + symbol + reference[position + 1 :]
                assert normalise(typo) is None, (reference, typo)


def test_substitutions_detected_on_payloads_crafted_with_extreme_symbols():
    # Random samples rarely hit all-zero or all-Z payloads; cover them as well.
    for payload in ("00000000", "ZZZZZZZZ", "0Z0Z0Z0Z"):
        reference = with_check(payload)
        for position in range(LENGTH):
            for symbol in ALPHABET:
                if symbol != reference[position]:
                    typo = reference[:position] + symbol + reference[position + 1 :]
                    assert normalise(typo) is None, typo


def test_every_adjacent_transposition_of_distinct_symbols_is_rejected(sample):
    checked = 0
    for reference in sample:
        for position in range(LENGTH - 1):
            first, second = reference[position], reference[position + 1]
            if first == second:
                continue
            swapped = reference[:position] + second + first + reference[position + 2 :]
            assert normalise(swapped) is None, (reference, swapped)
            checked += 1
    assert checked > 100  # the sample really exercised the rule


def test_random_transpositions_including_check_symbol_are_rejected():
    rng = random.Random(37)
    for _ in range(2000):
        payload = "".join(rng.choice(ALPHABET) for _ in range(8))
        reference = with_check(payload)
        if reference[-1] not in ALPHABET or reference[-2] == reference[-1]:
            continue
        swapped = reference[:-2] + reference[-1] + reference[-2]
        assert normalise(swapped) is None, (reference, swapped)


# Display --------------------------------------------------------------------------------------


def test_display_groups_by_three():
    assert display("ABCDEFGHJ") == "ABC-DEF-GHJ"


def test_display_of_generated_reference_has_three_groups(sample):
    for reference in sample:
        shown = display(reference)
        assert shown.split("-") == [reference[0:3], reference[3:6], reference[6:9]]
