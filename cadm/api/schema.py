"""OpenAPI: every operation documents the error shape for the statuses it can answer, and
the token authentication is described as `Authorization: Token <secret>`."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse

from .errors import ErrorSerializer

DESCRIPTIONS = {
    400: "Invalid request: `fields` maps each field path to its messages.",
    401: "Not authenticated, or a token that is unknown, expired or revoked.",
    403: "Authenticated, without the permission this needs.",
    404: "No such resource here (another site's patient is a 404 too).",
    405: "Method not allowed.",
    409: "Conflicts with the current state (or the Idempotency-Key is in use).",
    412: "If-Match names a version that is no longer current.",
    415: "Only application/json bodies are accepted.",
    422: "The Idempotency-Key was used for another request.",
    428: "If-Match is required on updates.",
    429: "Too many requests; see Retry-After.",
    500: "Internal error; nothing was saved.",
}


class AutoSchema(SpectacularAutoSchema):
    def _error_statuses(self) -> list[int]:
        method = self.method.upper()
        statuses = [400, 401, 403, 405, 429, 500]
        if "{" in self.path:
            statuses.append(404)
        if method in ("POST", "PUT", "PATCH"):
            statuses += [415]
        handler = getattr(self.view, method.lower(), None)
        if getattr(handler, "idempotent", False):
            statuses += [409, 422]
        if method in ("PUT", "PATCH"):
            statuses += [412, 428]
        return sorted(set(statuses))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_statuses():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code]),
                    str(code), direction=direction)
        return responses


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "cadm.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <secret>`: create one on /account/tokens/."}
