"""The round trip of issue 12: export a patient ($everything), import the Bundle at another
site (cadm.fhir.importer, which registers a new patient), evaluate: the same flags.

One hand-made patient with labs (one under Synthea's LDH code), antibodies, PFTs and a visit,
whose counts are asserted; nothing is recorded again on the copy. Every kind of row, and every
patient of the demo cohort and of ../shared/cases, make the same trip in
test_import_records.py and test_roundtrip_cohort.py."""

from __future__ import annotations

import pytest

from cadm.fhir.importer import fhir_import
from cadm.models import Patient
from cadm.selectors.flags import patient_live_flags
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.api.conftest import token_client
from tests.cadm.rulesets.builders import mda5_patient
from tests.factories import AntibodyFactory, LabResultFactory, PftFactory

from .export_support import days_ago

pytestmark = pytest.mark.django_db


def _flags(patient) -> list[tuple[str, str, str, str]]:
    return sorted((f.code, f.severity, f.summary, f.detail) for f in patient_live_flags(patient))


def _source(site, rheumatologist) -> Patient:
    """Anti-MDA5 with ferritin above the RP-ILD threshold, raised CK and LDH (Synthea's
    LDH code), an anti-Mi-2 by ELISA, and two PFTs with a fall in FVC and DLCO."""
    patient = mda5_patient(site, rheumatologist, ferritin=1800)
    LabResultFactory(patient=patient, observed_on=days_ago(40), analyte="ck", value=850,
                     upper_limit=192)
    LabResultFactory(patient=patient, observed_on=days_ago(40), analyte="ldh", value=420,
                     upper_limit=250, loinc="14804-9")
    LabResultFactory(patient=patient, observed_on=days_ago(40), analyte="crp", value=3,
                     unit="mg/dL", value_normalised=30, unit_normalised="mg/L",
                     upper_limit=0.5, upper_limit_normalised=5)
    AntibodyFactory(patient=patient, observed_on=days_ago(240), antibody="mi2",
                    method="elisa", result="positive")
    PftFactory(patient=patient, observed_on=days_ago(200), fvc_l=3.4, fvc_pct_predicted=92,
               dlco_pct_predicted=80)
    PftFactory(patient=patient, observed_on=days_ago(20), fvc_l=2.9, fvc_pct_predicted=78,
               dlco_pct_predicted=61)
    patient_reevaluate(patient.pk)
    return patient


def test_export_import_elsewhere_evaluate_gives_the_same_flags(site, other_site,
                                                               rheumatologist, outsider):
    source = _source(site, rheumatologist)
    assert len(_flags(source)) >= 3
    response = token_client(rheumatologist).get(
        f"/fhir/r4/Patient/{source.public_id}/$everything")
    assert response.status_code == 200
    report = fhir_import(actor=outsider, site=other_site, bundle=response.json())
    assert report.refused == [] and report.patient_created
    copy = report.patient
    assert copy.site == other_site and copy.pk != source.pk
    assert (copy.mrn, copy.birth_date, copy.sex) == (source.mrn, source.birth_date, source.sex)
    assert (copy.skin_onset_date, copy.diagnosis_date) == (source.skin_onset_date,
                                                           source.diagnosis_date)
    # Every exported lab, antibody and PFT row came back, and the visit, none twice.
    assert report.counts()["imported"] == 9
    [visit] = copy.visits.all()
    [original] = source.visits.all()
    assert (visit.visit_on, visit.skin, visit.weakness, visit.symptoms, visit.assessed,
            visit.mmt8, visit.weight_kg) == (original.visit_on, original.skin,
                                             original.weakness, original.symptoms,
                                             original.assessed, original.mmt8,
                                             original.weight_kg)
    # Evaluate (the import does so on commit, which a test's transaction never reaches);
    # nothing is recorded again on the copy.
    patient_reevaluate(copy.pk)
    assert _flags(copy) == _flags(source)


def test_importing_the_export_again_imports_nothing(site, other_site, rheumatologist,
                                                   outsider):
    source = _source(site, rheumatologist)
    bundle = token_client(rheumatologist).get(
        f"/fhir/r4/Patient/{source.public_id}/$everything").json()
    first = fhir_import(actor=outsider, site=other_site, bundle=bundle)
    again = fhir_import(actor=outsider, site=other_site, bundle=bundle)
    assert again.patient == first.patient and not again.patient_created
    assert again.counts()["imported"] == 0 and again.refused == []
    assert again.patient.visits.count() == 1
