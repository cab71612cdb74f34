"""Issue 9 in real Chromium, as the clinic would live it: a skin-only visit does not clear a
critical symptom flag (item 1), the outcome of a screening finding leaves the yearly panels
in place (item 2), a change of hydroxychloroquine dose keeps the retinal-screening clock
(item 3), and a wrong visit is marked entered in error and stops counting (item 5)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from cadm.models import EyeExam, Medication
from cadm.rules.dates import add_months
from cadm.services.evaluation import patient_reevaluate
from screening.models import ScreeningPlan
from tests.browser.session import log_in
from tests.factories import (
    AntibodyFactory,
    HrctFactory,
    PatientFactory,
    PftFactory,
    VisitFactory,
)

TODAY = dt.date.today()
ONSET = add_months(TODAY, -8)
DIAGNOSIS = add_months(TODAY, -4)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journey_patient(site, rheumatologist, dermatologist):
    """Anti-MDA5 and anti-TIF1-γ positive, onset at 56 (high IMACS tier), lung baseline done;
    hydroxychloroquine for six years at 400 mg/day; a visit with a wrongly ticked weakness."""
    patient = PatientFactory(site=site, created_by=rheumatologist, mrn="SAFE-1",
                             family_name="Journey", given_name="Iris",
                             birth_date=dt.date(ONSET.year - 56, 1, 15), skin_onset_date=ONSET,
                             diagnosis_date=DIAGNOSIS, recorded_subtype="amyopathic")
    VisitFactory(patient=patient, visit_on=DIAGNOSIS, weight_kg=60,
                 skin=["heliotrope", "gottron_papules"])
    VisitFactory(patient=patient, visit_on=DIAGNOSIS + dt.timedelta(days=30),
                 skin=["heliotrope"], weakness=["proximal_lower"], notes="ticked by mistake")
    for antibody in ("mda5", "tif1g"):
        AntibodyFactory(patient=patient, observed_on=DIAGNOSIS, antibody=antibody)
    PftFactory(patient=patient, observed_on=TODAY - dt.timedelta(days=20))
    HrctFactory(patient=patient, observed_on=DIAGNOSIS)
    started = add_months(TODAY, -72)
    Medication.objects.create(patient=patient, drug="hydroxychloroquine", dose_mg_per_day=400,
                              observed_on=started, recorded_by=rheumatologist)
    EyeExam.objects.create(patient=patient, observed_on=started + dt.timedelta(days=60),
                           finding="normal", recorded_by=rheumatologist)
    patient_reevaluate(patient.pk)
    return patient



def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def open_patient(page: Page, base_url: str, patient) -> None:
    page.goto(f"{base_url}/patients/{patient.public_id}/")
    expect(page.get_by_role("heading", name=re.compile("^Journey, Iris"))).to_be_visible()


def flags(page: Page):
    return page.locator("#flags")


def test_a_clinic_day_without_silent_flags(page: Page, live_server, journey_patient,
                                           screenshot):
    base, patient = live_server.url, journey_patient

    # Item 5: the visit with the wrongly ticked weakness made her classic DM for good.
    log_in(page, base, "rheum")
    open_patient(page, base, patient)
    derived = page.locator("section.derived")
    expect(derived).to_contain_text("Classic dermatomyositis")
    wrong = page.locator("li.entry-visit", has_text="ticked by mistake")
    wrong.get_by_text("Whole visit entered in error?").click()
    wrong.get_by_label("Reason").fill("weakness ticked by mistake")
    wrong.get_by_role("button", name=re.compile("Mark the visit")).click()
    expect(page.get_by_text("marked as entered in error")).to_be_visible()
    struck = page.locator("li.entry-visit.in-error")
    expect(struck).to_contain_text("Entered in error: weakness ticked by mistake")
    expect(derived).not_to_contain_text("Classic dermatomyositis")
    screenshot(page, "visit-entered-in-error")

    # Item 1: dyspnoea at a full visit opens the critical anti-MDA5 flag ...
    page.get_by_role("link", name="New visit").click()
    page.get_by_label("Visit date").fill((TODAY - dt.timedelta(days=1)).isoformat())
    page.get_by_label("Heliotrope rash", exact=True).check()
    page.get_by_label("Dyspnoea", exact=True).check()
    page.get_by_label("Weight (kg)").fill("60")
    page.get_by_role("button", name="Save visit").click()
    expect(flags(page)).to_contain_text("Anti-MDA5 positive with dyspnea")
    log_out(page)

    # ... and a dermatologist's skin-only visit the next day does not clear it.
    log_in(page, base, "derm")
    open_patient(page, base, patient)
    page.get_by_role("link", name="Record skin findings").click()
    page.get_by_label("Visit date").fill(TODAY.isoformat())
    page.get_by_label("Gottron sign", exact=True).check()
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text("saved")).to_be_visible()
    expect(flags(page)).to_contain_text("Anti-MDA5 positive with dyspnea")
    expect(page.locator("li.entry-visit").first).to_contain_text("Symptoms: not examined")
    screenshot(page, "skin-visit-keeps-flag")
    log_out(page)

    # Item 3: the dose of hydroxychloroquine changes; the retinal-screening clock keeps going.
    log_in(page, base, "rheum")
    open_patient(page, base, patient)
    expect(flags(page)).to_contain_text("Retinal screening due")
    meds = page.locator("#medications")
    expect(meds).to_contain_text("400 mg/day")
    meds.get_by_text("Change dose").click()
    meds.get_by_label("New dose (mg/day)").fill("200")
    meds.get_by_role("button", name="Save new dose").click()
    expect(page.get_by_text("200 mg/day from")).to_be_visible()
    expect(page.locator("#medications")).to_contain_text("200 mg/day")
    expect(flags(page)).to_contain_text("Retinal screening due")
    expect(flags(page)).not_to_contain_text("mg/kg/day, above")
    screenshot(page, "dose-change-keeps-eye-flag")

    # Item 2: a finding of the basic panel, then its outcome; the yearly panels stay due.
    page.get_by_role("link", name="Open the plan").click()
    plan = ScreeningPlan.objects.get(patient=patient)
    item = plan.items.get(panel="basic", kind="diagnosis")
    section = page.locator(f"#item-{item.pk}")
    for index, row in enumerate(section.locator("form tbody tr").all()):
        row.locator('input[type="date"]').fill(TODAY.isoformat())
        row.locator("select").select_option("finding" if index == 0 else "no_cancer")
    section.get_by_role("button", name="Record tests of this panel").click()
    page.goto(f"{base}/patients/{patient.public_id}/")
    expect(flags(page)).to_contain_text("Cancer screening on")
    page.get_by_role("link", name="Open the plan").click()
    outcome = page.locator("#outcome")
    outcome.get_by_label("Outcome", exact=True).select_option("no_cancer")
    outcome.get_by_label("Note").fill("CT: benign thyroid nodule")
    outcome.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("the rest of the schedule goes on")).to_be_visible()
    expect(page.locator("section.plan-head")).to_contain_text("Active")
    follow_ups = page.locator("section.item", has_text="Basic panel").filter(
        has_text=str(add_months(DIAGNOSIS, 24).year))
    expect(follow_ups.first).to_contain_text("Due")
    screenshot(page, "outcome-keeps-schedule")
    page.goto(f"{base}/patients/{patient.public_id}/")
    expect(flags(page)).not_to_contain_text("Cancer screening on")
