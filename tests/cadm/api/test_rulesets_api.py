"""The rule-set API (issue 11 §2): every endpoint x role, the whole lifecycle through the API
alone, If-Match on draft edits, idempotent retries, the services' refusals in their words,
no patient identity in a preview, constant query counts."""

import json

import pytest
from django.conf import settings

from cadm.models import AuditEvent, JobRun, RuleSetVersion
from cadm.selectors.rulesets import ACTIVATE_KIND, PREVIEW_KIND
from cadm.services import rulesets
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.api.conftest import query_count
from tests.cadm.rulesets.builders import FERRITIN_KEY, draft_with, mda5_patient
from tests.factories import UserFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/rulesets"


@pytest.fixture
def second_admin(site):
    """Another rules admin: the second pair of eyes."""
    return UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])


@pytest.fixture
def draft(rules_admin):
    return rulesets.ruleset_draft_clone(actor=rules_admin,
                                        source=RuleSetVersion.objects.get(number=1),
                                        data={"change_note": "Lower the ferritin threshold."})


def _etag(client, number):
    return client.get(f"{BASE}/{number}/")["ETag"]


# ------------------------------------------------------------------ endpoint x role matrix

READS = ["", "alarms/", "1/", "1/diff/", "1/history/", "1/metrics/", "1/preview/"]
# (method, path, body): each refused before any service runs for someone without the right.
WRITES = [("post", "1/clone/", {}), ("patch", "{d}/", {"change_note": "x"}),
          ("put", "{d}/", {"params": {}, "change_note": "x"}), ("post", "{d}/submit/", {}),
          ("post", "{d}/approve/", {}), ("post", "{d}/reject/", {"comment": "no"}),
          ("post", "{d}/preview/", {}), ("post", "{d}/activate/", {"confirm": True}),
          ("post", "1/reevaluate/", {})]


@pytest.mark.parametrize("path", READS)
def test_reads_by_role(path, api, rules_admin, second_admin, rheumatologist, dermatologist):
    url = f"{BASE}/{path}"
    for user in (rules_admin, second_admin):
        assert token_client(user).get(url).status_code == 200, (path, user)
    for user in (rheumatologist, dermatologist):
        response = token_client(user).get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert api.get(url).status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_refused_to_clinicians_and_anonymous(method, path, body, api, draft,
                                                    rheumatologist):
    url = f"{BASE}/{path.format(d=draft.number)}"
    client = token_client(rheumatologist)  # creating its token is audited: before counting
    before = (RuleSetVersion.objects.count(), JobRun.objects.count(), AuditEvent.objects.count())
    clinician = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH='"1"')
    assert clinician.status_code == 403
    assert getattr(api, method)(url, body, format="json").status_code == 401
    assert (RuleSetVersion.objects.count(), JobRun.objects.count(),
            AuditEvent.objects.count()) == before


def test_every_ruleset_view_needs_ruleset_manage():
    from cadm.permissions import Perm
    from tests.cadm.api.test_matrix import routes

    mine = [p for _, p in routes() if p.name.startswith("api-ruleset")]
    assert len(mine) == 14
    assert {p.callback.view_class.required_perm for p in mine} == {Perm.RULESET_MANAGE}


# ------------------------------------------------------------------------------ lifecycle

def test_whole_lifecycle_through_the_api(site, rheumatologist, rules_admin, second_admin,
                                         django_capture_on_commit_callbacks):
    patient = mda5_patient(site, rheumatologist, ferritin=1200)
    patient_reevaluate(patient.pk)
    author, reviewer = token_client(rules_admin), token_client(second_admin)

    created = author.post(f"{BASE}/1/clone/", {"change_note": "Lower ferritin"}, format="json")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert created["Location"] == f"{BASE}/{number}/" and created.json()["state"] == "draft"
    assert created.json()["based_on"] == 1 and created.json()["author"] == rules_admin.username

    edited = author.patch(f"{BASE}/{number}/", {"params": {FERRITIN_KEY: 1000.0}},
                          format="json", HTTP_IF_MATCH=created["ETag"])
    assert edited.status_code == 200, edited.content
    assert edited["ETag"] != created["ETag"]
    rows = {p["key"]: p for g in edited.json()["rules"] for p in g["params"]}
    assert rows[FERRITIN_KEY]["value"] == 1000.0 and rows[FERRITIN_KEY]["unit"] == "ng/mL"
    assert edited.json()["change_note"] == "Lower ferritin"  # PATCH keeps what it omits

    diff = author.get(f"{BASE}/{number}/diff/").json()
    assert diff["against"] == 1 and diff["reason"] == "would_replace"
    assert [c["key"] for r in diff["rules"] for c in r["changes"]] == [FERRITIN_KEY]

    with django_capture_on_commit_callbacks(execute=True):
        started = author.post(f"{BASE}/{number}/preview/", format="json")
    assert started.status_code == 202, started.content
    preview_id = started.json()["id"]
    assert started["Location"] == f"/api/v1/jobs/{preview_id}/"
    result = author.get(f"{BASE}/{number}/preview/")
    body = result.json()
    assert body["job"]["id"] == preview_id and body["stale"] is False
    if not settings.WORKER_TESTS:  # ran in-process when the request's transaction committed
        assert body["job"]["state"] == "done"
        marker = next(r for r in body["rules"] if r["code"] == "MDA5_RPILD_MARKERS")
        assert marker["counts"]["open"] == 1 and marker["changed"] is True
        case = marker["samples"][0]["cases"][0]
        assert case["n"] == 1 and case["severity"][0] is None
        assert any(row["label"] for row in case["evidence"])
    text = json.dumps(body)
    for identity in (str(patient.public_id), patient.mrn, patient.family_name):
        assert identity not in text
    assert "errors" not in body

    assert author.post(f"{BASE}/{number}/submit/", format="json").json()["state"] == \
        "awaiting_approval"
    own = author.post(f"{BASE}/{number}/approve/", {"comment": "ok"}, format="json")
    assert own.status_code == 409
    assert "another rules admin must approve it (four eyes)" in own.json()["error"]["message"]
    approved = reviewer.post(f"{BASE}/{number}/approve/", {"comment": "Agreed"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved" and approved.json()["approver"] == "ruleadmin2"

    unconfirmed = author.post(f"{BASE}/{number}/activate/", {"confirm": "yes"}, format="json")
    assert unconfirmed.status_code == 400
    assert "confirm" in unconfirmed.json()["error"]["fields"]
    assert RuleSetVersion.objects.get(number=number).state == "approved"

    with django_capture_on_commit_callbacks(execute=True):
        activated = author.post(f"{BASE}/{number}/activate/", {"confirm": True},
                                format="json", HTTP_IDEMPOTENCY_KEY="activate-1")
    assert activated.status_code == 202, activated.content
    job = activated.json()["job"]
    assert job["kind"] == ACTIVATE_KIND and job["ruleset"] == number
    # The hand-over runs when the request's transaction commits, after this answer was made.
    assert activated.json()["handed_to_queue"] is None
    seen = author.get(f"/api/v1/jobs/{job['id']}/")
    assert seen.status_code == 200 and seen.json()["dispatch_error"] == ""
    assert seen.json()["dispatched_at"] is not None
    if not settings.WORKER_TESTS:
        assert seen.json()["state"] == "done"
    assert author.get(f"{BASE}/{number}/").json()["state"] == "active"
    assert author.get(f"{BASE}/1/").json()["state"] == "retired"

    history = author.get(f"{BASE}/{number}/history/").json()
    assert [h["action"] for h in history] == [
        "ruleset.clone", "ruleset.draft_update", "ruleset.preview", "ruleset.submit",
        "ruleset.approve", "ruleset.activate"]
    assert history[-1]["detail"]["job"] == job["id"]  # the public id, not the row id
    assert history[4]["actor"] == "ruleadmin2"

    alarms = author.get(f"{BASE}/alarms/").json()
    assert alarms["active"] == number and alarms["previous"] == 1
    if not settings.WORKER_TESTS:
        assert alarms["state"] == "ready" and alarms["job"] == job["id"]

    with django_capture_on_commit_callbacks(execute=True):
        again = author.post(f"{BASE}/{number}/reevaluate/", format="json")
    assert again.status_code == 202 and again.json()["handed_to_queue"] is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("queue_up", [True, False])
def test_activation_says_whether_the_job_reached_the_queue(queue_up, site, monkeypatch):
    """Committed for real (no enclosing transaction): the hand-over has run when the answer
    is written, and the answer says what the job row records."""
    from cadm.tasks import job_run_task

    author = UserFactory(username="ruleadmin", role="rules_admin", sites=[site])
    reviewer = UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])
    version = draft_with(author, **{FERRITIN_KEY: 1000.0})
    rulesets.ruleset_submit(actor=author, version=version)
    rulesets.ruleset_approve(actor=reviewer, version=version)
    if not queue_up:
        def down(*args, **kwargs):
            raise ConnectionError("broker down")
        monkeypatch.setattr(job_run_task, "apply_async", down)
    response = token_client(author).post(f"{BASE}/{version.number}/activate/",
                                         {"confirm": True}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["handed_to_queue"] is queue_up
    assert bool(body["job"]["dispatch_error"]) is not queue_up
    if not queue_up:
        assert "could not be reached" in body["message"]
    assert RuleSetVersion.objects.get(number=version.number).state == "active"


def test_activate_refusals_come_from_the_service(draft, rules_admin):
    client = token_client(rules_admin)
    missing = client.post(f"{BASE}/{draft.number}/activate/", {}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()["error"]["fields"]) == ["confirm"]
    refused = client.post(f"{BASE}/{draft.number}/activate/", {"confirm": True}, format="json")
    assert refused.status_code == 409
    assert "only a version that is approved, not yet active can be activated" in \
        refused.json()["error"]["message"]


def test_reject_needs_a_comment_and_is_final(draft, rules_admin, second_admin):
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    client = token_client(second_admin)
    bare = client.post(f"{BASE}/{draft.number}/reject/", {}, format="json")
    assert bare.status_code == 400
    assert bare.json()["error"]["fields"] == {"comment": ["Say why the version is rejected."]}
    done = client.post(f"{BASE}/{draft.number}/reject/", {"comment": "No source"},
                       format="json")
    assert done.status_code == 200 and done.json()["state"] == "rejected"
    assert done.json()["rejected_by"] == "ruleadmin2"
    again = client.post(f"{BASE}/{draft.number}/approve/", {}, format="json")
    assert again.status_code == 409


def test_submit_without_change_note_names_the_field(rules_admin):
    number = token_client(rules_admin).post(f"{BASE}/1/clone/", {}, format="json").json()[
        "number"]
    response = token_client(rules_admin).post(f"{BASE}/{number}/submit/", format="json")
    assert response.status_code == 400
    assert "change_note" in response.json()["error"]["fields"]


# ------------------------------------------------------------------------------- editing

def test_if_match_required_and_checked(draft, rules_admin):
    client = token_client(rules_admin)
    url = f"{BASE}/{draft.number}/"
    body = {"params": {FERRITIN_KEY: 1000.0}}
    missing = client.patch(url, body, format="json")
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "precondition_required"
    etag = _etag(client, draft.number)
    assert client.patch(url, body, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = client.patch(url, {"change_note": "other"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert RuleSetVersion.objects.get(pk=draft.pk).change_note == \
        "Lower the ferritin threshold."


def test_parameter_errors_by_key_and_nothing_saved(draft, rules_admin):
    client = token_client(rules_admin)
    url = f"{BASE}/{draft.number}/"
    response = client.patch(url, {"params": {FERRITIN_KEY: 10**9, "nonsense": 1,
                                             "severity.MCK_COUNT": "purple"}},
                            format="json", HTTP_IF_MATCH=_etag(client, draft.number))
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {f"params.{FERRITIN_KEY}", "params.nonsense",
                           "params.severity.MCK_COUNT"}
    assert "outside the accepted range" in fields[f"params.{FERRITIN_KEY}"][0]
    assert RuleSetVersion.objects.get(pk=draft.pk).row_version == draft.row_version


def test_put_replaces_every_parameter(draft, rules_admin):
    client = token_client(rules_admin)
    url = f"{BASE}/{draft.number}/"
    partial = client.put(url, {"params": {FERRITIN_KEY: 1000.0}, "change_note": "x"},
                         format="json", HTTP_IF_MATCH=_etag(client, draft.number))
    assert partial.status_code == 400
    assert partial.json()["error"]["fields"]["params.uln.ck_male"] == [
        "CK upper limit for men when the lab gave none (Mayo): missing."]
    full = client.put(url, {"params": {**draft.params, FERRITIN_KEY: 1000.0},
                            "change_note": "All of them"},
                      format="json", HTTP_IF_MATCH=_etag(client, draft.number))
    assert full.status_code == 200 and full.json()["change_note"] == "All of them"


def test_only_the_author_edits_a_draft_and_never_after_submit(draft, rules_admin,
                                                              second_admin):
    other = token_client(second_admin)
    refused = other.patch(f"{BASE}/{draft.number}/", {"change_note": "mine"}, format="json",
                          HTTP_IF_MATCH=_etag(other, draft.number))
    assert refused.status_code == 409
    assert "Only the author" in refused.json()["error"]["message"]
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    author = token_client(rules_admin)
    frozen = author.patch(f"{BASE}/{draft.number}/", {"change_note": "late"}, format="json",
                          HTTP_IF_MATCH=_etag(author, draft.number))
    assert frozen.status_code == 409
    assert "only a version that is draft can be edited" in frozen.json()["error"]["message"]


def test_a_retried_clone_creates_one_draft(rules_admin):
    client = token_client(rules_admin)
    answers = [client.post(f"{BASE}/1/clone/", {"change_note": "retry"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="clone-1") for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert answers[0].json()["number"] == answers[1].json()["number"]
    assert RuleSetVersion.objects.filter(state="draft").count() == 1


# ------------------------------------------------------------------------- reads in detail

def test_list_filters_and_orders(draft, rules_admin):
    client = token_client(rules_admin)
    everything = client.get(f"{BASE}/").json()
    assert [v["number"] for v in everything["results"]] == [draft.number, 1]
    assert [v["number"] for v in client.get(f"{BASE}/", {"state": "draft"}).json()[
        "results"]] == [draft.number]
    assert [v["number"] for v in client.get(f"{BASE}/", {"ordering": "number"}).json()[
        "results"]] == [1, draft.number]
    bad = client.get(f"{BASE}/", {"state": "asleep"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]
    assert client.get(f"{BASE}/999/").status_code == 404


def test_detail_has_the_schema_and_etag(rules_admin):
    response = token_client(rules_admin).get(f"{BASE}/1/")
    assert response["ETag"] == f'"{RuleSetVersion.objects.get(number=1).row_version}"'
    rows = {p["key"]: p for g in response.json()["rules"] for p in g["params"]}
    ferritin = rows[FERRITIN_KEY]
    assert {"unit", "minimum", "maximum", "rule", "evidence", "citation", "default"} <= \
        set(ferritin)
    assert rows["severity.MCK_COUNT"]["accepted"] == ["info", "warning", "critical"]


def test_diff_against_a_chosen_version_and_a_bad_one(rules_admin):
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    client = token_client(rules_admin)
    itself = client.get(f"{BASE}/{draft.number}/diff/", {"against": draft.number}).json()
    assert itself["against"] == draft.number and itself["reason"] == "chosen"
    assert itself["rules"] == []
    for bad in ("999", "x", "²"):
        response = client.get(f"{BASE}/{draft.number}/diff/", {"against": bad})
        assert response.status_code == 400 and "against" in response.json()["error"]["fields"]


def test_metrics_window_checked_like_the_page(rules_admin):
    client = token_client(rules_admin)
    ok = client.get(f"{BASE}/1/metrics/", {"start": "2024-01-01", "end": "2024-12-31"})
    assert ok.status_code == 200
    assert ok.json()["window"] == {"start": "2024-01-01", "end": "2024-12-31",
                                   "label": "from 2024-01-01 to 2024-12-31"}
    reversed_ = client.get(f"{BASE}/1/metrics/", {"start": "2024-12-31", "end": "2024-01-01"})
    assert reversed_.status_code == 400
    assert "is before" in reversed_.json()["error"]["fields"]["end"][0]
    far = client.get(f"{BASE}/1/metrics/", {"start": "1900-01-01"})
    assert "outside the accepted range" in far.json()["error"]["fields"]["start"][0]


def test_preview_cancel_and_a_foreign_job_is_404(draft, rules_admin):
    client = token_client(rules_admin)
    started = client.post(f"{BASE}/{draft.number}/preview/", format="json")
    assert started.status_code == 202  # queued: on_commit does not run in this test
    job_id = started.json()["id"]
    cancelled = client.post(f"{BASE}/{draft.number}/preview/{job_id}/cancel/", format="json")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    finished = client.post(f"{BASE}/{draft.number}/preview/{job_id}/cancel/", format="json")
    assert finished.status_code == 409
    assert client.post(f"{BASE}/1/preview/{job_id}/cancel/", format="json").status_code == 404
    assert JobRun.objects.get(public_id=job_id).kind == PREVIEW_KIND


def test_no_preview_yet_and_an_active_version_is_not_previewed(rules_admin):
    client = token_client(rules_admin)
    body = client.get(f"{BASE}/1/preview/").json()
    assert body["job"] is None and body["rules"] == []
    refused = client.post(f"{BASE}/1/preview/", format="json")
    assert refused.status_code == 409 and "is active" in refused.json()["error"]["message"]


# --------------------------------------------------------------------------- query counts



def test_list_and_detail_constant(rules_admin, second_admin):
    client = token_client(rules_admin)
    first = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    few_list = query_count(client, f"{BASE}/")
    few_detail = query_count(client, f"{BASE}/{first.number}/")
    for _ in range(6):
        version = draft_with(rules_admin, **{FERRITIN_KEY: 1100.0})
        rulesets.ruleset_submit(actor=rules_admin, version=version)
        rulesets.ruleset_reject(actor=second_admin, version=version, data={"comment": "No"})
    rulesets.ruleset_submit(actor=rules_admin, version=first)
    rulesets.ruleset_approve(actor=second_admin, version=first)
    assert query_count(client, f"{BASE}/") == few_list
    assert query_count(client, f"{BASE}/{first.number}/") == few_detail
    assert query_count(client, f"{BASE}/{first.number}/history/") == \
        query_count(client, f"{BASE}/1/history/")
