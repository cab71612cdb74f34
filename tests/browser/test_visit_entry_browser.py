"""A rheumatologist records a visit with a CK result, in real headless Chromium.

live_server implies a transactional database: every row is created before page.goto (what the
data migrations created is restored by tests/conftest.py).
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from cadm.models import LabResult, Visit
from tests.browser.session import log_in
from tests.factories import PatientFactory

VISIT_DAY = "2025-03-14"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mrn_patient(site, rheumatologist):
    # Another patient of the same site, so the search has something to filter out.
    PatientFactory(site=site, created_by=rheumatologist, mrn="MRN77001", family_name="Other")
    return PatientFactory(site=site, created_by=rheumatologist, mrn="MRN77002",
                          family_name="Journey", given_name="Ada")



def lab_row(page: Page, analyte: str):
    """The labs grid has one row per analyte, labelled by a row header (prefix labs-N-)."""
    row = page.locator(f'#section-labs tr:has(input[name$="-analyte"][value="{analyte}"])')
    expect(row).to_have_count(1)
    return row


def open_new_visit(page: Page, base_url: str, patient) -> None:
    log_in(page, base_url, "rheum")
    page.get_by_role("navigation").get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_label("MRN or name").fill(patient.mrn)
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.grid tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(patient.mrn)
    rows.get_by_role("link", name="Journey, Ada").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient.public_id}/$"))
    page.get_by_role("link", name="New visit").click()
    heading = page.get_by_role("heading", name=re.compile(r"^New visit: Journey, Ada"))
    expect(heading).to_be_visible()


def fill_visit(page: Page, ck: str) -> None:
    page.get_by_label("Visit date").fill(VISIT_DAY)
    page.get_by_label("Weight (kg)").fill("61.5")
    page.get_by_label("Heliotrope rash", exact=True).check()
    page.get_by_label("Gottron papules", exact=True).check()
    ck_row = lab_row(page, "ck")
    expect(ck_row.locator('select[name$="-unit"]')).to_have_value("U/L")
    ck_row.locator('input[name$="-value"]').fill(ck)
    ck_row.locator('input[name$="-upper_limit"]').fill("192")


def test_rheumatologist_records_visit_with_ck(page: Page, live_server, mrn_patient, screenshot):
    open_new_visit(page, live_server.url, mrn_patient)
    fill_visit(page, ck="450")
    screenshot(page, "visit-form")
    screenshot(page.locator("#section-labs"), "visit-form-labs")

    page.get_by_role("button", name="Save visit").click()

    expect(page).to_have_url(re.compile(rf"/patients/{mrn_patient.public_id}/$"))
    expect(page.get_by_role("status")).to_contain_text("Visit of 14 Mar 2025 saved.")
    day = page.locator("ol.timeline > li", has=page.get_by_role("heading", name=VISIT_DAY))
    expect(day.locator(".entry-labs")).to_contain_text("CK 450 U/L (ULN 192)")
    expect(day.locator(".entry-visit")).to_contain_text("Skin: Heliotrope rash, Gottron papules")
    expect(day.locator(".entry-visit")).to_contain_text("Weight: 61.5 kg")
    screenshot(page, "patient-page")

    visit = Visit.objects.get(patient=mrn_patient)
    assert str(visit.visit_on) == VISIT_DAY
    assert visit.weight_kg == Decimal("61.5")
    assert visit.skin == ["heliotrope", "gottron_papules"]
    lab = LabResult.objects.get(patient=mrn_patient)
    assert (lab.analyte, lab.value, lab.unit, lab.upper_limit) == ("ck", 450, "U/L", 192)
    assert lab.visit_id == visit.pk
    assert str(lab.observed_on) == VISIT_DAY


def test_implausible_ck_names_the_range_and_saves_nothing(
    page: Page, live_server, mrn_patient, screenshot
):
    open_new_visit(page, live_server.url, mrn_patient)
    fill_visit(page, ck="600000")

    page.get_by_role("button", name="Save visit").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Nothing was saved: correct the fields marked below."
    )
    ck_row = lab_row(page, "ck")
    expect(ck_row).to_have_class(re.compile(r"\bhas-error\b"))
    expect(ck_row.locator("p.error")).to_have_text(
        "CK: 600000 U/L is outside the accepted range 0–500000 U/L."
    )
    # The entries survive the refusal, so the clinician corrects one value, not the page.
    expect(ck_row.locator('input[name$="-value"]')).to_have_value("600000")
    expect(page.get_by_label("Heliotrope rash", exact=True)).to_be_checked()
    expect(page.get_by_label("Gottron papules", exact=True)).to_be_checked()
    screenshot(page, "error")
    screenshot(page.locator("#section-labs"), "error-labs")
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet on a ward round
    screenshot(page, "error-768px")

    assert not Visit.objects.filter(patient=mrn_patient).exists()
    assert not LabResult.objects.filter(patient=mrn_patient).exists()
