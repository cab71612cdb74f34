"""A visit that did not assess a part of the examination neither fires nor clears a rule about
that part (issue 9, item 1; facts.VisitFact.assessed, vocabulary.VISIT_PARTS).

Rules that read "the latest visit" for symptoms read the latest visit that reviewed symptoms:
MDA5_RESPIRATORY_SYMPTOMS, CANCER_RED_FLAGS, MDA5_LDH_AGE_FEVER. Rules that read findings at
any visit (classification, EULAR/ACR items, IMACS factors, ILD-risk signs) count a finding
wherever it was recorded; an absence counts only where the part was examined. Case files
examine every part (the default), so the contract's semantics are unchanged.
"""

import pytest

from cadm.rules.facts import VisitFact
from cadm.rules.vocabulary import ALL_VISIT_PARTS
from tests.cadm.rules.builders import (
    ab,
    codes,
    fires,
    flag,
    lab,
    make,
    med,
    run,
    skin_visit,
    visit,
)

AS_OF = "2025-09-01"


def patient(*records, birth="1980-01-01", **kw):
    return make(visit("2024-02-01"), *records, onset="2024-01-10", diagnosis="2024-02-01",
                birth=birth, **kw)


def mda5(*records, **kw):
    return patient(ab("2025-01-15", "mda5"), *records, **kw)


def evidence(f):
    """What the stored flag's evidence digest is made of (services.flags.evidence_digest)."""
    return f.severity, [e.as_dict() for e in f.evidence], f.extra


# Visits that looked at something, but not at the symptoms.
NOT_SYMPTOMS = {
    "skin only (dermatologist)": lambda day: skin_visit(day),
    "skin and strength": lambda day: visit(day, assessed=("skin", "strength")),
    "weight only": lambda day: visit(day, skin=(), weight=70, assessed=("weight",)),
    "strength only": lambda day: visit(day, skin=(), assessed=("strength",)),
}


def test_a_visit_assesses_every_part_by_default_as_in_a_case_file():
    assert VisitFact(visit("2025-01-01").date).assessed == ALL_VISIT_PARTS
    assert ALL_VISIT_PARTS == {"skin", "strength", "symptoms", "weight"}


# MDA5_RESPIRATORY_SYMPTOMS -------------------------------------------------------------------

DYSPNOEA = visit("2025-08-01", symptoms=["dyspnea"])


@pytest.mark.parametrize("later", list(NOT_SYMPTOMS.values()), ids=list(NOT_SYMPTOMS))
def test_respiratory_symptoms_stay_open_after_a_visit_that_did_not_review_symptoms(later):
    before = flag(mda5(DYSPNOEA), AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")
    after = flag(mda5(DYSPNOEA, later("2025-08-20")), AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")
    assert after is not None
    assert after.severity == "critical"
    assert "2025-08-01" in after.detail
    assert evidence(after) == evidence(before)  # a dismissed flag is not reopened either


def test_respiratory_symptoms_clear_at_a_later_full_visit_without_them():
    facts = mda5(DYSPNOEA, skin_visit("2025-08-20"), visit("2025-08-25"))
    assert not fires(facts, AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")


def test_respiratory_symptoms_clear_at_a_later_visit_that_reviewed_other_symptoms():
    facts = mda5(DYSPNOEA, visit("2025-08-25", symptoms=["raynaud"], assessed=("symptoms",)))
    assert not fires(facts, AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")


def test_respiratory_symptoms_reviewed_after_a_skin_visit_fire():
    facts = mda5(skin_visit("2025-08-01"), visit("2025-08-20", symptoms=["dry_cough"]))
    assert fires(facts, AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")


def test_only_skin_visits_give_no_respiratory_flag():
    facts = make(ab("2025-01-15", "mda5"), skin_visit("2024-02-01"), skin_visit("2025-08-01"),
                 onset="2024-01-10", diagnosis="2024-02-01")
    assert not fires(facts, AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")


def test_same_day_skin_visit_does_not_hide_the_full_visit():
    facts = mda5(DYSPNOEA, skin_visit("2025-08-01"))
    assert fires(facts, AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")


# CANCER_RED_FLAGS ----------------------------------------------------------------------------

@pytest.mark.parametrize("symptom", ["weight_loss", "night_sweats", "fever"])
@pytest.mark.parametrize("later", list(NOT_SYMPTOMS.values()), ids=list(NOT_SYMPTOMS))
def test_red_flags_stay_open_after_a_visit_that_did_not_review_symptoms(symptom, later):
    first = visit("2025-08-01", symptoms=[symptom])
    before = flag(patient(first), AS_OF, "CANCER_RED_FLAGS")
    after = flag(patient(first, later("2025-08-20")), AS_OF, "CANCER_RED_FLAGS")
    assert after is not None
    assert symptom.replace("_", " ") in after.summary
    assert evidence(after) == evidence(before)


@pytest.mark.parametrize("symptom", ["weight_loss", "night_sweats", "fever"])
def test_red_flags_clear_at_a_later_full_visit_without_them(symptom):
    facts = patient(visit("2025-08-01", symptoms=[symptom]), skin_visit("2025-08-10"),
                    visit("2025-08-20", symptoms=["raynaud"]))
    assert not fires(facts, AS_OF, "CANCER_RED_FLAGS")


# MDA5_LDH_AGE_FEVER --------------------------------------------------------------------------

OVER_50 = "1970-01-01"
LDH_HIGH = lab("2025-08-01", "ldh", 400)
FEVER = visit("2025-08-01", symptoms=["fever"])


@pytest.mark.parametrize("later", list(NOT_SYMPTOMS.values()), ids=list(NOT_SYMPTOMS))
def test_ldh_age_fever_stays_open_after_a_visit_that_did_not_review_symptoms(later):
    before = flag(mda5(LDH_HIGH, FEVER, birth=OVER_50), AS_OF, "MDA5_LDH_AGE_FEVER")
    after = flag(mda5(LDH_HIGH, FEVER, later("2025-08-20"), birth=OVER_50), AS_OF,
                 "MDA5_LDH_AGE_FEVER")
    assert after is not None
    assert evidence(after) == evidence(before)


def test_ldh_age_fever_clears_at_a_later_full_visit_without_fever():
    facts = mda5(LDH_HIGH, FEVER, skin_visit("2025-08-10"), visit("2025-08-20"), birth=OVER_50)
    assert not fires(facts, AS_OF, "MDA5_LDH_AGE_FEVER")


# HCQ: the latest weight, not the latest visit ------------------------------------------------

def test_hcq_dose_keeps_the_latest_weight_after_a_skin_visit():
    facts = make(visit("2025-02-01", weight=60), skin_visit("2025-08-01"),
                 med("2025-03-01", 400), onset="2024-01-10", diagnosis="2024-02-01")
    ev = run(facts, AS_OF)
    assert "HCQ_DOSE_ABOVE_LIMIT" in codes(ev)
    assert "HCQ_WEIGHT_MISSING" not in codes(ev)


def test_hcq_weight_missing_when_only_skin_visits():
    facts = make(skin_visit("2025-02-01"), med("2025-03-01", 400), onset="2024-01-10",
                 diagnosis="2024-02-01")
    assert fires(facts, AS_OF, "HCQ_WEIGHT_MISSING")


# Classification: "no weakness" needs a visit that examined strength ---------------------------

SKIN_ONLY = (skin_visit("2024-02-01", skin=["heliotrope", "gottron_papules"]),
             skin_visit("2025-06-01"))


def skin_only_patient(*records, **kw):
    return make(*SKIN_ONLY, *records, onset="2024-01-10", diagnosis="2024-02-01", **kw)


def test_skin_only_visits_do_not_make_the_patient_amyopathic():
    cls = run(skin_only_patient(), AS_OF).classification
    assert cls.subtype == "undetermined"
    assert "muscle strength not examined" in cls.reason
    assert cls.confirmation is None


def test_one_visit_that_examined_strength_is_enough():
    facts = skin_only_patient(visit("2024-03-01", skin=(), assessed=("strength",)))
    cls = run(facts, AS_OF).classification
    assert (cls.subtype, cls.confirmation) == ("amyopathic", "provisional")


def test_skin_only_visits_keep_the_cadm_factor_of_the_imacs_tier():
    ev = run(skin_only_patient(), AS_OF)
    assert "cadm" in ev.cancer_risk.intermediate_factors


def test_skin_only_visits_do_not_suggest_reclassifying_classic_dm_as_amyopathic():
    assert not fires(skin_only_patient(recorded="classic_dm"), AS_OF, "RECLASSIFY")
    examined = skin_only_patient(visit("2024-03-01", skin=()), recorded="classic_dm")
    assert flag(examined, AS_OF, "RECLASSIFY").extra == {"from": "classic_dm",
                                                         "to": "amyopathic"}


def test_a_muscle_abnormality_still_moves_an_unexamined_patient_off_amyopathic():
    facts = skin_only_patient(lab("2025-05-01", "ck", 900), recorded="amyopathic")
    ev = run(facts, "2026-06-01")
    assert ev.classification.subtype == "hypomyopathic"
    assert "classic DM is not excluded" in ev.classification.reason
    assert ev.classification.confirmation is None  # 24 months without weakness: not examined
    assert ev.flag("RECLASSIFY").extra == {"from": "amyopathic", "to": "hypomyopathic"}


def test_weakness_found_once_stays_classic_dm_after_skin_visits():
    facts = skin_only_patient(visit("2024-03-01", weakness=["proximal_upper"]))
    assert run(facts, AS_OF).classification.subtype == "classic_dm"


def test_eular_subgroup_is_not_amyopathic_dm_without_a_strength_examination():
    unexamined = run(skin_only_patient(), AS_OF).classification.eular_acr
    examined = run(skin_only_patient(visit("2024-03-01", skin=())), AS_OF).classification.eular_acr
    assert unexamined.score == examined.score == 7.3  # skin items count wherever recorded
    assert unexamined.category == examined.category == "probable"
    assert unexamined.subgroup is None
    assert examined.subgroup == "amyopathic_dm"


# Findings count at any visit, whatever else it examined ---------------------------------------

def test_skin_findings_of_a_skin_visit_count_for_imacs_and_ild_screening():
    facts = skin_only_patient(skin_visit("2025-07-01", skin=["skin_ulceration",
                                                             "mechanics_hands"]))
    ev = run(facts, AS_OF)
    assert "skin_ulceration" in ev.cancer_risk.high_factors
    assert "ILD_SCREENING_ADVISED" in codes(ev)


def test_a_symptom_found_earlier_still_counts_as_an_imacs_factor_after_a_skin_visit():
    facts = patient(visit("2025-02-01", symptoms=["dysphagia_moderate_severe"]),
                    skin_visit("2025-08-01"))
    assert "dysphagia" in run(facts, AS_OF).cancer_risk.high_factors
