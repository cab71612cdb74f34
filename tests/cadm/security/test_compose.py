"""docker-compose.yml: no secret in the file and none with a default, secrets mounted as files
that git and the image build leave out, the application containers as an unprivileged user.
(CI also validates the file with docker-compose itself: .ci/run.)"""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = ("web", "worker", "beat")
SECRETISH = re.compile(r"SECRET|PASSWORD|TOKEN|KEY", re.IGNORECASE)


def _environment(service: str) -> dict:
    return COMPOSE["services"][service].get("environment") or {}


@pytest.mark.parametrize("service", ["db", "redis", *APP_SERVICES])
def test_no_secret_is_written_or_defaulted(service):
    for name, value in _environment(service).items():
        if SECRETISH.search(name) and not name.endswith("_FILE"):
            # Passed on from the operator's environment only, never given a value here.
            assert value is None, f"{service}: {name} has a value in docker-compose.yml"
    url = _environment(service).get("DATABASE_URL")
    if url:
        assert not re.search(r"//[^/@]*:[^/@]*@", url), "a password in DATABASE_URL"


def test_no_interpolated_secret_has_a_default():
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"\$\{\w*(SECRET_KEY|PASSWORD|TOKEN)\w*:?-", text)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_app_reads_its_secrets_from_mounted_files(service):
    env = _environment(service)
    assert env["SECRET_KEY_FILE"] == "/run/secrets/secret_key"
    assert env["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert set(COMPOSE["services"][service]["secrets"]) == {"secret_key", "db_password"}


def test_postgres_reads_the_same_password_file():
    db = COMPOSE["services"]["db"]
    assert db["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert "POSTGRES_PASSWORD" not in db["environment"]
    assert db["secrets"] == ["db_password"]
    assert set(COMPOSE["secrets"]) == {"secret_key", "db_password"}
    for secret in COMPOSE["secrets"].values():
        assert secret["file"].startswith("${CADM_SECRETS_DIR:-./secrets}/")


def test_the_secret_files_stay_out_of_git_and_the_image(tmp_path):
    ignore = (ROOT / "secrets" / ".gitignore").read_text().split()
    assert "*" in ignore and "!.gitignore" in ignore
    docker_ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"secrets", ".secret_key", ".env"} <= set(docker_ignored)


def test_the_app_containers_run_unprivileged():
    instructions = [line.split(None, 1) for line in (ROOT / "Dockerfile").read_text().splitlines()
                    if line.strip() and not line.startswith(("#", " "))]
    users = [args.strip() for op, *rest in instructions if op == "USER" for args in rest]
    assert users and users[-1] not in {"root", "0", "0:0"}
    for service in APP_SERVICES:
        spec = COMPOSE["services"][service]
        assert spec.get("user") in {None, users[-1]}  # no override back to root
        assert spec["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in spec["security_opt"]
