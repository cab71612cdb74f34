"""What the impact preview counts beyond open/close/severity: flags whose evidence or text
would change, quiet flags that would reopen, and sample cases that show the values making the
difference, never who the patient is."""

import datetime as dt
import json

import pytest

from cadm.models import Flag
from cadm.rules.outcomes import Evidence
from cadm.rules.outcomes import Flag as RuleFlag
from cadm.services import preview, rulesets
from cadm.services.evaluation import patient_reevaluate
from cadm.services.flags import evidence_digest, flag_acknowledge, flag_dismiss, flag_snooze
from cadm.services.impact import (
    EVIDENCE_ITEMS,
    SAMPLE_SIZE,
    TEXT_CHARS,
    impact_record,
    impact_totals,
)
from tests.cadm.rulesets.builders import TODAY, approved, draft_with, mda5_patient, run_queued
from tests.factories import LabResultFactory

pytestmark = pytest.mark.django_db
MARKERS = "MDA5_RPILD_MARKERS"
KL6_KEY = "mda5.kl6_u_ml"


def kl6(patient, value):
    LabResultFactory(patient=patient, observed_on=TODAY - dt.timedelta(days=20), analyte="kl6",
                     value=value, unit="U/mL", unit_normalised="U/mL", upper_limit=None)


def live_flag(patient, code=MARKERS) -> Flag:
    return Flag.objects.get(patient=patient, code=code, state__in=["open"])


@pytest.fixture
def cohort(site, rheumatologist):
    """Under v1 (KL-6 > 1600), four patients with ferritin 1600 and KL-6 1700 have a marker
    flag citing both; raising the KL-6 threshold to 1800 leaves ferritin alone in its
    evidence. Their flags are left open, dismissed, acknowledged and snoozed. A fifth has
    ferritin only, its flag dismissed: the raise changes nothing for it."""
    patients = {}
    for name in ("open", "dismissed", "acknowledged", "snoozed", "steady"):
        patient = mda5_patient(site, rheumatologist, ferritin=1600, family_name=f"Name{name}",
                               mrn=f"MRN-{name}")
        if name != "steady":
            kl6(patient, 1700)
        patient_reevaluate(patient.pk)
        patients[name] = patient
    flag_dismiss(actor=rheumatologist, flag=live_flag(patients["dismissed"]),
                 data={"reason": "recipient-disagrees-evidence", "comment": "Known"})
    flag_acknowledge(actor=rheumatologist, flag=live_flag(patients["acknowledged"]))
    flag_snooze(actor=rheumatologist, flag=live_flag(patients["snoozed"]), today=TODAY,
                data={"until": TODAY + dt.timedelta(days=7), "comment": "Review next week"})
    flag_dismiss(actor=rheumatologist, flag=live_flag(patients["steady"]),
                 data={"reason": "recipient-disagrees-evidence", "comment": "Known"})
    return patients


def preview_rules(capture, admin, draft) -> dict:
    job = run_queued(capture, lambda: preview.ruleset_preview_start(actor=admin, version=draft))
    assert job.state == "done", job.error
    return job.result


def test_evidence_change_is_counted_and_quiet_flags_that_would_reopen(
        cohort, rules_admin, django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin, **{KL6_KEY: 1800.0})
    markers = preview_rules(django_capture_on_commit_callbacks, rules_admin, draft)["rules"][
        MARKERS]
    assert (markers["open"], markers["close"], markers["severity"]) == (0, 0, 0)
    assert (markers["text"], markers["evidence"], markers["stay"]) == (4, 4, 1)
    # Dismissed, acknowledged and snoozed reopen; the open one is only updated; the steady
    # dismissed one (evidence unchanged) stays quiet.
    assert markers["reopen"] == 3
    assert sorted(s["state"] for s in markers["samples"]["reopen"]) == [
        "acknowledged", "dismissed", "snoozed"]


def test_a_sample_shows_the_values_that_differ_before_and_after(
        cohort, rules_admin, django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin, **{KL6_KEY: 1800.0})
    markers = preview_rules(django_capture_on_commit_callbacks, rules_admin, draft)["rules"][
        MARKERS]
    sample = markers["samples"]["reopen"][0]
    day = (TODAY - dt.timedelta(days=20)).isoformat()
    assert sample["before"] == [["Ferritin", "1600 ng/mL", day], ["KL-6", "1700 U/mL", day]]
    assert sample["after"] == [["Ferritin", "1600 ng/mL", day]]
    assert sample["severity"][0] == sample["severity"][1]
    assert sample["summary"] == [
        "Anti-MDA5 with RP-ILD risk markers: ferritin 1600 ng/mL ≥ 1500; KL-6 1700 U/mL > 1600",
        "Anti-MDA5 with RP-ILD risk markers: ferritin 1600 ng/mL ≥ 1500"]


@pytest.mark.parametrize("changes", [{KL6_KEY: 1800.0}, {"mda5.ferritin_ng_ml": 2000.0}],
                         ids=["text-and-reopen", "close"])
def test_samples_carry_no_patient_identity(cohort, rules_admin, changes,
                                           django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin, **changes)
    rules = preview_rules(django_capture_on_commit_callbacks, rules_admin, draft)["rules"]
    assert any(rules[MARKERS]["samples"].values())
    text = json.dumps(rules, ensure_ascii=False)
    for patient in cohort.values():
        for identity in (str(patient.public_id), patient.public_id.hex, patient.mrn,
                         patient.family_name, patient.given_name):
            assert identity not in text, identity


def test_a_change_of_wording_only_is_counted_but_reopens_nothing(
        site, rheumatologist, rules_admin, django_capture_on_commit_callbacks):
    """FLAIR_SCORE cites only the antibody; its points (in the summary) follow the ferritin
    threshold. Raising that threshold above the patient's 1200 changes the text, not the
    evidence: a dismissed FLAIR flag stays dismissed."""
    patient = mda5_patient(site, rheumatologist, ferritin=1200)
    patient_reevaluate(patient.pk)
    flag_dismiss(actor=rheumatologist, flag=live_flag(patient, "FLAIR_SCORE"),
                 data={"reason": "recipient-disagrees-evidence", "comment": "Known"})
    draft = draft_with(rules_admin, **{"flair.ferritin_ng_ml": 1300.0})
    flair = preview_rules(django_capture_on_commit_callbacks, rules_admin, draft)["rules"][
        "FLAIR_SCORE"]
    assert (flair["text"], flair["evidence"], flair["reopen"], flair["stay"]) == (1, 0, 0, 0)
    sample = flair["samples"]["text"][0]
    assert sample["before"] == sample["after"] and sample["state"] == "dismissed"
    assert sample["summary"][0] != sample["summary"][1]


def test_the_preview_predicts_what_the_activation_then_does(
        cohort, rules_admin, second_admin, django_capture_on_commit_callbacks):
    """The preview uses the reconciliation's digest and quiet states: the activation of the
    same version, the same day, reopens and updates exactly what the preview counted."""
    version = approved(rules_admin, second_admin, **{KL6_KEY: 1800.0})
    totals = impact_totals(preview_rules(django_capture_on_commit_callbacks, rules_admin,
                                         version)["rules"])
    job = run_queued(django_capture_on_commit_callbacks,
                     lambda: rulesets.ruleset_activate(actor=second_admin, version=version,
                                                       data={"confirm": True}))
    assert job.state == "done", job.error
    assert totals["reopen"] == job.result["reopened"] == 3
    assert totals["open"] == job.result["opened"]
    assert totals["close"] == job.result["resolved"]
    # The reconciliation records an update only when the digest changed and it did not reopen.
    assert totals["severity"] + totals["evidence"] == (job.result["updated"]
                                                       + job.result["reopened"])


# --- caps: just below, at and above each ------------------------------------------------------

def rule_flag(code="X", severity="warning", summary="s", evidence=()) -> RuleFlag:
    return RuleFlag(code=code, severity=severity, summary=summary, detail="d",
                    evidence=tuple(evidence), citation="c", evidence_label="VERIFIED-P")


def stored(out: RuleFlag, state="open", **changes) -> Flag:
    """An unsaved live flag as the reconciliation would have stored `out`."""
    flag = Flag(code=out.code, severity=out.severity, summary=out.summary, detail=out.detail,
                evidence=[e.as_dict() for e in out.evidence],
                evidence_digest=evidence_digest(out), state=state)
    for key, value in changes.items():
        setattr(flag, key, value)
    return flag


@pytest.mark.parametrize("patients", [SAMPLE_SIZE - 1, SAMPLE_SIZE, SAMPLE_SIZE + 1])
def test_samples_are_capped_at_sample_size_the_counts_are_not(patients):
    rules: dict = {}
    for _ in range(patients):
        impact_record(rules, fired=[rule_flag()], live=[])
    assert rules["X"]["open"] == patients
    assert len(rules["X"]["samples"]["open"]) == min(patients, SAMPLE_SIZE)


@pytest.mark.parametrize("items", [EVIDENCE_ITEMS - 1, EVIDENCE_ITEMS, EVIDENCE_ITEMS + 1])
def test_evidence_items_per_side_are_capped(items):
    rules: dict = {}
    evidence = [Evidence("lab", dt.date(2025, 1, 1), f"item {i}", str(i)) for i in range(items)]
    impact_record(rules, fired=[rule_flag(evidence=evidence)], live=[])
    after = rules["X"]["samples"]["open"][0]["after"]
    assert len(after) == min(items, EVIDENCE_ITEMS)
    assert after[0] == ["item 0", "0", "2025-01-01"]


@pytest.mark.parametrize("length", [TEXT_CHARS - 1, TEXT_CHARS, TEXT_CHARS + 1])
def test_texts_are_cut_at_text_chars(length):
    rules: dict = {}
    value = "v" * length
    impact_record(rules, fired=[rule_flag(summary="s" * length,
                                          evidence=[Evidence("lab", None, "L", value)])],
                  live=[])
    sample = rules["X"]["samples"]["open"][0]
    shown = sample["after"][0][1]
    assert len(shown) == min(length, TEXT_CHARS)
    assert shown.endswith("…") == (length > TEXT_CHARS)
    assert len(sample["summary"][1]) == min(length, TEXT_CHARS)


def test_each_change_kind_from_stored_flags():
    """Unit level: severity, digest, wording and nothing at all; quiet states only reopen
    when the digest changes."""
    before = rule_flag(evidence=[Evidence("lab", None, "CK", "900 U/L")])
    rules: dict = {}
    impact_record(rules, fired=[rule_flag(severity="critical", evidence=before.evidence)],
                  live=[stored(before, state="dismissed")])
    impact_record(rules, fired=[rule_flag(evidence=[Evidence("lab", None, "CK", "950 U/L")])],
                  live=[stored(before, state="open")])
    impact_record(rules, fired=[rule_flag(summary="other", evidence=before.evidence)],
                  live=[stored(before, state="acknowledged")])
    impact_record(rules, fired=[before], live=[stored(before, state="snoozed")])
    x = rules["X"]
    assert {k: x[k] for k in ("open", "close", "severity", "text", "evidence", "reopen",
                              "stay")} == {"open": 0, "close": 0, "severity": 1, "text": 2,
                                           "evidence": 1, "reopen": 1, "stay": 1}
    assert x["transitions"] == {"warning→critical": 1}
    assert x["samples"]["reopen"][0]["severity"] == ["warning", "critical"]


def test_a_digest_change_with_the_same_evidence_says_the_rules_other_data_changed():
    out = rule_flag(evidence=[Evidence("lab", None, "CK", "900 U/L")])
    rules: dict = {}
    impact_record(rules, fired=[out], live=[stored(out, evidence_digest="older")])
    sample = rules["X"]["samples"]["text"][0]
    assert sample["extra_changed"] is True and sample["before"] == sample["after"]


def test_totals_add_up_each_count_and_accept_older_results():
    rules = {"A": {"open": 2, "close": 1, "severity": 0, "stay": 4},
             "B": {"open": 1, "close": 0, "severity": 3, "text": 2, "evidence": 1,
                   "reopen": 1, "stay": 0}}
    assert impact_totals(rules) == {"open": 3, "close": 1, "severity": 3, "text": 2,
                                    "evidence": 1, "reopen": 1, "stay": 4}
