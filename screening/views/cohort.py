"""The screening cohort of the user's sites: tiers, items due soon and overdue, CSV export."""

import csv
from itertools import chain

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cadm.permissions import Perm
from cadm.selectors.sites import site_get_for, site_list_for
from cadm.services.audit_reads import audited, patients_shown, read_is_export
from cadm.views.access import requires

from ..selectors import (
    DUE_SOON_DAYS,
    cohort_items_for,
    cohort_tier_counts,
)

CSV_HEADER = ("site", "MRN", "family name", "given name", "tier", "panel", "kind", "due date",
              "status")
# Each list is paged on its own (`due_page`, `overdue_page`); the export has every row.
PAGE_SIZE = 50


@audited(names=None)
@requires(Perm.PATIENT_VIEW)
def cohort(request):
    """One page per site (or all the user's sites); `?format=csv` exports the two lists."""
    today = timezone.localdate()
    site = site_get_for(user=request.user, code=request.GET.get("site", ""))
    items = cohort_items_for(user=request.user, site=site, today=today)
    if request.GET.get("format") == "csv":
        return _csv(request, site, today, chain(items.due_soon.iterator(chunk_size=2000),
                                                items.overdue.iterator(chunk_size=2000)))
    due_soon = Paginator(items.due_soon, PAGE_SIZE).get_page(request.GET.get("due_page"))
    overdue = Paginator(items.overdue, PAGE_SIZE).get_page(request.GET.get("overdue_page"))
    patients_shown(item.plan.patient for page in (due_soon, overdue) for item in page)
    return render(request, "screening/cohort.html", {
        "sites": site_list_for(user=request.user), "site": site, "today": today,
        "days": DUE_SOON_DAYS, "last_day": items.last_day,
        "tiers": cohort_tier_counts(user=request.user, site=site),
        "due_soon": due_soon, "overdue": overdue,
    })


def _cell(value) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(request, site, today, items) -> HttpResponse:
    """Patient identities leave the system here: the export is audited (style §4)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="screening-cohort-{today.isoformat()}.csv"')
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    rows = 0
    for item in items:
        patient = item.plan.patient
        writer.writerow([_cell(v) for v in (
            patient.site.name, patient.mrn, patient.family_name, patient.given_name,
            item.plan.tier, item.panel, item.kind, item.due_on.isoformat(), item.status)])
        patients_shown([patient])
        rows += 1
    # The view's one row is the export's, linked to every patient in the file.
    read_is_export(action="screening.export", target=site or request.user,
                   detail={"rows": rows, "site": site.code if site else "all"})
    return response
