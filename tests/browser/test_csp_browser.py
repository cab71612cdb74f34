"""The Content-Security-Policy in real Chromium: the main pages (patient, worklist, lung,
screening, rule sets with a running job, API docs, account and two-factor enrolment) load
without a single violation, and what moved out of inline code still works: the job poller
(which stops and reloads when the session has ended), the Print buttons, Swagger UI, and the
lung charts, drawn pixel for pixel as before their inline style was rewritten."""

import time

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import Page, expect

from cadm.middleware_sessions import SEEN
from cadm.models import JobRun, RuleSetVersion
from cadm.selectors.rulesets import params_digest
from cadm.services.rulesets import ruleset_draft_clone
from cadm.templatetags.svg_attributes import presentation_attributes
from monitoring.charts import render_svg
from tests.browser.session import log_in
from tests.cadm.security.test_svg_attributes import RICH
from tests.factories import UserFactory
from tests.monitoring.lung_data import mda5_with_dlco_fall

# Records every violation the page reports, whatever the console says; Playwright adds it
# before any of the page's own scripts, and the policy does not apply to it.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def violations(page: Page):
    """Every CSP violation Chromium reports, as console messages and as events."""
    found = []
    page.on("console", lambda m: found.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.add_init_script(WATCH)

    def check(url: str) -> list[str]:
        page.wait_for_load_state("load")
        return found + [f"{url}: {v}" for v in page.evaluate("window.__cspViolations || []")]

    return check


@pytest.fixture
def clinician_and_rules_admin(site):
    user = UserFactory(username="both", role="rheumatologist", sites=[site])
    user.groups.add(Group.objects.get(name="rules_admin"))
    return user


@pytest.fixture
def running_preview(clinician_and_rules_admin):
    """A preview job that a worker has claimed and that has not finished: its page polls."""
    admin = clinician_and_rules_admin
    draft = ruleset_draft_clone(actor=admin, source=RuleSetVersion.objects.get(number=1))
    JobRun.objects.create(kind="ruleset-preview", created_by=admin, ruleset=draft,
                          params={"ruleset": draft.number, "as_of": "2025-06-01",
                                  "params_digest": params_digest(draft.params)},
                          state="running", claim="test-worker", total=1,
                          heartbeat_at=timezone.now())
    return draft


@pytest.mark.django_db(transaction=True)
def test_main_pages_load_without_a_policy_violation(page: Page, live_server, site,
                                                    clinician_and_rules_admin,
                                                    running_preview, violations, screenshot):
    patient = mda5_with_dlco_fall(site, clinician_and_rules_admin, timezone.localdate(),
                                  family_name="Cspcheck")
    log_in(page, live_server.url, "both")
    pages = {
        "/": None,
        f"/patients/{patient.public_id}/": "#panel-lung",
        "/flags/": None,
        f"/patients/{patient.public_id}/lung/": "#chart-dlco svg.trend",
        f"/patients/{patient.public_id}/screening/": None,
        f"/patients/{patient.public_id}/screening/sheet/": None,
        "/screening/cohort/": None,
        "/lung/cohort/": None,
        "/rulesets/": None,
        "/rulesets/1/": None,
        f"/rulesets/{running_preview.number}/preview/": ".rs-job[data-status-url]",
        "/account/": None,
        "/account/two-factor/": "svg.segno",
        "/api/docs/": "#operations-account-tokens_create",
    }
    for path, shown in pages.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        if shown:
            expect(page.locator(shown).first).to_be_visible()
        assert violations(path) == [], path
    # The preview page has polled its job at least once, still without a violation.
    page.goto(f"{live_server.url}/rulesets/{running_preview.number}/preview/")
    with page.expect_response(lambda r: "/rulesets/jobs/" in r.url and r.status == 200):
        pass
    expect(page.locator(".rs-job-state")).to_have_text("Running")
    screenshot(page, "preview-polling")
    assert violations("poll") == []


@pytest.mark.django_db(transaction=True)
def test_the_poller_reloads_to_the_login_page_when_the_session_has_ended(
        page: Page, live_server, clinician_and_rules_admin, running_preview, violations):
    log_in(page, live_server.url, "both")
    page.goto(f"{live_server.url}/rulesets/{running_preview.number}/preview/")
    expect(page.locator(".rs-job-state")).to_have_text("Running")

    # Idle for longer than the timeout, as far as the server knows: the next poll gets a 401.
    [cookie] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    session = SessionStore(cookie["value"])
    session[SEEN] = int(time.time()) - 3600
    session.save()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/rulesets/"
                             f"{running_preview.number}/preview/", timeout=10_000)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/rulesets/jobs/" in r.url else None)
    page.wait_for_timeout(2500)  # more than a poll's interval: nothing polls any more
    assert polls == []
    assert violations("login") == []


@pytest.mark.django_db(transaction=True)
def test_print_buttons_print(page: Page, live_server, site, rheumatologist, violations):
    patient = mda5_with_dlco_fall(site, rheumatologist, timezone.localdate())
    page.add_init_script("window.print = function () { window.__printed = "
                         "(window.__printed || 0) + 1; };")
    log_in(page, live_server.url, "rheum")
    for path, name in ((f"/patients/{patient.public_id}/screening/", "Print this plan"),
                       (f"/patients/{patient.public_id}/screening/sheet/", "Print")):
        page.goto(f"{live_server.url}{path}")
        page.get_by_role("button", name=name, exact=True).click()
        assert page.evaluate("window.__printed") == 1, path
    assert violations("print") == []


def test_charts_without_inline_style_look_the_same(page: Page):
    """The same chart, as matplotlib wrote it and as rewritten, on a page without a policy:
    the same pixels."""
    original = render_svg(RICH)
    shots = []
    for svg in (original, presentation_attributes(original)):
        page.set_content(f"<!doctype html><body style='margin:0'>{svg}</body>")
        shots.append(page.locator("svg").screenshot())
    assert shots[0] == shots[1]
