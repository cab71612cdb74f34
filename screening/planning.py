"""The screening planner: pure functions, no Django (DESIGN §3).

From an evaluation (IMACS tier, plan items, "consider" flags) to the items a plan should hold,
and the component tests of each panel (clinical-reference.md §1.4, §1.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cadm.rules.outcomes import Evaluation

# (code, label, sexes) — §1.4 panels (VERIFIED-S), §1.6 considerations (VERIFIED-P).
BOTH = ("female", "male")
COMPONENTS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "basic": (
        ("history_exam", "Comprehensive history and physical examination", BOTH),
        ("fbc", "Full blood count", BOTH),
        ("lft", "Liver function tests", BOTH),
        ("esr_crp", "ESR and/or plasma viscosity, and CRP", BOTH),
        ("spep", "Serum protein electrophoresis", BOTH),
        ("urinalysis", "Urinalysis", BOTH),
        ("cxr", "Plain chest radiograph", BOTH),
    ),
    "enhanced": (
        ("ct", "CT neck, thorax, abdomen and pelvis", BOTH),
        ("cervical", "Cervical screening", ("female",)),
        ("mammography", "Mammography", ("female",)),
        ("ca125", "CA-125", ("female",)),
        ("pelvic_us", "Pelvic / transvaginal ultrasound", ("female",)),
        ("psa", "PSA", ("male",)),
        ("fobt", "Faecal occult blood test", BOTH),
    ),
    "pet_ct": (("pet_ct", "18F-FDG PET-CT", BOTH),),
    "gi_endoscopy": (("upper_gi", "Upper GI endoscopy", BOTH),
                     ("lower_gi", "Lower GI endoscopy (colonoscopy)", BOTH)),
    "nasoendoscopy": (("nasoendoscopy", "Nasoendoscopy", BOTH),),
}
PANEL_LABELS = {"basic": "Basic panel", "enhanced": "Enhanced panel",
                "pet_ct": "PET-CT (to consider)", "gi_endoscopy": "GI endoscopy (to consider)",
                "nasoendoscopy": "Nasoendoscopy (to consider)"}
SUGGESTIONS = {"PET_CT_CONSIDER": "pet_ct", "GI_ENDOSCOPY_CONSIDER": "gi_endoscopy",
               "NASOENDOSCOPY_CONSIDER": "nasoendoscopy"}
# Worst first: the result of a panel is the worst result of its components.
RESULT_ORDER = ("cancer_found", "finding", "no_cancer")


@dataclass(frozen=True)
class PlannedItem:
    key: str
    panel: str
    kind: str  # "diagnosis", "follow-up" or "suggested"
    due: date | None
    window_start: date | None
    window_end: date | None
    status: str  # "due", "overdue", "done" or "suggested"
    reason: str = ""
    done_on: date | None = None


def components_for(panel: str, sex: str) -> list[tuple[str, str]]:
    return [(code, label) for code, label, sexes in COMPONENTS[panel] if sex in sexes]


def planned_items(evaluation: Evaluation) -> list[PlannedItem]:
    """What the plan should hold on the evaluation's day."""
    items = [PlannedItem(f"{i.panel}:{i.kind}:{i.due.isoformat()}", i.panel, i.kind, i.due,
                         i.window_start, i.window_end, i.status, done_on=i.done_on)
             for i in evaluation.screening_plan]
    items += [PlannedItem(f"{panel}:suggested", panel, "suggested", None, None, None,
                          "suggested", flag.detail)
              for flag in evaluation.flags if (panel := SUGGESTIONS.get(flag.code))]
    return items


def worst_result(results: list[str]) -> str:
    return min(results, key=RESULT_ORDER.index)


@dataclass(frozen=True)
class PlanDiff:
    add: list[PlannedItem]
    keep: list[PlannedItem]
    supersede: list[str]


def plan_diff(existing: dict[str, bool], planned: list[PlannedItem]) -> PlanDiff:
    """`existing`: item key -> whether work was recorded on it. Items with recorded work are
    never dropped: re-stratification keeps completed work."""
    wanted = {item.key for item in planned}
    return PlanDiff(
        add=[item for item in planned if item.key not in existing],
        keep=[item for item in planned if item.key in existing],
        supersede=sorted(key for key, started in existing.items()
                         if key not in wanted and not started),
    )
