"""The worklist for a busy clinic: sort by column, find a patient, see one patient's flags.

Flags are written with the ORM, not through the rules engine: these tests are about the list
(order, search, scoping, links), and need exact severities, states, codes and ages.
"""

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cadm.models import Flag, RuleSetVersion
from tests.factories import PatientFactory, SiteFactory, UserFactory
from tests.searching import search_location, search_token, searched

RANK = {"critical": 0, "warning": 1, "info": 2}
URL = reverse("worklist")


def make_flag(patient, code: str, *, severity: str = "warning", state: str = "open",
              days_old: int = 10, summary: str = "", opened: dt.datetime | None = None) -> Flag:
    opened = opened or timezone.now() - dt.timedelta(days=days_old)
    return Flag.objects.create(
        patient=patient, code=code, severity=severity, severity_rank=RANK[severity],
        state=state, summary=summary or f"{code} of {patient.family_name}", detail="-",
        citation="-", evidence_label="-", evidence_digest="0" * 64,
        ruleset=RuleSetVersion.objects.get(number=1), opened_at=opened, updated_at=opened)


def body_of(client, params=None) -> str:
    """The page for these filters; a search (`q`) is POSTed first, as the form does."""
    if params and "q" in params:
        response = searched(client, "worklist", params)
    else:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return response.content.decode()


def in_order(body: str, *markers: str) -> bool:
    positions = [body.index(m) for m in markers]
    return positions == sorted(positions)


def hrefs(body: str, css_class: str = "") -> list[str]:
    """The query links of the page (those without a class, or those of one class)."""
    pattern = rf'<a class="{css_class}" href="(\?[^"]*)"' if css_class else r'<a href="(\?[^"]*)"'
    return [unescape(h) for h in re.findall(pattern, body)]


def params_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


@pytest.fixture
def east(db):
    return SiteFactory(code="east", name="East Clinic")


@pytest.fixture
def two_site_client(client, site, east):
    """A dermatologist of North and East, so the site column has something to sort."""
    client.force_login(UserFactory(username="derm2", role="dermatologist", sites=[site, east]))
    return client


@pytest.fixture
def abc(site, east, rheumatologist):
    """Three flags whose order differs under every column."""
    adams = PatientFactory(site=site, created_by=rheumatologist, family_name="Adams", mrn="N-1")
    baker = PatientFactory(site=east, created_by=rheumatologist, family_name="Baker", mrn="E-2")
    clark = PatientFactory(site=site, created_by=rheumatologist, family_name="Clark", mrn="N-3")
    make_flag(adams, "CODE_B", severity="warning", state="acknowledged", days_old=5,
              summary="Alpha finding")
    make_flag(baker, "CODE_C", severity="critical", state="open", days_old=20,
              summary="Bravo finding")
    make_flag(clark, "CODE_A", severity="info", state="snoozed", days_old=40,
              summary="Charlie finding")


A, B, C = "Alpha finding", "Bravo finding", "Charlie finding"


@pytest.mark.parametrize(("sort", "order"), [
    ("severity", (B, A, C)), ("-severity", (C, A, B)),
    ("opened", (C, B, A)), ("-opened", (A, B, C)),
    ("patient", (A, B, C)), ("-patient", (C, B, A)),
    ("code", (C, A, B)), ("-code", (B, A, C)),
    ("state", (B, A, C)), ("-state", (C, A, B)),  # review order: open, acknowledged, snoozed
    # Same site: ties fall back to the default order (warning A before info C).
    ("site", (B, A, C)), ("-site", (A, C, B)),
])
def test_sorts_by_each_column_both_ways(two_site_client, abc, sort, order):
    assert in_order(body_of(two_site_client, {"state": "all", "sort": sort}), *order)


def test_default_order_is_critical_first_then_oldest(derm_client, patient):
    make_flag(patient, "NEW_CRIT", severity="critical", days_old=1, summary="New critical")
    make_flag(patient, "OLD_WARN", severity="warning", days_old=300, summary="Old warning")
    make_flag(patient, "OLD_CRIT", severity="critical", days_old=30, summary="Old critical")
    body = body_of(derm_client)
    assert in_order(body, "Old critical", "New critical", "Old warning")
    assert '<th aria-sort="ascending"><a href="?sort=-severity"' in body


@pytest.mark.parametrize("sort", ["bogus", "-", "--severity", "severity,bogus", "sévérité",
                                  "<b>", "x" * 5000, "pk", "patient__mrn"])
def test_an_unknown_sort_is_ignored(two_site_client, abc, sort):
    body = body_of(two_site_client, {"state": "all", "sort": sort})
    assert in_order(body, B, A, C)
    assert "Select a valid choice" not in body  # a hidden field: nothing to correct on the page


def test_the_current_sort_is_shown_and_a_click_reverses_it(two_site_client, abc):
    body = body_of(two_site_client, {"state": "all", "sort": "-opened"})
    header = re.search(r'<th aria-sort="descending"><a href="([^"]*)"[^>]*>Opened', body)
    assert header and params_of(unescape(header.group(1)))["sort"] == ["opened"]
    assert body.count('aria-sort="none"') == 5
    assert '<input type="hidden" name="sort" value="-opened"' in body  # the form keeps it


def test_links_keep_the_other_parameters(derm_client, patient):
    for n in range(55):
        make_flag(patient, f"CODE_{n:02d}", severity="warning", days_old=n + 1)
    query = {"q": patient.family_name, "severity": "warning", "sort": "code", "page": "1"}
    location = search_location(derm_client, "worklist", query)
    token = search_token(location)
    assert patient.family_name not in location and token
    body = derm_client.get(location).content.decode()
    headers = [h for h in hrefs(body) if "sort=" in h and "code" not in params_of(h)["sort"][0]]
    assert headers and all(params_of(h)["q"] == [token] for h in headers)
    assert all("page" not in params_of(h) for h in headers)  # a new order starts on page 1
    pager = [h for h in hrefs(body) if "page=2" in h]
    assert params_of(pager[0]) == {"q": [token], "severity": ["warning"], "sort": ["code"],
                                   "page": ["2"]}
    counts = hrefs(body, "count sev-critical")
    assert params_of(counts[0]) == {"q": [token], "severity": ["critical"], "sort": ["code"]}
    assert patient.family_name not in "".join(hrefs(body))  # the name is in no link either


def test_pages_follow_the_sort_without_repeats(derm_client, site, rheumatologist):
    # Equal sort keys (one name, one instant) on purpose: only the tie-breakers order them.
    patients = [PatientFactory(site=site, created_by=rheumatologist, family_name="Same",
                               given_name="Name") for _ in range(3)]
    same_instant = timezone.now() - dt.timedelta(days=7)
    for n in range(60):
        make_flag(patients[n % 3], f"CODE_{n:02d}", opened=same_instant,
                  summary=f"Finding {n:02d}!")
    seen = []
    for page in ("1", "2"):
        body = body_of(derm_client, {"sort": "-patient", "page": page})
        seen += re.findall(r"Finding (\d\d)!", body)
    assert sorted(seen) == [f"{n:02d}" for n in range(60)]
    # Namesakes stay apart, last-created patient first: the 20 flags of patients[2] lead.
    assert {int(n) % 3 for n in seen[:20]} == {2}


@pytest.mark.parametrize(("q", "found"), [
    ("n-1", {"Adams"}),               # MRN: exact, whatever its case
    ("N-", set()),                    # ... and never a part of it
    ("ada", {"Adams"}),               # a part of a name
    ("CLARK", {"Clark"}),
    ("a", {"Adams", "Clark"}),        # both names contain an "a"; Baker is another site's
    ("ad rk", set()),                 # every word must match the same patient
    ("adams  mia", {"Adams"}),        # given name Mia
    ("   ", {"Adams", "Clark"}),      # blank: no search
])
def test_finds_a_patient_by_name_or_mrn(derm_client, site, east, rheumatologist, q, found):
    for family, mrn, where in (("Adams", "N-1", site), ("Baker", "E-2", east),
                               ("Clark", "N-3", site)):
        patient = PatientFactory(site=where, created_by=rheumatologist, family_name=family,
                                 given_name="Mia" if family == "Adams" else "Zoe", mrn=mrn)
        make_flag(patient, "CODE", summary=f"Flag of {family}")
    body = body_of(derm_client, {"q": q})
    assert {name for name in ("Adams", "Baker", "Clark") if f"Flag of {name}" in body} == found
    assert 'name="q"' in body and 'type="search"' in body


def test_search_sort_filters_and_state_combine(derm_client, site, rheumatologist):
    ada = PatientFactory(site=site, created_by=rheumatologist, family_name="Combo",
                         given_name="Ada")
    eve = PatientFactory(site=site, created_by=rheumatologist, family_name="Combo",
                         given_name="Eve")
    make_flag(ada, "X1", severity="warning", days_old=3, summary="Ada new warning")
    make_flag(ada, "X2", severity="warning", days_old=90, summary="Ada old warning")
    make_flag(ada, "X3", severity="critical", summary="Ada critical")
    make_flag(ada, "X4", severity="warning", state="dismissed", summary="Ada dismissed")
    make_flag(eve, "X1", severity="warning", summary="Eve warning")
    body = body_of(derm_client, {"q": "combo ada", "severity": "warning", "sort": "-opened"})
    assert in_order(body, "Ada new warning", "Ada old warning")
    for hidden in ("Ada critical", "Ada dismissed", "Eve warning"):
        assert hidden not in body


def test_a_row_counts_its_patients_live_flags_and_links_to_them(derm_client, site,
                                                                 rheumatologist):
    many = PatientFactory(site=site, created_by=rheumatologist, family_name="Many")
    one = PatientFactory(site=site, created_by=rheumatologist, family_name="Single")
    make_flag(many, "A", severity="critical", summary="Many open")
    make_flag(many, "B", state="acknowledged", summary="Many acknowledged")
    make_flag(many, "C", state="dismissed", summary="Many dismissed")
    make_flag(many, "D", state="resolved", summary="Many resolved")
    make_flag(one, "A", summary="Single open")
    body = body_of(derm_client)
    links = hrefs(body, "patient-flags")
    assert len(links) == 1 and ">3 live flags</a>" in body  # none for a patient's only flag
    assert params_of(links[0]) == {"patient": [str(many.public_id)], "state": ["live"]}

    narrowed = body_of(derm_client, params_of(links[0]))
    for shown in ("Many open", "Many acknowledged", "Many dismissed"):
        assert shown in narrowed
    assert "Many resolved" not in narrowed and "Single open" not in narrowed
    assert "Flags of <a" in narrowed and "All patients</a>" in narrowed
    assert '<input type="hidden" name="patient"' in narrowed  # filtering keeps the patient


@pytest.mark.parametrize("whose", ["unknown", "other site", "malformed", "suffixed", "long"])
def test_an_unreadable_patient_gives_no_rows(derm_client, patient, outsider, whose):
    make_flag(patient, "MINE", summary="Flag of my patient")
    theirs = PatientFactory(site=outsider.sites.get(), created_by=outsider,
                            family_name="Elsewhere")
    make_flag(theirs, "THEIRS", summary="Flag of their patient")
    value = {"unknown": "00000000-0000-4000-8000-000000000000",
             "other site": str(theirs.public_id), "malformed": "not-a-uuid",
             "suffixed": f"{patient.public_id}' OR 1=1", "long": "f" * 10_000}[whose]
    body = body_of(derm_client, {"patient": value})
    assert "No flags match." in body and "Flag of my patient" not in body
    assert "Elsewhere" not in body and "Flag of their patient" not in body


def test_another_sites_patients_never_appear(derm_client, patient, outsider):
    theirs = PatientFactory(site=outsider.sites.get(), created_by=outsider,
                            family_name="Elsewhere", mrn="S-9")
    make_flag(theirs, "THEIRS", summary="Flag of their patient")
    for params in ({"q": "elsewhere"}, {"q": "S-9"}, {"state": "all", "sort": "site"},
                   {"patient": str(theirs.public_id), "state": "all"}):
        body = body_of(derm_client, params)
        assert "Elsewhere" not in body and "Flag of their patient" not in body


LONG = "x" * 10_000
HOSTILE = [
    {"q": LONG}, {"q": " ".join(["ab"] * 2_000)}, {"q": "%' OR 1=1 --"}, {"q": "<script>"},
    {"state": LONG}, {"state": ""}, {"severity": "fatal"}, {"code": LONG},
    {"site": "9" * 40}, {"site": "-1"}, {"site": "1.5"}, {"age": "9" * 40}, {"age": "-7"},
    {"page": "9" * 5_000}, {"page": "-1"}, {"page": "last"}, {"sort": ",,,"},
    {"sort": "severity," * 2_000}, {"patient": "", "sort": ""},
    {"state": ["open", "all"], "sort": ["code", "-code"], "q": ["a", "b"]},
]
NUL = [{"q": "a\x00b"}, {"state": "\x00"}, {"code": "\x00"}, {"site": "\x00"},
       {"page": "\x00"}, {"sort": "a\x00"}, {"patient": "\x00"}, {"\x00": "1"}]


@pytest.mark.parametrize("params", HOSTILE, ids=lambda p: repr(p)[:40])
def test_hostile_input_never_breaks_the_page(derm_client, patient, params):
    make_flag(patient, "CODE", summary="A flag")
    body_of(derm_client, params)  # asserts 200


@pytest.mark.parametrize("params", NUL, ids=repr)
def test_a_nul_byte_never_gives_a_500(derm_client, dermatologist, patient, settings, params):
    make_flag(patient, "CODE", summary="A flag")
    # A middleware may refuse NUL with a 400 before any view (PostgreSQL cannot store it) ...
    assert derm_client.get(URL, params).status_code in (200, 400)
    assert derm_client.post(URL, params).status_code in (303, 400)
    # ... and without one, the worklist still copes: the field is refused, the page renders.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "RefuseNul" not in m]
    client = Client()  # a client builds its middleware chain once: a new one sees the change
    client.force_login(dermatologist)
    body = body_of(client, params)
    if {"q", "patient"} & set(params):
        assert "No flags match." in body  # a narrowing it cannot read shows nobody


def test_a_search_that_cannot_run_matches_nobody_and_says_why(derm_client, patient):
    make_flag(patient, "CODE", summary="A flag")
    body = body_of(derm_client, {"q": LONG})
    assert "No flags match." in body
    assert "is 10000 characters long; accepted: text of at most 100 characters" in body


def test_an_unknown_state_falls_back_to_needs_attention(derm_client, patient):
    make_flag(patient, "OPEN", summary="Open flag")
    make_flag(patient, "GONE", state="resolved", summary="Resolved flag")
    body = body_of(derm_client, {"state": "everything"})
    assert "Open flag" in body and "Resolved flag" not in body


def test_query_count_is_constant_as_flags_grow(derm_client, site, rheumatologist,
                                               django_assert_max_num_queries):
    def add(patients: int, flags_each: int) -> None:
        for _ in range(patients):
            p = PatientFactory(site=site, created_by=rheumatologist, family_name="Busy")
            for n in range(flags_each):
                make_flag(p, f"CODE_{n}", severity=("critical", "warning", "info")[n % 3])

    params = {"q": "busy", "sort": "patient", "state": "live"}
    add(1, 3)
    with django_assert_max_num_queries(30) as few:
        assert "3 live flags" in body_of(derm_client, params)
    add(9, 3)  # 30 flags over 10 patients
    with django_assert_max_num_queries(len(few)):
        assert body_of(derm_client, params).count("3 live flags") == 30  # on every row
