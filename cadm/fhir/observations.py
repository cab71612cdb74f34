"""One FHIR R4 Observation -> the raw values of a lab, PFT or antibody input, with the FHIR
path of each value; or why it is skipped or refused.

What is read (codes: cadm.fhir.codes, from clinical-reference.md §8):
- the code: LOINC codings of `Observation.code`; a PFT value also from a `component` (a
  spirometry panel carries FVC and DLCO as components). Where §8 verifies no LOINC, our own
  export's local coding (cadm/fhir/local_codes.py: KL-6, the antibodies, TLC % predicted);
- the date: `effectiveDateTime`, `effectivePeriod.start` or `effectiveInstant`, its day as
  written. `issued` (when the report was released) is not read as the day of the result;
- a number: `valueQuantity`, its unit the UCUM `code` (a spelling of the litre, `mg/l` or
  `ng/ml`, is the same UCUM unit as `mg/L`); the typed input then accepts the unit, converts
  it (cadm.rules.measurements: CRP mg/dL x 10, ferritin ug/L = ng/mL) or refuses it in the
  words every door uses. A PFT input takes no unit: its value is converted here by the same
  module, or refused with its message;
- a lab's upper limit of normal: `referenceRange.high`, from a range meant as normal (no
  `type`, or the type `normal`); a range with only `low`, only `text`, or another meaning
  (therapeutic, a local type code) gives none, and the rule set's default by sex applies.
  Several normal ranges that disagree (by age or sex) give none rather than a guess. Its unit,
  when it differs from the value's, is converted exactly or refused;
- an antibody's result, method, grade and titre: cadm/fhir/antibodies.py.

`admitted` is every Observation's gate (status, structure, subject, day), shared with the
readers of our other kinds (cadm/fhir/records.py, walks.py).

Values more precise than their column (a lab value to 3 decimals, a percentage to 1, FVC to
0.01 L) are rounded half-even to it: Synthea writes AST 4.1272 U/L, and refusing a lab's
fourth decimal would refuse the whole report for a digit nobody reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.apps import apps

from cadm.rules import measurements

from . import codes as c
from . import local_codes as local
from .antibodies import antibody_row
from .mapped import MappedRow, Skipped
from .structure import codings, day_of, decimal_of, shown, structure_problems


@dataclass
class Outcome:
    """What one Observation gave: rows, or one skip, or refusals (path, message)."""

    rows: list[MappedRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _loinc(concept: object) -> list[str]:
    return [code for system, code, _ in codings(concept) if system == c.LOINC]


def _what(concept: object) -> tuple[str, object] | None:
    """("labs", analyte) / ("pft", field) / ("antibodies", (antibody, method)) /
    ("not-mapped", reason) for the first LOINC code we know, else for a code of ours, else
    None."""
    for code in _loinc(concept):
        if code in c.LAB_LOINC:
            return "labs", c.LAB_LOINC[code]
        if code in c.PFT_LOINC:
            return "pft", c.PFT_LOINC[code]
        if code in c.ANTIBODY_LOINC:
            return "antibodies", c.ANTIBODY_LOINC[code]
    for code in _loinc(concept):
        if code in c.NOT_MAPPED:
            return "not-mapped", f"LOINC {code}: {c.NOT_MAPPED[code]}"
    # Our own export's codes where §8 verifies none (KL-6, most antibodies, TLC).
    found = codings(concept)
    if analyte := local.code_in(found, "lab_tests"):
        return "labs", analyte
    if code := local.code_in(found, "antibodies"):
        return "antibodies", (code, "")
    if (local.PFT, local.PFT_TLC) in {(system, code) for system, code, _ in found}:
        return "pft", "tlc_pct_predicted"
    return None


def named(concept: object) -> str:
    """The code as the skip reason names it: its first coding and display, or its text."""
    found = codings(concept)
    if found:
        system, code, display = found[0]
        where = {c.LOINC: "LOINC", c.SNOMED: "SNOMED CT"}.get(system, system or "no system")
        return f"{where} {code}" + (f" ({display})" if display else "")
    text = concept.get("text") if isinstance(concept, dict) else None
    return f"text {shown(text)}" if text else "no code"


def _pft_parts(resource: dict, path: str) -> list[tuple[str, dict, str]]:
    """(field, element holding the value, its path): the Observation itself, or its
    components coded for our PFT values."""
    what = _what(resource.get("code"))
    if what and what[0] == "pft":
        return [(what[1], resource, path)]
    parts = []
    components = resource.get("component")
    for index, component in enumerate(components if isinstance(components, list) else []):
        if isinstance(component, dict):
            found = _what(component.get("code"))
            if found and found[0] == "pft":
                parts.append((found[1], component, f"{path}.component[{index}]"))
    return parts


def effective_day(resource: dict, path: str, out: Outcome) -> tuple[str | None, str]:
    for key, sub in (("effectiveDateTime", None), ("effectivePeriod", "start"),
                     ("effectiveInstant", None)):
        if resource.get(key) is not None:
            value = resource[key].get(sub) if sub and isinstance(resource[key], dict) \
                else resource[key]
            where = f"{path}.{key}" + (f".{sub}" if sub else "")
            day = day_of(value)
            if day is None:
                out.refused.append((where, f"Date of the results: {shown(value)} is not a "
                                           f"full day; accepted: a date (YYYY-MM-DD) or "
                                           f"dateTime."))
                return None, where
            return day.isoformat(), where
    where = f"{path}.effective[x]"
    out.refused.append((where, "Date of the results: missing; accepted: effectiveDateTime, "
                               "effectivePeriod.start or effectiveInstant (issued is when the "
                               "report was released, not when the sample was taken)."))
    return None, where


# The model whose columns give a measured value its decimals (cadm never imports monitoring:
# the app registry).
_MODELS = {"labs": ("cadm", "LabResult"), "pft": ("monitoring", "PulmonaryFunctionTest"),
           "six-minute-walk": ("monitoring", "SixMinuteWalk")}


def _decimals(section_key: str, name: str) -> int:
    return apps.get_model(*_MODELS[section_key])._meta.get_field(name).decimal_places


def _rounded(value: Decimal, places: int) -> Decimal:
    if not value.is_finite():
        return value  # the input refuses it, with its message
    try:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN) \
            if value.as_tuple().exponent < -places else value
    except InvalidOperation:  # too many digits to round: the range check refuses it
        return value


def ucum(code: str) -> str:
    """UCUM writes the litre `l` or `L`: `mg/l` is `mg/L`. Nothing else is respelt."""
    for tail in ("/l", "/ml", "/dl"):
        if code.endswith(tail):
            return code[: -len(tail)] + tail[:-1] + "L"
    return code


@dataclass(frozen=True)
class Quantity:
    value: Decimal | None
    unit: str | None
    value_path: str
    unit_path: str


def _quantity(element: dict, path: str, label: str, accepted: str,
              out: Outcome) -> Quantity | None:
    """The number and UCUM unit of `element.valueQuantity`; None (and why) when there is none."""
    quantity = element.get("valueQuantity")
    if not isinstance(quantity, dict):
        absent = element.get("dataAbsentReason")
        if absent is not None:
            out.skipped.append(Skipped(path, f"{label}: no value ({named(absent)})."))
            return None
        given = next((k for k in element if k.startswith("value")), None)
        where = f"{path}.{given}" if given else f"{path}.value[x]"
        out.refused.append((where, f"{label}: a number with its UCUM unit (valueQuantity) is "
                                   f"needed; got {given or 'no value'}. Accepted units: "
                                   f"{accepted}."))
        return None
    qpath = f"{path}.valueQuantity"
    comparator = quantity.get("comparator")
    if comparator:
        out.skipped.append(Skipped(path, f"{label}: {comparator}{quantity.get('value')} is a "
                                         f"bound, not a value; enter it by hand if it matters."))
        return None
    system = quantity.get("system")
    if system and system != c.UCUM:
        out.refused.append((f"{qpath}.system", f"{label}: the unit's system {shown(system)} "
                                                f"is not UCUM ({c.UCUM}); accepted units: "
                                                f"{accepted}."))
        return None
    unit = quantity.get("code") or (None if system else quantity.get("unit"))
    unit_path = f"{qpath}.code" if quantity.get("code") else f"{qpath}.unit"
    value = decimal_of(quantity.get("value"))
    return Quantity(value, ucum(unit) if isinstance(unit, str) else unit, f"{qpath}.value",
                    unit_path)


def _normal_high(resource: dict, path: str) -> tuple[dict, str] | None:
    """The `high` of the one range meant as normal, and its path; None when there is none or
    when several normal ranges disagree."""
    ranges = resource.get("referenceRange")
    candidates = []
    for index, item in enumerate(ranges if isinstance(ranges, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("high"), dict):
            continue
        kind = item.get("type")
        if kind is not None and not any(code == "normal" for system, code, _ in codings(kind)
                                        if system == c.RANGE_MEANING):
            continue  # therapeutic, recommended, or a local meaning we cannot read
        candidates.append((item, f"{path}.referenceRange[{index}].high"))
    if len(candidates) > 1:
        general = [x for x in candidates if not x[0].get("appliesTo") and not x[0].get("age")]
        if len(general) == 1:
            candidates = general
        elif len({repr(x[0]["high"].get("value")) for x in candidates}) > 1:
            return None
    return (candidates[0][0]["high"], candidates[0][1]) if candidates else None


def _lab(resource: dict, path: str, analyte: str, out: Outcome
         ) -> tuple[dict, dict[str, str]] | None:
    q = measurements.QUANTITIES[analyte]
    accepted = " or ".join(q.units)
    found = _quantity(resource, path, q.label, accepted, out)
    if found is None:
        return None
    places = _decimals("labs", "value")
    raw = {"analyte": analyte, "unit": found.unit,
           "value": None if found.value is None else _rounded(found.value, places)}
    fields = {"analyte": f"{path}.code", "value": found.value_path, "unit": found.unit_path}
    high = _normal_high(resource, path)
    if high is not None:
        uln = _upper_limit(high[0], high[1], q, found.unit, out)
        if uln is not None:
            raw["upper_limit"] = _rounded(uln, places)
            fields["upper_limit"] = f"{high[1]}.value"
    return raw, fields


def _upper_limit(high: dict, where: str, q: measurements.Quantity, unit: str | None,
                 out: Outcome) -> Decimal | None:
    """The ULN in the value's unit: a high without a unit is in the value's (HL7's f203
    writes `{"high": {"value": 29}}`); another accepted unit is converted by its factor."""
    value = decimal_of(high.get("value"))
    if value is None:
        return None
    system = high.get("system")
    if system and system != c.UCUM:
        out.refused.append((f"{where}.system", f"ULN ({q.label}): the unit's system "
                                                f"{shown(system)} is not UCUM; accepted "
                                                f"units: {' or '.join(q.units)}."))
        return None
    own = high.get("code") or (None if system else high.get("unit"))
    own = ucum(own) if isinstance(own, str) else None
    if own is None or own == unit or unit not in q.units:
        return value  # same unit, or the value's own unit is refused by the input anyway
    if own not in q.units:
        out.refused.append((f"{where}.code", f"ULN ({q.label}): unit {own!r} is not "
                                              f"accepted; use {' or '.join(q.units)}."))
        return None
    return value * q.units[own] / q.units[unit]


def measured(part: dict, part_path: str, name: str, out: Outcome, *, section_key: str = "pft",
             quantity: str | None = None) -> tuple[Decimal, str] | None:
    """A lung value (PFT, walk) in its column's unit, as its input takes it (no unit), with
    the value's path. `quantity`: the §6.2 quantity when it is not the field's own name."""
    q = measurements.QUANTITIES[quantity or name]
    found = _quantity(part, part_path, q.label, " or ".join(q.units), out)
    if found is None:
        return None
    if found.value is None:
        out.refused.append((found.value_path, f"{q.label}: no value; accepted: "
                                              f"{measurements.range_text(q.code)}."))
        return None
    try:
        value = measurements.normalise(q.code, found.value, found.unit or "")
    except measurements.UnitNotAccepted as exc:
        out.refused.append((found.unit_path, exc.message))
        return None
    return _rounded(value, _decimals(section_key, name)), found.value_path


def resource_problems(resource: dict, path: str, patient_refs: frozenset[str] | None
                      ) -> list[tuple[str, str]]:
    """Why a resource cannot be read at all: its structure, or a subject that is not the
    bundle's patient."""
    subject = subject_problem(resource, path, patient_refs)
    return structure_problems(resource, path) + ([subject] if subject else [])


def subject_problem(resource: dict, path: str, patient_refs: frozenset[str] | None
                     ) -> tuple[str, str] | None:
    """An Observation about someone else than the bundle's patient is never attached to it."""
    subject = resource.get("subject")
    if patient_refs is None or not isinstance(subject, dict) or "reference" not in subject:
        return None
    reference = subject.get("reference")
    if isinstance(reference, str) and (reference in patient_refs or any(
            reference.endswith("/" + ref) for ref in patient_refs if ref.startswith("Patient/"))):
        return None
    return (f"{path}.subject.reference", f"Subject: {shown(reference)} is not the bundle's "
                                         f"patient; an import holds one patient's data.")


def admitted(resource: dict, path: str, patient_refs: frozenset[str] | None, out: Outcome
             ) -> tuple[str, str | None, str] | None:
    """(status, day, the day's path) of an Observation to map; None when it is skipped or
    refused, the reason in `out`: a status outside the value set, not final, not valid R4,
    about someone else, or without a day (a withdrawn one needs none: it only finds ours)."""
    status = resource.get("status")
    if not isinstance(status, str) or status not in c.ALL_STATUSES:
        out.refused.append((f"{path}.status", f"Status: {shown(status)} is not an Observation "
                                              f"status; accepted: "
                                              f"{', '.join(sorted(c.ALL_STATUSES))}."))
        return None
    if status in c.NOT_IMPORTED_STATUSES:
        out.skipped.append(Skipped(path, f"Observation {named(resource.get('code'))}: "
                                         f"{c.NOT_IMPORTED_STATUSES[status]}."))
        return None
    problems = resource_problems(resource, path, patient_refs)
    if problems:
        out.refused.extend(problems)
        return None
    in_error = status == c.ENTERED_IN_ERROR
    observed_on, date_path = effective_day(resource, path, Outcome() if in_error else out)
    if not in_error and observed_on is None:
        return None
    return status, observed_on, date_path


def observation(resource: dict, path: str, *, patient_refs: frozenset[str] | None = None
                ) -> Outcome:
    """Map one Observation. `patient_refs`: the references that name the bundle's patient
    (its fullUrl, Patient/<id>); None when the caller has no patient to check against."""
    out = Outcome()
    what = _what(resource.get("code"))
    parts = _pft_parts(resource, path) if what is None or what[0] == "pft" else []
    if what is None and not parts:
        out.skipped.append(Skipped(path, f"Observation {named(resource.get('code'))}: not "
                                         f"used by CADM."))
        return out
    if what is not None and what[0] == "not-mapped":
        out.skipped.append(Skipped(path, f"Observation {what[1]}."))
        return out
    found = admitted(resource, path, patient_refs, out)
    if found is None:
        return out
    status, observed_on, date_path = found
    in_error = status == c.ENTERED_IN_ERROR
    checked = Outcome() if in_error else out  # a withdrawn value is not checked, only found

    def row(section_key: str, raw: dict, fields: dict[str, str]) -> MappedRow:
        return MappedRow(section_key, {**raw, "observed_on": observed_on}, path,
                         {**fields, "observed_on": date_path}, status)

    if parts:
        for name, part, part_path in parts:
            found = measured(part, part_path, name, checked)
            if found is not None or in_error:
                value, value_path = found or (None, part_path)
                out.rows.append(row("pft", {name: value}, {name: value_path}))
    elif what[0] == "labs":
        found = _lab(resource, path, what[1], checked)
        if found is not None or in_error:
            out.rows.append(row("labs", *(found or ({"analyte": what[1]}, {}))))
    else:
        out.rows.append(row("antibodies", *antibody_row(resource, path, *what[1])))
    # An entered-in-error value is withdrawn: its row only finds ours; nothing is refused.
    return out
