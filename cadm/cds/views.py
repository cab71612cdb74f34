"""The CDS Hooks endpoints. Plain Django views, not DRF: the caller is an EHR proving itself
with a signed JWT on each request (no session, no cookie, hence no CSRF), and the answers are
CDS Hooks documents, not our API's error shape. Every failure is an OperationOutcome with a
4xx/503, never a 500: the EHR's clinician is waiting on the other side.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import (
    ImproperlyConfigured,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from cadm.exceptions import DomainError, NoActiveRuleSet

from .discovery import HOOK, SERVICE_ID, discovery_document
from .feedback import feedback_apply, feedback_parse
from .outcomes import CdsError, error_response
from .patient_view import patient_view_cards
from .prefetch import hook_data
from .security import Caller, caller_verify

logger = logging.getLogger(__name__)


def _answering(method: str) -> Callable:
    """The method the endpoint takes, the JWT check, and every refusal as an OperationOutcome
    (none of our exceptions may become a 500)."""
    def wrap(view: Callable) -> Callable:
        @csrf_exempt
        def endpoint(request: HttpRequest, *args, **kwargs):
            try:
                if request.method != method:
                    raise CdsError(405, f"This endpoint takes {method} only.")
                caller = caller_verify(request)
                return view(request, caller, *args, **kwargs)
            except CdsError as error:
                return error_response(error)
            except RecursionError:  # a resource nested hundreds deep, past the JSON parser
                return error_response(CdsError(400, "The request is nested too deeply."))
            except ImproperlyConfigured as exc:
                # The allow-list itself is wrong: say so to operators, not to the EHR.
                logger.error("CDS Hooks settings are invalid: %s", exc)
                return error_response(CdsError(503, "The CDS service is not configured "
                                                    "correctly; its operators were told."))
            except NoActiveRuleSet as exc:
                return error_response(CdsError(503, str(exc)))
            except PermissionDenied as exc:
                return error_response(CdsError(403, str(exc) or "Not allowed."))
            except (DomainError, ValidationError) as exc:
                # A service's refusal (its input, a model check): the request's fault.
                text = " ".join(getattr(exc, "messages", None) or [str(exc)])
                return error_response(CdsError(400, text))
        return endpoint
    return wrap


def _base_url(request: HttpRequest) -> str:
    base = getattr(settings, "CDS_BASE_URL", "") or request.build_absolute_uri("/")
    return base.rstrip("/")


def _json_body(request: HttpRequest) -> dict:
    try:
        raw = request.body  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds it
    except RequestDataTooBig:
        raise CdsError(413, "The request body is too large.") from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise CdsError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise CdsError(400, "The request body must be a JSON object.")
    return body


def _service(service_id: str) -> None:
    if service_id != SERVICE_ID:
        raise CdsError(404, f"No CDS service '{service_id[:60]}' here; see /cds-services.")


@_answering("GET")
def discovery(request: HttpRequest, caller: Caller):
    return JsonResponse(discovery_document())


@_answering("POST")
def service(request: HttpRequest, caller: Caller, service_id: str):
    _service(service_id)
    body = _json_body(request)
    if body.get("hook") != HOOK:
        raise CdsError(400, f"This service answers the '{HOOK}' hook.", expression="hook")
    if not isinstance(body.get("hookInstance"), str) or not body["hookInstance"]:
        raise CdsError(400, "hookInstance is required.", expression="hookInstance")
    data = hook_data(body, caller.issuer)
    cards = patient_view_cards(caller, data, base_url=_base_url(request),
                               today=timezone.localdate())
    return JsonResponse({"cards": cards})


@_answering("POST")
def feedback(request: HttpRequest, caller: Caller, service_id: str):
    _service(service_id)
    entries = feedback_parse(_json_body(request))
    return JsonResponse({"feedback": feedback_apply(caller, entries)})
