"""Every patient-scoped and flag-scoped route, every method, found by walking the URL patterns
(a route added later is covered without anyone listing it), against the pages' rules:

- a clinician of another site gets 404 for this site's patient or flag: not even its
  existence leaks, whatever the method and before any body is read;
- a rules admin gets 403: rules admins never see patient data;
- rule-set and job routes refuse clinicians (403); the audit trail refuses everyone but
  superusers.

Row ids in the path (a visit, a result, a screening item) are random: the patient or the
permission decides first. The allowed paths of each role are in each resource's own tests."""

import uuid

import pytest

from cadm.models import Flag
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import mda5_patient

from .conftest import token_client
from .test_matrix import methods, routes

pytestmark = pytest.mark.django_db
ROW = str(uuid.UUID(int=99))


def _concrete(route: str, *, patient=None, flag=None) -> str:
    """The route with this site's patient (or flag) and random row ids."""
    out = route
    if patient is not None:
        out = out.replace("<uuid:public_id>", str(patient.public_id), 1)
    if flag is not None:
        out = out.replace("<uuid:public_id>", str(flag.public_id), 1)
    while "<uuid:" in out:
        start = out.index("<uuid:")
        out = out[:start] + ROW + out[out.index(">", start) + 1:]
    return out


def _cases(prefix: str) -> list[tuple[str, str, str]]:
    return [(route, method, pattern.name) for route, pattern in routes()
            if route.startswith(prefix) and "<uuid:public_id>" in route
            for method in methods(pattern)]


PATIENT_ROUTES = _cases("/api/v1/patients/<uuid:public_id>/")
FLAG_ROUTES = _cases("/api/v1/flags/<uuid:public_id>/")


def test_the_walk_finds_the_routes():
    names = {name for _, _, name in PATIENT_ROUTES}
    assert {"api-patient-detail", "api-patient-visits", "api-patient-screening",
            "api-patient-result-labs-entered-in-error"} <= names
    assert len(FLAG_ROUTES) == 7  # detail and six actions


@pytest.fixture
def flagged(site, rheumatologist):
    patient = mda5_patient(site, rheumatologist)
    patient_reevaluate(patient.pk)
    return patient, Flag.objects.filter(patient=patient).first()


@pytest.mark.parametrize(("route", "method", "name"), PATIENT_ROUTES,
                         ids=[f"{m} {n}" for _, m, n in PATIENT_ROUTES])
def test_patient_routes_by_role_and_site(route, method, name, flagged, outsider, rules_admin):
    patient, _ = flagged
    path = _concrete(route, patient=patient)
    other_site = getattr(token_client(outsider), method)(path, {}, format="json")
    assert other_site.status_code == 404, (path, other_site.content)
    admin = getattr(token_client(rules_admin), method)(path, {}, format="json")
    assert admin.status_code == 403, (path, admin.content)


@pytest.mark.parametrize(("route", "method", "name"), FLAG_ROUTES,
                         ids=[f"{m} {n}" for _, m, n in FLAG_ROUTES])
def test_flag_routes_by_role_and_site(route, method, name, flagged, outsider, rules_admin):
    _, flag = flagged
    path = _concrete(route, flag=flag)
    other_site = getattr(token_client(outsider), method)(path, {}, format="json")
    assert other_site.status_code == 404, (path, other_site.content)
    admin = getattr(token_client(rules_admin), method)(path, {}, format="json")
    assert admin.status_code == 403, (path, admin.content)
    flag.refresh_from_db()
    assert flag.state == "open"


ADMIN_ROUTES = [(route, method, pattern.name) for route, pattern in routes()
                if route.startswith(("/api/v1/rulesets/", "/api/v1/jobs/"))
                for method in methods(pattern)]


@pytest.mark.parametrize(("route", "method", "name"), ADMIN_ROUTES,
                         ids=[f"{m} {n}" for _, m, n in ADMIN_ROUTES])
def test_rule_set_and_job_routes_refuse_clinicians(route, method, name, rheumatologist,
                                                   dermatologist):
    path = _concrete(route).replace("<int:number>", "1")
    for clinician in (rheumatologist, dermatologist):
        response = getattr(token_client(clinician), method)(path, {}, format="json")
        assert response.status_code == 403, (path, clinician.role, response.content)


def test_the_audit_trail_is_for_superusers_only(rheumatologist, rules_admin, dermatologist):
    for user in (rheumatologist, rules_admin, dermatologist):
        assert token_client(user).get("/api/v1/audit/").status_code == 403
