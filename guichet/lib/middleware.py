"""Security headers every response carries, the admin's included; agents' idle sessions end."""

import base64
import functools
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import django.contrib.admin
from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Everything is served by the application itself: no inline script, no third party (but the map tiles' server).
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def map_tiles_source() -> str:
    """The tile server of the maps (GUICHET_MAP_TILES_URL) as a CSP source: its {s} subdomains as a wildcard."""
    parts = urlsplit(settings.GUICHET_MAP_TILES_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = re.sub(r"^\{s\}\.", "*.", parts.netloc)
    if "{" in host or "}" in host:
        return ""
    return f"{parts.scheme}://{host}"


def policy(*, admin: bool = False) -> str:
    # Signing in with an identity provider posts a form whose redirect leaves for the provider.
    base = POLICY
    if tiles := map_tiles_source():
        # The maps' tiles are images from the tile server, the only third party a page may load.
        base = base.replace("img-src 'self' data:;", f"img-src 'self' data: {tiles};")
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
