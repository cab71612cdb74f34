"""The worklist's rows, written once per page in Python.

The page shows 50 rows of about twenty values each. Asked of the template, each row cost two
`{% url %}`, a `{% querystring %}`, an `{% include %}` of the severity badge, a choices lookup
and chains of attribute lookups (on a model instance each first fails a dictionary lookup):
most of the page's time. Here each link is a prefix built once per page plus the row's id, and
a row is one `str.format` of values each escaped as the template did (`esc`).
"""

from __future__ import annotations

from django.http import QueryDict
from django.template.defaultfilters import timesince_filter
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from cadm.models import Flag

from .row_html import esc, url_for_rows

STATE_LABELS = dict(Flag.State.choices)


def _patient_flags_link(query: QueryDict):
    """`{% querystring patient=<id> state='live' severity=None code=None age=None q=None
    page=None %}` for any row: the same edits in the same order, so the parameters keep the
    tag's order, encoded once around the patient's place."""
    params = query.copy()
    params["patient"] = ""
    params["state"] = "live"
    for name in ("severity", "code", "age", "q", "page"):
        params.pop(name, None)
    names = list(params)
    at = names.index("patient")
    before, after = QueryDict(mutable=True), QueryDict(mutable=True)
    for name in names[:at]:
        before.setlist(name, params.getlist(name))
    for name in names[at + 1:]:
        after.setlist(name, params.getlist(name))
    head = f"?{before.urlencode()}&" if before else "?"
    tail = f"&{after.urlencode()}" if after else ""
    return lambda public_id: f"{head}patient={public_id}{tail}"


# The badge is cadm/_severity.html's; the rest is what worklist.html wrote per row.
ROW = """
    <tr>
      <td><span class="sev sev-{severity}">{severity_label}</span></td>
      <td><a href="{url}">{summary}</a><br><small class="code">{code}</small></td>
      <td><a href="{patient_url}">{family_name}, {given_name}</a><br><small>{mrn}</small>
        {others}</td>
      <td>{site}</td>
      <td>{state}{snoozed}</td>
      <td>{opened_on}<br><small>{age} ago</small></td>
      <td>v{ruleset}</td>
    </tr>"""
OTHERS = ('<br><a class="patient-flags" href="{}" title="All flags of this patient that are not '
          'resolved">{} live flags</a>')


def worklist_rows(flags, *, query: QueryDict, narrowed: bool) -> list[SafeString]:
    """The HTML of each flag of the page (WorklistFilter.rows). The link to a patient's other
    live flags is left out when the list is narrowed to that patient already, or when the
    flag is the patient's only one."""
    flag_link, patient_link = url_for_rows("flag-detail"), url_for_rows("patient-detail")
    flags_link = _patient_flags_link(query)
    rows = []
    for flag in flags:
        patient = flag.patient
        others = (OTHERS.format(esc(flags_link(patient.public_id)), flag.patient_live_count)
                  if flag.patient_live_count > 1 and not narrowed else "")
        rows.append(mark_safe(ROW.format(
            severity=esc(flag.severity), severity_label=esc(capfirst(flag.severity)),
            url=esc(flag_link(flag.public_id)), summary=esc(flag.summary), code=esc(flag.code),
            patient_url=esc(patient_link(patient.public_id)),
            family_name=esc(patient.family_name), given_name=esc(patient.given_name),
            mrn=esc(patient.mrn), others=others, site=esc(flag.site_name),
            state=esc(STATE_LABELS.get(flag.state, flag.state)),
            snoozed=(f" until {flag.snoozed_until.isoformat()}" if flag.snoozed_until else ""),
            # The `date` filter's local day (it reads datetimes in the current time zone).
            opened_on=timezone.localtime(flag.opened_at).date().isoformat(),
            age=esc(timesince_filter(flag.opened_at)), ruleset=esc(flag.ruleset_number))))
    return rows
