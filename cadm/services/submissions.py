"""One-time form tokens: a form that writes clinical data carries a token; the service that
writes claims it in the same transaction, so a repeated submission (Back and Save, a double
click, a retried request) saves nothing twice."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from cadm.exceptions import AlreadySubmitted
from cadm.models import FormSubmission


def submission_claim(*, actor, token: uuid.UUID | None, scope: str) -> FormSubmission | None:
    """Claim `token` for `actor` inside the caller's transaction; raise AlreadySubmitted when
    it was claimed before. No token (a caller that is not a form): nothing to claim.

    Two identical requests at once: the second waits on the unique index until the first
    commits, then fails here, so it too saves nothing."""
    if token is None:
        return None
    earlier = FormSubmission.objects.filter(actor=actor, token=token).first()
    if earlier:
        raise AlreadySubmitted(earlier.target)
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(actor=actor, token=token, scope=scope)
    except IntegrityError:
        earlier = FormSubmission.objects.get(actor=actor, token=token)
        raise AlreadySubmitted(earlier.target) from None


def submission_done(submission: FormSubmission | None, target) -> None:
    """Name what the claimed submission wrote, for the message shown to a repeat."""
    if submission is not None:
        submission.target = f"{target._meta.model_name} {getattr(target, 'public_id', target.pk)}"
        submission.save(update_fields=["target"])
