"""Rule-set versions, written (issue 11 §2): clone, edit a draft, submit, approve, reject,
preview (start, cancel, latest result), activate and re-evaluate. The reads are in
rulesets_read.py; a write answers with the version's detail (or the job it started).

A body is read by its typed input (cadm.inputs.rulesets), the one place its values are
checked, as the pages' forms hand theirs: a bad value gets the page's message, keyed by the
same field (a parameter by `params.<key>`), as a 400. The services decide what the lifecycle
and four eyes allow, and their refusals keep their words: a lifecycle refusal (DomainError)
and an actor refusal (PermissionDenied raised by a service: "another rules admin must approve
it", "only the author can edit it") are both 409, since the caller holds the permission and
the version's state is what refuses. Writes take an `Idempotency-Key`; editing a draft needs
`If-Match` with the detail's ETag (its row_version). Preview results carry counts and sample
cases by their values, never a patient's identity (nor the job's error list, which names
patient ids).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.inputs.rulesets import (
    NOTE_MAX,
    ActivationInput,
    ApprovalInput,
    CloneInput,
    DraftInput,
    RejectionInput,
)
from cadm.models import JobRun, RuleSetVersion
from cadm.permissions import Perm
from cadm.selectors import rulesets as sel
from cadm.selectors.ruleset_review import (
    impact_rows,
    is_identical_copy,
    preview_summary,
)
from cadm.services import preview, rulesets
from cadm.services.impact import impact_totals

from .concurrency import if_match_check, if_match_version
from .entries import unknown_fields
from .errors import Conflict
from .idempotency import idempotent
from .jobs import JobSerializer
from .rulesets_read import (
    TAGS,
    RuleSetDetail,
    RuleSetDetailSerializer,
    active_or_none,
    detail_response,
    version_get,
)


def _serviced(call):
    """Run a service; its PermissionDenied (four eyes, author only) is a 409 with its words:
    the view already checked ruleset.manage, so what refuses is the version's state."""
    try:
        return call()
    except PermissionDenied as exc:
        raise Conflict(str(exc) or "Not allowed for you on this version.") from None


def _body(request, shape: type[serializers.Serializer] | None) -> dict:
    """The JSON object sent, with only the fields `shape` documents: a misspelt key is
    refused rather than dropped without a word. No shape: the action takes no values."""
    body = request.data
    if not isinstance(body, dict):
        raise ValidationError("The body must be a JSON object.")
    if shape is None:
        if body:
            raise ValidationError({name: ["Unknown field; this action takes no values."]
                                   for name in sorted(body)})
        return body
    unknown = unknown_fields(body, list(shape().fields))
    if unknown:
        raise ValidationError(unknown)
    return body


# ---------------------------------------------------------------------------- serializers

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


# The bodies, for the schema only: the values are checked by cadm.inputs.rulesets.
class CloneBody(serializers.Serializer):
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX,
                                        default="")


class DraftPut(serializers.Serializer):
    params = serializers.DictField(help_text="Every parameter, by key")
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX,
                                        help_text="What changes and why; required to submit")


class DraftPatch(serializers.Serializer):
    params = serializers.DictField(required=False,
                                   help_text="Some parameters, by key; the others are kept")
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)


class ReviewBody(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX,
                                    default="", help_text="Required to reject")


class ActivateBody(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="Must be true: you reviewed the differences and the impact preview")


# ---------------------------------------------------------------------------------- edit

class RuleSetDetailEdit(RuleSetDetail):
    """The detail (GET, as in rulesets_read), and a draft's edits by its author: PUT (every
    parameter) or PATCH (some, the others kept), with the detail's ETag in If-Match."""

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

    def _update(self, request, number: int, shape) -> Response:
        expected = if_match_version(request)  # 428 before anything else
        body = _body(request, shape)
        with transaction.atomic():
            version = get_object_or_404(RuleSetVersion.objects.select_for_update(),
                                        number=number)
            if_match_check(request, version)
            draft = DraftInput.parse(_draft_values(body, version, whole=shape is DraftPut))
            _serviced(lambda: rulesets.ruleset_draft_update(
                actor=request.user, version=version, data=draft, expected_version=expected))
        return detail_response(version_get(number))


def _draft_values(body: dict, version: RuleSetVersion, *, whole: bool) -> dict:
    """What the input checks: PUT's parameters as sent (a missing one is refused), PATCH's
    over the stored ones; a note not sent is the stored one (PUT's, empty)."""
    params = body.get("params")
    if not whole and isinstance(params, dict):
        params = {**version.params, **params}
    elif not whole and params is None:
        params = version.params
    note = body.get("change_note", "" if whole else version.change_note)
    return {"params": params, "change_note": note}


# ------------------------------------------------------------------------------- preview

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
        version = version_get(number)
        active = active_or_none()
        summary = preview_summary(version, active)
        job = summary.job
        result = (job.result or {}) if job else {}
        rows = impact_rows(job)
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
        version = version_get(number)
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
        source = version_get(number)
        note = CloneInput.parse(_body(request, CloneBody))
        draft = _serviced(lambda: rulesets.ruleset_draft_clone(
            actor=request.user, source=source, data=note))
        response = detail_response(version_get(draft.number), status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/rulesets/{draft.number}/"
        return response


def _review_view(name: str, call, input_class, shape, summary: str):
    """A lifecycle step on version `number`: its body parsed by `input_class` (None: the step
    takes no values), then `call(user, version, input)`."""
    @extend_schema(tags=TAGS, request=shape, responses=RuleSetDetailSerializer,
                   summary=summary)
    class ReviewView(APIView):
        required_perm = Perm.RULESET_MANAGE

        @idempotent()
        def post(self, request, number: int):
            version = version_get(number)
            body = _body(request, shape)
            data = input_class.parse(body) if input_class else None
            _serviced(lambda: call(request.user, version, data))
            return detail_response(version_get(number))

    ReviewView.__name__ = ReviewView.__qualname__ = f"RuleSet{name.capitalize()}"
    return ReviewView


RuleSetSubmit = _review_view(
    "submit", lambda user, v, data: rulesets.ruleset_submit(actor=user, version=v), None, None,
    "Submit a draft for approval (its author; it needs a change note)")
RuleSetApprove = _review_view(
    "approve", lambda user, v, data: rulesets.ruleset_approve(actor=user, version=v, data=data),
    ApprovalInput, ReviewBody, "Approve (another rules admin than the author)")
RuleSetReject = _review_view(
    "reject", lambda user, v, data: rulesets.ruleset_reject(actor=user, version=v, data=data),
    RejectionInput, ReviewBody, "Reject, saying why (another rules admin than the author)")


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


@extend_schema(tags=TAGS, request=ActivateBody, responses={202: StartedSerializer},
               summary="Activate an approved version (confirm: true); the cohort is "
                       "re-evaluated in the background")
class RuleSetActivate(APIView):
    required_perm = Perm.RULESET_MANAGE

    @idempotent()
    def post(self, request, number: int):
        # A JSON true, nothing that merely looks like it: the page's ticked box, in JSON.
        confirmation = ActivationInput.parse(_body(request, ActivateBody))
        version = version_get(number)
        job = _serviced(lambda: rulesets.ruleset_activate(actor=request.user, version=version,
                                                          data=confirmation))
        return _started(version, job, f"v{version.number} is active.")


@extend_schema(tags=TAGS, request=None, responses={202: StartedSerializer},
               summary="Re-evaluate the cohort with the active version again")
class RuleSetReevaluate(APIView):
    required_perm = Perm.RULESET_MANAGE

    @idempotent()
    def post(self, request, number: int):
        version = version_get(number)
        job = _serviced(lambda: rulesets.ruleset_reevaluation_rerun(actor=request.user,
                                                                    version=version))
        return _started(version, job, f"The cohort is being re-evaluated with "
                                      f"v{version.number} again.")
