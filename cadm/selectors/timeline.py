"""A patient's record as one dated list, newest first.

One query for visits and one per kind of result, whatever the length of the history.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from cadm.models import Patient, RecordStatus, Visit
from cadm.rules import vocabulary as v
from cadm.sections import ResultSection, all_sections, label_list

from .records import PatientRecords, patient_records


@dataclass(frozen=True)
class TimelineEntry:
    day: date
    created_at: datetime
    kind: str
    title: str
    lines: tuple[str, ...]
    recorded_by: str
    in_visit: bool
    public_id: str = ""
    entered_in_error: str = ""  # the reason, when the row was marked so
    skin_only: bool = False  # a visit that examined the skin only (a dermatologist may edit it)


def _part_line(visit: Visit, part: str, title: str, codes, vocabulary) -> str:
    """What a part of the examination found; "none" only when the part was examined."""
    if codes:
        return f"{title}: " + label_list(codes, vocabulary)
    return f"{title}: none" if part in visit.assessed else f"{title}: not examined"


def _visit_entry(visit: Visit) -> TimelineEntry:
    lines = [_part_line(visit, "skin", "Skin", visit.skin, v.SKIN_SIGNS),
             _part_line(visit, "strength", "Weakness", visit.weakness, v.WEAKNESS)]
    if visit.mmt8 is not None:
        lines.append(f"MMT-8: {visit.mmt8}/80")
    lines.append(_part_line(visit, "symptoms", "Symptoms", visit.symptoms, v.SYMPTOMS))
    if visit.weight_kg is not None:
        lines.append(f"Weight: {visit.weight_kg} kg")
    if visit.notes:
        lines.append(f"Notes: {visit.notes}")
    error = (visit.status_reason or "no reason given") \
        if visit.status == RecordStatus.ENTERED_IN_ERROR else ""
    return TimelineEntry(visit.visit_on, visit.created_at, "visit", "Visit", tuple(lines),
                         str(visit.clinician), False, str(visit.public_id), error,
                         skin_only=not set(visit.assessed) - {"skin"})


def _result_entry(section: ResultSection, record) -> TimelineEntry:
    error = (record.status_reason or "no reason given") \
        if record.status == RecordStatus.ENTERED_IN_ERROR else ""
    return TimelineEntry(record.observed_on, record.created_at, section.key, section.title,
                         (section.summary(record),), str(record.recorded_by),
                         record.visit_id is not None, str(record.public_id), error)


def record_days(records: PatientRecords) -> list[date]:
    """The days with anything recorded, newest first: what the timeline pages through."""
    days = {visit.visit_on for visit in records.visits}
    for rows in records.by_section.values():
        days.update(row.observed_on for row in rows)
    return sorted(days, reverse=True)


def patient_timeline(*, patient: Patient, records: PatientRecords | None = None,
                     days: Collection[date] | None = None) -> list[TimelineEntry]:
    """`days`: only the entries of those days (a page of the timeline); every day without."""
    records = records or patient_records(patient)
    entries = [_visit_entry(visit) for visit in records.visits
               if days is None or visit.visit_on in days]
    for section in all_sections():
        entries.extend(_result_entry(section, r) for r in records.by_section[section.key]
                       if days is None or r.observed_on in days)
    # Newest day first; within a day the visit comes first, its results under it.
    entries.sort(key=lambda e: (e.day, e.kind == "visit", e.created_at), reverse=True)
    return entries
