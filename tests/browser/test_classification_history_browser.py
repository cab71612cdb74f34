"""A rheumatologist opens a patient seen eight times, in real headless Chromium: the
"Classification over time" panel is folded (a long history must not crowd the page), opens
newest first, marks the visits where the classification changed, and lists the recorded
subtype's changes with who made them."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from cadm.services.patients import patient_update
from tests.browser.test_visit_entry_browser import log_in
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)

HALLMARKS = ["heliotrope", "gottron_papules"]


@pytest.fixture
def followed_patient(patient, rheumatologist):
    """Skin onset 2024-12-01, age 44 at onset: 7.3 probable; Gottron sign from the third
    visit (10.6 definite); proximal weakness at the seventh (classic DM)."""
    for i in range(8):
        skin = HALLMARKS + (["gottron_sign"] if i >= 2 else [])
        weakness = ["proximal_upper", "proximal_lower"] if i == 6 else []
        VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 10) + dt.timedelta(days=60 * i),
                     skin=skin, weakness=weakness)
    rheumatologist.first_name, rheumatologist.last_name = "Rhea", "Umatol"
    rheumatologist.save()
    patient_update(actor=rheumatologist, patient=patient, data={"recorded_subtype": "amyopathic"})
    patient_update(actor=rheumatologist, patient=patient, data={"recorded_subtype": "classic_dm"})
    return patient


def test_rheumatologist_reads_the_classification_over_time(page: Page, live_server,
                                                           followed_patient, screenshot):
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/patients/{followed_patient.public_id}/")
    panel = page.locator("#panel-classification-history")
    expect(panel.get_by_role("heading", name="Classification over time")).to_be_visible()
    table = panel.locator("table.classification-history")
    expect(table).to_be_hidden()  # eight visits: folded
    summary = panel.locator("summary")
    expect(summary).to_have_text("8 visits, newest first · the classification changed at 3 of them")
    screenshot(panel, "panel-folded")

    summary.click()
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(8)
    expect(rows.first).to_contain_text("2026-03-06")
    expect(rows.last).to_contain_text("2025-01-10")
    expect(rows.last).to_contain_text("7.3 without biopsy")
    expect(rows.last).to_contain_text("probable IIM, amyopathic DM")
    expect(table.locator("tr.changed")).to_have_count(3)
    classic = table.locator("tr.changed", has_text="2026-01-05")
    expect(classic).to_contain_text("Subtype Amyopathic DM → Classic dermatomyositis")
    expect(classic).to_contain_text("Proximal lower-limb weakness 0.8")

    changes = panel.locator("table.subtype-changes tbody tr")
    expect(changes).to_have_count(2)
    expect(changes.first).to_contain_text("Amyopathic DM")
    expect(changes.first).to_contain_text("Classic dermatomyositis")
    expect(changes.first).to_contain_text("Rhea Umatol")
    screenshot(panel, "panel-open")
    screenshot(page, "patient-page")
