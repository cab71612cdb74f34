"""Celery app, configured from Django settings (CELERY_* names).

Periodic schedules are declared here, in UTC, one comment per entry.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadm.settings")

app = Celery("cadm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every minute: requeue jobs whose worker is gone, resend queued jobs whose message was lost.
    "jobs-recover": {"task": "cadm.tasks.jobs_recover_task", "schedule": 60.0},
    # 02:30 UTC: re-evaluate every patient as of the new day (time-driven flags).
    "daily-sweep": {"task": "cadm.tasks.daily_sweep_task", "schedule": crontab(hour=2, minute=30)},
}
