from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from cadm.models import Patient
from cadm.permissions import Perm, has_perm, site_ids_of
from cadm.services.audit_reads import patient_seen, refusal_outside_views


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
    try:
        patient = patient_list_for(user=user).get(public_id=public_id)
    except (Patient.DoesNotExist, ValueError):
        refusal_outside_views(user, public_id)
        raise Http404("No such patient.") from None
    patient_seen(patient)
    return patient
