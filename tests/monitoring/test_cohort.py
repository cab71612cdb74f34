"""The lung cohort page: anti-MDA5 patients by days since the last PFT, overdue first;
patients with progression in the last year; the user's sites only. The lists are of what the
evaluation stored (monitoring.lung_status): each test evaluates the patients first, as the
daily sweep does."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.models import PpfAssessment
from tests.factories import AntibodyFactory, HrctFactory, PatientFactory, PftFactory
from tests.monitoring.lung_data import ago, sweep

URL = reverse("lung-cohort")
TODAY = timezone.localdate()  # what the view reads


def mda5_patient(site, name, *, positive_days=300, pft_days=(), hrct=True, result="positive"):
    """Anti-MDA5 `result` `positive_days` ago; baseline HRCT; PFTs (with DLCO) days ago."""
    p = PatientFactory(site=site, family_name=name)
    AntibodyFactory(patient=p, observed_on=ago(TODAY, positive_days), result=result)
    if hrct:
        HrctFactory(patient=p, observed_on=ago(TODAY, positive_days - 5))
    for days in pft_days:
        PftFactory(patient=p, observed_on=ago(TODAY, days))
    return p


def names(rows) -> list[str]:
    return [r.patient.family_name for r in rows]


def test_anti_mda5_patients_overdue_first_then_longest_since_the_last_pft(rheum_client, site):
    mda5_patient(site, "Recent", pft_days=(290, 10))
    mda5_patient(site, "Sixty", pft_days=(290, 60))
    mda5_patient(site, "Overdue", positive_days=500, pft_days=(490, 200))  # after year one
    mda5_patient(site, "Nobaseline", pft_days=(20,), hrct=False)
    mda5_patient(site, "Never", positive_days=30, hrct=False)  # no PFT at all
    mda5_patient(site, "Early", positive_days=150, pft_days=(145, 100))  # 90 days: overdue
    mda5_patient(site, "Negative", pft_days=(290,), result="negative")
    sweep(TODAY)
    response = rheum_client.get(URL)
    rows = response.context["cohort"].mda5
    assert names(rows) == ["Never", "Overdue", "Early", "Nobaseline", "Sixty", "Recent"]
    assert [r.days_since_pft for r in rows] == [None, 200, 100, 20, 60, 10]
    assert [r.schedule.status for r in rows] == [
        "baseline_missing", "overdue", "overdue", "baseline_missing", "due_soon", "scheduled"]
    assert rows[2].schedule.interval_days == 90 and rows[1].schedule.interval_days == 180
    body = response.content.decode()
    assert "Negative" not in body and "<strong>Overdue</strong>" in body
    assert "Baseline missing" in body


def test_progression_in_the_last_year(rheum_client, site):
    fall = PatientFactory(site=site, family_name="Fall")
    PftFactory(patient=fall, observed_on=ago(TODAY, 300), fvc_pct_predicted=85)
    PftFactory(patient=fall, observed_on=ago(TODAY, 30), fvc_pct_predicted=80)
    old = PatientFactory(site=site, family_name="Oldfall")
    PftFactory(patient=old, observed_on=ago(TODAY, 600), fvc_pct_predicted=85)
    PftFactory(patient=old, observed_on=ago(TODAY, 366), fvc_pct_predicted=70)
    small = PatientFactory(site=site, family_name="Small")
    PftFactory(patient=small, observed_on=ago(TODAY, 300), fvc_pct_predicted=85)
    PftFactory(patient=small, observed_on=ago(TODAY, 30), fvc_pct_predicted=80.1)
    imaging = PatientFactory(site=site, family_name="Imaging")
    PpfAssessment.objects.create(patient=imaging, observed_on=ago(TODAY, 40),
                                 worsening_symptoms=False, radiological_progression=True,
                                 recorded_by=imaging.created_by)
    mda5 = mda5_patient(site, "Mdafall", pft_days=())
    PftFactory(patient=mda5, observed_on=ago(TODAY, 200), dlco_pct_predicted=70)
    PftFactory(patient=mda5, observed_on=ago(TODAY, 100), dlco_pct_predicted=60)
    sweep(TODAY)
    response = rheum_client.get(URL)
    rows = response.context["cohort"].progression
    assert names(rows) == ["Mdafall", "Fall", "Imaging"]
    assert rows[0].decline.dlco.absolute == -10.0 and rows[0].mda5_positive
    assert rows[1].decline.fvc.absolute == -5.0 and rows[1].imaging_on is None
    assert rows[2].decline is None and rows[2].imaging_on == ago(TODAY, 40)
    body = response.content.decode()
    assert "−10.0" in body and f"judged {ago(TODAY, 40):%Y-%m-%d}" in body


def test_only_the_users_sites_and_a_site_filter(rheum_client, rheumatologist, site, other_site):
    mda5_patient(site, "Ownsite", pft_days=(290, 10))
    mda5_patient(other_site, "Foreign", pft_days=(290, 10))
    sweep(TODAY)
    assert names(rheum_client.get(URL).context["cohort"].mda5) == ["Ownsite"]
    assert names(rheum_client.get(URL, {"site": "north"}).context["cohort"].mda5) == [
        "Ownsite"]
    assert rheum_client.get(URL, {"site": "south"}).status_code == 404
    rheumatologist.sites.add(other_site)
    assert rheum_client.get(URL, {"site": "south"}).status_code == 200


def test_queries_do_not_grow_with_the_cohort(rheum_client, site,
                                            django_assert_max_num_queries):
    # On both lists from the start: an empty list costs no query for its page.
    first = mda5_patient(site, "First", pft_days=(290, 10))
    PftFactory(patient=first, observed_on=ago(TODAY, 5), fvc_pct_predicted=70)
    sweep(TODAY)
    rheum_client.get(URL)
    with django_assert_max_num_queries(30) as first:
        rheum_client.get(URL)
    for n in range(6):
        p = mda5_patient(site, f"More{n}", pft_days=(290, 100 + n))
        PftFactory(patient=p, observed_on=ago(TODAY, 20), fvc_pct_predicted=70)
    sweep(TODAY)
    with django_assert_max_num_queries(len(first)):
        response = rheum_client.get(URL)
    assert len(response.context["cohort"].mda5) == 7
    assert len(response.context["cohort"].progression) == 7


@pytest.mark.parametrize("days", [365, 366])
def test_progression_window_edge(rheum_client, site, days):
    p = PatientFactory(site=site, family_name="Edge")
    PftFactory(patient=p, observed_on=ago(TODAY, days + 100), fvc_pct_predicted=85)
    PftFactory(patient=p, observed_on=ago(TODAY, days), fvc_pct_predicted=79)
    sweep(TODAY)
    rows = rheum_client.get(URL).context["cohort"].progression
    assert names(rows) == (["Edge"] if days == 365 else [])
    assert rheum_client.get(URL).context["cohort"].since == TODAY - dt.timedelta(days=365)
