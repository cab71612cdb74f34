"""Rule-set version 1: the defaults of ../shared/case-format.md, frozen here as data.

Later code that adds a parameter adds it to stored versions with its own migration.
"""

from django.db import migrations
from django.utils import timezone

VERSION_1 = {'eular.adult_age_years': 18,
 'eular.definite_biopsy': 8.7,
 'eular.definite_no_biopsy': 7.5,
 'eular.logit_constant_biopsy': 6.49,
 'eular.logit_constant_no_biopsy': 5.33,
 'eular.older_age_years': 40,
 'eular.possible_biopsy': 6.5,
 'eular.possible_no_biopsy': 5.3,
 'eular.probable_biopsy': 6.7,
 'eular.probable_no_biopsy': 5.5,
 'flair.ferritin_ng_ml': 636.0,
 'flair.hrct_score': 133,
 'flair.ldh_u_l': 355.0,
 'hcq.annual_from_years': 5,
 'hcq.annual_interval_days': 365,
 'hcq.baseline_exam_window_days': 365,
 'hcq.max_mg_per_kg': 5.0,
 'imacs.adult_age_years': 18,
 'imacs.age_factor_over_years': 40,
 'imacs.evidence_window_years': 3,
 'imacs.high_min_high_factors': 2,
 'imacs.moderate_min_intermediate_factors': 2,
 'lung.baseline_lookback_days': 90,
 'lung.decline_window_days': 365,
 'lung.desaturation_spo2_pct': 88.0,
 'lung.dlco_decline_points': 10.0,
 'lung.fvc_decline_points': 5.0,
 'lung.legacy_relative_dlco_pct': 15.0,
 'lung.legacy_relative_fvc_pct': 10.0,
 'lung.legacy_window_months': 24,
 'lung.mda5_early_months': 12,
 'lung.mda5_pft_interval_days': 90,
 'lung.oximetry_interval_months': 12,
 'lung.pft_interval_days': 180,
 'mck.crp_mg_l_mda5_negative': 11.0,
 'mck.crp_mg_l_mda5_positive': 8.0,
 'mck.kl6_u_ml': 1000.0,
 'mda5.age_over_years': 50,
 'mda5.ferritin_ng_ml': 1500.0,
 'mda5.kl6_u_ml': 1600.0,
 'mda5.ldh_u_l': 300.0,
 'mda5.marker_window_days': 90,
 'screening.first_due_months': 3,
 'screening.first_window_after_months': 9,
 'screening.first_window_before_months': 6,
 'screening.followup_count': 3,
 'screening.followup_interval_months': 12,
 'screening.followup_window_after_months': 9,
 'screening.followup_window_before_months': 3,
 'screening.moderate_followup_count': 0,
 'screening.overdue_grace_days': 60,
 'severity.AMBULATORY_OXIMETRY_DUE': 'info',
 'severity.CANCER_RED_FLAGS': 'warning',
 'severity.CANCER_SCREENING_OVERDUE': 'warning',
 'severity.ENHANCED_CANCER_SCREENING': 'warning',
 'severity.EXERTIONAL_DESATURATION': 'warning',
 'severity.FLAIR_SCORE': 'info',
 'severity.GI_ENDOSCOPY_CONSIDER': 'info',
 'severity.HCQ_DOSE_ABOVE_LIMIT': 'warning',
 'severity.HCQ_EYE_SCREENING_DUE': 'warning',
 'severity.HCQ_WEIGHT_MISSING': 'info',
 'severity.ILD_PROGRESSION': 'warning',
 'severity.ILD_PROGRESSION.mda5': 'critical',
 'severity.ILD_RELATIVE_DECLINE': 'info',
 'severity.ILD_SCREENING_ADVISED': 'warning',
 'severity.IMACS_NOT_APPLICABLE': 'info',
 'severity.IMACS_OUTSIDE_WINDOW': 'info',
 'severity.LUNG_BASELINE_MISSING': 'critical',
 'severity.LUNG_MONITORING_OVERDUE': 'warning',
 'severity.MCK_COUNT': 'info',
 'severity.MDA5_LDH_AGE_FEVER': 'warning',
 'severity.MDA5_RESPIRATORY_SYMPTOMS': 'critical',
 'severity.MDA5_RPILD_MARKERS': 'critical',
 'severity.NASOENDOSCOPY_CONSIDER': 'info',
 'severity.PET_CT_CONSIDER': 'info',
 'severity.RECLASSIFY': 'warning',
 'subtype.confirmed_months': 24,
 'subtype.undetermined_months': 6,
 'uln.aldolase': 7.6,
 'uln.alt': 56,
 'uln.ast': 40,
 'uln.ck_female': 192,
 'uln.ck_male': 308,
 'uln.ldh': 250}


def create_version_1(apps, schema_editor):
    RuleSetVersion = apps.get_model("cadm", "RuleSetVersion")
    now = timezone.now()
    RuleSetVersion.objects.get_or_create(number=1, defaults={
        "state": "active", "params": VERSION_1, "submitted_at": now, "approved_at": now,
        "activated_at": now,
        "change_note": "Version 1: the defaults of the case-file contract (case-format.md).",
    })


def remove_version_1(apps, schema_editor):
    apps.get_model("cadm", "RuleSetVersion").objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("cadm", "0003_rulesets_flags")]
    operations = [migrations.RunPython(create_version_1, remove_version_1)]
