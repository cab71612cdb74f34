from __future__ import annotations

from django.db import models

from cadm.models import AuditEvent


def audit_record(
    *, actor, action: str, target: models.Model, patient=None, detail: dict | None = None
) -> AuditEvent:
    """One audit row, written in the caller's transaction. `detail`: ids and field names only."""
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(getattr(target, "public_id", target.pk)),
        patient=patient,
        detail=detail or {},
    )
