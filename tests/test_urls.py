"""The URL configuration: no route is hidden by one listed before it.

Django tries the patterns in order and takes the first that matches. guichet/urls.py lists the citizens' pages
first (the busiest); this walks every route of the project, Django's admin and allauth's included, fills its
parameters with sample values, and checks that the path resolves to that same route.
"""

import re

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

SAMPLES = {
    "str": "abc",
    "slug": "abc",
    "segment": "abc",
    "int": "7",
    "uuid": "12345678-1234-5678-1234-567812345678",
    "path": "a/b",
}
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # regular expressions (none of ours): no sample can be made for them
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _sample(route: str) -> str:
    return "/" + PARAMETER.sub(lambda m: SAMPLES[m.group("converter") or "str"], route)


def test_every_route_resolves_to_itself_and_not_to_one_listed_before_it():
    routes = list(_routes(get_resolver()))
    assert "suivi/<str:reference>/" in routes and "suivi/telecharger/<str:token>/" in routes
    hidden = {route: resolve(_sample(route)).route for route in routes if resolve(_sample(route)).route != route}
    assert hidden == {}
