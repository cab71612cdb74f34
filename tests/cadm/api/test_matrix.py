"""Every /api/v1/ route, found by walking the URL patterns (a route added later is covered
without anyone listing it): anonymous callers get 401 and a user without a role 403, for every
method the route serves, in the API's error shape. The per-role rows (who may, which site)
are in each resource's own tests."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver

from cadm.api import urls as api_urls
from tests.cadm.api.conftest import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CONVERTERS = {"uuid": str(uuid.UUID(int=7)), "int": "1", "str": "x", "slug": "x"}
ALLOWED_FOR_ANY_USER = {"api-me", "api-token-list", "api-token-detail"}


def routes():
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append((prefix + str(entry.pattern), entry))

    walk(api_urls.v1, "/api/v1/")
    return found


def concrete(route: str) -> str:
    for name, value in CONVERTERS.items():
        while f"<{name}:" in route:
            start = route.index(f"<{name}:")
            route = route[:start] + value + route[route.index(">", start) + 1:]
    return route


def methods(pattern: URLPattern) -> list[str]:
    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls",
                                                                     None)
    return sorted(m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m))


CASES = [(concrete(route), method, pattern.name) for route, pattern in routes()
         for method in methods(pattern)]


def test_the_matrix_covers_every_route():
    assert len({path for path, _, _ in CASES}) == len(routes()) >= 20


@pytest.mark.parametrize(("path", "method", "name"), CASES)
def test_anonymous_is_401_and_no_role_is_403(api, path, method, name):
    response = getattr(api, method)(path, {}, format="json")
    assert response.status_code == 401, response.content
    assert response.json()["error"]["status"] == 401
    if name in ALLOWED_FOR_ANY_USER:
        return
    nobody = token_client(UserFactory(username="norole", role=None))
    response = getattr(nobody, method)(path, {}, format="json")
    assert response.status_code == 403, (path, method, response.content)
    assert response.json()["error"]["status"] == 403
