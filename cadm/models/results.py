"""Results that can be entered at a visit or on their own: labs, antibodies, muscle and skin
studies, medications, eye examinations. Lung results live in the monitoring app."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from cadm.rules import vocabulary as v

from .patients import Patient
from .status import RecordStatus
from .visits import Visit


class ClinicalRecord(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    observed_on = models.DateField("date")
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL
    )
    status_reason = models.CharField(max_length=300, blank=True,
                                     help_text="Why the row was marked entered in error.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["-observed_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "observed_on"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.observed_on}"


class LabResult(ClinicalRecord):
    """One analyte. The value is kept as entered and normalised to the canonical unit
    (cadm.rules.measurements); rules read only the normalised columns."""

    analyte = models.CharField(max_length=12, choices=v.LAB_TESTS)
    loinc = models.CharField("LOINC", max_length=12, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=3)
    unit = models.CharField(max_length=8, choices=v.LAB_UNITS)
    value_normalised = models.DecimalField(max_digits=12, decimal_places=3)
    unit_normalised = models.CharField(max_length=8)
    upper_limit = models.DecimalField(
        "upper limit of normal", max_digits=12, decimal_places=3, null=True, blank=True,
        help_text="The reporting laboratory's ULN, in the same unit as the value.",
    )
    upper_limit_normalised = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True
    )
    lab_name = models.CharField("laboratory", max_length=100, blank=True)

    class Meta(ClinicalRecord.Meta):
        indexes = [models.Index(fields=["patient", "analyte", "observed_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="lab_value_not_negative"),
        ]


class AutoantibodyResult(ClinicalRecord):
    antibody = models.CharField(max_length=8, choices=v.ANTIBODIES)
    result = models.CharField(max_length=10, choices=v.ANTIBODY_RESULTS)
    method = models.CharField(max_length=20, choices=v.ANTIBODY_METHODS)
    grade = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Semi-quantitative grade 1–3 (+, ++, +++), if reported."
    )
    titre = models.CharField(max_length=40, blank=True, help_text="As reported, with its unit.")
    lab_name = models.CharField("laboratory", max_length=100, blank=True)

    class Meta(ClinicalRecord.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=1, grade__lte=3),
                name="antibody_grade_1_to_3",
            ),
        ]


class MuscleStudy(ClinicalRecord):
    kind = models.CharField(max_length=8, choices=v.MUSCLE_STUDY_KINDS)
    abnormal = models.BooleanField(
        help_text="MRI muscle oedema, myopathic EMG, or inflammatory biopsy."
    )
    findings = models.JSONField(default=list, blank=True, help_text="Biopsy findings.")
    report = models.TextField(blank=True)

    class Meta(ClinicalRecord.Meta):
        verbose_name_plural = "muscle studies"


class SkinBiopsy(ClinicalRecord):
    consistent_with_dm = models.BooleanField("consistent with dermatomyositis")
    report = models.TextField(blank=True)

    class Meta(ClinicalRecord.Meta):
        verbose_name_plural = "skin biopsies"


class Medication(ClinicalRecord):
    """A course of a drug. `observed_on` is the start date."""

    drug = models.CharField(max_length=30, choices=v.DRUGS)
    drug_detail = models.CharField(
        max_length=100, blank=True, help_text="Name of the drug when 'Other'; formulation."
    )
    dose_mg_per_day = models.DecimalField(
        "dose (mg/day)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    end_on = models.DateField("end date", null=True, blank=True)

    class Meta(ClinicalRecord.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True)
                | models.Q(end_on__gte=models.F("observed_on")),
                name="medication_ends_after_start",
            ),
        ]


class EyeExam(ClinicalRecord):
    """Retinal screening examination (hydroxychloroquine safety)."""

    class Finding(models.TextChoices):
        NORMAL = "normal", "No retinopathy"
        SUSPECTED = "suspected", "Possible retinopathy"
        RETINOPATHY = "retinopathy", "Retinopathy"

    finding = models.CharField(max_length=12, choices=Finding.choices)
    report = models.TextField(blank=True)
