"""Reads of patient data in the audit trail (issue 14 §1): who saw which patients, through
which page or API door, and when; and who was refused at such a door.

One mechanism for every door. `audited` wraps a view (a page's function; an API view through
`AuditedReads`). While the view runs, a read scope collects the patients it shows: the
selectors that hand out one patient (`patient_get_for`, `flag_get_for`) note it
(`patient_seen`), a list notes the patients of the page it shows (`patients_shown`). When the
view has answered, the scope writes ONE row:

- `patient.view`: one patient (its page, a form about it, its JSON), the patient on the row;
- `patient.list_view`: a list (worklist, search results, cohort pages, API lists): no patient
  on the row, the shown patients' public ids in `detail`, and an AuditReadLink per patient,
  so that "who accessed this record" finds the lists too (`reads_of_patient`);
- `patient.view_refused`: a 403 or 404 at a door to patient data, against the user: the
  patient the path names when it is one of ours (at any site), else none.

Which answers are reads: GET or HEAD with a 2xx (a 304 shows nothing), and a page sent back
with its errors after a POST (the form about the patient shows the patient again). A write
that succeeds is recorded by its service (patient.update, flag.dismiss...), not again here.

Rows hold ids, route names and statuses: never a name, an MRN, a search's text or a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cadm.models import AuditEvent, AuditReadLink, Flag, Patient

from .audit import audit_record, audit_target

VIEW = "patient.view"
LIST_VIEW = "patient.list_view"
REFUSED = "patient.view_refused"
# What a path's `public_id` names, for a refusal: a patient, a flag (of a patient), nothing.
PATIENT, FLAG = "patient", "flag"


@dataclass
class _Scope:
    seen: dict[int, Patient] = field(default_factory=dict)
    shown: dict[int, Patient] | None = None  # None: the view shows no list
    export: tuple[str, object, dict] | None = None  # (action, target, detail) of an export


_scope: ContextVar[_Scope | None] = ContextVar("cadm_read_scope", default=None)


# ---------------------------------------------------------------- what a view shows

def patient_seen(patient: Patient) -> None:
    """The one patient a selector handed out; nothing outside an audited view."""
    scope = _scope.get()
    if scope is not None:
        scope.seen.setdefault(patient.pk, patient)


def patients_shown(patients: Iterable[Patient]) -> None:
    """The patients of the list a view shows (its page; every row of an export). Called even
    for an empty list: a search that found nobody is still a read of the list."""
    scope = _scope.get()
    if scope is None:
        return
    if scope.shown is None:
        scope.shown = {}
    for patient in patients:
        scope.shown.setdefault(patient.pk, patient)


def read_is_export(*, action: str, target, detail: dict) -> None:
    """The view's answer is an export (its own action and target, counts in `detail`): its
    one row is that, linked to every patient exported."""
    scope = _scope.get()
    if scope is not None:
        scope.export = (action, target, detail)


# ---------------------------------------------------------------- rows

def audit_read(actor, *, what: str, patient: Patient | None = None,
               patients: Iterable[Patient] | None = None, action: str | None = None,
               target=None, detail: dict | None = None, ids_in_detail: bool = True
               ) -> AuditEvent:
    """One read row: of `patient`, or of a list (`patients`, possibly none) with a link per
    patient. `what`: the door (a route name). `ids_in_detail` False for an export, whose
    links hold every patient (ids in its row would make it as large as the cohort)."""
    extra = {"what": what, **(detail or {})}
    if patients is None and connection.vendor == "postgresql":
        return _read_in_one_statement(actor, action=action or VIEW, detail=extra,
                                      target=audit_target(target or patient, None),
                                      patient=patient, patient_ids=[])
    if patients is None:
        return audit_record(actor=actor, action=action or VIEW, target=target or patient,
                            patient=patient, detail=extra)
    unique = list({p.pk: p for p in patients}.values())
    if ids_in_detail:
        extra["patients"] = [str(p.public_id) for p in unique]
    if connection.vendor == "postgresql":
        return _read_in_one_statement(
            actor, action=action or LIST_VIEW, detail=extra, patient=None,
            patient_ids=[p.pk for p in unique],
            target=audit_target(target, None if target is not None else ("route", what)))
    # savepoint=False: no SAVEPOINT round trips; the row and its links commit together.
    with transaction.atomic(savepoint=False):
        event = audit_record(actor=actor, action=action or LIST_VIEW, target=target,
                             target_ref=None if target is not None else ("route", what),
                             detail=extra)
        AuditReadLink.objects.bulk_create(
            [AuditReadLink(event=event, patient_id=p.pk) for p in unique])
    return event


# A read's row and a list's links in one statement: no transaction to open and commit around
# two inserts (four round trips on every list page shown), and no ORM insert compiled for the
# row that every page view writes.
_READ_SQL = """
WITH event AS (
    INSERT INTO {event} (actor_id, action, target_type, target_id, patient_id, detail, at)
    VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id
), links AS (
    INSERT INTO {link} (event_id, patient_id)
    SELECT event.id, shown FROM event, unnest(%s::bigint[]) AS shown
)
SELECT id FROM event"""


def _read_in_one_statement(actor, *, action: str, target: tuple[str, str], detail: dict,
                           patient: Patient | None, patient_ids: list[int]) -> AuditEvent:
    """PostgreSQL's: the row, as AuditEvent.objects.create would write it, and its links."""
    event = AuditEvent(actor=actor, action=action, target_type=target[0],
                       target_id=target[1], patient=patient, detail=detail, at=timezone.now())
    field = AuditEvent._meta.get_field
    sql = _READ_SQL.format(event=AuditEvent._meta.db_table, link=AuditReadLink._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [
            event.actor_id, action, event.target_type, event.target_id, event.patient_id,
            field("detail").get_db_prep_save(detail, connection),
            field("at").get_db_prep_save(event.at, connection), patient_ids])
        (event.pk,) = cursor.fetchone()
    event._state.adding = False
    return event


def audit_refusal(actor, *, what: str, status: int, method: str,
                  patient: Patient | None = None) -> AuditEvent:
    return audit_record(actor=actor, action=REFUSED, target=patient,
                        target_ref=None if patient is not None else ("route", what),
                        patient=patient, detail={"what": what, "status": status,
                                                 "method": method})


def patient_named(public_id, names: str | None = PATIENT) -> Patient | None:
    """The patient of ours (at any site) that a path's id names, if any: the refused row
    says whose record was asked for. A malformed id names nobody."""
    if public_id is None or names is None:
        return None
    try:
        if names == FLAG:
            return Patient.objects.filter(
                pk__in=Flag.objects.filter(public_id=public_id).values("patient_id")).first()
        return Patient.objects.filter(public_id=public_id).first()
    except (ValidationError, ValueError):
        return None


def refusal_outside_views(user, public_id) -> None:
    """A patient refused by a door that `audited` does not wrap (the FHIR export's): the
    refusal is still the user's, recorded here. Inside an audited view the view's answer
    records it, once."""
    if _scope.get() is not None or not getattr(user, "is_authenticated", False):
        return
    audit_refusal(user, what="patient-lookup", status=404, method="",
                  patient=patient_named(public_id))


def reads_of_patient(patient: Patient) -> QuerySet[AuditEvent]:
    """Every row about this patient, the lists that showed it included: "who accessed my
    record". Two index probes (the events' patient, the links' patient), no JSON search."""
    linked = AuditReadLink.objects.filter(patient=patient).values("event_id")
    return AuditEvent.objects.filter(Q(patient=patient) | Q(pk__in=linked))


# ---------------------------------------------------------------- views

def _what(request, view: Callable) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.url_name if match and match.url_name else view.__name__)[:64]


def _is_read(method: str, response, post_reads: bool) -> bool:
    status = response.status_code
    if method in ("GET", "HEAD") or (post_reads and method == "POST"):
        return 200 <= status < 300
    return status in (200, 400) and response.get("Content-Type", "").startswith("text/html")


def _refused(request, what: str, status: int, names: str | None, kwargs: dict) -> None:
    user = request.user
    if user.is_authenticated:
        audit_refusal(user, what=what, status=status, method=request.method,
                      patient=patient_named(kwargs.get("public_id"), names))


def _answered(scope: _Scope, request, response, what: str, post_reads: bool) -> None:
    user = request.user
    if not user.is_authenticated or not _is_read(request.method, response, post_reads):
        return
    if scope.export is not None:
        action, target, detail = scope.export
        audit_read(user, what=what, patients=(scope.shown or {}).values(), action=action,
                   target=target, detail=detail, ids_in_detail=False)
    elif scope.shown is not None or len(scope.seen) > 1:
        audit_read(user, what=what, patients=[*scope.seen.values(),
                                              *(scope.shown or {}).values()])
    elif scope.seen:
        audit_read(user, what=what, patient=next(iter(scope.seen.values())))


def audited(view: Callable | None = None, *, names: str | None = PATIENT,
            post_reads: bool = False):
    """Wrap a view that shows patient data (outermost, over `requires`). `names`: what the
    path's `public_id` is (PATIENT, FLAG, None for a list). `post_reads`: a POST that reads
    (a search sent in the body)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if _scope.get() is not None:  # called by another audited view: its answer counts
                return view(request, *args, **kwargs)
            what = _what(request, view)
            scope = _Scope()
            token = _scope.set(scope)
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                _refused(request, what, 404, names, kwargs)
                raise
            except PermissionDenied:
                _refused(request, what, 403, names, kwargs)
                raise
            finally:
                _scope.reset(token)
            if response.status_code in (403, 404):  # an API's refusals are answers
                _refused(request, what, response.status_code, names, kwargs)
            else:
                _answered(scope, request, response, what, post_reads)
            return response

        wrapper.audited_reads = names or "list"
        return wrapper

    return decorate(view) if view is not None else decorate


class AuditedReads:
    """An API view through `audited`: `audit_names` says what the path's id names."""

    audit_names: str | None = PATIENT
    audit_post_reads = False

    @classmethod
    def as_view(cls, **initkwargs):
        return audited(super().as_view(**initkwargs), names=cls.audit_names,
                       post_reads=cls.audit_post_reads)


class AuditedList(AuditedReads):
    """An API list of patients' rows: the page shown is noted, each row by its patient."""

    audit_names = None

    def audit_patient_of(self, row) -> Patient:
        return row

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        patients_shown(self.audit_patient_of(row) for row in (queryset if page is None
                                                               else page))
        return page
