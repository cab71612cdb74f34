from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cadm.models import Site
from cadm.permissions import Perm, has_perm, site_ids_of


def site_list_for(*, user) -> QuerySet[Site]:
    """The sites a clinician may pick on a cohort page: their own; none without the right."""
    if not has_perm(user, Perm.PATIENT_VIEW):
        return Site.objects.none()
    return Site.objects.filter(id__in=site_ids_of(user)).order_by("name")


def site_get_for(*, user, code: str) -> Site | None:
    """No code: all the user's sites (None). Another site's code is a 404, like a patient."""
    if not code:
        return None
    try:
        return site_list_for(user=user).get(code=code)
    except Site.DoesNotExist:
        raise Http404("No such site.") from None
