"""Lung results: pulmonary function, HRCT and 6-minute walk."""

from django.db import models

from cadm.models import ClinicalRecord


class PulmonaryFunctionTest(ClinicalRecord):
    fvc_l = models.DecimalField("FVC (L)", max_digits=4, decimal_places=2, null=True, blank=True)
    fvc_pct_predicted = models.DecimalField("FVC % predicted", max_digits=4, decimal_places=1)
    dlco_pct_predicted = models.DecimalField(
        "DLCO % predicted", max_digits=4, decimal_places=1, null=True, blank=True,
        help_text="Haemoglobin-corrected where available.",
    )
    tlc_pct_predicted = models.DecimalField(
        "TLC % predicted", max_digits=4, decimal_places=1, null=True, blank=True
    )

    class Meta(ClinicalRecord.Meta):
        verbose_name = "pulmonary function test"


class HrctStudy(ClinicalRecord):
    ild = models.BooleanField("interstitial lung disease")
    findings = models.JSONField(default=list, blank=True)
    extent_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Optional; the scoring method your radiologists use."
    )
    report = models.TextField(blank=True)

    class Meta(ClinicalRecord.Meta):
        verbose_name = "HRCT study"
        verbose_name_plural = "HRCT studies"


class SixMinuteWalk(ClinicalRecord):
    distance_m = models.DecimalField("distance (m)", max_digits=5, decimal_places=1)
    spo2_rest = models.DecimalField(
        "SpO₂ at rest (%)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    spo2_nadir = models.DecimalField("SpO₂ nadir (%)", max_digits=4, decimal_places=1)

    class Meta(ClinicalRecord.Meta):
        verbose_name = "6-minute walk"


class PpfAssessment(ClinicalRecord):
    """The clinician's judgement on the two PPF 2022 criteria that no number decides:
    worsening respiratory symptoms and radiological progression on HRCT (clinical-reference.md
    §5). Physiological progression is computed from the PFTs (monitoring.schedule)."""

    worsening_symptoms = models.BooleanField("worsening respiratory symptoms")
    radiological_progression = models.BooleanField(
        "radiological progression",
        help_text="More traction bronchiectasis, new GGO with traction bronchiectasis, new or "
                  "coarser reticulation, new or more honeycombing, more lobar volume loss.",
    )
    note = models.TextField(blank=True)

    class Meta(ClinicalRecord.Meta):
        verbose_name = "PPF assessment"


class LungStatus(models.Model):
    """What the lung cohort page filters and orders its two lists on, per patient
    (monitoring.cohort_keys.CohortKeys): written by the patient's evaluation when it changes
    (monitoring.lung_status), so that the page pages in SQL instead of running the schedule
    and the decline table for every patient of the cohort."""

    patient = models.OneToOneField("cadm.Patient", on_delete=models.CASCADE, primary_key=True,
                                   related_name="lung_status")
    as_of = models.DateField(
        null=True, help_text="Day of the evaluation that last changed these values; empty: "
                             "not evaluated since the row was added (migration 0005).")
    mda5_positive = models.BooleanField(default=False)
    mda5_first_positive = models.DateField(null=True)
    pft_schedule = models.BooleanField(default=False, help_text="The lung schedule applies.")
    last_pft = models.DateField(null=True)
    next_pft_due = models.DateField(null=True)
    early_until = models.DateField(null=True)
    next_pft_due_after_early = models.DateField(null=True)
    ppf_decline_on = models.DateField(null=True)
    radiological_on = models.DateField(null=True)
    progression_on = models.DateField(null=True)

    class Meta:
        verbose_name = "lung status"
        verbose_name_plural = "lung statuses"
        indexes = [
            # The anti-MDA5 list: its members only (a few in ten of a cohort).
            models.Index(fields=["patient"], condition=models.Q(mda5_positive=True),
                         name="lung_status_mda5"),
            # The progression list in its order, the year's window a range of it.
            models.Index(fields=["-mda5_positive", "-progression_on"],
                         condition=models.Q(progression_on__isnull=False),
                         name="lung_status_progression"),
            # The page's count of patients not evaluated yet: none once the sweep has run.
            models.Index(fields=["patient"], condition=models.Q(as_of__isnull=True),
                         name="lung_status_unevaluated"),
        ]

    def __str__(self) -> str:
        return f"lung status of patient {self.patient_id}"
