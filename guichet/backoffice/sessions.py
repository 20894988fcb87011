"""Agents' sessions end after an idle period; citizens' sessions are not the back office's keys."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.organisation.roles import agent_of

AGENT_LAST_SEEN = "_guichet_agent_seen"  # session key: when the agent was last active (epoch seconds)
ACTIVITY_RESOLUTION = 60  # seconds: the session is written at most once a minute to record activity


class AgentIdleTimeoutMiddleware:
    """Signs out an agent (or a staff user of the admin) idle for ``GUICHET_AGENT_IDLE_SECONDS``; any request
    counts as activity. Citizens' sessions are left as they are: they are not the back office's keys."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a back-office sign-in marks its session (record_sign_in): a citizen's request costs no query here.
        last_seen = request.session.get(AGENT_LAST_SEEN) if request.user.is_authenticated else None
        if last_seen is not None:
            now = timezone.now().timestamp()
            if now - last_seen > settings.GUICHET_AGENT_IDLE_SECONDS:
                logout(request)  # a new, empty session: what follows sees an anonymous visitor
                hours = settings.GUICHET_AGENT_IDLE_SECONDS / 3600
                messages.info(
                    request,
                    _("Votre session a expiré après %(hours)s h sans activité : reconnectez-vous.")
                    % {"hours": f"{hours:g}"},
                )
            elif now - last_seen >= ACTIVITY_RESOLUTION:
                request.session[AGENT_LAST_SEEN] = now
        return self.get_response(request)


@receiver(user_logged_in)
def record_sign_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Signing in is activity: recorded in the new session, so the first page does not write it again.
    Connected by ``BackofficeConfig.ready``."""
    if request is not None and hasattr(request, "session") and _is_back_office(user):
        request.session[AGENT_LAST_SEEN] = timezone.now().timestamp()


def _is_back_office(user) -> bool:
    return user.is_staff or agent_of(user) is not None
