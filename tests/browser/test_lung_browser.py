"""A rheumatologist opens an anti-MDA5 patient whose DLCO fell, in real headless Chromium:
the lung panel, the critical flag, the DLCO trend chart with its flagged point, the decline
table; the page printed; an HRCT entered from the panel without an extent score. And a CK
chart whose values come from labs with different ULNs, each judged against its own."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from monitoring.models import HrctStudy
from tests.browser.test_visit_entry_browser import log_in
from tests.factories import LabResultFactory, PatientFactory
from tests.monitoring.lung_data import ago, mda5_with_dlco_fall

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = dt.date.today()


@pytest.fixture
def lung_patient(site, rheumatologist):
    return mda5_with_dlco_fall(site, rheumatologist, TODAY, family_name="Lungfall")


def test_rheumatologist_sees_dlco_fall_chart_and_critical_flag(page: Page, live_server,
                                                               lung_patient, screenshot):
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/patients/{lung_patient.public_id}/")
    panel = page.locator("#panel-lung")
    expect(panel.get_by_role("heading", name="Lung monitoring")).to_be_visible()
    expect(panel).to_contain_text("every 90 days")
    expect(panel).to_contain_text("positive on")
    screenshot(panel, "panel")

    panel.get_by_role("link", name="Open lung monitoring").click()
    expect(page.get_by_role("heading", name="Lung monitoring: Lungfall, Ada")).to_be_visible()
    flag = page.locator(".lung-flags li", has_text="ILD_PROGRESSION")
    expect(flag.locator(".sev-critical")).to_have_text("Critical")
    expect(flag).to_contain_text("DLCO −14 points")

    chart = page.locator("#chart-dlco svg.trend")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150  # drawn, not an empty box
    expect(chart).to_have_attribute("aria-label", "Trend of DLCO (% predicted)")
    expect(chart.locator("text", has_text="fired a flag")).to_have_count(1)
    expect(chart.locator("text", has_text="PPF 2022")).to_have_count(1)
    expect(page.locator("#chart-dlco figcaption")).to_contain_text("ILD_PROGRESSION")
    screenshot(page.locator("#chart-dlco"), "dlco-chart")

    row = page.locator("table.decline-table tr.meets").first
    expect(row).to_contain_text("PPF 2022: DLCO fall ≥ 10 points")
    expect(page.locator("section.scores")).to_contain_text("Lacking")
    screenshot(page, "lung-page")

    page.emulate_media(media="print")
    expect(page.locator("header.top nav")).to_be_hidden()
    expect(chart).to_be_visible()
    screenshot(page, "lung-page-print")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="+ HRCT").click()
    page.get_by_label("Date").fill((TODAY - dt.timedelta(days=2)).isoformat())
    page.locator('select[name="hrct-0-ild"]').select_option("yes")
    page.locator('input[name="hrct-0-findings"][value="consolidation"]').check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("HRCT chest: 1 saved")
    hrct = HrctStudy.objects.get(patient=lung_patient, observed_on=TODAY - dt.timedelta(days=2))
    assert hrct.extent_score is None
    expect(page.locator("#panel-lung")).to_contain_text("Consolidation")


@pytest.fixture
def mixed_uln_patient(site, rheumatologist):
    """A woman's CK from three labs (ULN 200, 300, 180) and one lab that gave no ULN."""
    patient = PatientFactory(site=site, created_by=rheumatologist, sex="female",
                             family_name="Mixeduln", given_name="Bea")
    for days, value, uln in ((300, 250, 200), (210, 250, 300), (120, 150, None),
                             (60, 210, None), (5, 180, 180)):
        LabResultFactory(patient=patient, observed_on=ago(TODAY, days), value=value,
                         upper_limit=uln)
    return patient


def test_ck_chart_shows_each_labs_uln(page: Page, live_server, mixed_uln_patient, screenshot):
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/patients/{mixed_uln_patient.public_id}/lung/")
    chart = page.locator("#chart-ck svg.trend")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150
    for label in ("ULN 200", "ULN 300", "ULN 180", "ULN of the reporting lab",
                  "rule-set default (female)", "above its own ULN"):
        expect(chart.locator("text", has_text=label)).to_have_count(1)
    caption = page.locator("#chart-ck figcaption")
    expect(caption).to_contain_text("ULN 180, the lab's")
    expect(caption).to_contain_text("(250, ULN 200, the lab's)")
    expect(caption).to_contain_text("(210, ULN 192, rule-set default)")
    screenshot(page.locator("#chart-ck"), "ck-chart")
    page.emulate_media(media="print")
    expect(chart).to_be_visible()
    screenshot(page.locator("#chart-ck"), "ck-chart-print")
