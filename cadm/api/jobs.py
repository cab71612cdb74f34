"""Background jobs, as on /jobs/: counts, states and errors, never a patient (no params,
result or cursor: those may name patients' ids)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from cadm.models import JobRun
from cadm.permissions import Perm

from .ordering import StableOrdering


class JobSerializer(serializers.ModelSerializer):
    ruleset = serializers.IntegerField(source="ruleset.number", read_only=True, allow_null=True,
                                       default=None, help_text="Rule-set version number")
    created_by = serializers.CharField(source="created_by.username", read_only=True,
                                       allow_null=True, default=None)

    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = JobRun
        fields = ["id", "kind", "state", "progress", "total", "error", "ruleset", "created_by",
                  "created_at", "started_at", "finished_at", "attempts", "heartbeat_at",
                  "dispatched_at", "dispatch_error"]
        read_only_fields = fields


class _Jobs:
    required_perm = Perm.COHORT_AGGREGATE_VIEW
    serializer_class = JobSerializer

    def get_queryset(self):
        return JobRun.objects.select_related("created_by", "ruleset")


@extend_schema(tags=["jobs"])
class JobList(_Jobs, generics.ListAPIView):
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_fields = ["state", "kind"]
    ordering_fields = ["created_at", "state", "kind"]
    ordering = ["-created_at", "-id"]


@extend_schema(tags=["jobs"])
class JobDetail(_Jobs, generics.RetrieveAPIView):
    lookup_field = "public_id"
