"""The kinds of row §8 of the clinical reference gives no verified code for, as FHIR R4: an
HRCT, a muscle MRI/EMG/biopsy, a skin biopsy, a retinal screening, the PPF judgement, a
cancer-screening panel (each an Observation), and a medication course (a
MedicationStatement). Coded in our local systems (cadm/fhir/local_codes.py), so that FHIR
import reads them back exactly (cadm/fhir/records.py, medications.py) and a round trip gives
the same flags; a receiving EHR reads the displays and texts.

Shapes, each the simplest that comes back exactly:
- HRCT: code `urn:cadm:hrct|ild`, valueBoolean (ILD or not), one component
  `urn:cadm:hrct|finding` per finding (`urn:cadm:vocabulary:hrct_findings`), the extent score
  as `urn:cadm:hrct|extent-score` valueInteger;
- muscle study: code the kind (`urn:cadm:vocabulary:muscle_study_kinds|mri`, `emg`,
  `biopsy`), valueBoolean abnormal (MRI oedema, myopathic EMG, inflammatory biopsy), one
  component `urn:cadm:muscle-study|finding` per histology finding (`biopsy_findings`);
- skin biopsy: code `urn:cadm:skin-biopsy|consistent-with-dm`, valueBoolean;
- retinal screening: code `urn:cadm:eye-exam|retinal-screening`, valueCodeableConcept
  from `urn:cadm:vocabulary:eye_exam_findings`;
- PPF assessment: code `urn:cadm:ppf|assessment`, components `worsening-symptoms` and
  `radiological-progression` (valueBoolean each);
- cancer screening: code the panel (`urn:cadm:vocabulary:screening_panels`),
  valueCodeableConcept the result (`screening_results`);
- medication: MedicationStatement, medicationCodeableConcept the drug
  (`urn:cadm:vocabulary:drugs`, §8 verifies no RxNorm or ATC code) with the drug detail as
  its text, effectivePeriod the course (start, end), the daily dose as
  `dosage.doseAndRate.rateQuantity` in UCUM mg/d (our record holds a total per day, not a
  regimen), status active or completed (an end date), or entered-in-error.
The row's free text (a report, a note) is the resource's one `note` while the row is
current; a row entered in error carries the reason instead (export_resources.observation).

Pure functions of the rows given: no query, no clock.
"""

from __future__ import annotations

from cadm.models import RecordStatus
from cadm.rules import measurements

from . import export_codes as codes
from . import local_codes as local
from .export_resources import (
    annotations,
    antibody_observation,
    lab_observation,
    observation,
    pft_observations,
    walk_observations,
)


def _part(system: str, code: str, text: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": text}], "text": text}


def _value(name: str, code: str) -> dict:
    return {"coding": [local.coding(name, code)], "text": local.label(name, code)}


def _findings(system: str, code: str, vocabulary: str, found) -> list[dict]:
    return [{"code": _part(system, code, "Finding"), "valueCodeableConcept": _value(vocabulary, f)}
            for f in found or ()]


def _with_text(resource: dict, text: str) -> dict:
    """The row's free text as the note of a current row."""
    if text and resource["status"] != "entered-in-error":
        resource["note"] = annotations(text)
    return resource


def _base(row, ref: dict, code: dict, category: str) -> dict:
    return observation(row, obs_id=str(row.public_id), patient_ref=ref, code=code,
                       category=category)


def hrct_observation(row, ref: dict) -> dict:
    code = _part(local.HRCT, local.HRCT_ILD, "Interstitial lung disease on HRCT chest")
    resource = _base(row, ref, code, "imaging")
    resource["valueBoolean"] = bool(row.ild)
    components = _findings(local.HRCT, local.HRCT_FINDING, "hrct_findings", row.findings)
    if row.extent_score is not None:
        components.append({"code": _part(local.HRCT, local.HRCT_EXTENT, "Extent score"),
                           "valueInteger": int(row.extent_score)})
    if components:
        resource["component"] = components
    return _with_text(resource, row.report)


# The observation category of each muscle study (FHIR's observation-category).
MUSCLE_CATEGORY = {"mri": "imaging", "emg": "procedure", "biopsy": "laboratory"}


def muscle_observation(row, ref: dict) -> dict:
    label = local.label("muscle_study_kinds", row.kind)
    code = {"coding": [local.coding("muscle_study_kinds", row.kind)],
            "text": f"{label}: abnormal (oedema, myopathic EMG or inflammatory biopsy)"}
    resource = _base(row, ref, code, MUSCLE_CATEGORY.get(row.kind, "procedure"))
    resource["valueBoolean"] = bool(row.abnormal)
    components = _findings(local.MUSCLE, local.MUSCLE_FINDING, "biopsy_findings", row.findings)
    if components:
        resource["component"] = components
    return _with_text(resource, row.report)


def skin_biopsy_observation(row, ref: dict) -> dict:
    code = _part(local.SKIN_BIOPSY, local.SKIN_BIOPSY_DM,
                 "Skin biopsy consistent with dermatomyositis")
    resource = _base(row, ref, code, "laboratory")
    resource["valueBoolean"] = bool(row.consistent_with_dm)
    return _with_text(resource, row.report)


def eye_exam_observation(row, ref: dict) -> dict:
    code = _part(local.EYE_EXAM, local.EYE_EXAM_RETINA,
                 "Retinal screening (hydroxychloroquine)")
    resource = _base(row, ref, code, "exam")
    resource["valueCodeableConcept"] = _value("eye_exam_findings", row.finding)
    return _with_text(resource, row.report)


PPF_LABELS = {"worsening-symptoms": "Worsening respiratory symptoms",
              "radiological-progression": "Radiological progression on HRCT"}


def ppf_observation(row, ref: dict) -> dict:
    code = _part(local.PPF, local.PPF_ASSESSMENT,
                 "Progressive pulmonary fibrosis: the clinician's judgements")
    resource = _base(row, ref, code, "exam")
    resource["component"] = [
        {"code": _part(local.PPF, part, PPF_LABELS[part]),
         "valueBoolean": bool(getattr(row, field))} for part, field in local.PPF_PARTS.items()]
    return _with_text(resource, row.note)


def screening_observation(row, ref: dict) -> dict:
    code = {"coding": [local.coding("screening_panels", row.panel)],
            "text": f"Cancer screening: {local.label('screening_panels', row.panel)}"}
    resource = _base(row, ref, code, "procedure")
    resource["valueCodeableConcept"] = _value("screening_results", row.result)
    return _with_text(resource, row.note)


def medication_statement(row, ref: dict) -> dict:
    in_error = row.status == RecordStatus.ENTERED_IN_ERROR
    label = local.label("drugs", row.drug)
    period = {"start": row.observed_on.isoformat()}
    if row.end_on:
        period["end"] = row.end_on.isoformat()
    resource = {
        "resourceType": "MedicationStatement",
        "id": str(row.public_id),
        "status": "entered-in-error" if in_error else ("completed" if row.end_on
                                                       else "active"),
        "medicationCodeableConcept": {"coding": [local.coding("drugs", row.drug)],
                                      "text": row.drug_detail or label},
        "subject": ref,
        "effectivePeriod": period,
    }
    if row.dose_mg_per_day is not None:
        dose = measurements.fmt(row.dose_mg_per_day)
        resource["dosage"] = [{"text": f"{dose} mg/day", "doseAndRate": [{"rateQuantity": {
            "value": codes.fhir_decimal(row.dose_mg_per_day), "unit": "mg/day",
            "system": codes.UCUM, "code": local.DAILY_DOSE_UNIT}}]}]
    if in_error and row.status_reason:
        resource["note"] = annotations(f"Entered in error: {row.status_reason}")
    return resource


# Section keys (cadm.sections) whose rows are Observations, and their builders; every kind
# of result row is exported (medications as MedicationStatements, MEDICATIONS below).
OBSERVATION_BUILDERS = {
    "labs": lambda row, ref: [lab_observation(row, ref)],
    "antibodies": lambda row, ref: [antibody_observation(row, ref)],
    "pft": pft_observations,
    "six-minute-walk": walk_observations,
    "hrct": lambda row, ref: [hrct_observation(row, ref)],
    "muscle": lambda row, ref: [muscle_observation(row, ref)],
    "skin-biopsy": lambda row, ref: [skin_biopsy_observation(row, ref)],
    "eye-exams": lambda row, ref: [eye_exam_observation(row, ref)],
    "ppf": lambda row, ref: [ppf_observation(row, ref)],
    "cancer-screening": lambda row, ref: [screening_observation(row, ref)],
}
MEDICATIONS = "medications"
