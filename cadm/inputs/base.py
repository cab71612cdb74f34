"""What every input shares: the context, the one exception, and field coercion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import BaseTemporalField

from cadm.exceptions import DomainError
from cadm.forms.messages import GENERIC_CODES, rewritten
from cadm.validation import check_date


@dataclass(frozen=True)
class Context:
    """What a parser may need beyond the values: never a request, never a query."""

    today: date
    birth_date: date | None = None
    # The user ticked "confirm unusual values" (a case file always counts as confirmed).
    confirmed: bool = False
    # The active rule set's `entry.*` parameters and its number, for the dose guard.
    rule_params: Mapping[str, object] = field(default_factory=dict)
    rule_set: int | None = None


@dataclass(frozen=True)
class Problem:
    message: str
    code: str


class InputInvalid(DomainError):
    """Values refused by a parser. `errors`: field -> problems (message and code), in the order
    found; every message names the field, the value and what is accepted."""

    def __init__(self, errors: Mapping[str, list[Problem]]) -> None:
        self.errors = {name: list(problems) for name, problems in errors.items()}
        super().__init__(" ".join(p.message for ps in self.errors.values() for p in ps))

    @property
    def message_dict(self) -> dict[str, list[str]]:
        return {name: [p.message for p in ps] for name, ps in self.errors.items()}

    def first(self) -> tuple[str, str]:
        name, problems = next(iter(self.errors.items()))
        return name, problems[0].message

    def as_validation_error(self) -> ValidationError:
        """The same errors for Django (forms, model-style service refusals), codes kept."""
        return ValidationError({name: [ValidationError(p.message, code=p.code) for p in ps]
                                for name, ps in self.errors.items()})


class Collector:
    """Gathers the problems of one parse; `done()` raises them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[Problem]] = {}

    def add(self, name: str, message: str, code: str = "invalid_input") -> None:
        self.errors.setdefault(name, []).append(Problem(message, code))

    def add_validation_error(self, name: str, exc: ValidationError) -> None:
        for error in exc.error_list:
            self.add(name, error.messages[0] if error.params else str(error.message),
                     error.code or "invalid_input")

    def has(self, *names: str) -> bool:
        return any(name in self.errors for name in names)

    def done(self) -> None:
        if self.errors:
            raise InputInvalid(self.errors)


_MISSING = object()


def coerce(problems: Collector, model: type[models.Model], name: str, raw: object, *,
           label: str, required: bool = False, quantity: str | None = None,
           unit: str = "") -> object:
    """`raw` as the model field `name` stores it, checked by the field's own form field (so a
    type error reads exactly as on the page); None, with a problem added, if refused."""
    form_field = model._meta.get_field(name).formfield(required=required, label=label)
    if form_field is None:  # e.g. a field without a form field: take the value as it is
        return raw
    return coerce_field(problems, name, form_field, raw, label=label, quantity=quantity,
                        unit=unit)


def coerce_field(problems: Collector, name: str, form_field: forms.Field, raw: object, *,
                 label: str, quantity: str | None = None, unit: str = "") -> object:
    """`raw` through a form field (no widget, no HTML), for values that no model field
    describes the way the pages take them (a list of codes, a bounded number)."""
    if isinstance(form_field, forms.CharField):
        form_field.strip = False  # the parser keeps what was sent; stripping is the form's
    if isinstance(raw, list | tuple | dict) and not isinstance(
            form_field, forms.MultipleChoiceField | forms.JSONField):
        # A JSON door can send a structure where one value belongs; a text field would
        # otherwise store its Python spelling.
        problems.add(name, f"{label}: a list or an object is not accepted; send one value.",
                     "invalid")
        return None
    if isinstance(raw, bool | int | float) and isinstance(form_field, BaseTemporalField):
        raw = str(raw)  # a date field reads text only; the number is then refused in words
    try:
        value = form_field.clean(raw)
    except ValidationError as exc:
        error = exc.error_list[0]
        shown = raw
        if isinstance(raw, list | tuple) and error.params and "value" in error.params:
            shown = error.params["value"]  # the one code of a list refused, as the form says
        if error.code in GENERIC_CODES:
            problems.add(name, rewritten(label=label, code=error.code, field=form_field,
                                         value=shown, quantity=quantity, unit=unit,
                                         params=error.params), error.code)
        else:
            problems.add_validation_error(name, exc)
        return None
    return value


def day(problems: Collector, name: str, value: date | None, *, label: str,
        context: Context, birth_date: date | None = _MISSING) -> date | None:
    """A date not after today, nor before birth (the context's unless one is given)."""
    if value is None:
        return None
    birth = context.birth_date if birth_date is _MISSING else birth_date
    try:
        check_date(label, value, today=context.today, birth_date=birth)
    except ValidationError as exc:
        problems.add_validation_error(name, exc)
        return None
    return value


def decimal_or_none(value: object) -> Decimal | None:
    return value if isinstance(value, Decimal) else None
