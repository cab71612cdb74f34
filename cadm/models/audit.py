from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what to which record, beside the field history kept by simple-history.

    `detail` holds identifiers and changed field names, never free-text patient data.
    Append-only: the database refuses UPDATE and DELETE of a row (0014 on PostgreSQL, 0020
    on SQLite; the project's `flush` command, which test runs use to empty the tables, lifts
    the SQLite trigger for that one transaction).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64)
    # Indexed by (patient, -at) below, whose first column serves every lookup by patient: a
    # second index would be one more to update on every page view.
    patient = models.ForeignKey(
        "cadm.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["patient", "-at"]),
            # The trail newest first (the API's order), and its since/until filters.
            models.Index(fields=["at", "id"], name="audit_at_order"),
            # One action's rows newest first (e.g. every export), and one record's story.
            models.Index(fields=["action", "at", "id"], name="audit_action_at"),
            models.Index(fields=["target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


class AuditReadLink(models.Model):
    """One patient shown by a read of a list (an AuditEvent with no patient of its own: the
    worklist, a search, a cohort page, an export), so that "who accessed this record" finds
    the lists that showed it too (cadm.services.audit_reads.reads_of_patient). Append-only
    as its event is (migration 0021)."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="read_links")
    patient = models.ForeignKey("cadm.Patient", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "patient"], name="audit_link_once"),
        ]
        # A patient's reads newest first: the event ids grow with time.
        indexes = [models.Index(fields=["patient", "event"], name="audit_link_patient")]

    def __str__(self) -> str:
        return f"{self.event_id} showed patient {self.patient_id}"
