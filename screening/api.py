"""A patient's cancer-screening plan (IMACS 2023): read as the plan page shows it, and the
page's four writes: a test of an item done, the outcome of a finding, ending screening and
resuming it. Scoped as the page: patient.view to read, result.record to write, at one of the
patient's sites (another site's patient is a 404). An item is named by its UUID, a test of an
item by its code (unique within the item).

Writes are a door of the input layer: the body's values go as they are to the typed inputs
(cadm.inputs.screening), the one place they are checked, so a bad value gets the page's
message keyed by the same field; the screening services then check permission, site and
what needs the stored plan (a finding awaiting the outcome, a test already done, a plan
already closed: 409), write the history and the audit row, and re-evaluate the patient. Each
takes an Idempotency-Key, so a retried request acts once.

The module lives in the screening app, beside the models and services it serves; cadm's API
includes its routes by name (screening/api_urls.py), as cadm/urls.py includes the pages, so
cadm imports no other app. The API's shared parts (idempotency, errors, permissions) are
cadm's."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.api import entries
from cadm.api.idempotency import idempotent
from cadm.inputs import (
    Context,
    InputInvalid,
    ScreeningCloseInput,
    ScreeningOutcomeInput,
    ScreeningReopenInput,
    ScreeningTestInput,
)
from cadm.inputs.screening import DECISION_TEXT_MAX, TEST_NOTE_MAX
from cadm.permissions import Perm
from cadm.selectors.patients import patient_get_for
from cadm.services.audit_reads import AuditedReads
from screening.models import (
    CancerScreeningRecord,
    ScreeningComponent,
    ScreeningItem,
    ScreeningPlan,
    ScreeningPlanEvent,
    ScreeningResult,
)
from screening.selectors import screening_findings_open
from screening.services import (
    screening_component_record,
    screening_outcome_record,
    screening_plan_close,
    screening_plan_reopen,
)


def _one_of(choices):
    """A text field whose values are listed in words, not as a named enum: an item's
    `status` and a test's `result` would each be a second choice set under a name cadm's
    schema already gives one (the records' `status`), renaming cadm's enum for every client."""
    return extend_schema_field({"type": "string", "description": "One of: " + "; ".join(
        f"{value} ({label})" for value, label in choices)})


@_one_of(ScreeningItem.Status.choices)
class _ItemStatus(serializers.CharField):
    pass


@_one_of(ScreeningResult.choices)
class _TestResult(serializers.CharField):
    pass


# ---------------------------------------------------------------- reads

class ScreeningComponentSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True,
                                        allow_null=True, default=None)

    class Meta:
        model = ScreeningComponent
        fields = ["code", "label", "done_on", "result", "note", "recorded_by"]
        read_only_fields = fields


class ScreeningItemSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status = _ItemStatus(read_only=True)
    record = serializers.UUIDField(
        source="record.public_id", read_only=True, allow_null=True, default=None,
        help_text="The cancer-screening result recorded when every test was done "
                  "(results/cancer-screening/)")
    components = ScreeningComponentSerializer(many=True, read_only=True)

    class Meta:
        model = ScreeningItem
        fields = ["id", "key", "panel", "kind", "due_on", "window_start", "window_end",
                  "status", "reason", "done_on", "record", "components"]
        read_only_fields = fields


class ScreeningFindingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = CancerScreeningRecord
        fields = ["id", "observed_on", "panel", "result"]
        read_only_fields = fields


class ScreeningEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True,
                                  default=None, help_text="Null: the rules engine")
    ruleset = serializers.IntegerField(source="ruleset.number", read_only=True,
                                       allow_null=True, default=None)

    class Meta:
        model = ScreeningPlanEvent
        fields = ["at", "actor", "ruleset", "text"]
        read_only_fields = fields


class ScreeningPlanSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    tier = serializers.CharField(read_only=True, help_text="IMACS 2023 tier")
    high_factors = serializers.ListField(child=serializers.CharField(), read_only=True)
    intermediate_factors = serializers.ListField(child=serializers.CharField(), read_only=True)
    ruleset = serializers.IntegerField(source="ruleset.number", read_only=True,
                                       help_text="The rule-set version that set the tier")
    closed_by = serializers.CharField(source="closed_by.username", read_only=True,
                                      allow_null=True, default=None)
    items = ScreeningItemSerializer(many=True, read_only=True, help_text=(
        "Every item, soonest due first; `superseded` ones are no longer in the plan"))
    findings_open = ScreeningFindingSerializer(many=True, read_only=True, help_text=(
        "Results with a finding that no recorded outcome settles yet"))
    events = ScreeningEventSerializer(many=True, read_only=True,
                                      help_text="The plan's story, newest first")

    class Meta:
        model = ScreeningPlan
        fields = ["id", "tier", "high_factors", "intermediate_factors", "basis", "ruleset",
                  "state", "outcome", "outcome_on", "outcome_note", "closed_on",
                  "closed_reason", "closed_by", "created_at", "updated_at", "items",
                  "findings_open", "events"]
        read_only_fields = fields


class ScreeningSerializer(serializers.Serializer):
    patient = serializers.UUIDField(help_text="The patient's id")
    plan = ScreeningPlanSerializer(allow_null=True, help_text=(
        "Null: no plan (juvenile onset, for which IMACS 2023 asks for no IIM-specific "
        "screening, or the patient not evaluated yet)"))


def _items():
    components = ScreeningComponent.objects.select_related("recorded_by").order_by("pk")
    return (ScreeningItem.objects.select_related("record")
            .prefetch_related(Prefetch("components", queryset=components)))


def _plan_of(patient) -> ScreeningPlan | None:
    """The plan with everything it shows, in a fixed number of queries whatever its
    history (one per kind of row)."""
    plan = (ScreeningPlan.objects.filter(patient=patient)
            .select_related("ruleset", "closed_by")
            .prefetch_related(Prefetch("items", queryset=_items()),
                              Prefetch("events", queryset=ScreeningPlanEvent.objects
                                       .select_related("actor", "ruleset")))
            .first())
    if plan is not None:
        plan.findings_open = screening_findings_open(plan)
    return plan


def _screening(patient) -> dict:
    return {"patient": patient.public_id, "plan": _plan_of(patient)}


@extend_schema(tags=["screening"])
class Screening(AuditedReads, APIView):
    """The patient's cancer-screening plan: tier and basis, every item with its tests, due
    dates and status, the findings awaiting an outcome, the last outcome, whether screening
    has ended, and the plan's history."""

    required_perm = Perm.PATIENT_VIEW

    @extend_schema(responses=ScreeningSerializer)
    def get(self, request, public_id):
        patient = patient_get_for(user=request.user, public_id=public_id)
        return Response(ScreeningSerializer(_screening(patient)).data)


# ---------------------------------------------------------------- writes

def _body(request, labels: Mapping[str, str]) -> tuple[dict, dict[str, list[str]]]:
    """The JSON object's fields as a form would send them, and the problems of its shape (an
    unknown field, a list or an object where one value belongs): reported with the values'
    own problems, all at once."""
    body = request.data
    if not isinstance(body, Mapping):
        raise ValidationError("The body must be a JSON object.")
    problems = {name: [f"Unknown field; accepted: {', '.join(labels)}."]
                for name in sorted(set(body) - set(labels))}
    raw = {}
    for name, label in labels.items():
        value = body.get(name)
        if isinstance(value, list | dict):
            problems[name] = [f"{label}: a list or an object is not accepted; send one value."]
        elif isinstance(value, bool):
            raw[name] = str(value).lower()
        elif isinstance(value, int | float):
            raw[name] = str(value)  # a date field reads text: the number is refused in words
        else:
            raw[name] = value
    return raw, problems


def _parse(input_class, raw: dict, problems: dict, *, patient):
    """The typed input, or a 400 naming every refused field with the parser's message."""
    try:
        parsed = input_class.parse(raw, context=Context(today=entries.today(),
                                                        birth_date=patient.birth_date))
    except InputInvalid as exc:
        raise ValidationError({**exc.message_dict, **problems}) from None
    if problems:
        raise ValidationError(problems)
    return parsed


def _plan_for(request, public_id):
    patient = patient_get_for(user=request.user, public_id=public_id)
    plan = ScreeningPlan.objects.filter(patient=patient).first()
    if plan is None:
        raise Http404("This patient has no screening plan.")
    return patient, plan


class ScreeningTestDoneSerializer(serializers.Serializer):
    """Documentation only: the values are checked by cadm.inputs.ScreeningTestInput."""

    component = serializers.CharField(help_text="The test's code, as listed in the item's "
                                                "components")
    done_on = serializers.DateField(help_text="Not in the future, not before birth")
    result = _TestResult()
    note = serializers.CharField(required=False, allow_blank=True, max_length=TEST_NOTE_MAX)


class ScreeningOutcomeSerializer(serializers.Serializer):
    """Documentation only: the values are checked by cadm.inputs.ScreeningOutcomeInput."""

    outcome = serializers.ChoiceField(choices=ScreeningPlan.Outcome.choices)
    outcome_on = serializers.DateField(help_text="On or after the finding it settles")
    note = serializers.CharField(required=False, allow_blank=True,
                                 max_length=DECISION_TEXT_MAX)


class ScreeningCloseSerializer(serializers.Serializer):
    """Documentation only: the values are checked by cadm.inputs.ScreeningCloseInput."""

    closed_on = serializers.DateField()
    reason = serializers.CharField(max_length=DECISION_TEXT_MAX,
                                   help_text="Why screening ends")


class ScreeningReopenSerializer(serializers.Serializer):
    """Documentation only: the values are checked by cadm.inputs.ScreeningReopenInput."""

    reason = serializers.CharField(max_length=DECISION_TEXT_MAX,
                                   help_text="Why screening resumes")


def _component(item: ScreeningItem, code, problems: dict) -> ScreeningComponent | None:
    components = {c.code: c for c in item.components.all()}
    if "component" in problems:  # not one value (a list, an object): said already
        return None
    if isinstance(code, str) and code in components:
        return components[code]
    accepted = ", ".join(components)
    problems["component"] = [
        f"Component: required; choose one of: {accepted}." if code in (None, "") else
        f"Component: {str(code)[:40]!r} is not one of the tests of this item; accepted: one "
        f"of: {accepted}."]
    return None


@extend_schema(tags=["screening"])
class ScreeningTestRecord(AuditedReads, APIView):
    """Record one test of an item as done, with its result. When every test of the item is
    done, the panel's result is recorded (results/cancer-screening/) and the rules read it."""

    required_perm = Perm.RESULT_RECORD

    @extend_schema(request=ScreeningTestDoneSerializer, responses=ScreeningItemSerializer)
    @idempotent()
    def post(self, request, public_id, item_id):
        patient, plan = _plan_for(request, public_id)
        item = _items().filter(plan=plan, public_id=item_id).first()
        if item is None:
            raise Http404("No such item in this patient's plan.")
        raw, problems = _body(request, {"component": "Component",
                                        **ScreeningTestInput.LABELS})
        component = _component(item, raw.pop("component", None), problems)
        test = _parse(ScreeningTestInput, raw, problems, patient=patient)
        screening_component_record(actor=request.user, component=component, data=test,
                                   today=entries.today())
        return Response(ScreeningItemSerializer(_items().get(pk=item.pk)).data)


def _decision_view(name: str, input_class, request_serializer, service, summary: str):
    @extend_schema(tags=["screening"], summary=summary, request=request_serializer,
                   responses=ScreeningSerializer)
    class DecisionView(AuditedReads, APIView):
        required_perm = Perm.RESULT_RECORD

        @idempotent()
        def post(self, request, public_id):
            patient, plan = _plan_for(request, public_id)
            raw, problems = _body(request, input_class.LABELS)
            decided = _parse(input_class, raw, problems, patient=patient)
            service(actor=request.user, plan=plan, data=decided, today=entries.today())
            return Response(ScreeningSerializer(_screening(patient)).data)

    DecisionView.__name__ = f"Screening{name}"
    DecisionView.__qualname__ = DecisionView.__name__
    return DecisionView.as_view()


screening_outcome = _decision_view(
    "Outcome", ScreeningOutcomeInput, ScreeningOutcomeSerializer, screening_outcome_record,
    "The outcome of a finding's work-up: settles the finding, the schedule goes on")
screening_close = _decision_view(
    "Close", ScreeningCloseInput, ScreeningCloseSerializer, screening_plan_close,
    "End screening, with a reason: only this stops its reminders")
screening_reopen = _decision_view(
    "Reopen", ScreeningReopenInput, ScreeningReopenSerializer, screening_plan_reopen,
    "Resume screening that was ended, with a reason")
