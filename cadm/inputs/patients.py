"""A patient's registration or a correction of its details."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date

from cadm.models import Patient, Site

from .base import Collector, Context, coerce, day

LABELS = {"site": "Site", "mrn": "MRN", "family_name": "Family name",
          "given_name": "Given name", "sex": "Sex", "birth_date": "Birth date",
          "skin_onset_date": "Skin onset date", "diagnosis_date": "Diagnosis date",
          "recorded_subtype": "Recorded subtype", "refractory_disease": "Refractory disease",
          "high_npc_risk_region": "From a high nasopharyngeal-cancer region",
          "notes": "Notes"}
REQUIRED = ("mrn", "family_name", "given_name", "sex", "birth_date", "skin_onset_date",
            "diagnosis_date")
DEFAULTS = {"recorded_subtype": "", "refractory_disease": False,
            "high_npc_risk_region": False, "notes": ""}


@dataclass(frozen=True)
class PatientInput:
    """Patient details checked once. For a registration every required field is there; for a
    correction (`partial=True`) only the fields given are, listed in `given`.

    `site` is where the patient is registered: a Site the door resolved (the form from the
    user's sites, the case loader from --site). The input says nothing about whether the actor
    may write there: the service decides (cadm.services.patients)."""

    given: frozenset[str]
    site: Site | None = None
    mrn: str = ""
    family_name: str = ""
    given_name: str = ""
    sex: str = ""
    birth_date: date | None = None
    skin_onset_date: date | None = None
    diagnosis_date: date | None = None
    recorded_subtype: str = ""
    refractory_disease: bool = False
    high_npc_risk_region: bool = False
    notes: str = ""
    # The diagnosis precedes the skin onset and the user said so.
    dates_confirmed: bool = field(default=False, compare=False)

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context, partial: bool = False) -> PatientInput:
        """Raises InputInvalid keyed by field. Dates: none after today; onset and diagnosis
        not before birth (the birth date given, else `context.birth_date` for a correction).
        `context.confirmed` is the user's "diagnosis before onset" confirmation, carried to
        the service, which checks that order against the stored record (a correction may
        change one date only)."""
        p = Collector()
        names = [f.name for f in fields(cls) if f.name in LABELS]
        given = [n for n in names if n in raw] if partial else names
        values: dict[str, object] = {}
        if "site" in given:
            site = raw.get("site")
            if not isinstance(site, Site):
                p.add("site", "Site: required; choose one of your sites.", "required")
            values["site"] = site
        for name in (n for n in given if n != "site"):
            value = coerce(p, Patient, name, raw.get(name), label=LABELS[name],
                           required=name in REQUIRED)
            if value is None and name in DEFAULTS and not p.has(name):
                value = DEFAULTS[name]
            values[name] = value
        if isinstance(values.get("mrn"), str):
            values["mrn"] = values["mrn"].strip()
        birth = values.get("birth_date")
        if birth is not None:
            birth = values["birth_date"] = day(p, "birth_date", birth, label="Birth date",
                                               context=context, birth_date=None)
        elif "birth_date" not in given:
            birth = context.birth_date
        for name in ("skin_onset_date", "diagnosis_date"):
            if values.get(name) is not None:
                values[name] = day(p, name, values[name], label=LABELS[name],
                                   context=context, birth_date=birth)
        p.done()
        return cls(given=frozenset(given), dates_confirmed=context.confirmed,
                   **{k: v for k, v in values.items() if v is not None})

    def changes(self) -> dict:
        """The fields given, as the Patient's columns."""
        return {name: getattr(self, name) for name in sorted(self.given)}
