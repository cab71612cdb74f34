"""A patient with a long history, for the tests that count a page's queries: N visits, each
with a row of every kind of result on its day, some rows entered in error, then evaluated
(flags, screening plan) as the cohort would be."""

from __future__ import annotations

import datetime as dt

from cadm.models import (
    AutoantibodyResult,
    EyeExam,
    LabResult,
    Medication,
    MuscleStudy,
    RecordStatus,
    SkinBiopsy,
    Visit,
)
from cadm.services.evaluation import patient_reevaluate
from monitoring.models import HrctStudy, PpfAssessment, PulmonaryFunctionTest, SixMinuteWalk
from screening.models import CancerScreeningRecord
from tests.factories import PatientFactory

DAY = dt.timedelta(days=1)


def _rows(patient, visit, day: dt.date, n: int, *, last: bool) -> list:
    """One row of each kind of result, dated on the visit (KEYS below names them)."""
    given = {"patient": patient, "visit": visit, "observed_on": day,
             "recorded_by": patient.created_by}
    return [
        LabResult(**given, analyte="ck", value=150 + n, unit="U/L", value_normalised=150 + n,
                  unit_normalised="U/L", upper_limit=192, upper_limit_normalised=192),
        LabResult(**given, analyte="ldh", value=200, unit="U/L", value_normalised=200,
                  unit_normalised="U/L", upper_limit=250, upper_limit_normalised=250),
        AutoantibodyResult(**given, antibody="mda5", result="positive", method="line_blot"),
        PulmonaryFunctionTest(**given, fvc_pct_predicted=90 - n % 10,
                              dlco_pct_predicted=80 - n % 10),
        HrctStudy(**given, ild=n % 2 == 0),
        SixMinuteWalk(**given, distance_m=450, spo2_rest=97, spo2_nadir=93),
        PpfAssessment(**given, worsening_symptoms=False, radiological_progression=False),
        MuscleStudy(**given, kind="mri", abnormal=False),
        SkinBiopsy(**given, consistent_with_dm=True),
        # One course after another: the last one goes on.
        Medication(**given, drug="hydroxychloroquine", dose_mg_per_day=200,
                   end_on=None if last else day + 29 * DAY),
        EyeExam(**given, finding="normal"),
        CancerScreeningRecord(**given, panel="basic", result="no_cancer"),
    ]


def patient_with_history(site, creator, visits: int, *, today: dt.date) -> object:
    """A patient seen every 30 days up to `today` (the last visit 10 days ago), each visit
    with a row of every kind of result; every fifth visit (and its results) entered in
    error, so the pages show struck-through rows too."""
    first = today - dt.timedelta(days=10 + 30 * (visits - 1))
    patient = PatientFactory(site=site, created_by=creator, birth_date=dt.date(1970, 5, 5),
                             skin_onset_date=first - 60 * DAY, diagnosis_date=first - 30 * DAY)
    for n in range(visits):
        day = first + dt.timedelta(days=30 * n)
        status = RecordStatus.ENTERED_IN_ERROR if n % 5 == 4 else RecordStatus.FINAL
        visit = Visit.objects.create(
            patient=patient, visit_on=day, clinician=creator, status=status,
            skin=["heliotrope", "gottron_papules"], symptoms=["dry_cough"] if n % 3 else [],
            assessed=["skin", "strength", "symptoms"], mmt8=80)
        for row in _rows(patient, visit, day, n, last=n == visits - 1):
            row.status = status
            type(row).objects.bulk_create([row])
    patient_reevaluate(patient.pk, as_of=today)
    return patient
