"""One laboratory result: analyte, value, unit, the lab's upper limit of normal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from cadm.models import LabResult
from cadm.rules import measurements
from cadm.validation import check_measurement

from .base import Collector, Context, coerce, day

LABELS = {"analyte": "Analyte", "value": "Value", "unit": "Unit", "upper_limit": "ULN",
          "lab_name": "Laboratory", "observed_on": "Date of the results"}


@dataclass(frozen=True)
class LabInput:
    """A lab result checked once: the value as entered, normalised to the analyte's unit with
    its LOINC code; the ULN in the same unit, normalised the same way. `observed_on` is None
    when the date comes from the page (the visit's or the results' date)."""

    analyte: str
    value: Decimal
    unit: str
    value_normalised: Decimal
    unit_normalised: str
    loinc: str
    upper_limit: Decimal | None = None
    upper_limit_normalised: Decimal | None = None
    lab_name: str = ""
    observed_on: date | None = None

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> LabInput:
        """Raises InputInvalid keyed by the fields above. A value in the soft range of §6.2
        is refused unless `context.confirmed`; outside the hard range, always."""
        p = Collector()
        analyte = coerce(p, LabResult, "analyte", raw.get("analyte"), label=LABELS["analyte"],
                         required=True)
        unit = coerce(p, LabResult, "unit", raw.get("unit"), label=LABELS["unit"],
                      required=True)
        quantity = analyte if analyte in measurements.QUANTITIES else None
        value = coerce(p, LabResult, "value", raw.get("value"), label=LABELS["value"],
                       quantity=quantity)
        if value is None and not p.has("value"):
            p.add("value", "Value: enter the result, or clear the row.", "required")
        uln = coerce(p, LabResult, "upper_limit", raw.get("upper_limit"),
                     label=LABELS["upper_limit"], quantity=quantity)
        lab_name = coerce(p, LabResult, "lab_name", raw.get("lab_name") or "",
                          label=LABELS["lab_name"]) or ""
        normalised = uln_normalised = None
        if quantity and unit and value is not None:
            normalised = _measured(p, quantity, value, unit, context.confirmed)
            if normalised is not None and uln is not None:
                uln_normalised = _uln(p, quantity, uln, unit, context.confirmed)
        observed_on = None
        if "observed_on" in raw:  # else the page gives the date
            observed_on = coerce(p, LabResult, "observed_on", raw["observed_on"],
                                 label=LABELS["observed_on"], required=True)
            observed_on = day(p, "observed_on", observed_on, label=LABELS["observed_on"],
                              context=context)
        p.done()
        q = measurements.QUANTITIES[quantity]
        return cls(analyte=analyte, value=value, unit=unit, value_normalised=normalised,
                   unit_normalised=q.unit, loinc=q.loinc or "", upper_limit=uln,
                   upper_limit_normalised=uln_normalised, lab_name=lab_name,
                   observed_on=observed_on)

    def record_fields(self) -> dict:
        """The LabResult columns (the date excepted: the service places the row)."""
        fields = asdict(self)
        del fields["observed_on"]
        return fields


def _measured(p: Collector, analyte: str, value: Decimal, unit: str,
              confirmed: bool) -> Decimal | None:
    try:
        return check_measurement(analyte, value, unit, confirmed=confirmed)
    except ValidationError as exc:
        # A unit the analyte does not take is the unit's fault, not the value's.
        units = measurements.QUANTITIES[analyte].units
        field = "unit" if exc.code == "implausible" and unit not in units else "value"
        p.add_validation_error(field, exc)
        return None


def _uln(p: Collector, analyte: str, uln: Decimal, unit: str, confirmed: bool
         ) -> Decimal | None:
    """The lab's upper limit of normal (measurements.check_uln: above 0, the analyte's ranges)."""
    try:
        return measurements.check_uln(analyte, uln, unit, confirmed=confirmed)
    except measurements.NeedsConfirmation as exc:
        p.add("upper_limit", exc.message, "needs_confirmation")
    except measurements.MeasurementError as exc:
        p.add("upper_limit", exc.message, "implausible")
    return None
