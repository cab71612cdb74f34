"""Test settings: the production module, with what tests need changed.

pytest-django imports settings before any conftest, so these live in a module.
"""

import os

os.environ.setdefault("DEBUG", "True")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from .settings import *  # noqa: E402,F403
from .settings import CELERY_BROKER_URL  # noqa: E402

# Each test session gets its own queue, so a stray worker on the same Redis cannot steal
# tasks and run them against another database.
CELERY_TASK_DEFAULT_QUEUE = f"pytest-{os.getpid()}"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Lockout is tested explicitly; elsewhere the test client logs in with force_login.
AXES_ENABLED = False
WORKER_TESTS = bool(CELERY_BROKER_URL)
# The embedded test worker must not recover jobs on its own: tests that need recovery call it,
# or start a worker process of their own (tests/test_worker_faults.py).
JOB_RECOVER_ON_WORKER_START = False
# Rates are tested explicitly (tests/cadm/api/test_throttling.py); elsewhere a test user's
# requests would count across tests that reuse its id.
API_THROTTLE_RATES = {"anon": None, "user": None}
