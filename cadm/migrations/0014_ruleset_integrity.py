"""Rule-set decisions and the audit trail are held by the database, not only by the services.

Migration 0009 keeps a submitted version's *content* unchanged. These triggers keep its
*decisions* (who submitted, approved, rejected, activated, retired it, and when) and the audit
trail, so that a Django shell (ORM or `connection.cursor()`) cannot do what the services
refuse. PostgreSQL raises SQLSTATE 23514 (check_violation), SQLite `RAISE(ABORT)`: Django
turns both into `IntegrityError`.

Rules, on `cadm_rulesetversion`:

1. A version that is approved (and so later active or retired) has a non-null approver who
   is, when approved, a member of the group "rules_admin" (cadm/permissions.py, role groups
   from 0002; membership in `cadm_user_groups`), and a non-null `approved_at`. Likewise a
   rejected version has a `rejected_by` rules admin other than the author and a
   `rejected_at`. Approver ≠ author is the check constraint `ruleset_approver_is_not_author`.
   Version number 1, created active by 0004 with no author and no approver, is exempt.
   Membership is checked when the approver is recorded, not on later writes: an approver who
   later leaves the role must not make their version impossible to activate or retire. Rows
   written before this migration are not checked again (rules 2 and 3 hold for them from now
   on).
2. The decision fields are set once, from NULL, by their own state move, in the same UPDATE,
   and never change afterwards:
       submitted_at                      draft → awaiting_approval (required)
       approver_id, approved_at          awaiting_approval → approved (required)
       rejected_by_id, rejected_at       awaiting_approval → rejected (required)
       activated_at                      approved → active (required)
       replaces_id                       approved → active (optional: the first has none)
       retired_at                        active → retired (required)
   `review_comment` never changes once the version is approved or rejected.
3. State moves: draft → awaiting_approval → approved → active → retired, and
   awaiting_approval → rejected (final). An UPDATE that keeps the state is allowed (the
   services save a draft's other fields so). Any other move is refused (rejected → active,
   retired → active, approved → draft, draft → active...).
   A new row (INSERT) is a draft with no decision recorded (version 1 excepted): a version in
   any other state only comes from these moves.
4. DELETE of a version that is not a draft is refused (PostgreSQL only, see below).
5. `cadm_auditevent` rows are append-only: UPDATE refused (both databases), DELETE refused
   (PostgreSQL only, see below).
6. At least one version is active (PostgreSQL only): a deferred constraint trigger checks, at
   commit, every transaction that moved or deleted the active row. An activation retires the
   old row before activating the new one (the partial unique index allows one active row);
   the check runs after both statements, so it passes.

SQLite cannot do everything:

- No DELETE triggers (rules 4 and 5). Django's `flush`, which pytest-django runs after every
  transactional test (live_server, browser tests, `transaction=True`), empties each table with
  `DELETE FROM table` on SQLite. A row trigger cannot tell that from a shell user's DELETE, so
  it would break every such test. PostgreSQL flushes with TRUNCATE, which fires no row
  trigger: there the DELETE triggers are safe.
- No deferred triggers (rule 6): a check after each statement would refuse the activation's
  first statement (retiring the old row). On SQLite the service alone keeps a version active;
  `ruleset_active()` raises `NoActiveRuleSet`, which pages show as a clear 503 page
  (cadm/middleware_rulesets.py).

Not refused, on either database: TRUNCATE (on PostgreSQL: that is how the test flush empties
tables), and anything done by dropping these triggers. The database role that runs the
application owns the tables, so it can do both: the triggers stop a mistaken or casual shell
write, not a determined owner.

Maintenance. Restoring rows with `loaddata` (INSERT of non-draft rows) needs the triggers
dropped first and recreated afterwards, as 0009 explains for its own trigger; a pg_dump
restore creates triggers after the data and is unaffected. On SQLite, a migration that
rebuilds `cadm_rulesetversion` or `cadm_auditevent` loses these triggers with the dropped
table, and a migration that rebuilds `auth_group` or `cadm_user_groups` fails ("error in
trigger ...: no such table") because the triggers name them: drop the triggers before such an
operation and recreate them at the end of the migration:

    from importlib import import_module
    integrity = import_module("cadm.migrations.0014_ruleset_integrity")
    operations = [
        migrations.RunPython(integrity.drop_triggers, integrity.create_triggers),
        ...,
        migrations.RunPython(integrity.create_triggers, integrity.drop_triggers),
    ]

`create_triggers` is idempotent: tests/conftest.py replays the project's RunPython steps.
"""

from django.db import migrations

VERSIONS = "cadm_rulesetversion"
AUDIT = "cadm_auditevent"
RULES_ADMIN = "rules_admin"  # cadm.permissions.Role.RULES_ADMIN, the group made by 0002

INSERT_NAME = "cadm_ruleset_integrity_insert"
UPDATE_NAME = "cadm_ruleset_integrity_update"
INTEGRITY_NAME = "cadm_ruleset_integrity"
DELETE_NAME = "cadm_ruleset_no_delete"
ACTIVE_NAME = "cadm_ruleset_one_active"
AUDIT_NAME = "cadm_audit_append_only"

# One message per rule, so that a refusal says which rule it broke.
M_INSERT = ("a new rule-set version is a draft with no decision recorded: submit, approve and "
            "activate it through the services")
# Worded as 0009's refusal of the same move: on SQLite either trigger may fire first.
M_TO_DRAFT = ("rule-set version is not a draft: a submitted version never changes "
              "(clone it into a new draft)")
M_MOVE = ("rule-set state move refused: allowed are draft to awaiting_approval, "
          "awaiting_approval to approved or rejected, approved to active, active to retired")
M_CHANGED = ("a rule-set decision, once recorded, never changes (submitted_at, approver, "
             "approved_at, rejected_by, rejected_at, activated_at, retired_at, replaces)")
M_OUT_OF_MOVE = ("a rule-set decision is recorded only by its own state move, in the same "
                 "update (e.g. approver and approved_at by the approval)")
M_MISSING = ("a rule-set state move must record its decision: submitted_at; approver and "
             "approved_at; rejected_by and rejected_at; activated_at; retired_at")
M_REVIEWER = ("the approver or rejecter of a rule-set version must be a rules admin "
              "(group rules_admin) other than the author")
M_COMMENT = "a review comment never changes once the version is approved or rejected"
M_DELETE = "only a draft rule-set version can be deleted: a decided version is kept for good"
M_ACTIVE = ("no rule-set version would be active: activate another version in the same "
            "transaction before retiring the active one")
M_AUDIT = "audit events are append-only: they are never changed or deleted"

MOVES = [("draft", "awaiting_approval"), ("awaiting_approval", "approved"),
         ("awaiting_approval", "rejected"), ("approved", "active"), ("active", "retired")]
# Each decision column, and the only move that may record it.
DECISIONS = [("submitted_at", ("draft", "awaiting_approval")),
             ("approver_id", ("awaiting_approval", "approved")),
             ("approved_at", ("awaiting_approval", "approved")),
             ("rejected_by_id", ("awaiting_approval", "rejected")),
             ("rejected_at", ("awaiting_approval", "rejected")),
             ("activated_at", ("approved", "active")),
             ("replaces_id", ("approved", "active")),
             ("retired_at", ("active", "retired"))]
REQUIRED = {("draft", "awaiting_approval"): ["submitted_at"],
            ("awaiting_approval", "approved"): ["approver_id", "approved_at"],
            ("awaiting_approval", "rejected"): ["rejected_by_id", "rejected_at"],
            ("approved", "active"): ["activated_at"],
            ("active", "retired"): ["retired_at"]}


def _is_move(move) -> str:
    return f"(OLD.state = '{move[0]}' AND NEW.state = '{move[1]}')"


def _is_rules_admin(column: str) -> str:
    return (f"EXISTS (SELECT 1 FROM cadm_user_groups m JOIN auth_group g ON g.id = m.group_id "
            f"WHERE m.user_id = NEW.{column} AND g.name = '{RULES_ADMIN}')")


def _conditions(distinct: str) -> dict[str, str]:
    """The refusal condition of each update rule, in SQL shared by both databases.
    `distinct` is the null-safe inequality: IS DISTINCT FROM (PostgreSQL), IS NOT (SQLite)."""
    allowed = " OR ".join(_is_move(m) for m in MOVES)
    return {
        M_TO_DRAFT: "OLD.state <> 'draft' AND NEW.state = 'draft'",
        M_MOVE: f"NEW.state {distinct} OLD.state AND NOT ({allowed})",
        M_CHANGED: " OR ".join(f"(OLD.{c} IS NOT NULL AND NEW.{c} {distinct} OLD.{c})"
                               for c, _ in DECISIONS),
        M_OUT_OF_MOVE: " OR ".join(f"(OLD.{c} IS NULL AND NEW.{c} IS NOT NULL AND NOT "
                                   f"{_is_move(m)})" for c, m in DECISIONS),
        M_MISSING: " OR ".join(
            f"({_is_move(m)} AND ({' OR '.join(f'NEW.{c} IS NULL' for c in cols)}))"
            for m, cols in REQUIRED.items()),
        M_REVIEWER: " OR ".join(
            f"(NEW.{c} {distinct} OLD.{c} AND NEW.{c} IS NOT NULL AND "
            f"(NEW.{c} = NEW.author_id OR NOT {_is_rules_admin(c)}))"
            for c in ("approver_id", "rejected_by_id")),
        M_COMMENT: (f"OLD.state IN ('approved', 'rejected', 'active', 'retired') AND "
                    f"NEW.review_comment {distinct} OLD.review_comment"),
    }


INSERT_CONDITION = ("NEW.number <> 1 AND (NEW.state <> 'draft' OR NEW.review_comment <> '' OR "
                    + " OR ".join(f"NEW.{c} IS NOT NULL" for c, _ in DECISIONS) + ")")


def _sqlite_raises(conditions: dict[str, str]) -> str:
    return "\n".join(f"    SELECT RAISE(ABORT, '{message}') WHERE {condition};"
                     for message, condition in conditions.items())


SQLITE_CREATE = [
    f"""
CREATE TRIGGER IF NOT EXISTS {INSERT_NAME}
BEFORE INSERT ON {VERSIONS} FOR EACH ROW WHEN {INSERT_CONDITION}
BEGIN
    SELECT RAISE(ABORT, '{M_INSERT}');
END
""",
    f"""
CREATE TRIGGER IF NOT EXISTS {UPDATE_NAME}
BEFORE UPDATE ON {VERSIONS} FOR EACH ROW
BEGIN
{_sqlite_raises(_conditions("IS NOT"))}
END
""",
    # UPDATE only: see the docstring for DELETE.
    f"""
CREATE TRIGGER IF NOT EXISTS {AUDIT_NAME}
BEFORE UPDATE ON {AUDIT} FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, '{M_AUDIT}');
END
""",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}"
               for name in (INSERT_NAME, UPDATE_NAME, AUDIT_NAME)]


def _plpgsql_raise(message: str) -> str:
    # '%' placeholders name the row, so that a refusal in a bulk update says which version.
    return (f"RAISE EXCEPTION 'rule-set version %: %', NEW.number, '{message}' "
            f"USING ERRCODE = 'check_violation';")


def _plpgsql_checks(conditions: dict[str, str]) -> str:
    return "\n".join(f"    IF {condition} THEN\n        {_plpgsql_raise(message)}\n    END IF;"
                     for message, condition in conditions.items())


POSTGRES_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION {INTEGRITY_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF {INSERT_CONDITION} THEN
            {_plpgsql_raise(M_INSERT)}
        END IF;
        RETURN NEW;
    END IF;
{_plpgsql_checks(_conditions("IS DISTINCT FROM"))}
    RETURN NEW;
END;
$$
""",
    f"DROP TRIGGER IF EXISTS {INTEGRITY_NAME} ON {VERSIONS}",
    f"CREATE TRIGGER {INTEGRITY_NAME} BEFORE INSERT OR UPDATE ON {VERSIONS} "
    f"FOR EACH ROW EXECUTE FUNCTION {INTEGRITY_NAME}()",
    f"""
CREATE OR REPLACE FUNCTION {DELETE_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rule-set version % is %: %', OLD.number, OLD.state, '{M_DELETE}'
        USING ERRCODE = 'check_violation';
END;
$$
""",
    f"DROP TRIGGER IF EXISTS {DELETE_NAME} ON {VERSIONS}",
    f"CREATE TRIGGER {DELETE_NAME} BEFORE DELETE ON {VERSIONS} "
    f"FOR EACH ROW WHEN (OLD.state <> 'draft') EXECUTE FUNCTION {DELETE_NAME}()",
    # Row-level and fired only by the active row leaving that state, so it costs nothing on
    # other writes; deferred, so it sees the activation's second statement too.
    f"""
CREATE OR REPLACE FUNCTION {ACTIVE_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM {VERSIONS} WHERE state = 'active') THEN
        RAISE EXCEPTION 'rule-set version % was the active one: %', OLD.number, '{M_ACTIVE}'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$
""",
    f"DROP TRIGGER IF EXISTS {ACTIVE_NAME} ON {VERSIONS}",
    f"CREATE CONSTRAINT TRIGGER {ACTIVE_NAME} AFTER UPDATE OR DELETE ON {VERSIONS} "
    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.state = 'active') "
    f"EXECUTE FUNCTION {ACTIVE_NAME}()",
    f"""
CREATE OR REPLACE FUNCTION {AUDIT_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit event %: %', OLD.id, '{M_AUDIT}' USING ERRCODE = 'check_violation';
END;
$$
""",
    f"DROP TRIGGER IF EXISTS {AUDIT_NAME} ON {AUDIT}",
    f"CREATE TRIGGER {AUDIT_NAME} BEFORE UPDATE OR DELETE ON {AUDIT} "
    f"FOR EACH ROW EXECUTE FUNCTION {AUDIT_NAME}()",
]
POSTGRES_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name} ON {VERSIONS}"
      for name in (INTEGRITY_NAME, DELETE_NAME, ACTIVE_NAME)),
    f"DROP TRIGGER IF EXISTS {AUDIT_NAME} ON {AUDIT}",
    *(f"DROP FUNCTION IF EXISTS {name}()"
      for name in (INTEGRITY_NAME, DELETE_NAME, ACTIVE_NAME, AUDIT_NAME)),
]


def _run(schema_editor, statements: dict) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"No rule-set integrity triggers for {vendor!r}.")
    for sql in statements[vendor]:
        schema_editor.execute(sql, params=None)  # None: '%' in PL/pgSQL is not a placeholder


def create_triggers(apps, schema_editor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE})


def drop_triggers(apps, schema_editor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


class Migration(migrations.Migration):
    dependencies = [("cadm", "0013_jobs_faults_firings")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
