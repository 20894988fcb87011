"""The writers keep memory flat whatever the number of rows (the worker's limit holds for a million)."""

import datetime
import tempfile
import tracemalloc

import pytest

from guichet.exports import writers

HEADER = ["h"] * 15


def rows(count: int):
    for i in range(count):
        yield [
            f"ABC-{i:07d}",
            datetime.datetime(2026, 5, 4, 9, 0),
            "Répondue",
            "Formulaire en ligne",
            "Voirie",
            "Nid de poule",
            "Jean Dupont",
            datetime.date(2026, 5, 21),
            "non",
            datetime.date(2026, 5, 5),
            i % 30,
            f"Nom{i}",
            "Prénom",
            f"usager{i}@example.org",
            "'+33612345678",
        ]


def peak_bytes(write, count: int) -> int:
    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as target:
            write(target, rows(count))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
@pytest.mark.parametrize(
    "write",
    [
        lambda target, data: writers.write_csv(target, HEADER, data, separator=";"),
        lambda target, data: writers.write_xlsx(target, HEADER, data, title="Demandes"),
        lambda target, data: writers.write_ods(target, HEADER, data, title="Demandes"),
    ],
    ids=["csv", "xlsx", "ods"],
)
def test_memory_does_not_grow_with_the_rows(write):
    small, large = peak_bytes(write, 1_000), peak_bytes(write, 10_000)
    assert large < small + 512 * 1024
