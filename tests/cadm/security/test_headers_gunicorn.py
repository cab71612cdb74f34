"""Security headers as a browser gets them from gunicorn with production settings (DEBUG off,
WhiteNoise serving the collected static files), on a patient page, an API response and a
static file: a Content-Security-Policy without inline script, nosniff, no framing, a
Referrer-Policy, `Cache-Control: no-store` on everything but the static file, and no server
version.

gunicorn runs on a free loopback port against this test's database (PostgreSQL: the test
database itself; SQLite: a file copy of the in-memory one). Its requests carry a session cookie
made with SessionStore, or an API token."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from cadm.services.api_tokens import api_token_create
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)

GUNICORN = Path(sys.executable).with_name("gunicorn")
# Collected without the admin's, DRF's and the API docs' files: compressing the Swagger UI and
# Redoc bundles takes a minute and more, and the pages fetched here use none of them.
NOT_COLLECTED = ("drf_spectacular_sidecar", "admin", "rest_framework", "django_celery_beat",
                 "simple_history")


def _environment(**extra) -> dict:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_"))
            and k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL"}}
    return {**keep, "PYTHONPATH": str(settings.BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "tests.cadm.security.gunicorn_settings",
            # The test's key: the session cookie below was signed with it.
            "DEBUG": "False", "SECRET_KEY": settings.SECRET_KEY,
            "SECURE_SSL_REDIRECT": "False", "ALLOWED_HOSTS": "127.0.0.1", **extra}


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    ignore = [arg for name in NOT_COLLECTED for arg in ("-i", name)]
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", *ignore],
        cwd=settings.BASE_DIR, env=_environment(HEADERS_TEST_STATIC_ROOT=str(root)),
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _database_url(tmp_path) -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user, password = (quote(db[key] or "", safe="") for key in ("USER", "PASSWORD"))
        return (f"postgres://{user}:{password}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}")
    copy = tmp_path / "db.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    return f"sqlite:///{copy}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world(rheumatologist, site):
    patient = PatientFactory(site=site, family_name="Headerpatient")
    session = SessionStore()
    session.update({SESSION_KEY: str(rheumatologist.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: rheumatologist.get_session_auth_hash()})
    session.create()
    _, token = api_token_create(actor=rheumatologist, name="headers")
    return {"patient": patient, "cookie": f"sessionid={session.session_key}", "token": token}


@pytest.fixture
def gunicorn(world, static_root, tmp_path):
    """The base URL of a gunicorn serving cadm.wsgi with production settings."""
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [str(GUNICORN), "cadm.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "60"],
        cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        env=_environment(HEADERS_TEST_STATIC_ROOT=str(static_root),
                         DATABASE_URL=_database_url(tmp_path)))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gunicorn did not start:\n{log.read()}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, **headers):
    """(status, headers, body) with no redirect followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_security_headers(headers) -> None:
    policy = directives(headers["Content-Security-Policy"])
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts == ["'self'"], policy  # no 'unsafe-inline', 'unsafe-eval', host or nonce
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert not re.search(r"\d", headers.get("Server", "")), headers.get("Server")


def no_store(headers) -> bool:
    return "no-store" in [d.strip() for d in headers.get("Cache-Control", "").split(",")]


def test_headers_of_a_patient_page_an_api_response_and_a_static_file(gunicorn, world):
    patient = world["patient"]

    status, headers, page = fetch(f"{gunicorn}/patients/{patient.public_id}/",
                                  Cookie=world["cookie"], Accept="text/html")
    assert status == 200 and "Headerpatient" in page
    assert_security_headers(headers)
    assert no_store(headers)
    # What the policy would block is not there to block: no inline script or handler.
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)
    assert not re.search(r"<[^>]+\son[a-z]+=", page)

    status, headers, body = fetch(f"{gunicorn}/api/v1/patients/{patient.public_id}/",
                                  Authorization=f"Token {world['token']}")
    assert status == 200 and '"family_name":"Headerpatient"' in body.replace(" ", "")
    assert_security_headers(headers)
    assert no_store(headers)

    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/static/cadm\.[0-9a-f]{12}\.css", stylesheet)  # fingerprinted
    status, headers, css = fetch(f"{gunicorn}{stylesheet}")
    assert status == 200 and ":root" in css
    assert_security_headers(headers)
    assert not no_store(headers)
    assert "immutable" in headers["Cache-Control"]  # WhiteNoise's, for a fingerprinted file


def test_without_a_session_the_page_sends_to_the_login_and_stores_nothing(gunicorn, world):
    status, headers, _ = fetch(f"{gunicorn}/patients/{world['patient'].public_id}/")
    assert status == 302 and headers["Location"].startswith("/accounts/login/")
    assert_security_headers(headers)
    assert no_store(headers)
    status, headers, page = fetch(f"{gunicorn}/accounts/login/")
    assert status == 200 and 'name="password"' in page
    assert_security_headers(headers)
