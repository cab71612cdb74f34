"""The read audit's rules (cadm/services/audit_reads.py) beyond the walk of every route: what
counts as a read, what a list's row holds, who-accessed-my-record, the links' append-only
rule, and refusals recorded outside the views."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django.urls import reverse

from cadm.models import AuditEvent, AuditReadLink, Flag, RuleSetVersion
from cadm.selectors.patients import patient_get_for
from cadm.services.audit import audit_record
from cadm.services.audit_reads import LIST_VIEW, REFUSED, VIEW, audit_read, reads_of_patient
from tests.cadm.api.conftest import token_client
from tests.factories import PatientFactory, UserFactory
from tests.searching import searched

pytestmark = pytest.mark.django_db


def rows_after(since: int):
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))


def last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_who_accessed_a_record_finds_its_pages_lists_and_refusals(rheum_client, patient,
                                                                  site, outsider, client):
    other = PatientFactory(site=site, family_name="Otherpatient")
    rheum_client.get(reverse("patient-detail", args=[patient.public_id]))
    rheum_client.get(reverse("patient-list"))
    rheum_client.get(reverse("patient-detail", args=[other.public_id]))
    client.force_login(outsider)
    client.get(reverse("patient-detail", args=[patient.public_id]))
    trail = reads_of_patient(patient).order_by("pk")
    assert [(row.action, row.detail["what"]) for row in trail] == [
        (VIEW, "patient-detail"), (LIST_VIEW, "patient-list"), (REFUSED, "patient-detail")]
    assert trail[2].actor == outsider
    assert {row.detail["what"] for row in reads_of_patient(other)} == {"patient-detail",
                                                                        "patient-list"}


def test_a_list_row_holds_the_shown_page_only_and_no_search_text(site, rheumatologist):
    for n in range(3):
        PatientFactory(site=site, family_name=f"Pagedname{n}", mrn=f"PG-{n}")
    since = last_pk()
    response = token_client(rheumatologist).post("/api/v1/patients/search/?page_size=2",
                                                 {"q": "pagedname"}, format="json")
    shown = [p["id"] for p in response.json()["results"]]
    [row] = [r for r in rows_after(since) if r.action == LIST_VIEW]
    assert row.detail == {"what": "api-patient-search", "patients": shown}
    assert len(shown) == 2
    assert sorted(str(link.patient.public_id) for link in row.read_links.all()) == \
        sorted(shown)


def test_a_search_that_finds_nobody_is_still_a_read_of_the_list(rheum_client):
    since = last_pk()
    assert searched(rheum_client, "patient-list", {"q": "nobody-by-this-name"}
                    ).status_code == 200
    [row] = rows_after(since)
    assert (row.action, row.detail) == (LIST_VIEW, {"what": "patient-list", "patients": []})
    assert not row.read_links.exists()


def test_a_form_sent_back_with_its_errors_is_a_read_a_saved_one_is_the_services(
        rheum_client, patient):
    url = reverse("patient-edit", args=[patient.public_id])
    since = last_pk()
    response = rheum_client.post(url, {"mrn": ""})
    assert response.status_code == 400
    assert [(r.action, r.patient_id, r.detail["what"]) for r in rows_after(since)] == [
        (VIEW, patient.pk, "patient-edit")]
    since = last_pk()
    response = rheum_client.post(reverse("flag-act", args=[_flag(patient).public_id,
                                                           "snooze"]), {})
    assert response.status_code == 400  # the flag page sent back by flag_act: one row, its
    assert [(r.action, r.detail["what"]) for r in rows_after(since)] == [(VIEW, "flag-act")]


def test_a_successful_write_is_recorded_once_by_its_service(rheum_client, patient):
    flag = _flag(patient)
    since = last_pk()
    response = rheum_client.post(reverse("flag-act", args=[flag.public_id, "comment"]),
                                 {"comment-comment": "Seen in clinic."})
    assert response.status_code == 302
    assert [r.action for r in rows_after(since)] == ["flag.comment"]


def test_anonymous_requests_write_nothing(client, patient):
    since = last_pk()
    assert client.get(reverse("patient-detail", args=[patient.public_id])).status_code == 302
    assert client.get(f"/api/v1/patients/{patient.public_id}/").status_code in (401, 403)
    assert rows_after(since) == []


def test_a_door_that_no_view_wraps_still_records_its_refusal(patient, outsider):
    """The FHIR export's views call patient_get_for without a read scope: the selector
    records the refusal itself, naming the patient asked for."""
    with pytest.raises(Http404):
        patient_get_for(user=outsider, public_id=patient.public_id)
    [row] = AuditEvent.objects.filter(action=REFUSED)
    assert (row.actor, row.patient, row.detail["what"]) == (outsider, patient, "patient-lookup")


def test_a_row_needs_a_target():
    with pytest.raises(TypeError):
        audit_record(actor=None, action="x")


def test_read_links_are_append_only(patient, rheumatologist):
    event = audit_read(rheumatologist, what="test", patients=[patient])
    link = AuditReadLink.objects.get(event=event)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditReadLink.objects.filter(pk=link.pk).update(patient=PatientFactory(
            site=patient.site))
    if connection.vendor == "postgresql":  # SQLite's test flush is a DELETE (0021)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditReadLink.objects.filter(pk=link.pk).delete()
    assert AuditReadLink.objects.get(pk=link.pk).patient == patient


def _flag(patient) -> Flag:
    from django.utils import timezone
    now = timezone.now()
    return Flag.objects.create(
        patient=patient, code="READ", severity="info", severity_rank=2, summary="read",
        detail="-", citation="-", evidence_label="-", evidence_digest="0" * 64,
        ruleset=RuleSetVersion.objects.get(state="active"), opened_at=now, updated_at=now)


def test_the_audit_apis_patient_filter_finds_the_lists_that_showed_them(site, other_site,
                                                                        patient,
                                                                        rheumatologist):
    root = UserFactory(username="root", sites=[site])
    root.is_superuser = root.is_staff = True
    root.save()
    theirs = PatientFactory(site=other_site)
    audit_read(rheumatologist, what="patient-list", patients=[patient, theirs])
    api = token_client(root)

    def found(who):
        return [(r["action"], r["detail"]) for r in api.get(
            "/api/v1/audit/", {"patient": str(who.public_id)}).json()["results"]]

    assert found(patient) == [(LIST_VIEW, {"what": "patient-list"})]  # no ids shown there
    assert found(theirs) == []  # another site's patient: not even through the list


def test_a_list_read_is_one_row_and_its_links_as_the_orm_would_write_them(
        site, rheumatologist):
    """PostgreSQL writes them in one statement, SQLite in a transaction: the same rows."""
    shown = [PatientFactory(site=site) for _ in range(3)]
    since = last_pk()
    event = audit_read(rheumatologist, what="worklist", patients=[*shown, shown[0]])
    (row,) = rows_after(since)
    assert event.pk == row.pk and not event._state.adding
    assert (row.actor, row.action, row.target_type, row.target_id, row.patient) == (
        rheumatologist, LIST_VIEW, "route", "worklist", None)
    assert row.detail == {"what": "worklist", "patients": [str(p.public_id) for p in shown]}
    assert abs((row.at - event.at).total_seconds()) < 1e-3
    assert sorted(AuditReadLink.objects.filter(event=row).values_list("patient_id", flat=True)
                  ) == sorted(p.pk for p in shown)


def test_an_empty_list_read_is_a_row_without_links(rheumatologist):
    since = last_pk()
    event = audit_read(rheumatologist, what="patient-list", patients=[])
    assert [r.pk for r in rows_after(since)] == [event.pk]
    assert not AuditReadLink.objects.filter(event_id=event.pk).exists()



def test_a_patients_read_is_one_row_about_that_patient(patient, rheumatologist):
    since = last_pk()
    event = audit_read(rheumatologist, what="patient-detail", patient=patient)
    (row,) = rows_after(since)
    assert event.pk == row.pk and not event._state.adding
    assert (row.actor, row.action, row.target_type, row.target_id, row.patient, row.detail) == (
        rheumatologist, VIEW, "cadm.patient", str(patient.public_id), patient,
        {"what": "patient-detail"})
    assert not AuditReadLink.objects.filter(event=row).exists()
