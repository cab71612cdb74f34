"""Rule-set governance (DESIGN §7): drafts, four-eyes approval, activation, re-evaluation.

    draft ──submit──▶ awaiting_approval ──approve──▶ approved ──activate──▶ active ─▶ retired
                              └──reject──▶ rejected (final; clone it to go on)

Only the author edits and submits a draft; another rules admin approves or rejects it (the
database checks approver ≠ author too); any rules admin activates an approved version. Once
submitted, nothing of a version's content changes again: these services refuse it, and so do
database triggers (migration 0009). Every action writes an AuditEvent in its transaction.

The values of an action come as its typed input (cadm.inputs.rulesets), or as a mapping parsed
here by the same parser (InputInvalid, keyed by field; a parameter's key is `params.<key>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from cadm.exceptions import DomainError, require
from cadm.inputs.notes import typed_input
from cadm.inputs.rulesets import (
    ActivationInput,
    ApprovalInput,
    CloneInput,
    DraftInput,
    RejectionInput,
)
from cadm.jobs import CohortJob, cohort_job_kind, job_run_start
from cadm.models import JobRun, RuleSetVersion
from cadm.permissions import Perm
from cadm.rules.params import SPEC_BY_KEY, ParamError, validate_params
from cadm.selectors.rulesets import ACTIVATE_KIND

from .audit import audit_record
from .cohort import outcome_add, reevaluation_begin
from .cohort_evaluation import cohort_reevaluate
from .concurrency import version_check

State = RuleSetVersion.State


def _locked(version: RuleSetVersion) -> RuleSetVersion:
    """The row again, locked: two admins acting at once cannot both move it."""
    return RuleSetVersion.objects.select_for_update().get(pk=version.pk)


def _require_state(version: RuleSetVersion, state: str, doing: str) -> None:
    if version.state != state:
        raise DomainError(f"Rule set v{version.number} is {version.get_state_display().lower()}"
                          f": only a version that is {State(state).label.lower()} can be "
                          f"{doing}.")


def _require_author(actor, version: RuleSetVersion, doing: str) -> None:
    if version.author_id != actor.pk:
        raise PermissionDenied(f"Only the author of v{version.number} ({version.author}) "
                               f"can {doing} it.")


def _require_other_admin(actor, version: RuleSetVersion, doing: str) -> None:
    if version.author_id == actor.pk:
        raise PermissionDenied(f"You wrote v{version.number}: another rules admin must "
                               f"{doing} it (four eyes).")


def params_validated(params: dict) -> dict:
    """validate_params, with its problems as field errors keyed by parameter."""
    try:
        return validate_params(dict(params))
    except ParamError as exc:
        raise ValidationError(exc.problems) from None


@transaction.atomic
def ruleset_draft_clone(*, actor, source: RuleSetVersion,
                        data: CloneInput | Mapping | None = None) -> RuleSetVersion:
    """A new draft (number max+1) with the parameters of any version. Parameters added to the
    schema since `source` was written get their defaults; unknown ones are dropped. A roll-back
    is a clone of an older version that goes through the same approval. `data`: the change
    note (optional until submitted)."""
    require(actor, Perm.RULESET_MANAGE)
    change_note = typed_input(CloneInput, data).change_note
    number = (RuleSetVersion.objects.aggregate(m=Max("number"))["m"] or 0) + 1
    params = {key: source.params.get(key, spec.default) for key, spec in SPEC_BY_KEY.items()}
    try:
        with transaction.atomic():  # a savepoint, so the error below is a clean refusal
            draft = RuleSetVersion.objects.create(
                number=number, state=State.DRAFT, params=params,
                change_note=change_note, based_on=source, author=actor)
    except IntegrityError:  # the number was taken by a clone made at the same moment
        raise DomainError(f"Version number {number} was taken at the same moment: try "
                          f"again.") from None
    audit_record(actor=actor, action="ruleset.clone", target=draft, detail={
        "number": number, "based_on": source.number,
        "defaults_added": sorted(set(params) - set(source.params)),
        "dropped": sorted(set(source.params) - set(params))})
    return draft


@transaction.atomic
def ruleset_draft_update(*, actor, version: RuleSetVersion, data: DraftInput | Mapping,
                         expected_version: int | None = None) -> RuleSetVersion:
    """Replace a draft's parameters (every one, checked against the schema) and change note.
    Refused (ConcurrentEdit) when the draft was saved after `expected_version` (another
    tab)."""
    require(actor, Perm.RULESET_MANAGE)
    version = _locked(version)
    _require_state(version, State.DRAFT, "edited")
    _require_author(actor, version, "edit")
    version_check(version, expected_version, what="draft")
    draft = typed_input(DraftInput, data)
    clean, change_note = dict(draft.params), draft.change_note
    changed = {key: [version.params.get(key), value] for key, value in clean.items()
               if version.params.get(key) != value}
    note_changed = version.change_note != change_note
    version.params, version.change_note = clean, change_note
    version.row_version += 1
    version._history_user = actor
    version.save(update_fields=["params", "change_note", "row_version"])
    audit_record(actor=actor, action="ruleset.draft_update", target=version, detail={
        "number": version.number, "changed": changed, "change_note_changed": note_changed})
    return version


@transaction.atomic
def ruleset_submit(*, actor, version: RuleSetVersion) -> RuleSetVersion:
    """Freeze a draft and ask for approval. From here on its content never changes."""
    require(actor, Perm.RULESET_MANAGE)
    version = _locked(version)
    _require_state(version, State.DRAFT, "submitted")
    _require_author(actor, version, "submit")
    if not version.change_note.strip():
        raise ValidationError({"change_note": "Say what changes and why before submitting."})
    params_validated(version.params)
    version.state, version.submitted_at = State.AWAITING_APPROVAL, timezone.now()
    version.save(update_fields=["state", "submitted_at"])
    audit_record(actor=actor, action="ruleset.submit", target=version,
                 detail={"number": version.number})
    return version


@transaction.atomic
def ruleset_approve(*, actor, version: RuleSetVersion,
                    data: ApprovalInput | Mapping | None = None) -> RuleSetVersion:
    """A second rules admin, never the author, approves; activation may follow. `data`: an
    optional comment."""
    require(actor, Perm.RULESET_MANAGE)
    version = _locked(version)
    _require_state(version, State.AWAITING_APPROVAL, "approved")
    _require_other_admin(actor, version, "approve")
    comment = typed_input(ApprovalInput, data).comment
    params_validated(version.params)
    version.state, version.approver, version.approved_at = State.APPROVED, actor, timezone.now()
    version.review_comment = comment
    version.save(update_fields=["state", "approver", "approved_at", "review_comment"])
    audit_record(actor=actor, action="ruleset.approve", target=version,
                 detail={"number": version.number, "comment": version.review_comment})
    return version


@transaction.atomic
def ruleset_reject(*, actor, version: RuleSetVersion,
                   data: RejectionInput | Mapping) -> RuleSetVersion:
    """A second rules admin refuses, saying why (`data`: the comment, required). Rejected is
    final: the author clones it."""
    require(actor, Perm.RULESET_MANAGE)
    version = _locked(version)
    _require_state(version, State.AWAITING_APPROVAL, "rejected")
    _require_other_admin(actor, version, "reject")
    comment = typed_input(RejectionInput, data).comment
    version.state, version.rejected_by, version.rejected_at = (
        State.REJECTED, actor, timezone.now())
    version.review_comment = comment
    version.save(update_fields=["state", "rejected_by", "rejected_at", "review_comment"])
    audit_record(actor=actor, action="ruleset.reject", target=version,
                 detail={"number": version.number, "comment": version.review_comment})
    return version


@transaction.atomic
def ruleset_activate(*, actor, version: RuleSetVersion, data: ActivationInput | Mapping,
                     as_of: date | None = None) -> JobRun:
    """Retire the active version and activate an approved one in one transaction (retire
    first: the database allows one active row), then re-evaluate the cohort in the
    background once committed. Returns the re-evaluation job. `data`: the confirmation that
    the differences and the impact preview were reviewed (`{"confirm": True}`), whatever
    the door: activating changes every patient's flags."""
    require(actor, Perm.RULESET_MANAGE)
    typed_input(ActivationInput, data)
    version = _locked(version)
    _require_state(version, State.APPROVED, "activated")
    now = timezone.now()
    previous = RuleSetVersion.objects.select_for_update().filter(state=State.ACTIVE).first()
    if previous:
        previous.state, previous.retired_at = State.RETIRED, now
        previous.save(update_fields=["state", "retired_at"])
        audit_record(actor=actor, action="ruleset.retire", target=previous,
                     detail={"number": previous.number, "replaced_by": version.number})
    version.state, version.activated_at, version.replaces = State.ACTIVE, now, previous
    try:
        with transaction.atomic():  # a savepoint, so the error below is a clean refusal
            version.save(update_fields=["state", "activated_at", "replaces"])
    except IntegrityError:  # exactly_one_active_ruleset: another activation won the race
        raise DomainError("Another version was activated at the same moment: reload the "
                          "page and check which version is active.") from None
    job = _reevaluation_start(actor=actor, version=version, as_of=as_of)
    audit_record(actor=actor, action="ruleset.activate", target=version, detail={
        "number": version.number, "retired": previous.number if previous else None,
        "job": job.pk})
    return job


@transaction.atomic
def ruleset_reevaluation_rerun(*, actor, version: RuleSetVersion,
                               as_of: date | None = None) -> JobRun:
    """Run the activation's re-evaluation again (after a failure): it is idempotent."""
    require(actor, Perm.RULESET_MANAGE)
    version = _locked(version)
    _require_state(version, State.ACTIVE, "re-evaluated")
    job = _reevaluation_start(actor=actor, version=version, as_of=as_of)
    audit_record(actor=actor, action="ruleset.reevaluate", target=version,
                 detail={"number": version.number, "job": job.pk})
    return job


def _reevaluation_start(*, actor, version: RuleSetVersion, as_of: date | None) -> JobRun:
    as_of = as_of or timezone.localdate()
    return job_run_start(actor=actor, kind=ACTIVATE_KIND, ruleset=version,
                         params={"ruleset": version.number, "as_of": as_of.isoformat()})


def _activation_begin(job: JobRun) -> dict:
    replaced = job.ruleset.replaces
    return {**reevaluation_begin(job), "ruleset": job.ruleset.number,
            "comparison": {"previous": replaced.number if replaced else None,
                           "as_of": job.params["as_of"], "patients": 0, "codes": {}}}


def _activation_chunk(job: JobRun, ids: list[int], result: dict) -> None:
    """The chunk with the activated version (flags open, update, resolve; every live flag
    records the version), and with the version it replaced, unstored, on the same facts and
    day: the counts behind the rule alarms (cadm/selectors/metrics.py)."""
    version, as_of = job.ruleset, date.fromisoformat(job.params["as_of"])
    comparison = result["comparison"]
    replaced = version.replaces if comparison["previous"] is not None else None
    outcome = cohort_reevaluate(ids, as_of=as_of, ruleset=version, other=replaced)
    outcome_add(result, outcome)
    for patient_id in sorted(outcome.results):
        before = outcome.compared.get(patient_id)
        if replaced is not None and before is None:
            comparison["failed"] = comparison.get("failed", 0) + 1
            continue  # counted in neither column: the comparison stays like with like
        comparison["patients"] += 1
        fired_before = {f.code for f in before.flags} if before else set()
        fired_now = {f.code for f in outcome.evaluations[patient_id].flags}
        for code in fired_before | fired_now:
            counts = comparison["codes"].setdefault(code, [0, 0])
            counts[0] += code in fired_before
            counts[1] += code in fired_now


def _activation_stop(job: JobRun) -> str | None:
    """Another version activated meanwhile: its own job re-evaluates the cohort."""
    current = RuleSetVersion.objects.filter(state=State.ACTIVE).values_list("number", flat=True)
    if job.ruleset.number not in current:
        return (f"v{job.ruleset.number} is no longer active"
                + (f" (v{current[0]} is): its job re-evaluates the cohort" if current else ""))
    return None


cohort_job_kind(ACTIVATE_KIND, CohortJob(chunk=_activation_chunk, begin=_activation_begin,
                                         stop=_activation_stop))
