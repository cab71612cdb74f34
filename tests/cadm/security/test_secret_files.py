"""Secrets from files (NAME_FILE, as docker-compose.yml mounts them) or the environment (NAME,
which wins): the secret key and the database password."""

import os
import subprocess
import sys

from django.conf import settings

SHOW = ("import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY); print(settings.DATABASES['default'].get('PASSWORD'))")


def _settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DATABASE_PASSWORD",
                          "DATABASE_PASSWORD_FILE", "DJANGO_SETTINGS_MODULE"}}
    clean.update(SECRET_KEY_FILE="", DJANGO_SETTINGS_MODULE="cadm.settings",
                 DATABASE_URL="postgres://cadm@db:5432/cadm")
    return subprocess.run([sys.executable, "-c", SHOW], env={**clean, **env},
                          capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=60)


def test_both_secrets_from_files_without_their_final_newline(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 50 + "\n")
    (tmp_path / "db_password").write_text("s3cret pass\n")
    result = _settings({"SECRET_KEY_FILE": str(tmp_path / "secret_key"),
                        "DATABASE_PASSWORD_FILE": str(tmp_path / "db_password")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["k" * 50, "s3cret pass"]


def test_the_environment_wins_over_the_files(tmp_path):
    (tmp_path / "secret_key").write_text("f" * 50)
    (tmp_path / "db_password").write_text("from-file")
    result = _settings({"SECRET_KEY": "e" * 50, "DATABASE_PASSWORD": "from-env",
                        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
                        "DATABASE_PASSWORD_FILE": str(tmp_path / "db_password")})
    assert result.stdout.splitlines() == ["e" * 50, "from-env"]


def test_without_a_password_setting_the_url_decides():
    result = _settings({"SECRET_KEY": "e" * 50,
                        "DATABASE_URL": "postgres://cadm:in-url@db:5432/cadm"})
    assert result.stdout.splitlines() == ["e" * 50, "in-url"]


def test_a_named_file_that_cannot_be_read_stops_the_start(tmp_path):
    missing = tmp_path / "nowhere" / "db_password"
    result = _settings({"SECRET_KEY": "e" * 50, "DATABASE_PASSWORD_FILE": str(missing)})
    assert result.returncode != 0
    assert f"DATABASE_PASSWORD_FILE: cannot read {missing}" in result.stderr
    empty = tmp_path / "secret_key"
    empty.write_text("\n")
    result = _settings({"SECRET_KEY_FILE": str(empty)})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
