"""What Guichet refuses to start with in production: DEBUG off and a SITE_URL that other machines reach.

A SITE_URL on this machine's loopback (``make run``, the tests, a try-out) is not production: nobody else can
open its links, so the zero-config defaults stay usable there.
"""

from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
# Each process would count rate limits and keep cached status pages on its own.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def is_local_try_out(site_url: str) -> bool:
    host = (urlsplit(site_url).hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.endswith(".localhost")


def production_problems(*, debug: bool, site_url: str, secret_key_given: bool, caches: dict) -> list[str]:
    """Each reason to refuse the configuration, in plain words with the variable to set; empty: it may start."""
    if debug or is_local_try_out(site_url):
        return []
    problems = []
    if not secret_key_given:
        problems.append(
            "SECRET_KEY (or SECRET_KEY_FILE) is not set: give every server the same random key of 50 characters "
            "(the key made in GUICHET_VAR_DIR serves a try-out on one machine only)."
        )
    if urlsplit(site_url).scheme != "https":
        problems.append(
            f"SITE_URL must be an https:// address in production (links to citizens carry secrets), got {site_url!r}."
        )
    per_process = sorted(alias for alias, cache in caches.items() if cache.get("BACKEND") in PER_PROCESS_CACHES)
    if per_process:
        problems.append(
            f"CACHE_URL gives a per-process cache ({', '.join(per_process)}): rate limits and cached pages must be "
            "shared by every process; use db:// (the default) or redis://."
        )
    return problems
