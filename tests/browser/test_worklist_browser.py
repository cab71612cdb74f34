"""A dermatologist works a critical anti-MDA5 flag from the worklist, in real Chromium."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from cadm.models import Flag
from cadm.services.evaluation import patient_reevaluate
from tests.browser.test_visit_entry_browser import log_in
from tests.factories import AntibodyFactory, PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = dt.date.today()


@pytest.fixture
def mda5_flag(site, rheumatologist, dermatologist):
    patient = PatientFactory(site=site, created_by=rheumatologist, family_name="Lungrisk",
                             given_name="Mia", birth_date=dt.date(1990, 6, 1),
                             skin_onset_date=TODAY - dt.timedelta(days=300),
                             diagnosis_date=TODAY - dt.timedelta(days=250))
    VisitFactory(patient=patient, visit_on=TODAY - dt.timedelta(days=250),
                 skin=["heliotrope", "gottron_papules"])
    AntibodyFactory(patient=patient, observed_on=TODAY - dt.timedelta(days=245))
    patient_reevaluate(patient.pk)
    return Flag.objects.get(patient=patient, code="LUNG_BASELINE_MISSING")


def test_dermatologist_dismisses_a_critical_mda5_flag(page: Page, live_server, mda5_flag,
                                                      screenshot):
    log_in(page, live_server.url, "derm")
    expect(page.get_by_role("heading", name="Flag worklist")).to_be_visible()
    row = page.locator("table.worklist tbody tr").first  # critical first
    expect(row).to_contain_text("Critical")
    expect(row).to_contain_text("Anti-MDA5 positive: no baseline")
    screenshot(page, "worklist")

    row.get_by_role("link", name="Anti-MDA5 positive").click()
    expect(page.get_by_text("ACR/CHEST", exact=False)).to_be_visible()
    expect(page.locator(".explain table")).to_contain_text("anti-MDA5")
    screenshot(page, "flag")

    dismiss = page.locator("form", has=page.get_by_role("heading", name="Dismiss"))
    dismiss.get_by_label("Reason").select_option("need-more-info")
    dismiss.get_by_label("Comment").fill("HRCT booked for next week")
    dismiss.get_by_role("button", name="Dismiss").click()

    expect(page.get_by_role("status")).to_have_text("Flag dismissed.")
    expect(page.get_by_role("link", name="Anti-MDA5 positive")).to_have_count(0)
    screenshot(page, "after-dismiss")
    mda5_flag.refresh_from_db()
    assert mda5_flag.state == "dismissed"
    assert mda5_flag.actions.last().reason == "need-more-info"
