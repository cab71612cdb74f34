from __future__ import annotations

from django.db import models

from cadm.models import AuditEvent


def audit_record(
    *, actor, action: str, target: models.Model | None = None,
    target_ref: tuple[str, str] | None = None, patient=None, detail: dict | None = None,
) -> AuditEvent:
    """One audit row, written in the caller's transaction. `detail`: ids and field names only.

    `target`: the row acted on; `target_ref` (type, id) instead when what was reached is not
    a row (a list page, by its route name)."""
    if target is not None:
        target_ref = (target._meta.label_lower, str(getattr(target, "public_id", target.pk)))
    if target_ref is None:
        raise TypeError("audit_record needs a target or a target_ref.")
    target_type, target_id = target_ref
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target_type[:60],
        target_id=target_id[:64],
        patient=patient,
        detail=detail or {},
    )
