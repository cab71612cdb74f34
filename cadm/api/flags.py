"""Flags: the worklist (the page's filters), one flag with its history, and the reviewers'
actions through the same services as the flag page (cadm/services/flags.py,
classification.py). Scoped as the pages: the user's sites, flag.review; another site's flag
is a 404. An action's body is read by its typed input (cadm.inputs.flags), the one place its
values are checked, so a bad value gets the flag page's message keyed by the same field
(InputInvalid is a 400). Actions take an `Idempotency-Key`: a retried request acts once."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.inputs.flags import (
    COMMENT_MAX,
    AcknowledgeInput,
    CommentInput,
    DismissInput,
    SnoozeInput,
)
from cadm.models import Flag, FlagAction, OverrideReason
from cadm.permissions import Perm
from cadm.selectors.flags import WorklistFilter, flag_get_for, flag_list_for
from cadm.selectors.rulesets import ruleset_context
from cadm.services.audit_reads import FLAG, AuditedList, AuditedReads
from cadm.services.flag_actions import flag_action_run

from .entries import unknown_fields
from .errors import ErrorSerializer
from .idempotency import idempotent
from .ordering import StableOrdering
from .search import SearchSerializer, search_body


class FlagActionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True,
                                  default=None, help_text="Null: the rules engine")
    ruleset = serializers.IntegerField(source="ruleset.number", read_only=True,
                                       allow_null=True, default=None)

    class Meta:
        model = FlagAction
        fields = ["kind", "actor", "reason", "comment", "ruleset", "at"]
        read_only_fields = fields


class FlagSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = serializers.UUIDField(source="patient.public_id", read_only=True)
    ruleset = serializers.IntegerField(source="ruleset.number", read_only=True,
                                       help_text="The rule-set version that produced it")

    class Meta:
        model = Flag
        fields = ["id", "patient", "code", "severity", "state", "summary", "detail",
                  "evidence", "citation", "evidence_label", "ruleset", "opened_at",
                  "updated_at", "snoozed_until", "resolved_at", "resolved_reason"]
        read_only_fields = fields


class FlagDetailSerializer(FlagSerializer):
    actions = FlagActionSerializer(many=True, read_only=True)

    class Meta(FlagSerializer.Meta):
        fields = [*FlagSerializer.Meta.fields, "actions"]
        read_only_fields = fields


WORKLIST_PARAMETERS = [
    OpenApiParameter("state", str, description="needs_attention (default on the page), open, "
                                               "acknowledged, snoozed, dismissed, resolved, all"),
    OpenApiParameter("severity", str, enum=["critical", "warning", "info"]),
    OpenApiParameter("code", str, description="Rule code"),
    OpenApiParameter("site", str, description="Site id"),
    OpenApiParameter("age", str, description="How long the flag has been open"),
    OpenApiParameter("patient", str, description="A patient's id (UUID)"),
]


SEARCH_MOVED = ("Patient search terms are not accepted in the URL, which proxies and servers "
                "log: POST them to /api/v1/flags/search/ as {\"q\": \"...\"} (the other "
                "filters, ordering and page stay in the query string).")


class _Flags(AuditedList, generics.ListAPIView):
    required_perm = Perm.FLAG_REVIEW
    serializer_class = FlagSerializer
    # The worklist's own filters are read below; `?ordering=` still sorts, ties by id.
    filter_backends = [StableOrdering]

    def audit_patient_of(self, row):
        return row.patient

    def filters(self):
        """The worklist's filters: the query string's (and a search's `q`)."""
        if "q" in self.request.query_params:
            raise ValidationError({"q": [SEARCH_MOVED]})
        return self.request.query_params

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Flag.objects.none()
        worklist = WorklistFilter(self.filters(),
                                  queryset=flag_list_for(user=self.request.user),
                                  user=self.request.user, today=timezone.localdate())
        if not worklist.is_valid():
            raise ValidationError(worklist.errors.get_json_data() and {
                field: [e["message"] for e in errors]
                for field, errors in worklist.errors.get_json_data().items()})
        return worklist.qs.select_related("patient", "ruleset").order_by(
            "severity_rank", "opened_at", "pk")


@extend_schema(tags=["flags"], parameters=WORKLIST_PARAMETERS)
class FlagList(_Flags):
    """The worklist: the same filters as the page, sorted by severity then age. To search by
    patient name or MRN, POST to flags/search/: `?q=` is refused (a 400 that says so)."""


@extend_schema(tags=["flags"], parameters=WORKLIST_PARAMETERS)
class FlagSearch(_Flags):
    """The worklist searched by patient name or MRN, sent in the body so that no URL (and no
    proxy's log) holds them; the other filters, ordering and the page stay in the query
    string, and the `next` and `previous` links are to POST with the same body."""

    audit_post_reads = True
    http_method_names = ["post", "options"]

    def filters(self):
        data = self.request.query_params.copy()
        data["q"] = search_body(self.request, moved=SEARCH_MOVED)
        return data

    @extend_schema(request=SearchSerializer, responses={
        200: FlagSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer})
    def post(self, request):
        return self.list(request)


@extend_schema(tags=["flags"])
class FlagDetail(AuditedReads, generics.RetrieveAPIView):
    """One flag, with everything that happened to it."""

    required_perm = Perm.FLAG_REVIEW
    audit_names = FLAG
    serializer_class = FlagDetailSerializer
    queryset = Flag.objects.none()

    def get_object(self):
        flag = flag_get_for(user=self.request.user, public_id=self.kwargs["public_id"])
        # One query for the history, whatever its length.
        flag._prefetched_objects_cache = {
            "actions": flag.actions.select_related("actor", "ruleset").order_by("at", "pk")}
        return flag


# The bodies, for the schema only: the values are checked by the typed inputs
# (cadm.inputs.flags), as the page's forms hand theirs, so a bad value gets the page's words.
class _Note(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX)


class _Dismiss(serializers.Serializer):
    # A plain string (the codes listed in the help): "reason" names other choice sets too.
    reason = serializers.CharField(help_text="HL7 CDS Hooks override reason code, one of: "
                                             + ", ".join(OverrideReason.values))
    comment = serializers.CharField(max_length=COMMENT_MAX)


class _Snooze(serializers.Serializer):
    until = serializers.DateField(help_text="From tomorrow up to the active rule set's longest "
                                            "snooze for the flag's severity")
    comment = serializers.CharField(max_length=COMMENT_MAX, help_text="The reason")


class _Comment(serializers.Serializer):
    comment = serializers.CharField(max_length=COMMENT_MAX)


# action -> (typed input, the body's documented shape)
BODIES = {"acknowledge": (AcknowledgeInput, _Note), "dismiss": (DismissInput, _Dismiss),
          "snooze": (SnoozeInput, _Snooze), "comment": (CommentInput, _Comment),
          "accept": (AcknowledgeInput, _Note), "reject": (DismissInput, _Dismiss)}


def _parsed(action: str, body, flag: Flag):
    """The body as the action's typed input. A body that is not a JSON object, or names a
    field the action does not take, is refused rather than read as empty (a misspelt key
    would vanish without a word)."""
    if not isinstance(body, dict):
        raise ValidationError("The body must be a JSON object.")
    input_class, shape = BODIES[action]
    unknown = unknown_fields(body, list(shape().fields))
    if unknown:
        raise ValidationError(unknown)
    if input_class is SnoozeInput:  # the flag's severity decides its longest snooze
        return SnoozeInput.parse(body, context=ruleset_context(today=timezone.localdate()),
                                 severity=flag.severity)
    return input_class.parse(body)


def _action_view(action: str, summary: str):
    @extend_schema(tags=["flags"], request=BODIES[action][1], responses=FlagSerializer,
                   summary=summary)
    class FlagActionView(AuditedReads, APIView):
        required_perm = Perm.SUBTYPE_DECIDE if action in ("accept", "reject") \
            else Perm.FLAG_REVIEW
        audit_names = FLAG

        @idempotent()
        def post(self, request, public_id):
            """Another site's flag is a 404 before its body is read; the input parsed, the
            same dispatch as the page's calls the service (which checks right and site
            again)."""
            flag = flag_get_for(user=request.user, public_id=public_id)
            flag_action_run(action, actor=request.user, flag=flag,
                            data=_parsed(action, request.data, flag))
            flag.refresh_from_db()
            return Response(FlagSerializer(flag).data, status=status.HTTP_200_OK)

    FlagActionView.__name__ = f"Flag{action.capitalize()}"
    return FlagActionView.as_view()


flag_acknowledge = _action_view("acknowledge", "Acknowledge: seen, being handled")
flag_dismiss = _action_view("dismiss", "Dismiss with an HL7 override reason; quiet until the "
                                       "evidence changes")
flag_snooze = _action_view("snooze", "Snooze until a date")
flag_comment = _action_view("comment", "Comment")
flag_accept = _action_view("accept", "Accept a suggested reclassification (RECLASSIFY)")
flag_reject = _action_view("reject", "Reject a suggested reclassification, with a reason")
