"""Audit rows are append-only in the database, on SQLite and PostgreSQL alike (migrations
0014 and 0020): UPDATE and DELETE are refused whether they come through the ORM or a cursor.
Only a flush of the whole database (TRUNCATE on PostgreSQL, the project's flush command on
SQLite) empties the trail, and the refusal is back after it."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from cadm.models import AuditEvent
from cadm.services.audit import audit_record
from tests.factories import SiteFactory, UserFactory

APPEND_ONLY = "audit events are append-only"


def refused(action) -> None:
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        with transaction.atomic():  # a savepoint: the test's transaction stays usable
            action()


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def event(rheumatologist, patient):
    return audit_record(actor=rheumatologist, action="patient.update", target=patient,
                        patient=patient, detail={"fields": ["notes"]})


@pytest.mark.django_db
def test_an_audit_row_cannot_be_changed(event, dermatologist):
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(actor=dermatologist))
    event.action = "patient.create"
    refused(event.save)
    refused(lambda: raw("UPDATE cadm_auditevent SET detail = '{}' WHERE id = %s", event.pk))
    event.refresh_from_db()
    assert (event.action, event.actor.username) == ("patient.update", "rheum")


@pytest.mark.django_db
def test_an_audit_row_cannot_be_deleted(event):
    refused(event.delete)
    refused(lambda: AuditEvent.objects.all().delete())
    refused(lambda: AuditEvent.objects.filter(action="patient.update")._raw_delete(
        using="default"))
    refused(lambda: raw("DELETE FROM cadm_auditevent WHERE id = %s", event.pk))
    refused(lambda: raw("DELETE FROM cadm_auditevent"))
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_trail_and_the_refusal_is_back_after_it():
    site = SiteFactory(code="north", name="North Clinic")
    user = UserFactory(username="rheum", role="rheumatologist", sites=[site])
    audit_record(actor=user, action="user.create", target=user)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    site = SiteFactory(code="north", name="North Clinic")
    user = UserFactory(username="rheum", sites=[site])
    again = audit_record(actor=user, action="user.create", target=user)
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        AuditEvent.objects.filter(pk=again.pk).delete()
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        AuditEvent.objects.filter(pk=again.pk).update(action="user.delete")
