"""The caller's own API tokens: list, create (the secret is in the response once), revoke."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from cadm.services.api_tokens import api_token_create, api_token_revoke

from .idempotency import idempotent
from .models import ApiToken
from .permissions import ANY_USER


class TokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    prefix = serializers.CharField(source="token_key", read_only=True,
                                   help_text="The first characters of the secret")
    name = serializers.CharField(max_length=100, trim_whitespace=True)
    expires_at = serializers.DateTimeField(source="expiry", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="created", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = ["last_used_at"]


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, allow_null=True, help_text=(
        "The secret: shown in this response only (null when an Idempotency-Key replays it). "
        "Send it as `Authorization: Token <secret>`."))

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]


class _Mine:
    required_perm = ANY_USER
    serializer_class = TokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)


@extend_schema(tags=["account"])
class TokenList(_Mine, generics.ListCreateAPIView):
    ordering = ["-created"]

    @extend_schema(request=TokenSerializer, responses={201: NewTokenSerializer})
    @idempotent(omit=("token",))
    def post(self, request, *args, **kwargs):
        incoming = TokenSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        token, secret = api_token_create(actor=request.user, name=incoming.validated_data["name"])
        token.token = secret
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["account"])
class TokenDetail(_Mine, generics.RetrieveDestroyAPIView):
    lookup_field = "public_id"

    @extend_schema(responses={204: OpenApiResponse(description="Revoked: it no longer works")})
    @idempotent()
    def delete(self, request, *args, **kwargs):
        api_token_revoke(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
