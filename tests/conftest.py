import os
import socket
import time
import types
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import django_ratelimit.core
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase

from guichet.catalogue import published
from guichet.organisation.models import Commune, Role
from tests import factories
from tests.places.ban_server import StandInBan
from tests.s3 import any_storage, s3_server, s3_storage  # noqa: F401 (fixtures: files on disk and on S3)

# Playwright's sync API runs an event loop in the test thread; the ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Hypothesis (tests/fuzz, schemathesis): "ci", the default, is bounded and derandomised, so every run tries the
# same examples; HYPOTHESIS_PROFILE=explore searches more and longer, keeping what fails in var/hypothesis.
_FIXTURES_ACROSS_EXAMPLES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
hypothesis_settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_FIXTURES_ACROSS_EXAMPLES,
)
hypothesis_settings.register_profile(
    "explore",
    max_examples=2000,
    deadline=None,
    database=DirectoryBasedExampleDatabase(str(Path(__file__).resolve().parent.parent / "var" / "hypothesis")),
    suppress_health_check=_FIXTURES_ACROSS_EXAMPLES,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _postgresql_flush_deletes_rows() -> Iterator[None]:
    """After each ``transaction=True`` test Django empties every table. On PostgreSQL its TRUNCATE of all of them
    costs one to three seconds (new files for each table and index, synced at commit), when a DELETE of the few rows
    a test wrote takes milliseconds: the same empty tables, with the foreign keys (all deferrable) checked at the
    end of the flush's transaction. Sequences are not reset either way, as with Django's own flush."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        deletes = [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};" for t in tables]
        return ["SET CONSTRAINTS ALL DEFERRED;", *deletes]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = truncate  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _french_by_default() -> Iterator[None]:
    # LocaleMiddleware activates a request's language without resetting it: never inherit one.
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fresh_commune_cache() -> Iterator[None]:
    Commune.forget_cached()
    published.forget()
    yield
    Commune.forget_cached()
    published.forget()


@pytest.fixture(autouse=True)
def _still_rate_limit_clock(monkeypatch) -> None:
    # django-ratelimit counts in fixed windows (a minute for "3/m"): a test whose requests straddle a window's end
    # sees its count start again, and a "fourth request refused" fails about once in sixty runs of a one-second
    # test. Its clock stands still during each test; the product's is the real one.
    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))


def isolated_settings(folder: Path) -> dict[str, object]:
    """What every test runs with: its files, texts, emails and cache in its own folder, a quick password hasher,
    no second factor, never the public BAN API. A module-scoped fixture that writes data applies them too."""
    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],  # speed only
        "MEDIA_ROOT": folder / "media",
        "SMS_FILE_PATH": folder / "sms",
        "EMAIL_FILE_PATH": folder / "mail",
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(folder)}},
        # Personas sign in with force_login; tests/signin/ turns the second factor on where it is the subject.
        "GUICHET_2FA_REQUIRED": False,
        # A closed local port fails at once (the offline index answers); the ``ban_api`` fixture starts the
        # stand-in. Its answers are cached: each test starts with none.
        "GUICHET_BAN_API_URL": "http://127.0.0.1:9",
        "GUICHET_BAN_CITYCODES": [],
    }


@pytest.fixture(autouse=True)
def _isolated(request, settings, tmp_path) -> None:
    for name, value in isolated_settings(tmp_path).items():
        setattr(settings, name, value)
    # `make test` runs the file tests marked with `any_storage` on both; GUICHET_TEST_STORAGE=s3 runs every test's
    # files in a bucket of the local S3 server (tests that read MEDIA_ROOT themselves then fail: they are disk-only).
    if os.environ.get("GUICHET_TEST_STORAGE") == "s3" and "any_storage" not in request.fixturenames:
        request.getfixturevalue("s3_storage")


# Personas -------------------------------------------------------------------------------------


@pytest.fixture
def ban_api(settings) -> Iterator[StandInBan]:
    """The local stand-in of the BAN API (tests/places/ban_server.py), on a free port, limited to 38998."""
    stand_in = StandInBan().start()
    settings.GUICHET_BAN_API_URL = stand_in.url
    settings.GUICHET_BAN_CITYCODES = ["38998"]
    settings.GUICHET_BAN_TIMEOUT_SECONDS = 0.5
    yield stand_in
    stand_in.stop()


@pytest.fixture
def commune(db):
    return factories.CommuneFactory()


@pytest.fixture
def service(db):
    return factories.ServiceFactory(name="Voirie", slug="voirie", email="voirie@mairie.test")


@pytest.fixture
def other_service(db):
    return factories.ServiceFactory(name="État civil", slug="etat-civil", email="etat-civil@mairie.test")


@pytest.fixture
def agent(service):
    return factories.AgentFactory(services=[service]).user


@pytest.fixture
def other_agent(other_service):
    return factories.AgentFactory(services=[other_service]).user


@pytest.fixture
def supervisor(db):
    return factories.AgentFactory(role=Role.SUPERVISOR).user


@pytest.fixture
def request_type(service, commune):
    return factories.RequestTypeFactory(service=service, with_fields=True)


@pytest.fixture
def citizen(db):
    return factories.CitizenFactory()


@pytest.fixture
def ticket(request_type, citizen):
    return factories.make_ticket(request_type=request_type, citizen=citizen)


# Real local components ------------------------------------------------------------------------


class SmtpCapture:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpCapture]:
    """A real SMTP server on loopback; Django's SMTP backend delivers to it."""
    capture = SmtpCapture()
    controller = Controller(capture, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    try:
        yield capture
    finally:
        controller.stop()


def queued_tasks() -> list[str]:
    """The queued task functions, by name (what a submission left for the worker)."""
    from django_tasks_db.models import DBTaskResult

    return sorted(path.rsplit(".", 1)[-1] for path in DBTaskResult.objects.values_list("task_path", flat=True))


def build_facts() -> int:
    """What the worker does for each new ticket besides its acknowledgement and alerts (``tickets.services.
    ticket_received``): the statistics' facts and day counts of the tickets that have none yet. For tests that read figures right after creating
    tickets, without running the worker."""
    from guichet.tickets.facts import facts_build_missing
    from guichet.tickets.models import TicketFacts

    return facts_build_missing(TicketFacts)


def day_counts() -> Counter:
    """The statistics' per-day counts as they stand, by key (the rows above zero): to compare with a rebuild."""
    from guichet.tickets.models import TicketDayCount

    rows = TicketDayCount.objects.filter(n__gt=0).values_list(*TicketDayCount.KEY, "n")
    return Counter({row[:-1]: row[-1] for row in rows})


@pytest.fixture
def run_worker():
    """Run the real task worker until the queue is empty (use with django_db(transaction=True))."""

    def run() -> None:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    return run


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    """The loopback OpenID Connect provider (tests/oidc_op/, django-oidc-provider), one per test session."""
    from tests.accounts.oidc import run_oidc_provider

    yield from run_oidc_provider(live_server)
