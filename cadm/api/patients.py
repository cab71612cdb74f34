"""Patients, read-only for now (writes come with the input layer). Scoped exactly as the
pages: cadm.selectors.patients (the user's sites; none without patient.view). Another site's
patient is a 404. Identified by its UUID only."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from cadm.models import Patient
from cadm.permissions import Perm
from cadm.selectors.patients import patient_get_for, patient_list_for

from .concurrency import with_etag


class PatientSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.IntegerField(source="row_version", read_only=True,
                                       help_text="The row version; the ETag of the detail.")

    class Meta:
        model = Patient
        fields = ["id", "site", "mrn", "family_name", "given_name", "sex", "birth_date",
                  "skin_onset_date", "diagnosis_date", "recorded_subtype", "refractory_disease",
                  "high_npc_risk_region", "version", "created_at"]
        read_only_fields = fields


class PatientFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", help_text="Site code")
    sex = django_filters.ChoiceFilter(choices=Patient._meta.get_field("sex").choices)
    recorded_subtype = django_filters.ChoiceFilter(
        choices=Patient._meta.get_field("recorded_subtype").choices)

    class Meta:
        model = Patient
        fields = ["site", "sex", "recorded_subtype"]


@extend_schema(tags=["patients"], parameters=[OpenApiParameter(
    "q", str, description="Name or MRN, as on the patient list page (every word must match)")])
class PatientList(generics.ListAPIView):
    required_perm = Perm.PATIENT_VIEW
    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["family_name", "given_name", "mrn", "birth_date", "diagnosis_date",
                       "created_at"]
    ordering = ["family_name", "given_name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Patient.objects.none()
        query = self.request.query_params.get("q", "")[:200]
        return patient_list_for(user=self.request.user, query=query)


@extend_schema(tags=["patients"])
class PatientDetail(generics.RetrieveAPIView):
    """One patient; the ETag header is its version (send it in If-Match to update)."""

    required_perm = Perm.PATIENT_VIEW
    serializer_class = PatientSerializer
    lookup_field = "public_id"
    queryset = Patient.objects.none()  # the object comes from the selector, scoped to sites

    def get_object(self):
        return patient_get_for(user=self.request.user, public_id=self.kwargs["public_id"])

    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        return with_etag(Response(self.get_serializer(patient).data), patient)
