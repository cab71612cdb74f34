"""A synthetic cohort for the benchmarks, as large as asked, written fast.

Patients are the demo phenotypes (cadm/demo: the same builders, so the same shapes: anti-MDA5
with lung monitoring, ILD, cancer-risk factors, hydroxychloroquine safety, subtype changes),
cycled in equal shares over two sites, with histories `STRETCH` times longer than the demo's
(onset five to six years back on average, about 94 clinical rows per patient) except for the
phenotypes that are about a recent onset.

Every value goes through the typed input the pages and the case loader use (cadm.inputs, with
the loader's own mapping of the case format, cadm/services/case_loader.py), so a row here is a
row the forms would accept. Rows are then written with PostgreSQL's COPY (bulk_create on
another database), without the history and audit rows the services would add: the benchmarks
read and evaluate records, never their history.

Needs Django set up (the typed inputs import the models). Nothing here evaluates anybody.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

SEED = 20260601
# Longer histories than the demo's (about 45 rows per patient): ~94 rows per patient.
STRETCH = 2.65
# Phenotypes defined by a recent onset keep the demo's dates.
RECENT = frozenset({"skin_only_recent", "mda5_without_lung_tests", "mda5_rpild_markers"})
SITES = {"north": "North Clinic", "south": "South Clinic"}
CHUNK = 500  # patients written per batch: memory stays flat in cohort size


@dataclass
class BenchPatient:
    index: int
    phenotype: str
    site_code: str
    mrn: str
    family_name: str
    given_name: str
    case: dict


@dataclass
class Written:
    """What `cohort_write` wrote: patients, rows per table, phenotypes."""

    patients: int = 0
    rows: Counter = field(default_factory=Counter)
    phenotypes: Counter = field(default_factory=Counter)

    @property
    def clinical_rows(self) -> int:
        return sum(self.rows.values())


def _builder_class():
    from cadm.demo.builder import CaseBuilder

    class StretchedBuilder(CaseBuilder):
        """The demo's builder with the onset `stretch` times further back."""

        stretch = 1.0

        def start(self, *, onset_months, **kwargs):
            low, high = onset_months
            super().start(onset_months=(round(low * self.stretch), round(high * self.stretch)),
                          **kwargs)

    return StretchedBuilder


def phenotype_names() -> list[str]:
    from cadm.demo import PHENOTYPES

    return list(PHENOTYPES)


def bench_patient(index: int, *, today: date, seed: int = SEED) -> BenchPatient:
    """Patient number `index` of the cohort: phenotypes in turn, sites alternating."""
    from cadm.demo import PHENOTYPES, _name

    names = list(PHENOTYPES)
    label = names[index % len(names)]
    site_code = tuple(SITES)[index % len(SITES)]
    builder = _builder_class()(rng=random.Random(f"{seed}:{index}:{label}"), today=today,
                               site_code=site_code, case_id=f"bench-{index}",
                               instance=(index // len(names)) % 3)
    builder.stretch = 1.0 if label in RECENT else STRETCH
    PHENOTYPES[label](builder)
    family, given = _name(random.Random(f"{seed}:name:{index}"), builder.case["patient"]["sex"])
    return BenchPatient(index=index, phenotype=label, site_code=site_code,
                        mrn=f"B{site_code[0].upper()}{index:07d}", family_name=family,
                        given_name=given, case=builder.case)


def patient_with_visits(visits: int, *, today: date, index: int, seed: int = SEED
                        ) -> BenchPatient:
    """An amyopathic patient with exactly `visits` visits over five years, each with its CK
    (the full panel every third), plus the usual antibody panel, hydroxychloroquine with eye
    examinations and PFTs: the history grows with `visits`, the kinds of record do not."""
    from cadm.demo.builder import add_months
    from cadm.demo.subtype import EXTRAS, HALLMARKS

    b = _builder_class()(rng=random.Random(f"{seed}:visits:{visits}"), today=today,
                         site_code="north", case_id=f"bench-visits-{visits}")
    b.start(sex="female", onset_age=(35, 55), onset_months=(62, 62), recorded="amyopathic",
            diagnosis_days=(30, 30))
    b.set_skin(HALLMARKS, EXTRAS)
    span = (today - timedelta(days=10) - b.diagnosis).days
    for number in range(visits):
        b.visit(b.diagnosis + timedelta(days=span * number // max(visits - 1, 1)),
                early=number < 2)
    b.routine_labs()
    b.antibody_panel(b.day_after(b.diagnosis, 4, 21), {})
    b.hcq(b.day_after(b.diagnosis, 0, 30), eyes="annual")
    b.pft_series(add_months(b.diagnosis, 1), 95, 90)
    return BenchPatient(index=index, phenotype=f"{visits}_visits", site_code="north",
                        mrn=f"BV{visits:03d}{index:05d}", family_name="Visitcount",
                        given_name=f"Nerys{visits}", case=b.case)


# ------------------------------------------------------------------ case file -> rows
#
# Two conversions of a case file into rows. `typed=True`: every value through its typed input
# (cadm.inputs), with the case loader's mapping: what the loader would store. The default, for
# speed (the typed inputs cost ~200 us a row): labs, antibodies, PFTs and visits converted
# here with the same range checks (cadm.rules.measurements, confirmed) and vocabularies, the
# other kinds through their typed input. The writer checks that both agree on one patient in
# VERIFY_EVERY, the unit test on every patient of a small cohort.

VERIFY_EVERY = 25
_FAST = ("labs", "antibodies", "pft")


class RowRefused(ValueError):
    """A generated value the pages would refuse: a bug of the generator."""


def _decimal(value):
    from decimal import Decimal

    return None if value is None else Decimal(str(value))


def _checked_date(text: str, *, today: date, birth: date) -> date:
    day = date.fromisoformat(text)
    if not birth <= day <= today:
        raise RowRefused(f"date {day} outside {birth}..{today}")
    return day


def _codes(values, vocabulary) -> list[str]:
    from cadm.rules import vocabulary as v

    known = v.labels(vocabulary)
    unknown = [c for c in values if c not in known]
    if unknown:
        raise RowRefused(f"unknown codes {unknown}")
    return list(values)


def _fast_lab(entry: dict) -> dict:
    from cadm.rules import measurements as m

    analyte, unit = entry["test"], entry["unit"]
    q = m.QUANTITIES[analyte]
    value, uln = _decimal(entry["value"]), _decimal(entry.get("upper_limit"))
    return {"analyte": analyte, "value": value, "unit": unit,
            "value_normalised": m.check(analyte, value, unit, confirmed=True),
            "unit_normalised": q.unit, "loinc": q.loinc or "", "upper_limit": uln,
            "upper_limit_normalised": None if uln is None else m.check_uln(
                analyte, uln, unit, confirmed=True), "lab_name": ""}


def _fast_antibody(entry: dict) -> dict:
    from cadm.rules import vocabulary as v

    for key, vocabulary in (("antibody", v.ANTIBODIES), ("result", v.ANTIBODY_RESULTS),
                            ("method", v.ANTIBODY_METHODS)):
        _codes([entry[key]], vocabulary)
    grade = entry.get("grade")
    if grade is not None and not 1 <= grade <= 3:
        raise RowRefused(f"grade {grade}")
    return {"antibody": entry["antibody"], "result": entry["result"],
            "method": entry["method"], "grade": grade, "titre": "", "lab_name": ""}


def _fast_pft(entry: dict) -> dict:
    from cadm.rules import measurements as m

    row = {}
    for name in ("fvc_pct_predicted", "fvc_l", "dlco_pct_predicted", "tlc_pct_predicted"):
        value = _decimal(entry.get(name))
        if value is not None:
            m.check(name, value, None, confirmed=True)
        row[name] = value
    return row


_FAST_ROW = {"labs": _fast_lab, "antibodies": _fast_antibody, "pft": _fast_pft}


def _fast_visit(visit: dict, *, today: date, birth: date) -> dict:
    from cadm.rules import measurements as m
    from cadm.rules import vocabulary as v
    from cadm.services.visits import visit_parts

    weight, mmt8 = _decimal(visit.get("weight_kg")), visit.get("mmt8")
    for name, value in (("weight_kg", weight), ("mmt8", mmt8)):
        if value is not None:
            m.check(name, value, None, confirmed=True)
    data = {"visit_on": _checked_date(visit["date"], today=today, birth=birth),
            "assessed": [code for code, _ in _examined_parts()], "weight_kg": weight,
            "skin": _codes(visit.get("skin") or [], v.SKIN_SIGNS),
            "weakness": _codes(visit.get("weakness") or [], v.WEAKNESS), "mmt8": mmt8,
            "symptoms": _codes(visit.get("symptoms") or [], v.SYMPTOMS), "notes": ""}
    return {**data, "assessed": visit_parts(data)}


def _typed_visit(visit: dict, *, today: date, birth: date) -> dict:
    """A visit as the case loader records it (cadm/services/case_loader.py, visit_record)."""
    from cadm.inputs import Context, VisitInput
    from cadm.services.case_loader import _VISIT_KEYS
    from cadm.services.visits import visit_parts

    data = {name: visit.get(key) for key, name in _VISIT_KEYS.items()}
    data["assessed"] = [code for code, _ in _examined_parts()]
    parsed = VisitInput.parse(data, context=Context(today=today, birth_date=birth,
                                                    confirmed=True)).visit_data()
    return {**parsed, "assessed": visit_parts(parsed)}


def _examined_parts():
    from cadm.forms.visits import EXAMINED_PARTS

    return EXAMINED_PARTS


def case_rows(patient: BenchPatient, *, today: date, rule_params: dict,
              rule_set: int | None, typed: bool = False
              ) -> tuple[dict, list[dict], dict[type, list[dict]]]:
    """(patient fields, visits, result rows by model) of one case. Raises InputInvalid or
    RowRefused for a value the pages would refuse."""
    from cadm.inputs import Context, PatientInput
    from cadm.sections import get_section
    from cadm.services.case_loader import _KINDS, _TYPED, _form_data

    given = patient.case["patient"]
    raw = {"mrn": patient.mrn, "family_name": patient.family_name,
           "given_name": patient.given_name, "notes": "",
           **given, "recorded_subtype": given.get("recorded_subtype") or "",
           "refractory_disease": bool(given.get("refractory_disease"))}
    fields = PatientInput.parse(raw, context=Context(today=today, confirmed=True),
                                partial=True).changes()
    birth = fields["birth_date"]
    visit = _typed_visit if typed else _fast_visit
    visits = [visit(v, today=today, birth=birth) for v in patient.case.get("visits") or []]
    context = Context(today=today, birth_date=birth, confirmed=True, rule_params=rule_params,
                      rule_set=rule_set)
    results: dict[type, list[dict]] = {}
    for kind in _KINDS:
        model = get_section(kind.section_key).model
        fast = None if typed else _FAST_ROW.get(kind.case_key)
        for entry in patient.case.get(kind.case_key) or []:
            if fast:
                day = _checked_date(entry[kind.date_key], today=today, birth=birth)
                results.setdefault(model, []).append({"observed_on": day, **fast(entry)})
                continue
            raw = _form_data(kind, entry)
            raw["observed_on"] = entry.get(kind.date_key)
            row = _TYPED[kind.case_key].parse(raw, context=context)
            results.setdefault(model, []).append(
                {"observed_on": row.observed_on, **row.record_fields()})
    return fields, visits, results


def rows_differ(patient: BenchPatient, **kwargs) -> str:
    """'' when the fast conversion gives the typed inputs' rows; else the first difference."""
    fast, typed = (case_rows(patient, typed=t, **kwargs) for t in (False, True))
    for (name, a), b in zip((("patient", fast[0]), ("visits", fast[1])), typed[:2],
                            strict=True):
        if a != b:
            return f"{patient.mrn} {name}: {a} != {b}"
    if fast[2].keys() != typed[2].keys():
        return f"{patient.mrn}: kinds {list(fast[2])} != {list(typed[2])}"
    for model, rows in fast[2].items():
        if rows != typed[2][model]:
            pairs = [(a, b) for a, b in zip(rows, typed[2][model], strict=True) if a != b]
            return f"{patient.mrn} {model.__name__}: {pairs[:1]}"
    return ""


# ------------------------------------------------------------------ writing


class _Table:
    """One model's columns in order, with the defaults the model would fill in."""

    def __init__(self, model, now):
        from django.db import models

        self.model = model
        self.fields = [f for f in model._meta.concrete_fields
                       if not isinstance(f, models.AutoField)]
        self.columns = [f.column for f in self.fields]
        self.json = [isinstance(f, models.JSONField) for f in self.fields]
        self.defaults = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults.append(lambda now=now: now)
            else:  # the model's default, else None or "" as Django would store
                self.defaults.append(f.get_default)

    def values(self, row: dict) -> list:
        missing = _MISSING
        out = []
        for f, default, is_json in zip(self.fields, self.defaults, self.json, strict=True):
            value = row.get(f.attname, missing)
            if value is missing:
                value = row.get(f.name, missing)
                if value is missing:
                    value = default()
            out.append(_jsonb(value) if is_json and value is not None else value)
        return out


_MISSING = object()


def _jsonb(value):
    from psycopg.types.json import Jsonb

    return Jsonb(value)


class CohortWriter:
    """Writes patients and their rows: patients with bulk_create (their ids are needed), the
    rest with COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, *, sites: dict, actors: dict, today: date):
        from django.db import connection
        from django.utils import timezone

        from cadm.selectors.rulesets import ruleset_active

        self.sites, self.actors, self.today = sites, actors, today
        self.now = timezone.now()
        self.copy = connection.vendor == "postgresql"
        ruleset = ruleset_active()
        self.rule_params, self.rule_set = ruleset.params, ruleset.number
        self.tables: dict[type, _Table] = {}

    def write(self, patients: Iterable[BenchPatient], written: Written) -> None:
        from django.db import transaction

        from cadm.models import Patient, Visit

        batch = []
        rules = {"today": self.today, "rule_params": self.rule_params,
                 "rule_set": self.rule_set}
        for patient in patients:
            if patient.index % VERIFY_EVERY == 0:
                difference = rows_differ(patient, **rules)
                if difference:
                    raise RowRefused(f"fast rows differ from the typed inputs': {difference}")
            batch.append((patient, *case_rows(patient, **rules)))
            if len(batch) >= CHUNK:
                with transaction.atomic():
                    self._write_batch(batch, written, Patient, Visit)
                batch = []
        if batch:
            with transaction.atomic():
                self._write_batch(batch, written, Patient, Visit)

    def _write_batch(self, batch, written: Written, Patient, Visit) -> None:
        rows = [Patient(site=self.sites[p.site_code], created_by=self.actors[p.site_code],
                        **fields) for p, fields, _, _ in batch]
        Patient.objects.bulk_create(rows)
        by_model: dict[type, list[dict]] = {}
        for stored, (patient, _, visits, results) in zip(rows, batch, strict=True):
            actor = self.actors[patient.site_code].pk
            by_model.setdefault(Visit, []).extend(
                {**v, "patient_id": stored.pk, "clinician_id": actor} for v in visits)
            for model, entries in results.items():
                by_model.setdefault(model, []).extend(
                    {**e, "patient_id": stored.pk, "recorded_by_id": actor} for e in entries)
            written.phenotypes[patient.phenotype] += 1
        written.patients += len(rows)
        for model, entries in by_model.items():
            self._insert(model, entries)
            written.rows[model._meta.db_table] += len(entries)

    def _insert(self, model, entries: list[dict]) -> None:
        from django.db import connection

        table = self.tables.get(model) or self.tables.setdefault(model, _Table(model, self.now))
        if not self.copy:
            model.objects.bulk_create([model(**_plain(table, e)) for e in entries],
                                      batch_size=500)
            return
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for entry in entries:
                copy.write_row(table.values(entry))


def _plain(table: _Table, entry: dict) -> dict:
    values = table.values(entry)
    return {f.attname: (v.obj if j and v is not None else v)
            for f, v, j in zip(table.fields, values, table.json, strict=True)}


def cohort_setup(*, password: str | None = None):
    """The two sites and a demo-like clinician per site (a rheumatologist, as the demo's
    loaders), plus a clinician of both sites for the pages. Returns (sites, actors, viewer)."""
    from django.contrib.auth.models import Group

    from cadm.models import Site, User

    sites = {code: Site.objects.get_or_create(code=code, defaults={"name": name})[0]
             for code, name in SITES.items()}
    role = Group.objects.get_or_create(name="rheumatologist")[0]
    actors = {}
    for code, site in sites.items():
        user, _ = User.objects.get_or_create(username=f"bench_rheum_{code}", defaults={
            "first_name": "Maren", "last_name": f"Benchmark-{code.title()}"})
        user.set_unusable_password() if password is None else user.set_password(password)
        user.save()
        user.groups.set([role])
        user.sites.set([site])
        actors[code] = user
    return sites, actors, actors["north"]


def cohort_write(count: int, *, start: int = 0, today: date, sites: dict, actors: dict,
                 seed: int = SEED) -> Written:
    """Patients `start` .. `start + count - 1` of the cohort, written in batches."""
    written = Written()
    CohortWriter(sites=sites, actors=actors, today=today).write(
        (bench_patient(i, today=today, seed=seed) for i in range(start, start + count)),
        written)
    return written


def patients_write(patients: Iterator[BenchPatient] | list[BenchPatient], *, today: date,
                   sites: dict, actors: dict) -> Written:
    written = Written()
    CohortWriter(sites=sites, actors=actors, today=today).write(patients, written)
    return written
