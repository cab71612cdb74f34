"""The screening cohort page: tiers, due soon (30 days), overdue, site scoping, CSV export."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cadm.models import AuditEvent, RuleSetVersion
from cadm.rules.dates import add_months
from cadm.services.evaluation import patient_reevaluate
from screening.models import ScreeningItem, ScreeningPlan
from tests.factories import AntibodyFactory, PatientFactory, UserFactory, VisitFactory
from tests.screening.plans import patient_with_tier

URL = reverse("screening-cohort")
TODAY = timezone.localdate()  # what the view reads
DAY = dt.timedelta(days=1)


def plan_for(patient, *, tier="high", state=ScreeningPlan.State.ACTIVE) -> ScreeningPlan:
    return ScreeningPlan.objects.create(patient=patient, tier=tier, state=state,
                                        basis="test", ruleset=RuleSetVersion.objects.get(number=1))


def item(plan, due_on, status="due", panel="basic", kind="follow-up") -> ScreeningItem:
    return ScreeningItem.objects.create(plan=plan, key=f"{panel}:{kind}:{due_on.isoformat()}",
                                        panel=panel, kind=kind, due_on=due_on, status=status)


def patient_with_items(site, *dues, status="due", **patient_fields):
    patient = PatientFactory(site=site, **patient_fields)
    plan = plan_for(patient)
    for due in dues:
        item(plan, due, status)
    return patient


def rows(client, **params) -> list[list[str]]:
    response = client.get(URL, {"format": "csv", **params})
    return list(csv.reader(io.StringIO(response.content.decode())))


def due_dates(items) -> list[dt.date]:
    return [i.due_on for i in items]


# What the page shows


def test_counts_patients_by_tier(rheum_client, site, rheumatologist):
    for tier in ("standard", "moderate", "high", "high"):
        patient_with_tier(site, rheumatologist, tier, as_of=TODAY)
    patient_with_tier(site, rheumatologist, "not_applicable", as_of=TODAY)  # no plan made
    PatientFactory(site=site)  # never evaluated: no plan yet
    plan_for(PatientFactory(site=site), tier="not_applicable")
    plan_for(PatientFactory(site=site), tier="high", state=ScreeningPlan.State.CLOSED)
    response = rheum_client.get(URL)
    assert {key: n for key, _, n in response.context["tiers"]} == {
        "standard": 1, "moderate": 1, "high": 2, "not_applicable": 1, "closed": 1, "none": 2}
    body = response.content.decode()
    assert "No plan yet" in body and "Not applicable" in body and "Plan closed" in body


def test_due_soon_runs_to_day_30_and_keeps_past_due_items_in_their_grace_period(
        rheum_client, site):
    patient_with_items(site, TODAY + 31 * DAY, TODAY + 30 * DAY, TODAY, TODAY - DAY,
                       TODAY + 5 * DAY)
    response = rheum_client.get(URL)
    # yesterday's item is still "due" (inside the grace period): listed first, marked past due
    assert due_dates(response.context["due_soon"]) == [
        TODAY - DAY, TODAY, TODAY + 5 * DAY, TODAY + 30 * DAY]
    assert due_dates(response.context["overdue"]) == []
    assert "past due" in response.content.decode()


def test_overdue_items_are_listed_oldest_first(rheum_client, site):
    patient_with_items(site, TODAY - 70 * DAY, status="overdue", family_name="Later")
    patient_with_items(site, TODAY - 300 * DAY, TODAY - 90 * DAY, status="overdue")
    response = rheum_client.get(URL)
    assert due_dates(response.context["overdue"]) == [
        TODAY - 300 * DAY, TODAY - 90 * DAY, TODAY - 70 * DAY]
    assert due_dates(response.context["due_soon"]) == []


def test_superseded_done_and_closed_plan_items_are_left_out(rheum_client, site):
    plan = plan_for(PatientFactory(site=site))
    for status in ("superseded", "done", "suggested"):
        item(plan, TODAY + 3 * DAY, status, panel="enhanced", kind=status)
    item(plan, TODAY - 100 * DAY, "superseded")
    closed = plan_for(PatientFactory(site=site, family_name="Closedplan"),
                      state=ScreeningPlan.State.CLOSED)
    item(closed, TODAY + 2 * DAY)
    item(closed, TODAY - 200 * DAY, "overdue")
    response = rheum_client.get(URL)
    assert list(response.context["due_soon"]) == [] and list(response.context["overdue"]) == []
    assert "Closedplan" not in response.content.decode()
    assert rows(rheum_client)[1:] == []


def test_page_links_each_item_to_its_patient_and_plan(rheum_client, site):
    patient = patient_with_items(site, TODAY + 7 * DAY, family_name="Linkcheck", mrn="L-17")
    body = rheum_client.get(URL).content.decode()
    assert reverse("patient-detail", args=[patient.public_id]) in body
    assert reverse("screening-plan", args=[patient.public_id]) in body
    assert "Linkcheck" in body and "L-17" in body and "North Clinic" in body
    assert "format=csv" in body


def test_plans_made_by_the_evaluation_appear(rheum_client, site, rheumatologist):
    """Through the real services: born 1967, anti-TIF1-γ, so high tier; the first panels fall
    due 3 months after diagnosis, the grace period is 60 days (IMACS 2023, rule set v1)."""
    soon = high_tier_patient(site, rheumatologist, first_due=TODAY + 10 * DAY)
    late = high_tier_patient(site, rheumatologist, first_due=TODAY - 90 * DAY)
    response = rheum_client.get(URL)
    due_soon = [(i.plan.patient, i.panel, i.due_on) for i in response.context["due_soon"]]
    assert (soon, "basic", TODAY + 10 * DAY) in due_soon
    assert (soon, "enhanced", TODAY + 10 * DAY) in due_soon
    overdue = [(i.plan.patient, i.panel, i.due_on) for i in response.context["overdue"]]
    assert overdue[:2] == [(late, "basic", TODAY - 90 * DAY),
                           (late, "enhanced", TODAY - 90 * DAY)]
    assert {k: n for k, _, n in response.context["tiers"]}["high"] == 2


def high_tier_patient(site, creator, *, first_due):
    diagnosis = add_months(first_due, -3)
    assert add_months(diagnosis, 3) == first_due, "pick a day every month has"
    patient = PatientFactory(site=site, created_by=creator, birth_date=dt.date(1967, 2, 11),
                             skin_onset_date=diagnosis - 60 * DAY, diagnosis_date=diagnosis)
    VisitFactory(patient=patient, visit_on=diagnosis, skin=["heliotrope", "gottron_papules"])
    AntibodyFactory(patient=patient, observed_on=diagnosis, antibody="tif1g")
    patient_reevaluate(patient.pk, as_of=TODAY)
    return patient


# Sites


def test_another_sites_patients_never_appear(rheum_client, site, other_site):
    patient_with_items(site, TODAY + DAY, family_name="Ownsite", mrn="OWN1")
    patient_with_items(site, TODAY - 80 * DAY, status="overdue", mrn="OWN2")
    patient_with_items(other_site, TODAY + DAY, family_name="Foreign", mrn="FOR1")
    patient_with_items(other_site, TODAY - 80 * DAY, status="overdue", family_name="Faraway",
                       mrn="FOR2")
    response = rheum_client.get(URL)
    body = response.content.decode()
    assert "Ownsite" in body and "Foreign" not in body and "Faraway" not in body
    assert sum(n for _, _, n in response.context["tiers"]) == 2
    assert [r[1] for r in rows(rheum_client)[1:]] == ["OWN1", "OWN2"]
    assert "South Clinic" not in body  # not even offered in the site selector


def test_picking_another_sites_code_is_not_found(rheum_client, other_site):
    assert rheum_client.get(URL, {"site": other_site.code}).status_code == 404
    assert rheum_client.get(URL, {"site": other_site.code, "format": "csv"}).status_code == 404
    assert not AuditEvent.objects.filter(action="screening.export").exists()


def test_a_user_of_two_sites_sees_both_or_picks_one(client, site, other_site):
    user = UserFactory(role="dermatologist", sites=[site, other_site])
    patient_with_items(site, TODAY + DAY, mrn="N1")
    patient_with_items(other_site, TODAY + 2 * DAY, mrn="S1")
    client.force_login(user)
    assert [r[1] for r in rows(client)[1:]] == ["N1", "S1"]
    assert [r[1] for r in rows(client, site="south")[1:]] == ["S1"]
    response = client.get(URL, {"site": "south"})
    assert response.context["site"] == other_site
    assert [i.plan.patient.mrn for i in response.context["due_soon"]] == ["S1"]


# CSV export


def test_csv_has_a_header_and_one_row_per_item(rheum_client, site):
    patient_with_items(site, TODAY + 30 * DAY, mrn="C1", family_name="Csvsoon",
                       given_name="Ada")
    patient_with_items(site, TODAY - 61 * DAY, status="overdue", mrn="C2",
                       family_name="Csvlate", given_name="Bea")
    patient_with_items(site, TODAY + 31 * DAY, mrn="C3")
    response = rheum_client.get(URL, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="screening-cohort-{TODAY.isoformat()}.csv"')
    assert rows(rheum_client) == [
        ["site", "MRN", "family name", "given name", "tier", "panel", "kind", "due date",
         "status"],
        ["North Clinic", "C1", "Csvsoon", "Ada", "high", "basic", "follow-up",
         (TODAY + 30 * DAY).isoformat(), "due"],
        ["North Clinic", "C2", "Csvlate", "Bea", "high", "basic", "follow-up",
         (TODAY - 61 * DAY).isoformat(), "overdue"],
    ]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(rheum_client, site):
    patient_with_items(site, TODAY, family_name="=HYPERLINK(1)", mrn="+1")
    (row,) = rows(rheum_client)[1:]
    assert row[1:3] == ["'+1", "'=HYPERLINK(1)"]


def test_csv_export_is_audited(rheum_client, rheumatologist, site):
    exported = [patient_with_items(site, TODAY + DAY, TODAY + 2 * DAY),
                patient_with_items(site, TODAY - 90 * DAY, status="overdue")]
    rheum_client.get(URL, {"format": "csv"})
    event = AuditEvent.objects.get(action="screening.export")
    assert event.actor == rheumatologist
    assert event.detail == {"what": "screening-cohort", "rows": 3, "site": "all"}
    # The export is the request's one row, linked to each patient in the file (ids only).
    assert AuditEvent.objects.count() == 1
    assert {link.patient for link in event.read_links.all()} == set(exported)
    rheum_client.get(URL, {"format": "csv", "site": site.code})
    event = AuditEvent.objects.filter(action="screening.export").latest("pk")
    assert (event.target_type, event.target_id) == ("cadm.site", str(site.pk))
    assert event.detail == {"what": "screening-cohort", "rows": 3, "site": "north"}


def test_viewing_the_page_exports_nothing(rheum_client, site):
    patient_with_items(site, TODAY + DAY)
    rheum_client.get(URL)
    assert not AuditEvent.objects.filter(action="screening.export").exists()


# Permissions


@pytest.mark.parametrize(("role", "expected"), [
    ("rheumatologist", 200), ("dermatologist", 200), ("rules_admin", 403), (None, 403),
])
@pytest.mark.parametrize("fmt", ["html", "csv"])
def test_permission_matrix(client, site, role, expected, fmt):
    patient_with_items(site, TODAY + DAY, mrn="MRN-SECRET-417")
    client.force_login(UserFactory(role=role, sites=[site]))
    response = client.get(URL, {"format": fmt})
    assert response.status_code == expected
    if expected == 403:
        assert b"MRN-SECRET-417" not in response.content  # no CSRF token can hold this
        assert not AuditEvent.objects.filter(action="screening.export").exists()


@pytest.mark.parametrize("fmt", ["html", "csv"])
def test_anonymous_is_sent_to_login(client, site, fmt):
    response = client.get(URL, {"format": fmt})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Queries


def queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("fmt", ["html", "csv"])
def test_query_count_does_not_grow_with_the_cohort(rheum_client, site, fmt,
                                                  django_assert_max_num_queries):
    def grow(n):
        for _ in range(n):
            patient_with_items(site, TODAY + 3 * DAY, TODAY + 20 * DAY)
            patient_with_items(site, TODAY - 100 * DAY, status="overdue")

    grow(1)
    small = queries(rheum_client, format=fmt)
    grow(10)
    assert queries(rheum_client, format=fmt) == small
    # session, user, roles, sites, (site choices, tier counts,) two item lists, (the pages'
    # two counts, the sites,) the read's audit row (the export's), its links to the patients
    # shown or exported (issue 14 §1)
    with django_assert_max_num_queries(13):
        rheum_client.get(URL, {"format": fmt})
