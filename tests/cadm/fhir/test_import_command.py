"""manage.py import_fhir FILE --site SITE: the FHIR import as a command, with a text report
and exit code 2 on refusal (as import_case)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cadm.models import LabResult, Patient
from tests.cadm.fhir.bundles import (
    DM_CONDITION,
    HEALTHWALLET,
    PATIENT,
    SYNTHEA,
    bundle,
    lab,
)


@pytest.fixture
def write(tmp_path):
    def write(content) -> str:
        path = tmp_path / "bundle.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)
    return write


def test_synthea_bundle_twice(rheumatologist, capsys):
    path = str(SYNTHEA / HEALTHWALLET)
    call_command("import_fhir", path, "--site", "north", "--skin-onset", "2019-06-01",
                 "--diagnosed", "2019-09-01")
    out = capsys.readouterr().out
    assert f"{path}: imported 24, marked entered in error 0, skipped 591, refused 0" in out
    assert "patient 622da958-d492-c2ca-a555-1b4689729c5b registered at North Clinic" in out
    assert "skipped 36 × SupplyDelivery: not imported" in out
    call_command("import_fhir", path, "--site", "north")
    out = capsys.readouterr().out
    assert "imported 0, marked entered in error 0, skipped 615, refused 0" in out
    assert "matched at North Clinic" in out
    assert LabResult.objects.count() == 24


def test_refusal_exits_2_with_path_value_and_range(rheumatologist, write, capsys):
    path = write(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250), lab("2157-6", 600000)))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_fhir", path, "--site", "north")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{path}: refused",
                   "Bundle.entry[3].resource.valueQuantity.value: CK: 600000 U/L is outside the "
                   "accepted range 0–500000 U/L. (value 600000; accepted 0–500000 U/L)",
                   "nothing was saved (all or nothing; --partial keeps what passes)"]
    assert Patient.objects.count() == 0


def test_partial_keeps_what_passes_and_still_exits_2(rheumatologist, write, capsys):
    path = write(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250), lab("2157-6", 600000)))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_fhir", path, "--site", "north", "--partial")
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert "imported 1," in captured.out
    assert captured.err.endswith("kept what passes (--partial)\n")
    assert LabResult.objects.count() == 1


def test_not_json_exits_2(rheumatologist, write, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_fhir", write("{not json"), "--site", "north")
    assert exit_info.value.code == 2
    assert "not JSON" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--site", "nowhere"], "--site: no site with code 'nowhere'."),
    (["--site", "north", "--user", "ruleadmin"],
     "--user: ruleadmin may not record results at North Clinic."),
    (["--site", "north", "--skin-onset", "01/06/2019"],
     "skin_onset_date: '01/06/2019' is not a date (YYYY-MM-DD)."),
])
def test_bad_arguments(rheumatologist, rules_admin, write, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("import_fhir", write(bundle(PATIENT)), *args)


def test_another_sites_user_is_refused(rheumatologist, outsider, write):
    with pytest.raises(CommandError, match="outsider may not record results at North Clinic"):
        call_command("import_fhir", write(bundle(PATIENT)), "--site", "north",
                     "--user", "outsider")
