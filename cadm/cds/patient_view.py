"""The `patient-view` service: the cards for the patient the EHR's clinician opened.

A patient we hold (matched by identifier at the EHR's sites): the live flags as stored, with
their review state. Quiet flags stay quiet in the EHR as in our worklist (DESIGN §6, the
fight against alert fatigue): a dismissed flag, or one snoozed until a later day, gives no
card until its evidence changes and it reopens. A patient we do not hold: the active rule set
on the EHR's data, stored nowhere (cadm/cds/unknown.py).
"""

from __future__ import annotations

from datetime import date

from cadm.models import Flag, Patient
from cadm.selectors.flags import patient_live_flags
from cadm.services.audit_reads import audit_read

from .cards import stored_card
from .matching import patient_match
from .prefetch import HookData
from .security import Caller
from .unknown import unstored_cards


def shown_in_ehr(flag: Flag, today: date) -> bool:
    if flag.state == Flag.State.DISMISSED:
        return False
    return not (flag.state == Flag.State.SNOOZED and flag.snoozed_until
                and flag.snoozed_until >= today)


def patient_view_cards(caller: Caller, data: HookData, *, base_url: str,
                       today: date) -> list[dict]:
    patient = patient_match(data.patient(), caller.issuer)
    if patient is None:
        return unstored_cards(caller, data, base_url=base_url, today=today)
    return stored_cards(caller, patient, base_url=base_url, today=today)


def stored_cards(caller: Caller, patient: Patient, *, base_url: str, today: date) -> list[dict]:
    flags = [f for f in patient_live_flags(patient) if shown_in_ehr(f, today)]
    for flag in flags:
        flag.patient = patient  # one patient: no query per card for its link
    # Showing a record to an EHR is a read of it, recorded as the pages' are: no user of
    # ours asked (the EHR's user is named in the row), so not through a view's read scope.
    audit_read(None, what="cds-service", patient=patient, action="cds.cards",
               detail={"issuer": caller.issuer.iss, "ehr_user": caller.ehr_user,
                       "flags": [str(f.public_id) for f in flags]})
    return [stored_card(flag, base_url=base_url) for flag in flags]
