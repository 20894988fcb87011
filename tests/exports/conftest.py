import csv
import io

import pytest
from django.urls import reverse

from guichet.organisation.models import Role
from tests import factories
from tests.statistics.conftest import dataset  # noqa: F401  (the hand-computed tickets of the metrics)


@pytest.fixture
def reception(db):
    return factories.AgentFactory(role=Role.RECEPTION).user


def export(client, query: str = "", **options):
    """POST the inbox's export form, ``query`` being the inbox's query string."""
    data = {"format": "csv", **options}
    return client.post(reverse("backoffice:export_inbox") + (f"?{query}" if query else ""), data)


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response, separator: str = ",") -> list[list[str]]:
    text = content(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=separator))
