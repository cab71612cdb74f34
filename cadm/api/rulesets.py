"""Rule-set versions and their whole lifecycle (issue 11 §2): list, detail with the parameter
schema, diff, history, metrics and alarms; clone, edit a draft, submit, approve, reject,
preview (start, cancel, latest result), activate and re-evaluate.

A version is named by its number (not patient data). Everything needs ruleset.manage (rules
admins); the services decide what the lifecycle and four eyes allow, and their refusals keep
their words: a lifecycle refusal (DomainError) and an actor refusal (PermissionDenied raised
by a service: "another rules admin must approve it", "only the author can edit it") are both
409, since the caller holds the permission and the version's state is what refuses. Writes
take an `Idempotency-Key`; editing a draft needs `If-Match` with the detail's ETag (its
row_version). Jobs are named by their public UUID (see /api/v1/jobs/<uuid>/), never by their
database id, and preview results carry counts and sample cases by their values, never a
patient's identity (nor the job's error list, which names patient ids).
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
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
from cadm.services import preview, rulesets
from cadm.services.impact import impact_totals
from cadm.views.ruleset_activation import is_identical_copy, preview_summary
from cadm.views.rulesets import _compared_with, _impact_rows

from .concurrency import if_match_check, if_match_version, with_etag
from .errors import Conflict
from .idempotency import idempotent
from .jobs import JobSerializer

State = RuleSetVersion.State
TAGS = ["rulesets"]
STATE_HELP = ("One of: " + ", ".join(f"{value} ({label})" for value, label in State.choices))


def _versions():
    return sel.ruleset_list().select_related("replaces")


def _version(number: int) -> RuleSetVersion:
    return get_object_or_404(_versions(), number=number)


def _active() -> RuleSetVersion | None:
    return RuleSetVersion.objects.filter(state=State.ACTIVE).first()


def _serviced(call):
    """Run a service; its PermissionDenied (four eyes, author only) is a 409 with its words:
    the view already checked ruleset.manage, so what refuses is the version's state."""
    try:
        return call()
    except PermissionDenied as exc:
        raise Conflict(str(exc) or "Not allowed for you on this version.") from None


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


class EvidenceRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.CharField(allow_null=True, help_text="The live flag's, 'value (date)'")
    after = serializers.CharField(allow_null=True, help_text="With this version")
    differs = serializers.BooleanField()


class CaseSerializer(serializers.Serializer):
    """A sample case by its values only: no patient identity, not even a public id."""

    n = serializers.IntegerField(help_text="Case 1, 2… within its rule and change")
    severity = serializers.ListField(child=serializers.CharField(allow_null=True),
                                     help_text="[before, after]; null on the side without flag")
    state = serializers.CharField(allow_null=True, help_text="The live flag's state")
    summary = serializers.ListField(child=serializers.CharField(allow_null=True),
                                    allow_null=True, help_text="[before, after] when it differs")
    extra_changed = serializers.BooleanField()
    evidence = EvidenceRowSerializer(many=True)


class SampleGroupSerializer(serializers.Serializer):
    change = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField()
    cases = CaseSerializer(many=True)


class ImpactRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    changed = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="open, close, severity, text, evidence, reopen, stay")
    transitions = serializers.DictField(child=serializers.IntegerField())
    wording_only = serializers.IntegerField()
    samples = SampleGroupSerializer(many=True)


class PreviewSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    job = JobSerializer(allow_null=True, help_text="The latest preview; null: none was run")
    stale = serializers.BooleanField(help_text="Run on other parameters than the current ones")
    activated_since = serializers.IntegerField(
        allow_null=True, help_text="A version activated after the preview ran")
    identical_to_active = serializers.BooleanField()
    as_of = serializers.CharField(allow_null=True)
    patients_evaluated = serializers.IntegerField()
    patients_total = serializers.IntegerField()
    error_count = serializers.IntegerField(help_text="Patients whose evaluation failed")
    totals = serializers.DictField(child=serializers.IntegerField())
    rules = ImpactRowSerializer(many=True)


class StartedSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    job = JobSerializer()
    handed_to_queue = serializers.BooleanField(
        allow_null=True, help_text="True: the job reached the task queue; false: the queue "
        "could not be reached (job.dispatch_error; it is sent again automatically); null: not "
        "handed over yet when this answer was written (it is after the request commits)")
    message = serializers.CharField()


class CloneBody(serializers.Serializer):
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                        default="")


class DraftPut(serializers.Serializer):
    params = serializers.DictField(help_text="Every parameter, by key")
    change_note = serializers.CharField(allow_blank=True, max_length=4000,
                                        help_text="What changes and why; required to submit")


class DraftPatch(serializers.Serializer):
    params = serializers.DictField(required=False,
                                   help_text="Some parameters, by key; the others are kept")
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ReviewBody(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                    default="", help_text="Required to reject")


class ActivateBody(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="Must be true: you reviewed the differences and the impact preview")


# ---------------------------------------------------------------------------------- reads

_ORDERING = OpenApiParameter("ordering", str, description="number, created_at, activated_at "
                                                          "or state; '-' first: descending")


@extend_schema(tags=TAGS)
class RuleSetList(generics.ListAPIView):
    """Every version, newest first; `?state=` filters, `?ordering=` sorts."""

    required_perm = Perm.RULESET_MANAGE
    serializer_class = RuleSetSerializer
    filterset_fields = ["state"]
    ordering_fields = ["number", "created_at", "activated_at", "state"]
    ordering = ["-number"]

    def get_queryset(self):
        return _versions()


def _detail_response(version: RuleSetVersion, code: int = status.HTTP_200_OK) -> Response:
    return with_etag(Response(RuleSetDetailSerializer(version).data, status=code), version)


class RuleSetDetail(APIView):
    """One version with every parameter and its schema (unit, range, rule, evidence). The
    ETag is its row version; a draft's author edits it with PUT (every parameter) or PATCH
    (some), sending that ETag in If-Match."""

    required_perm = Perm.RULESET_MANAGE

    @extend_schema(tags=TAGS, responses=RuleSetDetailSerializer)
    def get(self, request, number: int):
        return _detail_response(_version(number))

    @extend_schema(tags=TAGS, request=DraftPut, responses=RuleSetDetailSerializer,
                   summary="Replace a draft's parameters and change note (If-Match)")
    @idempotent()
    def put(self, request, number: int):
        return self._update(request, number, DraftPut)

    @extend_schema(tags=TAGS, request=DraftPatch, responses=RuleSetDetailSerializer,
                   summary="Change some of a draft's parameters or its note (If-Match)")
    @idempotent()
    def patch(self, request, number: int):
        return self._update(request, number, DraftPatch)

    def _update(self, request, number: int, body_class) -> Response:
        expected = if_match_version(request)  # 428 before anything else
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            version = get_object_or_404(RuleSetVersion.objects.select_for_update(),
                                        number=number)
            if_match_check(request, version)
            params = (data["params"] if body_class is DraftPut
                      else {**version.params, **data.get("params", {})})
            note = data.get("change_note", version.change_note)
            try:
                _serviced(lambda: rulesets.ruleset_draft_update(
                    actor=request.user, version=version, params=params, change_note=note,
                    expected_version=expected))
            except DjangoValidationError as exc:  # per parameter key (params_validated)
                raise ValidationError({"params": exc.message_dict}) from None
        return _detail_response(_version(number))


@extend_schema(tags=TAGS, responses=DiffSerializer, parameters=[OpenApiParameter(
    "against", int, description="The version to compare with; by default what the version "
    "page compares with (the version it replaced or would replace…)")])
class RuleSetDiff(APIView):
    required_perm = Perm.RULESET_MANAGE

    def get(self, request, number: int):
        version = _version(number)
        text = request.query_params.get("against")
        if text is not None and not (re.fullmatch(r"[0-9]{1,9}", text)
                                     and RuleSetVersion.objects.filter(number=text).exists()):
            raise ValidationError({"against": [f"No rule-set version {text!r}: give the "
                                               f"number of an existing version."]})
        against, reason = _compared_with(request, version, _active())
        return Response(DiffSerializer({
            "number": version.number, "against": against.number if against else None,
            "reason": reason, "rules": sel.ruleset_diff(version, against) if against else [],
        }).data)


@extend_schema(tags=TAGS, responses=HistorySerializer(many=True))
class RuleSetHistory(APIView):
    """Who did what to the version, oldest first (its audit rows)."""

    required_perm = Perm.RULESET_MANAGE

    def get(self, request, number: int):
        events = list(sel.ruleset_history(_version(number)))
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
        version = _version(number)
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


def _cases(sample_group: dict) -> list[dict]:
    return [{"n": case["n"], "severity": case.get("severity") or [None, None],
             "state": case.get("state"), "summary": case.get("summary"),
             "extra_changed": bool(case.get("extra_changed")),
             "evidence": [{"label": label, "before": before, "after": after,
                           "differs": differs}
                          for label, before, after, differs in case["evidence"]]}
            for case in sample_group["cases"]]


class RuleSetPreview(APIView):
    """GET: the latest impact preview of the version (counts per rule and sample cases by
    their values); POST: run a new one (202, the job; follow it at /api/v1/jobs/<id>/)."""

    required_perm = Perm.RULESET_MANAGE

    @extend_schema(tags=TAGS, responses=PreviewSerializer)
    def get(self, request, number: int):
        version = _version(number)
        active = _active()
        summary = preview_summary(version, active)
        job = summary.job
        result = (job.result or {}) if job else {}
        rows = _impact_rows(job)
        return Response(PreviewSerializer({
            "number": version.number, "job": job,
            "stale": summary.is_stale,
            "activated_since": summary.activated_since.number if summary.activated_since
            else None,
            "identical_to_active": is_identical_copy(version, active),
            "as_of": result.get("as_of") or (job.params.get("as_of") if job else None),
            "patients_evaluated": result.get("patients_evaluated", 0),
            "patients_total": result.get("patients_total", job.total if job else 0),
            "error_count": result.get("error_count", 0),  # never the list: it names patients
            "totals": impact_totals(result.get("rules", {})) if job else {},
            "rules": [{"code": row["code"], "changed": row["changed"],
                       "counts": {k: v for k, v in row["impact"].items()
                                  if isinstance(v, int)},
                       "transitions": row["impact"].get("transitions", {}),
                       "wording_only": row["wording_only"],
                       "samples": [{"change": group["change"], "title": group["title"],
                                    "count": group["count"], "cases": _cases(group)}
                                   for group in row["samples"]]}
                      for row in rows],
        }).data)

    @extend_schema(tags=TAGS, request=None, responses={202: JobSerializer},
                   summary="Start an impact preview")
    @idempotent()
    def post(self, request, number: int):
        version = _version(number)
        job = _serviced(lambda: preview.ruleset_preview_start(actor=request.user,
                                                              version=version))
        job = JobRun.objects.select_related("created_by", "ruleset").get(pk=job.pk)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/v1/jobs/{job.public_id}/"})


@extend_schema(tags=TAGS, request=None, responses=JobSerializer,
               summary="Cancel a preview: a queued one at once, a running one between batches")
class RuleSetPreviewCancel(APIView):
    required_perm = Perm.RULESET_MANAGE

    @idempotent()
    def post(self, request, number: int, job_id):
        job = get_object_or_404(JobRun, public_id=job_id, kind=sel.PREVIEW_KIND,
                                params__ruleset=number)
        job = _serviced(lambda: preview.ruleset_preview_cancel(actor=request.user, job=job))
        job = JobRun.objects.select_related("created_by", "ruleset").get(pk=job.pk)
        return Response(JobSerializer(job).data)


# ----------------------------------------------------------------------------- lifecycle

@extend_schema(tags=TAGS, request=CloneBody, responses={201: RuleSetDetailSerializer},
               summary="A new draft with this version's parameters")
class RuleSetClone(APIView):
    required_perm = Perm.RULESET_MANAGE

    @idempotent()
    def post(self, request, number: int):
        body = CloneBody(data=request.data)
        body.is_valid(raise_exception=True)
        source = _version(number)
        draft = _serviced(lambda: rulesets.ruleset_draft_clone(
            actor=request.user, source=source, change_note=body.validated_data["change_note"]))
        response = _detail_response(_version(draft.number), status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/rulesets/{draft.number}/"
        return response


def _review_view(name: str, call, body_class, summary: str):
    @extend_schema(tags=TAGS, request=body_class, responses=RuleSetDetailSerializer,
                   summary=summary)
    class ReviewView(APIView):
        required_perm = Perm.RULESET_MANAGE

        @idempotent()
        def post(self, request, number: int):
            comment = ""
            if body_class is not None:
                body = body_class(data=request.data)
                body.is_valid(raise_exception=True)
                comment = body.validated_data["comment"]
            version = _version(number)
            _serviced(lambda: call(request.user, version, comment))
            return _detail_response(_version(number))

    ReviewView.__name__ = ReviewView.__qualname__ = f"RuleSet{name.capitalize()}"
    return ReviewView


RuleSetSubmit = _review_view(
    "submit", lambda user, v, c: rulesets.ruleset_submit(actor=user, version=v), None,
    "Submit a draft for approval (its author; it needs a change note)")
RuleSetApprove = _review_view(
    "approve", lambda user, v, c: rulesets.ruleset_approve(actor=user, version=v, comment=c),
    ReviewBody, "Approve (another rules admin than the author)")
RuleSetReject = _review_view(
    "reject", lambda user, v, c: rulesets.ruleset_reject(actor=user, version=v, comment=c),
    ReviewBody, "Reject, saying why (another rules admin than the author)")


def _started(version: RuleSetVersion, job: JobRun, what: str) -> Response:
    """The job, and whether it reached the queue: the hand-over runs when the service's
    transaction commits (cadm.jobs.job_dispatch); inside an enclosing transaction (an
    Idempotency-Key's) it has not run yet, and the answer says so (null)."""
    job = JobRun.objects.select_related("created_by", "ruleset").get(pk=job.pk)
    if job.dispatch_error:
        handed, message = False, (f"{what} The task queue could not be reached: the job is "
                                  f"queued and starts automatically when the queue is back.")
    elif job.dispatched_at:
        handed, message = True, f"{what} The job was handed to the task queue."
    else:
        handed, message = None, f"{what} The job is queued; follow it at its address."
    return Response(StartedSerializer({"number": version.number, "job": job,
                                       "handed_to_queue": handed, "message": message}).data,
                    status=status.HTTP_202_ACCEPTED,
                    headers={"Location": f"/api/v1/jobs/{job.public_id}/"})


CONFIRM_REQUIRED = ("Required: send true to confirm that you reviewed the differences and the "
                    "impact preview; activating re-evaluates every patient's flags.")


@extend_schema(tags=TAGS, request=ActivateBody, responses={202: StartedSerializer},
               summary="Activate an approved version (confirm: true); the cohort is "
                       "re-evaluated in the background")
class RuleSetActivate(APIView):
    required_perm = Perm.RULESET_MANAGE

    @idempotent()
    def post(self, request, number: int):
        data = request.data if isinstance(request.data, dict) else {}
        if data.get("confirm") is not True:  # a JSON true, nothing that merely looks like it
            raise ValidationError({"confirm": [CONFIRM_REQUIRED]})
        version = _version(number)
        job = _serviced(lambda: rulesets.ruleset_activate(actor=request.user, version=version))
        return _started(version, job, f"v{version.number} is active.")


@extend_schema(tags=TAGS, request=None, responses={202: StartedSerializer},
               summary="Re-evaluate the cohort with the active version again")
class RuleSetReevaluate(APIView):
    required_perm = Perm.RULESET_MANAGE

    @idempotent()
    def post(self, request, number: int):
        version = _version(number)
        job = _serviced(lambda: rulesets.ruleset_reevaluation_rerun(actor=request.user,
                                                                    version=version))
        return _started(version, job, f"The cohort is being re-evaluated with "
                                      f"v{version.number} again.")
