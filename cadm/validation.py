"""Checks at the boundary shared by forms, the API and the case-file loader.

Each raises django.core.exceptions.ValidationError with a message that names the field,
the value and what is accepted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from cadm.exceptions import DomainError
from cadm.rules import measurements


def check_date(label: str, day: date, *, today: date, birth_date: date | None = None) -> None:
    if day > today:
        raise ValidationError(
            f"{label}: {day.isoformat()} is in the future; accepted: up to today "
            f"({today.isoformat()}).",
            code="future_date",
        )
    if birth_date is not None and day < birth_date:
        raise ValidationError(
            f"{label}: {day.isoformat()} is before the patient's birth date "
            f"({birth_date.isoformat()}); accepted: {birth_date.isoformat()} to "
            f"{today.isoformat()}.",
            code="before_birth",
        )


def check_date_or_refuse(label: str, day: date, *, today: date,
                         birth_date: date | None = None) -> None:
    """check_date for a service whose refusals are DomainErrors (one message, no field)."""
    try:
        check_date(label, day, today=today, birth_date=birth_date)
    except ValidationError as exc:
        raise DomainError(exc.messages[0]) from None


def check_measurement(
    code: str, value: Decimal, unit: str | None = None, *, confirmed: bool = False
) -> Decimal:
    """Normalise and range-check one value (clinical-reference.md §6.2); returns it normalised."""
    try:
        return measurements.check(code, value, unit, confirmed=confirmed)
    except measurements.NeedsConfirmation as exc:
        raise ValidationError(exc.message, code="needs_confirmation") from exc
    except measurements.MeasurementError as exc:
        raise ValidationError(exc.message, code="implausible") from exc


def normalise_unit(code: str, value: Decimal, unit: str) -> Decimal:
    try:
        return measurements.normalise(code, value, unit)
    except measurements.MeasurementError as exc:
        raise ValidationError(exc.message, code="unit") from exc
