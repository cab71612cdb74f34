"""patient_records reads each kind of row with SQL the ORM compiled once per process: the rows
must be those, in the order, of `model.objects.filter(patient=...)`."""

import datetime as dt

import pytest
from django.db import connection

from cadm.models import RecordStatus, Visit
from cadm.sections import all_sections
from cadm.selectors.records import _query, patient_records
from tests.factories import (
    AntibodyFactory,
    HrctFactory,
    LabResultFactory,
    PatientFactory,
    PftFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 3, 1)


def values(rows):
    return [(type(r), {k: v for k, v in vars(r).items() if not k.startswith("_")})
            for r in rows]


def test_the_rows_are_the_orms_in_its_order(site, rheumatologist):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    other = PatientFactory(site=site, created_by=rheumatologist)
    for days in (0, 40, 40, 300):
        VisitFactory(patient=patient, visit_on=DAY + dt.timedelta(days=days))
        LabResultFactory(patient=patient, observed_on=DAY + dt.timedelta(days=days))
    AntibodyFactory(patient=patient, observed_on=DAY, status=RecordStatus.ENTERED_IN_ERROR)
    PftFactory(patient=patient, observed_on=DAY)
    HrctFactory(patient=patient, observed_on=DAY)
    VisitFactory(patient=other, visit_on=DAY)
    records = patient_records(patient)
    assert values(records.visits) == values(Visit.objects.filter(patient=patient))
    for section in all_sections():
        assert values(records.by_section[section.key]) == values(
            section.model.objects.filter(patient=patient)), section.key
    assert len(records.visits) == 4 and len(records.by_section["labs"]) == 4


def test_the_compiled_query_has_the_patient_as_its_only_parameter():
    assert _query(Visit).statement(0)[0].count("%s") == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes one statement a call")
def test_postgresql_reads_every_kind_in_one_round_trip(site, rheumatologist,
                                                       django_assert_num_queries):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    VisitFactory(patient=patient, visit_on=DAY)
    LabResultFactory(patient=patient, observed_on=DAY)
    with django_assert_num_queries(2):  # the rows of every kind, then their authors
        records = patient_records(patient)
    assert len(records.visits) == 1 and len(records.by_section["labs"]) == 1


def test_the_instances_are_loaded_ones_a_save_updates(site, rheumatologist):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    LabResultFactory(patient=patient, observed_on=DAY)
    lab = patient_records(patient).by_section["labs"][0]
    assert (lab._state.adding, lab._state.db) == (False, "default")
    assert lab.patient_id == patient.pk and lab.patient == patient  # the relation still loads
    lab.status_reason = "checked"
    lab.save(update_fields=["status_reason"])
    assert type(lab).objects.filter(patient=patient).get().status_reason == "checked"
