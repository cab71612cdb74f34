"""Where a patient and a result came from in another system (FHIR import, issue 12).

A patient is matched by an identifier an EHR gives it (system + value), at one site: the same
identifier may name two people at two clinics that never share records. A result imported
from FHIR keeps the key of the Observation it came from, so the same bundle imported twice
saves nothing twice, and a source's "entered in error" finds our row."""

from django.db import models

from .patients import Patient
from .sites import Site


class PatientIdentifier(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identifiers")
    # The patient's site when the identifier was recorded: the scope of its uniqueness (a
    # database constraint cannot reach through the patient).
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    system = models.CharField(max_length=255)
    value = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "system", "value"],
                                               name="patient_identifier_unique_per_site")]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"


class RecordSource(models.Model):
    """One FHIR resource a result row was imported from. `source_key`: the Observation's
    identifier, else its fullUrl, else its id (cadm.fhir.sources); `digest`: its content, so a
    corrected Observation under the same key is seen as a change. A PFT row joins several
    Observations, hence several sources for one row."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    source_key = models.CharField(max_length=255)
    digest = models.CharField(max_length=64)
    section_key = models.CharField(max_length=40)
    record_id = models.UUIDField(help_text="The public id of the row in its section's model.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "source_key"],
                                               name="record_source_once_per_patient")]

    def __str__(self) -> str:
        return f"{self.section_key} {self.record_id}"
