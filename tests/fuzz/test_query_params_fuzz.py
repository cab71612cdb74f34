"""List and detail pages answer < 500 whatever their query parameters hold (issue 9, item 13).

Each page is also checked to answer 200 to its persona without parameters, so the examples
reach the view and are not all stopped by a 403 or a redirect.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cadm.models import RuleSetVersion
from tests.factories import LabResultFactory, PatientFactory
from tests.fuzz.strategies import HOSTILE, fuzz_settings, query

pytestmark = pytest.mark.django_db

digits = st.integers(min_value=-5, max_value=10**12).map(str)
WORKLIST = {
    "q": st.sampled_from(["MRN00001", "Testpatient", "a b", ""]),
    "state": st.sampled_from(["attention", "open", "acknowledged", "snoozed", "dismissed",
                              "live", "resolved", "all"]),
    "severity": st.sampled_from(["info", "warning", "critical"]),
    "code": st.sampled_from(["RECLASSIFY", "MDA5_RPILD_MARKERS", "LUNG_BASELINE_MISSING"]),
    "site": st.sampled_from(["1", "2", "north", "south"]),
    "age": st.sampled_from(["7", "30", "90"]),
    "patient": st.uuids().map(str),
    "sort": st.sampled_from(["severity", "-severity", "opened", "-opened", "patient", "code"]),
    "page": digits,
}
COHORT = {"site": st.sampled_from(["north", "south", "site0"]),
          "format": st.sampled_from(["csv", "html", ""])}
PAGES = {
    # name: (persona, url, query parameters)
    "patients": ("rheumatologist", lambda: reverse("patient-list"),
                 {"q": st.sampled_from(["MRN00001", "Test", ""]), "page": digits}),
    "worklist": ("rheumatologist", lambda: reverse("worklist"), WORKLIST),
    "screening-cohort": ("rheumatologist", lambda: reverse("screening-cohort"), COHORT),
    "lung-cohort": ("rheumatologist", lambda: reverse("lung-cohort"), COHORT),
    "cohort": ("rules_admin", lambda: reverse("cohort-summary"), {}),
    "ruleset": ("rules_admin", lambda: reverse("ruleset-detail", args=[1]),
                {"against": st.one_of(digits, st.just("1"))}),
    "jobs": ("rules_admin", lambda: reverse("job-list"), {"page": digits}),
}


@pytest.fixture
def cohort(site, rheumatologist, patient):
    """Something on every page: patients with a lab each, their flags, a second version."""
    for n in range(3):
        other = PatientFactory(site=site, created_by=rheumatologist)
        LabResultFactory(patient=other, value=300 + n)
    LabResultFactory(patient=patient)
    assert RuleSetVersion.objects.filter(number=1).exists()
    return patient


@pytest.mark.parametrize("page_name", list(PAGES))
def test_the_persona_sees_the_page(page_name, client, request, cohort):
    persona, url, _ = PAGES[page_name]
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url()).status_code == 200


@pytest.mark.parametrize("page_name", [name for name, (_, _, params) in PAGES.items() if params])
def test_every_hostile_value_in_every_parameter(page_name, client, request, cohort):
    """The values that broke pages before (NUL, "²", 30 nines, "%"…), each in all of the page's
    parameters at once: a sweep, not a sample, so none of them is left to chance."""
    persona, url, params = PAGES[page_name]
    client.force_login(request.getfixturevalue(persona))
    for value in HOSTILE:
        response = client.get(url(), dict.fromkeys(params, value))
        assert response.status_code < 500, value


@pytest.mark.parametrize("page_name", list(PAGES))
@fuzz_settings(max_examples=10)
@given(data=st.data())
def test_page_answers_below_500_whatever_the_query(page_name, data, client, request, cohort):
    persona, url, params = PAGES[page_name]
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url(), data.draw(query(params), label="query"))
    assert response.status_code < 500
