"""Publishing a rule-set version, in real Chromium: a rules admin clones the active version,
lowers the anti-MDA5 ferritin threshold, previews the impact (sample cases with values, no
patient identity) and submits; a second rules admin reviews the preview summary, approves,
confirms the activation on its page (a box to tick); a clinician then sees the new flag
produced by the new version.

Without a Celery broker the preview and activation jobs run in-process when the request's
transaction commits; with CELERY_BROKER_URL set, a real worker runs them (fixture `jobs_run`).
"""

import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from cadm.jobs import _kinds, _run_cohort
from cadm.models import Flag, JobRun, RuleSetVersion
from cadm.selectors.rulesets import params_digest
from cadm.services.evaluation import patient_reevaluate
from cadm.services.rulesets import ruleset_draft_clone
from tests.browser.test_visit_entry_browser import log_in
from tests.cadm.rulesets.builders import mda5_patient
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
]
JOB_TIMEOUT = 30_000  # ms: with a broker, a real worker runs the jobs the page queues


@pytest.fixture
def jobs_run(request):
    """Without a broker the jobs run in-process when their request commits; with one, the
    session's real worker (tests/conftest.py) runs them and the page follows their progress."""
    if settings.CELERY_BROKER_URL:
        request.getfixturevalue("celery_worker")


@pytest.fixture
def ferritin_patient(site, rheumatologist):
    """Anti-MDA5 positive, ferritin 1200 ng/mL 20 days ago: below the 1500 of v1."""
    patient = mda5_patient(site, rheumatologist, ferritin=1200, family_name="Ferrara",
                           given_name="Lena")
    patient_reevaluate(patient.pk)
    assert not Flag.objects.filter(patient=patient, code="MDA5_RPILD_MARKERS").exists()
    return patient


@pytest.fixture
def two_admins(rules_admin, site):
    return rules_admin, UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_admin_lowers_ferritin_threshold_second_admin_activates(
        page: Page, live_server, ferritin_patient, two_admins, rheumatologist, screenshot,
        jobs_run):
    # 1. The first admin clones the active version and lowers the ferritin threshold.
    log_in(page, live_server.url, "ruleadmin")
    page.get_by_role("navigation").get_by_role("link", name="Rule sets").click()
    expect(page.get_by_role("heading", name="Rule-set versions")).to_be_visible()
    expect(page.locator("tr.rs-active-row")).to_contain_text("v1")
    screenshot(page, "versions")
    page.get_by_role("button", name="Clone the active version v1").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Edit draft v2"))).to_be_visible()
    ferritin = page.get_by_label("mda5.ferritin_ng_ml")
    expect(ferritin).to_have_value("1500.0")
    ferritin.fill("1000")
    page.get_by_label("Change note").fill(
        "Lower the anti-MDA5 ferritin threshold to 1000 ng/mL (local audit).")
    screenshot(page.locator("fieldset", has_text="MDA5_RPILD_MARKERS"), "edit-markers")
    screenshot(page, "edit")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text("Draft v2 saved.")
    diff = page.locator("table.rs-diff")
    expect(diff).to_contain_text("mda5.ferritin_ng_ml")
    expect(diff.locator("tbody tr")).to_have_count(1)
    screenshot(page, "draft")

    # 2. Impact preview: one MDA5_RPILD_MARKERS flag would open.
    page.get_by_role("link", name="Preview impact").click()
    page.get_by_role("button", name="Run the preview").click()
    expect(page.locator(".rs-job-state")).to_have_text("Done", timeout=JOB_TIMEOUT)
    row = page.locator("table.rs-impact tbody tr", has_text="MDA5_RPILD_MARKERS")
    expect(row.locator("td").nth(1)).to_have_text("1")
    row.get_by_role("link", name="1 open").click()
    case = page.locator("#cases-MDA5_RPILD_MARKERS table.rs-case")
    expect(case).to_have_count(1)
    expect(case.locator("caption")).to_contain_text("case 1")
    expect(case.get_by_role("row", name=re.compile("^Ferritin"))).to_contain_text("1200 ng/mL")
    main = page.locator("main")
    for identity in ("Ferrara", "Lena", ferritin_patient.mrn, str(ferritin_patient.public_id)):
        expect(main).not_to_contain_text(identity)
    expect(main.locator('a[href^="/patients/"]')).to_have_count(0)
    screenshot(page, "preview")
    page.get_by_role("link", name="← v2").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_role("status")).to_contain_text("v2 submitted")
    expect(page.get_by_text("another rules admin must approve or reject it")).to_be_visible()
    log_out(page)

    # 3. The second admin approves and activates; the cohort is re-evaluated.
    log_in(page, live_server.url, "ruleadmin2")
    page.get_by_role("navigation").get_by_role("link", name="Rule sets").click()
    page.get_by_role("link", name="v2", exact=True).click()
    summary = page.locator(".rs-impact-summary")
    expect(summary).to_contain_text("for the current parameters of v2")
    expect(summary.locator("table.rs-totals td").first).to_have_text("1")  # would open
    screenshot(page, "review")
    page.get_by_label("Comment").fill("Checked against Yang 2021; agreed.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("v2 approved")
    page.get_by_role("link", name="Activate v2…").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Activate rule set v2\?"))).to_be_visible()
    expect(page.get_by_text("is retired")).to_contain_text("v1")
    expect(page.locator("table.rs-diff")).to_contain_text("mda5.ferritin_ng_ml")
    screenshot(page, "confirm")
    page.get_by_role("button", name="Activate v2").click()  # the box is not ticked
    expect(page.get_by_role("heading", name=re.compile(r"^Activate rule set v2\?"))).to_be_visible()
    assert RuleSetVersion.objects.get(number=2).state == "approved"
    page.get_by_label("I have reviewed the differences and the impact preview").check()
    page.get_by_role("button", name="Activate v2").click()
    # With a real worker the cohort's status box (also role=status) shows while the job runs.
    expect(page.locator("p.msg")).to_contain_text("v2 is active")
    expect(page.locator(".rs-job-state")).to_have_text("Done", timeout=JOB_TIMEOUT)
    expect(page.get_by_text("1 flags opened", exact=False)).to_be_visible()
    screenshot(page, "activated")
    assert dict(RuleSetVersion.objects.values_list("number", "state")) == {
        1: "retired", 2: "active"}
    log_out(page)

    # 4. A clinician sees the new flag, produced by rule set v2.
    log_in(page, live_server.url, "rheum")
    page.get_by_role("link", name=re.compile("Anti-MDA5 with RP-ILD risk markers")).click()
    expect(page.locator("p.meta")).to_contain_text("rule set v2")
    expect(page.locator(".explain")).to_contain_text("1000")
    screenshot(page, "flag")
    flag = Flag.objects.get(patient=ferritin_patient, code="MDA5_RPILD_MARKERS")
    assert flag.ruleset.number == 2


def test_preview_page_follows_a_running_job_and_cancels_it(page: Page, live_server,
                                                           ferritin_patient, rules_admin,
                                                           screenshot):
    """The page polls the job's JSON status and reloads when it ends. The job row is made
    running by hand, as a worker's claim would, so that this test decides when the "worker"
    looks at the cancel request (between chunks)."""
    draft = ruleset_draft_clone(actor=rules_admin, source=RuleSetVersion.objects.get(number=1))
    job = JobRun.objects.create(kind="ruleset-preview", created_by=rules_admin, ruleset=draft,
                                params={"ruleset": draft.number, "as_of": "2025-06-01",
                                        "params_digest": params_digest(draft.params)},
                                state="running", claim="test-worker", total=1,
                                heartbeat_at=timezone.now())
    log_in(page, live_server.url, "ruleadmin")
    page.goto(f"{live_server.url}/rulesets/{draft.number}/preview/")
    expect(page.locator(".rs-job-state")).to_have_text("Running")
    page.get_by_role("button", name="Cancel the preview").click()
    expect(page.get_by_role("status")).to_contain_text("Cancel requested")
    expect(page.locator(".rs-job-state")).to_have_text("Cancelling")
    job.refresh_from_db()
    _run_cohort(job, _kinds["ruleset-preview"])  # the worker's next look: it stops
    expect(page.locator(".rs-job-state")).to_have_text("Cancelled: cancelled by ruleadmin",
                                                       timeout=5000)
    expect(page.get_by_text("partial: 0 of 1 patients", exact=False)).to_be_visible()
    expect(page.get_by_text("Cancelled before any patient was evaluated")).to_be_visible()
    expect(page.get_by_text("The draft has changed")).to_have_count(0)
    screenshot(page, "cancelled")
