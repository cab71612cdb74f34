"""FHIR import of a medication course as our export writes it (export_records.py): one
MedicationStatement -> the raw values of a MedicationInput (drug, drug detail, daily dose,
start, end), with the FHIR path of each.

- the drug: a code of our drugs vocabulary (`urn:cadm:vocabulary:drugs`). §8 of the clinical
  reference verifies no RxNorm or ATC code, so another system's coding is skipped with the
  reason, never guessed at: the hydroxychloroquine rules dose by the drug, and a wrong drug is
  worse than none. The concept's text is the drug detail when it is not the drug's label (the
  name of an "other" drug, a formulation);
- the course: `effectivePeriod.start` (required: every course has one) and `.end`;
- the daily dose: `dosage[0].doseAndRate[0].rateQuantity` in UCUM mg/d (our record's total
  per day); another unit is refused, a dose quantity with a timing is not read (turning a
  regimen into a total is a clinician's call);
- status: active, completed, stopped are courses taken; entered-in-error withdraws ours; the
  others (intended, on-hold, not-taken, unknown) are skipped with the reason.
The resource is checked by fhir.resources' R4B model and its subject against the bundle's
patient, as every Observation; the typed input checks the values.
"""

from __future__ import annotations

from . import codes as c
from . import local_codes as local
from .mapped import MappedRow, Skipped
from .observations import Outcome, named, resource_problems
from .structure import codings, day_of, decimal_of, shown

SECTION_KEY = "medications"
TAKEN = ("active", "completed", "stopped")
NOT_TAKEN = {"intended": "not started yet", "on-hold": "on hold",
             "not-taken": "not taken", "unknown": "the source does not know"}
STATUSES = (*TAKEN, *NOT_TAKEN, c.ENTERED_IN_ERROR)


def _dose(resource: dict, path: str, out: Outcome) -> tuple[object, str] | None:
    dosage = resource.get("dosage")
    first = dosage[0] if isinstance(dosage, list) and dosage else None
    rates = first.get("doseAndRate") if isinstance(first, dict) else None
    rate = rates[0] if isinstance(rates, list) and rates and isinstance(rates[0], dict) \
        else None
    quantity = rate.get("rateQuantity") if rate else None
    if not isinstance(quantity, dict):
        return None
    where = f"{path}.dosage[0].doseAndRate[0].rateQuantity"
    if quantity.get("system") != c.UCUM or quantity.get("code") != local.DAILY_DOSE_UNIT:
        out.refused.append((f"{where}.code", f"Dose (mg/day): unit "
                                             f"{shown(quantity.get('code'))} is not accepted; "
                                             f"accepted: UCUM mg/d."))
        return None
    return decimal_of(quantity.get("value")), f"{where}.value"


def medication_statement(resource: dict, path: str, *, patient_refs: frozenset[str] | None
                         ) -> Outcome:
    out = Outcome()
    concept = resource.get("medicationCodeableConcept")
    drug = local.code_in(codings(concept), "drugs")
    if drug is None:
        out.skipped.append(Skipped(path, f"MedicationStatement {named(concept)}: not a drug "
                                         f"code of ours; no drug code is verified in the "
                                         f"clinical reference, so none is guessed. Enter the "
                                         f"course by hand."))
        return out
    status = resource.get("status")
    if status not in STATUSES:
        out.refused.append((f"{path}.status", f"Status: {shown(status)} is not a "
                                              f"MedicationStatement status; accepted: "
                                              f"{', '.join(STATUSES)}."))
        return out
    if status in NOT_TAKEN:
        out.skipped.append(Skipped(path, f"MedicationStatement {named(concept)}: status "
                                         f"'{status}' ({NOT_TAKEN[status]}): not imported."))
        return out
    problems = resource_problems(resource, path, patient_refs)
    if problems:
        out.refused.extend(problems)
        return out
    period = resource.get("effectivePeriod") if isinstance(resource.get("effectivePeriod"),
                                                           dict) else {}
    start = day_of(period.get("start"))
    if status == c.ENTERED_IN_ERROR:  # a withdrawn course only finds ours
        out.rows.append(MappedRow(SECTION_KEY, {"observed_on": start}, path, {}, status))
        return out
    if start is None:
        out.refused.append((f"{path}.effectivePeriod.start", "Start date: missing or not a "
                                                             "full day; a course needs the "
                                                             "day it started."))
        return out
    raw = {"drug": drug, "observed_on": start.isoformat(), "drug_detail": ""}
    fields = {"drug": f"{path}.medicationCodeableConcept",
              "observed_on": f"{path}.effectivePeriod.start"}
    text = concept.get("text") if isinstance(concept, dict) else None
    if isinstance(text, str) and text != local.label("drugs", drug):
        raw["drug_detail"], fields["drug_detail"] = text, f"{path}.medicationCodeableConcept.text"
    if period.get("end") is not None:
        end = day_of(period.get("end"))
        raw["end_on"] = end.isoformat() if end else period.get("end")
        fields["end_on"] = f"{path}.effectivePeriod.end"
    dose = _dose(resource, path, out)
    if out.refused:  # a dose in another unit: the course is not written without it
        return out
    if dose is not None:
        raw["dose_mg_per_day"], fields["dose_mg_per_day"] = dose
    out.rows.append(MappedRow(SECTION_KEY, raw, path, fields, status))
    return out
