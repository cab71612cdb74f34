"""Role × page × site: what each persona gets from every page built so far.

Expected codes: 200 page, 302 redirect (login or home routing), 403 forbidden by role,
404 another site's patient (its existence must not leak).
"""

import pytest
from django.urls import reverse

from cadm.services.evaluation import patient_reevaluate
from tests.factories import PatientFactory, UserFactory
from tests.searching import searched

PAGES = {
    "patient-list": lambda p: reverse("patient-list"),
    "patient-new": lambda p: reverse("patient-new"),
    "patient-detail": lambda p: reverse("patient-detail", args=[p.public_id]),
    "patient-edit": lambda p: reverse("patient-edit", args=[p.public_id]),
    "visit-new": lambda p: reverse("visit-new", args=[p.public_id]),
    "results-labs": lambda p: reverse("results-new", args=[p.public_id, "labs"]),
    "results-pft": lambda p: reverse("results-new", args=[p.public_id, "pft"]),
    "results-skin-biopsy": lambda p: reverse("results-new", args=[p.public_id, "skin-biopsy"]),
    "cohort-summary": lambda p: reverse("cohort-summary"),
    "worklist": lambda p: reverse("worklist"),
    "flag-detail": lambda p: reverse("flag-detail", args=[p.flags.first().public_id]),
}

# role -> page -> (own site, other site)
EXPECTED = {
    "rheumatologist": {
        "patient-list": (200, 200), "patient-new": (200, 200), "patient-detail": (200, 404),
        "patient-edit": (200, 404), "visit-new": (200, 404), "results-labs": (200, 404),
        "results-pft": (200, 404), "results-skin-biopsy": (200, 404),
        "cohort-summary": (403, 403), "worklist": (200, 200), "flag-detail": (200, 404),
    },
    "dermatologist": {
        "patient-list": (200, 200), "patient-new": (403, 403), "patient-detail": (200, 404),
        "patient-edit": (403, 403), "visit-new": (200, 404), "results-labs": (403, 404),
        "results-pft": (403, 404), "results-skin-biopsy": (200, 404),
        "cohort-summary": (403, 403), "worklist": (200, 200), "flag-detail": (200, 404),
    },
    "rules_admin": {
        "patient-list": (403, 403), "patient-new": (403, 403), "patient-detail": (403, 403),
        "patient-edit": (403, 403), "visit-new": (403, 403), "results-labs": (403, 403),
        "results-pft": (403, 403), "results-skin-biopsy": (403, 403),
        "cohort-summary": (200, 200), "worklist": (403, 403), "flag-detail": (403, 403),
    },
    None: {page: (403, 403) for page in PAGES},  # logged in, no role
}

CASES = [
    (role, page, which)
    for role, pages in EXPECTED.items()
    for page in pages
    for which in (0, 1)
]


@pytest.mark.parametrize(("role", "page", "which"), CASES)
def test_permission_matrix(client, site, other_site, role, page, which):
    user = UserFactory(role=role, sites=[site])
    own = PatientFactory(site=site)
    foreign = PatientFactory(site=other_site)
    for p in (own, foreign):  # age at onset over 40: an IMACS flag opens for each
        patient_reevaluate(p.pk)
    client.force_login(user)
    response = client.get(PAGES[page](foreign if which else own))
    assert response.status_code == EXPECTED[role][page][which]


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_is_sent_to_login(client, patient, page):
    patient_reevaluate(patient.pk)
    response = client.get(PAGES[page](patient))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_and_search_never_show_another_sites_patient(rheum_client, site, other_site):
    own = PatientFactory(site=site, family_name="Ownsite", mrn="A1")
    foreign = PatientFactory(site=other_site, family_name="Foreign", mrn="B1")
    listing = rheum_client.get(reverse("patient-list")).content.decode()
    assert str(own.public_id) in listing and str(foreign.public_id) not in listing
    for query in ("Foreign", "B1"):
        found = searched(rheum_client, "patient-list", {"q": query}).content.decode()
        assert str(foreign.public_id) not in found
        assert "No patient matches" in found


def test_posts_are_refused_like_gets(derm_client, patient):
    response = derm_client.post(reverse("results-new", args=[patient.public_id, "labs"]), {})
    assert response.status_code == 403


def test_home_routes_each_role(client, rheumatologist, rules_admin):
    client.force_login(rheumatologist)
    assert client.get(reverse("home"))["Location"] == reverse("worklist")
    client.force_login(rules_admin)
    assert client.get(reverse("home"))["Location"] == reverse("ruleset-list")


def test_rules_admin_cohort_page_shows_counts_not_names(client, rules_admin, patient):
    client.force_login(rules_admin)
    body = client.get(reverse("cohort-summary")).content.decode()
    assert patient.family_name not in body and patient.mrn not in body
    assert "North Clinic" in body


@pytest.mark.parametrize(("role", "which", "expected"), [
    ("rheumatologist", 0, 302), ("rheumatologist", 1, 404),
    ("dermatologist", 0, 302), ("dermatologist", 1, 404),
    ("rules_admin", 0, 403), ("rules_admin", 1, 403),
    (None, 0, 403),
])
def test_flag_actions_by_role_and_site(client, site, other_site, role, which, expected):
    user = UserFactory(role=role, sites=[site])
    patient = PatientFactory(site=other_site if which else site)
    patient_reevaluate(patient.pk)
    flag = patient.flags.first()
    client.force_login(user)
    response = client.post(reverse("flag-act", args=[flag.public_id, "acknowledge"]), {})
    assert response.status_code == expected
    flag.refresh_from_db()
    assert (flag.state == "acknowledged") is (expected == 302)
