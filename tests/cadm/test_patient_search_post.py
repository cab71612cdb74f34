"""Patient searches never put a name or an MRN in a URL (issue 14 §7): the pages' search forms
are POSTed (CSRF-protected) and answered with `?q=<token>`, the text kept in the session; the
API takes the search in a POST body and refuses `?q=` with a 400 that names the new way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cadm.views import search_tokens
from tests.cadm.api.conftest import session_client, token_client
from tests.cadm.views.test_worklist_search_sort import make_flag
from tests.factories import PatientFactory
from tests.searching import search_location, search_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(site):
    return {"target": PatientFactory(site=site, family_name="Ferreira", given_name="Joana",
                                     mrn="MRN-SECRET-88"),
            "other": PatientFactory(site=site, family_name="Lindqvist", mrn="N-2")}


def names_on(response) -> set[str]:
    body = response.content.decode()
    return {name for name in ("Ferreira", "Lindqvist") if f"{name}, " in body}


# ---------------------------------------------------------------- pages


def test_the_search_is_posted_and_the_url_holds_a_token_only(rheum_client, people):
    response = rheum_client.post(reverse("patient-list"), {"q": "mrn-secret-88"})
    assert response.status_code == 303  # See Other: the browser GETs, nothing is re-posted
    location = response["Location"]
    assert "secret" not in location.lower() and "ferreira" not in location.lower()
    assert search_tokens.TOKEN.fullmatch(search_token(location))
    page = rheum_client.get(location)
    assert names_on(page) == {"Ferreira"}
    assert 'value="mrn-secret-88"' in page.content.decode()  # the field shows it, in the body
    assert names_on(rheum_client.get(location + "&page=1")) == {"Ferreira"}  # paging keeps it


def test_the_form_is_a_post_with_a_csrf_token(rheum_client):
    body = rheum_client.get(reverse("patient-list")).content.decode()
    form = body[body.index('<form method="post" action="/patients/"'):]
    assert 'name="csrfmiddlewaretoken"' in form[:form.index("</form>")]
    worklist = rheum_client.get(reverse("worklist")).content.decode()
    assert '<form method="post" action="/flags/" class="filters"' in worklist


def test_a_forged_post_is_refused(rheumatologist, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rheumatologist)
    assert client.post(reverse("patient-list"), {"q": "ferreira"}).status_code == 403
    assert client.post(reverse("worklist"), {"q": "ferreira"}).status_code == 403


def test_an_empty_search_goes_back_to_the_whole_list(rheum_client, people):
    response = rheum_client.post(reverse("patient-list"), {"q": "  "})
    assert response["Location"] == reverse("patient-list")


def test_words_in_the_address_search_nothing_and_say_why(rheum_client, people):
    page = rheum_client.get(reverse("patient-list"), {"q": "Ferreira"})
    assert names_on(page) == {"Ferreira", "Lindqvist"}  # the whole list: nothing searched
    assert search_tokens.NOT_A_TOKEN in page.content.decode()


def test_a_token_is_the_sessions_own(rheum_client, rheumatologist, people):
    location = search_location(rheum_client, "patient-list", {"q": "ferreira"})
    other = Client()
    other.force_login(rheumatologist)  # the same user, another session
    page = other.get(location)
    assert names_on(page) == {"Ferreira", "Lindqvist"}
    assert search_tokens.EXPIRED in page.content.decode()


def test_a_token_expires(rheum_client, people, monkeypatch):
    location = search_location(rheum_client, "patient-list", {"q": "ferreira"})
    later = timezone.now() + search_tokens.LIFETIME + dt.timedelta(seconds=1)
    monkeypatch.setattr(search_tokens.timezone, "now", lambda: later)
    page = rheum_client.get(location)
    assert names_on(page) == {"Ferreira", "Lindqvist"}
    assert search_tokens.EXPIRED in page.content.decode()


def test_the_session_keeps_the_last_searches_only(rheum_client, people):
    first = search_location(rheum_client, "patient-list", {"q": "ferreira"})
    for n in range(search_tokens.KEPT):
        search_location(rheum_client, "patient-list", {"q": f"x{n}"})
    assert len(rheum_client.session[search_tokens.SESSION_KEY]) == search_tokens.KEPT
    assert search_tokens.EXPIRED in rheum_client.get(first).content.decode()


def test_the_worklist_search_keeps_the_filters_and_puts_the_text_in_no_url(derm_client,
                                                                           people):
    make_flag(people["target"], "X1", severity="warning", summary="Target warning")
    make_flag(people["target"], "X2", severity="critical", summary="Target critical")
    make_flag(people["other"], "X1", severity="warning", summary="Other warning")
    response = derm_client.post(reverse("worklist"), {
        "q": "MRN-SECRET-88", "severity": "warning", "state": "attention", "code": "",
        "sort": "-opened", "csrfmiddlewaretoken": "ignored"})
    location = response["Location"]
    assert response.status_code == 303 and "SECRET" not in location
    params = location.split("?", 1)[1]
    assert "severity=warning" in params and "sort=-opened" in params
    assert "code=" not in params and "csrfmiddlewaretoken" not in params  # empties dropped
    body = derm_client.get(location).content.decode()
    assert "Target warning" in body
    assert "Target critical" not in body and "Other warning" not in body
    assert "MRN-SECRET-88" not in "".join(
        part.split('"')[0] for part in body.split('href="')[1:])  # in no link


# ---------------------------------------------------------------- API


@pytest.mark.parametrize(("url", "search"), [
    ("/api/v1/patients/?q=ferreira", "/api/v1/patients/search/"),
    ("/api/v1/flags/?q=ferreira", "/api/v1/flags/search/"),
])
def test_the_query_string_search_is_refused_naming_the_post(rheumatologist, url, search):
    response = token_client(rheumatologist).get(url)
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["q"]
    assert f"POST them to {search}" in message


def test_the_api_search_is_a_post_with_filters_and_pages_in_the_query(rheumatologist, site,
                                                                      people):
    PatientFactory(site=site, family_name="Ferreira", given_name="Ana", mrn="F-2",
                   sex="male")
    api = token_client(rheumatologist)
    body = api.post("/api/v1/patients/search/", {"q": "ferreira"}, format="json").json()
    assert body["count"] == 2
    narrowed = api.post("/api/v1/patients/search/?sex=male&ordering=mrn&page_size=1",
                        {"q": "ferreira"}, format="json").json()
    assert [p["mrn"] for p in narrowed["results"]] == ["F-2"] and narrowed["count"] == 1
    paged = api.post("/api/v1/patients/search/?page_size=1&page=2&ordering=mrn",
                     {"q": "ferreira"}, format="json").json()
    assert [p["mrn"] for p in paged["results"]] == ["MRN-SECRET-88"]
    assert "ferreira" not in (paged["previous"] or "").lower()
    assert api.post("/api/v1/patients/search/", {}, format="json").json()["count"] == 3


def test_the_api_flag_search(rheumatologist, people):
    make_flag(people["target"], "X1", summary="Target flag")
    make_flag(people["other"], "X1", summary="Other flag")
    body = token_client(rheumatologist).post("/api/v1/flags/search/?state=all",
                                             {"q": "mrn-secret-88"}, format="json").json()
    assert [f["summary"] for f in body["results"]] == ["Target flag"]


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"q": 7}, "q", "as a string"),
    ({"q": "x" * 201}, "q", "at most 200 characters (201 sent)"),
    ({"name": "ferreira"}, "name", "Unknown field; accepted: q."),
])
def test_a_bad_search_body_is_a_400_naming_the_field(rheumatologist, body, field, words):
    response = token_client(rheumatologist).post("/api/v1/patients/search/", body,
                                                 format="json")
    assert response.status_code == 400
    assert words in " ".join(response.json()["error"]["fields"][field])


def test_a_search_url_with_q_is_refused_too(rheumatologist):
    response = token_client(rheumatologist).post("/api/v1/patients/search/?q=ferreira", {},
                                                 format="json")
    assert response.status_code == 400


def test_the_api_search_is_not_open_to_a_get_or_a_forged_session_post(rheumatologist):
    assert token_client(rheumatologist).get("/api/v1/patients/search/").status_code == 405
    forged = session_client(rheumatologist).post("/api/v1/patients/search/", {"q": "a"},
                                                 format="json")
    assert forged.status_code == 403  # a session's POST needs its CSRF token


def test_the_api_search_is_scoped_to_the_users_sites(rheumatologist, other_site):
    PatientFactory(site=other_site, family_name="Ferreira", mrn="S-1")
    body = token_client(rheumatologist).post("/api/v1/patients/search/", {"q": "ferreira"},
                                             format="json").json()
    assert body["count"] == 0
