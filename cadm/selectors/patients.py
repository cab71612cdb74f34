from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from cadm.models import Patient
from cadm.permissions import Perm, can_access_patient, has_perm, site_ids_of
from cadm.services.audit_reads import patient_seen, refusal_outside_views

from .compiled import UUID_STAND_IN, Compiled


def patient_list_for(*, user, query: str = "") -> QuerySet[Patient]:
    """Patients the user may see: those of their sites, and none without the permission."""
    if not has_perm(user, Perm.PATIENT_VIEW):
        return Patient.objects.none()
    # The id after the names: namesakes keep their order from one page to the next (and the
    # index patient_name_order gives the page without sorting the site).
    patients = (Patient.objects.filter(site_id__in=site_ids_of(user)).select_related("site")
                .order_by("family_name", "given_name", "id"))
    for term in query.split():
        patients = patients.filter(
            Q(mrn__iexact=term) | Q(family_name__icontains=term) | Q(given_name__icontains=term)
        )
    return patients


def patient_get_for(*, user, public_id) -> Patient:
    """404, not 403, for another site's patient: not even its existence leaks. The one door
    to a single patient, so it is where a view's read learns whose record it shows, and where
    a refusal is recorded for the doors no audited view wraps (cadm.services.audit_reads)."""
    found = []
    if has_perm(user, Perm.PATIENT_VIEW):  # no query for a user who may see no patient
        try:
            key = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
        except ValueError:
            pass
        else:
            found = [p for p in _BY_PUBLIC_ID(key) if can_access_patient(user, p)]
    if not found:
        refusal_outside_views(user, public_id)
        raise Http404("No such patient.")
    patient_seen(found[0])
    return found[0]


# Read by every page about one patient: compiled once (cadm.selectors.compiled).
_BY_PUBLIC_ID = Compiled(lambda public_id: Patient.objects.filter(public_id=public_id)
                         .select_related("site"), stand_in=UUID_STAND_IN)
