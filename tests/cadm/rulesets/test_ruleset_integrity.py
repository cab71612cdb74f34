"""The database refuses what a Django shell could otherwise do to rule-set decisions and the
audit trail (migration 0014), and the services' lifecycle still passes (a missing active
version: test_no_active_ruleset.py).

Each refusal is tried as a shell user would: through the ORM or `connection.cursor()`. DELETE
refusals and the at-least-one-active check exist on PostgreSQL only (see 0014's docstring):
those tests are skipped on SQLite."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cadm.models import AuditEvent, RuleSetVersion
from cadm.selectors.rulesets import ruleset_active
from cadm.services import rulesets
from cadm.services.audit import audit_record
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, draft_with
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db
State = RuleSetVersion.State
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite: no DELETE trigger (flush deletes rows) and no deferred trigger (0014)")

NOT_RULES_ADMIN = "must be a rules admin"
NEVER_CHANGES = "once recorded, never changes"
OUT_OF_MOVE = "recorded only by its own state move"
MISSING = "must record its decision"
MOVE = "state move refused"
COMMENT = "review comment never changes"
NEW_IS_DRAFT = "a new rule-set version is a draft"
NOT_A_DRAFT = "only a draft rule-set version can be deleted"
NONE_ACTIVE = "no rule-set version would be active"
APPEND_ONLY = "audit events are append-only"


def refused(match: str, action) -> None:
    with pytest.raises(IntegrityError, match=match):
        with transaction.atomic():  # a savepoint: the test's transaction stays usable
            action()


def rows(version):
    return RuleSetVersion.objects.filter(pk=version.pk)


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def awaiting(rules_admin, v1):
    return rulesets.ruleset_submit(actor=rules_admin,
                                   version=draft_with(rules_admin, **{FERRITIN_KEY: 1000.0}))


@pytest.fixture
def approved_version(rules_admin, second_admin, v1):
    return approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})


@pytest.fixture
def rejected(awaiting, second_admin):
    return rulesets.ruleset_reject(actor=second_admin, version=awaiting,
                                   data={"comment": "Cite it."})


@pytest.fixture
def active(approved_version, second_admin):
    rulesets.ruleset_activate(actor=second_admin, version=approved_version, data={"confirm": True})
    approved_version.refresh_from_db()
    return approved_version


@pytest.fixture
def retired(active, rules_admin, second_admin):
    """`active`, retired by the activation of a newer version."""
    newer = approved(second_admin, rules_admin)
    rulesets.ruleset_activate(actor=rules_admin, version=newer, data={"confirm": True})
    active.refresh_from_db()
    return active


# Rule 1: the approver (or rejecter) is a rules admin, recorded with a date.

def test_approval_by_a_clinician_is_refused(awaiting, rheumatologist):
    refused(NOT_RULES_ADMIN, lambda: rows(awaiting).update(
        state=State.APPROVED, approver=rheumatologist, approved_at=timezone.now()))


def test_approval_by_nobody_is_refused(awaiting):
    refused(MISSING, lambda: rows(awaiting).update(state=State.APPROVED,
                                                   approved_at=timezone.now()))


def test_approval_without_a_date_is_refused(awaiting, second_admin):
    refused(MISSING, lambda: rows(awaiting).update(state=State.APPROVED, approver=second_admin))


def test_approval_by_the_author_is_refused(awaiting, rules_admin):
    refused(NOT_RULES_ADMIN, lambda: rows(awaiting).update(
        state=State.APPROVED, approver=rules_admin, approved_at=timezone.now()))


def test_rejection_by_a_clinician_is_refused(awaiting, rheumatologist):
    refused(NOT_RULES_ADMIN, lambda: rows(awaiting).update(
        state=State.REJECTED, rejected_by=rheumatologist, rejected_at=timezone.now(),
        review_comment="no"))


@pytest.mark.parametrize("who", ["clinician", "nobody", "another_admin"])
def test_the_approver_of_an_approved_version_never_changes(approved_version, rheumatologist,
                                                           site, who):
    other = {"clinician": rheumatologist, "nobody": None,
             "another_admin": UserFactory(role="rules_admin", sites=[site])}[who]
    refused(NEVER_CHANGES, lambda: rows(approved_version).update(approver=other))
    approved_version.approver = other  # a full-row save, as from the admin or a shell
    refused(NEVER_CHANGES, approved_version.save)


def test_the_approver_cannot_be_set_to_null_by_raw_sql(active):
    refused(NEVER_CHANGES, lambda: raw(
        "UPDATE cadm_rulesetversion SET approver_id = NULL WHERE id = %s", active.pk))


# Rule 2: decisions are set once, by their own move, and never change.

@pytest.mark.parametrize(("fixture", "field"), [
    ("awaiting", "submitted_at"),
    ("approved_version", "approved_at"),
    ("approved_version", "submitted_at"),
    ("rejected", "rejected_at"),
    ("active", "activated_at"),
    ("retired", "retired_at"),
    ("retired", "approved_at"),
])
@pytest.mark.parametrize("value", ["cleared", "moved"])
def test_decision_dates_never_change(request, fixture, field, value):
    version = request.getfixturevalue(fixture)
    new = None if value == "cleared" else getattr(version, field) - dt.timedelta(days=1)
    refused(NEVER_CHANGES, lambda: rows(version).update(**{field: new}))


def test_the_rejecter_never_changes(rejected):
    refused(NEVER_CHANGES, lambda: rows(rejected).update(rejected_by=None))


def test_the_replaced_version_never_changes(retired, v1):
    """`retired` replaced v1 when activated; the version after it replaced `retired`."""
    newer = RuleSetVersion.objects.get(state=State.ACTIVE)
    assert (newer.replaces, retired.replaces) == (retired, v1)
    refused(NEVER_CHANGES, lambda: rows(newer).update(replaces=v1))
    refused(NEVER_CHANGES, lambda: rows(newer).update(replaces=None))


@pytest.mark.parametrize("fixture", ["approved_version", "rejected", "active"])
def test_a_review_comment_cannot_be_rewritten(request, fixture):
    version = request.getfixturevalue(fixture)
    refused(COMMENT, lambda: rows(version).update(review_comment="rewritten later"))
    refused(COMMENT, lambda: raw(
        "UPDATE cadm_rulesetversion SET review_comment = '' WHERE id = %s", version.pk))


@pytest.mark.parametrize(("fixture", "field"), [
    ("active", "rejected_at"),
    ("approved_version", "retired_at"),
    ("awaiting", "approved_at"),
    ("rejected", "activated_at"),
    ("approved_version", "replaces"),
])
def test_a_decision_outside_its_move_is_refused(request, v1, fixture, field):
    """E.g. a rejection date on the active version, or the replaced version recorded on a
    version that is not being activated."""
    version = request.getfixturevalue(fixture)
    value = v1 if field == "replaces" else timezone.now()
    refused(OUT_OF_MOVE, lambda: rows(version).update(**{field: value}))


def test_a_decision_on_a_draft_is_refused(rules_admin, second_admin, v1):
    draft = draft_with(rules_admin)
    refused(OUT_OF_MOVE, lambda: rows(draft).update(approver=second_admin,
                                                    approved_at=timezone.now()))


# Rule 3: only the lifecycle's moves.

@pytest.mark.parametrize(("fixture", "state"), [
    ("rejected", State.ACTIVE),
    ("rejected", State.APPROVED),
    ("rejected", State.AWAITING_APPROVAL),
    ("retired", State.ACTIVE),
    ("retired", State.APPROVED),
    ("approved_version", State.AWAITING_APPROVAL),
    ("approved_version", State.RETIRED),
    ("active", State.APPROVED),
    ("awaiting", State.ACTIVE),
    ("awaiting", State.RETIRED),
])
def test_moves_outside_the_lifecycle_are_refused(request, fixture, state):
    version = request.getfixturevalue(fixture)
    refused(MOVE, lambda: rows(version).update(state=state))
    refused(MOVE, lambda: raw("UPDATE cadm_rulesetversion SET state = %s, activated_at = %s "
                              "WHERE id = %s", state, timezone.now(), version.pk))


@pytest.mark.parametrize("fixture", ["approved_version", "rejected", "active"])
def test_a_decided_version_never_returns_to_draft(request, fixture):
    version = request.getfixturevalue(fixture)
    refused("a submitted version never changes", lambda: rows(version).update(state=State.DRAFT))


def test_a_draft_cannot_jump_to_active(request, rules_admin, v1):
    draft = draft_with(rules_admin)
    request.getfixturevalue("none_active")  # else the unique index would refuse it first
    refused(MOVE, lambda: rows(draft).update(state=State.ACTIVE, activated_at=timezone.now()))


@pytest.mark.parametrize("state", [State.APPROVED, State.ACTIVE, State.RETIRED,
                                   State.AWAITING_APPROVAL, State.REJECTED])
def test_a_version_cannot_be_inserted_past_draft(v1, state, rules_admin, second_admin):
    now = timezone.now()
    refused(NEW_IS_DRAFT, lambda: RuleSetVersion.objects.create(
        number=50, state=state, params=v1.params, change_note="from a shell",
        author=rules_admin, approver=second_admin, submitted_at=now, approved_at=now))


def test_a_draft_cannot_be_inserted_with_a_decision(v1, second_admin):
    refused(NEW_IS_DRAFT, lambda: RuleSetVersion.objects.create(
        number=50, params=v1.params, change_note="x", approver=second_admin))


# Rule 4: only drafts are deleted.

@postgres_only
@pytest.mark.parametrize("fixture", ["rejected", "awaiting", "approved_version", "retired"])
def test_a_decided_version_cannot_be_deleted(request, fixture):
    version = request.getfixturevalue(fixture)
    if fixture != "retired":  # the ORM refuses that one itself: its successor replaces it
        refused(NOT_A_DRAFT, lambda: rows(version).delete())
    refused(NOT_A_DRAFT, lambda: raw("DELETE FROM cadm_rulesetversion WHERE id = %s",
                                     version.pk))
    assert rows(version).exists()


def test_a_draft_can_still_be_deleted(rules_admin, v1):
    draft = draft_with(rules_admin)
    rows(draft).delete()
    assert not rows(draft).exists()


# Rule 5: the audit trail is append-only.

@pytest.fixture
def audit_event(rules_admin, v1):
    return audit_record(actor=rules_admin, action="ruleset.approve", target=v1,
                        detail={"number": 1})


def test_an_audit_event_cannot_be_edited(audit_event, second_admin):
    refused(APPEND_ONLY, lambda: AuditEvent.objects.filter(pk=audit_event.pk).update(
        actor=second_admin))
    audit_event.action = "ruleset.reject"
    refused(APPEND_ONLY, audit_event.save)
    refused(APPEND_ONLY, lambda: raw("UPDATE cadm_auditevent SET detail = '{}' WHERE id = %s",
                                     audit_event.pk))


@postgres_only
def test_an_audit_event_cannot_be_deleted(audit_event):
    refused(APPEND_ONLY, audit_event.delete)
    refused(APPEND_ONLY, lambda: AuditEvent.objects.all().delete())
    refused(APPEND_ONLY, lambda: raw("DELETE FROM cadm_auditevent WHERE id = %s",
                                     audit_event.pk))
    assert AuditEvent.objects.filter(pk=audit_event.pk).exists()


# Rule 6: one version stays active (checked at commit).

@postgres_only
def test_retiring_the_only_active_version_is_refused_at_commit(v1):
    def retire_and_check_now():
        rows(v1).update(state=State.RETIRED, retired_at=timezone.now())
        # The check is deferred to commit; this makes it run now, inside the test's
        # transaction (which is never committed).
        raw("SET CONSTRAINTS cadm_ruleset_one_active IMMEDIATE")

    refused(NONE_ACTIVE, retire_and_check_now)
    assert ruleset_active() == v1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_committed_transaction_leaving_no_active_version_is_refused():
    v1 = RuleSetVersion.objects.get(number=1)
    with pytest.raises(IntegrityError, match=NONE_ACTIVE):
        with transaction.atomic():
            rows(v1).update(state=State.RETIRED, retired_at=timezone.now())
    assert ruleset_active() == v1


# The services' lifecycle still passes.

def test_submit_approve_reject_and_two_activations_in_a_row(rules_admin, second_admin, v1):
    first = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    assert (first.state, first.approver, first.review_comment) == (
        State.APPROVED, second_admin, "Agreed.")
    rejected_one = rulesets.ruleset_submit(actor=rules_admin, version=draft_with(rules_admin))
    rulesets.ruleset_reject(actor=second_admin, version=rejected_one,
                            data={"comment": "No reason given."})
    second = approved(second_admin, rules_admin, **{FERRITIN_KEY: 1100.0})
    rulesets.ruleset_activate(actor=rules_admin, version=first, data={"confirm": True})
    rulesets.ruleset_activate(actor=second_admin, version=second, data={"confirm": True})
    states = dict(RuleSetVersion.objects.values_list("number", "state"))
    assert states == {1: State.RETIRED, first.number: State.RETIRED,
                      rejected_one.number: State.REJECTED, second.number: State.ACTIVE}
    first.refresh_from_db(), second.refresh_from_db(), v1.refresh_from_db()
    assert (first.replaces, second.replaces) == (v1, first)
    assert v1.retired_at and first.activated_at and first.retired_at == second.activated_at


@pytest.mark.django_db(transaction=True)
def test_two_committed_activations_pass_the_commit_check(django_capture_on_commit_callbacks):
    """Each activation commits (retire, then activate): the deferred check passes on
    PostgreSQL. Being transactional, this test is also flushed afterwards (TRUNCATE on
    PostgreSQL, DELETE on SQLite) with decided versions and audit rows in the tables."""
    site = SiteFactory(code="north", name="North Clinic")
    author, checker = (UserFactory(username=n, role="rules_admin", sites=[site])
                       for n in ("ruleadmin", "ruleadmin2"))
    for one, other in ((author, checker), (checker, author)):
        version = approved(one, other)
        with django_capture_on_commit_callbacks(execute=False):
            rulesets.ruleset_activate(actor=other, version=version, data={"confirm": True})
        assert ruleset_active() == version
    assert RuleSetVersion.objects.filter(state=State.RETIRED).count() == 2
    assert AuditEvent.objects.filter(action="ruleset.activate").count() == 2
