from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from cadm.forms.flags import WorklistFilterForm
from cadm.forms.listed_choices import ListedModelChoiceField
from cadm.forms.plain_select import PlainSelect
from cadm.models import Flag, Patient, Severity, Site
from cadm.permissions import Perm, has_perm, site_ids_of
from cadm.selectors.compiled import Compiled
from cadm.selectors.patients import patient_list_for
from cadm.services.audit_reads import patient_seen

LIVE = ~Q(state=Flag.State.RESOLVED)
# Long enough for any name or MRN; a longer string is refused before it reaches SQL.
SEARCH_MAX_LENGTH = 100


def needs_attention(today: dt.date) -> Q:
    """Open, or snoozed with the snooze over (the daily sweep reopens those too)."""
    return Q(state=Flag.State.OPEN) | Q(state=Flag.State.SNOOZED, snoozed_until__lt=today)


def flag_list_for(*, user) -> QuerySet[Flag]:
    if not has_perm(user, Perm.FLAG_REVIEW):
        return Flag.objects.none()
    return (Flag.objects.filter(site_id__in=site_ids_of(user))
            .select_related("patient", "patient__site", "ruleset"))


def flag_get_for(*, user, public_id) -> Flag:
    try:
        flag = flag_list_for(user=user).get(public_id=public_id)
    except (Flag.DoesNotExist, ValueError):
        raise Http404("No such flag.") from None
    patient_seen(flag.patient)  # a flag shows its patient: the view's read is of them
    return flag


# A loose index scan: the next code after the last one found, one probe of the code index
# each, then one probe per code for a flag at the user's sites. A DISTINCT would read every
# flag the sites ever had. The scalar subquery (not EXISTS) keeps the probes per code.
_CODES_SQL = """
WITH RECURSIVE codes(code) AS (
    SELECT MIN(code) FROM {flag}
    UNION ALL
    SELECT (SELECT MIN(code) FROM {flag} WHERE code > codes.code)
    FROM codes WHERE codes.code IS NOT NULL
)
SELECT code FROM codes
WHERE code IS NOT NULL AND (
    SELECT 1 FROM {flag} f WHERE f.code = codes.code AND f.site_id IN ({sites}) LIMIT 1
) IS NOT NULL
ORDER BY code
"""


def flag_codes_for(*, user) -> list[str]:
    """The codes of the flags (any state) at the user's sites, in order: the worklist's code
    choices, in a time that grows with the number of codes, not of flags."""
    sites = sorted(site_ids_of(user)) if has_perm(user, Perm.FLAG_REVIEW) else []
    if not sites:
        return []
    sql = _CODES_SQL.format(flag=Flag._meta.db_table, sites=", ".join(["%s"] * len(sites)))
    with connection.cursor() as cursor:
        cursor.execute(sql, sites)
        return [code for (code,) in cursor.fetchall()]


# Readers show the version's number: its params are a JSON document decoded per flag.
_LIVE_FLAGS = Compiled(lambda patient_id: (
    Flag.objects.filter(patient_id=patient_id).filter(LIVE).select_related("ruleset")
    .defer("ruleset__params").order_by("severity_rank", "code")))


def patient_live_flags(patient) -> list[Flag]:
    return _LIVE_FLAGS(patient.pk)


def with_patient_live_count(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    """Each row learns how many live flags its patient has, in the same query (no N+1)."""
    per_patient = (Flag.objects.filter(LIVE, patient=OuterRef("patient")).order_by()
                   .values("patient").annotate(n=Count("pk")).values("n"))
    return flags.annotate(patient_live_count=Coalesce(Subquery(per_patient), 0))


# Review order, not alphabetical: what still needs someone comes first.
STATE_RANK = Case(*(When(state=state, then=Value(rank))
                    for rank, state in enumerate(Flag.State.values)),
                  output_field=IntegerField())
SORT_COLUMNS: dict[str, tuple[str, tuple]] = {
    "severity": ("Severity", (F("severity_rank"),)),
    "code": ("Flag / rule code", (F("code"),)),
    # The patient id keeps two namesakes' flags apart when sorting by name.
    "patient": ("Patient", (F("patient__family_name"), F("patient__given_name"),
                            F("patient_id"))),
    "site": ("Site", (F("site__name"),)),
    "state": ("State", (STATE_RANK,)),
    "opened": ("Opened", (F("opened_at"),)),
}
DEFAULT_SORT = "severity"
# What a worklist row shows (cadm/views/worklist_rows.py), and the patient's id for the audit.
ROW_COLUMNS = ("public_id", "code", "severity", "state", "summary", "opened_at",
               "snoozed_until", "patient__public_id", "patient__family_name",
               "patient__given_name", "patient__mrn")


def _sort_order(sort: str) -> tuple[OrderBy, ...]:
    """The column's own order, then critical first and oldest; the primary key makes ties
    stable, so consecutive pages never repeat or skip a flag."""
    key = sort.removeprefix("-")
    column = tuple(e.desc() if sort.startswith("-") else e.asc() for e in SORT_COLUMNS[key][1])
    return column + (F("severity_rank").asc(), F("opened_at").asc(), F("pk").asc())


class WorklistOrdering(django_filters.OrderingFilter):
    """One column at a time; no sort (or one we do not know) means the default order."""

    def filter(self, qs: QuerySet[Flag], value: list[str] | None) -> QuerySet[Flag]:
        return qs.order_by(*_sort_order(_first_sort(value)))


@dataclass(frozen=True)
class SortHeader:
    """A sortable column header: its label, the sort a click asks for, how it is sorted now."""

    key: str
    label: str
    direction: str  # aria-sort: "ascending", "descending" or "none"

    @property
    def next_sort(self) -> str:
        return f"-{self.key}" if self.direction == "ascending" else self.key

    @property
    def arrow(self) -> str:
        return {"ascending": "▲", "descending": "▼"}.get(self.direction, "")


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ListedModelChoiceField


class WorklistFilter(django_filters.FilterSet):
    STATE_CHOICES = [("attention", "Needs attention"), ("open", "Open"),
                     ("acknowledged", "Acknowledged"), ("snoozed", "Snoozed"),
                     ("dismissed", "Dismissed"), ("live", "Not resolved"),
                     ("resolved", "Resolved"), ("all", "All")]
    AGE_CHOICES = [("7", "Older than 7 days"), ("30", "Older than 30 days"),
                   ("90", "Older than 90 days")]

    q = django_filters.CharFilter(
        method="by_patient_text", label="Patient name or MRN", max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}))
    # PlainSelect: Django's select markup without its templates (cadm/forms/plain_select.py).
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="by_state",
                                        empty_label=None, widget=PlainSelect)
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any",
                                           widget=PlainSelect)
    code = django_filters.ChoiceFilter(empty_label="Any", widget=PlainSelect)
    site = ListedModelChoiceFilter(field_name="site", queryset=Site.objects.none(),
                                   empty_label="Any", widget=PlainSelect)
    age = django_filters.ChoiceFilter(choices=AGE_CHOICES, method="by_age", label="Age",
                                      empty_label="Any", widget=PlainSelect)
    # Hidden: set by the links on the page, kept by the filter form.
    patient = django_filters.CharFilter(method="by_patient", widget=forms.HiddenInput)
    sort = WorklistOrdering(fields={key: key for key in SORT_COLUMNS},
                            widget=forms.HiddenInput)

    class Meta:
        model = Flag
        fields = ["q", "state", "severity", "code", "site", "age", "patient", "sort"]
        form = WorklistFilterForm

    def __init__(self, data=None, *args, user, today: dt.date, **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("state"):
            data["state"] = "attention"
        super().__init__(data, *args, **kwargs)
        self.user = user
        self.today = today
        self.filters["site"].queryset = Site.objects.filter(pk__in=site_ids_of(user))
        self.codes = flag_codes_for(user=user)
        self.filters["code"].extra["choices"] = [(c, c) for c in self.codes]

    def filter_queryset(self, queryset: QuerySet[Flag], *,
                        skip: frozenset[str] = frozenset()) -> QuerySet[Flag]:
        """Filters that do not validate are skipped by django-filter; some must not be.
        `skip`: filters left out (see without)."""
        for name, value in self.form.cleaned_data.items():
            if name not in skip:
                queryset = self.filters[name].filter(queryset, value)
        refused = self.form.errors
        if "q" in refused or "patient" in refused:
            # A narrowing to one patient we cannot read shows nobody, never everybody:
            # a clinician must not act on another patient's flag under that heading.
            queryset = queryset.none()
        if "state" in refused:
            queryset = self.by_state(queryset, "state", "attention")
        if "sort" in refused:
            queryset = self.filters["sort"].filter(queryset, None)
        return queryset

    def by_state(self, queryset, name, value):
        if value == "attention":
            return queryset.filter(needs_attention(self.today))
        if value == "live":
            return queryset.filter(LIVE)
        if value == "all":
            return queryset
        return queryset.filter(state=value)

    def by_age(self, queryset, name, value):
        since = dt.datetime.combine(self.today - dt.timedelta(days=int(value)), dt.time.min,
                                    tzinfo=dt.UTC)
        return queryset.filter(opened_at__lt=since)

    def by_patient_text(self, queryset, name, value):
        # The patient list's own search (MRN exact, name parts contained, every word must
        # match), so both pages find the same patients, within the user's sites.
        return queryset.filter(patient__in=patient_list_for(user=self.user, query=value))

    def by_patient(self, queryset, name, value):
        public_id = _uuid_or_none(value)
        if public_id is None:
            return queryset.none()
        return queryset.filter(patient__public_id=public_id)

    def without(self, name: str) -> QuerySet[Flag]:
        """The flags under every filter but `name`, from the same validated form (a second
        FilterSet would copy the filters and validate the form again)."""
        self.errors  # noqa: B018  (validates the form once)
        return self.filter_queryset(self.queryset.all(), skip=frozenset({name}))

    def rows(self) -> QuerySet[Flag]:
        """The filtered, sorted flags, each with its patient's live-flag count, `site_name`
        and `ruleset_number`. Only the columns a row shows: a rule set's params and a flag's
        evidence are JSON documents, decoded per row for nothing, and a site or a rule set
        built per row for one name or number cost more than the rest of the row."""
        return with_patient_live_count(
            self.qs.select_related(None).select_related("patient").only(*ROW_COLUMNS)
            .annotate(site_name=F("site__name"), ruleset_number=F("ruleset__number")))

    @cached_property
    def narrowed_to(self) -> Patient | None:
        """The patient the list is narrowed to, if the user may see them."""
        public_id = _uuid_or_none(self.accepted("patient"))
        if public_id is None:
            return None
        return patient_list_for(user=self.user).filter(public_id=public_id).first()

    def accepted(self, name: str):
        """A field's cleaned value, even when another field was refused (None if it was)."""
        self.errors  # noqa: B018  (validates the form once)
        return self.form.cleaned_data.get(name)

    def current_sort(self) -> str:
        return _first_sort(self.accepted("sort"))

    def sort_headers(self) -> list[SortHeader]:
        current = self.current_sort()
        key = current.removeprefix("-")
        direction = "descending" if current.startswith("-") else "ascending"
        return [SortHeader(k, label, direction if k == key else "none")
                for k, (label, _) in SORT_COLUMNS.items()]


def _first_sort(value: list[str] | None) -> str:
    """The first column asked for ("sort=,code" is "code"); the list sorts by one column."""
    return next((v for v in value or () if v), DEFAULT_SORT)


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def severity_counts(queryset: QuerySet[Flag]) -> dict[str, int]:
    # Count("*"), not the ids: the count is read off the index (flag_site_live), which has no id.
    counts = dict(queryset.order_by().values_list("severity").annotate(n=Count("*")))
    return {s: counts.get(s, 0) for s in Severity.values}
