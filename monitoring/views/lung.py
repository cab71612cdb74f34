"""One patient's lung picture: schedule, trend charts, decline table, PPF, FLAIR and MCK."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from cadm.permissions import Perm, has_perm
from cadm.selectors.patients import patient_get_for
from cadm.services.audit_reads import audited
from cadm.views.access import requires

from ..charts import render_svg
from ..selectors import lung_overview_for


@audited
@requires(Perm.PATIENT_VIEW)
def lung_detail(request, public_id):
    patient = patient_get_for(user=request.user, public_id=public_id)
    overview = lung_overview_for(patient, as_of=timezone.localdate())
    # The SVG is built by matplotlib from numbers and our own labels, never from free text.
    charts = [(series, mark_safe(render_svg(series))) for series in overview.series]
    return render(request, "monitoring/lung.html", {
        "patient": patient, "o": overview, "charts": charts,
        "can_record": has_perm(request.user, Perm.RESULT_RECORD),
        "can_review": has_perm(request.user, Perm.FLAG_REVIEW),
    })


@audited
@requires(Perm.PATIENT_VIEW)
def lung_series(request, public_id):
    """The same data as the page, as JSON: series with thresholds and flagged points, the
    schedule, the decline table, the PPF summary, FLAIR and MCK."""
    patient = patient_get_for(user=request.user, public_id=public_id)
    overview = lung_overview_for(patient, as_of=timezone.localdate())
    return JsonResponse(overview.as_dict(), json_dumps_params={"ensure_ascii": False})
