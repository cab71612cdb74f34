"""Load one case file (../shared/case-format.md) into the database as a synthetic patient.

The loader goes through the same checks as the web pages and calls the same services, so a
case file can hold nothing the pages would refuse: the typed inputs' parsers (cadm.inputs) for
every kind of the case format (labs, medications, antibodies, muscle studies, eye exams, PFT,
HRCT, walk test, cancer screening), as the pages' forms do; units are normalised,
plausibility ranges (clinical-reference.md §6.2) and dates checked there; history and audit
rows are written by the services.

Not loaded: `case_id` and `as_of` (dates are checked against `today` instead). The patient
is evaluated once, after the whole case has committed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from cadm.exceptions import DomainError, RowInvalid
from cadm.forms.results import medication_context
from cadm.forms.visits import EXAMINED_PARTS
from cadm.inputs import (
    AutoantibodyInput,
    CancerScreeningInput,
    Context,
    EyeExamInput,
    HrctInput,
    InputInvalid,
    LabInput,
    MedicationInput,
    MuscleStudyInput,
    PatientInput,
    PftInput,
    SixMinuteWalkInput,
    VisitInput,
)
from cadm.models import Patient, Site
from cadm.rules import vocabulary as v
from cadm.sections import ResultSection, get_section
from cadm.services.evaluation import evaluation_after_commit
from cadm.services.patients import patient_create
from cadm.services.visits import results_add, visit_record


class CaseInvalid(DomainError):
    """A value of the case file that a form refuses. `path` is its JSON path ("labs[3].value");
    `message` is the form's error, which names the field, the value and what is accepted."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class _Kind:
    """How one result list of the case file maps onto a section of the result pages."""

    case_key: str
    section_key: str
    date_key: str
    # case key -> form field; keys of the case entry that the form does not take are refused
    fields: dict[str, str]


_KINDS = (
    _Kind("labs", "labs", "date",
          {"test": "analyte", "value": "value", "unit": "unit", "upper_limit": "upper_limit"}),
    _Kind("antibodies", "antibodies", "date",
          {"antibody": "antibody", "result": "result", "method": "method", "grade": "grade"}),
    _Kind("pft", "pft", "date", {"fvc_pct_predicted": "fvc_pct_predicted",
                                 "dlco_pct_predicted": "dlco_pct_predicted", "fvc_l": "fvc_l"}),
    _Kind("hrct", "hrct", "date", {"ild": "ild", "findings": "findings"}),
    _Kind("six_minute_walk", "six-minute-walk", "date",
          {"distance_m": "distance_m", "spo2_rest": "spo2_rest", "spo2_nadir": "spo2_nadir"}),
    _Kind("muscle_studies", "muscle", "date",
          {"kind": "kind", "abnormal": "abnormal", "findings": "findings"}),
    _Kind("medications", "medications", "start_date",
          {"drug": "drug", "dose_mg_per_day": "dose_mg_per_day", "start_date": "observed_on",
           "end_date": "end_on"}),
    _Kind("eye_exams", "eye-exams", "date", {}),
    _Kind("cancer_screening", "cancer-screening", "date", {"panel": "panel", "result": "result"}),
)

# Every kind's rows are typed inputs: the loader calls their parser, as the forms do.
_TYPED = {"labs": LabInput, "medications": MedicationInput, "antibodies": AutoantibodyInput,
          "muscle_studies": MuscleStudyInput, "eye_exams": EyeExamInput, "pft": PftInput,
          "hrct": HrctInput, "six_minute_walk": SixMinuteWalkInput,
          "cancer_screening": CancerScreeningInput}
assert set(_TYPED) == {kind.case_key for kind in _KINDS}, "a case-file kind without its input"
_CASE_KEYS = {"case_id", "as_of", "patient", "visits",
              *(kind.case_key for kind in _KINDS)}
_PATIENT_KEYS = {"sex", "birth_date", "skin_onset_date", "diagnosis_date", "recorded_subtype",
                 "refractory_disease"}
_VISIT_KEYS = {"date": "visit_on", "weight_kg": "weight_kg", "skin": "skin",
               "weakness": "weakness", "symptoms": "symptoms", "mmt8": "mmt8"}
_DRUG_CODES = set(v.labels(v.DRUGS))


@transaction.atomic
def case_load(*, actor, site: Site, case: dict, mrn: str, family_name: str, given_name: str,
              today: date) -> Patient:
    """Create the patient of `case` at `site`, with its visits and results, all or nothing.

    Raises CaseInvalid for the first value a form refuses; the transaction then rolls back,
    so nothing of the case is saved. Values in the soft range of §6.2 are accepted as if the
    clinician had ticked "confirm unusual values": a case file is a deliberate record.
    """
    _refuse_unknown_keys(case, _CASE_KEYS, "")
    patient = _load_patient(actor=actor, site=site, case=case, today=today,
                            names={"mrn": mrn, "family_name": family_name,
                                   "given_name": given_name})
    for index, visit in enumerate(case.get("visits") or []):
        _load_visit(actor=actor, patient=patient, visit=visit, path=f"visits[{index}]",
                    today=today)
    by_date: dict[date, list[tuple[ResultSection, dict]]] = defaultdict(list)
    paths: dict[date, list[tuple[str, dict]]] = defaultdict(list)
    for kind in _KINDS:
        for index, entry in enumerate(case.get(kind.case_key) or []):
            path = f"{kind.case_key}[{index}]"
            day, row = _result_row(kind, entry, patient=patient, today=today, path=path)
            by_date[day].append(row)
            paths[day].append((path, {field: key for key, field in kind.fields.items()}))
    for day in sorted(by_date):
        try:
            results_add(actor=actor, patient=patient, observed_on=day, rows=by_date[day],
                        evaluate=False)
        except RowInvalid as exc:  # e.g. a dose above the rule set's typo guard
            path, case_keys = paths[day][exc.index]
            field, errors = next(iter(exc.error.message_dict.items()))
            raise CaseInvalid(_join(path, case_keys.get(field, field)), errors[0]) from None
    evaluation_after_commit(patient)
    return patient


def _load_patient(*, actor, site: Site, case: dict, today: date, names: dict) -> Patient:
    given = case.get("patient") or {}
    _refuse_unknown_keys(given, _PATIENT_KEYS, "patient")
    raw = {**names, "site": site, "notes": "",
           **{key: given.get(key) for key in _PATIENT_KEYS},
           "recorded_subtype": given.get("recorded_subtype") or "",
           "refractory_disease": bool(given.get("refractory_disease"))}
    # MRN and names are arguments, not keys of the case file, so their paths stand alone.
    def path_of(field: str) -> str:
        return field if field in names else _join("patient", field)

    # A case file is a deliberate record: its dates are what the contract allows.
    try:
        patient_input = PatientInput.parse(raw, context=Context(today=today, confirmed=True))
        return patient_create(actor=actor, data=patient_input, evaluate=False)
    except InputInvalid as exc:
        field, message = exc.first()
        raise CaseInvalid(path_of(field), message) from None
    except ValidationError as exc:
        field, errors = next(iter(exc.message_dict.items()))
        raise CaseInvalid(path_of(field), errors[0]) from None


def _load_visit(*, actor, patient: Patient, visit: dict, path: str, today: date) -> None:
    _refuse_unknown_keys(visit, set(_VISIT_KEYS), path)
    data = {field: visit.get(key) for key, field in _VISIT_KEYS.items()}
    # A case file's visit assessed every part it can list (case-format.md: contract unchanged).
    data["assessed"] = [code for code, _ in EXAMINED_PARTS]
    case_keys = {field: key for key, field in _VISIT_KEYS.items()}
    # The page's parser (cadm.inputs.visits); a case file's unusual values are confirmed.
    context = Context(today=today, birth_date=patient.birth_date, confirmed=True)
    try:
        visit_input = VisitInput.parse(data, context=context)
    except InputInvalid as exc:
        field, message = exc.first()
        raise CaseInvalid(_join(path, case_keys.get(field, field)), message) from None
    visit_record(actor=actor, patient=patient, visit_data=visit_input, rows=[],
                 evaluate=False)


def _result_row(kind: _Kind, entry: dict, *, patient: Patient, today: date,
                path: str) -> tuple[date, tuple[ResultSection, object]]:
    """One result through its kind's typed input (cadm.inputs), as the page's form does: same
    checks, same messages; the date is the input's `observed_on`, checked against `today`
    and the birth date."""
    _refuse_unknown_keys(entry, {kind.date_key, *kind.fields}, path)
    section = get_section(kind.section_key)
    raw = _form_data(kind, entry)
    raw["observed_on"] = entry.get(kind.date_key)
    # A case file is a deliberate record: unusual values count as confirmed. The context
    # carries the active rule set's dose guard, as the pages' (cadm.forms.results).
    context = medication_context(today=today, birth_date=patient.birth_date, confirmed=True)
    try:
        row = _TYPED[kind.case_key].parse(raw, context=context)
    except InputInvalid as exc:
        field, message = exc.first()
        key = kind.date_key if field == "observed_on" else \
            {f: k for k, f in kind.fields.items()}.get(field, field)
        raise CaseInvalid(_join(path, key), message) from None
    return row.observed_on, (section, row)


def _form_data(kind: _Kind, entry: dict) -> dict:
    data = {field: entry.get(key) for key, field in kind.fields.items()}
    for flag in ("ild", "abnormal"):
        if isinstance(data.get(flag), bool):
            data[flag] = "yes" if data[flag] else "no"
    if kind.case_key == "medications":
        drug = data.get("drug")
        # The form lists the usual drugs; any other is recorded as "other", named in detail.
        if drug and drug not in _DRUG_CODES:
            data["drug"], data["drug_detail"] = "other", drug
    if kind.case_key == "eye_exams":
        # The case format records that a retinal screening took place, not its finding.
        data["finding"] = "normal"
    # Case files hold deliberate, sometimes unusual values: confirm them as a clinician would.
    data["confirm_unusual"] = True
    return data


def _refuse_unknown_keys(entry, known: set[str], path: str) -> None:
    """A misspelt key would otherwise be dropped without a word."""
    if not isinstance(entry, dict):
        raise CaseInvalid(path, "expected an object.")
    unknown = sorted(set(entry) - known)
    if unknown:
        raise CaseInvalid(_join(path, unknown[0]),
                          f"unknown key; accepted: {', '.join(sorted(known))}.")


def _join(path: str, field: str | None) -> str:
    if not path:
        return field or ""
    return f"{path}.{field}" if field else path
