"""FHIR import of the records our export codes in local systems (cadm/fhir/export_records.py
writes them, cadm/fhir/local_codes.py names the codes): an HRCT, a muscle MRI/EMG/biopsy, a
skin biopsy, a retinal screening, the PPF judgement and a cancer-screening panel, each one
Observation -> the raw values of its typed input (HrctInput, MuscleStudyInput,
SkinBiopsyInput, EyeExamInput, PpfAssessmentInput, CancerScreeningInput), with the FHIR path
of every value.

Only our codes are read: §8 of the clinical reference verifies no standard code for these, and
a guess at another system's coding of a scan or a biopsy would put findings in a record that
nobody made. The Observation passes the gate every Observation passes (status, structure,
subject, day: cadm.fhir.observations.admitted); entered-in-error gives a row that only finds
ours to withdraw. A value is not checked here: a missing or wrong one reaches the typed input,
which refuses it in the words every door uses. A finding under a code we do not know is
skipped with the reason, never a failure. The notes are the row's free text (its report or
note), as the export writes them.
"""

from __future__ import annotations

from . import codes as c
from . import local_codes as local
from .mapped import MappedRow, Skipped
from .observations import Outcome, admitted, named
from .structure import codings


def _pairs(concept: object) -> set[tuple[str, str]]:
    return {(system, code) for system, code, _ in codings(concept)}


def record_kind(resource: dict) -> str | None:
    """The section key (cadm.sections) of an Observation coded as one of our records."""
    code = resource.get("code")
    pairs = _pairs(code)
    if (local.HRCT, local.HRCT_ILD) in pairs:
        return "hrct"
    if local.code_in(codings(code), "muscle_study_kinds"):
        return "muscle"
    if (local.SKIN_BIOPSY, local.SKIN_BIOPSY_DM) in pairs:
        return "skin-biopsy"
    if (local.EYE_EXAM, local.EYE_EXAM_RETINA) in pairs:
        return "eye-exams"
    if (local.PPF, local.PPF_ASSESSMENT) in pairs:
        return "ppf"
    if local.code_in(codings(code), "screening_panels"):
        return "cancer-screening"
    return None


def _boolean(element: dict, where: str, raw: dict, fields: dict, name: str) -> None:
    """A yes/no as sent; anything but a boolean is left to the input, which refuses it."""
    value = element.get("valueBoolean")
    raw[name] = value if isinstance(value, bool) else None
    fields[name] = f"{where}.valueBoolean"


def _coded(concept: object, vocabulary: str) -> str | None:
    """Our code, else the first code sent (the input then refuses it by name), else None."""
    found = codings(concept)
    return local.code_in(found, vocabulary) or next((code for _, code, _ in found if code),
                                                    None)


def _components(resource: dict, path: str):
    components = resource.get("component")
    for index, component in enumerate(components if isinstance(components, list) else []):
        if isinstance(component, dict):
            yield component, f"{path}.component[{index}]"


def _findings(resource: dict, path: str, system: str, part: str, vocabulary: str,
              raw: dict, fields: dict, out: Outcome) -> None:
    raw["findings"] = []
    for component, where in _components(resource, path):
        if (system, part) not in _pairs(component.get("code")):
            continue
        value = component.get("valueCodeableConcept")
        found = local.code_in(codings(value), vocabulary)
        if found is None:
            out.skipped.append(Skipped(f"{where}.valueCodeableConcept",
                                       f"Finding {named(value)}: not a code of ours; the "
                                       f"finding is not imported."))
        elif found not in raw["findings"]:
            raw["findings"].append(found)
            fields.setdefault("findings", f"{where}.valueCodeableConcept")


def _hrct(resource: dict, path: str, raw: dict, fields: dict, out: Outcome) -> None:
    _boolean(resource, path, raw, fields, "ild")
    _findings(resource, path, local.HRCT, local.HRCT_FINDING, "hrct_findings", raw, fields,
              out)
    for component, where in _components(resource, path):
        if (local.HRCT, local.HRCT_EXTENT) in _pairs(component.get("code")):
            raw["extent_score"] = component.get("valueInteger")
            fields["extent_score"] = f"{where}.valueInteger"


def _muscle(resource: dict, path: str, raw: dict, fields: dict, out: Outcome) -> None:
    raw["kind"] = local.code_in(codings(resource.get("code")), "muscle_study_kinds")
    fields["kind"] = f"{path}.code"
    _boolean(resource, path, raw, fields, "abnormal")
    _findings(resource, path, local.MUSCLE, local.MUSCLE_FINDING, "biopsy_findings", raw,
              fields, out)


def _skin_biopsy(resource: dict, path: str, raw: dict, fields: dict, out: Outcome) -> None:
    _boolean(resource, path, raw, fields, "consistent_with_dm")


def _eye_exam(resource: dict, path: str, raw: dict, fields: dict, out: Outcome) -> None:
    raw["finding"] = _coded(resource.get("valueCodeableConcept"), "eye_exam_findings")
    fields["finding"] = f"{path}.valueCodeableConcept"


def _ppf(resource: dict, path: str, raw: dict, fields: dict, out: Outcome) -> None:
    for name in local.PPF_PARTS.values():
        raw[name], fields[name] = None, f"{path}.component"
    for component, where in _components(resource, path):
        for part, name in local.PPF_PARTS.items():
            if (local.PPF, part) in _pairs(component.get("code")):
                _boolean(component, where, raw, fields, name)


def _screening(resource: dict, path: str, raw: dict, fields: dict, out: Outcome) -> None:
    raw["panel"] = local.code_in(codings(resource.get("code")), "screening_panels")
    fields["panel"] = f"{path}.code"
    raw["result"] = _coded(resource.get("valueCodeableConcept"), "screening_results")
    fields["result"] = f"{path}.valueCodeableConcept"


# Section key -> (its reader, the field holding the row's free text).
READERS = {"hrct": (_hrct, "report"), "muscle": (_muscle, "report"),
           "skin-biopsy": (_skin_biopsy, "report"), "eye-exams": (_eye_exam, "report"),
           "ppf": (_ppf, "note"), "cancer-screening": (_screening, "note")}


def record_observation(resource: dict, path: str, *, patient_refs: frozenset[str] | None
                       ) -> Outcome:
    out = Outcome()
    kind = record_kind(resource)
    found = admitted(resource, path, patient_refs, out)
    if kind is None or found is None:
        return out
    status, day, day_path = found
    if status == c.ENTERED_IN_ERROR:  # a withdrawn row only finds ours
        out.rows.append(MappedRow(kind, {"observed_on": day}, path, {}, status))
        return out
    reader, text_field = READERS[kind]
    raw, fields = {"observed_on": day}, {"observed_on": day_path}
    reader(resource, path, raw, fields, out)
    notes = [n.get("text") for n in resource.get("note") or []
             if isinstance(n, dict) and isinstance(n.get("text"), str) and n.get("text")]
    if notes:
        raw[text_field], fields[text_field] = "\n\n".join(notes), f"{path}.note"
    out.rows.append(MappedRow(kind, raw, path, fields, status))
    return out
