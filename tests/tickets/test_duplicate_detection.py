"""Precision and recall of the duplicate detector on the labelled set (docs/DUPLICATES.md): both at least 0.9."""

import collections
import datetime
import json
from pathlib import Path

from guichet.tickets import nearby

PAIRS = json.loads((Path(__file__).parent / "data" / "duplicate_pairs.json").read_text())
NOW = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
RADIUS_M = 50


def probe(request: dict) -> nearby.Probe:
    return nearby.Probe(
        latitude=request["latitude"],
        longitude=request["longitude"],
        request_type_id=request["request_type"],
        service_id=request["service"],
        text=request["text"],
        created_at=NOW - datetime.timedelta(days=request["age_days"]),
        is_open=request["status"] != "closed",
    )


def confusion() -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    for pair in PAIRS:
        found = nearby.is_likely_duplicate(probe(pair["new"]), probe(pair["existing"]), radius_m=RADIUS_M, now=NOW)
        counts[(found, pair["duplicate"])] += 1
    return counts


def test_the_set_has_at_least_200_labelled_pairs_of_every_case():
    assert len(PAIRS) >= 200
    cases = collections.Counter(pair["case"] for pair in PAIRS)
    assert len(cases) >= 8 and min(cases.values()) >= 10
    assert {True, False} == {pair["duplicate"] for pair in PAIRS}


def test_precision_and_recall_are_at_least_090():
    counts = confusion()
    true_pos, false_pos, false_neg = counts[(True, True)], counts[(True, False)], counts[(False, True)]
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    assert precision >= 0.9, counts
    assert recall >= 0.9, counts


def test_the_detector_is_not_blind_nor_always_yes():
    """The threshold matters: far lower lets neighbours in, far higher loses the reworded reports."""
    counts = confusion()
    assert counts[(True, True)] > 100 and counts[(False, False)] > 100


def test_distance_and_bounding_box_agree():
    south, north, west, east = nearby.bounding_box(45.764, 4.8357, 50)
    assert 49 < nearby.haversine_m(45.764, 4.8357, north, 4.8357) < 52
    assert 49 < nearby.haversine_m(45.764, 4.8357, 45.764, east) < 52
    assert nearby.haversine_m(45.764, 4.8357, south, west) > 50


def test_text_similarity_folds_accents_and_ignores_small_words():
    assert nearby.text_similarity("Lampadaire éteint", "lampadaire eteint !") == 1.0
    assert nearby.text_similarity("le de la", "le de la") == 0.0
    assert 0 < nearby.text_similarity("Nid-de-poule profond", "nid de poule") < 1
