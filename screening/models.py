"""Cancer-screening records and plans (IMACS 2023, clinical-reference.md §1)."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from cadm.models import ClinicalRecord, Patient, RuleSetVersion


class ScreeningResult(models.TextChoices):
    NO_CANCER = "no_cancer", "No cancer found"
    FINDING = "finding", "Finding needing work-up"
    CANCER_FOUND = "cancer_found", "Cancer found"


class CancerScreeningRecord(ClinicalRecord):
    """A screening panel done on a date, with its outcome. The rules read these to decide
    which plan items are done (case-format.md `cancer_screening[]`)."""

    class Panel(models.TextChoices):
        BASIC = "basic", "Basic panel"
        ENHANCED = "enhanced", "Enhanced panel"
        PET_CT = "pet_ct", "PET-CT"
        GI_ENDOSCOPY = "gi_endoscopy", "GI endoscopy"
        NASOENDOSCOPY = "nasoendoscopy", "Nasoendoscopy"

    class Result(models.TextChoices):
        NO_CANCER = "no_cancer", "No cancer found"
        FINDING = "finding", "Finding needing work-up"
        CANCER_FOUND = "cancer_found", "Cancer found"
        PENDING = "pending", "Results pending"

    panel = models.CharField(max_length=14, choices=Panel.choices)
    result = models.CharField(max_length=14, choices=Result.choices)
    note = models.TextField(blank=True)

    class Meta(ClinicalRecord.Meta):
        verbose_name = "cancer-screening record"


class ScreeningPlan(models.Model):
    """The patient's IMACS plan: follows the tier the rules derive, keeps completed work.

    Two separate decisions of the care team are recorded on it. The *outcome* settles the
    findings dated up to `outcome_on` (the finding flag clears); the schedule goes on, yearly
    panels included. *Closing* (state closed, with a reason) is the explicit decision that
    screening ends: only then do the reminders stop. A closed plan can be reopened.
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        NO_CANCER = "no_cancer", "Work-up found no cancer"
        CANCER = "cancer_diagnosed", "Cancer diagnosed"
        OTHER = "other", "Other (see reason)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.OneToOneField(Patient, on_delete=models.PROTECT,
                                   related_name="screening_plan")
    tier = models.CharField(max_length=16)
    high_factors = models.JSONField(default=list)
    intermediate_factors = models.JSONField(default=list)
    basis = models.TextField(help_text="Why this tier: the factors and the guideline.")
    ruleset = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.ACTIVE)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Screening plan ({self.tier}) of patient {self.patient_id}"


class ScreeningItem(models.Model):
    class Status(models.TextChoices):
        DUE = "due", "Due"
        OVERDUE = "overdue", "Overdue"
        DONE = "done", "Done"
        SUGGESTED = "suggested", "To consider"
        SUPERSEDED = "superseded", "No longer in the plan"

    # The API names an item by this, never by its database id (its key is unique per plan
    # only, and a re-planned key could one day mean another panel).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(ScreeningPlan, on_delete=models.PROTECT, related_name="items")
    key = models.CharField(max_length=60)
    panel = models.CharField(max_length=14, choices=CancerScreeningRecord.Panel.choices)
    kind = models.CharField(max_length=10)
    due_on = models.DateField(null=True, blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.TextField(blank=True)
    done_on = models.DateField(null=True, blank=True,
                               help_text="Date of the screening record that completed it.")
    record = models.ForeignKey(CancerScreeningRecord, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"],
                                               name="screening_item_key_unique")]
        # The cohort page's lists (due soon, overdue) by status, soonest due first: a page
        # is read off the index instead of sorting every item of the site.
        indexes = [models.Index(fields=["status", "due_on", "id"],
                                name="screening_item_status_due")]

    def __str__(self) -> str:
        return f"{self.panel} due {self.due_on}"


class ScreeningComponent(models.Model):
    """One test of a panel (e.g. mammography), recorded as done with its result."""

    item = models.ForeignKey(ScreeningItem, on_delete=models.PROTECT, related_name="components")
    code = models.CharField(max_length=20)
    label = models.CharField(max_length=100)
    done_on = models.DateField(null=True, blank=True)
    result = models.CharField(max_length=14, choices=ScreeningResult.choices, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["item", "code"],
                                               name="screening_component_unique")]

    def __str__(self) -> str:
        return self.label


class ScreeningPlanEvent(models.Model):
    """The plan's story in words: created, re-stratified, item completed, closed."""

    plan = models.ForeignKey(ScreeningPlan, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    ruleset = models.ForeignKey(RuleSetVersion, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    text = models.TextField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]
