import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .patients import Patient
from .rulesets import RuleSetVersion
from .sites import Site


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"


class OverrideReason(models.TextChoices):
    """HL7 CDS Hooks override-reason codes (DESIGN §6) for dismissing a flag."""

    ACTION_COMPLETED = "action-completed", "Action already completed"
    PATIENT_INELIGIBLE = "patient-ineligible", "Patient ineligible"
    NEED_MORE_INFO = "need-more-info", "Need more information"
    RECIPIENT_DISAGREES = "recipient-disagrees-evidence", "Disagree with the evidence"
    # HL7's spelling (non-adherence-reason-codes); migration 0017 renamed the stored codes.
    PATIENT_REFUSED = "patient-refuses", "Patient refused"
    ALTERNATIVE_TREATMENT = "prefers-alternative", "Alternative treatment chosen"


class Flag(models.Model):
    """One rule's finding about one patient; at most one live (not resolved) per code.

    `evidence_digest` is the fingerprint of what fired the rule: when it changes, a dismissed,
    acknowledged or snoozed flag reopens (the fight against alert fatigue, DESIGN §6).
    """

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        SNOOZED = "snoozed", "Snoozed"
        DISMISSED = "dismissed", "Dismissed"
        RESOLVED = "resolved", "Resolved"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="flags")
    # The patient's site, copied: the worklist counts a site's flags off one index instead of
    # joining every flag with its patient. Set by save() and moved with a transfer
    # (patient_update); on PostgreSQL a foreign key on (patient, site) refuses any other
    # value and cascades a patient's new site (migration 0022).
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", editable=False,
                             db_index=False)
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField(help_text="0 critical, 1 warning, 2 info")
    state = models.CharField(max_length=14, choices=State.choices, default=State.OPEN)
    summary = models.CharField(max_length=200)
    detail = models.TextField()
    evidence = models.JSONField(default=list)
    citation = models.TextField()
    evidence_label = models.CharField(max_length=12)
    extra = models.JSONField(default=dict, blank=True)
    evidence_digest = models.CharField(max_length=64)
    ruleset = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    snoozed_until = models.DateField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["severity_rank", "opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "code"],
                                    condition=~models.Q(state="resolved"),
                                    name="one_live_flag_per_patient_code"),
        ]
        indexes = [
            models.Index(fields=["state", "severity_rank", "opened_at"]),
            # The worklist's order (critical first, oldest first) among the flags still to
            # review: a page is read off the index, its filters checked on the index.
            models.Index(fields=["severity_rank", "opened_at", "id"],
                         include=["state", "snoozed_until", "site"],
                         condition=~models.Q(state="resolved"), name="flag_live_order"),
            # The worklist's counts by severity: one range of the index per site, read in
            # severity order (counted as it goes, no hashing).
            models.Index(fields=["site", "severity"], include=["state", "snoozed_until"],
                         condition=~models.Q(state="resolved"), name="flag_site_live"),
            # The same order among every flag (state "all"), resolved ones the most of them.
            models.Index(fields=["severity_rank", "opened_at", "id"], name="flag_order"),
            # Sorted by age, and the age filter (opened before a date).
            models.Index(fields=["opened_at", "id"], condition=~models.Q(state="resolved"),
                         name="flag_live_opened"),
            # The worklist's code filter, and its list of codes (one probe per code and site).
            models.Index(fields=["code", "site"], name="flag_code_site"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.state})"

    def save(self, *args, **kwargs):
        if self.site_id is None and self.patient_id is not None:
            self.site_id = (self.patient.site_id if Flag.patient.is_cached(self) else
                            Patient.objects.values_list("site_id", flat=True)
                            .get(pk=self.patient_id))
        super().save(*args, **kwargs)


class FlagAction(models.Model):
    """Everything that happened to a flag, by whom (null actor: the rules engine)."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        UPDATED = "updated", "Evidence updated"
        REOPENED = "reopened", "Reopened: evidence changed"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        DISMISSED = "dismissed", "Dismissed"
        SNOOZED = "snoozed", "Snoozed"
        COMMENTED = "commented", "Comment"
        RESOLVED = "resolved", "Resolved"
        ACCEPTED = "accepted", "Suggestion accepted"

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=40, blank=True, choices=OverrideReason.choices)
    comment = models.TextField(blank=True)
    ruleset = models.ForeignKey(RuleSetVersion, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.flag_id}"
