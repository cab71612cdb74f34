"""Production settings pass `manage.py check --deploy --fail-level WARNING`; each HTTPS setting
comes from the environment with a safe default; `make run` (DEBUG on, plain HTTP) keeps none of
them; behind a TLS-terminating proxy the site knows a request was HTTPS."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

# What an operator sets at the least: a real key and the host name.
PRODUCTION = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "cadm.example.org"}


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests' setting
             and not k.startswith(("SECURE_", "SESSION_", "CSRF_"))}
    clean["SECRET_KEY_FILE"] = ""  # not the checkout's .secret_key
    clean["DJANGO_SETTINGS_MODULE"] = "cadm.settings"
    return subprocess.run([sys.executable, *args], env={**clean, **env}, capture_output=True,
                          text=True, cwd=settings.BASE_DIR, timeout=120)


def deploy_check(**env) -> subprocess.CompletedProcess:
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                {**PRODUCTION, **env})


def settings_of(names: list[str], **env) -> list[str]:
    code = ("import django; django.setup(); from django.conf import settings; "
            f"print(*(repr(getattr(settings, n, None)) for n in {names!r}), sep='\\n')")
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("env", [
    {},
    {"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO", "TRUSTED_PROXY_COUNT": "1"},
    {"SECURE_HSTS_PRELOAD": "True"},
], ids=["defaults", "behind-a-proxy", "preload"])
def test_production_settings_pass_the_deploy_check(env):
    result = deploy_check(**env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_check_fails_when_protections_are_turned_off():
    result = deploy_check(SECURE_SSL_REDIRECT="False", SECURE_HSTS_SECONDS="0",
                          SESSION_COOKIE_SECURE="False", CSRF_COOKIE_SECURE="False",
                          SECRET_KEY="short-key")
    assert result.returncode != 0
    for warning in ("W008", "W004", "W012", "W016", "W009"):
        assert f"security.{warning}" in result.stderr
    without_subdomains = deploy_check(SECURE_HSTS_INCLUDE_SUBDOMAINS="False")
    assert without_subdomains.returncode != 0 and "security.W005" in without_subdomains.stderr


def test_production_defaults():
    assert settings_of(["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
                        "SILENCED_SYSTEM_CHECKS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                        "SECURE_PROXY_SSL_HEADER", "SECURE_REFERRER_POLICY"], **PRODUCTION) == [
        "True", "31536000", "True", "False", "['security.W021']", "True", "True", "None",
        "'same-origin'"]


def test_make_run_keeps_plain_http_on_loopback():
    assert settings_of(["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE",
                        "CSRF_COOKIE_SECURE"], DEBUG="True") == ["False", "0", "False", "False"]


def test_the_proxy_header_is_opt_in_and_checked():
    assert settings_of(["SECURE_PROXY_SSL_HEADER"], **PRODUCTION,
                       SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO") == [
        "('HTTP_X_FORWARDED_PROTO', 'https')"]
    wrong = _run(["-c", "import django; django.setup()"],
                 {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"})
    assert wrong.returncode != 0 and "HTTP_X_FORWARDED_PROTO for X-Forwarded-Proto" in wrong.stderr


@pytest.fixture
def https_only(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return Client()  # a new client loads the middleware with these settings


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(https_only):
    response = https_only.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


@pytest.mark.django_db
def test_behind_the_proxy_https_is_served_with_hsts(https_only):
    response = https_only.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_container_health_check_is_not_redirected(https_only):
    assert https_only.get("/healthz").status_code in {200, 503}
