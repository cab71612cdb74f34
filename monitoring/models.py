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
        # The lung cohort's windows (PFTs of the last year or two, every patient at once).
        indexes = [*ClinicalRecord.Meta.indexes,
                   models.Index(fields=["observed_on"], name="pft_observed_on")]


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
