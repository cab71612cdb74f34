"""Our dismissal reasons are HL7's non-adherence-reason codes as they are (the vocabulary in
../shared/interop/cds-hooks/vocabulary/), and migration 0017 renamed the two stored codes
that were spelt otherwise, both ways."""

import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps

from cadm.models import Flag, FlagAction, OverrideReason
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import mda5_patient

VOCABULARY = (Path(__file__).resolve().parents[3] / "shared" / "interop" / "cds-hooks"
              / "vocabulary" / "CodeSystem-non-adherence-reason-codes.json")


def _hl7_codes() -> set[str]:
    def walk(concepts):
        for concept in concepts:
            yield concept["code"]
            yield from walk(concept.get("concept", []))

    return set(walk(json.loads(VOCABULARY.read_text())["concept"]))


def test_every_reason_is_an_hl7_code():
    assert {reason.value for reason in OverrideReason} <= _hl7_codes()


@pytest.mark.django_db
def test_the_migration_renames_stored_reasons_both_ways(site, rheumatologist):
    migration = importlib.import_module("cadm.migrations.0017_override_reason_hl7_codes")
    patient = mda5_patient(site, rheumatologist)
    patient_reevaluate(patient.pk)
    flag = Flag.objects.filter(patient=patient).first()
    old = [FlagAction.objects.create(flag=flag, kind="dismissed", actor=rheumatologist,
                                     reason=code, comment="before 0017")
           for code in ("patient-refused", "alternative-treatment", "need-more-info")]
    migration.forward(apps, None)
    assert [FlagAction.objects.get(pk=a.pk).reason for a in old] == [
        "patient-refuses", "prefers-alternative", "need-more-info"]
    migration.backward(apps, None)
    assert [FlagAction.objects.get(pk=a.pk).reason for a in old] == [
        "patient-refused", "alternative-treatment", "need-more-info"]
