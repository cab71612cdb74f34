"""Rule-set pages: permission matrix, the schema-generated form, diff, review actions,
preview page (sample values, no patient identity), job status, metrics and alarms, the
default comparison of each state."""

import pytest
from django.urls import reverse

from cadm.jobs import job_run_execute
from cadm.models import Flag, JobRun, RuleSetVersion
from cadm.rules.params import SPECS
from cadm.services import preview, rulesets
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, draft_with, mda5_patient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def form_data(version, **changes):
    return {**version.params, "change_note": version.change_note or "A note", **changes}


@pytest.fixture
def admin_client(client, rules_admin):
    client.force_login(rules_admin)
    return client


# --- permission matrix: role × page ----------------------------------------------------------

GETS = {
    "list": lambda d, j: reverse("ruleset-list"),
    "detail": lambda d, j: reverse("ruleset-detail", args=[d.number]),
    "edit": lambda d, j: reverse("ruleset-edit", args=[d.number]),
    "preview": lambda d, j: reverse("ruleset-preview", args=[d.number]),
    "job-status": lambda d, j: reverse("ruleset-job-status", args=[j.pk]),
}
POSTS = {
    "clone": lambda d, j: reverse("ruleset-clone", args=[d.number]),
    "submit": lambda d, j: reverse("ruleset-act", args=[d.number, "submit"]),
    "preview-start": lambda d, j: reverse("ruleset-preview", args=[d.number]),
    "preview-cancel": lambda d, j: reverse("ruleset-preview-cancel", args=[d.number, j.pk]),
}
EXPECTED = {"rules_admin": 200, "rheumatologist": 403, "dermatologist": 403, None: 403}
POST_EXPECTED = {"rules_admin": 302, "rheumatologist": 403, "dermatologist": 403, None: 403}


def _setup(site, role, capture):
    user = UserFactory(role=role, sites=[site])
    author = user if role == "rules_admin" else UserFactory(role="rules_admin", sites=[site])
    draft = draft_with(author)
    with capture(execute=False):
        job = preview.ruleset_preview_start(actor=author, version=draft)
    return user, draft, job


@pytest.mark.parametrize("page", list(GETS))
@pytest.mark.parametrize("role", list(EXPECTED))
def test_page_permission_matrix(client, site, role, page, django_capture_on_commit_callbacks):
    user, draft, job = _setup(site, role, django_capture_on_commit_callbacks)
    client.force_login(user)
    assert client.get(GETS[page](draft, job)).status_code == EXPECTED[role]


@pytest.mark.parametrize("action", list(POSTS))
@pytest.mark.parametrize("role", list(POST_EXPECTED))
def test_action_permission_matrix(client, site, role, action,
                                  django_capture_on_commit_callbacks):
    user, draft, job = _setup(site, role, django_capture_on_commit_callbacks)
    client.force_login(user)
    versions, jobs = RuleSetVersion.objects.count(), JobRun.objects.count()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(POSTS[action](draft, job), {})
    assert response.status_code == POST_EXPECTED[role]
    if POST_EXPECTED[role] == 403:
        draft.refresh_from_db()
        assert draft.state == "draft" and RuleSetVersion.objects.count() == versions
        assert JobRun.objects.count() == jobs and "cancel_requested_at" not in job.params


@pytest.mark.parametrize("page", list(GETS))
def test_anonymous_is_sent_to_login(client, site, page, django_capture_on_commit_callbacks):
    _, draft, job = _setup(site, "rules_admin", django_capture_on_commit_callbacks)
    response = client.get(GETS[page](draft, job))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_nav_link_for_rules_admins_only(client, rules_admin, rheumatologist):
    client.force_login(rules_admin)
    assert reverse("ruleset-list") in client.get(reverse("cohort-summary")).content.decode()
    client.force_login(rheumatologist)
    assert reverse("ruleset-list") not in client.get(reverse("worklist")).content.decode()


# --- list, detail, form ----------------------------------------------------------------------

def test_list_shows_states_people_and_the_active_marker(admin_client, rules_admin,
                                                        second_admin):
    approved(rules_admin, second_admin)
    body = admin_client.get(reverse("ruleset-list")).content.decode()
    assert "● Active" in body and "Approved, not yet active" in body
    assert str(rules_admin) in body and str(second_admin) in body
    assert "Lower the ferritin threshold." in body
    assert "Clone the active version v1" in body


def test_clone_from_the_page_opens_the_new_draft(admin_client, rules_admin, v1):
    response = admin_client.post(reverse("ruleset-clone", args=[1]), {"change_note": "Try"})
    draft = RuleSetVersion.objects.get(number=2)
    assert response["Location"] == reverse("ruleset-edit", args=[2])
    assert (draft.author, draft.change_note, draft.state) == (rules_admin, "Try", "draft")


def test_form_is_generated_from_the_schema(admin_client, rules_admin):
    draft = draft_with(rules_admin)
    body = admin_client.get(reverse("ruleset-edit", args=[draft.number])).content.decode()
    for spec in SPECS:
        assert f'name="{spec.key}"' in body
    assert "Ferritin at or above which RP-ILD risk is high" in body
    assert "ng/mL" in body and "100–20000" in body and "Yang Q et al." in body
    assert "VERIFIED-P" in body and "UNVERIFIED" in body
    assert "(pending clinical validation)" in body
    assert '<option value="critical" selected>' in body


def test_out_of_range_value_is_refused_with_value_range_and_unit(admin_client, rules_admin):
    draft = draft_with(rules_admin)
    response = admin_client.post(reverse("ruleset-edit", args=[draft.number]),
                                 form_data(draft, **{FERRITIN_KEY: "50"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert ("Ferritin at or above which RP-ILD risk is high: 50 ng/mL is outside the accepted "
            "range 100–20000 ng/mL.") in body
    assert "Nothing was saved" in body
    draft.refresh_from_db()
    assert draft.params[FERRITIN_KEY] == 1500.0


def test_cross_field_problem_is_shown_on_its_field(admin_client, rules_admin):
    draft = draft_with(rules_admin)
    response = admin_client.post(reverse("ruleset-edit", args=[draft.number]),
                                 form_data(draft, **{"eular.probable_no_biopsy": "9"}))
    assert response.status_code == 400
    assert "possible ≤ probable ≤ definite is required" in response.content.decode()


def test_saved_draft_shows_its_diff_against_the_active_version(admin_client, rules_admin):
    draft = draft_with(rules_admin)
    response = admin_client.post(reverse("ruleset-edit", args=[draft.number]),
                                 form_data(draft, **{FERRITIN_KEY: "1000",
                                                     "change_note": "Lower ferritin"}))
    assert response["Location"] == reverse("ruleset-detail", args=[draft.number])
    draft.refresh_from_db()
    assert draft.params[FERRITIN_KEY] == 1000.0 and draft.change_note == "Lower ferritin"
    body = admin_client.get(response["Location"]).content.decode()
    diff = body.split('class="grid rs-diff"')[1].split("</table>")[0]
    assert FERRITIN_KEY in diff and "1500.0" in diff and "1000.0" in diff
    assert diff.count("<tr>") == 2  # the header and one changed parameter
    assert "ruleset.draft_update" in body and "1500.0 → 1000.0" in body


def test_someone_elses_draft_is_not_editable(client, rules_admin, second_admin):
    draft = draft_with(rules_admin)
    client.force_login(second_admin)
    response = client.post(reverse("ruleset-edit", args=[draft.number]),
                           form_data(draft, **{FERRITIN_KEY: "1000"}))
    assert response["Location"] == reverse("ruleset-detail", args=[draft.number])
    draft.refresh_from_db()
    assert draft.params[FERRITIN_KEY] == 1500.0


# --- review actions ----------------------------------------------------------------------------

def test_author_cannot_approve_from_the_page_another_admin_can(client, rules_admin,
                                                               second_admin):
    draft = draft_with(rules_admin)
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    client.force_login(rules_admin)
    page = client.get(reverse("ruleset-detail", args=[draft.number])).content.decode()
    assert "another rules admin must approve or reject it" in page
    response = client.post(reverse("ruleset-act", args=[draft.number, "approve"]), {})
    assert response.status_code == 403 and "four eyes" in response.content.decode()
    client.force_login(second_admin)
    response = client.post(reverse("ruleset-act", args=[draft.number, "approve"]),
                           {"comment": "Checked against Yang 2021"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "approved" and draft.approver == second_admin


def test_reject_without_a_comment_is_refused(client, rules_admin, second_admin):
    draft = draft_with(rules_admin)
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    client.force_login(second_admin)
    response = client.post(reverse("ruleset-act", args=[draft.number, "reject"]), {})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "awaiting_approval"


def test_activation_from_the_page_shows_the_jobs_progress_and_outcome(
        client, site, rheumatologist, rules_admin, second_admin,
        django_capture_on_commit_callbacks):
    patient = mda5_patient(site, rheumatologist)
    patient_reevaluate(patient.pk)
    version = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    client.force_login(second_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ruleset-activate", args=[version.number]),
                               {"confirm": "on"})
    assert response.status_code == 302
    job = JobRun.objects.get(kind="ruleset-activate")
    if job.state == "queued":  # a broker is configured: run it here as the worker would
        job_run_execute(job.pk)
    body = client.get(reverse("ruleset-detail", args=[version.number])).content.decode()
    assert "Re-evaluation of the cohort with v2" in body
    assert "1 patients: 1 flags opened" in body
    assert reverse("ruleset-job-status", args=[job.pk]) in body
    flag = Flag.objects.get(patient=patient, code="MDA5_RPILD_MARKERS")
    client.force_login(rheumatologist)
    flag_page = client.get(reverse("flag-detail", args=[flag.public_id])).content.decode()
    assert "rule set v2" in flag_page


# --- preview page and job status ---------------------------------------------------------------

def test_preview_page_shows_sample_values_without_patient_identity(
        client, site, rheumatologist, rules_admin, django_capture_on_commit_callbacks):
    patient = mda5_patient(site, rheumatologist, family_name="Hiddenname", mrn="MRN-HIDE-1")
    patient_reevaluate(patient.pk)
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    client.force_login(rules_admin)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("ruleset-preview", args=[draft.number]))
    job_run_execute(JobRun.objects.get(kind="ruleset-preview").pk)
    assert len(queued) == 1
    body = client.get(reverse("ruleset-preview", args=[draft.number])).content.decode()
    assert "MDA5_RPILD_MARKERS" in body
    cases = body.split('id="cases-MDA5_RPILD_MARKERS"')[1].split("</section>")[0]
    assert "Would open" in cases and "case 1" in cases and "case 2" not in cases
    assert "Ferritin" in cases and "1200 ng/mL" in cases
    assert str(patient.public_id) not in body and "/patients/" not in body
    assert "Hiddenname" not in body and "MRN-HIDE-1" not in body
    assert "no patient identity" in body


def test_preview_page_says_when_the_draft_changed_since(
        client, rules_admin, django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin)
    with django_capture_on_commit_callbacks(execute=False):
        preview.ruleset_preview_start(actor=rules_admin, version=draft)
    rulesets.ruleset_draft_update(actor=rules_admin, version=draft,
                                  data={"params": {**draft.params, FERRITIN_KEY: 900.0},
                                        "change_note": "again"})
    client.force_login(rules_admin)
    body = client.get(reverse("ruleset-preview", args=[draft.number])).content.decode()
    assert "The draft has changed since this preview" in body
    assert "Cancel the preview" in body


def test_job_status_json(client, rules_admin, django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin)
    with django_capture_on_commit_callbacks(execute=False):
        job = preview.ruleset_preview_start(actor=rules_admin, version=draft)
    client.force_login(rules_admin)
    data = client.get(reverse("ruleset-job-status", args=[job.pk])).json()
    assert data == {"id": job.pk, "kind": "ruleset-preview", "state": "queued", "progress": 0,
                    "total": 0, "finished": False, "stale": False,
                    "cancel_requested": False, "cancelled": False, "error": ""}
    other = JobRun.objects.create(kind="cohort-reevaluate")
    assert client.get(reverse("ruleset-job-status", args=[other.pk])).status_code == 404


def test_list_shows_the_alarm_of_a_rule_gone_silent(admin_client, site, rheumatologist,
                                                    rules_admin, second_admin,
                                                    django_capture_on_commit_callbacks):
    patient = mda5_patient(site, rheumatologist, ferritin=1600)
    patient_reevaluate(patient.pk)  # MDA5_RPILD_MARKERS under v1
    version = approved(rules_admin, second_admin, **{FERRITIN_KEY: 2000.0})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = rulesets.ruleset_activate(actor=second_admin, version=version, data={"confirm": True})
    assert len(queued) == 1
    job_run_execute(job.pk)
    body = admin_client.get(reverse("ruleset-list")).content.decode()
    assert "Rule alarms" in body
    assert "MDA5_RPILD_MARKERS fired for 1 patient under v1 and for none under v2." in body
    detail = admin_client.get(reverse("ruleset-detail", args=[1])).content.decode()
    assert "Rule metrics under v1" in detail and "MDA5_RPILD_MARKERS" in detail


@pytest.mark.parametrize(("state", "viewer", "expected"), [
    ("draft", "author", "Submit for approval"),
    ("draft", "other", "only its author edits and submits it"),
    ("awaiting_approval", "author", "another rules admin must approve or reject it"),
    ("awaiting_approval", "other", "Review v2 by"),
    ("approved", "author", "Activate v2"),
    ("rejected", "other", "Clone it to make a corrected draft"),
    ("retired", "other", "Roll back: clone v1 as a new draft"),
])
def test_detail_page_offers_the_next_step_of_each_state(
        client, rules_admin, second_admin, state, viewer, expected,
        django_capture_on_commit_callbacks):
    version = draft_with(rules_admin)
    if state != "draft":
        rulesets.ruleset_submit(actor=rules_admin, version=version)
    if state == "rejected":
        rulesets.ruleset_reject(actor=second_admin, version=version, data={"comment": "Cite it."})
    if state in ("approved", "retired"):
        rulesets.ruleset_approve(actor=second_admin, version=version)
    if state == "retired":
        with django_capture_on_commit_callbacks(execute=False):
            rulesets.ruleset_activate(actor=second_admin, version=version, data={"confirm": True})
        version = RuleSetVersion.objects.get(number=1)
    client.force_login(rules_admin if viewer == "author" else second_admin)
    response = client.get(reverse("ruleset-detail", args=[version.number]))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_any_two_versions_can_be_compared(admin_client, rules_admin):
    draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    body = admin_client.get(reverse("ruleset-detail", args=[1]), {"against": 2}).content.decode()
    diff = body.split('class="grid rs-diff"')[1].split("</table>")[0]
    assert "<th class=\"num\">v2</th><th class=\"num\">v1</th>" in diff
    assert FERRITIN_KEY in diff and diff.count("<tr>") == 2


# --- the default comparison of each state ------------------------------------------------------

@pytest.fixture
def lineage(rules_admin, second_admin, v1, django_capture_on_commit_callbacks):
    """Every later version is a clone of v1 (based_on = v1), so the defaults below can only
    come from what was or is active: v2 replaced v1; v3 was rejected while v2 was active; v4
    replaced v2 and is active; v5 is not yet activated."""
    def clone(ferritin):
        draft = rulesets.ruleset_draft_clone(actor=rules_admin, source=v1)
        return rulesets.ruleset_draft_update(
            actor=rules_admin, version=draft,
            data={"params": {**draft.params, FERRITIN_KEY: ferritin},
                  "change_note": f"Ferritin {ferritin}"})

    def activate(version):
        rulesets.ruleset_submit(actor=rules_admin, version=version)
        rulesets.ruleset_approve(actor=second_admin, version=version)
        with django_capture_on_commit_callbacks(execute=False):
            rulesets.ruleset_activate(actor=second_admin, version=version, data={"confirm": True})

    activate(clone(1000.0))
    v3 = clone(1200.0)
    rulesets.ruleset_submit(actor=rules_admin, version=v3)
    rulesets.ruleset_reject(actor=second_admin, version=v3, data={"comment": "Cite the source."})
    activate(clone(1100.0))
    clone(900.0)
    return {v.number: v for v in RuleSetVersion.objects.all()}


def heading_and_header(client, number, **query) -> tuple[str, str]:
    body = client.get(reverse("ruleset-detail", args=[number]), query).content.decode()
    section = body.split("<h2>Differences")[1].split("</section>")[0]
    return section.split("</h2>")[0], section


@pytest.mark.parametrize(("number", "state", "against", "why"), [
    (2, "retired", 1, "the version it replaced"),
    (3, "rejected", 2, "the version that was active when it was rejected"),
    (4, "active", 2, "the version it replaced"),
    (5, "draft", 4, "the active version it would replace"),
])
def test_default_diff_is_against_what_was_or_would_be_replaced(admin_client, lineage, number,
                                                               state, against, why):
    assert lineage[number].state == state and lineage[number].based_on.number == 1
    heading, section = heading_and_header(admin_client, number)
    assert heading == f" from v{against}, {why}"
    assert (f'<th class="num">v{against}</th><th class="num">v{number}</th>' in section
            or f"No parameter differs from v{against}." in section)


@pytest.mark.parametrize("state", ["awaiting_approval", "approved"])
def test_a_version_under_review_is_compared_with_the_active_one(
        admin_client, lineage, rules_admin, second_admin, state):
    v5 = lineage[5]
    rulesets.ruleset_submit(actor=rules_admin, version=v5)
    if state == "approved":
        rulesets.ruleset_approve(actor=second_admin, version=v5)
    heading, _ = heading_and_header(admin_client, 5)
    assert heading == " from v4, the active version it would replace"


def test_the_first_version_has_nothing_to_compare_with_and_a_chosen_one_says_so(
        admin_client, lineage):
    heading, section = heading_and_header(admin_client, 1)
    assert heading == "" and "Nothing to compare with." in section
    heading, section = heading_and_header(admin_client, 4, against="1")
    assert heading == " from v1" and "Back to the default comparison" in section
    assert '<th class="num">v1</th><th class="num">v4</th>' in section

