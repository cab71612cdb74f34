"""A patient's identifiers in other systems (an EHR's MRN, a national number): what FHIR
import matches a patient by, at one site. Added, never changed: an identifier that names
another patient of the site is refused rather than moved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cadm.exceptions import require, require_patient_site
from cadm.models import Patient, PatientIdentifier
from cadm.permissions import Perm

from .audit import audit_record

MAX = 255  # PatientIdentifier.system and .value


def identifiers_at_site(site, identifiers) -> dict[tuple[str, str], int]:
    """(system, value) -> patient id, for those of `identifiers` recorded at `site` for a
    patient still kept there (a transferred patient is matched at its new site only)."""
    pairs = {(s, v) for s, v in identifiers}
    found = PatientIdentifier.objects.filter(site=site, patient__site=site,
                                             value__in={v for _, v in pairs})
    return {(i.system, i.value): i.patient_id for i in found if (i.system, i.value) in pairs}


@transaction.atomic
def patient_identifiers_add(*, actor, patient: Patient, identifiers) -> list[tuple[str, str]]:
    """Record the (system, value) pairs not yet recorded for `patient`; returns those added.
    Raises ValidationError (key "identifier") for a pair that names another patient of the
    site, or one longer than the column."""
    require(actor, Perm.PATIENT_WRITE)
    require_patient_site(actor, patient)
    known = identifiers_at_site(patient.site, identifiers)
    added = []
    for system, value in dict.fromkeys(identifiers):
        if len(system) > MAX or len(value) > MAX:
            raise ValidationError({"identifier": f"Identifier: longer than {MAX} characters."})
        owner = known.get((system, value))
        if owner == patient.pk:
            continue
        if owner is not None:
            raise ValidationError({"identifier": f"Identifier {system}|{value} already names "
                                                 f"another patient at {patient.site.name}."})
        PatientIdentifier.objects.create(patient=patient, site=patient.site, system=system,
                                         value=value)
        added.append((system, value))
    if added:
        # The systems only: an identifier's value is patient data.
        audit_record(actor=actor, action="patient.identifiers_add", target=patient,
                     patient=patient, detail={"systems": sorted({s for s, _ in added})})
    return added
