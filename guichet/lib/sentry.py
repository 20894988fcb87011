"""Errors to Sentry, or a service speaking its protocol (GlitchTip, Bugsink), when SENTRY_DSN is set."""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration


def sentry_init(*, dsn: str, environment: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        # Citizens' names, addresses and messages stay here: no cookies, headers, user ids or request bodies.
        send_default_pii=False,
        # A stack frame's variables hold query parameters: citizens' emails, names, session keys, tokens.
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
    )
