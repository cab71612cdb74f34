"""Demo phenotypes around hydroxychloroquine retinal safety (AAO 2016, clinical-reference.md
§7): a dose above 5.0 mg/kg of real weight, long use without a recent retinal screening, and
well-screened use."""

from __future__ import annotations

from .builder import CaseBuilder
from .subtype import amyopathic_course


def hcq_high_dose(b: CaseBuilder) -> None:
    """400 mg/day at 54–74 kg: 5.4–7.4 mg/kg/day, above the AAO limit."""
    amyopathic_course(b, onset_months=(8, 48), sex="female", weight=(54, 74), hcq=False)
    b.hcq(b.day_after(b.diagnosis, 0, 30), dose=400)


def hcq_long_term_no_eye_exam(b: CaseBuilder) -> None:
    """On hydroxychloroquine for over 5 years with no retinal screening in the last year
    (baseline only, or never screened for one of them). Onset is 5½–6½ years back, longer
    than the rest of the cohort, because the phenotype needs 5 years of use."""
    amyopathic_course(b, onset_months=(66, 80), hcq=False)
    b.hcq(b.day_after(b.diagnosis, 0, 30), eyes="none" if b.instance == 2 else "lapsed")


def hcq_with_eye_exams(b: CaseBuilder) -> None:
    """Dose within 5 mg/kg; baseline retinal screening and yearly examinations since."""
    amyopathic_course(b, onset_months=(14, 58), hcq=False)
    b.hcq(b.day_after(b.diagnosis, 0, 30), eyes="annual")


PHENOTYPES = {
    "hcq_high_dose": hcq_high_dose,
    "hcq_long_term_no_eye_exam": hcq_long_term_no_eye_exam,
    "hcq_with_eye_exams": hcq_with_eye_exams,
}
