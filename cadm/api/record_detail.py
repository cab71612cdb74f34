"""One visit or one result: read it, correct a visit's examination (PATCH with If-Match), mark
either entered in error (POST with the reason). Scoped as the patient page; a row of another
patient, or of another site's patient, is a 404.

A wrong row is never overwritten or deleted: marking it entered in error keeps it, struck
through, with its reason, and the rules stop reading it (cadm.services.corrections and
visit_mark_entered_in_error; marking a visit marks the results recorded with it)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.inputs import Context, InputInvalid, VisitInput
from cadm.models import Visit
from cadm.permissions import Perm
from cadm.sections import all_sections, get_section
from cadm.selectors.patients import patient_get_for
from cadm.services.audit_reads import AuditedReads
from cadm.services.corrections import record_mark_entered_in_error
from cadm.services.visits import visit_mark_entered_in_error, visit_update

from . import entries
from .concurrency import if_match_check, with_etag
from .errors import ErrorSerializer
from .idempotency import idempotent
from .permissions import MethodPerms
from .records import VisitSerializer, VisitWriteSerializer, result_serializer

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
          409: ErrorSerializer, 422: ErrorSerializer}
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                            description="The ETag of the visit you read")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why it is wrong (wrong patient, typo, recorded "
                                             "twice)")


class VisitUpdateSerializer(VisitWriteSerializer):
    """Any subset of the examination; results are corrected one by one, not here."""

    results = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class _Scoped(AuditedReads, MethodPerms, APIView):
    required_perm = Perm.PATIENT_VIEW

    def patient(self):
        return patient_get_for(user=self.request.user, public_id=self.kwargs["public_id"])

    def row(self, model):
        patient = self.patient()
        try:
            return model.objects.select_related("patient").get(
                patient=patient, public_id=self.kwargs["row_id"])
        except model.DoesNotExist:
            raise Http404("No such row for this patient.") from None


@extend_schema(tags=["patients"])
class VisitDetail(_Scoped):
    """One visit; its ETag is its version (send it in If-Match to correct it)."""

    write_perm = Perm.SKIN_RECORD
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: VisitSerializer, 404: ErrorSerializer})
    def get(self, request, public_id, row_id):
        visit = self.row(Visit)
        return with_etag(Response(VisitSerializer(visit).data), visit)

    @extend_schema(request=VisitUpdateSerializer, parameters=[IF_MATCH], responses={
        200: OpenApiResponse(VisitSerializer, description="Saved; the ETag is the new "
                                                          "version"),
        **ERRORS, 412: ErrorSerializer, 428: ErrorSerializer})
    @idempotent()
    def patch(self, request, public_id, row_id):
        """Correct the examination (only the fields sent); the previous state stays in the
        history. A visit with results keeps its date: mark it entered in error instead."""
        visit = self.row(Visit)
        expected = if_match_check(request, visit)
        body = request.data
        if not isinstance(body, dict):
            raise serializers.ValidationError("The body must be a JSON object.")
        unknown = entries.unknown_fields(body, (*entries.VISIT_FIELDS, entries.CONFIRM))
        try:
            data = VisitInput.parse(
                {k: v for k, v in body.items() if k in entries.VISIT_FIELDS}, partial=True,
                context=Context(today=entries.today(), birth_date=visit.patient.birth_date,
                                confirmed=entries.confirmed(body)))
        except InputInvalid as exc:
            raise serializers.ValidationError({**unknown, **exc.message_dict}) from None
        if unknown:
            raise serializers.ValidationError(unknown)
        visit = visit_update(actor=request.user, visit=visit, data=data,
                             expected_version=expected)
        response = Response(VisitSerializer(visit).data)
        response["ETag"] = f'"{response.data["version"]}"'
        return response


@extend_schema(tags=["patients"], request=ReasonSerializer,
               responses={200: VisitSerializer, **ERRORS})
class VisitEnteredInError(_Scoped):
    """Mark the whole visit entered in error (wrong patient, recorded twice): it and the
    results recorded with it; the rules stop reading them."""

    write_perm = Perm.SKIN_RECORD
    http_method_names = ["post", "options"]

    @idempotent()
    def post(self, request, public_id, row_id):
        visit = self.row(Visit)
        mark = entries.reason_body(request.data, what="visit")
        visit = visit_mark_entered_in_error(actor=request.user, visit=visit, data=mark)
        return Response(VisitSerializer(visit).data)


def _result_views(key: str):
    section = get_section(key)
    serializer = result_serializer(key)

    @extend_schema(tags=["results"], summary=f"{section.title}: one row",
                   responses={200: serializer, 404: ErrorSerializer})
    class ResultDetail(_Scoped):
        http_method_names = ["get", "head", "options"]

        def get(self, request, public_id, row_id):
            return Response(serializer(self.row(section.model)).data)

    @extend_schema(tags=["results"], summary=f"{section.title}: mark entered in error",
                   request=ReasonSerializer, responses={200: serializer, **ERRORS})
    class ResultEnteredInError(_Scoped):
        write_perm = section.permission
        http_method_names = ["post", "options"]

        @idempotent()
        def post(self, request, public_id, row_id):
            record = self.row(section.model)
            mark = entries.reason_body(request.data, what="result")
            record = record_mark_entered_in_error(actor=request.user, patient=record.patient,
                                                  section=section, record=record, data=mark)
            return Response(serializer(record).data)

    name = section.model.__name__
    ResultDetail.__name__, ResultEnteredInError.__name__ = (f"{name}Detail",
                                                            f"{name}EnteredInError")
    return ResultDetail.as_view(), ResultEnteredInError.as_view()


RESULT_DETAIL_VIEWS = {section.key: _result_views(section.key) for section in all_sections()}
