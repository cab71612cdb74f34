"""No input makes the FHIR import fail with an exception (a 500 at the API): every element
of a small bundle replaced in turn by values of the wrong type or shape."""

from __future__ import annotations

import copy

import pytest

from cadm.fhir.importer import fhir_import
from cadm.fhir.mapping import map_bundle, map_resources
from tests.cadm.fhir.bundles import DM_CONDITION, PATIENT, bundle, lab

JUNK = [None, True, -1, 1e308, "", "x" * 300, "2025-13-45", [], {}, [None], {"a": 1},
        float("nan")]


def _leaves(node, path=()):
    """Every element path of a JSON document, containers included."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _replaced(document, path, value):
    copied = copy.deepcopy(document)
    if not path:
        return value
    node = copied
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copied


BASE = bundle(PATIENT, DM_CONDITION, lab("2157-6", 250, id="ck-1", referenceRange=[
    {"low": {"value": 26, "code": "U/L"}, "high": {"value": 192, "code": "U/L"}}]),
    {"resourceType": "Observation", "status": "final", "effectiveDateTime": "2025-02-01",
     "code": {"coding": [{"system": "http://loinc.org", "code": "82424-3"}]},
     "valueCodeableConcept": {"text": "positive"}},
    lab("19872-1", 80, "%"))
CASES = [(path, junk) for path in _leaves(BASE) for junk in JUNK]


@pytest.mark.parametrize("index", range(0, len(CASES), 7))
def test_no_exception_on_any_element(index, site, rheumatologist):
    for path, junk in CASES[index:index + 7]:
        report = fhir_import(actor=rheumatologist, site=site, partial=True,
                             bundle=_replaced(BASE, path, junk))
        assert report.counts()  # a report, whatever came in


def test_mapper_takes_any_resource_shape():
    for junk in JUNK:
        map_resources([("x", {"resourceType": "Observation", "status": junk, "code": junk,
                              "component": junk, "valueQuantity": junk,
                              "referenceRange": junk, "effectivePeriod": junk})])


def _ours() -> dict:
    """One resource of each kind our export codes locally, built by the export's own
    builders from unsaved rows, with the dermatomyositis Condition and Patient extensions."""
    import datetime as dt  # noqa: PLC0415 - only this bundle needs them
    import uuid  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415

    from cadm.fhir import export_records as rec  # noqa: PLC0415
    from cadm.fhir import local_codes as local  # noqa: PLC0415
    from cadm.models import EyeExam, Medication, MuscleStudy  # noqa: PLC0415
    from monitoring.models import HrctStudy, PpfAssessment, SixMinuteWalk  # noqa: PLC0415
    from screening.models import CancerScreeningRecord  # noqa: PLC0415

    day = dt.date(2025, 2, 1)
    ref = {"reference": "Patient/p1"}
    common = {"observed_on": day, "status": "final"}
    rows = [
        MuscleStudy(**common, kind="biopsy", abnormal=True,
                    findings=["perifascicular_atrophy"], report="r"),
        HrctStudy(**common, ild=True, findings=["ground_glass"], extent_score=3, report="r"),
        EyeExam(**common, finding="normal", report="r"),
        PpfAssessment(**common, worsening_symptoms=True, radiological_progression=False),
        CancerScreeningRecord(**common, panel="basic", result="no_cancer", note="n"),
    ]
    for row in rows:
        row.public_id = uuid.uuid4()
    builders = {MuscleStudy: rec.muscle_observation, HrctStudy: rec.hrct_observation,
                EyeExam: rec.eye_exam_observation, PpfAssessment: rec.ppf_observation,
                CancerScreeningRecord: rec.screening_observation}
    resources = [builders[type(row)](row, ref) for row in rows]
    walk = SixMinuteWalk(**common, public_id=uuid.uuid4(), distance_m=400, spo2_nadir=88,
                         spo2_rest=96)
    resources += rec.walk_observations(walk, ref)
    course = Medication(**common, public_id=uuid.uuid4(), drug="other", drug_detail="x",
                        dose_mg_per_day=Decimal("10"), end_on=day)
    resources.append(rec.medication_statement(course, ref))
    patient = {**PATIENT, "extension": [{"url": local.HIGH_NPC_REGION, "valueBoolean": True}]}
    condition = {**DM_CONDITION, "extension": [
        {"url": local.RECORDED_SUBTYPE, "valueCodeableConcept": {"coding": [
            local.coding("subtypes", "amyopathic")]}},
        {"url": local.REFRACTORY, "valueBoolean": True}]}
    return bundle(patient, condition, *resources)


def test_our_own_kinds_map_without_exception_whatever_is_replaced():
    ours = _ours()
    assert len(map_bundle(ours).rows) == 6 and len(map_bundle(ours).medications) == 1
    # Each element gets a third of the junk, in turn (all of it costs seconds for nothing).
    for index, path in enumerate(_leaves(ours)):
        for junk in JUNK[index % 3::3]:
            map_bundle(_replaced(ours, path, junk))


@pytest.mark.parametrize("start", range(0, 12))
def test_our_own_kinds_import_without_exception(start, site, rheumatologist):
    ours = _ours()
    cases = [(path, junk) for path in _leaves(ours) for junk in JUNK]
    for path, junk in cases[start::97]:
        report = fhir_import(actor=rheumatologist, site=site, partial=True,
                             bundle=_replaced(ours, path, junk))
        assert report.counts()
