from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class RuleSetVersion(models.Model):
    """Every parameter of every rule, as validated data (cadm.rules.params).

    Lifecycle (DESIGN §7): draft → awaiting approval → active → retired. Exactly one version
    is active (a database constraint); a submitted version never changes again.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    number = models.PositiveIntegerField(unique=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    params = models.JSONField()
    change_note = models.TextField()
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["state"], condition=models.Q(state="active"),
                                    name="exactly_one_active_ruleset"),
        ]

    def __str__(self) -> str:
        return f"Rule set v{self.number} ({self.get_state_display().lower()})"
