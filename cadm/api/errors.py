"""One JSON error shape for every API error (set as REST_FRAMEWORK's EXCEPTION_HANDLER):

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"rows[2].value": ["Must be at most 100000 U/L."]}}}

`status` repeats the HTTP status; `code` is stable and machine-readable (DRF's codes:
invalid, parse_error, not_authenticated, authentication_failed, permission_denied, not_found,
method_not_allowed, unsupported_media_type, throttled, conflict, precondition_failed,
precondition_required, server_error); `message` is for people; `fields` is present only for
validation errors, keyed by the path of the field (`name`, `rows[2].value`; errors of the whole
body are in `message`). A 500 names no exception and no value: the log has the traceback.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from cadm.exceptions import ConcurrentEdit, DomainError
from cadm.inputs import InputInvalid

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since the version you sent in If-Match."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Updates need an If-Match header with the resource's ETag."
    default_code = "precondition_required"


def _path(prefix: str, key) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {path: [messages]}: `rows[2].value`."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                key = ""
            sub = _path(prefix, key) if key != "" else prefix
            for path, messages in flatten(value, sub).items():
                out.setdefault(path, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix, []).extend(str(item) for item in detail)
        else:
            for index, value in enumerate(detail):
                if value:
                    for path, messages in flatten(value, _path(prefix, index)).items():
                        out.setdefault(path, []).extend(messages)
    else:
        out.setdefault(prefix, []).append(str(detail))
    return out


def error_body(status_code: int, code: str, message: str,
               fields: dict[str, list[str]] | None = None) -> dict:
    body = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def handler(exc, context):
    """EXCEPTION_HANDLER: every exception, DRF's, Django's, the domain's, or an unexpected
    one, becomes the one shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, InputInvalid):  # a parser's refusals (cadm.inputs), by field
        exc = exceptions.ValidationError(exc.message_dict)
    elif isinstance(exc, ConcurrentEdit):
        exc = PreconditionFailed(str(exc))
    elif isinstance(exc, DomainError):
        exc = Conflict(str(exc))

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        set_rollback()
        return Response(error_body(500, "server_error", "Internal error: nothing was saved."),
                        status=500)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten(exc.detail)
        whole = fields.pop("", [])
        message = " ".join(whole) or "Some fields are invalid."
        body = error_body(exc.status_code, "invalid", message, fields)
    else:
        body = error_body(exc.status_code, _code(exc), str(exc.detail))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   required=False,
                                   help_text="Validation errors by field path, e.g. rows[2].value")


class ErrorSerializer(serializers.Serializer):
    """The one error shape, for the OpenAPI schema."""

    error = ErrorDetailSerializer()
