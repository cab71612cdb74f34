"""A rheumatologist completes the enhanced panel of a TIF1-γ patient in real Chromium, and the
overdue flag resolves."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from cadm.models import Flag
from cadm.rules.dates import add_months
from cadm.services.evaluation import patient_reevaluate
from screening.models import CancerScreeningRecord
from tests.browser.test_visit_entry_browser import log_in
from tests.factories import AntibodyFactory, PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = dt.date.today()


@pytest.fixture
def tif1g_patient(site, rheumatologist):
    diagnosis = add_months(TODAY, -6)
    patient = PatientFactory(site=site, created_by=rheumatologist, sex="male",
                             family_name="Tifone", given_name="Omar",
                             birth_date=dt.date(1967, 2, 11),
                             skin_onset_date=add_months(TODAY, -8), diagnosis_date=diagnosis)
    VisitFactory(patient=patient, visit_on=diagnosis, skin=["heliotrope", "gottron_papules"])
    AntibodyFactory(patient=patient, observed_on=diagnosis, antibody="tif1g")
    CancerScreeningRecord.objects.create(patient=patient, observed_on=diagnosis, panel="basic",
                                         result="no_cancer", recorded_by=rheumatologist)
    patient_reevaluate(patient.pk)
    return patient


def test_completing_the_enhanced_panel_resolves_the_overdue_flag(page: Page, live_server,
                                                                 tif1g_patient, screenshot):
    overdue = Flag.objects.get(patient=tif1g_patient, code="CANCER_SCREENING_OVERDUE")
    assert overdue.state == "open" and "enhanced panel" in overdue.summary

    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/patients/{tif1g_patient.public_id}/")
    expect(page.locator("#flags")).to_contain_text("Cancer screening overdue")
    page.locator("#panel-screening").get_by_role("link", name="Open the plan").click()
    enhanced = page.locator("section.item", has=page.get_by_role("heading", name="Enhanced panel"))
    expect(enhanced).to_contain_text("Overdue")
    screenshot(page, "plan-before")

    rows = enhanced.locator("form tbody tr")
    expect(rows).to_have_count(3)  # CT, PSA, faecal occult blood for a man
    for i in range(3):
        rows.nth(i).locator('input[type="date"]').fill(TODAY.isoformat())
        rows.nth(i).locator("select").select_option("no_cancer")
    enhanced.get_by_role("button", name="Record tests of this panel").click()

    expect(page.get_by_role("status")).to_have_text("3 test(s) recorded.")
    enhanced = page.locator("section.item", has=page.get_by_role("heading", name="Enhanced panel"))
    expect(enhanced).to_contain_text("Done")
    screenshot(page, "plan-after")
    page.goto(f"{live_server.url}/patients/{tif1g_patient.public_id}/")
    expect(page.locator("#flags")).not_to_contain_text("Cancer screening overdue")
    overdue.refresh_from_db()
    assert overdue.state == "resolved"


def test_the_plan_prints_without_navigation_or_forms(page: Page, live_server, tif1g_patient,
                                                     screenshot, tmp_path):
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/patients/{tif1g_patient.public_id}/screening/")
    expect(page.get_by_role("button", name="Record tests of this panel").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("button", name="Record tests of this panel").first).to_be_hidden()
    expect(page.get_by_role("heading", name="Enhanced panel")).to_be_visible()
    expect(page.locator("table.printonly").get_by_text("CT neck, thorax, abdomen")).to_be_visible()
    screenshot(page, "print")
    pdf = tmp_path / "plan.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
