"""The export the statistics page calls: the tickets received in its period, narrowed by its dimensions."""

import csv
import io

import pytest

from guichet.exports import services
from guichet.exports.statistics_source import SOURCE

pytestmark = pytest.mark.django_db


def exported(user, **filters) -> list[str]:
    export = services.export_request(
        user=user, source=SOURCE, filters={key: [value] for key, value in filters.items()}, format="csv"
    )
    text = b"".join(services.export_csv_chunks(export)).decode().removeprefix("\ufeff")
    return [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]


def test_the_tickets_received_in_the_period_and_the_service(dataset, supervisor):
    may = exported(supervisor, debut="2026-05-01", fin="2026-05-31")
    received_in_may = [dataset.a, dataset.f, dataset.h, dataset.g, dataset.b, dataset.c, dataset.j, dataset.e]
    assert sorted(may) == sorted(t.reference_display for t in [*received_in_may, dataset.d])
    only_other = exported(supervisor, debut="2026-05-01", fin="2026-05-31", service=str(dataset.other_type.service.pk))
    assert only_other == [dataset.h.reference_display]
    assert exported(supervisor, debut="2026-05-01", fin="2026-05-31", canal="email") == [dataset.g.reference_display]


def test_an_agent_of_another_service_exports_only_theirs(dataset, other_agent):
    assert exported(other_agent, debut="2026-05-01", fin="2026-05-31") == [dataset.h.reference_display]


def test_a_malformed_period_falls_back_to_the_last_twelve_months(dataset, supervisor):
    assert exported(supervisor, debut="2026-13-01", fin="nope") == exported(supervisor)


def test_citizen_columns_are_refused_to_the_front_desk(dataset, reception):
    with pytest.raises(services.CitizenDataRefused):
        services.export_request(user=reception, source=SOURCE, filters={}, format="csv", with_citizen=True)
