"""Indexes for the lists' filters and orderings (issue 13, "Pages and API under load"): the
patient list's orders and search, the worklist's order among live flags and all flags, its
age and code filters, the audit trail newest first. Measured with EXPLAIN on a site of
10,000 patients: each turns a sequential scan and sort into an index scan that stops after
one page.

The name search is `UPPER(name) LIKE '%TERM%'`, which only trigram indexes serve: those
need PostgreSQL's pg_trgm (a trusted extension: the database owner may create it). On another
database there are none (the search still works, by reading the table)."""

import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# Not in Patient.Meta.indexes: SQLite rebuilds a table's listed indexes whenever it changes
# the table, and has no GIN.
TRIGRAM_INDEXES = {"patient_family_trgm": "family_name", "patient_given_trgm": "given_name"}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "cadm_patient" '
                              f'USING gin (UPPER("{column}") gin_trgm_ops)')


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("cadm", "0018_job_chunks")]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["at", "id"], name="audit_at_order"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "at", "id"], name="audit_action_at"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["target_id"], name="audit_target"),
        ),
        migrations.AddIndex(
            model_name="flag",
            index=models.Index(condition=models.Q(("state", "resolved"), _negated=True),
                               fields=["severity_rank", "opened_at", "id"],
                               include=("state", "snoozed_until", "severity", "patient"),
                               name="flag_live_order"),
        ),
        migrations.AddIndex(
            model_name="flag",
            index=models.Index(fields=["severity_rank", "opened_at", "id"], name="flag_order"),
        ),
        migrations.AddIndex(
            model_name="flag",
            index=models.Index(condition=models.Q(("state", "resolved"), _negated=True),
                               fields=["opened_at", "id"], name="flag_live_opened"),
        ),
        migrations.AddIndex(
            model_name="flag",
            index=models.Index(fields=["code"], name="flag_code"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["family_name", "given_name", "id"],
                               name="patient_name_order"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["mrn", "id"], name="patient_mrn_order"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["birth_date", "id"], name="patient_birth_order"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["diagnosis_date", "id"], name="patient_diagnosis_order"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["created_at", "id"], name="patient_created_order"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(django.db.models.functions.text.Upper("mrn"),
                               name="patient_mrn_upper"),
        ),
        TrigramExtension(),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
