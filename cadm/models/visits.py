import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .patients import Patient
from .status import RecordStatus


class Visit(models.Model):
    """A clinical encounter: examination findings of that day.

    Skin, weakness and symptom lists hold codes of cadm.rules.vocabulary; they are read in
    Python by the rules, never filtered on in SQL, so a JSON list is enough.

    `assessed` names the parts of the examination that were done (VISIT_PARTS): an empty
    symptom list means "no symptoms" only when symptoms were reviewed, so a skin-only visit
    never clears a flag about symptoms. `row_version` counts saves: an edit made on an older
    version is refused instead of silently overwriting the newer one.
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
    assessed = models.JSONField(default=list, blank=True,
                                help_text="Parts of the examination done at this visit.")
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL
    )
    status_reason = models.CharField(max_length=300, blank=True,
                                     help_text="Why the visit was marked entered in error.")
    row_version = models.PositiveIntegerField(default=1, editable=False)
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
