"""Files of the media storage that no row names any more (an upload whose transaction rolled back, a crash
between a commit and a file's deletion): deleted once a day old."""

import datetime

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

from guichet.lib.storage import stored_files

# Where the apps store personal files (tickets, mail room, email intake, letters).
PREFIXES = ("attachments", "mail", "courriels", "letters")
GRACE = datetime.timedelta(days=1)


def referenced_files() -> set[str]:
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                rows = model._default_manager.exclude(**{model_field.name: ""}).values_list(model_field.name, flat=True)
                names.update(name for name in rows.iterator() if name)
    return names


def orphan_files_delete() -> int:
    """On the real clock, whatever moment the job runs for: a file being uploaded now is never taken."""
    now = timezone.now()
    referenced = referenced_files()
    deleted = 0
    for prefix in PREFIXES:
        for name in stored_files(default_storage, prefix):
            if name in referenced or default_storage.get_modified_time(name) > now - GRACE:
                continue
            default_storage.delete(name)
            deleted += 1
    return deleted
