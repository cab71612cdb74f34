"""Settings of the benchmark's processes (bench/run.py and the workers and gunicorn it starts):
the project's own (cadm/settings.py, read from the environment, DEBUG off as in production),
with static files served as they are, so that no `collectstatic` writes into the checkout."""

import warnings

from cadm.settings import *  # noqa: F403
from cadm.settings import STORAGES

# WhiteNoise looks for STATIC_ROOT (collected files), which the benchmark does not need.
warnings.filterwarnings("ignore", "No directory at", UserWarning)

STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
