"""Who may do what: the one place where roles meet permissions.

Deny by default. A view names the permission it needs; a user holds it only through a role
listed here. Patient rows are further limited to the user's sites (`can_access_patient`,
and `patient_list_for` in selectors). Changing this map is a product decision that needs
clinical sign-off.

Two roles hold no clinical data (issue 14). A privacy officer reads the audit trail of their
sites (`AUDIT_VIEW`), patient MRN and name included on those rows, but opens no patient page:
they answer "who saw this record", they do not care for the patient. Like every user they
are per site: a hospital group's sites may have different officers, and one officer may hold
several sites. A site admin manages the accounts of their sites (`USERS_MANAGE`, see
cadm/services/users.py for why that is a role of its own and which roles it may grant).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cadm.models import Patient, Site, User


class Role(StrEnum):
    RHEUMATOLOGIST = "rheumatologist"
    DERMATOLOGIST = "dermatologist"
    RULES_ADMIN = "rules_admin"
    PRIVACY_OFFICER = "privacy_officer"
    SITE_ADMIN = "site_admin"


class Perm(StrEnum):
    PATIENT_VIEW = "patient.view"
    PATIENT_WRITE = "patient.write"
    VISIT_RECORD = "visit.record"
    SKIN_RECORD = "skin.record"
    RESULT_RECORD = "result.record"
    FLAG_REVIEW = "flag.review"
    SUBTYPE_DECIDE = "subtype.decide"
    RULESET_MANAGE = "ruleset.manage"
    COHORT_AGGREGATE_VIEW = "cohort.aggregate.view"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"


DESCRIPTIONS: dict[Perm, str] = {
    Perm.PATIENT_VIEW: "See patients of one's sites, their timeline and results",
    Perm.PATIENT_WRITE: "Create patients and edit demographics and disease dates",
    Perm.VISIT_RECORD: "Record a full visit: examination, strength, symptoms and results",
    Perm.SKIN_RECORD: "Record skin findings and skin biopsies",
    Perm.RESULT_RECORD: "Add labs, antibodies, lung, muscle, medication and eye results",
    Perm.FLAG_REVIEW: "Work the flag worklist: acknowledge, dismiss, snooze, comment",
    Perm.SUBTYPE_DECIDE: "Accept or reject a suggested reclassification of the subtype",
    Perm.RULESET_MANAGE: "Draft, preview, approve and activate rule-set versions",
    Perm.COHORT_AGGREGATE_VIEW: "See counts across the cohort, without patient identities",
    Perm.AUDIT_VIEW: "Read the audit trail of one's sites and a patient's access report",
    Perm.USERS_MANAGE: "Create accounts of one's sites, change their role and sites, "
                       "deactivate them",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.RHEUMATOLOGIST: frozenset(
        {
            Perm.PATIENT_VIEW,
            Perm.PATIENT_WRITE,
            Perm.VISIT_RECORD,
            Perm.SKIN_RECORD,
            Perm.RESULT_RECORD,
            Perm.FLAG_REVIEW,
            Perm.SUBTYPE_DECIDE,
        }
    ),
    Role.DERMATOLOGIST: frozenset({Perm.PATIENT_VIEW, Perm.SKIN_RECORD, Perm.FLAG_REVIEW}),
    Role.RULES_ADMIN: frozenset({Perm.RULESET_MANAGE, Perm.COHORT_AGGREGATE_VIEW}),
    Role.PRIVACY_OFFICER: frozenset({Perm.AUDIT_VIEW}),
    Role.SITE_ADMIN: frozenset({Perm.USERS_MANAGE}),
}


def roles_of(user: User) -> frozenset[Role]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_cadm_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        user._cadm_roles = cached  # type: ignore[attr-defined]
    return cached


def permissions_of(user: User) -> frozenset[Perm]:
    return frozenset().union(*(ROLE_PERMISSIONS[role] for role in roles_of(user)))


def has_perm(user: User, perm: Perm) -> bool:
    return perm in permissions_of(user)


def sites_of(user: User) -> list[Site]:
    """The user's sites by name, read once per user object (one per request): the scoping
    of every read and the page header ask for them."""
    cached = getattr(user, "_cadm_sites", None)
    if cached is None:
        cached = list(user.sites.all())
        user._cadm_sites = cached  # type: ignore[attr-defined]
    return cached


def site_ids_of(user: User) -> frozenset[int]:
    return frozenset(site.pk for site in sites_of(user))


def can_access_patient(user: User, patient: Patient) -> bool:
    """A clinician of the patient's site, with the right to see patients."""
    return has_perm(user, Perm.PATIENT_VIEW) and patient.site_id in site_ids_of(user)
