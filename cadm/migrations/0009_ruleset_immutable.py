"""A submitted rule-set version never changes: database triggers, beside the service checks.

On UPDATE of a `cadm_rulesetversion` row whose old state is not 'draft', the triggers refuse:

- a change of `number`, `change_note`, `based_on_id` or `author_id`;
- a change or removal of any existing key of `params`;
- a return to 'draft' (which would make the version editable again).

State moves (submit, approve, reject, activate, retire) and their timestamps stay possible.
PostgreSQL raises SQLSTATE 23514 (check_violation), SQLite `RAISE(ABORT)` (a constraint
error): Django turns both into `IntegrityError`.

Adding a parameter. A new rule brings new keys that every stored version must gain with their
defaults (as 0006 did). *Adding* keys to `params` is therefore allowed: an existing value
never changes and no key disappears. A migration that must change or remove an existing key of
a submitted version (there should be none: make a new version instead) has to drop the
triggers first and recreate them afterwards, in the same migration:

    from importlib import import_module
    immutable = import_module("cadm.migrations.0009_ruleset_immutable")
    operations = [
        migrations.RunPython(immutable.drop_triggers, immutable.create_triggers),
        migrations.RunPython(change_the_params, undo_it),
        migrations.RunPython(immutable.create_triggers, immutable.drop_triggers),
    ]

SQLite: a migration that rebuilds the table (most AlterField/AddConstraint on
RuleSetVersion do: new table, copy, drop, rename) loses the trigger with the dropped table; end
such a migration with `RunPython(immutable.create_triggers, ...)`, and recreate 0014's
triggers too (its docstring says how). The immutability tests
(tests/cadm/rulesets/test_immutability.py) fail when the trigger is missing.

`create_triggers` is idempotent: tests/conftest.py replays the project's RunPython steps.
"""

from django.db import migrations

TABLE = "cadm_rulesetversion"
NAME = "cadm_ruleset_immutable"
MESSAGE = ("rule-set version is not a draft: a submitted version never changes "
           "(clone it into a new draft)")

SQLITE_CREATE = f"""
CREATE TRIGGER IF NOT EXISTS {NAME}
BEFORE UPDATE ON {TABLE}
FOR EACH ROW WHEN OLD.state <> 'draft' AND (
    NEW.state = 'draft'
    OR NEW.number IS NOT OLD.number
    OR NEW.change_note IS NOT OLD.change_note
    OR NEW.based_on_id IS NOT OLD.based_on_id
    OR NEW.author_id IS NOT OLD.author_id
    OR EXISTS (
        SELECT 1 FROM json_each(OLD.params) AS old_param
        WHERE NOT EXISTS (
            SELECT 1 FROM json_each(NEW.params) AS new_param
            WHERE new_param.key = old_param.key AND new_param.value IS old_param.value)))
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
"""
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {NAME}"]

POSTGRES_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state <> 'draft' AND (
        NEW.state = 'draft'
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.change_note IS DISTINCT FROM OLD.change_note
        OR NEW.based_on_id IS DISTINCT FROM OLD.based_on_id
        OR NEW.author_id IS DISTINCT FROM OLD.author_id
        OR NOT (NEW.params @> OLD.params)
    ) THEN
        RAISE EXCEPTION 'rule-set version % is %: %', OLD.number, OLD.state, '{MESSAGE}'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$
""",
    f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}",
    f"CREATE TRIGGER {NAME} BEFORE UPDATE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {NAME}()",
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}", f"DROP FUNCTION IF EXISTS {NAME}()"]


def _run(schema_editor, statements: dict) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"No rule-set immutability trigger for {vendor!r}.")
    for sql in statements[vendor]:
        schema_editor.execute(sql, params=None)  # None: '%' in PL/pgSQL is not a placeholder


def create_triggers(apps, schema_editor) -> None:
    _run(schema_editor, {"sqlite": [SQLITE_CREATE], "postgresql": POSTGRES_CREATE})


def drop_triggers(apps, schema_editor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


class Migration(migrations.Migration):
    dependencies = [("cadm", "0008_ruleset_review_states")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
