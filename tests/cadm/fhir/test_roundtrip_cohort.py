"""Issue 12's round trip for every patient we can build, not one made to fit: each patient of
the synthetic demo cohort (cadm.demo) and each shared case file (../shared/cases/) is loaded
as load_demo and import_case load them, evaluated, exported by GET $everything, imported at
another site as a new patient, and evaluated again on the same day. The copy must carry the
same live flags (code, severity, summary, detail and evidence values) and the same derived
subtype. Every export also validates as FHIR R4 (fhir.resources R4B and fhirclient)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings

from cadm.demo import demo_cohort
from cadm.fhir.importer import fhir_import
from cadm.selectors.flags import patient_live_flags
from cadm.services.case_loader import case_load
from cadm.services.evaluation import patient_evaluation, patient_reevaluate
from tests.cadm.api.conftest import token_client

from .export_support import validate_r4

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
COHORT = demo_cohort(today=TODAY)
CASES = sorted(p for p in (Path(settings.BASE_DIR).parent / "shared" / "cases").glob("*.json")
               if not p.name.endswith(".expected.json"))


def _flags(patient) -> list[tuple]:
    return sorted((f.code, f.severity, f.summary, f.detail,
                   json.dumps(f.evidence, sort_keys=True)) for f in patient_live_flags(patient))


def _subtype(patient, as_of: dt.date) -> tuple:
    found = patient_evaluation(patient, as_of=as_of).classification
    return found.subtype, found.confirmation


def _round_trip(source, *, rheumatologist, outsider, other_site, as_of: dt.date):
    patient_reevaluate(source.pk, as_of=as_of)
    response = token_client(rheumatologist).get(
        f"/fhir/r4/Patient/{source.public_id}/$everything")
    assert response.status_code == 200
    bundle = response.json()
    validate_r4(bundle)
    report = fhir_import(actor=outsider, site=other_site, bundle=bundle, today=as_of)
    assert report.refused == [] and report.patient_created, report.refused
    copy = report.patient
    assert copy.site == other_site and copy.pk != source.pk
    # The import evaluates on commit, which a test's transaction never reaches.
    patient_reevaluate(copy.pk, as_of=as_of)
    assert _subtype(copy, as_of) == _subtype(source, as_of)
    assert _flags(copy) == _flags(source)
    return source, copy, report


def test_the_shared_cases_are_there():
    assert len(CASES) >= 6 and len(COHORT) >= 40


@pytest.mark.parametrize("demo", COHORT, ids=[f"{d.mrn}-{d.phenotype}" for d in COHORT])
def test_every_demo_patient_comes_back_with_the_same_flags(demo, site, other_site,
                                                          rheumatologist, outsider):
    source = case_load(actor=rheumatologist, site=site, case=demo.case, mrn=demo.mrn,
                       family_name=demo.family_name, given_name=demo.given_name, today=TODAY)
    _round_trip(source, rheumatologist=rheumatologist, outsider=outsider,
                other_site=other_site, as_of=TODAY)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_shared_case_comes_back_with_the_same_flags(path, site, other_site,
                                                         rheumatologist, outsider):
    case = json.loads(path.read_text())
    as_of = dt.date.fromisoformat(case["as_of"])
    source = case_load(actor=rheumatologist, site=site, case=case, mrn=path.stem[:4].upper(),
                       family_name="Case", given_name=path.stem, today=as_of)
    _round_trip(source, rheumatologist=rheumatologist, outsider=outsider,
                other_site=other_site, as_of=as_of)
