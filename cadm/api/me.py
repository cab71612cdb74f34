"""Who am I: the caller's roles, sites and permissions (what the API will let them do)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.models import Site
from cadm.permissions import permissions_of, roles_of

from .permissions import ANY_USER


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["code", "name"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    permissions = serializers.ListField(child=serializers.CharField())
    sites = SiteSerializer(many=True)
    authentication = serializers.ChoiceField(choices=["session", "token"])


class Me(APIView):
    required_perm = ANY_USER

    @extend_schema(tags=["account"], responses=MeSerializer)
    def get(self, request):
        user = request.user
        return Response(MeSerializer({
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "roles": sorted(roles_of(user)),
            "permissions": sorted(permissions_of(user)),
            "sites": list(user.sites.order_by("name")),
            "authentication": "session" if request.auth is None else "token",
        }).data)
