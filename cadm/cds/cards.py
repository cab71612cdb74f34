"""A flag as a CDS Hooks card. Flags were shaped for this (DESIGN §5): the card takes the
flag's summary, severity, detail, evidence, citation and rule-set version as they are, and
adds the review state, the override reasons and links back to us.

Stored flags (a patient we hold) and flags evaluated on the spot (a patient we do not) give
the same card; only the uuid, the state line and the links differ.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.urls import reverse

from cadm.models import Flag
from cadm.rules.outcomes import Flag as RuleFlag

from .reasons import override_reasons

SUMMARY_MAX = 139  # CDS Hooks: a summary of fewer than 140 characters
INDICATORS = ("info", "warning", "critical")
TOPIC_SYSTEM = "urn:cadm:flag-code"
# Cards of patients we do not hold: a uuid stable for the same EHR, patient and flag code,
# so an EHR that keeps cards between views sees the same card.
UNSTORED_NAMESPACE = uuid.UUID("6f1d7c2e-8a41-4f0e-9d1b-2c5e3a7b9f10")
STATE_LINES = {
    Flag.State.OPEN: "Open: not yet reviewed in CADM.",
    Flag.State.ACKNOWLEDGED: "Acknowledged in CADM: being handled.",
    Flag.State.SNOOZED: "Snoozed in CADM; the snooze is over.",
    Flag.State.DISMISSED: "Dismissed in CADM.",
}
UNSTORED_LINE = ("Not on file in CADM: evaluated just now on the EHR's data with the active "
                 "rule set; nothing was stored.")
# Enough to keep text literal: emphasis, code, links (no `[`, no link), HTML, headings,
# tables, strikethrough. Parentheses and the like stay readable in an EHR that shows raw text.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~])")


@dataclass(frozen=True)
class CardFacts:
    """What a card shows, from either kind of flag."""

    code: str
    severity: str
    summary: str
    detail: str
    evidence: list[dict]
    citation: str
    evidence_label: str
    rule_set: int


def escape(text: str) -> str:
    """Text as literal GitHub-flavoured Markdown: our text has underscores and brackets that
    would format, and a `<` must never become HTML in the EHR."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def short(summary: str) -> str:
    summary = " ".join(str(summary).split())
    return summary if len(summary) <= SUMMARY_MAX else summary[:SUMMARY_MAX - 1] + "…"


def stored_card(flag: Flag, *, base_url: str) -> dict:
    """The card of a stored flag; its uuid is the flag's public id, so feedback finds it."""
    facts = CardFacts(flag.code, flag.severity, flag.summary, flag.detail, flag.evidence,
                      flag.citation, flag.evidence_label, flag.ruleset.number)
    patient_url = base_url + reverse("patient-detail", args=[flag.patient.public_id])
    flag_url = base_url + reverse("flag-detail", args=[flag.public_id])
    card = _card(facts, uuid_=str(flag.public_id), state=STATE_LINES.get(flag.state, ""),
                 base_url=base_url)
    card["links"] = [
        {"label": "Review this flag in CADM", "url": flag_url, "type": "absolute"},
        {"label": "Open the patient in CADM", "url": patient_url, "type": "absolute"},
    ]
    return card


def unstored_card(out: RuleFlag, *, rule_set: int, issuer: str, patient_id: str,
                  base_url: str) -> dict:
    """The card of a flag evaluated on an EHR's data; there is no page of ours to link to."""
    facts = CardFacts(out.code, out.severity, out.summary, out.detail,
                      [e.as_dict() for e in out.evidence], out.citation, out.evidence_label,
                      rule_set)
    card_id = uuid.uuid5(UNSTORED_NAMESPACE, f"{issuer}\x00{patient_id}\x00{out.code}")
    return _card(facts, uuid_=str(card_id), state=UNSTORED_LINE, base_url=base_url)


def _card(facts: CardFacts, *, uuid_: str, state: str, base_url: str) -> dict:
    indicator = facts.severity if facts.severity in INDICATORS else "info"
    return {
        "uuid": uuid_,
        "summary": short(facts.summary),
        "indicator": indicator,
        "detail": _detail(facts, state),
        "source": {
            "label": f"CADM decision support, rule set v{facts.rule_set}",
            "url": base_url + "/",
            "topic": {"system": TOPIC_SYSTEM, "code": facts.code, "display": facts.code},
        },
        "overrideReasons": override_reasons(),
    }


def _detail(facts: CardFacts, state: str) -> str:
    """Values, dates and thresholds (the flag's detail and evidence), what clears it (the
    detail says), the rule, its version and its source."""
    parts = []
    if state:
        parts.append(f"**{escape(state)}**")
    parts.append(escape(facts.detail))
    evidence = [_evidence_line(e) for e in facts.evidence if isinstance(e, dict)]
    if evidence:
        parts.append("**Evidence**\n\n" + "\n".join(evidence))
    parts.append(f"Rule `{facts.code}`, rule set v{facts.rule_set}, evidence level "
                 f"{escape(facts.evidence_label)}.")
    parts.append(f"**Source:** {escape(facts.citation)}")
    return "\n\n".join(parts)


def _evidence_line(item: dict) -> str:
    line = f"- {escape(item.get('label') or item.get('kind') or '')}"
    if item.get("value"):
        line += f": {escape(item['value'])}"
    if item.get("date"):
        line += f" ({escape(item['date'])})"
    return line
