from django.shortcuts import render

from cadm.models import JobRun
from cadm.permissions import Perm

from .access import requires


@requires(Perm.COHORT_AGGREGATE_VIEW)
def job_list(request):
    """Background jobs (daily sweep, re-evaluations): progress, outcome and errors. Counts and
    ids only: no patient is named here."""
    jobs = JobRun.objects.select_related("created_by")[:50]
    return render(request, "cadm/job_list.html", {"jobs": jobs})
