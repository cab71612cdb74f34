"""Two rows of the same day: the one entered last is the latest (the rules read "the latest
visit", "the most recent antibody result")."""

import datetime as dt

from cadm.selectors.facts import patient_facts
from tests.factories import AntibodyFactory, VisitFactory

DAY = dt.date(2025, 6, 1)


def test_the_row_entered_last_in_a_day_is_the_latest(patient):
    AntibodyFactory(patient=patient, observed_on=DAY, result="positive")
    AntibodyFactory(patient=patient, observed_on=DAY, result="negative")
    VisitFactory(patient=patient, visit_on=DAY, symptoms=["dyspnea"])
    VisitFactory(patient=patient, visit_on=DAY, symptoms=[])
    facts = patient_facts(patient).up_to(DAY)
    assert facts.antibodies[-1].result == "negative"
    assert facts.visits[-1].symptoms == frozenset()
