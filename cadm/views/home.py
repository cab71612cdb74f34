from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render

from cadm.models import Patient
from cadm.permissions import Perm, has_perm, site_ids_of

from .access import requires


@login_required
def home(request):
    """Send each role to where its work is."""
    if has_perm(request.user, Perm.FLAG_REVIEW):
        return redirect("worklist")
    if has_perm(request.user, Perm.PATIENT_VIEW):
        return redirect("patient-list")
    if has_perm(request.user, Perm.RULESET_MANAGE):
        return redirect("ruleset-list")
    if has_perm(request.user, Perm.COHORT_AGGREGATE_VIEW):
        return redirect("cohort-summary")
    if has_perm(request.user, Perm.AUDIT_VIEW):
        return redirect("audit-trail")
    if has_perm(request.user, Perm.USERS_MANAGE):
        return redirect("user-list")
    return render(request, "cadm/no_role.html", status=403)


@requires(Perm.COHORT_AGGREGATE_VIEW)
def cohort_summary(request):
    """Counts only: rules admins tune rules on the cohort's shape, never on identities."""
    rows = (Patient.objects.filter(site_id__in=site_ids_of(request.user))
            .values("site__name", "recorded_subtype")
            .annotate(n=Count("id")).order_by("site__name", "recorded_subtype"))
    return render(request, "cadm/cohort_summary.html", {"rows": rows})
