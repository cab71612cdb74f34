"""Synthetic lung histories for the monitoring tests (dates relative to a given day)."""

import datetime as dt

from cadm.models import Patient
from cadm.selectors.rulesets import ruleset_active
from cadm.services.cohort_evaluation import cohort_reevaluate
from cadm.services.evaluation import patient_reevaluate
from monitoring.models import SixMinuteWalk
from tests.factories import (
    AntibodyFactory,
    HrctFactory,
    LabResultFactory,
    PatientFactory,
    PftFactory,
    VisitFactory,
)

UNITS = {"ferritin": "ng/mL", "kl6": "U/mL", "ck": "U/L", "crp": "mg/L", "ldh": "U/L"}


def ago(today: dt.date, days: int) -> dt.date:
    return today - dt.timedelta(days=days)


def sweep(today: dt.date) -> None:
    """Every patient through the daily sweep's path (one chunk): what the lung cohort lists
    is stored by the evaluation."""
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    outcome = cohort_reevaluate(ids, as_of=today, ruleset=ruleset_active())
    assert not outcome.errors, outcome.errors


def lab(patient, day, analyte, value):
    return LabResultFactory(patient=patient, observed_on=day, analyte=analyte, value=value,
                            unit=UNITS[analyte], unit_normalised=UNITS[analyte],
                            upper_limit=192 if analyte == "ck" else None)


def walk(patient, day, distance=420, nadir=87, rest=97):
    return SixMinuteWalk.objects.create(patient=patient, observed_on=day, distance_m=distance,
                                        spo2_nadir=nadir, spo2_rest=rest,
                                        recorded_by=patient.created_by)


def mda5_with_dlco_fall(site, clinician, today, *, family_name="Lungfall", evaluate=True):
    """Anti-MDA5 positive (line blot, grade 2) 200 days ago; ILD on HRCT; DLCO 72 → 58 %
    predicted over 180 days (critical ILD_PROGRESSION); ferritin 1700 ng/mL 10 days ago
    (critical MDA5_RPILD_MARKERS); 6-minute walk nadir 87 %."""
    p = PatientFactory(site=site, created_by=clinician, family_name=family_name,
                       given_name="Ada", birth_date=dt.date(1975, 5, 5),
                       skin_onset_date=ago(today, 400), diagnosis_date=ago(today, 210))
    VisitFactory(patient=p, visit_on=ago(today, 210))
    AntibodyFactory(patient=p, observed_on=ago(today, 200), grade=2)
    HrctFactory(patient=p, observed_on=ago(today, 190), ild=True,
                findings=["ground_glass", "reticulation"])
    PftFactory(patient=p, observed_on=ago(today, 190), fvc_pct_predicted=82,
               dlco_pct_predicted=72, fvc_l="3.00")
    PftFactory(patient=p, observed_on=ago(today, 100), fvc_pct_predicted=80,
               dlco_pct_predicted=70, fvc_l="2.95")
    PftFactory(patient=p, observed_on=ago(today, 10), fvc_pct_predicted=78,
               dlco_pct_predicted=58, fvc_l="2.90")
    for days, ferritin, kl6, ck in ((190, 900, 800, 150), (100, 700, 950, 140),
                                    (10, 1700, 1100, 160)):
        lab(p, ago(today, days), "ferritin", ferritin)
        lab(p, ago(today, days), "kl6", kl6)
        lab(p, ago(today, days), "ck", ck)
    walk(p, ago(today, 10))
    if evaluate:
        patient_reevaluate(p.pk, as_of=today)
    return p
