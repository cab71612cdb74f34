"""API tokens: created and revoked by their own user, audited. The secret is returned once to
the caller and never stored, logged or audited (knox keeps its SHA-512 digest)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from cadm.api.models import ApiToken
from cadm.exceptions import DomainError
from cadm.services.audit import audit_record

MAX_TOKENS_PER_USER = 20


def api_token_create(*, actor, name: str) -> tuple[ApiToken, str]:
    """A new token for `actor`; returns it with its secret (shown once)."""
    name = name.strip()
    if not name:
        raise DomainError("Give the token a name (what uses it).")
    with transaction.atomic():
        # Lock the user's row: two creations at once cannot pass the limit together.
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        if ApiToken.objects.filter(user=actor).count() >= MAX_TOKENS_PER_USER:
            raise DomainError(f"At most {MAX_TOKENS_PER_USER} tokens: revoke one first.")
        token, secret = ApiToken.objects.create(user=actor, name=name[:100])
        audit_record(actor=actor, action="api_token.create", target=token,
                     detail={"name": token.name, "prefix": token.token_key})
    return token, secret


def api_token_revoke(*, actor, token: ApiToken) -> None:
    """Delete the token (knox authenticates only stored digests): it stops working at once."""
    if token.user_id != actor.pk:
        raise DomainError("Only its own user may revoke a token.")
    with transaction.atomic():
        audit_record(actor=actor, action="api_token.revoke", target=token,
                     detail={"name": token.name, "prefix": token.token_key})
        ApiToken.objects.filter(pk=token.pk).delete()
