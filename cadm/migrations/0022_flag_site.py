"""Flag.site: the patient's site, copied onto each flag, so that the worklist counts a site's
flags off one index (flag_site_live) instead of joining every flag with its patient.

Filled from the patients here. On PostgreSQL a foreign key on (patient, site) to the patient's
(id, site) keeps the copy true: a flag with another site is refused, and a patient's transfer
cascades to its flags. SQLite cannot add that key to an existing table; there Flag.save and
patient_update keep it (as they do on PostgreSQL too)."""

import django.db.models.deletion
from django.db import migrations, models

_FLAG_SITE_IS_PATIENT_SITE = """
ALTER TABLE cadm_flag ADD CONSTRAINT flag_site_is_patient_site
    FOREIGN KEY (patient_id, site_id) REFERENCES cadm_patient (id, site_id)
    ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED
"""


def fill_sites(apps, schema_editor):
    # Historical rows get the patient's site of today: a transfer before this column existed
    # left no trace of where the flag was then.
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            # Checked now, not at the commit: ALTER TABLE refuses a table with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ("cadm_flag", "cadm_historicalflag"):
            cursor.execute(f"UPDATE {table} SET site_id = (SELECT site_id FROM cadm_patient "
                           f"WHERE cadm_patient.id = {table}.patient_id)")


def add_key(apps, schema_editor):
    # Idempotent, as every RunPython step here: the test suite replays them after a flush.
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = 'flag_site_is_patient_site'")
        if cursor.fetchone() is None:
            schema_editor.execute(_FLAG_SITE_IS_PATIENT_SITE)


def drop_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE cadm_flag DROP CONSTRAINT IF EXISTS flag_site_is_patient_site")


class Migration(migrations.Migration):

    dependencies = [
        ("cadm", "0021_audit_read_links"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="flag", name="flag_live_order"),
        migrations.RemoveIndex(model_name="flag", name="flag_code"),
        migrations.AddField(
            model_name="flag",
            name="site",
            field=models.ForeignKey(db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="cadm.site"),
        ),
        migrations.AddField(
            model_name="historicalflag",
            name="site",
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING,
                                    related_name="+", to="cadm.site"),
        ),
        migrations.RunPython(fill_sites, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="flag",
            name="site",
            field=models.ForeignKey(db_index=False, editable=False,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="cadm.site"),
        ),
        migrations.AddIndex(
            model_name="flag",
            index=models.Index(condition=models.Q(("state", "resolved"), _negated=True),
                               fields=["severity_rank", "opened_at", "id"],
                               include=("state", "snoozed_until", "site"),
                               name="flag_live_order"),
        ),
        migrations.AddIndex(
            model_name="flag",
            index=models.Index(condition=models.Q(("state", "resolved"), _negated=True),
                               fields=["site", "severity"], include=("state", "snoozed_until"),
                               name="flag_site_live"),
        ),
        migrations.AddIndex(
            model_name="flag",
            index=models.Index(fields=["code", "site"], name="flag_code_site"),
        ),
        migrations.AddConstraint(
            model_name="patient",
            constraint=models.UniqueConstraint(fields=("id", "site"), name="patient_id_site"),
        ),
        migrations.RunPython(add_key, drop_key, elidable=False),
    ]
