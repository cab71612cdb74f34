"""The privacy officer's trail and "who accessed my record" report: no patient page for them,
the rows of their sites only, filters that never put a patient identifier in a URL, pages, a
streamed CSV export with the same filters, and each of their looks recorded in its turn."""

import csv
import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from cadm.models import AuditEvent
from cadm.services.audit import audit_record
from cadm.services.patients import patient_view_log
from cadm.views.audit_trail import PAGE_SIZE
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
TRAIL = "/audit/"
REPORT = "/audit/report/"


@pytest.fixture
def here(site, rheumatologist):
    return PatientFactory(site=site, created_by=rheumatologist, mrn="N-0042",
                          family_name="Hereford", given_name="Ada")


@pytest.fixture
def there(other_site, outsider):
    return PatientFactory(site=other_site, created_by=outsider, mrn="S-0099",
                          family_name="Thereson", given_name="Bea")


@pytest.fixture
def story(here, there, rheumatologist, dermatologist, outsider):
    """North: the rheumatologist reads and changes Hereford, the dermatologist reads her, an
    outsider is refused her. South: the outsider reads Thereson. No patient: a token of the
    rheumatologist's and one of the outsider's."""
    patient_view_log(actor=rheumatologist, patient=here)
    audit_record(actor=rheumatologist, action="patient.update", target=here, patient=here,
                 detail={"fields": ["notes"]})
    patient_view_log(actor=dermatologist, patient=here)
    audit_record(actor=outsider, action="patient.view_refused", target=here, patient=here,
                 detail={"status": 404})
    patient_view_log(actor=outsider, patient=there)
    audit_record(actor=rheumatologist, action="api_token.create", target=rheumatologist,
                 detail={"prefix": "abcd", "name": "Dr Rheum's laptop"})
    audit_record(actor=outsider, action="api_token.create", target=outsider,
                 detail={"prefix": "wxyz"})


def search(client, url=TRAIL, **fields):
    """POST the filter form; the page it sends to."""
    response = client.post(url, fields)
    assert response.status_code == 303, response.content.decode()
    return response["Location"]


def shown_rows(response, *, own=False):
    """(username, action) of the page's rows; the officer's own looks left out unless asked
    (each search is itself a row, see the last tests)."""
    return [(row.actor.username if row.actor else None, row.action)
            for row, *_ in response.context["rows"]
            if own or not row.action.startswith("audit_trail.")]


# --- who gets what ---------------------------------------------------------------------------

def test_a_privacy_officer_opens_no_patient_page_nor_api(privacy_client, here):
    for url in (reverse("patient-list"), reverse("patient-detail", args=[here.public_id]),
                reverse("patient-edit", args=[here.public_id]), reverse("worklist"),
                reverse("screening-cohort"), reverse("lung-cohort"),
                reverse("cohort-summary"), reverse("ruleset-list")):
        assert privacy_client.get(url).status_code == 403, url
    for url in ("/api/v1/patients/", f"/api/v1/patients/{here.public_id}/", "/api/v1/flags/",
                "/api/v1/audit/"):
        assert privacy_client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["rheumatologist", "dermatologist", "rules_admin",
                                  "site_admin", None])
def test_only_privacy_officers_read_the_trail(client, site, role):
    client.force_login(UserFactory(role=role, sites=[site]))
    for url in (TRAIL, reverse("audit-export"), REPORT):
        assert client.get(url).status_code == 403


def test_the_trail_holds_the_rows_of_my_sites(privacy_client, story):
    response = privacy_client.get(TRAIL)
    assert response.status_code == 200
    rows = shown_rows(response)
    # Newest first; the South patient's row and the outsider's token are not mine to see,
    # the outsider's refused attempt on a North patient is.
    assert rows == [("rheum", "api_token.create"), ("outsider", "patient.view_refused"),
                    ("derm", "patient.view"), ("rheum", "patient.update"),
                    ("rheum", "patient.view")]
    body = response.content.decode()
    assert "Hereford, Ada" in body and "MRN N-0042" in body
    assert "Thereson" not in body and "S-0099" not in body
    assert "laptop" not in body  # a detail key that is free text stays out


def test_account_changes_are_in_the_trail_of_the_accounts_sites(privacy_client, site_admin,
                                                                site, outsider):
    from cadm.inputs.users import UserCreateInput
    from cadm.services.users import user_create
    user, _ = user_create(actor=site_admin, data=UserCreateInput.parse({
        "username": "nurse", "first_name": "N", "last_name": "Urse", "role": "dermatologist",
        "sites": [site]}))
    rows = shown_rows(privacy_client.get(TRAIL))
    assert ("siteadmin", "user.create") in rows


# --- filters ---------------------------------------------------------------------------------

def test_a_patient_filter_never_reaches_the_url(privacy_client, story, here):
    location = search(privacy_client, patient="n-0042")  # an MRN in any case
    parts = urlsplit(location)
    assert parts.path == TRAIL and parts.query.startswith("q=")
    assert "0042" not in location and str(here.public_id) not in location
    response = privacy_client.get(location)
    assert shown_rows(response) == [("outsider", "patient.view_refused"),
                                    ("derm", "patient.view"), ("rheum", "patient.update"),
                                    ("rheum", "patient.view")]
    # The form shows what was asked, in the page's body.
    assert response.context["form"].initial["patient"] == "N-0042"
    # By the patient id too.
    by_id = privacy_client.get(search(privacy_client, patient=str(here.public_id)))
    assert len(shown_rows(by_id)) == 4


def test_filters_by_user_action_and_days(privacy_client, story, here, rheumatologist):
    assert shown_rows(privacy_client.get(search(privacy_client, user="RHEUM"))) == [
        ("rheum", "api_token.create"), ("rheum", "patient.update"), ("rheum", "patient.view")]
    assert shown_rows(privacy_client.get(search(privacy_client, action="patient.view"))) == [
        ("derm", "patient.view"), ("rheum", "patient.view")]
    assert len(shown_rows(privacy_client.get(search(privacy_client, action="patient.")))) == 4
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    assert len(shown_rows(privacy_client.get(search(privacy_client, since=today,
                                                    until=today)))) == 5
    assert shown_rows(privacy_client.get(search(privacy_client, until=yesterday))) == []


def test_bad_filters_name_field_value_and_what_is_accepted(privacy_client, story, here,
                                                           other_site, privacy_officer):
    response = privacy_client.post(TRAIL, {"patient": "S-0099", "user": "nobody",
                                           "action": "DROP TABLE", "since": "2026-02-01",
                                           "until": "2026-01-01"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["patient"] == ["Patient: 'S-0099' matches no patient of North Clinic; "
                                 "accepted: an MRN or a patient id (UUID) of a patient at "
                                 "North Clinic."]
    assert errors["user"] == ["User: 'nobody' matches no account; accepted: a username, in "
                              "any case."]
    assert errors["action"] == ["Action: 'drop table' is not an action name; accepted: "
                                "lower-case words joined by dots, e.g. patient.update, or "
                                "patient. for the family."]
    assert errors["until"] == ["Until: 2026-01-01 is before From (2026-02-01); accepted: "
                               "2026-02-01 or a later day."]
    assert privacy_client.post(TRAIL, {"since": "31/02/2026"}).context["form"].errors[
        "since"][0].startswith("From: '31/02/2026'")


def test_an_mrn_used_at_two_of_my_sites_asks_for_the_site(privacy_client, privacy_officer,
                                                          here, other_site):
    privacy_officer.sites.add(other_site)
    twin = PatientFactory(site=other_site, mrn="n-0042")
    response = privacy_client.post(TRAIL, {"patient": "N-0042"})
    assert response.context["form"].errors["site"] == [
        "Patient's site: MRN 'N-0042' is used at 2 of your sites (North Clinic, South "
        "Clinic); accepted: one of them."]
    location = search(privacy_client, patient="N-0042", site=other_site.pk)
    assert privacy_client.get(location).context["filter"].patient == twin


def test_pages_keep_the_filter_and_an_unknown_token_says_search_again(
        privacy_client, here, rheumatologist):
    for _ in range(PAGE_SIZE + 5):
        patient_view_log(actor=rheumatologist, patient=here)
    location = search(privacy_client, patient="N-0042")
    first = privacy_client.get(location)
    assert len(first.context["rows"]) == PAGE_SIZE and first.context["page"].has_next
    token = urlsplit(location).query
    assert f'href="?{token}&amp;page=2"' in first.content.decode()
    second = privacy_client.get(f"{location}&page=2")
    # The first page's look at the patient is a row about her too.
    assert {row.patient for row, *_ in second.context["rows"]} == {here}
    assert len(second.context["rows"]) == 6 and not second.context["page"].has_next
    assert f'href="?{token}&amp;page=1"' in second.content.decode()
    assert privacy_client.get(f"{location}&page=x").context["page"].number == 1
    expired = privacy_client.get(f"{TRAIL}?q={'A' * 22}")
    assert "That search has expired: search again." in expired.content.decode()
    assert expired.context["filter"].used() == []  # the whole trail, unfiltered


# --- the export --------------------------------------------------------------------------------

def test_the_export_streams_the_filtered_rows_and_is_recorded(privacy_client, privacy_officer,
                                                              story, here):
    location = search(privacy_client, patient="N-0042")
    token = urlsplit(location).query
    response = privacy_client.get(f"{reverse('audit-export')}?{token}")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0][:4] == ["at (UTC)", "username", "user name", "action"]
    assert [(line[1], line[3], line[8]) for line in lines[1:]] == [
        ("outsider", "patient.view_refused", "N-0042"), ("derm", "patient.view", "N-0042"),
        ("rheum", "patient.update", "N-0042"), ("rheum", "patient.view", "N-0042")]
    assert lines[-1][12] == ""  # patient.view: no detail
    recorded = AuditEvent.objects.filter(actor=privacy_officer, action="audit_trail.export")
    assert [(r.patient, r.detail) for r in recorded] == [
        (here, {"what": "audit-export", "filters": ["patient"]})]


def test_a_formula_in_a_cell_is_defused(privacy_client, privacy_officer, site):
    evil = UserFactory(username="evil", first_name="=HYPERLINK(\"x\")", last_name="",
                       role="rheumatologist", sites=[site])
    audit_record(actor=evil, action="api_token.create", target=evil)
    body = b"".join(privacy_client.get(reverse("audit-export")).streaming_content).decode()
    assert "'=HYPERLINK" in body


# --- each look is recorded ---------------------------------------------------------------------

def test_each_trail_page_is_recorded_with_the_patients_it_showed(privacy_client,
                                                                 privacy_officer, story, here):
    privacy_client.get(TRAIL)
    (row,) = AuditEvent.objects.filter(actor=privacy_officer, action="audit_trail.view")
    assert row.patient is None
    assert row.detail == {"what": "audit-trail", "filters": [], "page": 1,
                          "patients": [str(here.public_id)]}
    # Linked to the patient it showed: her report finds it.
    assert list(row.read_links.values_list("patient", flat=True)) == [here.pk]
    privacy_client.get(privacy_client.post(TRAIL, {"patient": "N-0042",
                                                   "action": "patient."})["Location"])
    latest = AuditEvent.objects.filter(action="audit_trail.view").latest("id")
    assert latest.patient == here and latest.detail["filters"] == ["patient", "action"]


# --- who accessed my record ------------------------------------------------------------------

def test_the_report_lists_every_user_who_read_changed_or_was_refused(
        privacy_client, privacy_officer, story, here):
    page = privacy_client.get(REPORT)
    assert page.status_code == 200 and "report" not in page.context
    location = search(privacy_client, url=REPORT, patient="N-0042")
    assert "0042" not in location
    response = privacy_client.get(location)
    report = response.context["report"]
    summary = {a.actor.username: a.counts for a in report.accessors}
    assert summary == {"rheum": {"read": 1, "change": 1}, "derm": {"read": 1},
                       "outsider": {"refused": 1}}
    assert [r.action for r in report.rows] == ["patient.view", "patient.update",
                                               "patient.view", "patient.view_refused"]
    body = response.content.decode()
    assert "Hereford, Ada" in body and "audit-print.css" in body
    # The report is a look at the record: it is in the next report.
    recorded = AuditEvent.objects.get(action="audit_trail.report")
    assert (recorded.actor, recorded.patient, recorded.detail) == (
        privacy_officer, here, {"what": "audit-report", "filters": ["patient"], "rows": 4})
    again = privacy_client.get(location).context["report"]
    assert {a.actor.username for a in again.accessors} == {"rheum", "derm", "outsider",
                                                            "privacy"}


def test_the_trail_links_to_the_report_of_the_patient_it_shows(privacy_client, story):
    location = search(privacy_client, patient="N-0042", user="rheum")
    token = urlsplit(location).query
    body = privacy_client.get(location).content.decode()
    assert f'href="{REPORT}?{token}"' in body
    # The report answers for every user, whatever the trail's user filter was.
    report = privacy_client.get(f"{REPORT}?{token}").context["report"]
    assert {a.actor.username for a in report.accessors} >= {"rheum", "derm", "outsider"}


def test_the_menu_links_the_trail_for_privacy_officers_only(privacy_client, rheumatologist):
    from django.test import Client
    body = privacy_client.get(TRAIL).content.decode()
    assert f'href="{TRAIL}">Audit trail</a>' in body and f'href="{REPORT}"' in body
    assert 'href="/users/"' not in body and 'href="/patients/"' not in body
    rheum = Client()
    rheum.force_login(rheumatologist)
    flags = rheum.get(reverse("worklist")).content.decode()
    assert f'href="{TRAIL}"' not in flags and f'href="{REPORT}"' not in flags


def test_a_trail_page_costs_the_same_queries_for_few_or_many_patients(privacy_client, site,
                                                                      rheumatologist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        privacy_client.get(TRAIL)  # the session's first write is not what is measured
        with CaptureQueriesContext(connection) as captured:
            assert privacy_client.get(TRAIL).status_code == 200
        return len(captured)

    for _ in range(3):
        patient_view_log(actor=rheumatologist, patient=PatientFactory(site=site))
    few = queries()
    for _ in range(60):
        patient_view_log(actor=rheumatologist, patient=PatientFactory(site=site))
    assert queries() == few


def test_reads_of_lists_that_showed_the_patient_are_in_her_trail_and_report(
        privacy_client, story, here, there, dermatologist):
    """A list read names no patient; its links do (cadm.services.audit_reads)."""
    from cadm.services.audit_reads import audit_read
    other = PatientFactory(site=here.site)
    audit_read(dermatologist, what="worklist", patients=[here, other])
    audit_read(dermatologist, what="patient-list", patients=[other])
    location = search(privacy_client, patient="N-0042")
    response = privacy_client.get(location)
    listed = [(row, what) for row, kind, what, _ in response.context["rows"]
              if row.action == "patient.list_view"]
    assert [(row.actor.username, what) for row, what in listed] == [("derm", "worklist")]
    assert "in a list that showed this patient" in response.content.decode()
    report = privacy_client.get(search(privacy_client, url=REPORT, patient="N-0042")
                                ).context["report"]
    derm = next(a for a in report.accessors if a.actor == dermatologist)
    assert derm.counts == {"read": 2}  # her page, and the worklist that showed her


def test_the_officers_unfiltered_look_is_in_the_report_of_each_patient_shown(
        privacy_client, privacy_officer, story, here):
    privacy_client.get(TRAIL)
    report = privacy_client.get(search(privacy_client, url=REPORT, patient="N-0042")
                                ).context["report"]
    (mine,) = [a for a in report.accessors if a.actor == privacy_officer]
    assert mine.counts == {"read": 1}
    assert [r.action for r in report.rows if r.actor == privacy_officer] == [
        "audit_trail.view"]


def test_an_unfiltered_export_is_linked_to_every_patient_it_names(privacy_client,
                                                                  privacy_officer, story,
                                                                  here):
    b"".join(privacy_client.get(reverse("audit-export")).streaming_content)
    row = AuditEvent.objects.get(action="audit_trail.export")
    assert row.patient is None and "patients" not in row.detail
    assert list(row.read_links.values_list("patient", flat=True)) == [here.pk]


def test_the_reports_export_has_the_reports_rows_not_the_trail_searchs(privacy_client,
                                                                        story):
    location = search(privacy_client, patient="N-0042", user="derm")
    report = privacy_client.get(f"{REPORT}?{urlsplit(location).query}")
    export_url = next(line.split('href="')[1].split('"')[0] for line in
                      report.content.decode().splitlines() if "Export this patient" in line)
    body = b"".join(privacy_client.get(export_url.replace("&amp;", "&")).streaming_content)
    users = {line.split(",")[1] for line in body.decode().splitlines()[1:]}
    assert {"rheum", "derm", "outsider"} <= users
