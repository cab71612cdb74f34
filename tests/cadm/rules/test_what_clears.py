"""Every flag's "what clears it" is true (issue 9, item 4; DESIGN.md §5: a flag's detail says
what would clear it).

For every code the engine can produce, facts that fire it; the clearing event its detail
names (a later visit, an exam, a PFT, a screening record, a negative antibody, a corrected
date, a stopped course...); the flag is gone after it, and the detail names that event, so
that text and code cannot drift apart. An event-driven clearing is checked against the same
day without the event, so it is the event, not the calendar, that clears the flag.

Two honest limits of the contract are tested as the texts state them: the baseline retinal
exam counts only inside its window, and an overdue screening item is done only by a panel
inside its window.
"""

import pathlib
import re
from dataclasses import dataclass, replace

import pytest

import cadm.rules
from cadm.rules.facts import PatientFacts
from cadm.rules.params import _FLAG_SEVERITIES
from tests.cadm.rules.builders import (
    ab,
    d,
    eye,
    fires,
    flag,
    hrct,
    lab,
    make,
    med,
    pft,
    screen,
    skin_visit,
    visit,
    walk,
)

AS_OF = "2025-09-01"
DATES = {"onset": "2024-01-10", "diagnosis": "2024-02-01"}


def pt(*records, **kw) -> PatientFacts:
    """A woman born 1980 (44 at onset: moderate IMACS tier), one full visit at diagnosis."""
    return make(visit("2024-02-01"), *records, **{**DATES, **kw})


def weighed(*records, **kw) -> PatientFacts:
    """The same patient weighing 60 kg at that visit."""
    return make(visit("2024-02-01", weight=60), *records, **{**DATES, **kw})


def young(*records, **kw) -> PatientFacts:
    """A woman of 28 at onset, no antibody: standard tier, one basic panel due 2024-05-01
    whose window ends 2025-02-01."""
    return pt(*records, birth="1995-06-01", **kw)


@dataclass(frozen=True)
class Clears:
    code: str
    route: str
    fired: PatientFacts
    cleared: PatientFacts
    words: str              # what the detail says clears it, verbatim
    as_of: str = AS_OF
    cleared_as_of: str | None = None
    by_time: bool = False   # the text's clearing is the passage of time, not an event

    @property
    def id(self) -> str:
        return f"{self.code}-{self.route}" if self.route else self.code


MDA5 = ab("2025-01-15", "mda5")
MDA5_NEGATIVE = ab("2025-08-20", "mda5", "negative")
DYSPNOEA = visit("2025-08-01", symptoms=["dyspnea"])
FERRITIN = lab("2025-08-01", "ferritin", 2000)
LDH_FEVER = (MDA5, lab("2025-08-01", "ldh", 400), visit("2025-08-01", symptoms=["fever"]))
OVER_50 = "1970-01-01"
HCQ_400 = med("2025-03-01", 400)                     # 6.67 mg/kg/day at 60 kg
HCQ_5Y = (med("2020-01-01", 200), eye("2020-02-01"))  # yearly screening from 2025-01-01
TIF1G = ab("2025-01-15", "tif1g")
NEGATIVE_AT_DIAGNOSIS = (screen("2024-03-01", "basic"), screen("2024-03-01", "enhanced"))
LUNG_BASELINE = (pft("2025-02-01", 80, 70), hrct("2025-02-01", ild=False))

CASES = [
    Clears("RECLASSIFY", "",
           pt(lab("2025-05-01", "ck", 900), recorded="amyopathic"),
           pt(lab("2025-05-01", "ck", 900), recorded="hypomyopathic"),
           "Accept to change the recorded subtype, or reject with a reason. Clears when they "
           "agree."),
    Clears("ENHANCED_CANCER_SCREENING", "panel",
           pt(), pt(screen("2025-08-01", "enhanced")), "Clears when one is recorded"),
    Clears("ENHANCED_CANCER_SCREENING", "plan-closed",
           pt(), pt(screening_plan_closed=True),
           "or when the care team ends screening (closes the plan with a reason)"),
    Clears("CANCER_SCREENING_OVERDUE", "panel-in-window",
           young(), young(screen("2024-09-01")),
           "recording the basic panel due 2024-05-01 by 2025-02-01 clears it",
           as_of="2024-08-01", cleared_as_of="2024-10-01"),
    Clears("CANCER_SCREENING_OVERDUE", "panel-on-the-last-day",
           young(), young(screen("2025-02-01")),
           "recording the basic panel due 2024-05-01 by 2025-02-01 clears it",
           as_of="2024-08-01", cleared_as_of="2025-03-01"),
    Clears("CANCER_SCREENING_OVERDUE", "plan-closed",
           young(), young(screening_plan_closed=True),
           "the care team ends screening (closes the plan with a reason)", as_of="2024-08-01"),
    Clears("CANCER_RED_FLAGS", "",
           pt(visit("2025-08-01", symptoms=["weight_loss"])),
           pt(visit("2025-08-01", symptoms=["weight_loss"]), visit("2025-08-20")),
           "Clears when a later visit that reviews symptoms records none of them"),
    Clears("LUNG_BASELINE_MISSING", "",
           pt(MDA5), pt(MDA5, *LUNG_BASELINE), "this clears when both are recorded"),
    Clears("LUNG_MONITORING_OVERDUE", "",
           pt(hrct("2025-01-01")), pt(hrct("2025-01-01"), pft("2025-08-15", 80)),
           "Recording a PFT clears this flag"),
    Clears("ILD_PROGRESSION", "",
           pt(pft("2025-01-01", 80), pft("2025-06-01", 74)),
           pt(pft("2025-01-01", 80), pft("2025-06-01", 74), pft("2025-08-01", 80)),
           "Clears when a later PFT no longer shows the fall"),
    Clears("EXERTIONAL_DESATURATION", "",
           pt(walk("2025-06-01", 85)), pt(walk("2025-06-01", 85), walk("2025-08-01", 92)),
           "Clears when a later walk stays above 88 %"),
    Clears("MDA5_RPILD_MARKERS", "lower-value",
           pt(MDA5, FERRITIN), pt(MDA5, FERRITIN, lab("2025-08-20", "ferritin", 800)),
           "Clears when the latest value falls below the threshold"),
    Clears("MDA5_RPILD_MARKERS", "older-than-window",
           pt(MDA5, FERRITIN), pt(MDA5, FERRITIN), "or is older than 90 days",
           cleared_as_of="2025-10-31", by_time=True),
    Clears("MDA5_RESPIRATORY_SYMPTOMS", "later-visit",
           pt(MDA5, DYSPNOEA), pt(MDA5, DYSPNOEA, visit("2025-08-20")),
           "Clears when a later visit that reviews symptoms records neither"),
    Clears("MDA5_RESPIRATORY_SYMPTOMS", "mda5-negative",
           pt(MDA5, DYSPNOEA), pt(MDA5, DYSPNOEA, MDA5_NEGATIVE),
           "or when anti-MDA5 turns negative"),
    Clears("HCQ_DOSE_ABOVE_LIMIT", "dose-change",
           weighed(HCQ_400),
           weighed(med("2025-03-01", 400, end="2025-08-31"), med("2025-09-01", 300)),
           "Clears when the dose or weight brings it to 5 or below"),
    Clears("HCQ_DOSE_ABOVE_LIMIT", "new-weight",
           weighed(HCQ_400), weighed(HCQ_400, visit("2025-08-20", weight=80)),
           "Clears when the dose or weight brings it to 5 or below"),
    Clears("HCQ_EYE_SCREENING_DUE", "baseline-exam-in-window",
           weighed(med("2024-03-01")), weighed(med("2024-03-01"), eye("2025-02-01")),
           "an exam dated 2023-03-02 to 2025-03-01 clears the baseline part",
           as_of="2025-04-01"),
    Clears("HCQ_EYE_SCREENING_DUE", "yearly-exam-now",
           weighed(*HCQ_5Y), weighed(*HCQ_5Y, eye("2025-06-01")),
           "an exam recorded now clears the yearly part until it is due again",
           as_of="2025-06-01"),
    Clears("HCQ_EYE_SCREENING_DUE", "stopped",
           weighed(*HCQ_5Y), weighed(med("2020-01-01", 200, end="2025-05-31"), eye("2020-02-01")),
           "stopping hydroxychloroquine clears it once the course's last day taken has passed",
           as_of="2025-06-01"),
    Clears("HCQ_WEIGHT_MISSING", "",
           pt(HCQ_400), pt(HCQ_400, visit("2025-08-20", weight=70)),
           "A visit that records a weight clears this flag"),
    Clears("HCQ_DOSE_MISSING", "",
           weighed(med("2025-03-01", None)),
           weighed(med("2025-03-01", None, end="2025-08-31"), med("2025-09-01", 200)),
           'Record the dose ("Change dose" under current medications); that clears this flag'),
    Clears("CANCER_SCREENING_FINDING", "",
           pt(screen("2025-06-01", result="finding")),
           pt(screen("2025-06-01", result="finding"), screening_outcome_date=d("2025-07-01")),
           "record the screening plan's outcome; that clears this flag"),
    Clears("ILD_SCREENING_ADVISED", "",
           pt(ab("2025-01-15", "ro52")), pt(ab("2025-01-15", "ro52"), *LUNG_BASELINE),
           "Clears when both are recorded"),
    Clears("ILD_RELATIVE_DECLINE", "",
           pt(pft("2023-06-01", 80), pft("2025-03-01", 71)),
           pt(pft("2023-06-01", 80), pft("2025-03-01", 71), pft("2025-08-01", 80)),
           "clears when a later PFT no longer shows the fall"),
    Clears("AMBULATORY_OXIMETRY_DUE", "",
           pt(hrct("2025-01-01")), pt(hrct("2025-01-01"), walk("2025-08-01", 95)),
           "Recording a 6-minute walk clears this flag"),
    Clears("MDA5_LDH_AGE_FEVER", "later-visit",
           pt(*LDH_FEVER, birth=OVER_50), pt(*LDH_FEVER, visit("2025-08-20"), birth=OVER_50),
           "Clears when a later visit that reviews symptoms records no fever"),
    Clears("MDA5_LDH_AGE_FEVER", "lower-ldh",
           pt(*LDH_FEVER, birth=OVER_50),
           pt(*LDH_FEVER, lab("2025-08-20", "ldh", 250), birth=OVER_50),
           "when the latest LDH of the last 90 days is 300 U/L or below"),
    Clears("MDA5_LDH_AGE_FEVER", "ldh-older-than-window",
           pt(*LDH_FEVER, birth=OVER_50), pt(*LDH_FEVER, birth=OVER_50),
           "or none is that recent", cleared_as_of="2025-10-31", by_time=True),
    Clears("MDA5_LDH_AGE_FEVER", "mda5-negative",
           pt(*LDH_FEVER, birth=OVER_50), pt(*LDH_FEVER, MDA5_NEGATIVE, birth=OVER_50),
           "or when anti-MDA5 turns negative"),
    Clears("PET_CT_CONSIDER", "pet-ct-recorded",
           pt(TIF1G, refractory=True), pt(TIF1G, screen("2025-06-01", "pet_ct"), refractory=True),
           "clears when a PET-CT is recorded (screening plan)"),
    Clears("PET_CT_CONSIDER", "condition-gone",
           pt(TIF1G, refractory=True),
           pt(TIF1G, ab("2025-08-20", "tif1g", "negative"), refractory=True),
           "or when the condition no longer holds"),
    Clears("GI_ENDOSCOPY_CONSIDER", "",
           pt(TIF1G, *NEGATIVE_AT_DIAGNOSIS),
           pt(TIF1G, *NEGATIVE_AT_DIAGNOSIS, screen("2025-06-01", "gi_endoscopy")),
           "Clears when the endoscopy is recorded (screening plan)"),
    Clears("NASOENDOSCOPY_CONSIDER", "recorded",
           pt(npc=True), pt(screen("2025-06-01", "nasoendoscopy"), npc=True),
           "Clears when a nasoendoscopy is recorded (screening plan)"),
    Clears("NASOENDOSCOPY_CONSIDER", "mark-removed",
           pt(npc=True), pt(npc=False),
           "or when the mark is removed from the patient's details"),
    Clears("IMACS_NOT_APPLICABLE", "birth-date-corrected",
           pt(birth="2010-01-01"), pt(birth="1980-01-01"),
           "it changes only if the birth or onset date is corrected"),
    Clears("IMACS_NOT_APPLICABLE", "onset-date-corrected",
           pt(birth="2006-06-01", diagnosis="2024-08-01"),
           pt(birth="2006-06-01", onset="2024-06-01", diagnosis="2024-08-01"),
           "it changes only if the birth or onset date is corrected"),
    Clears("IMACS_OUTSIDE_WINDOW", "diagnosis-date-corrected",
           pt(onset="2020-01-01"), pt(onset="2020-01-01", diagnosis="2022-12-01"),
           "it changes only if the onset or diagnosis date is corrected"),
    Clears("IMACS_OUTSIDE_WINDOW", "onset-date-corrected",
           pt(onset="2020-01-01"), pt(onset="2021-06-01"),
           "it changes only if the onset or diagnosis date is corrected"),
    Clears("FLAIR_SCORE", "",
           pt(MDA5), pt(MDA5, MDA5_NEGATIVE),
           "shown while anti-MDA5 is positive (its latest result)"),
    Clears("MCK_COUNT", "",
           pt(MDA5), pt(MDA5, MDA5_NEGATIVE),
           "shown while anti-MDA5 is positive, or while an ILD patient has an anti-MDA5 "
           "result"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_event_the_detail_names_clears_the_flag(case):
    fired = flag(case.fired, case.as_of, case.code)
    assert fired is not None, f"{case.id}: the facts do not fire it"
    assert case.words in fired.detail, fired.detail
    later = case.cleared_as_of or case.as_of
    if not case.by_time:  # without the event, the flag would still be there that day
        assert fires(case.fired, later, case.code), f"{case.id}: time alone clears it"
    assert not fires(case.cleared, later, case.code), f"{case.id}: the event does not clear it"


def _engine_codes() -> set[str]:
    root = pathlib.Path(cadm.rules.__file__).parent
    return {code for path in root.rglob("*.py")
            for code in re.findall(r'make_flag\(\s*"([A-Z0-9_]+)"', path.read_text())}


def test_every_code_the_engine_can_produce_has_a_case():
    declared = {code for code, *_ in _FLAG_SEVERITIES}
    assert _engine_codes() == declared
    assert {c.code for c in CASES} == declared


# The two honest limits of the contract, as the texts state them --------------------------------

def test_a_late_baseline_exam_does_not_clear_the_baseline_part():
    f = flag(weighed(med("2024-03-01"), eye("2025-03-15")), "2025-04-01",
             "HCQ_EYE_SCREENING_DUE")
    assert f is not None
    assert ("the exam of 2025-03-15 came after that window and does not count as the baseline"
            in f.detail)
    assert "dismiss this flag with 'Action already completed'" in f.detail


def test_an_exam_on_the_last_day_of_the_baseline_window_clears_it():
    assert not fires(weighed(med("2024-03-01"), eye("2025-03-01")), "2025-04-01",
                     "HCQ_EYE_SCREENING_DUE")


def test_a_recent_exam_clears_the_yearly_part_but_not_a_missing_baseline():
    facts = weighed(med("2020-01-01", 200), eye("2025-06-01"))
    f = flag(facts, "2025-06-01", "HCQ_EYE_SCREENING_DUE")
    assert "no baseline retinal exam" in f.detail
    assert "5 years or more" not in f.detail


def test_a_course_stopped_today_still_counts_today():
    """`end_date` is the last day taken (contract reading): the flag leaves the next day."""
    stopped_today = weighed(med("2020-01-01", 200, end="2025-06-01"), eye("2020-02-01"))
    assert fires(stopped_today, "2025-06-01", "HCQ_EYE_SCREENING_DUE")
    assert not fires(stopped_today, "2025-06-02", "HCQ_EYE_SCREENING_DUE")


def test_a_panel_after_its_window_does_not_clear_the_overdue_item():
    f = flag(young(screen("2025-02-02")), "2025-03-01", "CANCER_SCREENING_OVERDUE")
    assert f is not None
    assert "A panel done after its window does not complete the item" in f.detail
    assert "by 2025-02-01" in f.detail


def test_the_overdue_text_names_each_item_and_its_deadline():
    f = flag(pt(), "2024-08-01", "CANCER_SCREENING_OVERDUE")   # moderate: basic and enhanced
    assert ("recording the basic panel due 2024-05-01 by 2025-02-01; the enhanced panel due "
            "2024-05-01 by 2025-02-01 clears it") in f.detail
    assert fires(pt(screen("2024-09-01")), "2024-10-01", "CANCER_SCREENING_OVERDUE")
    assert not fires(pt(screen("2024-09-01"), screen("2024-09-01", "enhanced")), "2024-10-01",
                     "CANCER_SCREENING_OVERDUE")


# Clearings the texts rule out ------------------------------------------------------------------

def test_a_skin_only_visit_does_not_clear_what_a_later_visit_that_reviews_symptoms_would():
    for code, facts in (("CANCER_RED_FLAGS", pt(visit("2025-08-01", symptoms=["fever"]))),
                        ("MDA5_RESPIRATORY_SYMPTOMS", pt(MDA5, DYSPNOEA)),
                        ("MDA5_LDH_AGE_FEVER", pt(*LDH_FEVER, birth=OVER_50))):
        later = replace(facts, visits=facts.visits + (skin_visit("2025-08-20"),))
        assert fires(later, AS_OF, code), code


def test_mck_stays_for_an_ild_patient_with_a_negative_anti_mda5():
    facts = pt(MDA5, MDA5_NEGATIVE, hrct("2025-01-01"))
    assert fires(facts, AS_OF, "MCK_COUNT")
    assert not fires(facts, AS_OF, "FLAIR_SCORE")
