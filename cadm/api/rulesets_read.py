"""Rule-set versions, read (issue 11 §2): list, detail with the parameter schema, diff,
history, metrics and the active version's alarms. Their writes (clone, edit, review,
preview, activation) are in rulesets_write.py, which answers with the same detail.

A version is named by its number (not patient data). Everything needs ruleset.manage (rules
admins). Jobs are named by their public UUID (see /api/v1/jobs/<uuid>/), never by their
database id.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.forms.metrics import MetricsWindowForm
from cadm.models import JobRun, RuleSetVersion
from cadm.permissions import Perm
from cadm.rules.params import SEVERITIES
from cadm.selectors import metrics
from cadm.selectors import rulesets as sel
from cadm.selectors.ruleset_review import ruleset_compared_with, version_number

from .concurrency import with_etag

State = RuleSetVersion.State
TAGS = ["rulesets"]
STATE_HELP = ("One of: " + ", ".join(f"{value} ({label})" for value, label in State.choices))


def versions():
    return sel.ruleset_list().select_related("replaces")


def version_get(number: int) -> RuleSetVersion:
    """Version `number`, or a 404."""
    return get_object_or_404(versions(), number=number)


def active_or_none() -> RuleSetVersion | None:
    return RuleSetVersion.objects.filter(state=State.ACTIVE).first()


# ---------------------------------------------------------------------------- serializers

class RuleSetSerializer(serializers.ModelSerializer):
    # A plain string (values listed in the help): "state" names other choice sets too.
    state = serializers.CharField(read_only=True, help_text=STATE_HELP)
    based_on = serializers.IntegerField(source="based_on.number", read_only=True,
                                        allow_null=True, default=None,
                                        help_text="The version its parameters were copied from")
    replaces = serializers.IntegerField(source="replaces.number", read_only=True,
                                        allow_null=True, default=None,
                                        help_text="The version active when it was activated")
    author = serializers.CharField(source="author.username", read_only=True, allow_null=True,
                                   default=None)
    approver = serializers.CharField(source="approver.username", read_only=True,
                                     allow_null=True, default=None)
    rejected_by = serializers.CharField(source="rejected_by.username", read_only=True,
                                        allow_null=True, default=None)
    version = serializers.IntegerField(source="row_version", read_only=True,
                                       help_text="The row version; the ETag of the detail.")

    class Meta:
        model = RuleSetVersion
        fields = ["number", "state", "change_note", "based_on", "replaces", "author",
                  "approver", "rejected_by", "review_comment", "created_at", "submitted_at",
                  "approved_at", "rejected_at", "activated_at", "retired_at", "version"]
        read_only_fields = fields


class ParamSerializer(serializers.Serializer):
    """One parameter with its schema entry (cadm/rules/params.py)."""

    key = serializers.CharField(source="spec.key")
    value = serializers.JSONField(help_text="Number, or a severity for unit 'severity'")
    default = serializers.JSONField(source="spec.default")
    unit = serializers.CharField(source="spec.unit")
    kind = serializers.CharField(source="spec.kind", help_text="int, float or severity")
    minimum = serializers.FloatField(source="spec.minimum", allow_null=True)
    maximum = serializers.FloatField(source="spec.maximum", allow_null=True)
    accepted = serializers.SerializerMethodField(help_text="The severities, for a severity")
    rule = serializers.CharField(source="spec.rule")
    citation = serializers.CharField(source="spec.citation")
    evidence = serializers.CharField(source="spec.evidence")
    pending_validation = serializers.BooleanField(help_text="Evidence UNVERIFIED")
    description = serializers.CharField(source="spec.description")

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_accepted(self, row):
        return list(SEVERITIES) if row.spec.kind == "severity" else None


class RuleGroupSerializer(serializers.Serializer):
    rule = serializers.CharField()
    params = ParamSerializer(many=True, source="rows")


class RuleSetDetailSerializer(RuleSetSerializer):
    rules = serializers.SerializerMethodField(help_text="Every parameter, grouped by rule")

    class Meta(RuleSetSerializer.Meta):
        fields = [*RuleSetSerializer.Meta.fields, "rules"]
        read_only_fields = fields

    @extend_schema_field(RuleGroupSerializer(many=True))
    def get_rules(self, version):
        return RuleGroupSerializer(sel.ruleset_param_groups(version), many=True).data


class ChangeSerializer(serializers.Serializer):
    key = serializers.CharField(source="spec.key")
    unit = serializers.CharField(source="spec.unit")
    value = serializers.JSONField(help_text="In this version")
    other = serializers.JSONField(help_text="In the version compared against")


class ChangedRuleSerializer(serializers.Serializer):
    rule = serializers.CharField()
    changes = ChangeSerializer(many=True, source="rows")


class DiffSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    against = serializers.IntegerField(allow_null=True,
                                       help_text="Null: nothing to compare with")
    reason = serializers.ChoiceField(
        choices=["chosen", "replaced", "would_replace", "active_when_rejected", "based_on"],
        help_text="Why this version is compared with `against` (as the version page says)")
    rules = ChangedRuleSerializer(many=True, help_text="Only the rules with a change")


class HistorySerializer(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    detail = serializers.DictField(help_text="Numbers and values; a job by its public id")


class WindowSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    label = serializers.CharField()


class RuleMetricsSerializer(serializers.Serializer):
    code = serializers.CharField()
    firings = serializers.IntegerField()
    acknowledgements = serializers.IntegerField()
    dismissals = serializers.DictField(child=serializers.IntegerField(),
                                       help_text="By HL7 override reason")
    dismissal_total = serializers.IntegerField()
    median_hours_to_ack = serializers.FloatField(allow_null=True)
    patients = serializers.IntegerField()


class MetricsSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    window = WindowSerializer()
    rules = RuleMetricsSerializer(many=True)


class AlarmSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=["stopped", "surge"])
    before = serializers.IntegerField(help_text="Patients it fires for under the replaced one")
    now = serializers.IntegerField(help_text="... under the active version")
    message = serializers.CharField()


class AlarmReportSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["ready", "pending", "unavailable", "none"])
    active = serializers.IntegerField()
    previous = serializers.IntegerField(allow_null=True)
    as_of = serializers.CharField(allow_blank=True)
    patients = serializers.IntegerField()
    surge_factor = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    job = serializers.UUIDField(allow_null=True, help_text="The activation job compared")
    alarms = AlarmSerializer(many=True)


# ---------------------------------------------------------------------------------- reads

@extend_schema(tags=TAGS)
class RuleSetList(generics.ListAPIView):
    """Every version, newest first; `?state=` filters, `?ordering=` sorts."""

    required_perm = Perm.RULESET_MANAGE
    serializer_class = RuleSetSerializer
    filterset_fields = ["state"]
    ordering_fields = ["number", "created_at", "activated_at", "state"]
    ordering = ["-number"]

    def get_queryset(self):
        return versions()


def detail_response(version: RuleSetVersion, code: int = status.HTTP_200_OK) -> Response:
    """The detail of a version with its ETag (its row version): what reads and writes answer."""
    return with_etag(Response(RuleSetDetailSerializer(version).data, status=code), version)


class RuleSetDetail(APIView):
    """One version with every parameter and its schema (unit, range, rule, evidence). The
    ETag is its row version; a draft's author edits it with PUT (every parameter) or PATCH
    (some), sending that ETag in If-Match (rulesets_write.RuleSetDetailEdit)."""

    required_perm = Perm.RULESET_MANAGE

    @extend_schema(tags=TAGS, responses=RuleSetDetailSerializer)
    def get(self, request, number: int):
        return detail_response(version_get(number))


@extend_schema(tags=TAGS, responses=DiffSerializer, parameters=[OpenApiParameter(
    "against", int, description="The version to compare with; by default what the version "
    "page compares with (the version it replaced or would replace…)")])
class RuleSetDiff(APIView):
    required_perm = Perm.RULESET_MANAGE

    def get(self, request, number: int):
        version = version_get(number)
        text = request.query_params.get("against")
        if text is not None and not (version_number(text) is not None
                                     and RuleSetVersion.objects.filter(number=text).exists()):
            raise ValidationError({"against": [f"No rule-set version {text!r}: give the "
                                               f"number of an existing version."]})
        against, reason = ruleset_compared_with(version, active_or_none(), against=text or "")
        return Response(DiffSerializer({
            "number": version.number, "against": against.number if against else None,
            "reason": reason, "rules": sel.ruleset_diff(version, against) if against else [],
        }).data)


@extend_schema(tags=TAGS, responses=HistorySerializer(many=True))
class RuleSetHistory(APIView):
    """Who did what to the version, oldest first (its audit rows)."""

    required_perm = Perm.RULESET_MANAGE

    def get(self, request, number: int):
        events = list(sel.ruleset_history(version_get(number)))
        job_ids = {e.detail.get("job") for e in events if isinstance(e.detail.get("job"), int)}
        public = dict(JobRun.objects.filter(pk__in=job_ids).values_list("pk", "public_id")) \
            if job_ids else {}
        rows = []
        for event in events:
            detail = dict(event.detail)
            if "job" in detail:  # the API names a job by its public id, never its row id
                detail["job"] = str(public[detail["job"]]) if detail["job"] in public else None
            rows.append({"action": event.action, "at": event.at, "detail": detail,
                         "actor": event.actor.username if event.actor else None})
        return Response(HistorySerializer(rows, many=True).data)


@extend_schema(tags=TAGS, responses=MetricsSerializer, parameters=[
    OpenApiParameter("start", OpenApiTypes.DATE, description="First UTC day (YYYY-MM-DD)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last UTC day, included")])
class RuleSetMetrics(APIView):
    """Per rule: firings, acknowledgements, dismissals, median time to acknowledgement and
    patients, over an optional window of days (the version page's definitions and checks)."""

    required_perm = Perm.RULESET_MANAGE

    def get(self, request, number: int):
        version = version_get(number)
        form = MetricsWindowForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        window = form.window()
        found = metrics.rule_metrics(version, window)
        return Response(MetricsSerializer({
            "number": version.number,
            "window": {"start": window.start, "end": window.end, "label": window.label},
            "rules": list(found.values())}).data)


@extend_schema(tags=TAGS, responses=AlarmReportSerializer)
class RuleSetAlarms(APIView):
    """The active version's rule alarms (stopped or surging rules against the version it
    replaced), or why there is no comparison yet. 409 when no version is active."""

    required_perm = Perm.RULESET_MANAGE

    def get(self, request):
        report = metrics.rule_alarms(sel.ruleset_active())
        job = report.job
        note = report.note
        if job is not None:  # the page's note names the job's row id; the API, its public id
            note = note.replace(f"job #{job.pk}", f"job {job.public_id}")
        return Response(AlarmReportSerializer({
            "state": report.state, "active": report.active, "previous": report.previous,
            "as_of": report.as_of, "patients": report.patients,
            "surge_factor": report.surge_factor, "note": note,
            "job": job.public_id if job else None,
            "alarms": [{"code": a.code, "kind": a.kind, "before": a.before, "now": a.now,
                        "message": a.message} for a in report.alarms]}).data)
