"""cadm.settings as production runs them (the environment decides: DEBUG off, the key, plain
HTTP), with this test run's collected static files (tests/cadm/security/
test_headers_gunicorn.py): STATIC_ROOT is the one setting the environment cannot name."""

import os

from cadm.settings import *  # noqa: F403

STATIC_ROOT = os.environ["HEADERS_TEST_STATIC_ROOT"]
