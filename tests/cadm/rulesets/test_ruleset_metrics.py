"""Rule metrics per version and rule: on a known fixture of flags, actions and firings, and end
to end, a version's metrics do not shrink when the next version is activated (issue 10,
item 5). The alarms are in test_ruleset_alarms.py, the window in
test_ruleset_metrics_window.py."""

import datetime as dt

import pytest
from django.utils import timezone

from cadm.models import Flag, FlagAction, RuleFiring, RuleSetVersion
from cadm.selectors.metrics import rule_metrics
from cadm.services import rulesets
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, mda5_patient, run_queued
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


def fired(patient, code, ruleset, first, last=None):
    """What firings_record writes when an evaluation with `ruleset` fires `code`."""
    last = last or first
    return RuleFiring.objects.create(ruleset=ruleset, code=code, patient=patient,
                                     first_at=first, last_at=last, first_as_of=first.date(),
                                     last_as_of=last.date())


def opened(patient, code, ruleset, at=T0, carried_to=None):
    """A flag opened under `ruleset`; `carried_to`: a later version's activation evaluated it
    again (the flag now records that version, without an action; both firing rows exist)."""
    flag = Flag.objects.create(
        patient=patient, code=code, severity="warning", severity_rank=1, summary=code,
        detail="synthetic", citation="synthetic", evidence_label="VERIFIED-S",
        evidence_digest=code, ruleset=carried_to or ruleset, opened_at=at, updated_at=at)
    act(flag, "opened", at, ruleset)
    fired(patient, code, ruleset, at)
    if carried_to:
        fired(patient, code, carried_to, hours(60))
    return flag


@pytest.fixture
def fixture(site, rules_admin, second_admin, v1, django_capture_on_commit_callbacks):
    """v1, then v2 active. Under v1: MARKERS for p1-p3 (p1 also reopened; first
    acknowledgements after 2, 4 and 10 hours, p1 again later; p2 dismissed), BASELINE for
    p1-p3 (three dismissals), HCQ for p1. Under v2: MARKERS silent, BASELINE carried over
    (its flags now record v2, without an action), HCQ opened for four new patients."""
    v2 = approved(rules_admin, second_admin)
    with django_capture_on_commit_callbacks(execute=False):
        rulesets.ruleset_activate(actor=rules_admin, version=v2, data={"confirm": True})
    v1.refresh_from_db()
    p = [PatientFactory(site=site) for _ in range(7)]
    m = [opened(p[i], MARKERS, v1) for i in range(3)]
    for flag, delay in zip(m, (2, 4, 10), strict=True):
        act(flag, "acknowledged", hours(delay), v1)
    act(m[0], "reopened", hours(20), v1)
    act(m[0], "acknowledged", hours(30), v1)
    act(m[1], "dismissed", hours(40), v1, reason="need-more-info")
    Flag.objects.filter(code=MARKERS).update(state="resolved", resolved_at=hours(50))
    b = [opened(p[i], BASELINE, v1, carried_to=v2) for i in range(3)]
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


def test_patients_come_from_firings_not_from_the_version_a_flag_records(fixture):
    """The BASELINE flags record v2 now; v1 still counts the three patients it fired for."""
    v1, v2 = fixture
    assert not Flag.objects.filter(code=BASELINE, ruleset=v1).exists()
    assert rule_metrics(v1)[BASELINE].patients == 3


def test_metrics_take_a_fixed_number_of_queries(fixture, django_assert_max_num_queries):
    v1, _ = fixture
    with django_assert_max_num_queries(5):
        rule_metrics(v1)
    assert RuleSetVersion.objects.get(state="active").number == 2


def activate(capture, actor, version):
    return run_queued(capture, lambda: rulesets.ruleset_activate(actor=actor, version=version,
                                                                 data={"confirm": True}))


@pytest.mark.parametrize("v3_ferritin", [1000.0, 2000.0], ids=["identical", "silencing"])
def test_a_versions_metrics_do_not_shrink_when_the_next_one_is_activated(
        site, rheumatologist, rules_admin, second_admin, v3_ferritin,
        django_capture_on_commit_callbacks):
    """End to end: v2 (ferritin ≥ 1000 ng/mL) fires MDA5_RPILD_MARKERS for 3 patients; v3,
    an identical copy or one that silences the rule, takes over the live flags; v2's metrics
    are what they were, every rule of them."""
    for ferritin in (1200, 1200, 1200, None):
        patient_reevaluate(mda5_patient(site, rheumatologist, ferritin=ferritin).pk)
    v2 = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    activate(django_capture_on_commit_callbacks, second_admin, v2)
    before = rule_metrics(v2)
    assert before[MARKERS].patients == 3 and len(before) > 1
    v3 = approved(second_admin, rules_admin, **{FERRITIN_KEY: v3_ferritin})
    activate(django_capture_on_commit_callbacks, rules_admin, v3)
    assert not Flag.objects.exclude(state="resolved").filter(ruleset=v2).exists()
    assert rule_metrics(v2) == before
    assert (MARKERS in rule_metrics(v3)) == (v3_ferritin == 1000.0)
