"""A patient's visits and results: lists, details, and the writes of the visit and results
pages. Scoped as the patient page: patient.view at one of the patient's sites to read, another
site's patient is a 404. Entered-in-error rows are listed with their status, as the timeline
strikes them through; `?status=current` leaves them out.

Results are served per kind (`results/<kind>/`, the keys of cadm.sections), each with the
fields of its model: a serializer is built once per kind, without the database ids. Lists
filter by date range and by the kind's coded fields, and order by date.

Writes (POST a visit with its results, POST one result, mark either entered in error) read
their body through cadm/api/entries.py (the typed inputs) and go through the same services as
the pages (visit_record, results_add, the corrections), which check the finer permission (a
full visit needs visit.record, a lab result.record) and the site. Each accepts an
Idempotency-Key, so a retried request saves once."""

from __future__ import annotations

from functools import cache

import django_filters
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from cadm.models import RecordStatus, Visit
from cadm.permissions import Perm
from cadm.sections import all_sections, get_section
from cadm.selectors.patients import patient_get_for
from cadm.services.audit_reads import AuditedReads
from cadm.services.visits import results_add, visit_record_with_results

from . import entries
from .errors import ErrorSerializer
from .idempotency import idempotent
from .ordering import StableOrdering
from .permissions import MethodPerms

# Database keys and the patient (the URL names it); the ids shown are UUIDs.
HIDDEN = {"patient", "public_id", "clinicalrecord_ptr"}
STATUS_PARAMETER = OpenApiParameter("status", str, enum=["current", "all"],
                                    description="current: leave out rows entered in error")


class VisitSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    clinician = serializers.CharField(source="clinician.username", read_only=True,
                                      allow_null=True, default=None)
    version = serializers.IntegerField(source="row_version", read_only=True)

    class Meta:
        model = Visit
        exclude = ["patient", "public_id", "row_version", "notes"]
        read_only_fields = ["id"]


@cache
def result_serializer(key: str) -> type[serializers.ModelSerializer]:
    """One serializer per kind of result: its own fields, the visit by its UUID."""
    model = get_section(key).model
    meta = type("Meta", (), {"model": model, "read_only_fields": ["id"], "exclude": [
        f.name for f in model._meta.concrete_fields if f.name in HIDDEN]})
    return type(f"{model.__name__}Serializer", (serializers.ModelSerializer,), {
        "Meta": meta,
        "id": serializers.UUIDField(source="public_id", read_only=True),
        "visit": serializers.UUIDField(source="visit.public_id", read_only=True,
                                       allow_null=True, default=None),
        "recorded_by": serializers.CharField(source="recorded_by.username", read_only=True,
                                             allow_null=True, default=None),
    })


@cache
def rows_filter(model, date_field: str) -> type[django_filters.FilterSet]:
    """A date range (`<date>_after`, `<date>_before`, inclusive) and each coded field of the
    kind (analyte, antibody, drug, panel…: its choices), built once per model."""
    coded = [f.name for f in model._meta.concrete_fields
             if f.choices and f.name not in ("status", *HIDDEN)]
    meta = type("Meta", (), {"model": model, "fields": coded})
    # Two filters, not a range filter: a bad date is then reported under the parameter sent.
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), {
        "Meta": meta,
        f"{date_field}_after": django_filters.DateFilter(
            field_name=date_field, lookup_expr="gte", label="On or after (YYYY-MM-DD)"),
        f"{date_field}_before": django_filters.DateFilter(
            field_name=date_field, lookup_expr="lte", label="On or before (YYYY-MM-DD)")})


class _PatientRows(AuditedReads, MethodPerms, generics.ListAPIView):
    required_perm = Perm.PATIENT_VIEW
    filter_backends = [DjangoFilterBackend, StableOrdering]

    def patient(self):
        return patient_get_for(user=self.request.user, public_id=self.kwargs["public_id"])

    def current_only(self, rows):
        if self.request.query_params.get("status", "all") == "current":
            return rows.exclude(status=RecordStatus.ENTERED_IN_ERROR)
        return rows


WRITE_ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                409: ErrorSerializer, 422: ErrorSerializer}


def _created(request, body: dict, location: str) -> Response:
    return Response(body, status=status.HTTP_201_CREATED,
                    headers={"Location": request.build_absolute_uri(location)})


class VisitWriteSerializer(serializers.Serializer):
    """A visit: the visit page's fields, and the results of that day. Documentation only:
    the values are checked by cadm.inputs (VisitInput and each kind's input)."""

    visit_on = serializers.DateField()
    assessed = serializers.ListField(child=serializers.CharField(), required=False,
                                     help_text="Parts examined (a part with a finding counts "
                                               "as examined)")
    skin = serializers.ListField(child=serializers.CharField(), required=False)
    weakness = serializers.ListField(child=serializers.CharField(), required=False)
    mmt8 = serializers.IntegerField(required=False, allow_null=True)
    symptoms = serializers.ListField(child=serializers.CharField(), required=False)
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, required=False,
                                        allow_null=True, coerce_to_string=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    confirm_unusual = serializers.BooleanField(required=False, help_text=(
        "Confirm values in the soft plausibility range (clinical-reference.md §6.2)"))
    results = serializers.ListField(
        child=serializers.DictField(), required=False,
        help_text="Rows recorded with the visit, on its date: each names its `kind` (a key "
                  "of results/<kind>/) and the fields that POST results/<kind>/ takes, "
                  "without `observed_on` (a medication's `observed_on` is its start).")


class CreatedRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.UUIDField()


class VisitCreatedSerializer(VisitSerializer):
    results = CreatedRowSerializer(many=True, read_only=True)

    class Meta(VisitSerializer.Meta):
        pass


@extend_schema(tags=["patients"], parameters=[STATUS_PARAMETER])
class VisitList(_PatientRows):
    """The patient's visits, newest first; POST records one with its results (skin.record
    for a skin-only visit, visit.record for more)."""

    serializer_class = VisitSerializer
    write_perm = Perm.SKIN_RECORD
    filterset_class = rows_filter(Visit, "visit_on")
    ordering_fields = ["visit_on", "created_at"]
    ordering = ["-visit_on", "-pk"]

    @extend_schema(request=VisitWriteSerializer, parameters=[], responses={
        201: OpenApiResponse(VisitCreatedSerializer, description="Recorded; Location names "
                                                                 "the visit"),
        **WRITE_ERRORS})
    @idempotent()
    def post(self, request, public_id):
        patient = self.patient()
        visit_input, rows = entries.visit_body(request.data, patient=patient)
        visit, created = visit_record_with_results(
            actor=request.user, patient=patient, visit_data=visit_input, rows=rows)
        body = {**VisitSerializer(visit).data,
                "results": [{"kind": section.key, "id": record.public_id}
                            for (section, _), record in zip(rows, created, strict=True)]}
        return _created(request, body, reverse("api-patient-visit",
                                               args=[patient.public_id, visit.public_id]))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        rows = Visit.objects.filter(patient=self.patient()).select_related("clinician")
        return self.current_only(rows)


def _result_list(key: str):
    section = get_section(key)

    @extend_schema(tags=["results"], parameters=[STATUS_PARAMETER],
                   summary=f"{section.title}: the patient's rows, newest first")
    class ResultList(_PatientRows):
        serializer_class = result_serializer(key)
        filterset_class = rows_filter(section.model, "observed_on")
        ordering_fields = ["observed_on", "created_at"]
        ordering = ["-observed_on", "-pk"]

        def get_queryset(self):
            if getattr(self, "swagger_fake_view", False):
                return section.model.objects.none()
            rows = (section.model.objects.filter(patient=self.patient())
                    .select_related("visit", "recorded_by"))
            return self.current_only(rows)

        @extend_schema(summary=f"{section.title}: record one", parameters=[],
                       request=result_request_serializer(key), responses={
                           201: OpenApiResponse(result_serializer(key),
                                                description="Recorded; Location names it"),
                           **WRITE_ERRORS})
        @idempotent()
        def post(self, request, public_id):
            patient = self.patient()
            row = entries.result_body(section, request.data, patient=patient)
            [record] = results_add(actor=request.user, patient=patient,
                                   observed_on=row.observed_on, rows=[(section, row)])
            return _created(request, result_serializer(key)(record).data, reverse(
                f"api-patient-result-{key}", args=[patient.public_id, record.public_id]))

    ResultList.write_perm = section.permission
    ResultList.__name__ = f"{section.model.__name__}List"
    return ResultList.as_view()


@cache
def result_request_serializer(key: str) -> type[serializers.Serializer]:
    """Documentation of a row's body: the page row's fields and the date. The values are
    read by the kind's typed input, which has the last word."""
    section = get_section(key)
    fields = entries.row_fields(section)
    meta = type("Meta", (), {"model": section.model,
                             "fields": [*fields, *(() if "observed_on" in fields
                                                   else ("observed_on",)), "confirm_unusual"]})
    return type(f"{section.model.__name__}Write", (serializers.ModelSerializer,), {
        "Meta": meta,
        "confirm_unusual": serializers.BooleanField(required=False),
        "observed_on": serializers.DateField(help_text="The date of the results (for a "
                                                       "medication, its start)"),
    })


RESULT_VIEWS = {section.key: _result_list(section.key) for section in all_sections()}
