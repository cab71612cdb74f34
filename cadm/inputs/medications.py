"""Medication courses: the rule set's typo guard on a daily dose.

`dose_refusal` needs no database and no Django: the rule set's parameters are passed in, so
`evaluate_case` (rule set from the code or a stored version) and `import_case` / the pages
(the active version) refuse the same doses with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from cadm.rules import vocabulary as v
from cadm.rules.measurements import fmt

DRUG_LABELS = v.labels(v.DRUGS)


def dose_refusal(drug: str, dose: Decimal | float | int | None, *,
                 rule_params: Mapping[str, object], rule_set: int | None) -> str | None:
    """The refusal of a daily dose, or None. The highest accepted dose per drug is a typo
    guard of the rule set (`entry.max_dose_mg_per_day.<drug>`, UNVERIFIED); a drug without
    one (e.g. "other") has only the lower bound."""
    if dose is None or not drug:
        return None
    dose = Decimal(str(dose)) if not isinstance(dose, Decimal) else dose
    top = rule_params.get(f"entry.max_dose_mg_per_day.{drug}")
    name = DRUG_LABELS.get(drug, drug).lower()
    version = f" (rule set v{rule_set})" if rule_set is not None else ""
    if top is None:
        if dose > 0:
            return None
        return f"Dose (mg/day): {fmt(dose)} mg/day must be above 0 mg/day."
    top = Decimal(str(top))
    if 0 < dose <= top:
        return None
    return (f"Dose (mg/day): {fmt(dose)} mg/day is outside the accepted range for {name}: "
            f"above 0 up to {fmt(top)} mg/day{version}.")
