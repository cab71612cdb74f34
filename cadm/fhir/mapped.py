"""What the mapper gives (cadm.fhir.mapping's contract): rows for the typed inputs, with the
FHIR path of every value, and the resources skipped or refused, each with its reason.

The CDS Hooks service evaluates prefetched FHIR data through these without storing anything,
and the importer writes them; both read the same fields, so they are frozen here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MappedRow:
    section_key: str        # a key of cadm.sections / cadm.services.visits.TYPED_ROWS
    raw: dict               # the typed input's raw fields, including "observed_on" (ISO date)
    path: str               # FHIR path of the resource, e.g. "Bundle.entry[3].resource"
    fields: dict[str, str]  # input field -> FHIR path of the element it came from
    status: str             # the Observation.status


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Mapped:
    # Raw PatientInput fields (sex, birth_date, family_name, given_name, mrn, and the disease
    # dates when a dermatomyositis Condition gives them), plus "identifiers": [(system,
    # value), ...] and "fields": {input field: FHIR path}, which no parser reads.
    patient: dict | None
    patient_path: str | None
    rows: list[MappedRow]
    skipped: list[Skipped]
    refused: list[tuple[str, str]]  # (FHIR path, message): values we cannot accept at all
    # Visits' examinations (section_key "visits", raw: a VisitInput's fields), from our own
    # export (cadm/fhir/visits.py). Apart from `rows`, which are results of a day: a visit is
    # written by visit_record, and the CDS Hooks service, which reads `rows`, is unchanged.
    visits: list[MappedRow] = field(default_factory=list)
    # Medication courses (section_key "medications", raw: a MedicationInput's fields), from
    # our own export's MedicationStatements (cadm/fhir/medications.py). Apart from `rows` as
    # visits are: a course's row carries its start as `observed_on` in its own fields, which
    # the CDS Hooks service's reading of `rows` does not expect; it is unchanged.
    medications: list[MappedRow] = field(default_factory=list)
