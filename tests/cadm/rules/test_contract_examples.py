"""The shared example cases (../shared/cases) through the pure engine with DEFAULTS.

Replicates ../shared/tools/check_cases.py's comparison: sections equal with numbers to 0.05
and lists element by element; flags_present / flags_absent; flag_severity; flag_fields;
`"invalid": true` files must raise CaseError. Skipped when the shared folder is absent.
"""

import json
from pathlib import Path

import pytest

from cadm.rules.casefile import CaseError, facts_from_case
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS

CASES = Path(__file__).resolve().parents[4] / "shared" / "cases"
EXPECTED = sorted(CASES.glob("*.expected.json")) if CASES.is_dir() else []


def compare(out, exp) -> list[str]:
    """check_cases.compare, restated."""
    errors: list[str] = []

    def sub(o, e, path):
        if isinstance(e, dict):
            for k, v in e.items():
                if not isinstance(o, dict) or k not in o:
                    errors.append(f"missing {path}{k}")
                else:
                    sub(o[k], v, f"{path}{k}.")
        elif isinstance(e, list):
            if not isinstance(o, list) or len(o) != len(e):
                errors.append(f"{path.rstrip('.')}: expected {e}, got {o}")
            else:
                for i, (a, b) in enumerate(zip(o, e, strict=True)):
                    sub(a, b, f"{path}{i}.")
        elif isinstance(e, float) or (isinstance(o, float) and isinstance(e, int)
                                      and not isinstance(e, bool)):
            if not isinstance(o, (int, float)) or abs(o - e) > 0.05:
                errors.append(f"{path.rstrip('.')}: expected {e}, got {o}")
        elif o != e:
            errors.append(f"{path.rstrip('.')}: expected {e!r}, got {o!r}")

    for key in ("classification", "cancer_risk", "screening_plan"):
        if key in exp:
            sub(out.get(key), exp[key], key + ".")
    flags = {f["code"]: f for f in out.get("flags", [])}
    errors += [f"flag {c} missing" for c in exp.get("flags_present", []) if c not in flags]
    errors += [f"flag {c} fired" for c in exp.get("flags_absent", []) if c in flags]
    for code, severity in exp.get("flag_severity", {}).items():
        if code in flags and flags[code]["severity"] != severity:
            errors.append(f"flag {code}: severity {flags[code]['severity']!r}")
    for code, fields in exp.get("flag_fields", {}).items():
        for field, value in fields.items():
            if code in flags and flags[code].get(field) != value:
                errors.append(f"flag {code}.{field}: {flags[code].get(field)!r}")
    return errors


def output_of(case: dict) -> dict:
    facts, as_of = facts_from_case(case)
    return {"case_id": case["case_id"], **evaluate(facts, dict(DEFAULTS), as_of).as_dict()}


@pytest.mark.skipif(not EXPECTED, reason="../shared/cases is not present")
@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name[:-len(".expected.json")])
def test_case_matches_its_expected_file(expected_path):
    case = json.loads(expected_path.with_name(
        expected_path.name.replace(".expected.json", ".json")).read_text())
    exp = json.loads(expected_path.read_text())
    if exp.get("invalid"):
        with pytest.raises(CaseError):
            facts_from_case(case)
        return
    assert compare(output_of(case), exp) == []


def test_compare_catches_differences():
    out = {"classification": {"eular_acr": {"score": 6.5}}, "screening_plan": [],
           "flags": [{"code": "A", "severity": "warning", "from": "x"}]}
    assert compare(out, {"classification": {"eular_acr": {"score": 6.54}}}) == []
    assert compare(out, {"classification": {"eular_acr": {"score": 6.6}}})
    assert compare(out, {"screening_plan": [{"panel": "basic"}]})
    assert compare(out, {"flags_present": ["B"]}) and compare(out, {"flags_absent": ["A"]})
    assert compare(out, {"flag_severity": {"A": "critical"}})
    assert compare(out, {"flag_fields": {"A": {"from": "y"}}})
    assert compare(out, {"flags_present": ["A"], "flag_fields": {"A": {"from": "x"}}}) == []
