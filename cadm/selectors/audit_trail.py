"""The audit trail as a privacy officer reads it, and a patient's "who accessed my record"
report (issue 14, item 2).

Which rows an officer sees: a privacy officer is per site, like every user. A row about a
patient is theirs when the patient is at one of their sites, whoever acted (a refused attempt
by another site's user included). A row about no patient (rule sets, tokens, jobs, accounts)
is theirs when its actor works at one of their sites, or when it changed an account that does
(`target_type` cadm.user).

A row is about a patient when it names the patient (`patient`), or when it is the read of a
list that showed the patient: such a row names no patient and holds a link per patient shown
(AuditReadLink, migration 0021; cadm.services.audit_reads). A patient filter and the "who
accessed my record" report take both.

A row is a read, a change or a refusal by its action's words (`kind_of`): the services name
reads `<thing>.view`, `.list_view`, `.export`..., refusals with `refused` or `denied`;
anything else wrote something.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

from django.apps import apps
from django.db.models import CharField, Count, Max, Min, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from cadm.models import AuditEvent, AuditReadLink, Patient, User
from cadm.permissions import Perm, has_perm, site_ids_of

READ_WORDS = frozenset({"view", "read", "list", "search", "export", "print", "report",
                        "download", "open"})
REFUSED_WORDS = ("refused", "denied", "forbidden")
# `detail` keys shown on the page and in the export: identifiers, codes, dates, counts and
# field names (cadm/services/*.py). A key not listed (a comment, a token's name) stays out, so
# free text never leaves through the trail.
DETAIL_KEYS = frozenset({
    "fields", "results", "from", "to", "reason", "until", "number", "job", "kind",
    "previous", "section", "item", "component", "result", "outcome", "rows", "site",
    "replaced_by", "prefix", "username", "role", "sites", "via", "password", "filters",
    "page", "patients", "count", "status", "method", "path", "perm", "what",
})
LIST_SHOWN = 5  # a longer list (of patient ids on a page, say) is shown as its length
REPORT_ROWS = 2000  # the printable report's rows; the CSV export has them all


def kind_of(action: str) -> str:
    """'read', 'change' or 'refused', from the action's name."""
    if any(word in action for word in REFUSED_WORDS):
        return "refused"
    words = action.replace("_", ".").split(".")
    return "read" if READ_WORDS & set(words[1:] or words) else "change"


@cache
def target_label(target_type: str) -> str:
    """'cadm.labresult' as 'lab result': the model's own name when it still exists."""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def what_of(row: AuditEvent) -> str:
    """What the row acted on, in words: the model's name, or the page or API door of a list
    (its route name)."""
    if row.target_type == "route":
        return row.target_id
    return target_label(row.target_type)


def about_patient(patient: Patient) -> Q:
    """Rows naming the patient, and reads of lists that showed it (two index probes)."""
    linked = AuditReadLink.objects.filter(patient=patient).values("event_id")
    return Q(patient=patient) | Q(pk__in=linked)


def detail_shown(detail) -> list[tuple[str, str]]:
    if not isinstance(detail, dict):
        return []
    shown = []
    for key in sorted(k for k in detail if k in DETAIL_KEYS):
        value = detail[key]
        if isinstance(value, list | tuple) and len(value) > LIST_SHOWN:
            text = f"{len(value)} items"
        elif isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value) or "none"
        elif isinstance(value, dict):
            text = ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
        else:
            text = str(value)
        shown.append((key, text))
    return shown


def trail_for(*, officer) -> QuerySet[AuditEvent]:
    """Every row the officer may read, newest first; none without the permission."""
    if not has_perm(officer, Perm.AUDIT_VIEW):
        return AuditEvent.objects.none()
    sites = site_ids_of(officer)
    staff = User.sites.through.objects.filter(site_id__in=sites)
    # target_id is text (a UUID for most targets, the pk for a user).
    staff_ids = staff.annotate(text_id=Cast("user_id", CharField())).values("text_id")
    return (AuditEvent.objects
            .filter(Q(patient__site_id__in=sites)
                    | Q(patient__isnull=True) & (Q(actor_id__in=staff.values("user_id"))
                                                 | Q(target_type="cadm.user",
                                                     target_id__in=staff_ids)))
            .select_related("actor", "patient", "patient__site")
            .order_by("-at", "-id"))


@dataclass(frozen=True)
class TrailFilter:
    """What the officer asked for; every field optional. `action` is exact, or a family when
    it ends with a dot ("patient." for every patient action). Days are the site's local days,
    both included."""

    actor: User | None = None
    patient: Patient | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None

    def as_session(self) -> dict:
        """Ids and text only: a filter is kept in the session, never in the URL."""
        return {"actor": self.actor.pk if self.actor else None,
                "patient": self.patient.pk if self.patient else None,
                "action": self.action,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None}

    @classmethod
    def from_session(cls, stored: dict, *, officer) -> TrailFilter:
        """Back from the session; a patient no longer at the officer's sites is dropped."""
        patient = None
        if stored.get("patient"):
            patient = (Patient.objects.filter(pk=stored["patient"],
                                              site_id__in=site_ids_of(officer))
                       .select_related("site").first())
        return cls(actor=User.objects.filter(pk=stored.get("actor")).first()
                   if stored.get("actor") else None,
                   patient=patient, action=stored.get("action") or "",
                   since=date.fromisoformat(stored["since"]) if stored.get("since") else None,
                   until=date.fromisoformat(stored["until"]) if stored.get("until") else None)

    def used(self) -> list[str]:
        """The names of the filters set, for the audit row of a search (not their values)."""
        return [name for name in ("actor", "patient", "action", "since", "until")
                if getattr(self, name)]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def trail_filtered(rows: QuerySet[AuditEvent], f: TrailFilter) -> QuerySet[AuditEvent]:
    if f.actor:
        rows = rows.filter(actor=f.actor)
    if f.patient:
        rows = rows.filter(about_patient(f.patient))
    if f.action.endswith("."):
        rows = rows.filter(action__startswith=f.action)
    elif f.action:
        rows = rows.filter(action=f.action)
    if f.since:
        rows = rows.filter(at__gte=_start_of(f.since))
    if f.until:
        rows = rows.filter(at__lt=_start_of(f.until + timedelta(days=1)))
    return rows


def trail_patients_matching(*, officer, text: str, site=None) -> list[Patient]:
    """The patients of the officer's sites that `text` names: a patient id (UUID), or an MRN
    in any case (unique per site, so one per site at most)."""
    patients = Patient.objects.filter(site_id__in=site_ids_of(officer)).select_related("site")
    if site is not None:
        patients = patients.filter(site=site)
    text = text.strip()
    try:
        public_id = uuid.UUID(text)
    except ValueError:
        return list(patients.filter(mrn__iexact=text).order_by("site__name"))
    return list(patients.filter(public_id=public_id))


@dataclass
class Accessor:
    """One user's accesses to the patient, summed up."""

    actor: User | None
    first: datetime
    last: datetime
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class AccessReport:
    patient: Patient
    accessors: list[Accessor]
    rows: list[AuditEvent]
    total: int

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


def access_report(*, officer, patient: Patient, since: date | None = None,
                  until: date | None = None) -> AccessReport:
    """Every user who read or changed the patient (or tried to), with when and what: each
    user's first and last access and counts by kind, then the rows oldest first (at most
    REPORT_ROWS; the export has the rest)."""
    rows = trail_filtered(trail_for(officer=officer),
                          TrailFilter(patient=patient, since=since, until=until))
    by_actor: dict[int | None, Accessor] = {}
    sums = (rows.order_by().values("actor_id", "action")
            .annotate(n=Count("id"), first=Min("at"), last=Max("at")))
    for row in sums:
        key = row["actor_id"]
        accessor = by_actor.get(key)
        if accessor is None:
            accessor = by_actor[key] = Accessor(actor=None, first=row["first"],
                                                last=row["last"])
        accessor.first, accessor.last = min(accessor.first, row["first"]), max(accessor.last,
                                                                                 row["last"])
        accessor.counts[kind_of(row["action"])] += row["n"]
    actors = User.objects.in_bulk([k for k in by_actor if k is not None])
    for key, accessor in by_actor.items():
        accessor.actor = actors.get(key)
        accessor.counts = dict(accessor.counts)
    total = sum(sum(a.counts.values()) for a in by_actor.values())
    shown = list(rows.order_by("at", "id")[:REPORT_ROWS])
    return AccessReport(patient=patient, total=total, rows=shown,
                        accessors=sorted(by_actor.values(), key=lambda a: a.last,
                                         reverse=True))
