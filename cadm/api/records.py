"""A patient's visits and results, read-only for now (writes come once every result kind has
its typed input, cadm/inputs/). Scoped as the patient page: patient.view at one of the
patient's sites, another site's patient is a 404. Entered-in-error rows are listed with their
status, as the timeline strikes them through; `?status=current` leaves them out.

Results are served per kind (`results/<kind>/`, the keys of cadm.sections), each with the
fields of its model: a serializer is built once per kind, without the database ids."""

from __future__ import annotations

from functools import cache

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from cadm.models import RecordStatus, Visit
from cadm.permissions import Perm
from cadm.sections import all_sections, get_section
from cadm.selectors.patients import patient_get_for

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


class _PatientRows(generics.ListAPIView):
    required_perm = Perm.PATIENT_VIEW

    def patient(self):
        return patient_get_for(user=self.request.user, public_id=self.kwargs["public_id"])

    def current_only(self, rows):
        if self.request.query_params.get("status", "all") == "current":
            return rows.exclude(status=RecordStatus.ENTERED_IN_ERROR)
        return rows


@extend_schema(tags=["patients"], parameters=[STATUS_PARAMETER])
class VisitList(_PatientRows):
    """The patient's visits, newest first."""

    serializer_class = VisitSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        rows = Visit.objects.filter(patient=self.patient()).select_related("clinician")
        return self.current_only(rows).order_by("-visit_on", "-pk")


def _result_list(key: str):
    section = get_section(key)

    @extend_schema(tags=["results"], parameters=[STATUS_PARAMETER],
                   summary=f"{section.title}: the patient's rows, newest first")
    class ResultList(_PatientRows):
        serializer_class = result_serializer(key)

        def get_queryset(self):
            if getattr(self, "swagger_fake_view", False):
                return section.model.objects.none()
            rows = (section.model.objects.filter(patient=self.patient())
                    .select_related("visit", "recorded_by"))
            return self.current_only(rows).order_by("-observed_on", "-pk")

    ResultList.__name__ = f"{section.model.__name__}List"
    return ResultList.as_view()


RESULT_VIEWS = {section.key: _result_list(section.key) for section in all_sections()}
