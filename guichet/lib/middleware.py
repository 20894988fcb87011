"""Security headers every response carries, the admin's included; agents' idle sessions end."""

import base64
import functools
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import django.contrib.admin
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

# Everything is served by the application itself: no inline script, no third party.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def policy(*, admin: bool = False) -> str:
    # Signing in with an identity provider posts a form whose redirect leaves for the provider.
    base = POLICY
    if admin:
        # Django's admin has no inline script, but its change list may print one fixed <style> block:
        # allowed by its hash, never by 'unsafe-inline'.
        hashes = " ".join(f"'sha256-{digest}'" for digest in admin_inline_style_hashes())
        base = base.replace("style-src 'self';", f"style-src 'self' {hashes};")
    return " ".join([base, *settings.CSP_FORM_ACTION])


@functools.cache
def admin_inline_style_hashes() -> tuple[str, ...]:
    """The hashes of the <style> blocks in Django's admin templates, read from the installed Django itself
    (their text is printed verbatim, so a Django upgrade cannot silently break the admin's layout)."""
    templates = Path(django.contrib.admin.__file__).parent / "templates"
    digests = set()
    for template in sorted(templates.rglob("*.html")):
        for block in INLINE_STYLE.findall(template.read_text(encoding="utf-8")):
            digests.add(base64.b64encode(hashlib.sha256(block.encode()).digest()).decode())
    return tuple(sorted(digests))


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        admin = match is not None and match.namespace == "admin"
        # setdefault: a view may set a stricter policy of its own (e.g. sandbox for uploaded files).
        response.headers.setdefault("Content-Security-Policy", policy(admin=admin))
        return response


AGENT_LAST_SEEN = "_guichet_agent_seen"  # session key: when the agent was last active (epoch seconds)
ACTIVITY_RESOLUTION = 60  # seconds: the session is written at most once a minute to record activity


class AgentIdleTimeoutMiddleware:
    """Signs out an agent (or a staff user of the admin) idle for ``GUICHET_AGENT_IDLE_SECONDS``; any request
    counts as activity. Citizens' sessions are left as they are: they are not the back office's keys."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and _is_back_office(user):
            now = timezone.now().timestamp()
            last_seen = request.session.get(AGENT_LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.GUICHET_AGENT_IDLE_SECONDS:
                logout(request)  # a new, empty session: what follows sees an anonymous visitor
                hours = settings.GUICHET_AGENT_IDLE_SECONDS / 3600
                messages.info(
                    request,
                    _("Votre session a expiré après %(hours)s h sans activité : reconnectez-vous.")
                    % {"hours": f"{hours:g}"},
                )
            elif last_seen is None or now - last_seen >= ACTIVITY_RESOLUTION:
                request.session[AGENT_LAST_SEEN] = now
        return self.get_response(request)


@receiver(user_logged_in)
def record_sign_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Signing in is activity: recorded in the new session, so the first page does not write it again.
    Connected by ``BackofficeConfig.ready``."""
    if request is not None and hasattr(request, "session") and _is_back_office(user):
        request.session[AGENT_LAST_SEEN] = timezone.now().timestamp()


def _is_back_office(user) -> bool:
    from guichet.tickets.permissions import agent_of  # the domain's rule, loaded once the apps are ready

    return user.is_staff or agent_of(user) is not None
