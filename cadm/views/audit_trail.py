"""The privacy officer's pages: the audit trail of their sites (filtered, paged, exported as
CSV) and a patient's "who accessed my record" report, printable.

No patient identifier travels in a URL: the filter form is POSTed, its resolved filter kept
in the session under a random token, and the pages, pager links, export and report carry
only `?f=<token>`. Every page and export shows patients' MRN and name, so each records its
own audit row (a read), with the patient when the filter names one: the officer's look at a
record is in that record's report too.
"""

import csv
import secrets
from dataclasses import dataclass
from datetime import UTC

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cadm.forms.audit_trail import ReportForm, TrailFilterForm
from cadm.permissions import Perm
from cadm.selectors.audit_trail import (
    TrailFilter,
    access_report,
    detail_shown,
    kind_of,
    target_label,
    trail_filtered,
    trail_for,
)
from cadm.services.audit import audit_record

from .access import requires

SESSION_KEY = "audit_trail_filters"
KEPT_FILTERS = 20  # searches remembered per session; an older token says "search again"
PAGE_SIZE = 50
CSV_HEADER = ("at (UTC)", "username", "user name", "action", "kind", "target type",
              "target id", "patient site", "patient MRN", "patient family name",
              "patient given name", "patient id", "detail")


def _store(request, trail_filter: TrailFilter) -> str:
    kept = request.session.get(SESSION_KEY, {})
    token = secrets.token_urlsafe(12)
    kept[token] = trail_filter.as_session()
    request.session[SESSION_KEY] = dict(list(kept.items())[-KEPT_FILTERS:])
    return token


def _load(request) -> tuple[str, TrailFilter | None]:
    token = request.GET.get("f", "")
    stored = request.session.get(SESSION_KEY, {}).get(token) if token else None
    if stored is None:
        return token, None
    return token, TrailFilter.from_session(stored, officer=request.user)


def _initial(trail_filter: TrailFilter | None) -> dict:
    """The form as the officer filled it: the MRN shows in the page, never in its URL."""
    if trail_filter is None:
        return {}
    patient = trail_filter.patient
    return {"user": trail_filter.actor.username if trail_filter.actor else "",
            "patient": patient.mrn if patient else "",
            "site": patient.site_id if patient else None, "action": trail_filter.action,
            "since": trail_filter.since, "until": trail_filter.until}


def _expired(request, url_name: str):
    messages.error(request, "That search is no longer kept (searches last as long as your "
                            "session): search again.")
    return redirect(url_name)


def _record_read(request, action: str, trail_filter: TrailFilter, **detail):
    patient = trail_filter.patient
    return audit_record(actor=request.user, action=action, target=patient or request.user,
                 patient=patient, detail={"filters": trail_filter.used(), **detail})


@dataclass(frozen=True)
class TrailPage:
    """A page of the trail without a total: counting every visible row of a trail that
    records each read would cost more than the page itself. Named as Django's Page, so the
    pager reads the same."""

    number: int
    rows: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.rows)


def _page(rows, asked: str | None) -> TrailPage:
    try:
        number = max(1, int(asked or 1))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    found = list(rows[start:start + PAGE_SIZE + 1])  # one more: is there a next page?
    return TrailPage(number=number, rows=found[:PAGE_SIZE], has_next=len(found) > PAGE_SIZE)


def _rows(page) -> list:
    return [(row, kind_of(row.action), target_label(row.target_type), detail_shown(row.detail))
            for row in page]


@never_cache
@requires(Perm.AUDIT_VIEW)
@require_http_methods(["GET", "POST"])
def trail(request):
    if request.method == "POST":
        form = TrailFilterForm(request.POST, officer=request.user)
        if form.is_valid():
            return redirect(f"{reverse('audit-trail')}?f={_store(request, form.trail_filter)}")
        messages.error(request, "Nothing was searched: correct the fields marked below.")
        return render(request, "cadm/audit/trail.html", {"form": form}, status=400)
    token, trail_filter = _load(request)
    if token and trail_filter is None:
        return _expired(request, "audit-trail")
    trail_filter = trail_filter or TrailFilter()
    rows = trail_filtered(trail_for(officer=request.user), trail_filter)
    page = _page(rows, request.GET.get("page"))
    shown = _rows(page)
    _record_read(request, "audit_trail.view", trail_filter, page=page.number,
                 patients=sorted({str(row.patient.public_id) for row, *_ in shown
                                  if row.patient}))
    return render(request, "cadm/audit/trail.html", {
        "form": TrailFilterForm(initial=_initial(trail_filter), officer=request.user),
        "page": page, "rows": shown, "token": token, "filter": trail_filter,
    })


class _Echo:
    """csv.writer's file: each row is handed straight to the response, never held."""

    def write(self, value):
        return value


def _cell(value) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_lines(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for row in rows.iterator(chunk_size=2000):
        patient, actor = row.patient, row.actor
        yield writer.writerow([_cell(v) for v in (
            row.at.astimezone(UTC).isoformat(timespec="seconds"),
            actor.username if actor else "(system)", actor.get_full_name() if actor else "",
            row.action, kind_of(row.action), row.target_type, row.target_id,
            patient.site.name if patient else "", patient.mrn if patient else "",
            patient.family_name if patient else "", patient.given_name if patient else "",
            patient.public_id if patient else "",
            "; ".join(f"{k}={v}" for k, v in detail_shown(row.detail)))])


@never_cache
@requires(Perm.AUDIT_VIEW)
@require_GET
def trail_export(request):
    """The same filter as the page, every row, streamed; recorded before the first byte (an
    export cut short was still an export)."""
    token, trail_filter = _load(request)
    if token and trail_filter is None:
        return _expired(request, "audit-trail")
    trail_filter = trail_filter or TrailFilter()
    recorded = _record_read(request, "audit_trail.export", trail_filter)
    # The trail as it was when asked: not this export's own row, nor rows written while the
    # file streams (ids grow with time).
    rows = trail_filtered(trail_for(officer=request.user), trail_filter).filter(
        pk__lt=recorded.pk)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-trail-{timezone.localdate().isoformat()}.csv"')
    return response


@never_cache
@requires(Perm.AUDIT_VIEW)
@require_http_methods(["GET", "POST"])
def access_report_page(request):
    """Who read or changed one patient's record, with when and what. Asked for by a POSTed
    form, or from the trail page's filter when it names a patient."""
    if request.method == "POST":
        form = ReportForm(request.POST, officer=request.user)
        if form.is_valid():
            return redirect(f"{reverse('audit-report')}?f={_store(request, form.trail_filter)}")
        messages.error(request, "No report: correct the fields marked below.")
        return render(request, "cadm/audit/report.html", {"form": form}, status=400)
    token, trail_filter = _load(request)
    if token and trail_filter is None:
        return _expired(request, "audit-report")
    if trail_filter is None or trail_filter.patient is None:
        return render(request, "cadm/audit/report.html", {
            "form": ReportForm(initial=_initial(trail_filter), officer=request.user)})
    # The report is about every user and action: a trail search's other filters do not apply.
    asked = TrailFilter(patient=trail_filter.patient, since=trail_filter.since,
                        until=trail_filter.until)
    report = access_report(officer=request.user, patient=asked.patient, since=asked.since,
                           until=asked.until)
    _record_read(request, "audit_trail.report", asked, rows=report.total)
    return render(request, "cadm/audit/report.html", {
        "report": report, "filter": asked, "token": token, "now": timezone.now(),
        "rows": [(row, kind_of(row.action), target_label(row.target_type)) for row in
                 report.rows],
    })
