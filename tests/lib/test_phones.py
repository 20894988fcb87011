import pytest

from guichet.lib.phones import display_phone, is_mobile, parse_phone, to_e164


def e164(raw: str) -> str | None:
    number = parse_phone(raw)
    return to_e164(number) if number else None


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033612345678",
        "00 33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "06-12-34-56-78",
        "06.12.34.56.78",
        " 06 12 34 56 78 ",
    ],
)
def test_french_mobile_typed_any_usual_way_is_stored_in_e164(typed):
    assert e164(typed) == "+33612345678"


def test_french_landline_is_stored_in_e164():
    assert e164("01 23 45 67 89") == "+33123456789"


def test_foreign_number_with_country_code_is_kept_in_its_country():
    assert e164("+44 7911 123456") == "+447911123456"
    assert e164("+32 470 12 34 56") == "+32470123456"


def test_number_without_country_code_is_read_as_french_by_default():
    assert e164("07 81 23 45 67") == "+33781234567"


def test_other_default_region_can_be_given():
    number = parse_phone("0470 12 34 56", region="BE")
    assert number is not None
    assert to_e164(number) == "+32470123456"


@pytest.mark.parametrize("typed", ["06 12 34", "061234567", "06 12 34 56 78 9", "+33 6 12"])
def test_too_short_or_too_long_number_is_refused(typed):
    assert parse_phone(typed) is None


@pytest.mark.parametrize("typed", ["", "bonjour", "pas de téléphone", "++", "---", "06 AB CD EF GH"])
def test_garbage_is_refused(typed):
    assert parse_phone(typed) is None


def test_number_of_the_right_length_in_an_unallocated_range_is_refused():
    # Ten digits, but 07 1x has never been given to any operator.
    assert parse_phone("07 12 34 56 78") is None


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "07 81 23 45 67", "+44 7911 123456"])
def test_mobile_numbers_are_mobile(typed):
    number = parse_phone(typed)
    assert number is not None
    assert is_mobile(number)


@pytest.mark.parametrize("typed", ["01 23 45 67 89", "04 72 00 00 00", "09 70 12 34 56"])
def test_landlines_are_not_mobile(typed):
    number = parse_phone(typed)
    assert number is not None
    assert not is_mobile(number)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33612345678", "06 12 34 56 78"),
        ("+33123456789", "01 23 45 67 89"),
        ("+447911123456", "+44 7911 123456"),
        ("+32470123456", "+32 470 12 34 56"),
    ],
)
def test_display_is_national_for_france_and_international_otherwise(stored, shown):
    assert display_phone(stored) == shown


def test_display_of_nothing_is_empty():
    assert display_phone("") == ""


def test_display_of_unparsable_value_returns_it_unchanged():
    assert display_phone("standard de la mairie") == "standard de la mairie"


def test_displayed_number_reads_back_to_the_same_stored_number():
    for stored in ("+33612345678", "+33123456789", "+447911123456"):
        assert e164(display_phone(stored)) == stored
