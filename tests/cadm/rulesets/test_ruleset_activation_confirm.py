"""Activation asks for a confirmation: a page that says what retires, the parameter diff, the
impact preview (or that none was run) and whether the version changes anything; a POST
without the box ticked is refused. The version page shows the same preview summary."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from cadm.models import AuditEvent, JobRun, RuleSetVersion
from cadm.services import preview, rulesets
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import (
    FERRITIN_KEY,
    approved,
    draft_with,
    mda5_patient,
    run_queued,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CONFIRM = "I have reviewed the differences and the impact preview"


def page(client, version) -> str:
    response = client.get(reverse("ruleset-activate", args=[version.number]))
    assert response.status_code == 200
    return response.content.decode()


def detail(client, version) -> str:
    return client.get(reverse("ruleset-detail", args=[version.number])).content.decode()


@pytest.fixture
def v2(rules_admin, second_admin):
    return approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})


@pytest.fixture
def admin(client, second_admin):
    client.force_login(second_admin)
    return client


# --- what the page shows -----------------------------------------------------------------------

def test_page_says_what_retires_the_diff_and_that_no_preview_was_run(admin, v2):
    body = page(admin, v2)
    assert "v1</a>, active since" in body and "is retired" in body
    diff = body.split('class="grid rs-diff"')[1].split("</table>")[0]
    assert FERRITIN_KEY in diff and "1500.0" in diff and "1000.0" in diff
    assert "No impact preview has been run for v2" in body
    assert 'name="confirm"' in body and CONFIRM in body and "required" in body
    assert "changes no parameter" not in body


def test_page_and_version_page_summarise_the_latest_preview(
        admin, site, rheumatologist, rules_admin, v2, django_capture_on_commit_callbacks):
    patient = mda5_patient(site, rheumatologist, ferritin=1200)
    # A name no page word contains (a random "Chang" is in "Change note").
    type(patient).objects.filter(pk=patient.pk).update(family_name="Qwyzzel")
    patient.refresh_from_db()
    patient_reevaluate(patient.pk)
    run_queued(django_capture_on_commit_callbacks,
               lambda: preview.ruleset_preview_start(actor=rules_admin, version=v2))
    for body in (page(admin, v2), detail(admin, v2)):
        assert "No impact preview has been run" not in body
        assert "Latest impact preview: run" in body and "on 1 patient," in body
        assert "for the current parameters of v2" in body and "stale" not in body
        totals = body.split('class="grid rs-totals"')[1].split("</table>")[0]
        # open 1 (the ferritin marker), the others unchanged; no patient named
        assert '<tbody><tr><td class="num">1</td><td class="num">0</td>' in totals
        assert reverse("ruleset-preview", args=[2]) in body
        assert str(patient.public_id) not in body and patient.family_name not in body


def test_a_preview_of_other_parameters_is_called_stale(
        admin, rules_admin, second_admin, django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    run_queued(django_capture_on_commit_callbacks,
               lambda: preview.ruleset_preview_start(actor=rules_admin, version=draft))
    rulesets.ruleset_draft_update(actor=rules_admin, version=draft,
                                  data={"params": {**draft.params, FERRITIN_KEY: 900.0},
                                        "change_note": "Lower still."})
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    body = detail(admin, draft)  # awaiting approval: the reviewer sees it
    assert "This preview is stale" in body and "for the current parameters" not in body
    rulesets.ruleset_approve(actor=second_admin, version=draft)
    assert "This preview is stale" in page(admin, draft)
    assert "This preview is stale" in detail(admin, draft)


def test_version_page_says_no_preview_while_awaiting_and_approved(
        admin, rules_admin, second_admin):
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    assert "No impact preview has been run for v2" in detail(admin, draft)
    rulesets.ruleset_approve(actor=second_admin, version=draft)
    body = detail(admin, draft)
    assert "No impact preview has been run for v2" in body
    # The version page links to the confirmation; it has no one-click activation any more.
    assert f'href="{reverse("ruleset-activate", args=[2])}"' in body
    assert 'method="post" action="/rulesets/2/activate/"' not in body


@pytest.mark.parametrize("state", ["awaiting_approval", "approved"])
def test_an_identical_copy_is_called_so(admin, rules_admin, second_admin, state):
    draft = draft_with(rules_admin)  # the active version's parameters, unchanged
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    if state == "approved":
        rulesets.ruleset_approve(actor=second_admin, version=draft)
        assert ("v2 changes no parameter of the active v1: activating it only re-stamps the "
                "flags") in page(admin, draft)
    body = detail(admin, draft)
    assert "v2 changes no parameter of the active v1: activating it only re-stamps" in body


def test_one_changed_parameter_is_not_an_identical_copy(admin, rules_admin, second_admin, v1):
    """Just off the active value (1500.0 → 1499.9) is a change."""
    version = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1499.9})
    assert "changes no parameter" not in page(admin, version)


def test_a_version_that_is_not_approved_has_no_form(admin, rules_admin):
    draft = draft_with(rules_admin)
    body = page(admin, draft)
    assert "v2 is draft: only an approved version can be activated" in body
    assert 'name="confirm"' not in body


# --- the POST --------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [{}, {"confirm": ""}, {"confirm": "false"}, {"other": "on"}],
                         ids=["nothing", "empty", "false", "other-field"])
def test_post_without_the_box_is_refused_naming_it(admin, v2, data):
    with mock.patch("cadm.services.rulesets.ruleset_activate") as activate:
        response = admin.post(reverse("ruleset-activate", args=[v2.number]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert f"{CONFIRM}: required, the box was not ticked; accepted: ticked" in body
    activate.assert_not_called()
    v2.refresh_from_db()
    assert v2.state == "approved" and not JobRun.objects.filter(kind="ruleset-activate")


def test_the_action_route_does_not_activate_without_the_box(admin, v2):
    """reverse("ruleset-act", ..., "activate") is the confirmation URL: it asks too."""
    url = reverse("ruleset-act", args=[v2.number, "activate"])
    assert url == reverse("ruleset-activate", args=[v2.number])
    assert admin.post(url, {}).status_code == 400
    v2.refresh_from_db()
    assert v2.state == "approved"


def test_post_with_the_box_activates_and_says_so(admin, v2, second_admin,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin.post(reverse("ruleset-activate", args=[v2.number]), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ruleset-detail", args=[2])
    assert len(queued) == 1  # the re-evaluation, sent to the broker on commit
    assert dict(RuleSetVersion.objects.values_list("number", "state")) == {
        1: "retired", 2: "active"}
    assert AuditEvent.objects.filter(action="ruleset.activate", actor=second_admin).exists()
    # The hand-over runs on commit, which this test's transaction defers: the page says
    # queued, not "being re-evaluated" (test_broker_up_says_being_re_evaluated: after it).
    body = admin.get(response["Location"]).content.decode()
    assert "v2 is active: the re-evaluation of the cohort with it is queued." in body


def test_post_on_a_version_no_longer_approved_is_refused_by_the_service(
        admin, v2, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        rulesets.ruleset_activate(actor=v2.approver, version=v2, data={"confirm": True})
    response = admin.post(reverse("ruleset-activate", args=[v2.number]), {"confirm": "on"})
    assert response.status_code == 400
    assert "only a version that is approved, not yet active can be activated" in \
        response.content.decode()
    assert JobRun.objects.filter(kind="ruleset-activate").count() == 1


@pytest.mark.parametrize("role", ["rheumatologist", "dermatologist"])
def test_clinicians_can_neither_see_nor_post(client, site, v2, role):
    client.force_login(UserFactory(role=role, sites=[site]))
    url = reverse("ruleset-activate", args=[v2.number])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "on"}).status_code == 403
    v2.refresh_from_db()
    assert v2.state == "approved"


def test_anonymous_is_sent_to_login_and_unknown_versions_are_404(client, admin, v2):
    url = reverse("ruleset-activate", args=[v2.number])
    assert admin.get(reverse("ruleset-activate", args=[99])).status_code == 404
    admin.logout()
    response = admin.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert admin.put(url).status_code in (302, 405)


def test_page_queries_do_not_grow_with_the_preview_or_the_versions(
        admin, site, rheumatologist, rules_admin, second_admin, v2,
        django_capture_on_commit_callbacks):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(admin, v2)
            detail(admin, v2)
        return len(captured)

    run_queued(django_capture_on_commit_callbacks,
               lambda: preview.ruleset_preview_start(actor=rules_admin, version=v2))
    before = queries()
    for _ in range(4):
        patient_reevaluate(mda5_patient(site, rheumatologist, ferritin=1200).pk)
        draft_with(rules_admin, **{FERRITIN_KEY: 1100.0})
    run_queued(django_capture_on_commit_callbacks,
               lambda: preview.ruleset_preview_start(actor=rules_admin, version=v2))
    assert queries() == before


# --- the broker is down ------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_broker_down_says_active_and_queued_not_started(client, site):
    """Real commits (transactional test): the on-commit hand-over runs inside the request, as
    in production, so the view can read what it recorded. The job stays queued with the
    error on its row; the recovery task sends it again (cadm.jobs.jobs_recover)."""
    author = UserFactory(username="author", role="rules_admin", sites=[site])
    approver = UserFactory(username="approver", role="rules_admin", sites=[site])
    version = approved(author, approver, **{FERRITIN_KEY: 1000.0})
    client.force_login(approver)
    down = OperationalError("[Errno 111] Connection refused")
    with mock.patch("cadm.tasks.job_run_task.apply_async", side_effect=down) as send:
        response = client.post(reverse("ruleset-activate", args=[version.number]),
                               {"confirm": "on"}, follow=True)
    send.assert_called_once()
    job = JobRun.objects.get(kind="ruleset-activate")
    assert job.state == "queued" and job.dispatch_error.startswith("OperationalError: ")
    body = response.content.decode()
    assert ('class="msg warning" role="status">v2 is active. The re-evaluation of the cohort '
            'is queued but the task queue could not be reached; it will start automatically '
            'when the queue is back.') in body
    assert "being re-evaluated" not in body
    version.refresh_from_db()
    assert version.state == "active"


@pytest.mark.django_db(transaction=True)
def test_broker_up_says_being_re_evaluated(client, site):
    author = UserFactory(username="author", role="rules_admin", sites=[site])
    approver = UserFactory(username="approver", role="rules_admin", sites=[site])
    version = approved(author, approver, **{FERRITIN_KEY: 1000.0})
    client.force_login(approver)
    with mock.patch("cadm.tasks.job_run_task.apply_async") as send:  # accepted by the broker
        response = client.post(reverse("ruleset-activate", args=[version.number]),
                               {"confirm": "on"}, follow=True)
    send.assert_called_once()
    assert JobRun.objects.get(kind="ruleset-activate").dispatched_at is not None
    assert ('class="msg success" role="status">v2 is active: the cohort is being re-evaluated '
            'with it.') in response.content.decode()
