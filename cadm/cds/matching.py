"""Which of our patients an EHR's FHIR Patient is: by identifier (system + value), only among
the patients of the sites that EHR is allowed (its CDS_ISSUERS entry). Never by name or birth
date: a near match shown as someone else's flags would be worse than no card.

One function, so that the rule can change in one place. Two ways to be found, both scoped to
the issuer's sites: an identifier the FHIR import recorded (cadm.models.PatientIdentifier,
at the patient's current site, as the importer matches), and our MRN at the site under the
system `urn:cadm:site:<code>:mrn` or one the issuer maps to a site.
"""

from __future__ import annotations

from django.db.models import F, Q
from django.db.models.functions import Lower

from cadm.models import Patient, PatientIdentifier

from .config import Issuer

MAX_IDENTIFIERS = 20


def patient_match(resource: dict, issuer: Issuer) -> Patient | None:
    """Our patient for this FHIR Patient resource, or None. Several different patients
    matching (two identifiers pointing at two records) is no match: we cannot tell which."""
    pairs = _identifiers(resource)
    if not pairs or not issuer.sites:
        return None
    found = _by_recorded_identifier(pairs, issuer) | _by_mrn(pairs, issuer)
    return found.pop() if len(found) == 1 else None


def _identifiers(resource: dict) -> list[tuple[str, str]]:
    """The (system, value) pairs; a Patient has a few, so more than MAX_IDENTIFIERS is not
    a Patient we try to read (each pair is a lookup)."""
    items = resource.get("identifier")
    if not isinstance(items, list):
        return []
    out = []
    for item in items[:MAX_IDENTIFIERS]:
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
    wanted = Q()
    for system, value in pairs:
        wanted |= Q(system=system, value=value)
    rows = (PatientIdentifier.objects.filter(wanted, site__code__in=issuer.sites,
                                             patient__site=F("site"))
            .select_related("patient"))
    return {row.patient for row in rows}
