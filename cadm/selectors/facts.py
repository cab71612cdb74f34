"""A patient's record as the rules read it (cadm.rules.facts.PatientFacts): a read, used by
the evaluation shell and by pages that run the pure engine themselves."""

from __future__ import annotations

from collections import defaultdict

from cadm.models import Patient, Visit
from cadm.panels import patient_fact_values
from cadm.rules import facts as rf
from cadm.sections import all_sections

from .records import PatientRecords, patient_records


def visit_fact(v: Visit) -> rf.VisitFact:
    """A visit as the rules read it; `v` may be a model instance or a row of values."""
    return rf.VisitFact(v.visit_on, None if v.weight_kg is None else float(v.weight_kg),
                        frozenset(v.skin), frozenset(v.weakness), frozenset(v.symptoms), v.mmt8,
                        frozenset(v.assessed))


def patient_facts(patient: Patient, records: PatientRecords | None = None) -> rf.PatientFacts:
    """One query for visits and one per kind of result (none if `records` are given)."""
    records = records or patient_records(patient)
    rows: dict[str, list] = defaultdict(list)
    for section in all_sections():
        if section.facts_key:
            # In the order entered within a day, so that "the latest" is the last entered.
            ordered = sorted(records.current(section.key),
                             key=lambda r: (r.observed_on, r.created_at))
            rows[section.facts_key].extend(section.to_fact(r) for r in ordered)
    # Oldest first, and within a day in the order entered: the latest visit is the last.
    visits = tuple(visit_fact(v) for v in sorted(records.current_visits(),
                                                 key=lambda v: (v.visit_on, v.created_at)))
    return facts_of(patient, patient_fact_values(patient), visits, rows)


def facts_of(patient: Patient, values: dict, visits: tuple, rows: dict[str, list]
             ) -> rf.PatientFacts:
    """The facts from rows already turned into facts, in order (also the cohort path's,
    cadm.selectors.cohort_facts). `values`: the fact providers' fields."""
    info = rf.PatientInfo(
        sex=patient.sex, birth_date=patient.birth_date,
        skin_onset_date=patient.skin_onset_date, diagnosis_date=patient.diagnosis_date,
        recorded_subtype=patient.recorded_subtype or None,
        refractory_disease=patient.refractory_disease,
        high_npc_risk_region=patient.high_npc_risk_region,
        **values,
    )
    return rf.PatientFacts(patient=info, visits=visits,
                           **{key: tuple(found) for key, found in rows.items()})
