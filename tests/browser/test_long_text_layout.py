"""Issue 9, item 16: a long text without spaces never breaks a page's layout, in real Chromium.

Every place where users write free text gets a run of one letter (5,000 characters, or the
field's maximum length), a different letter per place, so a failure names the text that
overflowed. Each page is opened at the desktop viewport (1280 wide; the printed plan also at
the width of A4 paper): the page must not scroll sideways, and the text of every element
holding one of the runs must end inside its box and the window (it wraps; it neither spills
out nor hides in a scrolling box).
"""

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

from cadm.inputs.rulesets import NOTE_MAX
from cadm.models import (
    EyeExam,
    FlagAction,
    Medication,
    MuscleStudy,
    RuleSetVersion,
    SkinBiopsy,
    User,
)
from cadm.services import rulesets
from cadm.services.evaluation import patient_reevaluate
from monitoring.models import PpfAssessment
from screening.models import ScreeningPlan, ScreeningPlanEvent
from tests.cadm.views.test_worklist_search_sort import make_flag
from tests.factories import (
    AntibodyFactory,
    LabResultFactory,
    PatientFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = dt.date.today()
LONG = 5_000


def run(letter: str, length: int = LONG) -> str:
    return letter * length


@pytest.fixture
def long_texts(site, rheumatologist, dermatologist, rules_admin):
    """One patient with a long text in every free-text field, a flag with long review
    comments, and a rejected rule-set version with a long change note and review comment."""
    patient = PatientFactory(site=site, created_by=rheumatologist, sex="male",
                             family_name=run("F", 100), given_name="Omar", notes=run("N"),
                             birth_date=dt.date(1967, 2, 11),
                             skin_onset_date=TODAY - dt.timedelta(days=240),
                             diagnosis_date=TODAY - dt.timedelta(days=180))
    _clinical_records(patient, rheumatologist)
    patient_reevaluate(patient.pk)  # the screening plan (anti-TIF1-γ), lung schedule (MDA5)
    _screening_texts(patient)
    return SimpleNamespace(patient=patient, flag=_flag_with_comments(patient, dermatologist),
                           ruleset=_rejected_version(rules_admin).number)


def _clinical_records(patient, clinician) -> None:
    day = patient.diagnosis_date
    VisitFactory(patient=patient, visit_on=day, notes=run("V"))
    VisitFactory(patient=patient, visit_on=day + dt.timedelta(days=1),
                 status="entered_in_error", status_reason=run("R", 300))
    LabResultFactory(patient=patient, observed_on=day, status="entered_in_error",
                     status_reason=run("E", 300))
    AntibodyFactory(patient=patient, observed_on=day, antibody="tif1g")
    AntibodyFactory(patient=patient, observed_on=day, antibody="mda5")  # in the lung cohort
    common = {"patient": patient, "observed_on": day, "recorded_by": clinician}
    Medication.objects.create(drug="other", drug_detail=run("D", 100), **common)
    # Not shown on any page today; here so that a page that starts showing them is tested.
    MuscleStudy.objects.create(kind="mri", abnormal=False, report=run("M"), **common)
    SkinBiopsy.objects.create(consistent_with_dm=True, report=run("B"), **common)
    EyeExam.objects.create(finding="normal", report=run("Y"), **common)
    PpfAssessment.objects.create(worsening_symptoms=False, radiological_progression=False,
                                 note=run("L"), **common)


def _screening_texts(patient) -> None:
    plan = ScreeningPlan.objects.get(patient=patient)
    component = plan.items.exclude(status="done").first().components.first()
    component.done_on, component.result, component.note = TODAY, "no_cancer", run("S")
    component.save()
    ScreeningPlanEvent.objects.create(plan=plan, text=run("H"))


def _flag_with_comments(patient, reviewer):
    flag = make_flag(patient, "LONG_TEXT", severity="warning", state="dismissed",
                     summary="A flag with long review comments")
    for kind, reason, letter in (("commented", "", "C"), ("snoozed", "", "Z"),
                                 ("dismissed", "need-more-info", "X")):
        FlagAction.objects.create(flag=flag, kind=kind, actor=reviewer, reason=reason,
                                  comment=run(letter))
    return flag


def _rejected_version(author):
    """The longest note and comment the services accept (cadm.inputs.rulesets.NOTE_MAX)."""
    reviewer = UserFactory(username="reviewer", role="rules_admin")
    draft = rulesets.ruleset_draft_clone(actor=author, source=RuleSetVersion.objects.get(number=1),
                                         data={"change_note": run("G", NOTE_MAX)})
    rulesets.ruleset_submit(actor=author, version=draft)
    return rulesets.ruleset_reject(actor=reviewer, version=draft,
                                   data={"comment": run("W", NOTE_MAX)})


def close_the_plan(data) -> None:
    ScreeningPlan.objects.filter(patient=data.patient).update(
        state="closed", outcome="other", outcome_on=TODAY, closed_on=TODAY,
        closed_reason=run("Q"), outcome_note=run("O"))


@dataclass(frozen=True)
class Case:
    user: str
    path: str  # formatted with the fixture's patient, flag and ruleset
    letters: str  # the runs that the page must show
    media: str = "screen"
    width: int = 1280  # the desktop window of tests/browser/conftest.py
    before: object = None


CASES = {
    "patient": Case("rheum", "/patients/{patient.public_id}/", "FNVREDL"),
    "patient-list": Case("rheum", "/patients/", "F"),
    "flag": Case("derm", "/flags/{flag.public_id}/", "FCZX"),
    "worklist": Case("derm", "/flags/?state=all", "F"),
    "screening-plan": Case("rheum", "/patients/{patient.public_id}/screening/", "FSH"),
    "screening-plan-print": Case("rheum", "/patients/{patient.public_id}/screening/", "FSH",
                                 media="print"),
    # On A4 paper: 210 mm less the 15 mm margins of screening-print.css, at 96 px per inch.
    "screening-plan-print-a4": Case("rheum", "/patients/{patient.public_id}/screening/",
                                    "FSH", media="print", width=680),
    "screening-plan-closed": Case("rheum", "/patients/{patient.public_id}/screening/", "FQ",
                                  before=close_the_plan),
    "screening-sheet": Case("rheum", "/patients/{patient.public_id}/screening/sheet/", "F"),
    "screening-cohort": Case("rheum", "/screening/cohort/", "F"),
    "lung": Case("rheum", "/patients/{patient.public_id}/lung/", "FL"),
    "lung-cohort": Case("rheum", "/lung/cohort/", "F"),
    "ruleset": Case("ruleadmin", "/rulesets/{ruleset}/", "GW"),
    "ruleset-list": Case("ruleadmin", "/rulesets/", "G"),
}

# For each run of one letter on the page (40 of them in a row), the innermost elements that
# hold it: how far right their text reaches (a Range: an element's box can stay in place while
# its text overflows it), and where their box ends (for an inline element, the box of the
# block it sits in); and how wide the page is.
MEASURE = """letters => {
  const holders = letter => [...document.querySelectorAll('body *')].filter(el =>
    el.textContent.includes(letter.repeat(40)) &&
    ![...el.children].some(child => child.textContent.includes(letter.repeat(40))));
  const blockOf = el => {
    while (getComputedStyle(el).display.startsWith('inline') && el.parentElement) {
      el = el.parentElement;
    }
    return el;
  };
  const runs = {};
  for (const letter of letters) {
    runs[letter] = holders(letter).map(el => {
      const text = document.createRange();
      text.selectNodeContents(el);
      return {tag: el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''),
              right: Math.ceil(text.getBoundingClientRect().right),
              box: Math.ceil(blockOf(el).getBoundingClientRect().right)};
    });
  }
  return {scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth, runs};
}"""


def log_in_as(page: Page, base_url: str, username: str) -> None:
    """A session made by Django's test client, handed to the browser as its cookie."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": base_url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


@pytest.mark.parametrize("name", CASES)
def test_long_text_wraps_inside_the_page(page: Page, live_server, long_texts, screenshot,
                                         name):
    case = CASES[name]
    if case.before:
        case.before(long_texts)
    log_in_as(page, live_server.url, case.user)
    page.set_viewport_size({"width": case.width, "height": 900})
    page.emulate_media(media=case.media)
    response = page.goto(live_server.url + case.path.format(**vars(long_texts)))
    assert response.status == 200
    measured = page.evaluate(MEASURE, case.letters)
    screenshot(page, name)

    width = measured["innerWidth"]
    missing = [letter for letter in case.letters if not measured["runs"][letter]]
    assert not missing, f"the page does not show the long text(s) {missing}"
    spilling = {letter: [h for h in holders if h["right"] > min(width, h["box"])]
                for letter, holders in measured["runs"].items()}
    spilling = {letter: holders for letter, holders in spilling.items() if holders}
    assert measured["scrollWidth"] <= width and not spilling, (
        f"{name}: page {measured['scrollWidth']} px wide for a {width} px window; "
        f"text past the right edge of its box or the window: {spilling}")
