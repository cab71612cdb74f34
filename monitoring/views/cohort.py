"""The lung cohort of the user's sites: anti-MDA5 patients by PFT schedule, and progression."""

from django.shortcuts import render
from django.utils import timezone

from cadm.permissions import Perm
from cadm.selectors.sites import site_get_for, site_list_for
from cadm.services.audit_reads import audited, patients_shown
from cadm.views.access import requires

from ..cohort import lung_cohort_for


@audited(names=None)
@requires(Perm.PATIENT_VIEW)
def lung_cohort(request):
    """One page per site (`?site=code`) or all the user's sites; another site is a 404. Each
    list is paged on its own (`mda5_page`, `progression_page`)."""
    today = timezone.localdate()
    site = site_get_for(user=request.user, code=request.GET.get("site", ""))
    cohort = lung_cohort_for(user=request.user, site=site, as_of=today,
                             mda5_page=request.GET.get("mda5_page"),
                             progression_page=request.GET.get("progression_page"))
    patients_shown(row.patient for page in (cohort.mda5, cohort.progression) for row in page)
    return render(request, "monitoring/cohort.html", {
        "sites": site_list_for(user=request.user), "site": site, "today": today,
        "cohort": cohort,
    })
