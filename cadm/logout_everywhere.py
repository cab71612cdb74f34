"""Log a user out everywhere: every session of theirs ends and every API token of theirs is
revoked, for a lost or shared device, or a password that may have leaked.

Django's database sessions do not index their user: the user is inside the encoded data. The
sessions still valid are read and decoded here, which costs one pass over the logged-in
sessions of the whole site, a few hundred rows at a clinic, on a rare click. django-qsessions
keeps a user key on each session, but it replaces the session table and middleware, under the
benchmark's sessions (bench/measures.py) and the middleware-order test.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone

from cadm.api.models import ApiToken
from cadm.services.api_tokens import api_token_revoke
from cadm.services.audit import audit_record


def _session_store():
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        # Cookie or cache sessions cannot be listed: a site using them cannot offer this.
        raise RuntimeError(f"{settings.SESSION_ENGINE} keeps no session rows to end.")
    return store


def session_keys_of(user) -> list[str]:
    """The keys of the user's sessions that have not expired."""
    store = _session_store()
    rows = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    decoder, mine = store(), str(user.pk)
    return [row.session_key
            for row in rows.only("session_key", "session_data").iterator(chunk_size=500)
            if decoder.decode(row.session_data).get(SESSION_KEY) == mine]


def logout_everywhere(*, actor) -> tuple[int, int]:
    """End all of `actor`'s sessions, this one included, and revoke all their API tokens;
    returns (sessions ended, tokens revoked). Audited as one event (and each token's revocation
    as its own, by the token service)."""
    store = _session_store()
    with transaction.atomic():
        tokens = list(ApiToken.objects.filter(user=actor))
        for token in tokens:
            api_token_revoke(actor=actor, token=token)
        keys = session_keys_of(actor)
        for key in keys:
            # Through the store, so that a cached_db engine forgets its cached copy too.
            store(session_key=key).delete()
        audit_record(actor=actor, action="account.logout_everywhere", target=actor,
                     detail={"sessions": len(keys), "tokens": len(tokens)})
    return len(keys), len(tokens)
