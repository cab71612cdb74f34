"""Rule alarms compare like with like (issue 10, item 6): the active version and the one it
replaced, on the same patients, facts and evaluation date, from the activation job's
comparison. End to end through real activations (an identical copy raises none, a surge
1 → 15 raises one, a silenced rule raises "stopped"), then edge cases on fabricated job rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadm.models import JobRun
from cadm.selectors.metrics import alarm_kind, rule_alarms
from cadm.services import rulesets
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, mda5_patient, run_queued

pytestmark = pytest.mark.django_db
MARKERS = "MDA5_RPILD_MARKERS"
TODAY = dt.date.today().isoformat()


def cohort(site, creator, ferritins):
    for ferritin in ferritins:
        patient_reevaluate(mda5_patient(site, creator, ferritin=ferritin).pk)


def activate(capture, actor, version):
    job = run_queued(capture, lambda: rulesets.ruleset_activate(actor=actor, version=version,
                                                                data={"confirm": True}))
    version.refresh_from_db()  # now active, replacing v1
    return job


def test_an_identical_copy_raises_no_alarm(site, rheumatologist, rules_admin, second_admin,
                                           django_capture_on_commit_callbacks):
    """Before, an identical copy raised false surges: flags carried over without an action
    were compared with everything the previous version had ever fired."""
    cohort(site, rheumatologist, [1600, 1200, 1200, None])
    copy = approved(rules_admin, second_admin)
    job = activate(django_capture_on_commit_callbacks, second_admin, copy)
    report = rule_alarms(copy)
    assert (report.state, report.alarms, report.job) == ("ready", (), job)
    assert (report.previous, report.patients, report.as_of) == (1, 4, TODAY)
    codes = job.result["comparison"]["codes"]
    assert codes[MARKERS] == [1, 1] and all(old == new for old, new in codes.values())


def test_a_surge_from_1_to_15_patients_raises_one_alarm(site, rheumatologist, rules_admin,
                                                        second_admin,
                                                        django_capture_on_commit_callbacks):
    """Ferritin 1600 fires under both thresholds (1500, then 1000); 1200 only under the new."""
    cohort(site, rheumatologist, [1600] + [1200] * 14)
    v2 = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    activate(django_capture_on_commit_callbacks, second_admin, v2)
    report = rule_alarms(v2)
    assert report.state == "ready" and len(report.alarms) == 1
    alarm = report.alarms[0]
    assert (alarm.code, alarm.kind, alarm.before, alarm.now) == (MARKERS, "surge", 1, 15)
    assert alarm.message == (f"{MARKERS} fires for 15 patients under v2, more than 3× the 1 "
                             f"under v1. Compared on the same 15 patients, as of {TODAY}.")


def test_a_silenced_rule_raises_stopped(site, rheumatologist, rules_admin, second_admin,
                                        django_capture_on_commit_callbacks):
    cohort(site, rheumatologist, [1600, 1600, 1200])
    v2 = approved(rules_admin, second_admin, **{FERRITIN_KEY: 2000.0})
    activate(django_capture_on_commit_callbacks, second_admin, v2)
    (alarm,) = rule_alarms(v2).alarms
    assert (alarm.code, alarm.kind, alarm.before, alarm.now) == (MARKERS, "stopped", 2, 0)
    assert alarm.message == (f"{MARKERS} fired for 2 patients under v1 and for none under v2."
                             f" Compared on the same 3 patients, as of {TODAY}.")


def test_the_alarms_wait_for_the_activation_job(site, rheumatologist, rules_admin,
                                                second_admin, django_capture_on_commit_callbacks):
    cohort(site, rheumatologist, [1600])
    v2 = approved(rules_admin, second_admin, **{FERRITIN_KEY: 2000.0})
    with django_capture_on_commit_callbacks(execute=False):
        job = rulesets.ruleset_activate(actor=second_admin, version=v2, data={"confirm": True})
    v2.refresh_from_db()
    report = rule_alarms(v2)
    assert (report.state, report.alarms, report.job) == ("pending", (), job)
    assert report.note == (f"No rule alarms yet: the comparison with v1 is computed by the "
                           f"re-evaluation of the cohort with v2 (job #{job.pk}, queued), not "
                           f"finished yet.")


# Edge cases on fabricated job rows: v2 active, replacing v1, its activation job still queued.

@pytest.fixture
def v2(rules_admin, second_admin, django_capture_on_commit_callbacks):
    version = approved(rules_admin, second_admin)
    with django_capture_on_commit_callbacks(execute=False):
        rulesets.ruleset_activate(actor=second_admin, version=version, data={"confirm": True})
    version.refresh_from_db()
    return version


def job(version, state="done", codes=None, patients=156, as_of="2026-11-30", previous=1):
    result = {} if codes is None else {"comparison": {
        "previous": previous, "as_of": as_of, "patients": patients, "codes": codes}}
    return JobRun.objects.create(kind="ruleset-activate", ruleset=version, state=state,
                                 params={"ruleset": version.number, "as_of": as_of},
                                 result=result)


def kinds(report):
    return {alarm.code: alarm.kind for alarm in report.alarms}


@pytest.mark.parametrize(("before", "now", "expected"), [
    (1, 0, "stopped"), (7, 0, "stopped"), (0, 0, None), (1, 3, None), (1, 4, "surge"),
    (0, 3, None), (0, 4, "surge"), (3, 9, None), (3, 10, "surge"), (15, 1, None),
])
def test_alarm_kind_thresholds(before, now, expected):
    assert alarm_kind(before, now) == expected


def test_the_newest_finished_comparison_is_used(v2):
    job(v2, codes={"A": [1, 0]})
    newest = job(v2, codes={"B": [1, 9]}, as_of="2026-12-01")
    job(v2, state="running")  # a re-run still going does not hide the last result
    report = rule_alarms(v2)
    assert (report.state, report.job, kinds(report)) == ("ready", newest, {"B": "surge"})
    assert report.alarms[0].message == ("B fires for 9 patients under v2, more than 3× the 1 "
                                        "under v1. Compared on the same 156 patients, as of "
                                        "2026-12-01.")


def test_a_rule_that_fired_for_nobody_surges_from_four_patients(v2):
    job(v2, codes={"A": [0, 4], "B": [0, 3]})
    (alarm,) = rule_alarms(v2).alarms
    assert (alarm.code, alarm.kind) == ("A", "surge")
    assert alarm.message == ("A fires for 4 patients under v2 and for none under v1 (from "
                             "none, more than 3 is a surge). Compared on the same 156 "
                             "patients, as of 2026-11-30.")


@pytest.mark.parametrize("state", ["queued", "running"])
def test_a_job_not_finished_is_pending(v2, state):
    running = JobRun.objects.get(ruleset=v2)
    JobRun.objects.filter(pk=running.pk).update(state=state, progress=40, total=156)
    report = rule_alarms(v2)
    assert (report.state, report.alarms, report.job) == ("pending", (), running)
    assert "not finished yet" in report.note
    assert ("40 of 156 patients" in report.note) == (state == "running")


@pytest.mark.parametrize("state", ["failed", "cancelled"])
def test_a_job_that_did_not_finish_leaves_the_comparison_unavailable(v2, state):
    JobRun.objects.filter(ruleset=v2).update(state=state)
    report = rule_alarms(v2)
    assert (report.state, report.alarms) == ("unavailable", ())
    assert f"{state}). Re-evaluate the cohort again from the page of v2." in report.note


def test_a_finished_job_without_a_comparison_is_not_read(v2):
    """A job that ran before comparisons were recorded: say so, not 'no alarm'."""
    JobRun.objects.filter(ruleset=v2).update(state="done")
    assert rule_alarms(v2).state == "unavailable"


def test_no_comparison_for_a_version_that_replaced_none(v1):
    assert rule_alarms(v1).state == "none" and rule_alarms(v1).alarms == ()


def test_the_jobs_of_another_version_are_not_read(v2, v1):
    job(v1, codes={"A": [1, 0]})
    assert rule_alarms(v2).state == "pending"


def test_three_queries_at_most(v2, django_assert_max_num_queries):
    job(v2, state="failed")
    with django_assert_max_num_queries(3):
        assert "job #" in rule_alarms(v2).note
    job(v2, codes={f"R{i}": [1, 0] for i in range(30)})
    with django_assert_max_num_queries(1):
        assert len(rule_alarms(v2).alarms) == 30


# The versions page.

def test_the_page_shows_the_alarm_and_the_definition(client, rules_admin, v2):
    job(v2, codes={MARKERS: [1, 15]})
    client.force_login(rules_admin)
    body = client.get(reverse("ruleset-list")).content.decode()
    assert 'class="rs-alarms" role="alert"' in body
    assert (f"{MARKERS} fires for 15 patients under v2, more than 3× the 1 under v1. Compared "
            f"on the same 156 patients, as of 2026-11-30.") in body
    assert "on the same facts and the same evaluation date (2026-11-30, 156 patients)" in body
    assert "so 4 patients or more is a surge" in body


def test_the_page_says_when_the_comparison_is_pending(client, rules_admin, v2):
    client.force_login(rules_admin)
    body = client.get(reverse("ruleset-list")).content.decode()
    assert "No rule alarms yet: the comparison with v1 is computed by the re-evaluation" in body
    assert "rs-alarms-status" in body and 'class="rs-alarms"' not in body


def test_the_page_says_when_there_is_no_alarm(client, rules_admin, v2):
    job(v2, codes={MARKERS: [3, 4]})
    client.force_login(rules_admin)
    body = client.get(reverse("ruleset-list")).content.decode()
    assert ("None: no rule stopped firing or fires for more than 3× as many patients (the same "
            "156 patients, as of 2026-11-30).") in body


def test_the_page_takes_the_same_queries_whatever_the_alarms(
        client, rules_admin, v2, django_assert_num_queries):
    client.force_login(rules_admin)
    job(v2, codes={MARKERS: [1, 15]})
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("ruleset-list"))
    job(v2, codes={f"R{i}": [1, 0] for i in range(30)})
    with django_assert_num_queries(len(one.captured_queries)):
        body = client.get(reverse("ruleset-list")).content.decode()
    assert body.count("stopped firing:") == 30
