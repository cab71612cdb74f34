from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class RuleSetVersion(models.Model):
    """Every parameter of every rule, as validated data (cadm.rules.params).

    Lifecycle (DESIGN §7, services in cadm/services/rulesets.py):

        draft ──submit──▶ awaiting_approval ──approve──▶ approved ──activate──▶ active
                                  │                                              │
                                  └──reject──▶ rejected            (next activation) ▼
                                                                              retired

    A draft is edited by its author only. Approval needs a rules admin other than the author
    (four eyes; also a database check). "Rejected" is final: what the reviewer refused stays
    as it was, and the author clones it into a new draft. A roll-back is a clone of an older
    version through the same approval. Exactly one version is active (a database
    constraint); once submitted, a version's content never changes: the services refuse it
    and database triggers (migration 0009) refuse it too. Its decisions (who approved, when,
    the state moves allowed) are held by triggers as well (migration 0014).
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        APPROVED = "approved", "Approved, not yet active"
        REJECTED = "rejected", "Rejected"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    number = models.PositiveIntegerField(unique=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    params = models.JSONField()
    change_note = models.TextField()
    # The links below are not indexed: the table holds one row per version (a few a year),
    # and every page reads the active version, with a plan that opens each of its indexes.
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", db_index=False)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", db_index=False,
                                 help_text="The version that was active when this one was "
                                           "activated")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+", db_index=False)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", db_index=False)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    db_index=False)
    review_comment = models.TextField(blank=True, help_text="The approver's or rejecter's "
                                                            "comment")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # Counts saves of a draft: an edit made on an older version is refused, not applied.
    row_version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["state"], condition=models.Q(state="active"),
                                    name="exactly_one_active_ruleset"),
            # Four eyes: NULL on either side (version 1, a draft) passes the check.
            models.CheckConstraint(condition=~models.Q(approver=models.F("author")),
                                   name="ruleset_approver_is_not_author"),
        ]

    def __str__(self) -> str:
        return f"Rule set v{self.number} ({self.get_state_display().lower()})"

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT
