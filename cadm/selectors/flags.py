from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cadm.models import Flag, Severity, Site
from cadm.permissions import Perm, has_perm, site_ids_of

LIVE = ~Q(state=Flag.State.RESOLVED)


def needs_attention(today: dt.date) -> Q:
    """Open, or snoozed with the snooze over (the daily sweep reopens those too)."""
    return Q(state=Flag.State.OPEN) | Q(state=Flag.State.SNOOZED, snoozed_until__lt=today)


def flag_list_for(*, user) -> QuerySet[Flag]:
    if not has_perm(user, Perm.FLAG_REVIEW):
        return Flag.objects.none()
    return (Flag.objects.filter(patient__site_id__in=site_ids_of(user))
            .select_related("patient", "patient__site", "ruleset"))


def flag_get_for(*, user, public_id) -> Flag:
    try:
        return flag_list_for(user=user).get(public_id=public_id)
    except (Flag.DoesNotExist, ValueError):
        raise Http404("No such flag.") from None


def patient_live_flags(patient) -> list[Flag]:
    return list(Flag.objects.filter(patient=patient).filter(LIVE).select_related("ruleset")
                .order_by("severity_rank", "code"))


class WorklistFilter(django_filters.FilterSet):
    STATE_CHOICES = [("attention", "Needs attention"), ("open", "Open"),
                     ("acknowledged", "Acknowledged"), ("snoozed", "Snoozed"),
                     ("dismissed", "Dismissed"), ("resolved", "Resolved"), ("all", "All")]
    AGE_CHOICES = [("7", "Older than 7 days"), ("30", "Older than 30 days"),
                   ("90", "Older than 90 days")]

    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="by_state",
                                        empty_label=None)
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any")
    code = django_filters.ChoiceFilter(empty_label="Any")
    site = django_filters.ModelChoiceFilter(field_name="patient__site",
                                            queryset=Site.objects.none(), empty_label="Any")
    age = django_filters.ChoiceFilter(choices=AGE_CHOICES, method="by_age", label="Age",
                                      empty_label="Any")

    class Meta:
        model = Flag
        fields = ["state", "severity", "code", "site", "age"]

    def __init__(self, data=None, *args, user, today: dt.date, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", "attention")
        super().__init__(data, *args, **kwargs)
        self.today = today
        self.filters["site"].queryset = Site.objects.filter(pk__in=site_ids_of(user))
        codes = self.queryset.order_by("code").values_list("code", flat=True).distinct()
        self.filters["code"].extra["choices"] = [(c, c) for c in codes]

    def by_state(self, queryset, name, value):
        if value == "attention":
            return queryset.filter(needs_attention(self.today))
        if value == "all":
            return queryset
        return queryset.filter(state=value)

    def by_age(self, queryset, name, value):
        since = dt.datetime.combine(self.today - dt.timedelta(days=int(value)), dt.time.min,
                                    tzinfo=dt.UTC)
        return queryset.filter(opened_at__lt=since)


def severity_counts(queryset: QuerySet[Flag]) -> dict[str, int]:
    counts = dict(queryset.order_by().values_list("severity").annotate(n=Count("id")))
    return {s: counts.get(s, 0) for s in Severity.values}
