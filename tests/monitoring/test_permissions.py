"""Role × page × site for the lung pages: 200 page, 403 forbidden by role, 404 another site's
patient (its existence must not leak); anonymous users are sent to log in."""

import pytest
from django.urls import reverse

from monitoring.views import cohort, lung
from tests.factories import PatientFactory, UserFactory

PAGES = {
    "lung-detail": lambda p: reverse("lung-detail", args=[p.public_id]),
    "lung-series": lambda p: reverse("lung-series", args=[p.public_id]),
    "lung-cohort": lambda p: reverse("lung-cohort"),
    "lung-cohort-site": lambda p: reverse("lung-cohort") + f"?site={p.site.code}",
    "results-ppf": lambda p: reverse("results-new", args=[p.public_id, "ppf"]),
    "results-hrct": lambda p: reverse("results-new", args=[p.public_id, "hrct"]),
}

# role -> page -> (own site, other site)
EXPECTED = {
    "rheumatologist": {
        "lung-detail": (200, 404), "lung-series": (200, 404), "lung-cohort": (200, 200),
        "lung-cohort-site": (200, 404), "results-ppf": (200, 404), "results-hrct": (200, 404),
    },
    "dermatologist": {
        "lung-detail": (200, 404), "lung-series": (200, 404), "lung-cohort": (200, 200),
        "lung-cohort-site": (200, 404), "results-ppf": (403, 404), "results-hrct": (403, 404),
    },
    "rules_admin": {page: (403, 403) for page in PAGES},  # counts only, never patients
    None: {page: (403, 403) for page in PAGES},  # logged in, no role
}
CASES = [(role, page, which) for role, pages in EXPECTED.items() for page in pages
         for which in (0, 1)]


@pytest.mark.parametrize(("role", "page", "which"), CASES)
def test_permission_matrix(client, site, other_site, role, page, which):
    user = UserFactory(role=role, sites=[site])
    own, foreign = PatientFactory(site=site), PatientFactory(site=other_site)
    client.force_login(user)
    response = client.get(PAGES[page](foreign if which else own))
    assert response.status_code == EXPECTED[role][page][which]


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_is_sent_to_login(client, patient, page):
    response = client.get(PAGES[page](patient))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_page_names_its_permission():
    for view in (lung.lung_detail, lung.lung_series, cohort.lung_cohort):
        assert view.required_permission == "patient.view"


def test_rheumatologist_with_both_sites_sees_both_in_the_cohort(client, site, other_site):
    user = UserFactory(role="rheumatologist", sites=[site, other_site])
    client.force_login(user)
    response = client.get(reverse("lung-cohort"))
    assert [s.code for s in response.context["sites"]] == ["north", "south"]
