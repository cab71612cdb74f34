"""Issue 11 §3: an EHR integration works through the API alone, over real HTTP with a token,
against the live server: it registers a patient, posts a visit with labs and anti-MDA5, reads
the open flags, acknowledges one. A clinician then opens the patient page in Chromium and sees
the same state: the same flags, the acknowledged one marked so, the visit and its results.

The token is the one a user makes on the tokens page (here through its service); everything
after it goes over HTTP, as a program on another machine would send it."""

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from cadm.models import AuditEvent
from cadm.services.api_tokens import api_token_create
from tests.browser.session import log_in

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = dt.date.today()


def _day(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


class Ehr:
    """A program that speaks JSON over HTTP with a bearer token, nothing else."""

    def __init__(self, base_url: str, token: str):
        self.base, self.token = f"{base_url}/api/v1", token

    def call(self, method: str, path: str, body=None, **headers) -> tuple[int, dict, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base}{path}", data=data, method=method,
            headers={"Authorization": f"Token {self.token}", "Accept": "application/json",
                     "Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read()), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read()), dict(error.headers)


def test_an_ehr_feeds_the_api_and_the_clinician_sees_the_same_state(
        page: Page, live_server, site, rheumatologist, screenshot):
    _, secret = api_token_create(actor=rheumatologist, name="EHR interface")
    ehr = Ehr(live_server.url, secret)

    status, patient, _ = ehr.call("POST", "/patients/", {
        "site": site.code, "mrn": "EHR-0042", "family_name": "Interface", "given_name": "Ines",
        "sex": "female", "birth_date": "1979-04-12", "skin_onset_date": _day(200),
        "diagnosis_date": _day(150)}, **{"Idempotency-Key": "ehr-patient-0042"})
    assert status == 201, patient

    visit_body = {
        "visit_on": _day(10), "skin": ["heliotrope", "gottron_papules"], "mmt8": 80,
        "results": [
            {"kind": "labs", "analyte": "ck", "value": 95, "unit": "U/L", "upper_limit": 170},
            {"kind": "labs", "analyte": "ferritin", "value": 450, "unit": "ng/mL"},
            {"kind": "antibodies", "antibody": "mda5", "result": "positive",
             "method": "line_blot", "grade": 3},
        ]}
    status, visit, _ = ehr.call("POST", f"/patients/{patient['id']}/visits/", visit_body,
                                **{"Idempotency-Key": "ehr-visit-0042-1"})
    assert status == 201, visit
    # The interface retries after a timeout: the visit is saved once.
    status, again, headers = ehr.call("POST", f"/patients/{patient['id']}/visits/",
                                      visit_body, **{"Idempotency-Key": "ehr-visit-0042-1"})
    assert (status, again["id"], headers.get("Idempotent-Replayed")) == (201, visit["id"],
                                                                         "true")

    status, flags, _ = ehr.call("GET", f"/flags/?patient={patient['id']}")
    assert status == 200, flags
    codes = {flag["code"]: flag for flag in flags["results"]}
    assert "LUNG_BASELINE_MISSING" in codes, sorted(codes)
    assert all(flag["state"] == "open" for flag in flags["results"])
    lung = codes["LUNG_BASELINE_MISSING"]

    status, acknowledged, _ = ehr.call("POST", f"/flags/{lung['id']}/acknowledge/",
                                       {"comment": "HRCT and PFT booked"})
    assert status == 200, acknowledged
    assert acknowledged["state"] == "acknowledged"
    status, state, _ = ehr.call("GET", f"/patients/{patient['id']}/state/")
    assert status == 200, state

    log_in(page, live_server.url, rheumatologist.username)
    page.goto(f"{live_server.url}/patients/{patient['id']}/")
    expect(page.get_by_role("heading", name="Interface")).to_be_visible()
    panel = page.locator("section#flags")
    items = panel.locator("li")
    expect(items).to_have_count(len(flags["results"]))
    for flag in flags["results"]:
        expect(panel).to_contain_text(flag["summary"])
    lung_item = items.filter(has_text=lung["summary"])
    expect(lung_item).to_contain_text("acknowledged")
    expect(page.locator("body")).to_contain_text("Gottron")
    screenshot(page, "patient-page")

    # Every write of the journey is attributed to the token's user.
    actions = set(AuditEvent.objects.filter(actor=rheumatologist)
                  .values_list("action", flat=True))
    assert {"patient.create", "visit.record"} <= actions
