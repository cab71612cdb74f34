import os
import subprocess
import sys

import pytest
from django.conf import settings


def _settings_in_subprocess(env: dict) -> subprocess.CompletedProcess:
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='cadm.settings'; "
            "django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'])")
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    # The checkout's .secret_key (written by `make install`) is not read unless asked.
    clean["SECRET_KEY_FILE"] = ""
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env},
                          capture_output=True, text=True, cwd=settings.BASE_DIR)


def test_secret_key_is_required_without_debug():
    result = _settings_in_subprocess({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is False" in result.stderr


def test_defaults_are_production_safe_with_sqlite():
    result = _settings_in_subprocess({"SECRET_KEY": "x" * 50})
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]


@pytest.mark.parametrize("url,engine", [
    ("postgres://u@127.0.0.1:5432/x", "django.db.backends.postgresql"),
    ("sqlite:////tmp/x.sqlite3", "django.db.backends.sqlite3"),
])
def test_database_url_picks_the_engine(url, engine):
    result = _settings_in_subprocess({"DEBUG": "True", "DATABASE_URL": url})
    assert result.stdout.split() == ["True", engine], result.stderr


def test_time_is_utc():
    assert settings.TIME_ZONE == "UTC" and settings.USE_TZ and settings.CELERY_TIMEZONE == "UTC"


def test_the_secret_key_may_come_from_a_file(tmp_path):
    key = tmp_path / "secret"
    key.write_text("k" * 50 + "\n")
    result = _settings_in_subprocess({"SECRET_KEY_FILE": str(key)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]
