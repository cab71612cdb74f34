from django.db import models

from .patients import Patient
from .rulesets import RuleSetVersion


class RuleFiring(models.Model):
    """That a rule-set version fired a rule for a patient, and over which span of time.

    Written by every stored evaluation (cadm/services/flags.py), never re-stamped: a version's
    metrics keep what it fired after the next version takes over the live flags.
    """

    ruleset = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    first_as_of = models.DateField()
    last_as_of = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ruleset", "code", "patient"],
                                               name="one_firing_per_version_code_patient")]
        indexes = [models.Index(fields=["ruleset", "code"])]

    def __str__(self) -> str:
        return f"{self.code} under v{self.ruleset_id} for patient {self.patient_id}"
