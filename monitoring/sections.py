"""Lung results on cadm's visit page, results page and timeline."""

from cadm.permissions import Perm
from cadm.rules import facts as rf
from cadm.rules import vocabulary as v
from cadm.rules.measurements import fmt
from cadm.sections import ResultSection, label_list, optional_float, register

from . import forms
from .models import HrctStudy, PpfAssessment, PulmonaryFunctionTest, SixMinuteWalk


def _pft_summary(r) -> str:
    parts = [f"FVC {fmt(r.fvc_pct_predicted)} % pred"]
    if r.fvc_l is not None:
        parts.append(f"FVC {fmt(r.fvc_l)} L")
    if r.dlco_pct_predicted is not None:
        parts.append(f"DLCO {fmt(r.dlco_pct_predicted)} % pred")
    if r.tlc_pct_predicted is not None:
        parts.append(f"TLC {fmt(r.tlc_pct_predicted)} % pred")
    return "PFT: " + ", ".join(parts)


def _hrct_summary(r) -> str:
    text = "HRCT: " + ("ILD" if r.ild else "no ILD")
    if r.findings:
        text += f" — {label_list(r.findings, v.HRCT_FINDINGS)}"
    if r.extent_score is not None:
        text += f" (extent score {r.extent_score})"
    return text


def _walk_summary(r) -> str:
    rest = f", rest {fmt(r.spo2_rest)} %" if r.spo2_rest is not None else ""
    return f"6-minute walk: {fmt(r.distance_m)} m, SpO₂ nadir {fmt(r.spo2_nadir)} %{rest}"


def _ppf_summary(r) -> str:
    text = (f"PPF assessment: worsening symptoms {'yes' if r.worsening_symptoms else 'no'}, "
            f"radiological progression {'yes' if r.radiological_progression else 'no'}")
    return f"{text} — {r.note}" if r.note else text


def pft_fact(r) -> rf.PftFact:
    return rf.PftFact(r.observed_on, float(r.fvc_pct_predicted),
                      optional_float(r.dlco_pct_predicted), optional_float(r.fvc_l))


def hrct_fact(r) -> rf.HrctFact:
    return rf.HrctFact(r.observed_on, r.ild, frozenset(r.findings), r.extent_score)


register(ResultSection(
    "pft", "Pulmonary function", PulmonaryFunctionTest, forms.PftForm, Perm.RESULT_RECORD, 30,
    _pft_summary, facts_key="pft", to_fact=pft_fact,
))
register(ResultSection(
    "hrct", "HRCT chest", HrctStudy, forms.HrctForm, Perm.RESULT_RECORD, 35, _hrct_summary,
    facts_key="hrct", to_fact=hrct_fact,
))
register(ResultSection(
    "six-minute-walk", "6-minute walk", SixMinuteWalk, forms.SixMinuteWalkForm,
    Perm.RESULT_RECORD, 40, _walk_summary, facts_key="six_minute_walk",
    to_fact=lambda r: rf.WalkFact(r.observed_on, float(r.distance_m), float(r.spo2_nadir),
                                  optional_float(r.spo2_rest)),
))
# Clinician judgements for the PPF summary; the rules do not read them (no facts_key).
register(ResultSection(
    "ppf", "PPF assessment", PpfAssessment, forms.PpfAssessmentForm, Perm.RESULT_RECORD, 45,
    _ppf_summary,
))
