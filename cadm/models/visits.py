import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .patients import Patient


class Visit(models.Model):
    """A clinical encounter: examination findings of that day.

    Skin, weakness and symptom lists hold codes of cadm.rules.vocabulary; they are read in
    Python by the rules, never filtered on in SQL, so a JSON list is enough.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    visit_on = models.DateField("visit date")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    skin = models.JSONField(default=list, blank=True)
    weakness = models.JSONField(default=list, blank=True)
    symptoms = models.JSONField(default=list, blank=True)
    mmt8 = models.PositiveSmallIntegerField("MMT-8", null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-visit_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "visit_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mmt8__isnull=True) | models.Q(mmt8__lte=80),
                name="visit_mmt8_max_80",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit {self.visit_on}"
