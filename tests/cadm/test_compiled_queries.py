"""cadm.selectors.compiled: a queryset compiled once must give, for every argument, the
instances the ORM gives (values, order, select_related objects, deferred fields), and refuse
the querysets it cannot run that way."""

import datetime as dt
import uuid

import pytest
from django.db.models import signals

from cadm.models import Flag, LabResult, Patient, RuleSetVersion
from cadm.selectors.compiled import UUID_STAND_IN, Compiled
from cadm.selectors.flags import LIVE, patient_live_flags
from cadm.services.patients import patient_update
from tests.cadm.test_flag_site import make_flag
from tests.factories import LabResultFactory, PatientFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 3, 1)


def fields(instance) -> dict:
    return {k: v for k, v in vars(instance).items() if not k.startswith("_")}


def test_rows_of_each_argument_are_the_orms_in_its_order(site, rheumatologist):
    query = Compiled(lambda patient_id: LabResult.objects.filter(patient_id=patient_id))
    first, second = (PatientFactory(site=site, created_by=rheumatologist) for _ in range(2))
    for days in (300, 0, 40):
        LabResultFactory(patient=first, observed_on=DAY + dt.timedelta(days=days))
    LabResultFactory(patient=second, observed_on=DAY)
    for patient in (first, second):
        expected = list(LabResult.objects.filter(patient=patient))
        assert [fields(r) for r in query(patient.pk)] == [fields(r) for r in expected]
    assert query(0) == []


def test_select_related_and_deferred_fields_load_as_the_orms(patient):
    flag, resolved = make_flag(patient), make_flag(patient, code="OTHER", state="resolved")
    found = patient_live_flags(patient)
    assert found == [flag] and resolved not in found
    expected = (Flag.objects.filter(patient=patient).filter(LIVE).select_related("ruleset")
                .defer("ruleset__params").get())
    assert fields(found[0]) == fields(expected)
    ruleset = found[0]._state.fields_cache["ruleset"]  # loaded with the flag: no query
    assert ruleset.number == 1 and "params" in ruleset.get_deferred_fields()


def test_only_and_a_slice_compile(patient, rheumatologist):
    patient_update(actor=rheumatologist, patient=patient,
                   data={"recorded_subtype": "hypomyopathic"})
    query = Compiled(lambda patient_id: Patient.history.filter(id=patient_id)
                     .select_related("history_user").only("recorded_subtype", "history_user")
                     .order_by("-history_date")[:1])
    (latest,) = query(patient.pk)
    assert latest.recorded_subtype == "hypomyopathic" and latest.history_user == rheumatologist
    assert "family_name" in latest.get_deferred_fields()


def test_a_query_without_argument(db):
    query = Compiled(lambda: RuleSetVersion.objects.filter(state="active"), takes_argument=False)
    assert query() == list(RuleSetVersion.objects.filter(state="active"))


def test_an_instance_saves_as_a_loaded_one(patient):
    lab = LabResultFactory(patient=patient, observed_on=DAY)
    (found,) = Compiled(lambda pk: LabResult.objects.filter(pk=pk))(lab.pk)
    assert (found._state.adding, found._state.db) == (False, "default")
    found.status_reason = "checked"
    found.save(update_fields=["status_reason"])
    assert LabResult.objects.get(pk=lab.pk).status_reason == "checked"


def test_init_signals_still_fire_when_someone_listens(patient):
    LabResultFactory(patient=patient, observed_on=DAY)
    query = Compiled(lambda patient_id: LabResult.objects.filter(patient_id=patient_id))
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_init.connect(listener, sender=LabResult)
    try:
        (lab,) = query(patient.pk)
    finally:
        signals.post_init.disconnect(listener, sender=LabResult)
    assert seen == [lab]


@pytest.mark.parametrize("build", [
    lambda patient_id: LabResult.objects.filter(patient_id=patient_id).values("id"),
    lambda patient_id: Patient.objects.filter(pk=patient_id).prefetch_related("visits"),
    lambda patient_id: LabResult.objects.all(),
], ids=["values", "prefetch", "no-argument"])
def test_what_it_cannot_run_is_refused(db, build):
    with pytest.raises(ValueError):
        Compiled(build)(1)


def test_a_uuid_argument(patient, site):
    query = Compiled(lambda public_id: Patient.objects.filter(public_id=public_id)
                     .select_related("site"), stand_in=UUID_STAND_IN)
    (found,) = query(patient.public_id)
    assert fields(found) == fields(Patient.objects.get(pk=patient.pk))
    assert found._state.fields_cache["site"] == site
    assert query(uuid.uuid4()) == []
