"""evaluate_case and import_case, the case-file contract (../shared/case-format.md)."""

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from cadm.casefiles import SCHEMA_PATH
from cadm.models import Flag, Patient
from cadm.rules.casefile import facts_from_case
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS

SHARED = Path(settings.BASE_DIR).parent / "shared"
CASES = sorted(p for p in (SHARED / "cases").glob("*.json")
               if not p.name.endswith(".expected.json"))


# CI and developers have ../shared beside the project; a bare clone elsewhere skips these.
pytestmark = pytest.mark.skipif(not CASES, reason="../shared/cases is not beside the project")


def valid_cases():
    return [p for p in CASES
            if not json.loads(p.with_suffix(".expected.json").read_text()).get("invalid")]


def test_schema_copy_matches_the_shared_contract():
    shared = SHARED / "case.schema.json"
    assert json.loads(SCHEMA_PATH.read_text()) == json.loads(shared.read_text())


@pytest.mark.parametrize("path", valid_cases(), ids=lambda p: p.stem)
def test_evaluate_case_prints_the_contract_output(path):
    out = StringIO()
    call_command("evaluate_case", str(path), stdout=out)
    result = json.loads(out.getvalue())
    case = json.loads(path.read_text())
    assert result["case_id"] == case["case_id"] and result["rule_set_version"] == 1
    assert {"classification", "cancer_risk", "screening_plan", "flags"} <= set(result)


def test_evaluate_case_with_several_files_prints_an_array():
    out = StringIO()
    call_command("evaluate_case", *map(str, valid_cases()[:2]), stdout=out)
    assert len(json.loads(out.getvalue())) == 2


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda c: c["labs"].append({"date": "2025-02-01", "test": "ck", "value": 600000,
                                 "unit": "U/L"}),
     "CK: 600000 U/L is outside the accepted range 0–500000 U/L."),
    (lambda c: c["labs"].append({"date": "2025-02-01", "test": "crp", "value": 61,
                                 "unit": "mg/dL"}), "(= 610 mg/L)"),
    (lambda c: c["labs"].append({"date": "2025-02-01", "test": "ck", "value": 10,
                                 "unit": "mg/L"}), "$.labs[2].unit"),
    (lambda c: c["visits"][0].update(date="2030-01-01"), "is after as_of"),
    (lambda c: c["visits"][0].update(date="1970-01-01"), "is before birth_date"),
    (lambda c: c.update(surprise=1), "Additional properties are not allowed"),
    (lambda c: c["patient"].update(sex="x"), "$.patient.sex"),
])
def test_invalid_files_exit_2_with_a_precise_message(tmp_path, capsys, mutate, message):
    case = json.loads((SHARED / "cases" / "ex03-ck-rise-reclassifies.json").read_text())
    mutate(case)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case))
    with pytest.raises(SystemExit) as exit_info:
        call_command("evaluate_case", str(bad))
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_evaluate_case_uses_a_stored_version(db):
    out = StringIO()
    call_command("evaluate_case", str(valid_cases()[0]), "--active", stdout=out)
    assert json.loads(out.getvalue())["rule_set_version"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", valid_cases(), ids=lambda p: p.stem)
def test_import_case_shows_the_flags_evaluate_case_gives_today(path, site, rheumatologist):
    call_command("import_case", str(path), "--site", site.code, stdout=StringIO())
    case = json.loads(path.read_text())
    patient = Patient.objects.get(mrn=case["case_id"][:40])
    facts, _ = facts_from_case(case)
    expected = {f.code for f in evaluate(facts, DEFAULTS, dt.date.today()).flags}
    stored = set(Flag.objects.filter(patient=patient).exclude(state="resolved")
                 .values_list("code", flat=True))
    assert stored == expected


@pytest.mark.django_db(transaction=True)
def test_import_case_refuses_an_invalid_file_and_saves_nothing(tmp_path, site, rheumatologist,
                                                               capsys):
    case = json.loads(valid_cases()[0].read_text())
    case["labs"] = [{"date": "2025-09-15", "test": "kl6", "value": 800, "unit": "U/L"}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_case", str(bad), "--site", site.code)
    assert exit_info.value.code == 2 and "use U/mL" in capsys.readouterr().err
    assert not Patient.objects.exists()
