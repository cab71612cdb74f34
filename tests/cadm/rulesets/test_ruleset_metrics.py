"""Rule metrics per version and rule on a known fixture, and the alarm of the versions page."""

import datetime as dt

import pytest
from django.utils import timezone

from cadm.models import Flag, FlagAction, RuleSetVersion
from cadm.selectors.metrics import rule_alarms, rule_metrics
from cadm.services import rulesets
from tests.cadm.rulesets.builders import approved
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
T0 = timezone.now() - dt.timedelta(days=30)
MARKERS, BASELINE, HCQ = "MDA5_RPILD_MARKERS", "LUNG_BASELINE_MISSING", "HCQ_DOSE_MISSING"


def hours(n: float):
    return T0 + dt.timedelta(hours=n)


def act(flag, kind, at, ruleset, reason=""):
    action = FlagAction.objects.create(flag=flag, kind=kind, ruleset=ruleset, reason=reason)
    FlagAction.objects.filter(pk=action.pk).update(at=at)  # `at` is auto_now_add
    return action


def opened(patient, code, ruleset, at=T0, stamped=None):
    flag = Flag.objects.create(
        patient=patient, code=code, severity="warning", severity_rank=1, summary=code,
        detail="synthetic", citation="synthetic", evidence_label="VERIFIED-S",
        evidence_digest=code, ruleset=stamped or ruleset, opened_at=at, updated_at=at)
    act(flag, "opened", at, ruleset)
    return flag


@pytest.fixture
def fixture(site, rules_admin, second_admin, v1, django_capture_on_commit_callbacks):
    """v1, then v2 active. Under v1: MARKERS for p1-p3 (p1 also reopened; first
    acknowledgements after 2, 4 and 10 hours, p1 again later; p2 dismissed), BASELINE for
    p1-p3 (three dismissals), HCQ for p1. Under v2: MARKERS silent, BASELINE carried over
    (re-stamped, no action), HCQ opened for four new patients."""
    v2 = approved(rules_admin, second_admin)
    with django_capture_on_commit_callbacks(execute=False):
        rulesets.ruleset_activate(actor=rules_admin, version=v2)
    v1.refresh_from_db()
    p = [PatientFactory(site=site) for _ in range(7)]
    m = [opened(p[i], MARKERS, v1) for i in range(3)]
    for flag, delay in zip(m, (2, 4, 10), strict=True):
        act(flag, "acknowledged", hours(delay), v1)
    act(m[0], "reopened", hours(20), v1)
    act(m[0], "acknowledged", hours(30), v1)
    act(m[1], "dismissed", hours(40), v1, reason="need-more-info")
    Flag.objects.filter(code=MARKERS).update(state="resolved", resolved_at=hours(50))
    b = [opened(p[i], BASELINE, v1, stamped=v2) for i in range(3)]
    for flag, reason in zip(b, ("patient-ineligible", "patient-ineligible", "need-more-info"),
                            strict=True):
        act(flag, "dismissed", hours(5), v1, reason=reason)
    opened(p[0], HCQ, v1)
    for patient in p[3:]:
        opened(patient, HCQ, v2, at=hours(100))
    return v1, v2


def test_metrics_per_rule_under_the_previous_version(fixture):
    v1, _ = fixture
    metrics = rule_metrics(v1)
    assert set(metrics) == {MARKERS, BASELINE, HCQ}
    markers = metrics[MARKERS]
    assert (markers.firings, markers.acknowledgements, markers.patients) == (4, 4, 3)
    assert markers.dismissals == {"need-more-info": 1}
    assert markers.median_hours_to_ack == pytest.approx(4.0)
    baseline = metrics[BASELINE]
    assert (baseline.firings, baseline.acknowledgements, baseline.patients) == (3, 0, 3)
    assert baseline.dismissals == {"need-more-info": 1, "patient-ineligible": 2}
    assert baseline.dismissal_total == 3 and baseline.median_hours_to_ack is None
    assert (metrics[HCQ].firings, metrics[HCQ].patients) == (1, 1)


def test_metrics_under_the_active_version_count_carried_over_flags_as_patients(fixture):
    _, v2 = fixture
    metrics = rule_metrics(v2)
    assert set(metrics) == {BASELINE, HCQ}
    assert (metrics[BASELINE].firings, metrics[BASELINE].patients) == (0, 3)
    assert (metrics[HCQ].firings, metrics[HCQ].patients) == (4, 4)


def test_alarm_when_a_rule_stops_or_fires_more_than_three_times_as_often(fixture):
    v1, v2 = fixture
    alarms = {a.code: a for a in rule_alarms(v2)}
    assert set(alarms) == {MARKERS, HCQ}
    assert (alarms[MARKERS].kind, alarms[MARKERS].before, alarms[MARKERS].now) == (
        "stopped", 3, 0)
    assert (alarms[HCQ].kind, alarms[HCQ].before, alarms[HCQ].now) == ("surge", 1, 4)
    assert alarms[MARKERS].message == ("MDA5_RPILD_MARKERS fired for 3 patients under v1 and "
                                       "for none under v2.")
    assert (alarms[HCQ].previous, alarms[HCQ].active) == (v1.number, v2.number)


def test_no_alarm_without_a_previous_version(v1):
    assert rule_alarms(v1) == []


def test_metrics_take_a_fixed_number_of_queries(fixture, django_assert_max_num_queries):
    v1, _ = fixture
    with django_assert_max_num_queries(6):
        rule_metrics(v1)
    assert RuleSetVersion.objects.get(state="active").number == 2
