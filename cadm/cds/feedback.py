"""What the EHR's clinician did with our cards (CDS Hooks feedback), applied through the flag
services as any reviewer's action is, attributed to the EHR's local account (its CDS_ISSUERS
`user`) with the EHR's own user named in the comment and the audit row.

    accepted                      -> acknowledge
    overridden, a reason of ours  -> dismiss with that reason (cadm/cds/reasons.py)
    overridden, no reason we know -> a comment on the flag; its state stays (a dismissal
                                     needs a coded reason, DESIGN §6)

Idempotent: the same feedback twice (an EHR may resend) is recognised by its fingerprint in
the audit trail and changes nothing more; a flag already in the state asked for is left as it
is; a card we do not hold (a patient evaluated on the spot, or not at this EHR's sites) and a
flag resolved since are answered without any change.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from cadm.inputs.flags import COMMENT_MAX, AcknowledgeInput, CommentInput, DismissInput
from cadm.models import AuditEvent, Flag
from cadm.permissions import Perm, has_perm
from cadm.services.audit import audit_record
from cadm.services.flag_actions import flag_action_run

from .outcomes import CdsError
from .reasons import reason_of
from .security import Caller

OUTCOMES = ("accepted", "overridden")
AUDIT_ACTION = "cds.feedback"
# A patient's cards are a handful; a request about hundreds is not a clinician's.
MAX_ENTRIES = 100
USER_COMMENT_MAX = 1200  # leaves room in the flag comment for who, when and why


@dataclass(frozen=True)
class Feedback:
    """One checked entry of a feedback request."""

    card: str
    outcome: str
    at: str
    reason: dict | None
    user_comment: str

    def fingerprint(self, iss: str) -> str:
        payload = [iss, self.card, self.outcome, self.at, self.reason, self.user_comment]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def feedback_parse(body: object) -> list[Feedback]:
    """The entries, or CdsError(400) naming the first problem."""
    entries = body.get("feedback") if isinstance(body, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CdsError(400, "The body must be an object with a non-empty 'feedback' array.",
                       expression="feedback")
    if len(entries) > MAX_ENTRIES:
        raise CdsError(400, f"At most {MAX_ENTRIES} feedback entries per request.",
                       expression="feedback")
    return [_entry(item, f"feedback[{i}]") for i, item in enumerate(entries)]


def _entry(item: object, where: str) -> Feedback:
    if not isinstance(item, dict):
        raise CdsError(400, f"{where} must be an object.", expression=where)
    card, outcome, at = item.get("card"), item.get("outcome"), item.get("outcomeTimestamp")
    if not isinstance(card, str) or not card:
        raise CdsError(400, f"{where}.card is required (the card's uuid).",
                       expression=f"{where}.card")
    if outcome not in OUTCOMES:
        raise CdsError(400, f"{where}.outcome must be 'accepted' or 'overridden'.",
                       expression=f"{where}.outcome")
    if not isinstance(at, str) or not _is_timestamp(at):
        raise CdsError(400, f"{where}.outcomeTimestamp is required: an ISO 8601 date and "
                            "time in UTC.", expression=f"{where}.outcomeTimestamp")
    override = item.get("overrideReason")
    if override is not None and not isinstance(override, dict):
        raise CdsError(400, f"{where}.overrideReason must be an object.",
                       expression=f"{where}.overrideReason")
    override = override or {}
    reason, comment = override.get("reason"), override.get("userComment", "")
    if reason is not None and not isinstance(reason, dict):
        raise CdsError(400, f"{where}.overrideReason.reason must be a Coding.",
                       expression=f"{where}.overrideReason.reason")
    if not isinstance(comment, str):
        raise CdsError(400, f"{where}.overrideReason.userComment must be text.",
                       expression=f"{where}.overrideReason.userComment")
    return Feedback(card=card, outcome=outcome, at=at, reason=reason,
                    user_comment=_clean(comment)[:USER_COMMENT_MAX])


def _is_timestamp(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _clean(text: str) -> str:
    """A user comment as one line of printable text (it is shown in our flag history)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


@transaction.atomic
def feedback_apply(caller: Caller, entries: list[Feedback]) -> list[dict]:
    """Apply each entry, all or none (a refusal part-way leaves no half-applied request);
    the answer says what became of each card."""
    actor = _account(caller)
    return [{"card": entry.card, "result": _apply(caller, actor, entry)} for entry in entries]


def _account(caller: Caller):
    """The EHR's local account. Missing or inactive: the EHR cannot act on our flags (403)."""
    username = caller.issuer.user
    user = get_user_model().objects.filter(username=username, is_active=True).first() \
        if username else None
    if user is None:
        raise CdsError(403, "Feedback from this EHR is not accepted: no active local account "
                            "is configured for it (CDS_ISSUERS 'user').")
    if not has_perm(user, Perm.FLAG_REVIEW):
        raise CdsError(403, "Feedback from this EHR is not accepted: its local account may "
                            "not review flags (give it a clinical role and the EHR's sites).")
    return user


def _flag(card: str, caller: Caller) -> Flag | None:
    try:
        public_id = uuid.UUID(card)
    except ValueError:
        return None
    return (Flag.objects.select_related("patient")
            .filter(public_id=public_id, patient__site__code__in=caller.issuer.sites).first())


def _apply(caller: Caller, actor, entry: Feedback) -> str:
    found = _flag(entry.card, caller)
    if found is None:
        return "unknown-card"
    fingerprint = entry.fingerprint(caller.issuer.iss)
    with transaction.atomic():
        # Locked: the same feedback sent twice at once must not act twice.
        flag = Flag.objects.select_for_update().select_related("patient").get(pk=found.pk)
        if AuditEvent.objects.filter(action=AUDIT_ACTION, target_id=str(flag.public_id),
                                     detail__feedback=fingerprint).exists():
            return "unchanged"
        result = _act(caller, actor, flag, entry)
        audit_record(actor=actor, action=AUDIT_ACTION, target=flag, patient=flag.patient,
                     detail={"feedback": fingerprint, "outcome": entry.outcome,
                             "result": result, "issuer": caller.issuer.iss,
                             "ehr_user": caller.ehr_user})
    return result


def _act(caller: Caller, actor, flag: Flag, entry: Feedback) -> str:
    if flag.state == Flag.State.RESOLVED:
        return "unchanged"
    by = f"in the EHR by {caller.ehr_user} ({caller.issuer.iss}) at {entry.at}"
    said = f" Clinician's comment: {entry.user_comment}" if entry.user_comment else ""
    if entry.outcome == "accepted":
        if flag.state == Flag.State.ACKNOWLEDGED:
            return "unchanged"
        data = AcknowledgeInput.parse({"comment": _fit(f"Accepted {by}.{said}")})
        flag_action_run("acknowledge", actor=actor, flag=flag, data=data)
        return "acknowledged"
    reason = reason_of(entry.reason)
    if reason is None:
        data = CommentInput.parse({"comment": _fit(
            f"Overridden {by}, {_foreign(entry.reason)}; the flag's state is unchanged.{said}")})
        flag_action_run("comment", actor=actor, flag=flag, data=data)
        return "commented"
    if flag.state == Flag.State.DISMISSED:
        return "unchanged"
    data = DismissInput.parse({"reason": reason.value,
                               "comment": _fit(f"{reason.label}: overridden {by}.{said}")})
    flag_action_run("dismiss", actor=actor, flag=flag, data=data)
    return "dismissed"


def _foreign(coding: dict | None) -> str:
    if not coding:
        return "without a reason"
    code = _clean(str(coding.get("code", "")))[:80]
    system = _clean(str(coding.get("system", "")))[:200]
    return f"with a reason CADM does not record ({system}#{code})"


def _fit(comment: str) -> str:
    return comment if len(comment) <= COMMENT_MAX else comment[:COMMENT_MAX - 1] + "…"
