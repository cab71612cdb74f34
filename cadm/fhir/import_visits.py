"""Writing an imported visit (cadm.fhir.visits maps it): through `visit_record`, the one door
for visits, deduped as the importer dedupes result rows (cadm.fhir.sources), so that
importing the same bundle twice records no visit twice.

- The Observation's key known with the same digest: "already imported", nothing written.
- Known with a new digest (the source corrected the examination): our visit from it is marked
  entered in error (`visit_mark_entered_in_error`, audited) and the new one recorded, as a
  corrected lab replaces ours.
- Otherwise a current visit of the patient on that day with the same examination (typed by
  hand, or imported under another key) is not recorded again; the key is linked to it.
The importer turns what this returns into its report; nothing here builds one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from cadm.exceptions import DomainError
from cadm.inputs import VisitInput
from cadm.models import Patient, RecordSource, RecordStatus, Visit
from cadm.services.visits import visit_mark_entered_in_error, visit_parts, visit_record

SECTION_KEY = "visits"  # RecordSource.section_key of a visit
COMPARED = ("assessed", "skin", "weakness", "symptoms", "mmt8", "weight_kg", "notes")


@dataclass(frozen=True)
class VisitOutcome:
    visit: Visit | None = None   # recorded now
    skipped: str = ""            # why nothing was recorded
    refused: str = ""            # the service's own words


def _examination(data: dict) -> tuple:
    data = {**data, "assessed": visit_parts(data)}  # as visit_record completes it on save
    lists = ("assessed", "skin", "weakness", "symptoms")
    return tuple(sorted(data.get(k) or []) if k in lists else (data.get(k) or "")
                 if k == "notes" else data.get(k) for k in COMPARED)


def _same_visit(patient: Patient, typed: VisitInput) -> Visit | None:
    wanted = _examination(typed.visit_data())
    for visit in Visit.objects.filter(patient=patient, visit_on=typed.visit_on,
                                      status=RecordStatus.FINAL):
        if _examination({k: getattr(visit, k) for k in COMPARED}) == wanted:
            return visit
    return None


def _link(patient: Patient, visit: Visit, keys) -> None:
    for key, digest in keys:
        RecordSource.objects.update_or_create(
            patient=patient, source_key=key,
            defaults={"digest": digest, "section_key": SECTION_KEY,
                      "record_id": visit.public_id})


def visit_import(*, actor, patient: Patient, typed: VisitInput, keys) -> VisitOutcome:
    stored = {s.source_key: s for s in RecordSource.objects.filter(
        patient=patient, source_key__in=[k for k, _ in keys])}
    if keys and len(stored) == len(keys) and all(stored[k].digest == d for k, d in keys):
        return VisitOutcome(skipped="Already imported (the same Observation, unchanged).")
    changed = {s.record_id for k, d in keys if (s := stored.get(k)) and s.digest != d}
    for visit in Visit.objects.filter(patient=patient, public_id__in=changed,
                                      status=RecordStatus.FINAL):
        visit_mark_entered_in_error(actor=actor, visit=visit,
                                    reason="Replaced by the source's correction (FHIR import).")
    same = None if changed else _same_visit(patient, typed)
    if same is not None:
        _link(patient, same, keys)
        return VisitOutcome(skipped="Already recorded (the same examination on the same day).")
    try:
        visit = visit_record(actor=actor, patient=patient, visit_data=typed, rows=[],
                             evaluate=False)
    except (PermissionDenied, DomainError) as exc:
        return VisitOutcome(refused=f"Visit: {exc}")
    except ValidationError as exc:
        return VisitOutcome(refused=f"Visit: {' '.join(exc.messages)}")
    _link(patient, visit, keys)
    return VisitOutcome(visit=visit)
