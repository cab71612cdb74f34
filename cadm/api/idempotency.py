"""`Idempotency-Key` on writes: a retried request saves once.

Decorate a write handler (`post`, `put`, `patch`, `delete` of an APIView) with `@idempotent()`.
With the header, the key is claimed (IdempotentRequest, unique per user and key) in the same
transaction as the write, with the response it gave:

- the same key again with the same method, path and body: the first response is returned
  (header `Idempotent-Replayed: true`), nothing is saved again;
- the same key with another body, method or path: 422 `idempotency_key_reused`;
- the same key while the first request is still running: 409 `idempotency_key_in_use`
  (retry later).

A request that fails (an error status, or an exception) keeps no claim: it saved nothing, and
the retry runs. Without the header the handler runs as it is. Fields named in `omit` (a secret
shown once) are not stored, so a replay carries them as null.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .errors import Conflict, Unprocessable
from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY = 255


def _stored(data, omit: tuple[str, ...]):
    plain = json.loads(JSONRenderer().render(data)) if data is not None else None
    if isinstance(plain, dict):
        for name in omit:
            if name in plain:
                plain[name] = None
    return plain


def _replay(earlier: IdempotentRequest, method: str, path: str, body_hash: str) -> Response:
    if (earlier.method, earlier.path, earlier.body_hash) != (method, path, body_hash):
        raise Unprocessable("This Idempotency-Key was used for another request; use a new key "
                            "for a new request.", code="idempotency_key_reused")
    if earlier.response_status == 0:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry "
                       "later.", code="idempotency_key_in_use")
    return Response(earlier.response_body, status=earlier.response_status,
                    headers={"Idempotent-Replayed": "true"})


def idempotent(omit: tuple[str, ...] = ()):
    def decorator(handler):
        @wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                return handler(view, request, *args, **kwargs)
            key = key.strip()
            if not key or len(key) > MAX_KEY:
                raise Unprocessable(f"{HEADER} must be 1 to {MAX_KEY} characters.",
                                    code="invalid_idempotency_key")
            # Read before DRF parses the body (Django keeps the bytes for the parser).
            body_hash = hashlib.sha256(request._request.body).hexdigest()
            method, path = request.method, request.path
            earlier = IdempotentRequest.objects.filter(user=request.user, key=key).first()
            if earlier is not None:
                return _replay(earlier, method, path, body_hash)
            try:
                with transaction.atomic():
                    claim = IdempotentRequest.objects.create(
                        user=request.user, key=key, method=method, path=path,
                        body_hash=body_hash, response_status=0)
                    response = handler(view, request, *args, **kwargs)
                    if not 200 <= response.status_code < 300:
                        transaction.set_rollback(True)
                        return response
                    claim.response_status = response.status_code
                    claim.response_body = _stored(response.data, omit)
                    claim.save(update_fields=["response_status", "response_body"])
                    return response
            except IntegrityError:
                # The same key at the same moment: the other request claimed it first.
                earlier = IdempotentRequest.objects.filter(user=request.user, key=key).first()
                if earlier is None:
                    raise
                return _replay(earlier, method, path, body_hash)

        wrapper.idempotent = True
        return wrapper

    return decorator
