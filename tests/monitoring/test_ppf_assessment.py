"""The PPF assessment: a result section of its own (order 45, no facts), with history."""

import datetime as dt

from cadm.sections import all_sections, get_section
from monitoring.forms import PpfAssessmentForm


def test_registered_as_a_result_section_the_rules_do_not_read():
    section = get_section("ppf")
    assert section.order == 45 and section.facts_key == "" and section.to_fact is None
    keys = [s.key for s in all_sections()]
    assert keys.index("six-minute-walk") < keys.index("ppf") < keys.index("muscle")


def test_both_judgements_are_required_once_the_row_is_filled(patient):
    form = PpfAssessmentForm({"note": "Looks worse"}, patient=patient,
                             today=dt.date(2025, 6, 1))
    assert not form.is_valid()
    assert set(form.errors) == {"worsening_symptoms", "radiological_progression"}
    form = PpfAssessmentForm({"worsening_symptoms": "yes", "radiological_progression": "no"},
                             patient=patient, today=dt.date(2025, 6, 1))
    assert form.is_valid(), form.errors
    assert form.record_fields() == {"worsening_symptoms": True,
                                    "radiological_progression": False, "note": ""}


def test_an_untouched_row_stays_empty(patient):
    form = PpfAssessmentForm({}, patient=patient, today=dt.date(2025, 6, 1))
    assert not form.has_changed()
