"""Cancer-screening records (IMACS 2023 panels, clinical-reference.md §1.4)."""

from django.db import models

from cadm.models import ClinicalRecord


class CancerScreeningRecord(ClinicalRecord):
    """A screening panel done on a date, with its outcome. The rules read these to decide
    which plan items are done (case-format.md `cancer_screening[]`)."""

    class Panel(models.TextChoices):
        BASIC = "basic", "Basic panel"
        ENHANCED = "enhanced", "Enhanced panel"

    class Result(models.TextChoices):
        NO_CANCER = "no_cancer", "No cancer found"
        FINDING = "finding", "Finding needing work-up"
        CANCER_FOUND = "cancer_found", "Cancer found"
        PENDING = "pending", "Results pending"

    panel = models.CharField(max_length=10, choices=Panel.choices)
    result = models.CharField(max_length=14, choices=Result.choices)
    note = models.TextField(blank=True)

    class Meta(ClinicalRecord.Meta):
        verbose_name = "cancer-screening record"
