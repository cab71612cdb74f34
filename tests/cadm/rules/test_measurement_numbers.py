"""How cadm.rules.measurements reads and writes numbers: non-finite and negative values, ints
and floats, the display of a Decimal, the accepted-range text; and that the module stays pure
(standard library only)."""

import ast
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from cadm.rules import measurements as m
from cadm.rules.measurements import OutOfRange, check, fmt, range_text


@pytest.mark.parametrize("value", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity"])
def test_non_finite_refused(value):
    with pytest.raises(OutOfRange, match="is not a valid number"):
        check("ck", D(value), confirmed=True)
    with pytest.raises(OutOfRange, match=r"CRP: .* mg/dL is not a valid number; .*0–600 mg/L"):
        check("crp", D(value), "mg/dL", confirmed=True)


@pytest.mark.parametrize("code", ["ck", "crp", "esr", "distance_m", "mmt8"])
def test_negative_refused(code):
    with pytest.raises(OutOfRange):
        check(code, D("-0.01"), confirmed=True)


def test_negative_zero_is_stored_as_zero():
    assert fmt(check("ck", D("-0"))) == "0"
    assert not check("ck", D("-0.00")).is_signed()


def test_int_accepted_float_refused():
    assert check("ck", 100) == D(100)
    with pytest.raises(TypeError):
        check("ck", 100.5)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("5.0", "5"),
        ("0.20", "0.2"),
        ("1E+1", "10"),
        ("5E+5", "500000"),
        ("500000", "500000"),
        ("0", "0"),
        ("-0", "0"),
        ("0.00", "0"),
        ("0E-7", "0"),
        ("1.2300", "1.23"),
        ("12.5", "12.5"),
        ("-1.50", "-1.5"),
        ("1E-3", "0.001"),
        ("100", "100"),
        ("8.0", "8"),
    ],
)
def test_fmt(value, text):
    assert fmt(D(value)) == text


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("ck", "0–500000 U/L"),
        ("crp", "0–600 mg/L"),
        ("fvc_l", "0.2–8 L"),
        ("spo2", "50–100 %"),
        ("mmt8", "0–80 points"),
        ("ferritin", "0–100000 ng/mL"),
    ],
)
def test_range_text(code, text):
    assert range_text(code) == text


def test_unknown_code_is_key_error():
    with pytest.raises(KeyError):
        check("hrct_extent_score", D(1))


def test_module_imports_only_standard_library():
    tree = ast.parse(Path(m.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative imports would tie the module to its package"
            roots.add(node.module.split(".")[0])
    assert "django" not in roots
    assert roots <= set(sys.stdlib_module_names), roots - set(sys.stdlib_module_names)
