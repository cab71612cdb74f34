"""Import a FHIR R4 Bundle for an actor at a site: the FHIR door of the input layer.

The bundle is mapped (cadm.fhir.mapping); the patient is matched or registered; every row is
parsed by its kind's typed input (cadm.services.visits.TYPED_ROWS), the one place a value is
checked whatever the door; the rows are written by `results_add`, grouped by day, which checks
permission and site again and audits each write. Nothing else writes clinical rows here.

Decisions, and why:
- Permission: result.record, at one of the actor's sites (a rules admin, another site's
  clinician: refused before anything is read). Registering a patient also needs
  patient.write (patient_create checks it).
- The patient: matched by any of its identifiers (system + value) recorded at this site
  (cadm.models.PatientIdentifier); identifiers that name two of our patients are refused. Not
  found: registered through `patient_create` with `PatientInput`, and its identifiers
  recorded; a Patient without any identifier is refused (nothing could match it again, and a
  second import would register it twice). The disease dates a registration needs come from a
  dermatomyositis Condition of the bundle or from the caller (`new_patient`), never guessed.
- Unusual values: an EHR's result is a laboratory's measurement, a deliberate record as a
  case file is, so the soft ranges of §6.2 count as confirmed; the hard ranges still refuse.
- Dedupe (importing the same bundle twice imports nothing twice): each row keeps the key of
  the Observation it came from (cadm.fhir.sources: identifier, else fullUrl, else id) with a
  digest of its content (cadm.models.RecordSource). A known key with the same digest is
  skipped ("already imported"); a known key with a new digest (a corrected Observation)
  imports the new value and then marks our row entered in error, "replaced by the source's
  correction": a correction the services refuse (reported, in a partial import) leaves our
  row as it was rather than withdrawn with nothing in its place. A row without a key, or
  with a new key, is also compared by content: a current row of the same kind, day and
  values (typed by hand, or imported before under another key) is not written again, and the
  new key is linked to it.
- Visits (our own export's examinations, cadm.fhir.visits): each parsed by VisitInput and
  recorded by `visit_record`, deduped by the same keys (cadm.fhir.import_visits).
- Our export's other kinds (a 6-minute walk, HRCT, muscle study, skin biopsy, retinal
  screening, PPF judgement, cancer-screening panel, medication course: cadm.fhir.walks,
  records, medications) are result rows like the labs: their typed input, `results_add` on
  their day (a course's: its start), the same dedupe, correction and entered-in-error.
- A new patient's subtype on record, refractory-disease marker and high
  nasopharyngeal-cancer-risk region come from our export's extensions (cadm.fhir.patients),
  through PatientInput as its other details; a matched patient's details are never changed
  by an import (its page is where they are corrected).
- `entered-in-error` at the source marks the row imported from that Observation entered in
  error (record_mark_entered_in_error, audited); none: skipped with the reason.
- All or nothing: any refusal (mapping, parsing, the services' own checks) saves nothing
  unless `partial=True`, which saves every row that passes and reports the others.
- Audited: each write by its service (patient.create, results.add, record.entered_in_error)
  and the import itself (`fhir.import`: counts and ids only, no patient data).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cadm.exceptions import DomainError, RowInvalid, require
from cadm.forms.results import medication_context
from cadm.inputs import Context, InputInvalid, PatientInput, VisitInput
from cadm.models import Patient, RecordSource, RecordStatus, Site
from cadm.permissions import Perm, site_ids_of
from cadm.sections import get_section
from cadm.services.audit import audit_record
from cadm.services.corrections import record_mark_entered_in_error
from cadm.services.evaluation import evaluation_after_commit
from cadm.services.patient_identifiers import identifiers_at_site, patient_identifiers_add
from cadm.services.patients import patient_create
from cadm.services.visits import TYPED_ROWS, results_add

from . import sources
from .import_report import Imported, ImportReport, Refusal, accepted_for, as_text, shown_at
from .import_visits import visit_import
from .mapping import MappedRow, Skipped, map_bundle, resource_paths

DISEASE_DATES = ("skin_onset_date", "diagnosis_date")
# Read from our export's extensions; absent, PatientInput's defaults (none, no, no).
RECORD_FIELDS = ("recorded_subtype", "refractory_disease", "high_npc_risk_region")
DATES_HINT = ("A new patient's disease dates come from a Condition coded dermatomyositis "
              "(SNOMED CT 396230008 or ICD-10 M33.1: its onset and recordedDate), or are given "
              "with the import (skin_onset_date and diagnosis_date); they are never guessed.")


def current_day() -> date:
    """The day dates are checked against (a seam for tests pinned to a day)."""
    return timezone.localdate()


class _Rollback(Exception):
    """Raised inside the transaction so that a refused import keeps nothing."""


def fhir_import(*, actor, site: Site, bundle: dict, partial: bool = False,
                new_patient: Mapping | None = None, today: date | None = None) -> ImportReport:
    """Import `bundle` at `site`; see the module's docstring. Raises PermissionDenied for an
    actor who may not record results at `site`; every other problem is in the report."""
    require(actor, Perm.RESULT_RECORD)
    if site.pk not in site_ids_of(actor):
        raise PermissionDenied("The site is not one of your sites.")
    today = today or current_day()
    report = ImportReport(partial=partial)
    mapped = map_bundle(bundle)
    report.skipped += mapped.skipped
    report.refused += [Refusal(path, shown_at(bundle, path), "", message)
                       for path, message in mapped.refused]
    plan = _Plan(actor=actor, site=site, bundle=bundle, report=report, today=today)
    if mapped.patient is None:
        if not mapped.refused:
            report.refused.append(Refusal("Bundle", "", "", "No Patient resource: an import "
                                          "needs the patient, to match or register."))
        return report
    plan.patient_of(mapped.patient, mapped.patient_path, new_patient or {})
    results = mapped.rows + mapped.medications
    parsed = plan.parse([r for r in results if r.status != "entered-in-error"])
    parsed_visits = plan.parse_visits(mapped.visits)
    withdrawn = [r for r in results if r.status == "entered-in-error"]
    if (report.refused and not partial) or plan.unusable_patient:
        return report
    try:
        with transaction.atomic():
            plan.write(parsed, withdrawn, partial=partial, visits=parsed_visits)
            if report.refused and not partial:
                raise _Rollback
    except _Rollback:
        report.patient, report.patient_created = plan.matched, False
        report.imported, report.marked_in_error = [], []
    return report


@dataclass
class _Plan:
    actor: object
    site: Site
    bundle: dict
    report: ImportReport
    today: date
    matched: Patient | None = None
    new: PatientInput | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    unusable_patient: bool = False

    def refuse(self, path: str, value: object, accepted: str, message: str) -> None:
        self.report.refused.append(Refusal(path, as_text(value), accepted, message))

    # -- the patient -----------------------------------------------------------------------

    def patient_of(self, raw: dict, path: str, given: Mapping) -> None:
        self.identifiers = list(raw["identifiers"])
        # A value the bundle does not hold (the disease dates) is the Patient's to lack.
        self.fields = defaultdict(lambda: path, raw["fields"])
        owners = set(identifiers_at_site(self.site, self.identifiers).values())
        if len(owners) > 1:
            self.unusable_patient = True
            self.refuse(f"{path}.identifier", None, "", f"Identifiers: they name {len(owners)} "
                        f"different patients at {self.site.name}; correct the identifiers "
                        f"before importing.")
            return
        if owners:
            self.matched = Patient.objects.get(pk=owners.pop())
            self.report.patient = self.matched
            return
        if not self.identifiers:
            self.unusable_patient = True
            self.refuse(f"{path}.identifier", None, "", "Identifier: the Patient has none with "
                        "a system and a value, so no later import could find it again; it is "
                        "not registered.")
            return
        values = {k: raw.get(k) for k in ("mrn", "family_name", "given_name", "sex",
                                          "birth_date", *DISEASE_DATES, *RECORD_FIELDS)}
        values.update({k: given[k] for k in DISEASE_DATES if given.get(k)})
        try:
            self.new = PatientInput.parse({**values, "site": self.site},
                                          context=Context(today=self.today))
        except InputInvalid as exc:
            self.unusable_patient = True
            for name, problems in exc.errors.items():
                where = f"import parameter {name}" if given.get(name) else self.fields[name]
                for problem in problems:
                    message = problem.message
                    if name in DISEASE_DATES and values.get(name) is None:
                        message = f"{message} {DATES_HINT}"
                    self.refuse(where, values.get(name), "", message)

    # -- the rows ------------------------------------------------------------------------------

    def parse(self, rows: list[MappedRow]) -> list[tuple[MappedRow, object]]:
        birth = self.matched.birth_date if self.matched else \
            (self.new.birth_date if self.new else None)
        # An EHR's values are a laboratory's measurements: unusual ones count as confirmed.
        context = medication_context(today=self.today, birth_date=birth, confirmed=True)
        parsed = []
        for row in rows:
            try:
                parsed.append((row, TYPED_ROWS[row.section_key].parse(row.raw, context=context)))
            except InputInvalid as exc:
                for name, problems in exc.errors.items():
                    for problem in problems:
                        self.refuse(row.fields.get(name, row.path), row.raw.get(name),
                                    accepted_for(row.section_key, row.raw, name), problem.message)
        return parsed

    # -- the writes ---------------------------------------------------------------------------

    def parse_visits(self, rows: list[MappedRow]) -> list[tuple[MappedRow, VisitInput]]:
        birth = self.matched.birth_date if self.matched else \
            (self.new.birth_date if self.new else None)
        # Confirmed, as results are: an examination recorded at the source is deliberate.
        context = Context(today=self.today, birth_date=birth, confirmed=True)
        parsed = []
        for row in rows:
            try:
                parsed.append((row, VisitInput.parse(row.raw, context=context)))
            except InputInvalid as exc:
                for name, problems in exc.errors.items():
                    for problem in problems:
                        self.refuse(row.fields.get(name, row.path), row.raw.get(name), "",
                                    problem.message)
        return parsed

    def write(self, parsed, withdrawn: list[MappedRow], *, partial: bool,
              visits: list | None = None) -> None:
        if self.matched is not None:
            # One import per patient at a time: two copies of a bundle sent at once would
            # otherwise both find nothing imported yet, and both write.
            Patient.objects.select_for_update().filter(pk=self.matched.pk).first()
        patient = self.matched or self._register()
        if patient is None:
            return
        self.report.patient = patient
        if self.matched is not None:
            self._link_identifiers(patient)
        for row, typed in visits or ():
            self._add_visit(patient, row, typed, partial=partial)
        by_day: dict[date, list] = defaultdict(list)
        seen: set = set()
        for row, typed in parsed:
            keys = self._keys(row)
            replaced = self._replaced(patient, row, keys)
            if replaced is None or self._same(patient, row, typed, keys, seen, replaced):
                continue
            by_day[typed.observed_on].append((row, typed, keys, replaced))
        for day in sorted(by_day):
            self._add_day(patient, day, by_day[day], partial=partial)
        for row in withdrawn:
            self._withdraw(patient, row)
        audit_record(actor=self.actor, action="fhir.import", target=patient, patient=patient,
                     detail={"created": self.report.patient_created,
                             **self.report.counts(), "partial": partial})
        if self.report.imported or self.report.patient_created:
            evaluation_after_commit(patient)

    def _add_visit(self, patient: Patient, row: MappedRow, typed, *, partial: bool) -> None:
        outcome = visit_import(actor=self.actor, patient=patient, typed=typed,
                               keys=self._keys(row))
        if outcome.refused:
            self.refuse(row.path, None, "", outcome.refused)
            if not partial:
                raise _Rollback
        elif outcome.skipped:
            self.report.skipped.append(Skipped(row.path, outcome.skipped))
        else:
            self.report.imported.append(Imported(tuple(resource_paths(row)), "visits",
                                                 outcome.visit.public_id))

    def _register(self) -> Patient | None:
        try:
            patient = patient_create(actor=self.actor, data=self.new, evaluate=False)
            patient_identifiers_add(actor=self.actor, patient=patient,
                                    identifiers=self.identifiers)
        except ValidationError as exc:  # the MRN taken at the site, an identifier clash
            for name, messages in exc.message_dict.items():
                self.refuse(self.fields[name if name in self.fields else "identifiers"],
                            getattr(self.new, name, None), "", messages[0])
            raise _Rollback from None
        self.report.patient_created = True
        return patient

    def _link_identifiers(self, patient: Patient) -> None:
        """The bundle's other identifiers, so that any of them finds the patient next time;
        one that names another patient of the site is left out (the match stands)."""
        known = identifiers_at_site(self.site, self.identifiers)
        free = [pair for pair in self.identifiers if pair not in known]
        if free:
            try:
                patient_identifiers_add(actor=self.actor, patient=patient, identifiers=free)
            except (ValidationError, PermissionDenied):
                pass  # matching already worked; linking more is a convenience

    def _keys(self, row: MappedRow) -> list[tuple[str, str]]:
        keys = []
        for path in resource_paths(row):
            found = sources.entry_of(self.bundle, path)
            if found is not None:
                key = sources.source_key(*found)
                if key is not None:
                    keys.append((key, sources.digest(found[0])))
        return keys

    def _replaced(self, patient: Patient, row: MappedRow, keys) -> list | None:
        """The sources of ours this row corrects (a known key, a new digest); None when the
        row is already ours, unchanged (skipped, with the reason)."""
        stored = {s.source_key: s for s in RecordSource.objects.filter(
            patient=patient, source_key__in=[k for k, _ in keys])}
        if keys and len(stored) == len(keys) and all(
                stored[k].digest == d for k, d in keys):
            self.report.skipped.append(Skipped(row.path, "Already imported (the same "
                                                         "Observation, unchanged)."))
            return None
        changed = [stored[k] for k, d in keys if k in stored and stored[k].digest != d]
        return list({s.record_id: s for s in changed}.values())

    def _same(self, patient: Patient, row: MappedRow, typed, keys, seen: set,
              replaced: list) -> bool:
        """True when the same values on the same day are already ours (skipped, and the key
        linked to that row) or earlier in this bundle."""
        section = get_section(row.section_key)
        # A course's start is its date (observed_on), which its fields also carry.
        fields = {k: v for k, v in typed.record_fields().items() if k != "observed_on"}
        signature = (row.section_key, typed.observed_on, tuple(sorted(map(str, fields.items()))))
        same = section.model.objects.filter(patient=patient, observed_on=typed.observed_on,
                                            status=RecordStatus.FINAL, **fields).first()
        if signature in seen or (same is not None and not replaced):
            self.report.skipped.append(Skipped(row.path, "Already recorded (the same values on "
                                                         "the same day)."))
            if same is not None:
                self._sources(patient, row.section_key, same.public_id, keys)
            return True
        seen.add(signature)
        return False

    def _add_day(self, patient: Patient, day: date, items: list, *, partial: bool) -> None:
        while items:
            rows = [(get_section(row.section_key), typed) for row, typed, _, _ in items]
            try:
                created = results_add(actor=self.actor, patient=patient, observed_on=day,
                                      rows=rows, evaluate=False)
            except RowInvalid as exc:
                row, typed, _, _ = items[exc.index]
                for name, messages in exc.error.message_dict.items():
                    self.refuse(row.fields.get(name, row.path), row.raw.get(name),
                                accepted_for(row.section_key, row.raw, name), messages[0])
                if not partial:
                    raise _Rollback from None
                items = items[:exc.index] + items[exc.index + 1:]
                continue
            except (DomainError, ValidationError) as exc:  # e.g. the day before birth
                row = items[0][0]
                self.refuse(row.fields.get("observed_on", row.path), day.isoformat(), "",
                            str(exc.messages[0] if isinstance(exc, ValidationError) else exc))
                if not partial:
                    raise _Rollback from None
                return
            for (row, _, keys, replaced), record in zip(items, created, strict=True):
                for source in replaced:
                    self._mark(patient, source.section_key, source.record_id,
                               "Replaced by the source's correction (FHIR import).")
                self._sources(patient, row.section_key, record.public_id, keys)
                self.report.imported.append(Imported(tuple(resource_paths(row)),
                                                     row.section_key, record.public_id))
            return

    def _sources(self, patient: Patient, section_key: str, record_id, keys) -> None:
        for key, digest in keys:
            RecordSource.objects.update_or_create(
                patient=patient, source_key=key,
                defaults={"digest": digest, "section_key": section_key, "record_id": record_id})

    def _withdraw(self, patient: Patient, row: MappedRow) -> None:
        keys = [k for k, _ in self._keys(row)]
        source = RecordSource.objects.filter(patient=patient, source_key__in=keys).first()
        if source is None:
            self.report.skipped.append(Skipped(row.path, "Entered in error at the source; "
                                                         "nothing here was imported from it."))
            return
        record = self._mark(patient, source.section_key, source.record_id,
                            "Entered in error at the source (FHIR import).")
        if record is None:
            self.report.skipped.append(Skipped(row.path, "Entered in error at the source; "
                                                         "ours is already marked so."))
            return
        self.report.marked_in_error.append(Imported(tuple(resource_paths(row)),
                                                    source.section_key, source.record_id))

    def _mark(self, patient: Patient, section_key: str, record_id, reason: str):
        section = get_section(section_key)
        record = section.model.objects.filter(patient=patient, public_id=record_id).first()
        if record is None or record.status == RecordStatus.ENTERED_IN_ERROR:
            return None
        return record_mark_entered_in_error(actor=self.actor, patient=patient, section=section,
                                            record=record, reason=reason)
