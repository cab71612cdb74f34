"""The audit trail (AuditEvent rows): who did what to which record, newest first.

Who may read it: no permission of cadm.permissions covers the audit trail, and the only
place it was readable before is the Django admin, for superusers only (DESIGN §8). So the
API follows the admin: active superusers only (`SuperuserOnly`); everyone else gets a 403.
Widening it (to staff, or to a new permission) is a product decision for cadm/permissions.py.

Even for them, rows about a patient are listed only for patients of their own sites (a
superuser with no site sees only rows about no patient: rule sets, tokens, jobs). A row shows
identifiers and field names only: the actor's username, the target's type and id, the
patient's UUID, and from `detail` only the keys known to hold identifiers, codes, dates or
field names (`DETAIL_KEYS`); a key not listed (a reviewer's comment, a token's name) is left
out, so free text never leaves through this door.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission

from cadm.models import AuditEvent, AuditReadLink
from cadm.permissions import site_ids_of

from .ordering import StableOrdering
from .permissions import ANY_USER, RequiresPerm

# detail keys whose values are ids, codes, dates, counts or field names (services/*.py).
DETAIL_KEYS = frozenset({
    "fields", "results", "from", "to", "reason", "until", "number", "job", "kind",
    "previous", "section", "item", "component", "result", "outcome", "rows", "site",
    "replaced_by", "prefix",
    # Reads (cadm.services.audit_reads): the door's route name, a refusal's status and method.
    "what", "status", "method",
})


class SuperuserOnly(BasePermission):
    message = "The audit trail is for superusers only."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


@extend_schema_field({"type": "object", "additionalProperties": True,
                      "description": "Identifiers, codes and field names only"})
class _Detail(serializers.Field):
    def to_representation(self, value):
        if not isinstance(value, dict):
            return {}
        return {k: v for k, v in value.items() if k in DETAIL_KEYS}


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True,
                                  default=None, help_text="Null: the system")
    target = serializers.CharField(source="target_id", read_only=True,
                                   help_text="The target's UUID (its number for some kinds)")
    patient = serializers.UUIDField(source="patient.public_id", read_only=True,
                                    allow_null=True, default=None)
    detail = _Detail(read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["at", "action", "actor", "target_type", "target", "patient", "detail"]
        read_only_fields = fields


class AuditFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(help_text="Exact action, e.g. patient.update")
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith",
                                              help_text="e.g. 'patient.' or 'flag.'")
    target_type = django_filters.CharFilter(help_text="e.g. cadm.patient, cadm.flag")
    target = django_filters.CharFilter(field_name="target_id",
                                       help_text="The target's id (a UUID for most)")
    patient = django_filters.UUIDFilter(
        method="by_patient", help_text="A patient's id (UUID): the rows naming the patient "
                                       "and the reads of lists that showed them")
    actor = django_filters.CharFilter(field_name="actor__username", help_text="Username")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["action", "action_prefix", "target_type", "target", "patient", "actor",
                  "since", "until"]

    def by_patient(self, queryset, name, value):
        # A list's row names no patient: its links do. Only links to patients of the
        # caller's sites, as the rows naming a patient are (get_queryset).
        linked = AuditReadLink.objects.filter(
            patient__public_id=value, patient__site_id__in=site_ids_of(self.request.user))
        return queryset.filter(Q(patient__public_id=value)
                               | Q(pk__in=linked.values("event_id")))


@extend_schema(tags=["audit"])
class AuditList(generics.ListAPIView):
    """The audit trail, newest first (superusers; patient rows of your sites only)."""

    # No Perm covers the audit trail: any signed-in user passes RequiresPerm, and
    # SuperuserOnly then refuses everyone but superusers (see the module's docstring).
    required_perm = ANY_USER
    permission_classes = [RequiresPerm, SuperuserOnly]
    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter
    filter_backends = [DjangoFilterBackend, StableOrdering]
    ordering_fields = ["at"]
    ordering = ["-at", "-pk"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        sites = site_ids_of(self.request.user)
        return (AuditEvent.objects
                .filter(Q(patient__isnull=True) | Q(patient__site_id__in=sites))
                .select_related("actor", "patient"))
