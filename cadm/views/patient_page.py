"""The patient page's timeline rows, written once per page in Python.

A history of five years is about a hundred rows. Asked of the template, each row cost one or
two `{% url %}`, a `{% csrf_token %}`, a loop over its lines and chains of attribute lookups
(each first failing a dictionary lookup on the dataclass): most of the page's rendering time.
Here each action's link is a prefix reversed once per page plus the row's id, and a row is a
string in which every value is escaped, as the template did. The markup is the one the
template had: the strings below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from itertools import groupby

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cadm.forms.medications import DoseChangeForm, StopForm
from cadm.forms.submissions import OnceForm
from cadm.permissions import Perm, has_perm
from cadm.selectors.timeline import TimelineEntry

from .row_html import esc, url_for_rows

_ROW = """
      <li class="{}"><strong>{}</strong>
        {}
        <small>recorded by {}</small>
        {}</li>"""
_IN_ERROR = '<div class="error-note">Entered in error: {}</div>'
_VISIT_ACTIONS = """
        <p class="visit-actions noprint"><a href="{}">Edit visit</a></p>
        <details class="correct noprint"><summary>Whole visit entered in error?</summary>
          <form method="post" action="{}">{}
            <label>Reason <input type="text" name="reason" maxlength="300" required></label>
            <button type="submit" class="secondary">""" \
    """Mark the visit and its results as entered in error</button>
          </form>
        </details>"""
_RECORD_ACTIONS = """
        <details class="correct noprint"><summary>Entered in error?</summary>
          <form method="post" action="{}">{}
            <label>Reason <input type="text" name="reason" maxlength="300" required></label>
            <button type="submit" class="secondary">Mark as entered in error</button>
          </form>
        </details>"""


_DAY = """
  <li><h3>{}</h3>
    <ul>{}
    </ul>
  </li>"""
# As {{ once.form_token }} writes it (Django's hidden.html, input.html and attrs.html).
_TOKEN = '<input type="hidden" name="form_token" value="{}" id="id_form_token">'
# The timeline's page a correction is sent from, to come back to it (timeline_url).
_TIMELINE_PAGE = '<input type="hidden" name="timeline" value="{}">'
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def timeline_url(patient, posted) -> str:
    """The patient page at its timeline, on the page a correction's form was sent from
    (`posted`: the form's data; anything but a page number there means the first)."""
    url = reverse("patient-detail", args=[patient.public_id])
    page = posted.get("timeline", "")
    if _PAGE_NUMBER.fullmatch(page) and page != "1":
        url += f"?timeline={page}"
    return url + "#timeline"


def timeline_days(entries: Iterable[TimelineEntry], *, user, patient, correctable: set[str],
                  csrf_input: str, page: int = 1) -> list[SafeString]:
    """The timeline grouped by day (newest first, as the entries come), a day a string, each
    row with the
    actions this user has on it: a visit's edit and "whole visit entered in error" for
    whoever may record it (a dermatologist: a skin-only visit), a result's "entered in
    error" for the kinds the user may record (`correctable`); none on a row already
    marked. `csrf_input`: the page's hidden CSRF field, the same in every form; `page`: the
    timeline's page shown, which a correction comes back to."""
    may_skin = has_perm(user, Perm.SKIN_RECORD)
    may_visit = has_perm(user, Perm.VISIT_RECORD)
    visit_edit = url_for_rows("visit-edit", patient.public_id)
    visit_error = url_for_rows("visit-entered-in-error", patient.public_id)
    record_error = {kind: url_for_rows("record-entered-in-error", patient.public_id, kind)
                    for kind in correctable}
    if page > 1:
        csrf_input += _TIMELINE_PAGE.format(page)

    def actions(e: TimelineEntry) -> str:
        if e.entered_in_error:
            return _IN_ERROR.format(esc(e.entered_in_error))
        if e.kind == "visit":
            if may_skin and (may_visit or e.skin_only):
                return _VISIT_ACTIONS.format(esc(visit_edit(e.public_id)),
                                             esc(visit_error(e.public_id)), csrf_input)
            return ""
        if e.public_id and e.kind in record_error:
            return _RECORD_ACTIONS.format(esc(record_error[e.kind](e.public_id)), csrf_input)
        return ""

    def row(e: TimelineEntry) -> SafeString:
        css = f"entry entry-{e.kind}{' in-visit' if e.in_visit else ''}" \
              f"{' in-error' if e.entered_in_error else ''}"
        lines = "".join(f'<div class="line">{esc(line)}</div>' for line in e.lines)
        return mark_safe(_ROW.format(esc(css), esc(e.title), lines,
                                     esc(e.recorded_by), actions(e)))

    return [mark_safe(_DAY.format(day.isoformat(), "".join(row(e) for e in group)))
            for day, group in groupby(entries, key=lambda e: e.day)]


def medication_rows(courses: list, *, user, today: date) -> dict:
    """The courses taken today, each with the hidden field of its own one-time token, and the
    change-dose and stop fields for whoever may record results. Those fields are the same for
    every course (same prefix, same initial day): rendered once a day, each course's forms
    repeat the HTML."""
    context: dict = {"medications": [(course, token_input(OnceForm())) for course in courses]}
    if courses and has_perm(user, Perm.RESULT_RECORD):
        context["dose_fields"], context["stop_fields"] = _change_fields(today)
    return context


@lru_cache(maxsize=2)
def _change_fields(today: date) -> tuple[str, str]:
    """Unbound forms whose only variable is the day: the same HTML all day long."""
    return (_fields_html(DoseChangeForm(prefix="dose", initial={"from_on": today})),
            _fields_html(StopForm(prefix="stop", initial={"end_on": today})))


def token_input(once: OnceForm) -> SafeString:
    """The form's one-time token as a hidden field, without a template per form."""
    return format_html(_TOKEN, once.initial["form_token"])


def _fields_html(form) -> str:
    return render_to_string("cadm/_form_fields.html", {"form": form})
