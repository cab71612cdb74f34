"""Patients whose IMACS tier is known, for the screening tests."""

import datetime as dt

from cadm.services.evaluation import patient_reevaluate
from tests.factories import AntibodyFactory, PatientFactory, VisitFactory

DIAGNOSIS = dt.date(2025, 2, 1)


def patient_with_tier(site, creator, tier: str, *, sex="female", as_of=dt.date(2025, 3, 1)):
    """standard: onset age 30, no factor... high: onset age 57 + anti-TIF1-γ."""
    birth = {"standard": dt.date(1994, 1, 1), "moderate": dt.date(1994, 1, 1),
             "high": dt.date(1967, 2, 11), "not_applicable": dt.date(2010, 1, 1)}[tier]
    patient = PatientFactory(site=site, created_by=creator, sex=sex, birth_date=birth,
                             skin_onset_date=dt.date(2024, 11, 1), diagnosis_date=DIAGNOSIS)
    VisitFactory(patient=patient, visit_on=DIAGNOSIS, skin=["heliotrope", "gottron_papules"])
    if tier == "moderate":
        AntibodyFactory(patient=patient, observed_on=DIAGNOSIS, antibody="mda5")
    if tier == "high":
        AntibodyFactory(patient=patient, observed_on=DIAGNOSIS, antibody="tif1g")
    patient_reevaluate(patient.pk, as_of=as_of)
    return patient
