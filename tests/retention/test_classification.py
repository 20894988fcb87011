"""Every text, JSON and file column of the project is classified in docs/RETENTION.md: a new one fails here
until someone decides whether the retention job must clean it."""

import re
from pathlib import Path

from django.apps import apps
from django.db import models

DOC = Path(__file__).resolve().parents[2] / "docs" / "RETENTION.md"
CLASSES = {"personal", "account", "staff", "config", "statistical", "technical", "security"}
TEXT_FIELDS = (models.CharField, models.TextField, models.FileField, models.JSONField, models.GenericIPAddressField)


def model_text_fields() -> set[str]:
    return {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("guichet.")
        for field in model._meta.concrete_fields
        if isinstance(field, TEXT_FIELDS)
    }


def documented() -> dict[str, str]:
    rows = re.findall(r"^\| `([\w.]+)` \| (\w+) \|", DOC.read_text(), flags=re.MULTILINE)
    return dict(rows)


def test_every_text_json_and_file_field_is_classified():
    table = documented()
    missing = sorted(model_text_fields() - set(table))
    assert not missing, f"Classify these fields in docs/RETENTION.md (personal or not): {missing}"


def test_the_table_names_only_existing_fields_with_a_known_class():
    table = documented()
    assert sorted(set(table) - model_text_fields()) == []
    assert {name: kind for name, kind in table.items() if kind not in CLASSES} == {}


def test_the_check_would_see_a_new_field():
    assert "tickets.Message.body" in model_text_fields()
    assert "tickets.Message.body" in documented()
