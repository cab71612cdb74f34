"""Two roles with no clinical data (issue 14), and the audit trail refusing DELETE on SQLite too.

Role groups. "privacy_officer" (reads the audit trail of their sites) and "site_admin"
(manages the accounts of their sites), as 0002 made the first three: cadm/permissions.py maps
the group names to permissions. Idempotent (get_or_create): tests/conftest.py replays it.

DELETE on `cadm_auditevent`, SQLite. 0014 refuses UPDATE on both databases and DELETE on
PostgreSQL only, because Django's `flush` (run after every transactional test) empties
SQLite tables with `DELETE FROM`, which a row trigger cannot tell from a shell user's DELETE.
The project's own `flush` command (cadm/management/commands/flush.py) now takes the triggers
out and puts them back in the same transaction as the flush, so this one can exist: a DELETE
from the ORM, a cursor or the sqlite3 shell is refused, a flush is not (as TRUNCATE is not on
PostgreSQL). Like 0014's triggers, this one is lost when a migration rebuilds the table on
SQLite: recreate it at the end of such a migration with `create_delete_trigger`.
"""

from django.db import migrations

ROLES = ("privacy_officer", "site_admin")
AUDIT = "cadm_auditevent"
DELETE_TRIGGER = "cadm_audit_no_delete"
# The wording of 0014's refusal, so one message (and one test pattern) covers both moves.
M_AUDIT = "audit events are append-only: they are never changed or deleted"

SQLITE_CREATE = f"""
CREATE TRIGGER IF NOT EXISTS {DELETE_TRIGGER}
BEFORE DELETE ON {AUDIT} FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, '{M_AUDIT}');
END
"""
SQLITE_DROP = f"DROP TRIGGER IF EXISTS {DELETE_TRIGGER}"


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


def create_delete_trigger(apps, schema_editor):
    # PostgreSQL has refused DELETE since 0014 (cadm_audit_append_only, UPDATE OR DELETE).
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE, params=None)


def drop_delete_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("cadm", "0019_list_indexes")]
    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(create_delete_trigger, drop_delete_trigger),
    ]
