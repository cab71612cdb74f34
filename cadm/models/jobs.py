import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobRun(models.Model):
    """A background job a person may need to watch: progress, outcome and error text.

    The row, not the broker's message, is the source of truth (cadm/jobs.py): a job is claimed
    by one worker at a time (`claim`) to run it, or, for a cohort job, to cut it into chunks
    (JobChunk) that workers then run in parallel. `progress` is the sum of the chunks done;
    each one beats `heartbeat_at` as it commits. A running job whose heartbeat is stale has
    lost its worker. A queued job whose message was lost is sent again.
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
    cursor = models.BigIntegerField(default=0, help_text="Every patient up to this id is done "
                                                         "(the chunks up to it committed)")
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


class JobChunk(models.Model):
    """One range of a cohort job's patients, run by one worker (cadm/job_chunks.py).

    Only the range's first and last patient ids are kept, so a plan costs two numbers per chunk
    whatever the cohort's size. A worker claims the chunk under a token (`claim`); the chunk's
    work, its `result` and state done commit in one transaction, conditional on that token.
    A chunk is one transaction, so it cannot beat while it runs: `heartbeat_at` is when its
    run claimed it, and a chunk running for longer than JOB_STALE_SECONDS is taken to have
    lost its worker. Chunks are deleted when their job is done or cancelled (the job's result
    holds their sum); a failed job keeps them, so that a retry redoes only what is not done.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="chunks")
    sequence = models.PositiveIntegerField(help_text="Place in the job, from 0, in patient id "
                                                     "order")
    first_id = models.BigIntegerField(help_text="First patient id of the range")
    last_id = models.BigIntegerField(help_text="Last patient id of the range (included)")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    claim = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    patients = models.PositiveIntegerField(default=0, help_text="Patients the chunk ran")
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "sequence"]
        constraints = [models.UniqueConstraint(fields=["job", "sequence"],
                                               name="job_chunk_sequence_unique")]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="job_chunk_stale_idx"),
                   models.Index(fields=["state", "dispatched_at"], name="job_chunk_sent_idx")]

    def __str__(self) -> str:
        return f"chunk {self.sequence} of job #{self.job_id} ({self.state})"

    def is_stale_at(self, now) -> bool:
        return self.state == self.State.RUNNING and (
            self.heartbeat_at is None
            or self.heartbeat_at < now - timedelta(seconds=settings.JOB_STALE_SECONDS))
