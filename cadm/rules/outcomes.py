"""What the engine returns: shaped so a CDS Hooks card can be built without more logic."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Evidence:
    """One fact that fired a rule: what, when, and its value with unit."""

    kind: str
    date: date | None
    label: str
    value: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "date": self.date.isoformat() if self.date else None,
                "label": self.label, "value": self.value}


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    summary: str
    detail: str
    evidence: tuple[Evidence, ...]
    citation: str
    evidence_label: str
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "summary": self.summary,
                "detail": self.detail, "evidence": [e.as_dict() for e in self.evidence],
                "citation": self.citation, "evidence_label": self.evidence_label,
                **self.extra}


@dataclass(frozen=True)
class EularAcr:
    score: float
    with_biopsy: bool
    category: str
    probability: float
    subgroup: str | None
    items: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Classification:
    subtype: str
    confirmation: str | None
    skin_disease_months: int
    eular_acr: EularAcr
    reason: str


@dataclass(frozen=True)
class CancerRisk:
    tier: str
    high_factors: tuple[str, ...]
    intermediate_factors: tuple[str, ...]


@dataclass(frozen=True)
class PlanItem:
    panel: str
    due: date
    window_start: date
    window_end: date
    status: str
    kind: str  # "diagnosis" or "follow-up"
    done_on: date | None = None


@dataclass(frozen=True)
class Evaluation:
    as_of: date
    rule_set_version: int
    classification: Classification
    antibodies_positive: tuple[str, ...]
    cancer_risk: CancerRisk
    screening_plan: tuple[PlanItem, ...]
    flags: tuple[Flag, ...]
    lung_schedule: dict = field(default_factory=dict)

    def flag(self, code: str) -> Flag | None:
        return next((f for f in self.flags if f.code == code), None)

    def as_dict(self) -> dict:
        e = self.classification.eular_acr
        return {
            "as_of": self.as_of.isoformat(),
            "rule_set_version": self.rule_set_version,
            "classification": {
                "subtype": self.classification.subtype,
                "confirmation": self.classification.confirmation,
                "skin_disease_months": self.classification.skin_disease_months,
                "reason": self.classification.reason,
                "eular_acr": {
                    "score": e.score, "with_biopsy": e.with_biopsy, "category": e.category,
                    "probability": e.probability, "subgroup": e.subgroup,
                    "items": [{"item": name, "points": pts} for name, pts in e.items],
                },
            },
            "antibodies_positive": list(self.antibodies_positive),
            "cancer_risk": asdict(self.cancer_risk) | {
                "high_factors": list(self.cancer_risk.high_factors),
                "intermediate_factors": list(self.cancer_risk.intermediate_factors)},
            "screening_plan": [
                {"panel": i.panel, "due": i.due.isoformat(), "status": i.status,
                 "kind": i.kind, "window_start": i.window_start.isoformat(),
                 "window_end": i.window_end.isoformat(),
                 "done_on": i.done_on.isoformat() if i.done_on else None}
                for i in self.screening_plan
            ],
            "lung_schedule": {k: (v.isoformat() if isinstance(v, date) else v)
                              for k, v in self.lung_schedule.items()},
            "flags": [f.as_dict() for f in self.flags],
        }
