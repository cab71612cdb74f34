"""No input makes the FHIR import fail with an exception (a 500 at the API): every element
of a small bundle replaced in turn by values of the wrong type or shape."""

from __future__ import annotations

import copy

import pytest

from cadm.fhir.importer import fhir_import
from cadm.fhir.mapping import map_resources
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
