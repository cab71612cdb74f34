"""Every patient-facing list answers one page in the same number of queries whether the site
has 3 or 30 of its rows (issue 13: a site of 10,000 patients answers as fast as one of 60).

Each list is grown from 3 to 30 rows; with pages of 10 (the API's `page_size`, the pages'
PAGE_SIZE made smaller here), the second request must show 10 rows only, the right total,
and cost exactly the queries the first did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cadm.models import AuditEvent, Flag, JobRun, RuleSetVersion
from cadm.services.evaluation import patient_reevaluate
from monitoring.models import PpfAssessment
from screening.models import ScreeningItem, ScreeningPlan
from tests.cadm.api.conftest import token_client
from tests.cadm.history import patient_with_history
from tests.factories import (
    AntibodyFactory,
    HrctFactory,
    PatientFactory,
    PftFactory,
    UserFactory,
)
from tests.searching import search_location

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
FEW, MANY, PAGE = 3, 30, 10


def _flag(patient, n: int) -> Flag:
    opened = timezone.now() - dt.timedelta(days=n + 1)
    severity = ("critical", "warning", "info")[n % 3]
    return Flag.objects.create(
        patient=patient, code=f"CODE_{n % 4}", severity=severity, severity_rank=n % 3,
        summary=f"finding {n}", detail="-", citation="-", evidence_label="-",
        evidence_digest="0" * 64, ruleset=RuleSetVersion.objects.get(number=1),
        opened_at=opened, updated_at=opened)


def _screening_patient(site, n: int):
    """An active plan with one item due in the coming days and one overdue."""
    patient = PatientFactory(site=site, family_name=f"Screened{n:02d}")
    plan = ScreeningPlan.objects.create(patient=patient, tier="high", basis="-",
                                        ruleset=RuleSetVersion.objects.get(number=1))
    for key, due, status in (("soon", TODAY + (n % 20) * DAY, "due"),
                             ("late", TODAY - (100 + n) * DAY, "overdue")):
        ScreeningItem.objects.create(plan=plan, key=key, panel="basic", kind="follow-up",
                                     due_on=due, status=status)
    return patient


def _lung_patient(site, n: int):
    """Anti-MDA5 positive with a baseline HRCT, and an FVC fall of 7 points within the year:
    on both lists of the lung cohort, once evaluated (the lists are what it stores)."""
    patient = PatientFactory(site=site, family_name=f"Lung{n:02d}")
    AntibodyFactory(patient=patient, observed_on=TODAY - 300 * DAY)
    HrctFactory(patient=patient, observed_on=TODAY - 295 * DAY)
    PftFactory(patient=patient, observed_on=TODAY - (200 + n) * DAY, fvc_pct_predicted=85)
    PftFactory(patient=patient, observed_on=TODAY - (30 + n) * DAY, fvc_pct_predicted=78)
    if n % 2:
        PpfAssessment.objects.create(patient=patient, observed_on=TODAY - 20 * DAY,
                                     worsening_symptoms=False, radiological_progression=True,
                                     recorded_by=patient.created_by)
    patient_reevaluate(patient.pk, as_of=TODAY)
    return patient


@dataclass(frozen=True)
class Listing:
    """A list: how to add its n-th row, and what one request shows of it."""

    name: str
    url: Callable  # (env) -> url
    add: Callable  # (env, n) -> None
    shown: Callable  # (response) -> (rows on this page, rows in the list)
    api: bool = False
    page_size: str = ""  # the module whose PAGE_SIZE a page reads
    role: str = "rheumatologist"  # "superuser": a rheumatologist who is one


def _page(key: str):
    def shown(response):
        page = response.context[key]
        return len(page), page.paginator.count
    return shown


def _cohort(key: str):
    def shown(response):
        page = getattr(response.context["cohort"], key)
        return len(page), page.paginator.count
    return shown


def _api(response):
    body = response.json()
    return len(body["results"]), body["count"]


LISTINGS = [
    Listing("worklist", lambda env: reverse("worklist"),
            lambda env, n: _flag(PatientFactory(site=env.site), n), _page("page"),
            page_size="cadm.views.flags"),
    Listing("worklist-sorted-by-patient", lambda env: reverse("worklist") + "?state=live&"
            "sort=patient", lambda env, n: _flag(PatientFactory(site=env.site), n),
            _page("page"), page_size="cadm.views.flags"),
    Listing("patient-list", lambda env: reverse("patient-list"),
            lambda env, n: PatientFactory(site=env.site), _page("page"),
            page_size="cadm.views.patients"),
    # The search POSTed once (issue 14 §7); the pages are read at its token's address.
    Listing("patient-search", lambda env: search_location(env.client, "patient-list",
                                                          {"q": "common"}),
            lambda env, n: PatientFactory(site=env.site, family_name=f"Common{n}"),
            _page("page"), page_size="cadm.views.patients"),
    Listing("screening-due-soon", lambda env: reverse("screening-cohort"),
            lambda env, n: _screening_patient(env.site, n), _page("due_soon"),
            page_size="screening.views.cohort"),
    Listing("screening-overdue", lambda env: reverse("screening-cohort") + "?overdue_page=1",
            lambda env, n: _screening_patient(env.site, n), _page("overdue"),
            page_size="screening.views.cohort"),
    Listing("lung-anti-mda5", lambda env: reverse("lung-cohort"),
            lambda env, n: _lung_patient(env.site, n), _cohort("mda5"),
            page_size="monitoring.cohort"),
    Listing("lung-progression", lambda env: reverse("lung-cohort"),
            lambda env, n: _lung_patient(env.site, n), _cohort("progression"),
            page_size="monitoring.cohort"),
    Listing("api-patients", lambda env: "/api/v1/patients/?ordering=birth_date",
            lambda env, n: PatientFactory(site=env.site), _api, api=True),
    Listing("api-flags", lambda env: "/api/v1/flags/",
            lambda env, n: _flag(PatientFactory(site=env.site), n), _api, api=True),
    Listing("api-audit", lambda env: "/api/v1/audit/",
            lambda env, n: AuditEvent.objects.create(
                actor=env.user, action="patient.view", target_type="cadm.patient",
                target_id=str(n), patient=PatientFactory(site=env.site)), _api, api=True,
            role="superuser"),
    Listing("api-jobs", lambda env: "/api/v1/jobs/",
            lambda env, n: JobRun.objects.create(kind="daily_sweep", created_by=env.user),
            _api, api=True, role="rules_admin"),
]


@dataclass
class Env:
    site: object
    user: object
    client: object


def _count(client, url) -> tuple[int, object]:
    client.get(url)  # per-process caches, the token's last use: not what is measured
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": PAGE} if "/api/" in url else {})
        assert response.status_code == 200, (url, response.content[:500])
    return len(queries), response


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.name)
def test_one_page_in_the_same_queries_with_3_or_30_rows(listing, site, monkeypatch):
    user = UserFactory(role="rheumatologist" if listing.role == "superuser" else listing.role,
                       sites=[site])
    user.is_superuser = listing.role == "superuser"
    user.save()
    if listing.api:
        client = token_client(user)
    else:
        client = Client()
        client.force_login(user)
        monkeypatch.setattr(f"{listing.page_size}.PAGE_SIZE", PAGE)
    env = Env(site, user, client)
    url = listing.url(env)
    # Rows the list has before (the token's creation is in the audit trail).
    _, response = _count(client, url)
    before = listing.shown(response)[1]
    for n in range(FEW):
        listing.add(env, n)
    few, response = _count(client, url)
    assert listing.shown(response) == (before + FEW, before + FEW)
    for n in range(FEW, MANY):
        listing.add(env, n)
    many, response = _count(client, url)
    assert listing.shown(response) == (PAGE, before + MANY)
    assert many == few


def test_rows_of_every_patient_list_in_the_same_queries(site, rheumatologist):
    """A patient's visits and results through the API: 3 visits (each with a row of every
    kind of result) or 30, one page of 10, the same queries."""
    client = token_client(rheumatologist)
    few_patient = patient_with_history(site, rheumatologist, FEW, today=TODAY)
    many_patient = patient_with_history(site, rheumatologist, MANY, today=TODAY)
    kinds = ["visits", *(f"results/{k}" for k in (
        "labs", "antibodies", "pft", "hrct", "six-minute-walk", "ppf", "muscle", "skin-biopsy",
        "medications", "eye-exams", "cancer-screening"))]
    counts = {}
    for patient in (few_patient, many_patient):
        for kind in kinds:
            queries, response = _count(client, f"/api/v1/patients/{patient.public_id}/{kind}/")
            rows, total = _api(response)
            assert rows == min(total, PAGE) and total >= (FEW if patient is few_patient
                                                          else MANY), kind
            counts.setdefault(kind, []).append(queries)
    assert {kind: few for kind, (few, _) in counts.items()} == {
        kind: many for kind, (_, many) in counts.items()}


def test_the_cohort_summary_counts_in_the_same_queries(site, rules_admin):
    """Counts by site and recorded subtype only: one aggregate whatever the cohort."""
    client = Client()
    client.force_login(rules_admin)
    url = reverse("cohort-summary")
    for n in range(FEW):
        PatientFactory(site=site, recorded_subtype=("amyopathic", "hypomyopathic")[n % 2])
    few, _ = _count(client, url)
    for n in range(MANY):
        PatientFactory(site=site, recorded_subtype=("amyopathic", "hypomyopathic")[n % 2])
    many, response = _count(client, url)
    assert many == few
    assert sum(row["n"] for row in response.context["rows"]) == FEW + MANY
