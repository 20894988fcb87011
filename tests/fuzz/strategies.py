"""Hypothesis strategies shared by the fuzzers: damaged real files, hostile text, dates at and past the edges."""

import datetime

from hypothesis import strategies as st

# Text as people and programs send it: any character (NUL, controls, right-to-left marks, emoji), often long.
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=5000),
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "%00", "../../etc/passwd", "é" * 300, "NaN"]),
)

_offsets = st.integers(min_value=-(14 * 60), max_value=14 * 60).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
)
# Every year Python knows (1 to 9999), with and without an offset, and what is almost a date.
any_datetime = st.datetimes(timezones=st.none() | _offsets)
date_text = st.one_of(
    st.dates().map(datetime.date.isoformat),
    any_datetime.map(datetime.datetime.isoformat),
    any_datetime.map(lambda moment: moment.isoformat().replace("+", " ")),  # an unencoded "+" in a query string
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00+01:00",
            "0000-00-00",
            "2026-02-30",
            "2026-13-01",
            "hier",
            "10000-01-01",
            "2026-01-01T25:00",
        ]
    ),  # fmt: skip
    hostile_text,
)


def damaged(original: bytes) -> st.SearchStrategy[bytes]:
    """A real file cut short, with bits flipped, or with a run of bytes overwritten."""
    size = len(original)
    truncated = st.integers(min_value=0, max_value=size - 1).map(lambda end: original[:end])

    def flip(flips: list[tuple[int, int]]) -> bytes:
        data = bytearray(original)
        for position, bit in flips:
            data[position] ^= 1 << bit
        return bytes(data)

    flipped = st.lists(
        st.tuples(st.integers(min_value=0, max_value=size - 1), st.integers(min_value=0, max_value=7)),
        min_size=1,
        max_size=8,
    ).map(flip)
    # The headers matter most: overwrite within the first 512 bytes more often.
    overwritten = st.tuples(
        st.integers(min_value=0, max_value=min(size, 512) - 1), st.binary(min_size=1, max_size=16)
    ).map(lambda cut: original[: cut[0]] + cut[1] + original[cut[0] + len(cut[1]) :])
    return st.one_of(truncated, flipped, overwritten)
