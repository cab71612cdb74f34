"""The patients a list read showed (issue 14 §1): one row per (audit event, patient).

A read of one patient names it on its AuditEvent (`patient`); a read of a list (the worklist,
a search, a cohort page, an API list, an export) shows many, and its event names none. These
links let "who accessed this record" find those lists through an index, on SQLite and
PostgreSQL alike, where a search inside the events' JSON would read the whole trail.

Append-only as the events are (0014): UPDATE refused on both databases, DELETE on
PostgreSQL (whose test flush is a TRUNCATE, which row triggers do not see). On SQLite, as
0014 explains, a migration that rebuilds this table loses its trigger: recreate it after.
"""

import django.db.models.deletion
from django.db import migrations, models

LINKS = "cadm_auditreadlink"
TRIGGER = "cadm_audit_link_append_only"
# The wording of 0014's refusal for the events themselves.
MESSAGE = "audit events are append-only: they are never changed or deleted"

SQLITE_CREATE = f"""
CREATE TRIGGER IF NOT EXISTS {TRIGGER}
BEFORE UPDATE ON {LINKS} FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
"""
POSTGRES_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit read link %: %', OLD.id, '{MESSAGE}'
        USING ERRCODE = 'check_violation';
END;
$$
""",
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {LINKS}",
    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {LINKS} "
    f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
]


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": [SQLITE_CREATE], "postgresql": POSTGRES_CREATE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)  # None: '%' in PL/pgSQL is not a placeholder


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}", params=None)
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {LINKS}", params=None)
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()", params=None)


class Migration(migrations.Migration):
    dependencies = [("cadm", "0020_privacy_officer_site_admin")]

    operations = [
        migrations.CreateModel(
            name="AuditReadLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("event", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                            related_name="read_links", to="cadm.auditevent")),
                ("patient", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                              related_name="+", to="cadm.patient")),
            ],
            options={
                "indexes": [models.Index(fields=["patient", "event"],
                                         name="audit_link_patient")],
                "constraints": [models.UniqueConstraint(fields=("event", "patient"),
                                                        name="audit_link_once")],
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
