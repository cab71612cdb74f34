"""Print what a backup must preserve: the row count of every table, and a checksum of the
flags (the product's output). `make backup-check` compares two databases with it."""

from __future__ import annotations

import hashlib
import json

from django.apps import apps
from django.core.management.base import BaseCommand

from cadm.models import Flag

# The columns that make a flag what it is; times in ISO form so that the text is stable.
FLAG_COLUMNS = ("id", "public_id", "patient_id", "code", "severity", "state",
                "evidence_digest", "ruleset_id", "opened_at", "updated_at", "snoozed_until",
                "resolved_at")


def data_fingerprint() -> dict:
    counts = {model._meta.db_table: model._default_manager.using("default").count()
              for model in apps.get_models(include_auto_created=True)
              if model._meta.managed and not model._meta.proxy}
    digest = hashlib.sha256()
    for row in Flag.objects.order_by("pk").values_list(*FLAG_COLUMNS):
        digest.update(json.dumps([str(v) for v in row]).encode())
        digest.update(b"\n")
    return {"tables": dict(sorted(counts.items())), "flags_sha256": digest.hexdigest()}


class Command(BaseCommand):
    help = "Print the row counts of every table and a checksum of the flags, as JSON."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(data_fingerprint(), indent=1))
