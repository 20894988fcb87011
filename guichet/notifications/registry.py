"""What the apps above notifications plug into it, each from its ``AppConfig.ready()``.

notifications is below tickets, accounts and the mail room (docs/ARCHITECTURE.md, "Layers"): it never
imports them. Instead:

* the app that owns a secret a message carries says how to mint it when the message is sent and how to
  withdraw it if the sending fails (tickets: personal links and access codes; accounts: the phone code);
* tickets records the outcome of a ticket's notification on its timeline (its only writer);
* tickets adds what the acknowledgement must state (CRPA R112-5) to its context;
* the mail room provides the post: a citizen answered by post gets a letter, a row inserted in the
  caller's transaction like every notification;
* tickets gives the worker a periodic job: the escalation of targets about to be missed or missed.
* an app with a daily job (retention) registers its task: the workers queue it once a day (``daily.py``);
* an app whose task may simply run again after it failed says so (tickets: what follows a new ticket): the
  recovery sweep (``sweep.py``) queues it again, up to GUICHET_TASK_MAX_RUNS runs;
* an app whose task delivers notifications itself (tickets: a new ticket's acknowledgement, sent by the task
  that follows the ticket) says so: the sweep counts them queued while that task waits or runs.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from guichet.citizens.models import Citizen
from guichet.notifications.models import Notification
from guichet.tickets.models import Ticket


@dataclass(frozen=True)
class Secret:
    """A secret minted per sending, so that no raw secret is ever stored; only its hash is kept."""

    # "token" (the personal link of the message), "code", "survey" (a satisfaction survey's link) or "url" (a
    # whole link the owner app signs).
    kind: str
    # None: nothing left to send (the secret was withdrawn meanwhile, e.g. the account was deleted).
    issue: Callable[[Notification], str | None]
    withdraw: Callable[[Notification, str], None]


class EventRecorder(Protocol):
    def __call__(self, *, ticket: Ticket, kind: str, data: dict[str, str], actor: Any = None) -> object: ...


class PostTransport(Protocol):
    """The author's letter (``follower`` None), or a follower's (issue 17): ``key`` makes it once, ``context``
    says what changed."""

    def __call__(
        self,
        *,
        ticket: Ticket,
        template: str,
        message_id: int | None,
        follower: Citizen | None = None,
        key: str = "",
        context: dict[str, Any] | None = None,
    ) -> object: ...


class ContextProvider(Protocol):
    def __call__(self, ticket: Ticket) -> dict[str, Any]: ...


_secrets: dict[str, Secret] = {}
_context_providers: dict[str, ContextProvider] = {}
_event_recorders: list[EventRecorder] = []
_post_transports: list[PostTransport] = []
_periodic_jobs: dict[str, Callable[[], object]] = {}
_daily_tasks: list[Any] = []
_rerunnable_task_paths: set[str] = set()
_delivering_task_paths: set[str] = set()


def register_secret(templates: Iterable[str], secret: Secret) -> None:
    for template in templates:
        if _secrets.get(template, secret) != secret:
            raise ImproperlyConfigured(f"Two secrets registered for the notification template {template!r}")
        _secrets[template] = secret


def secret_for(template: str) -> Secret | None:
    return _secrets.get(template)


def register_context(templates: Iterable[str], provider: ContextProvider) -> None:
    """What a template says about its ticket beyond the ticket itself (tickets: the acknowledgement's mentions)."""
    for template in templates:
        if _context_providers.get(template, provider) != provider:
            raise ImproperlyConfigured(f"Two context providers registered for the template {template!r}")
        _context_providers[template] = provider


def context_for(template: str, ticket: Ticket) -> dict[str, Any]:
    provider = _context_providers.get(template)
    return provider(ticket) if provider else {}


def register_event_recorder(recorder: EventRecorder) -> None:
    _set_one(_event_recorders, recorder, "ticket event recorder")


def event_recorder() -> EventRecorder:
    if not _event_recorders:
        raise ImproperlyConfigured("No ticket event recorder registered (guichet.tickets is not installed?)")
    return _event_recorders[0]


def register_post_transport(transport: PostTransport) -> None:
    _set_one(_post_transports, transport, "post transport")


def post_transport() -> PostTransport | None:
    """None without the mail room: answers then go by email and SMS only."""
    return _post_transports[0] if _post_transports else None


def _set_one(slot: list, value: Callable, what: str) -> None:
    if slot and slot[0] != value:
        raise ImproperlyConfigured(f"A {what} is already registered: {slot[0]!r}")
    slot[:] = [value]


def register_periodic_job(name: str, job: Callable[[], object]) -> None:
    """A job every ``guichet_worker`` runs beside the recovery sweep (tickets: the escalation of targets)."""
    if _periodic_jobs.get(name, job) != job:
        raise ImproperlyConfigured(f"Two periodic jobs registered as {name!r}")
    _periodic_jobs[name] = job


def periodic_jobs() -> dict[str, Callable[[], object]]:
    return dict(_periodic_jobs)


def register_daily_task(task: Any) -> None:
    """A django-tasks task without arguments that the workers queue once a day (it must be safe to run again)."""
    if all(registered.module_path != task.module_path for registered in _daily_tasks):
        _daily_tasks.append(task)


def daily_tasks() -> list[Any]:
    return list(_daily_tasks)


def register_rerunnable_task(task: Any) -> None:
    """A django-tasks task that creates nothing twice when run again: the sweep requeues it after a failure."""
    _rerunnable_task_paths.add(task.module_path)


def rerunnable_task_paths() -> frozenset[str]:
    return frozenset(_rerunnable_task_paths)


def register_delivering_task(task: Any) -> None:
    """A django-tasks task whose ``deliver`` keyword argument lists the notifications it delivers (``delivery.
    deliver``) instead of their own delivery task; it must be rerunnable, and send none twice."""
    _delivering_task_paths.add(task.module_path)


def delivering_task_paths() -> frozenset[str]:
    return frozenset(_delivering_task_paths)
