"""Override reasons as the EHR sees them: codes of HL7's non-adherence-reason code system
(CDS Hooks vocabulary), each one of our dismissal reasons (cadm.models.OverrideReason, whose
codes are HL7's as they are since migration 0017). HL7's children of
`recipient-disagrees-evidence` (e.g. `expert-contradicts`) are dismissals for that reason
too. Any other code (an EHR may add its own reasons) is not a reason we can record: the
feedback is kept as a comment instead (cadm/cds/feedback.py).
"""

from __future__ import annotations

from cadm.models import OverrideReason

HL7_SYSTEM = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"

# Ours -> HL7's code for it.
HL7_CODE = {
    OverrideReason.ACTION_COMPLETED: "action-completed",
    OverrideReason.PATIENT_INELIGIBLE: "patient-ineligible",
    OverrideReason.NEED_MORE_INFO: "need-more-info",
    OverrideReason.RECIPIENT_DISAGREES: "recipient-disagrees-evidence",
    OverrideReason.PATIENT_REFUSED: "patient-refuses",
    OverrideReason.ALTERNATIVE_TREATMENT: "prefers-alternative",
}
# HL7's narrower codes that mean one of ours (children in the code system's hierarchy).
HL7_NARROWER = {
    "does-not-align-latest-evidence": OverrideReason.RECIPIENT_DISAGREES,
    "expert-contradicts": OverrideReason.RECIPIENT_DISAGREES,
    "policy-contradicts": OverrideReason.RECIPIENT_DISAGREES,
    "recipient-does-not-trust": OverrideReason.RECIPIENT_DISAGREES,
}
OURS_BY_HL7 = {code: ours for ours, code in HL7_CODE.items()} | HL7_NARROWER


def override_reasons() -> list[dict]:
    """A card's `overrideReasons`: every reason we can record, with its display (required).
    A reason added to the model without an HL7 code here is not offered (a test says so)."""
    return [{"code": HL7_CODE[reason], "system": HL7_SYSTEM, "display": reason.label}
            for reason in OverrideReason if reason in HL7_CODE]


def reason_of(coding: object) -> OverrideReason | None:
    """Our reason for a feedback's `overrideReason.reason` Coding, or None (not ours)."""
    if not isinstance(coding, dict) or coding.get("system") != HL7_SYSTEM:
        return None
    code = coding.get("code")
    return OURS_BY_HL7.get(code) if isinstance(code, str) else None
