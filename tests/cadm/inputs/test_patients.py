"""PatientInput and the patient services' own permission and site checks."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadm.inputs import Context, InputInvalid, PatientInput
from cadm.models import AuditEvent
from cadm.services.patients import patient_update
from tests.factories import PatientFactory, UserFactory

TODAY = dt.date(2026, 6, 1)
FULL = {"mrn": " P-1 ", "family_name": "Doe", "given_name": "Ann", "sex": "female",
        "birth_date": "1980-03-03", "skin_onset_date": "2024-12-01",
        "diagnosis_date": "2025-01-20"}


def refusal(raw, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        PatientInput.parse(raw, context=Context(today=TODAY), **kwargs)
    return caught.value.message_dict


def test_a_full_registration_is_typed_and_trimmed(site):
    given = PatientInput.parse({**FULL, "site": site}, context=Context(today=TODAY))
    assert given.mrn == "P-1" and given.birth_date == dt.date(1980, 3, 3)
    assert given.changes()["site"] == site and given.changes()["notes"] == ""


@pytest.mark.parametrize(("birth", "message"), [
    ("2026-06-01", None),
    ("2026-06-02", "Birth date: 2026-06-02 is in the future; accepted: up to today "
                   "(2026-06-01)."),
])
def test_birth_date_edges(site, birth, message):
    raw = {**FULL, "site": site, "birth_date": birth, "skin_onset_date": birth,
           "diagnosis_date": birth}
    if message is None:
        assert PatientInput.parse(raw, context=Context(today=TODAY)).birth_date
    else:
        assert refusal(raw)["birth_date"] == [message]


@pytest.mark.parametrize(("onset", "message"), [
    ("1980-03-03", None),
    ("1980-03-02", "Skin onset date: 1980-03-02 is before the patient's birth date "
                   "(1980-03-03); accepted: 1980-03-03 to 2026-06-01."),
    ("2026-06-02", "Skin onset date: 2026-06-02 is in the future; accepted: up to today "
                   "(2026-06-01)."),
])
def test_onset_edges(site, onset, message):
    raw = {**FULL, "site": site, "skin_onset_date": onset}
    if message is None:
        assert PatientInput.parse(raw, context=Context(today=TODAY)).skin_onset_date
    else:
        assert refusal(raw) == {"skin_onset_date": [message]}


def test_a_registration_needs_every_required_field():
    errors = refusal({})
    assert set(errors) >= {"site", "mrn", "sex", "birth_date", "diagnosis_date"}
    assert errors["birth_date"] == ["Birth date: required; enter a date as YYYY-MM-DD."]


def test_a_correction_checks_only_what_it_gives_against_the_stored_birth():
    context = Context(today=TODAY, birth_date=dt.date(1980, 3, 3))
    given = PatientInput.parse({"given_name": "Bea"}, context=context, partial=True)
    assert given.changes() == {"given_name": "Bea"}
    with pytest.raises(InputInvalid, match="before the patient's birth date"):
        PatientInput.parse({"diagnosis_date": dt.date(1979, 1, 1)}, context=context,
                           partial=True)


def test_a_dict_given_to_the_service_is_parsed_too(patient, rheumatologist):
    with pytest.raises(ValidationError) as caught:
        patient_update(actor=rheumatologist, patient=patient, data={"sex": "x"})
    assert caught.value.message_dict["sex"][0].startswith("Sex: 'x' is not one of the choices")


def test_only_a_writer_at_the_patients_site_may_correct_it(patient, outsider):
    with pytest.raises(PermissionDenied, match="This patient's site"):
        patient_update(actor=outsider, patient=patient, data={"given_name": "Bea"})


def test_a_site_change_needs_both_sites(patient, rheumatologist, other_site):
    with pytest.raises(PermissionDenied, match="The target site"):
        patient_update(actor=rheumatologist, patient=patient, data={"site": other_site})


def test_a_transfer_by_a_writer_at_both_sites_is_audited(patient, site, other_site):
    both = UserFactory(role="rheumatologist", sites=[site, other_site])
    patient_update(actor=both, patient=patient, data={"site": other_site})
    patient.refresh_from_db()
    assert patient.site == other_site
    event = AuditEvent.objects.get(action="patient.transfer")
    assert event.detail == {"from": site.code, "to": other_site.code}


def test_a_transfer_needs_the_mrn_free_at_the_target_site(patient, site, other_site):
    both = UserFactory(role="rheumatologist", sites=[site, other_site])
    PatientFactory(site=other_site, mrn=patient.mrn.lower(), created_by=both)
    with pytest.raises(ValidationError, match="is already used at"):
        patient_update(actor=both, patient=patient, data={"site": other_site})
