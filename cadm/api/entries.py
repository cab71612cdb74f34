"""The bodies of visit and result writes, read as a door of the input layer (cadm.inputs).

A result row is a JSON object of the fields its page row takes (the form's fields, the keys of
`row_fields`), each value going as it is to the kind's typed input (cadm.services.visits
.TYPED_ROWS), the one place it is checked: a bad value gets the page's message, keyed by its
path in the body (`results[2].value`). An unknown field is refused rather than dropped, as a
misspelt key would otherwise vanish without a word. `confirm_unusual` (true/false) confirms
values in the soft range of clinical-reference.md §6.2, as the page's tick box does.

The services (visit_record, results_add) then check permission, site and what needs the
database (the rule set's dose guard, the model's own constraints)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils import timezone
from rest_framework.exceptions import ValidationError

from cadm.forms.results import medication_context
from cadm.inputs import Context, InputInvalid, VisitInput
from cadm.inputs.corrections import EnteredInErrorInput
from cadm.inputs.visits import LABELS as VISIT_LABELS
from cadm.models import Patient
from cadm.sections import ResultSection, all_sections, get_section
from cadm.services.visits import TYPED_ROWS

CONFIRM = "confirm_unusual"
DATE = "observed_on"
VISIT_FIELDS = tuple(VISIT_LABELS)


def today() -> date:
    """The day dates are checked against (a seam for tests pinned to a day)."""
    return timezone.localdate()


def row_fields(section: ResultSection) -> tuple[str, ...]:
    """The fields a row of this kind takes: those of its page row."""
    return tuple(section.form_class._meta.fields)


def writable_sections() -> list[ResultSection]:
    """The kinds a program may write: those whose rows are typed inputs."""
    return [s for s in all_sections() if s.key in TYPED_ROWS]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _object(raw, path: str) -> Mapping:
    if not isinstance(raw, dict):
        raise ValidationError({path or "body": ["Must be a JSON object."]} if path else
                              "The body must be a JSON object.")
    return raw


def unknown_fields(raw: Mapping, accepted, prefix: str = "") -> dict[str, list[str]]:
    listed = ", ".join(accepted)
    return {_join(prefix, name): [f"Unknown field; accepted: {listed}."]
            for name in sorted(set(raw) - set(accepted))}


def confirmed(body: Mapping) -> bool:
    value = body.get(CONFIRM, False)
    if not isinstance(value, bool):
        raise ValidationError({CONFIRM: [f"Confirm unusual values: {value!r} is not true or "
                                         f"false."]})
    return value


def _context(patient: Patient, body: Mapping, section: ResultSection | None) -> Context:
    if section is not None and section.key == "medications":  # the rule set's dose guard
        return medication_context(today=today(), birth_date=patient.birth_date,
                                  confirmed=confirmed(body))
    return Context(today=today(), birth_date=patient.birth_date, confirmed=confirmed(body))


def _parse_row(section: ResultSection, raw: Mapping, *, context: Context, prefix: str,
               dated: bool, errors: dict) -> object | None:
    accepted = (*row_fields(section), *((DATE,) if dated and DATE not in row_fields(section)
                                        else ()))
    problems = unknown_fields(raw, accepted, prefix)
    if dated:
        raw = {**raw, DATE: raw.get(DATE)}  # the parser checks the date only when present
    row = None
    try:
        row = TYPED_ROWS[section.key].parse(raw, context=context)
    except InputInvalid as exc:
        for name, messages in exc.message_dict.items():
            problems.setdefault(_join(prefix, name), []).extend(messages)
    errors.update(problems)
    return None if problems else row


def result_body(section: ResultSection, body, *, patient: Patient) -> object:
    """One result posted on its own: its fields and `observed_on`, the date of the results
    (for a medication, its start)."""
    body = _object(body, "")
    if section.key not in TYPED_ROWS:
        raise ValidationError(f"{section.title} cannot be written through the API yet.")
    errors: dict[str, list[str]] = {}
    raw = {k: v for k, v in body.items() if k != CONFIRM}
    row = _parse_row(section, raw, context=_context(patient, body, section), prefix="",
                     dated=True, errors=errors)
    if errors:
        raise ValidationError(errors)
    return row


def visit_body(body, *, patient: Patient) -> tuple[VisitInput, list[tuple[ResultSection,
                                                                            object]]]:
    """A visit: its examination (the visit page's fields), and `results`, a list of rows
    each naming its `kind`, recorded with the visit on its date."""
    body = _object(body, "")
    errors = unknown_fields(body, (*VISIT_FIELDS, CONFIRM, "results"), "")
    context = Context(today=today(), birth_date=patient.birth_date, confirmed=confirmed(body))
    visit = None
    try:
        visit = VisitInput.parse({k: v for k, v in body.items() if k in VISIT_FIELDS},
                                 context=context, partial=True)
        if "visit_on" not in visit.given:
            errors["visit_on"] = ["Visit date: required (YYYY-MM-DD)."]
    except InputInvalid as exc:
        errors.update(exc.message_dict)
    rows = _visit_rows(body.get("results", []), patient=patient, body=body, errors=errors)
    if errors:
        raise ValidationError(errors)
    return visit, rows


def _visit_rows(results, *, patient: Patient, body: Mapping, errors: dict) -> list:
    if not isinstance(results, list):
        errors["results"] = ["Results: a list of result objects, each with its kind."]
        return []
    kinds = [s.key for s in writable_sections()]
    rows = []
    for index, raw in enumerate(results):
        prefix = f"results[{index}]"
        if not isinstance(raw, dict):
            errors[prefix] = ["Must be a JSON object."]
            continue
        kind = raw.get("kind")
        if kind not in kinds:
            errors[f"{prefix}.kind"] = [f"Kind: {kind!r} is not one of the kinds; accepted: "
                                        f"one of: {', '.join(kinds)}."]
            continue
        section = get_section(kind)
        fields = {k: v for k, v in raw.items() if k != "kind"}
        row = _parse_row(section, fields, context=_context(patient, body, section),
                         prefix=prefix, dated=False, errors=errors)
        if row is not None:
            rows.append((section, row))
    return rows


def reason_body(body, *, what: str) -> EnteredInErrorInput:
    """The reason of an entered-in-error mark, read by its typed input (the page's words)."""
    body = _object(body, "")
    errors = unknown_fields(body, ("reason",), "")
    mark = None
    try:
        mark = EnteredInErrorInput.parse(body, what=what)
    except InputInvalid as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return mark
