"""A patient's derived state: what the rules say today, as the patient page shows it (subtype
with its EULAR/ACR 2017 score, the IMACS cancer-risk tier, the lung-function schedule, the
screening plan) and the live flags. Nothing is re-derived here: the page's own calls
(patient_records, ruleset_active, patient_evaluation, patient_live_flags) in the page's order,
the engine's own `Evaluation.as_dict()`, and what the page's panels explain (the lung panel's
schedule: status, explanation, due date), through the panel registry (cadm.panels), so cadm
imports no other app. A fixed number of queries whatever the history
(one per kind of record). Reading it is recorded, as opening the page is (patient.view,
cadm.services.audit_reads)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.models import Flag, Severity
from cadm.panels import patient_panels
from cadm.permissions import Perm, has_perm
from cadm.selectors.flags import patient_live_flags
from cadm.selectors.patients import patient_get_for
from cadm.selectors.records import patient_records
from cadm.selectors.rulesets import ruleset_active
from cadm.services.audit_reads import AuditedReads
from cadm.services.evaluation import patient_evaluation

from .errors import ErrorSerializer


class _EularItem(serializers.Serializer):
    item = serializers.CharField()
    points = serializers.FloatField()


class _EularAcr(serializers.Serializer):
    score = serializers.FloatField()
    with_biopsy = serializers.BooleanField()
    category = serializers.CharField()
    probability = serializers.FloatField(help_text="An estimate")
    subgroup = serializers.CharField(allow_null=True)
    items = _EularItem(many=True)


class _Classification(serializers.Serializer):
    subtype = serializers.CharField()
    confirmation = serializers.CharField(allow_null=True)
    skin_disease_months = serializers.IntegerField()
    reason = serializers.CharField()
    eular_acr = _EularAcr()


class _CancerRisk(serializers.Serializer):
    tier = serializers.CharField(help_text="IMACS 2023 tier")
    high_factors = serializers.ListField(child=serializers.CharField())
    intermediate_factors = serializers.ListField(child=serializers.CharField())


class _PlanItem(serializers.Serializer):
    panel = serializers.CharField()
    due = serializers.DateField()
    status = serializers.CharField()
    kind = serializers.CharField()
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)


# monitoring.schedule.ScheduleView.status (named here: cadm imports no other app).
LUNG_SCHEDULE_STATUSES = ["overdue", "due_soon", "scheduled", "baseline_missing",
                          "not_applicable"]


class _LungSchedule(serializers.Serializer):
    status = serializers.ChoiceField(choices=LUNG_SCHEDULE_STATUSES)
    explanation = serializers.CharField(help_text="As the patient page's lung panel says it")
    interval_days = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    last_pft = serializers.DateField(allow_null=True)
    next_due = serializers.DateField(allow_null=True)
    days_to_due = serializers.IntegerField(allow_null=True, help_text="Negative when overdue")
    early_until = serializers.DateField(
        allow_null=True, help_text="Last day of the shorter anti-MDA5 interval")


class _LiveFlag(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    ruleset = serializers.IntegerField(source="ruleset.number", read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "code", "severity", "state", "summary", "ruleset", "opened_at"]
        read_only_fields = fields


class PatientStateSerializer(serializers.Serializer):
    patient = serializers.UUIDField()
    as_of = serializers.DateField()
    rule_set_version = serializers.IntegerField()
    classification = _Classification()
    antibodies_positive = serializers.ListField(child=serializers.CharField())
    cancer_risk = _CancerRisk()
    lung_schedule = _LungSchedule(help_text="When the next PFT is due and why, as the "
                                            "lung panel explains it")
    screening_plan = _PlanItem(many=True)
    flags = _LiveFlag(many=True, help_text="Live flags (open, acknowledged, snoozed), by "
                                           "severity then code, as on the page")
    flag_counts = serializers.DictField(child=serializers.IntegerField(),
                                        help_text="Live flags per severity")


@extend_schema(tags=["patients"], responses={200: PatientStateSerializer,
                                             403: ErrorSerializer, 404: ErrorSerializer})
class PatientState(AuditedReads, APIView):
    """What the rules derive for this patient today, with the live flags."""

    required_perm = Perm.PATIENT_VIEW

    def get(self, request, public_id):
        patient = patient_get_for(user=request.user, public_id=public_id)
        records = patient_records(patient)
        ruleset = ruleset_active()
        evaluation = patient_evaluation(patient, as_of=timezone.localdate(), records=records,
                                        ruleset=ruleset)
        derived = evaluation.as_dict()
        explained = {}
        for panel in patient_panels():
            if panel.state is not None and has_perm(request.user, panel.permission):
                explained.update(panel.state(patient=patient, evaluation=evaluation,
                                             user=request.user, records=records,
                                             ruleset=ruleset))
        flags = patient_live_flags(patient)
        counts = dict.fromkeys(Severity.values, 0)
        for flag in flags:
            counts[flag.severity] = counts.get(flag.severity, 0) + 1
        return Response({
            "patient": str(patient.public_id),
            "as_of": derived["as_of"],
            "rule_set_version": derived["rule_set_version"],
            "classification": derived["classification"],
            "antibodies_positive": derived["antibodies_positive"],
            "cancer_risk": derived["cancer_risk"],
            "lung_schedule": explained["lung_schedule"],
            "screening_plan": derived["screening_plan"],
            "flags": _LiveFlag(flags, many=True).data,
            "flag_counts": counts,
        })
