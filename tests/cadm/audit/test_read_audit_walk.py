"""Every door to patient data records its reads, and its refusals (issue 14 §1). Walked, not
listed: the routes come from the URL resolver (the pages, the API, FHIR, CDS Hooks, the
admin), and every named route must be classified below, a patient-data route with how to
build its arguments. A route added later without an entry fails
`test_every_route_is_classified`; one whose path names a patient (or whose view is wrapped by
cadm.services.audit_reads.audited) cannot be classified as showing none.

For each door that reads (GET, and the searches POSTed):
- a clinician of the patient's site: the answer, and exactly ONE new audit row: patient.view
  naming the patient, or, for a list, patient.list_view with the shown patients' ids in its
  detail and a link to each (so "who accessed this record" finds it);
- a clinician of another site: a 404, and exactly one patient.view_refused row against them,
  naming the patient the path names;
- a user without the permission (a rules admin): a 403, and one refusal row likewise.
Write doors (POST only): the other site's clinician is refused and the refusal recorded.
No row holds the patient's name or MRN.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cadm.cds.discovery import SERVICE_ID
from cadm.models import AuditEvent, Flag, LabResult, Medication, RuleSetVersion, Visit
from cadm.sections import all_sections
from cadm.services.audit_reads import LIST_VIEW, REFUSED, VIEW, reads_of_patient
from screening.models import ScreeningItem, ScreeningPlan
from tests.cadm.cds.conftest import _public_jwk, ehr_patient, hook_request, post, token
from tests.cadm.history import patient_with_history
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
KINDS = [section.key for section in all_sections()]


@dataclass
class World:
    patient: object
    visit: object
    lab: object
    medication: object
    flag: object
    item: object
    rows: dict = field(default_factory=dict)  # result kind -> a row of that kind

    def kwargs(self, **extra) -> dict:
        return {"public_id": self.patient.public_id, **extra}


@pytest.fixture
def world(site, rheumatologist) -> World:
    """One patient with a visit and a row of every kind of result, evaluated (flags, plan),
    an open flag and a screening item due soon, so that it is on every list too."""
    patient = patient_with_history(site, rheumatologist, 2, today=TODAY)
    plan = ScreeningPlan.objects.filter(patient=patient).first() or ScreeningPlan.objects.create(
        patient=patient, tier="high", basis="-", ruleset=RuleSetVersion.objects.get(state="active"))
    item = ScreeningItem.objects.create(plan=plan, key="walk", panel="basic", kind="follow-up",
                                        due_on=TODAY + dt.timedelta(days=5), status="due")
    opened = timezone.now() - dt.timedelta(days=3)
    flag = Flag.objects.create(
        patient=patient, code="WALK", severity="warning", severity_rank=1, summary="walk",
        detail="-", citation="-", evidence_label="-", evidence_digest="0" * 64,
        ruleset=RuleSetVersion.objects.get(state="active"), opened_at=opened,
        updated_at=opened)
    rows = {section.key: section.model.objects.filter(patient=patient).order_by("pk").first()
            for section in all_sections()}
    assert all(rows.values()), rows
    return World(patient=patient, visit=Visit.objects.filter(patient=patient).first(),
                 lab=LabResult.objects.filter(patient=patient).first(),
                 medication=Medication.objects.filter(patient=patient, end_on=None).first(),
                 flag=flag, item=item, rows=rows)


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Door:
    """How to reach one route: its URL's arguments (from the world), the method, a body.
    `names`: what the path names (PATIENT, FLAG, or None for a list); `shows`: "one" or
    "list" for a read, None for a write (POST only: its refusal is what is checked here)."""

    args: Callable[[World], dict] = lambda w: {}
    method: str = "get"
    body: Callable[[World], dict] | None = None
    names: str | None = "patient"
    shows: str | None = "one"
    query: str = ""


def one(args=None, **kw) -> Door:
    return Door(args=args or (lambda w: w.kwargs()), **kw)


def listing(**kw) -> Door:
    return Door(names=None, shows="list", **kw)


def write(args=None, names="patient", body=None) -> Door:
    return Door(args=args or (lambda w: w.kwargs()), method="post", names=names, shows=None,
                body=body)


def flag_door(**kw) -> Door:
    return Door(args=lambda w: {"public_id": w.flag.public_id}, names="flag", **kw)


PAGES = {
    "patient-list": listing(),
    "patient-detail": one(),
    "patient-edit": one(),
    "visit-new": one(),
    "visit-edit": one(lambda w: w.kwargs(visit_id=w.visit.public_id)),
    "results-new": one(lambda w: w.kwargs(section_key="labs")),
    "visit-entered-in-error": write(lambda w: w.kwargs(visit_id=w.visit.public_id)),
    "medication-stop": write(lambda w: w.kwargs(record_id=w.medication.public_id)),
    "medication-dose": write(lambda w: w.kwargs(record_id=w.medication.public_id)),
    "record-entered-in-error": write(lambda w: w.kwargs(section_key="labs",
                                                        record_id=w.lab.public_id)),
    "worklist": listing(),
    "flag-detail": flag_door(),
    "flag-act": Door(args=lambda w: {"public_id": w.flag.public_id, "action": "comment"},
                     method="post", names="flag", shows=None),
    "screening-plan": one(),
    "screening-sheet": one(),
    "screening-item-record": write(lambda w: w.kwargs(item_id=w.item.pk)),
    "screening-outcome": write(),
    "screening-close": write(),
    "screening-reopen": write(),
    "screening-cohort": listing(),
    "lung-detail": one(),
    "lung-series": one(),
    "lung-cohort": listing(),
}
# The same page as a CSV: the export's own row (screening.export), linked to its patients.
EXPORTS = {"screening-cohort": "?format=csv"}

API = {
    "api-patient-list": listing(),
    "api-patient-search": listing(method="post", body=lambda w: {"q": w.patient.mrn}),
    "api-patient-detail": one(),
    "api-patient-state": one(),
    "api-patient-screening": one(),
    "api-patient-screening-record": write(lambda w: w.kwargs(item_id=w.item.public_id)),
    "api-patient-screening-outcome": write(),
    "api-patient-screening-close": write(),
    "api-patient-screening-reopen": write(),
    "api-patient-visits": one(),
    "api-patient-visit": one(lambda w: w.kwargs(row_id=w.visit.public_id)),
    "api-patient-visit-entered-in-error": write(lambda w: w.kwargs(row_id=w.visit.public_id)),
    **{f"api-patient-results-{kind}": one() for kind in KINDS},
    **{f"api-patient-result-{kind}": one(lambda w, k=kind: w.kwargs(
        row_id=w.rows[k].public_id)) for kind in KINDS},
    **{f"api-patient-result-{kind}-entered-in-error": write(lambda w, k=kind: w.kwargs(
        row_id=w.rows[k].public_id)) for kind in KINDS},
    "api-flag-list": listing(),
    "api-flag-search": listing(method="post", body=lambda w: {"q": w.patient.family_name}),
    "api-flag-detail": flag_door(),
    **{f"api-flag-{action}": Door(args=lambda w: {"public_id": w.flag.public_id},
                                  method="post", names="flag", shows=None)
       for action in ("acknowledge", "dismiss", "snooze", "comment", "accept", "reject")},
}

# Doors audited by their own modules (cadm/fhir: one fhir.* row per patient whose data
# leaves; cadm/cds: one cds.cards row for a patient we hold). Walked for the one row; the
# FHIR refusals go through patient_get_for, or cadm/fhir's own (recorded there for the doors
# no view wraps). A search by identifier that finds nobody at one's sites refuses nobody.
# (kwargs, query, refusal recorded, form body of a POST search or None)
FHIR = {
    "fhir-patient-read": (lambda w: {"patient_id": w.patient.public_id}, "", True, None),
    "fhir-patient-everything": (lambda w: {"patient_id": w.patient.public_id}, "", True, None),
    "fhir-patient-search": (lambda w: {}, "?identifier=urn:cadm:site:north:mrn|{mrn}", False,
                            None),
    "fhir-patient-search-post": (lambda w: {}, "", False,
                                 "identifier=urn:cadm:site:north:mrn|{mrn}"),
    "fhir-observation-read": (lambda w: {"observation_id": w.lab.public_id}, "", True, None),
    "fhir-observation-search": (lambda w: {}, "?patient={public_id}", True, None),
}
CDS = {"cds-service"}

# Routes that show no patient's data, and why (a new one must say why too).
NO_PATIENT_DATA = {
    "home": "redirects to the role's first page",
    "healthz": "liveness: database and broker up or down",
    "login": "the login form", "logout": "logs out",
    "login-code": "the second factor's form", "otp-enrol": "the user's own second factor",
    "otp-recovery-codes": "the user's own recovery codes", "otp-remove": "idem",
    "cohort-summary": "counts by site and subtype only, no identity",
    "job-list": "jobs: kinds, states, progress counts", "job-retry": "idem (a POST)",
    "ruleset-list": "rule sets: parameters and counts", "ruleset-detail": "idem",
    "ruleset-clone": "idem", "ruleset-edit": "idem", "ruleset-preview": "counts only",
    "ruleset-preview-cancel": "idem", "ruleset-activate": "idem", "ruleset-act": "idem",
    "ruleset-job-status": "a job's progress counts",
    "patient-new": "an empty registration form (the registration is audited by its service)",
    "api-schema": "the OpenAPI document", "api-docs": "its viewer", "api-me": "the caller",
    "api-audit-list": "the trail (ids only): the privacy officer's doors audit their reads",
    "api-job-list": "jobs", "api-job-detail": "idem",
    "api-ruleset-list": "rule sets", "api-ruleset-alarms": "counts per rule",
    "api-ruleset-detail": "idem", "api-ruleset-diff": "idem", "api-ruleset-history": "idem",
    "api-ruleset-metrics": "counts", "api-ruleset-clone": "idem", "api-ruleset-submit": "idem",
    "api-ruleset-approve": "idem", "api-ruleset-reject": "idem", "api-ruleset-preview": "idem",
    "api-ruleset-preview-cancel": "idem", "api-ruleset-activate": "idem",
    "api-ruleset-reevaluate": "idem",
    "api-token-list": "the caller's tokens", "api-token-detail": "idem",
    "api-unknown": "a 404 for any other path",
    "fhir-import": "a write (a Bundle in): audited by the import (fhir.import)",
    "fhir-unknown": "a 404 for any other path",
    "cds-discovery": "the service list",
    "cds-feedback": "a write (the EHR's feedback): audited per flag by its service",
    "account": "the user's own account", "password-change": "idem",
    "account-logout-everywhere": "idem", "account-tokens": "idem",
    "account-token-revoke": "idem",
    "audit-trail": "the trail (ids and actions): the privacy officer's page audits its reads",
    "audit-export": "idem (its export)", "audit-report": "idem (one patient's report)",
    "user-list": "accounts, not patients", "user-new": "idem", "user-detail": "idem",
    "user-role": "idem", "user-sites": "idem", "user-deactivate": "idem",
    "user-reactivate": "idem", "user-password-link": "idem", "user-set-password": "idem",
}
# The Django admin (superusers only; clinical rows read-only there): its pages are not
# wrapped by the read audit yet (issue 14 §1, left open).
NO_PATIENT_DATA_NAMESPACES = {"admin"}


def all_routes() -> dict[str, str]:
    """Every named route: {name: pattern}, namespaced names as `namespace:name`."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{entry.namespace}:" if entry.namespace else ""
                walk(entry.url_patterns, prefix + str(entry.pattern), namespace + inner)
            elif isinstance(entry, URLPattern) and entry.name:
                found[namespace + entry.name] = (prefix + str(entry.pattern), entry.callback)

    walk(get_resolver().url_patterns, "/", "")
    return found


def test_every_route_is_classified():
    walked = {**PAGES, **API, **FHIR, **dict.fromkeys(CDS)}
    unclassified = []
    for name, (pattern, callback) in all_routes().items():
        if name.split(":")[0] in NO_PATIENT_DATA_NAMESPACES and ":" in name:
            continue
        if name in walked:
            continue
        if name in NO_PATIENT_DATA:
            # A path naming a patient, a flag or a row of one, or a view that audits reads,
            # shows patient data: it cannot be waved through as showing none.
            names_patient = ("patients/<" in pattern or "flags/<" in pattern
                             or getattr(callback, "audited_reads", None))
            assert not names_patient, f"{name} ({pattern}) shows patient data: walk it"
            continue
        unclassified.append(f"{name} {pattern}")
    assert unclassified == [], ("New routes: add each to PAGES, API, FHIR or CDS (patient "
                                "data: how to build its arguments) or to NO_PATIENT_DATA "
                                "(why it shows none)")
    assert len(PAGES) + len(API) >= 75  # the tables are not emptied to pass


def test_every_audited_view_is_walked():
    """A view wrapped by `audited` is a door to patient data: the walk must cover it."""
    for name, (_, callback) in all_routes().items():
        if getattr(callback, "audited_reads", None):
            assert name in PAGES or name in API, name


# ---------------------------------------------------------------- walking


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url_of(name: str, door: Door, world: World) -> str:
    return reverse(name, kwargs=door.args(world)) + door.query


def request(client, door: Door, url: str, world: World):
    if door.method == "get":
        return client.get(url)
    body = door.body(world) if door.body else {}
    return client.post(url, body, format="json")


def new_rows(since: int):
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))


def last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def assert_no_identity(row, world: World) -> None:
    text = json.dumps([row.action, row.target_type, row.target_id, row.detail])
    for value in (world.patient.mrn, world.patient.family_name, world.patient.given_name):
        assert value not in text, (row.action, row.detail)


def assert_read(rows, name: str, shows: str, world: World) -> None:
    assert len(rows) == 1, (name, [(r.action, r.detail) for r in rows])
    [row] = rows
    assert row.detail["what"] == name
    if shows == "one":
        assert (row.action, row.patient_id) == (VIEW, world.patient.pk), name
    else:
        assert (row.action, row.patient_id) == (LIST_VIEW, None), name
        assert str(world.patient.public_id) in row.detail["patients"], name
        assert row in reads_of_patient(world.patient), name
    assert_no_identity(row, world)


READS = [(name, door) for table in (PAGES, API) for name, door in table.items()
         if door.shows]
PATH_NAMED = [(name, door) for table in (PAGES, API) for name, door in table.items()
              if door.names]


@pytest.mark.parametrize(("name", "door"), READS, ids=[n for n, _ in READS])
def test_a_read_is_one_audit_row(name, door, world, rheumatologist):
    client = client_of(rheumatologist)
    since = last_pk()
    response = request(client, door, url_of(name, door, world), world)
    assert response.status_code == 200, (name, response.status_code, response.content[:300])
    assert_read(new_rows(since), name, door.shows, world)


@pytest.mark.parametrize("name", list(EXPORTS))
def test_an_export_is_one_audit_row_linked_to_every_patient(name, world, rheumatologist):
    client = client_of(rheumatologist)
    since = last_pk()
    response = client.get(reverse(name) + EXPORTS[name])
    assert response.status_code == 200
    [row] = new_rows(since)
    assert row.action == "screening.export" and row.patient_id is None
    assert row in reads_of_patient(world.patient)
    assert_no_identity(row, world)


@pytest.mark.parametrize(("name", "door"), PATH_NAMED, ids=[n for n, _ in PATH_NAMED])
def test_another_sites_clinician_is_refused_and_recorded(name, door, world, outsider):
    client = client_of(outsider)
    since = last_pk()
    response = request(client, door, url_of(name, door, world), world)
    assert response.status_code == 404, (name, response.status_code, response.content[:300])
    rows = new_rows(since)
    assert [(r.action, r.actor_id, r.patient_id) for r in rows] == [
        (REFUSED, outsider.pk, world.patient.pk)], name
    assert rows[0].detail == {"what": name, "status": 404, "method": door.method.upper()}
    assert_no_identity(rows[0], world)


ALL_DOORS = [(name, door) for table in (PAGES, API) for name, door in table.items()]


@pytest.mark.parametrize(("name", "door"), ALL_DOORS, ids=[n for n, _ in ALL_DOORS])
def test_a_user_without_the_permission_is_refused_and_recorded(name, door, world,
                                                               rules_admin):
    client = client_of(rules_admin)
    since = last_pk()
    response = request(client, door, url_of(name, door, world), world)
    assert response.status_code == 403, (name, response.status_code, response.content[:300])
    rows = new_rows(since)
    expected = world.patient.pk if door.names else None
    assert [(r.action, r.actor_id, r.patient_id) for r in rows] == [
        (REFUSED, rules_admin.pk, expected)], name


def test_a_patient_that_is_not_ours_is_refused_naming_nobody(world, outsider):
    client = client_of(outsider)
    since = last_pk()
    assert client.get(reverse("patient-detail", args=["0" * 8 + "-0000-4000-8000-" + "0" * 12])
                      ).status_code == 404
    [row] = new_rows(since)
    assert (row.action, row.patient_id, row.target_type, row.target_id) == (
        REFUSED, None, "route", "patient-detail")


# ---------------------------------------------------------------- FHIR and CDS Hooks


@pytest.mark.parametrize("name", list(FHIR))
def test_fhir_reads_are_one_row_and_refusals_are_recorded(name, world, rheumatologist,
                                                          outsider):
    args, query, refusal_recorded, body = FHIR[name]
    values = {"mrn": world.patient.mrn, "public_id": world.patient.public_id}
    url = reverse(name, kwargs=args(world)) + query.format(**values)

    def ask(user):
        if body is None:
            return client_of(user).get(url)
        return client_of(user).generic("POST", url, body.format(**values),
                                       content_type="application/x-www-form-urlencoded")

    since = last_pk()
    assert ask(rheumatologist).status_code == 200
    rows = new_rows(since)
    assert len(rows) == 1 and rows[0].patient_id == world.patient.pk, name
    assert rows[0].action.startswith("fhir.")
    since = last_pk()
    assert ask(outsider).status_code in (200, 404)
    refused = [(r.action, r.patient_id) for r in new_rows(since)]
    assert refused == ([(REFUSED, world.patient.pk)] if refusal_recorded else []), name


@pytest.fixture
def ehr(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.CDS_ISSUERS = {"https://ehr.example.org": {
        "keys": {"keys": [_public_jwk(key, "rsa-1", "RS384")]}, "sites": ["north"],
        "user": "cds-ehr-north"}}
    settings.CDS_BASE_URL = "https://cadm.example.org"
    settings.CDS_JWT_LEEWAY = 5
    settings.CDS_JWT_MAX_LIFETIME = 300
    cache.clear()
    yield key
    cache.clear()


def test_cds_cards_for_a_known_patient_are_one_row(client, ehr, world, site):
    UserFactory(username="cds-ehr-north", role="dermatologist", sites=[site])
    path = f"/cds-services/{SERVICE_ID}"
    assert reverse("cds-service", args=[SERVICE_ID]) == path
    since = last_pk()
    response = post(client, path, hook_request(ehr_patient(world.patient.mrn)),
                    token(ehr, path))
    assert response.status_code == 200 and response.json()["cards"]
    [row] = new_rows(since)
    assert (row.action, row.patient_id, row.detail["what"]) == ("cds.cards",
                                                                world.patient.pk,
                                                                "cds-service")
