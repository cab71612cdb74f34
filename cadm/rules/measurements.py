"""Accepted units and plausibility ranges for every measured value CADM stores.

The ranges are those of clinical-reference.md §6.2, which is an ENGINEERING PROPOSAL, NOT A
CLINICAL SOURCE: they catch typos and unit mix-ups at data entry, they say nothing about what is
normal or abnormal for a patient. The accepted units and their conversions are those of the
"Units accepted" paragraph of case-format.md; the MMT-8 range (0–80) also comes from there.

Standard library only, so the rules package can be used and tested without Django.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

__all__ = [
    "LAB_CODES",
    "QUANTITIES",
    "MeasurementError",
    "NeedsConfirmation",
    "OutOfRange",
    "Quantity",
    "UnitNotAccepted",
    "check",
    "check_uln",
    "fmt",
    "normalise",
    "range_text",
]


@dataclass(frozen=True)
class Quantity:
    """One measurable field; `units` maps each accepted unit to its factor to `unit`."""

    code: str
    label: str
    loinc: str | None
    unit: str
    units: Mapping[str, Decimal]
    hard_min: Decimal
    hard_max: Decimal
    soft_min: Decimal | None = None
    soft_max: Decimal | None = None


def _q(code, label, loinc, unit, hard, soft=(None, None), extra_units=None) -> Quantity:
    units = {u: Decimal(f) for u, f in {unit: 1, **(extra_units or {})}.items()}
    soft = tuple(None if s is None else Decimal(s) for s in soft)
    hard_min, hard_max = (Decimal(h) for h in hard)
    return Quantity(code, label, loinc, unit, MappingProxyType(units), hard_min, hard_max, *soft)


QUANTITIES: dict[str, Quantity] = {
    q.code: q
    for q in (
        _q("ck", "CK", "2157-6", "U/L", ("0", "500000"), (None, "20000")),
        _q("aldolase", "Aldolase", "1761-6", "U/L", ("0", "1000"), (None, "100")),
        _q("ldh", "LDH", "2532-0", "U/L", ("0", "20000"), (None, "3000")),
        _q("ast", "AST", "1920-8", "U/L", ("0", "20000"), (None, "1000")),
        _q("alt", "ALT", "1742-6", "U/L", ("0", "20000"), (None, "1000")),
        # ng/mL and ug/L are the same concentration, so labs' two spellings both pass unchanged.
        _q(
            "ferritin", "Ferritin", "2276-4", "ng/mL", ("0", "100000"), (None, "10000"), {"ug/L": 1}
        ),
        # mg/dL read as mg/L is the commonest CRP unit error (§6.2), hence the explicit factor.
        _q("crp", "CRP", "1988-5", "mg/L", ("0", "600"), (None, "300"), {"mg/dL": 10}),
        # Method-unspecified code: data entry does not record whether the lab used Westergren.
        _q("esr", "ESR", "30341-2", "mm/h", ("0", "160"), (None, "120")),
        # §8.1 found no LOINC for KL-6; a local code belongs to the exporter, not here.
        _q("kl6", "KL-6", None, "U/mL", ("0", "50000"), (None, "5000")),
        _q("fvc_l", "FVC", "19868-9", "L", ("0.2", "8.0")),
        _q("fvc_pct_predicted", "FVC % predicted", "19872-1", "%", ("10", "160"), ("40", "130")),
        _q("dlco_pct_predicted", "DLCO % predicted", "98130-8", "%", ("5", "180"), ("30", "140")),
        # §6.2 has no TLC row; TLC % predicted spans a range like FVC % predicted, so it
        # borrows those bounds until a source says otherwise. §8.1 gives no LOINC either.
        _q("tlc_pct_predicted", "TLC % predicted", None, "%", ("10", "160"), ("40", "130")),
        # Only a low soft bound: 100 % is the physical ceiling and the hard maximum.
        _q("spo2", "SpO2", "59408-5", "%", ("50", "100"), ("88", None)),
        _q("distance_m", "6-minute walk distance", "64098-7", "m", ("0", "1000"), (None, "800")),
        # No LOINC in §8.1 for body weight.
        _q("weight_kg", "Weight", None, "kg", ("20", "350")),
        _q("mmt8", "MMT-8", None, "points", ("0", "80")),
    )
}

LAB_CODES = ("ck", "aldolase", "ldh", "ast", "alt", "ferritin", "crp", "esr", "kl6")


class MeasurementError(ValueError):
    """A value that cannot be saved as entered; `message` is meant for the user."""

    def __init__(self, code: str, value: Decimal, unit: str, message: str) -> None:
        super().__init__(message)
        self.code, self.value, self.unit, self.message = code, value, unit, message

    def __str__(self) -> str:
        return self.message


class UnitNotAccepted(MeasurementError):
    """The unit is not one case-format.md accepts for this field."""


class OutOfRange(MeasurementError):
    """Outside the §6.2 hard range (or not a finite number): refused, even if confirmed."""


class NeedsConfirmation(MeasurementError):
    """Outside the §6.2 soft range: saved only once the user confirms it."""


def fmt(d: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 5.0 -> "5", 1E+1 -> "10"."""
    if not d.is_finite():
        return str(d)
    if d.is_zero():
        return "0"  # "-0" or "0.00" would read as a typo in a message
    text = format(d, "f")  # "f" never uses exponent notation and needs no context precision
    return text.rstrip("0").rstrip(".") if "." in text else text


def range_text(code: str) -> str:
    """The hard range with its canonical unit, e.g. "0–500000 U/L"."""
    q = QUANTITIES[code]
    return f"{fmt(q.hard_min)}–{fmt(q.hard_max)} {q.unit}"


def normalise(code: str, value: Decimal, unit: str) -> Decimal:
    """`value` in `unit` converted to the field's canonical unit (case-format.md)."""
    q = QUANTITIES[code]
    factor = q.units.get(unit)
    if factor is None:
        accepted = " or ".join(q.units)
        raise UnitNotAccepted(
            code, value, unit, f"{q.label}: unit {unit!r} is not accepted; use {accepted}."
        )
    # NaN/Infinity pass through untouched (a signalling NaN would raise); check() refuses them.
    return value * factor if value.is_finite() else value


def check(
    code: str, value: Decimal, unit: str | None = None, *, confirmed: bool = False
) -> Decimal:
    """Normalised value, after the §6.2 hard then soft ranges (engineering proposal).

    The ranges apply to the normalised value, so 61 mg/dL CRP is refused as 610 mg/L.
    """
    q = QUANTITIES[code]
    unit = q.unit if unit is None else unit
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal):
        # float would carry binary noise into stored clinical values
        raise TypeError(f"{q.label}: expected a Decimal, got {type(value).__name__}")
    norm = normalise(code, value, unit)
    if norm.is_zero():
        norm = abs(norm)  # -0 is a typing artefact; storing it would print as "-0"
    entered = f"{fmt(value)} {unit}"
    if unit != q.unit and norm.is_finite():
        entered += f" (= {fmt(norm)} {q.unit})"

    def fail(cls: type[MeasurementError], text: str) -> MeasurementError:
        return cls(code, value, unit, f"{q.label}: {text}")

    if not norm.is_finite():
        raise fail(
            OutOfRange, f"{entered} is not a valid number; enter a value in {range_text(code)}."
        )
    if not q.hard_min <= norm <= q.hard_max:
        raise fail(OutOfRange, f"{entered} is outside the accepted range {range_text(code)}.")
    if confirmed:
        return norm
    for word, bound, beyond in (
        ("above", q.soft_max, q.soft_max is not None and norm > q.soft_max),
        ("below", q.soft_min, q.soft_min is not None and norm < q.soft_min),
    ):
        if beyond:
            raise fail(
                NeedsConfirmation,
                f"{entered} is {word} {fmt(bound)} {q.unit}, unusual for {q.label}; "
                "confirm the value to save it.",
            )
    return norm


def check_uln(
    code: str, uln: Decimal, unit: str | None = None, *, confirmed: bool = False
) -> Decimal:
    """A lab's upper limit of normal, normalised. It is a value of the same analyte in the same
    unit, so the same ranges catch a typo (999,999 U/L); it must also be above 0. Messages
    say it is the ULN: "ULN (CK): ..."."""
    q = QUANTITIES[code]
    unit = q.unit if unit is None else unit
    prefix = f"ULN ({q.label})"
    if isinstance(uln, Decimal) and uln.is_finite() and uln <= 0:
        raise OutOfRange(code, uln, unit, f"{prefix}: {fmt(uln)} {unit} must be above 0 {unit}.")
    try:
        return check(code, uln, unit, confirmed=confirmed)
    except MeasurementError as exc:
        # check()'s message starts with the analyte ("CK: ..."): say it is the ULN.
        raise type(exc)(code, uln, unit, f"{prefix}: {exc.message.split(': ', 1)[1]}") from None
