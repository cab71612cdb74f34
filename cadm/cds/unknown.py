"""A patient we do not hold: the active rule set evaluated on the EHR's FHIR data, stored
nowhere (DESIGN §9: the same pure engine, facts built from FHIR instead of rows).

FHIR means here what it means in an import: the FHIR import's mapper (cadm.fhir.mapping)
turns the resources into our typed inputs' raw values, each row is parsed by its kind's typed
input (the one place a value is checked, whatever the door), and becomes an unsaved record
whose section turns it into a fact, as cadm.selectors.facts does for stored rows. So the
flags are those an import of the same data would give (a test holds both to it).

No cards (CDS Hooks' "no guidance") when the EHR's data does not describe a dermatomyositis
patient we could evaluate: without a dermatomyositis Condition there are no disease dates
(onset, diagnosis), which every rule needs and which are never guessed; a patient whose sex
or dates our input refuses is not evaluated either. A row whose value our input refuses is
left out, as an import would refuse it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError

from cadm.fhir.mapping import Mapped, MappedRow, map_resources
from cadm.inputs import Context, InputInvalid, PatientInput
from cadm.models import RuleSetVersion
from cadm.rules import facts as rf
from cadm.rules.engine import evaluate
from cadm.rules.outcomes import Evaluation
from cadm.sections import all_sections
from cadm.selectors.rulesets import ruleset_active
from cadm.services.visits import TYPED_ROWS

from .cards import unstored_card
from .prefetch import HookData
from .security import Caller

PATIENT_FIELDS = ("sex", "birth_date", "skin_onset_date", "diagnosis_date")
# Fields a record holds that no FHIR value gives and no fact reads: not checked here.
NOT_FROM_FHIR = ["patient", "recorded_by", "visit"]


def unstored_cards(caller: Caller, data: HookData, *, base_url: str,
                   today: date) -> list[dict]:
    evaluation = unstored_evaluation(data, today=today)
    if evaluation is None:
        return []
    return [unstored_card(flag, rule_set=evaluation.rule_set_version,
                          issuer=caller.issuer.iss, patient_id=data.patient_id,
                          base_url=base_url) for flag in evaluation.flags]


def unstored_evaluation(data: HookData, *, today: date) -> Evaluation | None:
    """What the active rule set says of the EHR's data today, or None (not evaluable)."""
    patient = [("prefetch.patient", data.patient())]
    # The Condition first: without disease dates the Observations are not even fetched.
    if patient_info(map_resources(patient + data.searched("conditions")), today) is None:
        return None
    mapped = map_resources(patient + data.searched("conditions")
                           + data.searched("observations"))
    info = patient_info(mapped, today)
    ruleset = ruleset_active()
    facts = mapped_facts(mapped, info, ruleset=ruleset, today=today)
    return evaluate(facts, ruleset.params, today, version=ruleset.number, validated=True)


def patient_info(mapped: Mapped, today: date) -> rf.PatientInfo | None:
    """The patient as the rules read it, checked by PatientInput; None without disease
    dates or with values it refuses."""
    raw = mapped.patient or {}
    values = {name: raw.get(name) for name in PATIENT_FIELDS}
    if any(values[name] is None for name in PATIENT_FIELDS):
        return None
    try:
        checked = PatientInput.parse(values, context=Context(today=today), partial=True)
    except InputInvalid:
        return None
    return rf.PatientInfo(sex=checked.sex, birth_date=checked.birth_date,
                          skin_onset_date=checked.skin_onset_date,
                          diagnosis_date=checked.diagnosis_date)


def mapped_facts(mapped: Mapped, info: rf.PatientInfo, *, ruleset: RuleSetVersion,
                 today: date) -> rf.PatientFacts:
    """PatientFacts from mapped rows, as cadm.selectors.facts builds them from stored ones:
    each kind's rows oldest first (a day's rows in the EHR's order), through its to_fact."""
    # An EHR's values are a laboratory's measurements: unusual ones count as confirmed (as
    # the import takes them); the hard ranges still refuse.
    context = Context(today=today, birth_date=info.birth_date, confirmed=True,
                      rule_params=ruleset.params, rule_set=ruleset.number)
    sections = {s.key: s for s in all_sections()}
    rows: dict[str, list] = defaultdict(list)
    seen: set = set()
    for row in mapped.rows:
        record = _record(row, sections, context, seen)
        if record is not None:
            section = sections[row.section_key]
            rows[section.facts_key].append((record.observed_on, section.to_fact(record)))
    values = {key: tuple(fact for _, fact in sorted(items, key=lambda item: item[0]))
              for key, items in rows.items()}
    return rf.PatientFacts(patient=info, visits=(), **values)


def _record(row: MappedRow, sections: dict, context: Context, seen: set):
    """An unsaved record of the row, or None: entered in error at the source, a kind the
    rules do not read, a value the typed input or the model refuses, or the same values on
    the same day again (the import would not write those twice either)."""
    section = sections.get(row.section_key)
    typed_input = TYPED_ROWS.get(row.section_key)
    if row.status == "entered-in-error" or section is None or typed_input is None \
            or not section.facts_key:
        return None
    try:
        typed = typed_input.parse(row.raw, context=context)
    except InputInvalid:
        return None
    fields = typed.record_fields()
    signature = (row.section_key, typed.observed_on, tuple(sorted(map(str, fields.items()))))
    if signature in seen:
        return None
    seen.add(signature)
    record = section.model(observed_on=typed.observed_on, **fields)
    try:
        record.full_clean(exclude=NOT_FROM_FHIR, validate_unique=False,
                          validate_constraints=False)
    except ValidationError:
        return None
    return record
