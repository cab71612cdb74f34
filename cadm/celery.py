"""Celery app, configured from Django settings (CELERY_* names).

Periodic schedules are declared here, in UTC, one comment per entry.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadm.settings")

app = Celery("cadm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {}
