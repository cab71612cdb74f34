"""Which of our patients an EHR's FHIR Patient is: by identifier (system + value), only among
the patients of the sites that EHR is allowed (its CDS_ISSUERS entry). Never by name or birth
date: a near match shown as someone else's flags would be worse than no card.

One function, so that the rule can change in one place: identifiers the FHIR import records
(`cadm.PatientIdentifier`, once that model exists) are used first; our MRN at the site,
under the system `urn:cadm:site:<code>:mrn` or one the issuer maps to a site, always works.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.functions import Lower

from cadm.models import Patient

from .config import Issuer


def patient_match(resource: dict, issuer: Issuer) -> Patient | None:
    """Our patient for this FHIR Patient resource, or None. Several different patients
    matching (two identifiers pointing at two records) is no match: we cannot tell which."""
    pairs = _identifiers(resource)
    if not pairs or not issuer.sites:
        return None
    found = _by_recorded_identifier(pairs, issuer) | _by_mrn(pairs, issuer)
    return found.pop() if len(found) == 1 else None


def _identifiers(resource: dict) -> list[tuple[str, str]]:
    out = []
    for item in resource.get("identifier") or []:
        if not isinstance(item, dict):
            continue
        system, value = item.get("system"), item.get("value")
        if isinstance(system, str) and isinstance(value, str) and value.strip():
            out.append((system.strip(), value.strip()))
    return out


def _by_mrn(pairs: list[tuple[str, str]], issuer: Issuer) -> set[Patient]:
    systems = issuer.mrn_system_sites()
    found = set()
    for system, value in pairs:
        site = systems.get(system)
        if site is None:
            continue
        # MRNs are unique per site whatever their case (patient_mrn_unique_per_site_ci).
        found.update(Patient.objects.annotate(mrn_ci=Lower("mrn"))
                     .filter(site__code=site, mrn_ci=value.lower()))
    return found


def _by_recorded_identifier(pairs: list[tuple[str, str]], issuer: Issuer) -> set[Patient]:
    try:
        model = apps.get_model("cadm", "PatientIdentifier")
    except LookupError:  # the FHIR import has not added it (yet)
        return set()
    found = set()
    for system, value in pairs:
        rows = model.objects.filter(system=system, value=value,
                                    patient__site__code__in=issuer.sites)
        found.update(row.patient for row in rows.select_related("patient"))
    return found
