import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobRun(models.Model):
    """A background job a person may need to watch: progress, outcome and error text.

    The row, not the broker's message, is the source of truth (cadm/jobs.py): a job is claimed
    by one worker at a time (`claim`), which beats `heartbeat_at` after every chunk; a running
    job whose heartbeat is stale is reclaimed and resumes after `cursor`, the last patient id
    whose chunk committed. A queued job whose message was lost is sent again.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=60)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    ruleset = models.ForeignKey("cadm.RuleSetVersion", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="jobs",
                                help_text="The rule-set version the job belongs to, if any")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Fault tolerance (cadm/jobs.py).
    cursor = models.BigIntegerField(default=0, help_text="Last patient id whose chunk committed")
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=64, blank=True, help_text="Token of the run that owns "
                                                                  "the job while it runs")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True,
                                         help_text="When the message was last handed to the "
                                                   "broker")
    dispatch_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    def is_stale_at(self, now) -> bool:
        """Running, but no heartbeat for longer than JOB_STALE_SECONDS: its worker is gone."""
        return self.state == self.State.RUNNING and (
            self.heartbeat_at is None
            or self.heartbeat_at < now - timedelta(seconds=settings.JOB_STALE_SECONDS))

    @property
    def is_stale(self) -> bool:
        return self.is_stale_at(timezone.now())

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED, self.State.CANCELLED)
