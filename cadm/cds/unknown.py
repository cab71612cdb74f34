"""A patient we do not hold: the active rule set evaluated on the EHR's FHIR data, stored
nowhere. The facts are built by the FHIR import's mapper (cadm.fhir.mapping), so FHIR means
the same thing here as in an import.

Until that mapper exists, no cards: an empty answer is CDS Hooks' "no guidance", never a guess.
"""

from __future__ import annotations

import importlib.util
from datetime import date

from .prefetch import HookData
from .security import Caller


def mapper_available() -> bool:
    try:
        return importlib.util.find_spec("cadm.fhir.mapping") is not None
    except ModuleNotFoundError:  # no cadm.fhir package at all
        return False


def unstored_cards(caller: Caller, data: HookData, *, base_url: str,
                   today: date) -> list[dict]:
    if not mapper_available():
        return []
    return []
