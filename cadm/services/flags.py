"""Stored flags: reconciliation with an evaluation, and the reviewers' actions. The actions
take the typed inputs of cadm.inputs.flags (or their values, parsed by the same parser) and
check the right and the patient's site themselves, whatever the door."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from cadm.exceptions import DomainError, require, require_patient_site
from cadm.inputs.base import InputInvalid, Problem
from cadm.inputs.flags import (
    AcknowledgeInput,
    CommentInput,
    DismissInput,
    SnoozeInput,
    snooze_refusal,
)
from cadm.inputs.notes import typed_input
from cadm.models import Flag, FlagAction, Patient, RuleSetVersion
from cadm.permissions import Perm
from cadm.rules.outcomes import SEVERITY_ORDER, Evaluation
from cadm.rules.outcomes import Flag as RuleFlag
from cadm.selectors.rulesets import ruleset_context

from .audit import audit_record
from .firings import firings_record

QUIET_STATES = (Flag.State.ACKNOWLEDGED, Flag.State.SNOOZED, Flag.State.DISMISSED)


@dataclass
class ReconcileResult:
    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def evidence_digest(out: RuleFlag) -> str:
    """What fired the rule, not its wording: text that mentions today's date must not
    reopen a dismissed flag every day."""
    payload = {"severity": out.severity, "evidence": [e.as_dict() for e in out.evidence],
               "extra": out.extra}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _content(out: RuleFlag, ruleset: RuleSetVersion) -> dict:
    return {"severity": out.severity, "severity_rank": SEVERITY_ORDER[out.severity],
            "summary": out.summary, "detail": out.detail,
            "evidence": [e.as_dict() for e in out.evidence], "citation": out.citation,
            "evidence_label": out.evidence_label, "extra": out.extra,
            "evidence_digest": evidence_digest(out), "ruleset": ruleset}


def _act(flag: Flag, kind: str, *, actor=None, reason: str = "", comment: str = "",
         ruleset: RuleSetVersion | None = None) -> FlagAction:
    return FlagAction.objects.create(flag=flag, kind=kind, actor=actor, reason=reason,
                                     comment=comment, ruleset=ruleset or flag.ruleset)


def flags_reconcile(*, patient: Patient, evaluation: Evaluation,
                    ruleset: RuleSetVersion, firings: bool = True,
                    live: list[Flag] | None = None) -> ReconcileResult:
    """One live flag per code: open new ones, update changed ones (reopening quiet ones when
    their evidence changed), resolve those whose condition cleared. The cohort path gives
    the patient's `live` flags it has read (under the patient's lock), and records the
    firings itself (`firings=False`), for a whole chunk at once."""
    result = ReconcileResult()
    now = timezone.now()
    if live is None:
        live = Flag.objects.filter(patient=patient).exclude(state=Flag.State.RESOLVED)
    live = {f.code: f for f in live}
    for out in evaluation.flags:
        content = _content(out, ruleset)
        flag = live.pop(out.code, None)
        if flag is None:
            flag = Flag.objects.create(patient=patient, code=out.code, opened_at=now,
                                       updated_at=now, **content)
            _act(flag, FlagAction.Kind.OPENED)
            result.opened.append(out.code)
            continue
        _refresh(flag, content, evaluation.as_of, now, result)
    for flag in live.values():
        flag.state, flag.resolved_at = Flag.State.RESOLVED, now
        flag.resolved_reason = f"Condition no longer met on {evaluation.as_of.isoformat()}"
        flag.save()
        _act(flag, FlagAction.Kind.RESOLVED, comment=flag.resolved_reason, ruleset=ruleset)
        result.resolved.append(flag.code)
    if firings:
        firings_record(patient=patient, evaluation=evaluation, ruleset=ruleset, now=now)
    return result


def flags_in_line(live: list[Flag], evaluation: Evaluation, ruleset: RuleSetVersion) -> bool:
    """True when flags_reconcile would write nothing: `live` (the patient's flags not
    resolved) are exactly the evaluation's, each as it would be stored."""
    by_code = {flag.code: flag for flag in live}
    if set(by_code) != {out.code for out in evaluation.flags}:
        return False
    return not any(flag_differs(by_code[out.code], _content(out, ruleset), evaluation.as_of)
                   for out in evaluation.flags)


def flag_differs(flag: Flag, content: dict, as_of: date) -> bool:
    """Whether storing `content` (an evaluation's flag) changes `flag`, or its snooze ended.
    The rule set is compared by id: reading the flag's own would cost a query per flag."""
    if flag.evidence_digest != content["evidence_digest"]:
        return True
    if flag.state == Flag.State.SNOOZED and flag.snoozed_until < as_of:
        return True
    return any(flag.ruleset_id != value.pk if key == "ruleset" else getattr(flag, key) != value
               for key, value in content.items())


def evidence_reopens(flag: Flag, digest: str) -> bool:
    """A quiet flag (acknowledged, snoozed, dismissed) reopens when what fired it changes.
    The preview (impact.py) asks the same question of a version not yet active."""
    return flag.state in QUIET_STATES and flag.evidence_digest != digest


def _refresh(flag: Flag, content: dict, as_of: date, now, result: ReconcileResult) -> None:
    changed = flag.evidence_digest != content["evidence_digest"]
    reopens = evidence_reopens(flag, content["evidence_digest"])  # before the content is set
    snooze_over = flag.state == Flag.State.SNOOZED and flag.snoozed_until < as_of
    if not flag_differs(flag, content, as_of):
        return
    for key, value in content.items():
        setattr(flag, key, value)
    flag.updated_at = now
    if reopens or snooze_over:
        flag.state, flag.snoozed_until = Flag.State.OPEN, None
        flag.save()
        _act(flag, FlagAction.Kind.REOPENED,
             comment="Snooze ended" if snooze_over and not changed else "Evidence changed")
        result.reopened.append(flag.code)
        return
    flag.save()
    if changed:
        _act(flag, FlagAction.Kind.UPDATED)
        result.updated.append(flag.code)


def _live(flag: Flag) -> None:
    if flag.state == Flag.State.RESOLVED:
        raise DomainError("This flag is resolved; its condition no longer holds.")


def _reviewer(actor, flag: Flag) -> None:
    """Whatever the door: the right to review flags, and the flag's patient at one of the
    actor's sites."""
    require(actor, Perm.FLAG_REVIEW)
    require_patient_site(actor, flag.patient)


@transaction.atomic
def flag_acknowledge(*, actor, flag: Flag,
                     data: AcknowledgeInput | Mapping | None = None) -> Flag:
    """Seen, being handled. `data`: the typed input (an optional comment), or its values,
    parsed here by the same parser (InputInvalid)."""
    _reviewer(actor, flag)
    ack = typed_input(AcknowledgeInput, data)
    _live(flag)
    flag.state = Flag.State.ACKNOWLEDGED
    flag.save()
    _act(flag, FlagAction.Kind.ACKNOWLEDGED, actor=actor, comment=ack.comment)
    audit_record(actor=actor, action="flag.acknowledge", target=flag, patient=flag.patient)
    return flag


@transaction.atomic
def flag_dismiss(*, actor, flag: Flag, data: DismissInput | Mapping) -> Flag:
    """Quiet until the evidence changes; the reason is an HL7 CDS Hooks override code.
    `data`: the typed input, or its values, parsed here (InputInvalid)."""
    _reviewer(actor, flag)
    dismissal = typed_input(DismissInput, data)
    _live(flag)
    flag.state = Flag.State.DISMISSED
    flag.save()
    _act(flag, FlagAction.Kind.DISMISSED, actor=actor, reason=dismissal.reason,
         comment=dismissal.comment)
    audit_record(actor=actor, action="flag.dismiss", target=flag, patient=flag.patient,
                 detail={"reason": dismissal.reason})
    return flag


@transaction.atomic
def flag_snooze(*, actor, flag: Flag, data: SnoozeInput | Mapping, today: date) -> Flag:
    """Quiet until `data.until`, at most the active rule set's longest snooze for the flag's
    severity. `data`: the typed input, or its values, parsed here (InputInvalid)."""
    _reviewer(actor, flag)
    _live(flag)
    context = ruleset_context(today=today)
    snooze = typed_input(SnoozeInput, data, context=context, severity=flag.severity)
    # An input parsed by a door may predate an activation: the active version decides.
    refusal = snooze_refusal(snooze.until, today=today, severity=flag.severity,
                             rule_params=context.rule_params, rule_set=context.rule_set)
    if refusal:
        raise InputInvalid({"until": [Problem(refusal, "out_of_range")]})
    flag.state, flag.snoozed_until = Flag.State.SNOOZED, snooze.until
    flag.save()
    _act(flag, FlagAction.Kind.SNOOZED, actor=actor,
         comment=f"Until {snooze.until.isoformat()}: {snooze.comment}")
    audit_record(actor=actor, action="flag.snooze", target=flag, patient=flag.patient,
                 detail={"until": snooze.until.isoformat()})
    return flag


@transaction.atomic
def flag_comment(*, actor, flag: Flag, data: CommentInput | Mapping) -> FlagAction:
    """A note in the flag's history (a resolved flag too: what was done about it). `data`:
    the typed input, or its values, parsed here (InputInvalid)."""
    _reviewer(actor, flag)
    note = typed_input(CommentInput, data)
    action = _act(flag, FlagAction.Kind.COMMENTED, actor=actor, comment=note.comment)
    audit_record(actor=actor, action="flag.comment", target=flag, patient=flag.patient)
    return action
