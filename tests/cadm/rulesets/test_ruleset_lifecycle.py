"""Lifecycle of rule-set versions through the services: transitions allowed and refused,
four eyes, immutability at the service level, audit rows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from cadm.exceptions import DomainError
from cadm.inputs import InputInvalid
from cadm.models import AuditEvent, JobRun, RuleSetVersion
from cadm.rules.params import DEFAULTS
from cadm.services import rulesets
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, draft_with
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
State = RuleSetVersion.State


def audit_actions(version):
    return list(AuditEvent.objects.filter(target_type="cadm.rulesetversion",
                                          target_id=str(version.pk))
                .order_by("at", "pk").values_list("action", flat=True))


def test_clone_makes_a_draft_numbered_max_plus_one_with_the_sources_params(rules_admin, v1):
    draft = rulesets.ruleset_draft_clone(actor=rules_admin, source=v1)
    again = rulesets.ruleset_draft_clone(actor=rules_admin, source=v1)
    assert (draft.number, again.number) == (2, 3)
    assert draft.state == State.DRAFT and draft.author == rules_admin and draft.based_on == v1
    assert draft.params == v1.params == dict(DEFAULTS)
    assert audit_actions(draft) == ["ruleset.clone"]


def test_clone_fills_parameters_added_since_with_their_defaults(rules_admin):
    old = {k: v for k, v in DEFAULTS.items() if k != "severity.HCQ_DOSE_MISSING"}
    older = RuleSetVersion.objects.create(number=7, state=State.DRAFT, params=old,
                                          change_note="written before HCQ_DOSE_MISSING")
    draft = rulesets.ruleset_draft_clone(actor=rules_admin, source=older)
    assert draft.number == 8
    assert draft.params["severity.HCQ_DOSE_MISSING"] == "info"
    event = AuditEvent.objects.get(action="ruleset.clone")
    assert event.detail["defaults_added"] == ["severity.HCQ_DOSE_MISSING"]


def test_author_edits_draft_and_the_audit_row_says_what_changed(rules_admin):
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    draft.refresh_from_db()
    assert draft.params[FERRITIN_KEY] == 1000.0
    event = AuditEvent.objects.get(action="ruleset.draft_update")
    assert event.actor == rules_admin
    assert event.detail["changed"] == {FERRITIN_KEY: [1500.0, 1000.0]}


@pytest.mark.parametrize(("key", "value", "message"), [
    (FERRITIN_KEY, 50.0, "outside the accepted range 100–20000 ng/mL"),
    ("lung.pft_interval_days", 90.5, "not a whole number of days"),
    ("severity.MDA5_RPILD_MARKERS", "urgent", "not a severity"),
    ("eular.probable_no_biopsy", 9.0, "possible ≤ probable ≤ definite"),
])
def test_invalid_values_are_refused_with_a_clear_message(rules_admin, v1, key, value, message):
    draft = rulesets.ruleset_draft_clone(actor=rules_admin, source=v1)
    with pytest.raises(InputInvalid) as exc:
        rulesets.ruleset_draft_update(actor=rules_admin, version=draft,
                                      data={"params": {**draft.params, key: value},
                                            "change_note": "x"})
    assert message in " ".join(exc.value.message_dict[f"params.{key}"])
    draft.refresh_from_db()
    assert draft.params == v1.params


def test_only_the_author_edits_or_submits_a_draft(rules_admin, second_admin):
    draft = draft_with(rules_admin)
    with pytest.raises(PermissionDenied):
        rulesets.ruleset_draft_update(actor=second_admin, version=draft,
                                      data={"params": draft.params, "change_note": "mine now"})
    with pytest.raises(PermissionDenied):
        rulesets.ruleset_submit(actor=second_admin, version=draft)


def test_submit_needs_a_change_note(rules_admin, v1):
    draft = rulesets.ruleset_draft_clone(actor=rules_admin, source=v1)
    with pytest.raises(ValidationError, match="Say what changes"):
        rulesets.ruleset_submit(actor=rules_admin, version=draft)


def test_full_path_draft_submit_approve_activate(rules_admin, second_admin, v1,
                                                 django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    rulesets.ruleset_approve(actor=second_admin, version=draft, data={"comment": "Fine by me"})
    draft.refresh_from_db()
    assert draft.state == State.APPROVED and draft.approver == second_admin
    assert draft.review_comment == "Fine by me" and draft.approved_at is not None
    with django_capture_on_commit_callbacks(execute=False):
        job = rulesets.ruleset_activate(actor=rules_admin, version=draft, data={"confirm": True})
    draft.refresh_from_db()
    v1.refresh_from_db()
    assert (draft.state, v1.state) == (State.ACTIVE, State.RETIRED)
    assert v1.retired_at == draft.activated_at
    assert job.kind == "ruleset-activate" and job.params["ruleset"] == draft.number
    assert RuleSetVersion.objects.filter(state=State.ACTIVE).count() == 1
    assert audit_actions(draft) == ["ruleset.clone", "ruleset.draft_update", "ruleset.submit",
                                    "ruleset.approve", "ruleset.activate"]
    assert audit_actions(v1) == ["ruleset.retire"]


def test_the_author_cannot_approve_or_reject_their_own_version(rules_admin):
    draft = draft_with(rules_admin)
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    with pytest.raises(PermissionDenied, match="four eyes"):
        rulesets.ruleset_approve(actor=rules_admin, version=draft)
    with pytest.raises(PermissionDenied, match="four eyes"):
        rulesets.ruleset_reject(actor=rules_admin, version=draft, data={"comment": "no"})
    draft.refresh_from_db()
    assert draft.state == State.AWAITING_APPROVAL and draft.approver is None


def test_database_refuses_an_approver_who_is_the_author(rules_admin):
    draft = draft_with(rules_admin)
    with pytest.raises(IntegrityError):
        RuleSetVersion.objects.filter(pk=draft.pk).update(approver=rules_admin)


def test_reject_needs_a_comment_and_is_final(rules_admin, second_admin):
    draft = draft_with(rules_admin)
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    with pytest.raises(InputInvalid, match="Say why"):
        rulesets.ruleset_reject(actor=second_admin, version=draft, data={"comment": " "})
    rulesets.ruleset_reject(actor=second_admin, version=draft,
                            data={"comment": "Too low; cite it."})
    draft.refresh_from_db()
    assert draft.state == State.REJECTED and draft.rejected_by == second_admin
    assert draft.review_comment == "Too low; cite it."
    for action in (lambda: rulesets.ruleset_approve(actor=second_admin, version=draft),
                   lambda: rulesets.ruleset_submit(actor=rules_admin, version=draft),
                   lambda: rulesets.ruleset_activate(actor=second_admin, version=draft,
                                                     data={"confirm": True})):
        with pytest.raises(DomainError):
            action()
    event = AuditEvent.objects.get(action="ruleset.reject")
    assert event.actor == second_admin and event.detail["comment"] == "Too low; cite it."


def _submitted(author, reviewer, state, django_capture_on_commit_callbacks):
    """A version of `author` taken to `state` through the services."""
    version = draft_with(author)
    rulesets.ruleset_submit(actor=author, version=version)
    if state == State.REJECTED:
        rulesets.ruleset_reject(actor=reviewer, version=version, data={"comment": "no"})
    elif state != State.AWAITING_APPROVAL:
        rulesets.ruleset_approve(actor=reviewer, version=version)
    if state in (State.ACTIVE, State.RETIRED):
        with django_capture_on_commit_callbacks(execute=False):
            rulesets.ruleset_activate(actor=reviewer, version=version, data={"confirm": True})
    if state == State.RETIRED:
        with django_capture_on_commit_callbacks(execute=False):
            rulesets.ruleset_activate(actor=author, version=approved(reviewer, author),
                                      data={"confirm": True})
    version.refresh_from_db()
    assert version.state == state
    return version


@pytest.mark.parametrize("state", [State.AWAITING_APPROVAL, State.APPROVED, State.REJECTED,
                                   State.ACTIVE, State.RETIRED])
def test_a_submitted_version_cannot_be_edited_through_the_service(
        rules_admin, second_admin, state, django_capture_on_commit_callbacks):
    version = _submitted(rules_admin, second_admin, state, django_capture_on_commit_callbacks)
    before = (dict(version.params), version.change_note)
    with pytest.raises(DomainError, match="only a version that is draft can be edited"):
        rulesets.ruleset_draft_update(actor=rules_admin, version=version,
                                      data={"params": {**before[0], FERRITIN_KEY: 900.0},
                                            "change_note": "x"})
    version.refresh_from_db()
    assert (version.params, version.change_note) == before


@pytest.mark.parametrize(("state", "refused"), [
    (State.DRAFT, ["approve", "reject", "activate"]),
    (State.AWAITING_APPROVAL, ["submit", "activate"]),
    (State.APPROVED, ["submit", "approve", "reject"]),
])
def test_transitions_out_of_order_are_refused(rules_admin, second_admin, state, refused):
    draft = draft_with(rules_admin)
    if state != State.DRAFT:
        rulesets.ruleset_submit(actor=rules_admin, version=draft)
    if state == State.APPROVED:
        rulesets.ruleset_approve(actor=second_admin, version=draft)
    calls = {
        "submit": lambda: rulesets.ruleset_submit(actor=rules_admin, version=draft),
        "approve": lambda: rulesets.ruleset_approve(actor=second_admin, version=draft),
        "reject": lambda: rulesets.ruleset_reject(actor=second_admin, version=draft,
                                                  data={"comment": "no"}),
        "activate": lambda: rulesets.ruleset_activate(actor=second_admin, version=draft,
                                                      data={"confirm": True}),
    }
    for name in refused:
        with pytest.raises(DomainError):
            calls[name]()
    draft.refresh_from_db()
    assert draft.state == state
    assert not JobRun.objects.exists()


def test_active_and_retired_versions_cannot_be_activated_again(rules_admin, second_admin, v1,
                                                               django_capture_on_commit_callbacks):
    version = approved(rules_admin, second_admin)
    with django_capture_on_commit_callbacks(execute=False):
        rulesets.ruleset_activate(actor=second_admin, version=version, data={"confirm": True})
    v1.refresh_from_db()
    for target in (version, v1):
        with pytest.raises(DomainError):
            rulesets.ruleset_activate(actor=second_admin, version=target, data={"confirm": True})


def test_roll_back_is_a_clone_of_an_older_version_through_the_same_approval(
        rules_admin, second_admin, v1, django_capture_on_commit_callbacks):
    v2 = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    with django_capture_on_commit_callbacks(execute=False):
        rulesets.ruleset_activate(actor=rules_admin, version=v2, data={"confirm": True})
    v1.refresh_from_db()
    rollback = rulesets.ruleset_draft_clone(actor=second_admin, source=v1,
                                            data={"change_note": "Roll back to v1"})
    assert rollback.params == v1.params and rollback.based_on == v1
    rulesets.ruleset_submit(actor=second_admin, version=rollback)
    rulesets.ruleset_approve(actor=rules_admin, version=rollback)
    with django_capture_on_commit_callbacks(execute=False):
        rulesets.ruleset_activate(actor=second_admin, version=rollback, data={"confirm": True})
    states = dict(RuleSetVersion.objects.values_list("number", "state"))
    assert states == {1: "retired", 2: "retired", 3: "active"}


@pytest.mark.parametrize("role", ["rheumatologist", "dermatologist", None])
def test_services_refuse_users_without_the_ruleset_permission(site, v1, role):
    user = UserFactory(role=role, sites=[site])
    with pytest.raises(PermissionDenied):
        rulesets.ruleset_draft_clone(actor=user, source=v1)
    assert RuleSetVersion.objects.count() == 1
