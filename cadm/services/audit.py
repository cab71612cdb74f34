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
    target_type, target_id = audit_target(target, target_ref)
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        patient=patient,
        detail=detail or {},
    )


def audit_target(target: models.Model | None, target_ref: tuple[str, str] | None
                 ) -> tuple[str, str]:
    """An audit row's (target_type, target_id), cut to their columns."""
    if target is not None:
        target_ref = (target._meta.label_lower, str(getattr(target, "public_id", target.pk)))
    if target_ref is None:
        raise TypeError("audit_record needs a target or a target_ref.")
    return target_ref[0][:60], target_ref[1][:64]
