import uuid

import pytest

from guichet.lib.submission_keys import new_submission_key, parse_submission_key

KEY = uuid.UUID("3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f")


@pytest.mark.parametrize(
    "raw",
    [str(KEY), str(KEY).upper(), f" {KEY} ", KEY.hex, f"{{{KEY}}}", f"urn:uuid:{KEY}", KEY],
)
def test_a_uuid_written_any_standard_way_is_the_key(raw):
    assert parse_submission_key(raw) == KEY


@pytest.mark.parametrize("raw", [None, "", "   ", "None", "pas-une-cle", str(KEY)[:-1], 12, ["x"], {"k": 1}])
def test_anything_else_is_no_key(raw):
    assert parse_submission_key(raw) is None


def test_new_keys_are_random_uuids():
    first, second = new_submission_key(), new_submission_key()
    assert parse_submission_key(str(first)) == first and first != second
