"""Flag.site, the patient's site copied onto each flag (the worklist scopes and counts by it):
set when a flag is made, moved by a transfer, and on PostgreSQL held to the patient's by the
database itself."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from cadm.models import Flag, Patient, RuleSetVersion
from cadm.selectors.flags import flag_codes_for, flag_list_for
from cadm.services.patients import patient_update
from tests.factories import PatientFactory, UserFactory

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="the key on (patient, site) is PostgreSQL's")


def make_flag(patient, code="LUNG_RISK", **fields) -> Flag:
    now = timezone.now()
    return Flag.objects.create(
        patient=patient, code=code, severity="critical", severity_rank=0, summary="s",
        detail="d", citation="c", evidence_label="-", evidence_digest="0" * 64,
        ruleset=RuleSetVersion.objects.get(number=1), opened_at=now, updated_at=now, **fields)


def test_a_new_flag_takes_its_patients_site(patient, site):
    assert make_flag(patient).site == site
    by_id = Patient.objects.get(pk=patient.pk)  # a patient not yet read by the flag
    flag = Flag(patient_id=by_id.pk, code="OTHER", severity="info", severity_rank=2,
                summary="s", detail="d", citation="c", evidence_label="-",
                evidence_digest="0" * 64, ruleset=RuleSetVersion.objects.get(number=1),
                opened_at=timezone.now(), updated_at=timezone.now())
    flag.save()
    assert Flag.objects.get(pk=flag.pk).site_id == site.pk


def test_a_transfer_moves_the_flags_to_the_new_sites_worklist(patient, site, other_site,
                                                              rheumatologist):
    flag = make_flag(patient)
    south = UserFactory(username="south", role="rheumatologist", sites=[other_site])
    both = UserFactory(username="both", role="rheumatologist", sites=[site, other_site])

    patient_update(actor=both, patient=patient, data={"site": other_site})

    flag.refresh_from_db()
    assert flag.site == other_site
    assert list(flag_list_for(user=rheumatologist)) == []
    assert list(flag_list_for(user=south)) == [flag]
    assert flag_codes_for(user=rheumatologist) == []
    assert flag_codes_for(user=south) == ["LUNG_RISK"]


def test_the_worklist_counts_only_the_sites_flags(client, patient, rheumatologist,
                                                  other_site):
    make_flag(patient)
    elsewhere = PatientFactory(site=other_site, created_by=rheumatologist, mrn="S-1")
    make_flag(elsewhere, code="CANCER_RISK")
    client.force_login(rheumatologist)
    response = client.get(reverse("worklist"))
    assert response.status_code == 200
    assert response.context["counts"]["critical"] == 1


@postgresql_only
def test_the_database_refuses_a_flag_at_another_site_than_its_patient(patient, other_site):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_flag(patient, site=other_site)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@postgresql_only
def test_a_patients_new_site_cascades_to_its_flags_in_the_database(patient, other_site):
    flag = make_flag(patient)
    Patient.objects.filter(pk=patient.pk).update(site=other_site)  # not through a service
    flag.refresh_from_db()
    assert flag.site == other_site
