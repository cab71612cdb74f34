"""The privacy officer's pages: the audit trail of their sites (filtered, paged, exported as
CSV) and a patient's "who accessed my record" report, printable.

No patient identifier travels in a URL: the filter form is POSTed, the resolved filter kept
in the session as the patient searches are (cadm/views/search_tokens.py: a random token, an
hour at most), and the pages, pager links, export and report carry only `?q=<token>`.

Every page, export and report shows patients' MRN and name, so each is a read and records its
row through cadm.services.audit_reads: naming the patient when the filter names one, else
linked to every patient it showed (a page's rows, an export's every row), so the officer's
look is in those patients' reports too.
"""

import csv
import json
from dataclasses import dataclass
from datetime import UTC

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cadm.forms.audit_trail import ReportForm, TrailFilterForm
from cadm.models import Patient
from cadm.permissions import Perm
from cadm.selectors.audit_trail import (
    TrailFilter,
    access_report,
    detail_shown,
    kind_of,
    trail_filtered,
    trail_for,
    what_of,
)
from cadm.services.audit_reads import audit_read

from .access import requires
from .search_tokens import search_redirect, search_text, search_token_issue

PAGE_SIZE = 50
CSV_HEADER = ("at (UTC)", "username", "user name", "action", "kind", "target type",
              "target id", "patient site", "patient MRN", "patient family name",
              "patient given name", "patient id", "detail")


def _redirect(request, route: str, trail_filter: TrailFilter):
    """303 to the page with the filter's token (none for no filter)."""
    text = json.dumps(trail_filter.as_session()) if trail_filter.used() else ""
    return search_redirect(request, route, text)


def _load(request) -> tuple[str, TrailFilter | None, str]:
    """(token, filter, notice): the token's filter, or None with why there is none."""
    token = request.GET.get("q", "")
    text, notice = search_text(request, token)
    if not text:
        return token, None, notice
    return token, TrailFilter.from_session(json.loads(text), officer=request.user), ""


def _initial(trail_filter: TrailFilter | None) -> dict:
    """The form as the officer filled it: the MRN shows in the page, never in its URL."""
    if trail_filter is None:
        return {}
    patient = trail_filter.patient
    return {"user": trail_filter.actor.username if trail_filter.actor else "",
            "patient": patient.mrn if patient else "",
            "site": patient.site_id if patient else None, "action": trail_filter.action,
            "since": trail_filter.since, "until": trail_filter.until}


def _notice(request, notice: str) -> None:
    if notice:
        messages.error(request, notice)


def _record_read(request, action: str, trail_filter: TrailFilter, *, shown=None,
                 ids_in_detail=True, **detail):
    """One read row: of the filter's patient, else of the patients `shown` (linked)."""
    detail = {"filters": trail_filter.used(), **detail}
    if trail_filter.patient is not None:
        return audit_read(request.user, what=request.resolver_match.url_name, action=action,
                          patient=trail_filter.patient, detail=detail)
    return audit_read(request.user, what=request.resolver_match.url_name, action=action,
                      patients=shown or [], detail=detail, ids_in_detail=ids_in_detail)


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
    return [(row, kind_of(row.action), what_of(row), detail_shown(row.detail)) for row in page]


@never_cache
@requires(Perm.AUDIT_VIEW)
@require_http_methods(["GET", "POST"])
def trail(request):
    if request.method == "POST":
        form = TrailFilterForm(request.POST, officer=request.user)
        if form.is_valid():
            return _redirect(request, "audit-trail", form.trail_filter)
        messages.error(request, "Nothing was searched: correct the fields marked below.")
        return render(request, "cadm/audit/trail.html", {"form": form}, status=400)
    token, trail_filter, notice = _load(request)
    _notice(request, notice)
    trail_filter = trail_filter or TrailFilter()
    rows = trail_filtered(trail_for(officer=request.user), trail_filter)
    page = _page(rows, request.GET.get("page"))
    shown = _rows(page)
    _record_read(request, "audit_trail.view", trail_filter, page=page.number,
                 shown=[row.patient for row, *_ in shown if row.patient])
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
    token, trail_filter, notice = _load(request)
    if notice:
        _notice(request, notice)
        return redirect("audit-trail")
    trail_filter = trail_filter or TrailFilter()
    rows = trail_filtered(trail_for(officer=request.user), trail_filter)
    # Linked to every patient the file names (their ids not in the row: it would be as long
    # as the file).
    exported = Patient.objects.filter(pk__in=rows.filter(patient__isnull=False)
                                      .values("patient_id"))
    recorded = _record_read(request, "audit_trail.export", trail_filter, shown=exported,
                            ids_in_detail=False)
    # The trail as it was when asked: not this export's own row, nor rows written while the
    # file streams (ids grow with time).
    rows = rows.filter(pk__lt=recorded.pk)
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
            return _redirect(request, "audit-report", form.trail_filter)
        messages.error(request, "No report: correct the fields marked below.")
        return render(request, "cadm/audit/report.html", {"form": form}, status=400)
    token, trail_filter, notice = _load(request)
    _notice(request, notice)
    if trail_filter is None or trail_filter.patient is None:
        return render(request, "cadm/audit/report.html", {
            "form": ReportForm(initial=_initial(trail_filter), officer=request.user)})
    # The report is about every user and action: a trail search's other filters do not apply.
    asked = TrailFilter(patient=trail_filter.patient, since=trail_filter.since,
                        until=trail_filter.until)
    report = access_report(officer=request.user, patient=asked.patient, since=asked.since,
                           until=asked.until)
    _record_read(request, "audit_trail.report", asked, rows=report.total)
    if asked != trail_filter:  # the report's export: its rows, not the trail search's
        token = search_token_issue(request, json.dumps(asked.as_session()))
    return render(request, "cadm/audit/report.html", {
        "report": report, "filter": asked, "token": token, "now": timezone.now(),
        "rows": [(row, kind_of(row.action), what_of(row)) for row in report.rows],
    })
