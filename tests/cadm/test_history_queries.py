"""A patient's pages and their API equivalents cost the same queries with 5 visits or 50
(issue 13), each visit with a row of every kind of result (labs, antibodies, PFT, HRCT,
6-minute walk, PPF assessment, muscle study, skin biopsy, medication, eye examination, cancer
screening), every fifth entered in error, and the patient evaluated (flags, screening plan).

The existing tests of single pages (tests/cadm/views/test_visit_entry.py,
tests/cadm/api/test_derived.py, tests/monitoring/test_lung_pages.py...) hold their absolute
budgets; this module holds every door to one patient's history to the same count at ten
times the history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cadm.models import Visit
from tests.cadm.api.conftest import token_client
from tests.cadm.history import patient_with_history

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SHORT, LONG = 5, 50

PAGES = {
    "patient page": lambda p: reverse("patient-detail", args=[p.public_id]),
    "lung page": lambda p: reverse("lung-detail", args=[p.public_id]),
    "lung page JSON": lambda p: reverse("lung-series", args=[p.public_id]),
    "screening page": lambda p: reverse("screening-plan", args=[p.public_id]),
    "screening sheet": lambda p: reverse("screening-sheet", args=[p.public_id]),
    "patient's flags": lambda p: f"{reverse('worklist')}?patient={p.public_id}&state=all",
}
API = {
    "patient": lambda p: f"/api/v1/patients/{p.public_id}/",
    "derived state": lambda p: f"/api/v1/patients/{p.public_id}/state/",
    "screening plan": lambda p: f"/api/v1/patients/{p.public_id}/screening/",
    "visits": lambda p: f"/api/v1/patients/{p.public_id}/visits/",
    "labs": lambda p: f"/api/v1/patients/{p.public_id}/results/labs/",
    "pft": lambda p: f"/api/v1/patients/{p.public_id}/results/pft/",
    "patient's flags": lambda p: f"/api/v1/flags/?patient={p.public_id}&state=all",
}


@pytest.fixture
def histories(site, rheumatologist):
    short = patient_with_history(site, rheumatologist, SHORT, today=TODAY)
    long = patient_with_history(site, rheumatologist, LONG, today=TODAY)
    assert Visit.objects.filter(patient=long).count() == LONG
    return short, long


def _queries(client, url: str) -> int:
    client.get(url)  # per-process caches, the token's last use: not what is measured
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _counts(client, doors: dict, patient) -> dict[str, int]:
    return {name: _queries(client, url(patient)) for name, url in doors.items()}


def test_pages_cost_the_same_with_5_or_50_visits(histories, rheumatologist):
    client = Client()
    client.force_login(rheumatologist)
    short, long = histories
    assert _counts(client, PAGES, long) == _counts(client, PAGES, short)


def test_the_api_costs_the_same_with_5_or_50_visits(histories, rheumatologist):
    client = token_client(rheumatologist)
    short, long = histories
    assert _counts(client, API, long) == _counts(client, API, short)
