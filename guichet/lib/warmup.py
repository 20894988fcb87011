"""What a web worker prepares as it starts, so that no visitor's request waits for it.

Each of these was paid by a worker's first request (and again after each restart by gunicorn's
``--max-requests``), measured on a submission: the URL configuration and every view (0.2–0.4 s), the reverse
index behind ``reverse()`` and ``redirect()``, the email validator's domain pattern (about 70 ms: a large Unicode
class), the Redis client library (when the cache is Redis) and the holidays' country tables (0.05–0.1 s each).
Nothing here reads the database or the cache: a worker starts even while they are unreachable.
"""

from importlib import import_module

from django.conf import settings
from django.core.validators import validate_email
from django.urls import resolve, reverse


def warm_up() -> None:
    resolve("/")  # imports the URL configuration and, through it, every view
    reverse("portal:home")  # builds the reverse index (for the default language)
    validate_email("bonjour@example.org")  # compiles the validator's lazy patterns
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        import_module("redis")  # the cache's first use in each process imports its client
    import_module("holidays.countries")  # the first deadline computed loads the country tables
