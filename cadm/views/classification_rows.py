"""The classification-history panel's visit rows, written once per page in Python.

A long history is forty visits. Asked of the template, each row cost a `{% with %}`, about
ten `|label` filters, nested ifs and chains of attribute lookups (each first failing a
dictionary lookup on the dataclass): 2 ms of the page. Here a row is one string in which
every value is escaped, as the template did, labelled by the template's own `label`
function. The markup is the one the template had: the strings below.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

from cadm.rules.outcomes import Classification
from cadm.selectors.classification_history import (
    VisitClassification,
    classification_history_context,
)
from cadm.templatetags.cadm_labels import label

from .row_html import esc

_ROW = """
      <tr class="{}">
        <th scope="row">{}<br><small>{}</small></th>
        <td class="subtype">{}{}</td>
        <td class="eular"><strong>{}</strong> <small>{} biopsy</small><br>
          {}{}</td>
        <td class="items"><small>{}</small></td>
        <td class="changes">{}</td>
      </tr>
    """
_EARLIEST = "<small>earliest visit</small>"
_NO_CHANGE = "<small>no change</small>"
_SUBTYPE = "<div><strong>Subtype</strong> {} → {}</div>"
_CONFIRMATION = "<div><strong>Confirmation</strong> {} → {}</div>"
_SCORE = "<div><strong>Score</strong> {} → {}</div>"
_CATEGORY = "<div><strong>Category</strong> {} → {}</div>"


def visit_rows(rows: list[VisitClassification]) -> list[SafeString]:
    """One `<tr>` per visit, in the order given."""
    # The template printed numbers localized. Scores and points are under 100 with one
    # decimal, so no grouping or exponent: only the decimal separator can differ from str().
    separator = formats.get_format("DECIMAL_SEPARATOR")

    def num(value) -> str:
        return esc(str(value).replace(".", separator))

    def subtype(c: Classification) -> str:
        return esc(label(c.subtype, "subtype"))

    def category(c: Classification) -> str:
        return esc(label(c.eular_acr.category, "category"))

    def changes(row: VisitClassification) -> str:
        p, c = row.previous, row.classification
        if not p:
            return _EARLIEST
        if not row.changes:
            return _NO_CHANGE
        # The template's layout: one line per possible change, empty when it did not happen.
        cells = (
            _SUBTYPE.format(subtype(p), subtype(c)) if "subtype" in row.changes else "",
            # Not listed beside a change of subtype, as the template had it.
            _CONFIRMATION.format(esc(p.confirmation or "none"), esc(c.confirmation or "none"))
            if "confirmation" in row.changes and "subtype" not in row.changes else "",
            _SCORE.format(num(p.eular_acr.score), num(c.eular_acr.score))
            if "score" in row.changes else "",
            _CATEGORY.format(category(p), category(c)) if "category" in row.changes else "",
        )
        return "\n          " + "\n          ".join(cells) + "\n        "

    def row(r: VisitClassification) -> SafeString:
        c, e = r.classification, r.classification.eular_acr
        items = " · ".join(f"{esc(label(name, 'eular_item'))} {num(points)}"
                           for name, points in e.items) or "none"
        return mark_safe(_ROW.format(
            "changed" if r.changes else "unchanged",
            r.visit_on.isoformat(), esc(r.clinician),
            subtype(c), f" ({esc(c.confirmation)})" if c.confirmation else "",
            num(e.score), "with" if e.with_biopsy else "without",
            category(c), f", {esc(label(e.subgroup, 'subgroup'))}" if e.subgroup else "",
            items, changes(r),
        ))

    return [row(r) for r in rows]


def classification_history_panel(**kwargs) -> dict:
    """The panel's context (cadm.selectors.classification_history) with its rows written."""
    context = classification_history_context(**kwargs)
    context["visit_rows"] = visit_rows(context["rows"])
    return context
