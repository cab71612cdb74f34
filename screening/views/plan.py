"""The screening plan of one patient: checklist, recording tests, closing, printing."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cadm.exceptions import DomainError
from cadm.permissions import Perm, has_perm
from cadm.rules.dates import add_months
from cadm.selectors.patients import patient_get_for
from cadm.selectors.rulesets import ruleset_active
from cadm.services.audit_reads import audited
from cadm.services.evaluation import patient_evaluation
from cadm.views.access import requires

from ..forms import ComponentFormSet, EndScreeningForm, OutcomeForm, ReopenForm
from ..models import ScreeningItem, ScreeningPlan
from ..selectors import screening_findings_open
from ..services import (
    screening_component_record,
    screening_outcome_record,
    screening_plan_close,
    screening_plan_reopen,
)

DECISIONS = {
    "outcome": (OutcomeForm, "Outcome recorded: the finding is settled; the rest of the "
                             "schedule goes on."),
    "close": (EndScreeningForm, "Screening ended: its reminders stop. The plan keeps its "
                                "history and can be reopened."),
    "reopen": (ReopenForm, "Screening resumed: its reminders apply again."),
}


def _decision_forms(patient, today, posted: dict | None = None) -> dict:
    given = {"patient": patient, "today": today}
    forms = {"outcome": OutcomeForm(prefix="outcome", initial={"outcome_on": today}, **given),
             "close": EndScreeningForm(prefix="close", initial={"closed_on": today}, **given),
             "reopen": ReopenForm(prefix="reopen", **given)}
    return {**forms, **(posted or {})}


def _plan_context(request, patient, formsets=None, decision_forms=None):
    plan = (ScreeningPlan.objects.filter(patient=patient)
            .prefetch_related("items__components__recorded_by", "events__actor").first())
    today = timezone.localdate()
    items = [i for i in plan.items.all() if i.status != "superseded"] if plan else []
    can_record = has_perm(request.user, Perm.RESULT_RECORD)
    # IMACS 2023's evidence covers the years after onset given by the active rule set (§1.1).
    years = ruleset_active().params["imacs.evidence_window_years"]
    evidence_end = add_months(patient.skin_onset_date, 12 * years)
    formsets = formsets or {}
    rows = []
    for item in items:
        todo = [c for c in item.components.all() if not c.done_on]
        formset = _formset_for(item, todo, formsets.get(item.pk), patient=patient,
                               today=today)
        rows.append((item, list(zip(todo, formset.forms, strict=True)), formset))
    return {
        "patient": patient, "plan": plan, "rows": rows, "can_record": can_record,
        "evaluation": patient_evaluation(patient, as_of=today), "today": today,
        "beyond_evidence": today > evidence_end,
        "evidence_end": evidence_end, "evidence_years": years,
        "superseded": [i for i in plan.items.all() if i.status == "superseded"] if plan else [],
        "findings_open": screening_findings_open(plan) if plan else [],
        "decisions": _decision_forms(patient, today, decision_forms),
    }


def _formset_for(item, todo, posted=None, *, patient, today):
    """One form per test not yet done; after a failed POST, each test gets back what was
    posted for it (matched by component id), with its errors."""
    prefix = f"item{item.pk}"
    given = {"patient": patient, "today": today}
    if posted is None:
        return ComponentFormSet(prefix=prefix, initial=[{"component_id": c.pk} for c in todo],
                                form_kwargs=given)
    by_id = {str(f["component_id"].value()): f for f in posted.forms}
    data = {f"{prefix}-TOTAL_FORMS": len(todo), f"{prefix}-INITIAL_FORMS": len(todo)}
    for index, component in enumerate(todo):
        sent = by_id.get(str(component.pk))
        data[f"{prefix}-{index}-component_id"] = component.pk
        for name in ("done_on", "result", "note"):
            data[f"{prefix}-{index}-{name}"] = sent[name].value() if sent else ""
    formset = ComponentFormSet(data, prefix=prefix, form_kwargs=given)
    formset.is_valid()
    return formset


@audited
@requires(Perm.PATIENT_VIEW)
def plan_detail(request, public_id):
    patient = patient_get_for(user=request.user, public_id=public_id)
    return render(request, "screening/plan.html", _plan_context(request, patient))


@audited
@require_POST
@requires(Perm.RESULT_RECORD)
def item_record(request, public_id, item_id):
    """Record the tests of one item that were done; all rows valid or nothing saved."""
    patient = patient_get_for(user=request.user, public_id=public_id)
    item = get_object_or_404(ScreeningItem, pk=item_id, plan__patient=patient)
    components = {c.pk: c for c in item.components.all()}
    today = timezone.localdate()
    formset = ComponentFormSet(request.POST, prefix=f"item{item.pk}",
                               form_kwargs={"patient": patient, "today": today})
    # A row with a test's date and result carries its parsed input; a blank row, none.
    done = [f for f in formset.forms if formset.is_valid() and f.input is not None]
    if formset.is_valid() and done:
        try:
            for form in done:
                screening_component_record(
                    actor=request.user, component=components[form.cleaned_data["component_id"]],
                    data=form.input, today=today)
        except (DomainError, KeyError) as exc:
            messages.error(request, f"Nothing was saved: {exc}")
        else:
            messages.success(request, f"{len(done)} test(s) recorded.")
            return redirect("screening-plan", public_id=patient.public_id)
    elif formset.is_valid():
        messages.error(request, "Nothing was saved: enter a date and a result for a test.")
    elif formset.non_form_errors():  # e.g. more rows than the panel has tests
        messages.error(request, f"Nothing was saved. {' '.join(formset.non_form_errors())}")
    else:
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    context = _plan_context(request, patient, formsets={item.pk: formset})
    return render(request, "screening/plan.html", context, status=400)


def _decide(request, plan, decision: str, data, today) -> None:
    if decision == "outcome":
        screening_outcome_record(actor=request.user, plan=plan, data=data, today=today)
    elif decision == "close":
        screening_plan_close(actor=request.user, plan=plan, data=data, today=today)
    else:
        screening_plan_reopen(actor=request.user, plan=plan, data=data, today=today)


@audited
@require_POST
@requires(Perm.RESULT_RECORD)
def plan_decide(request, public_id, decision):
    """The outcome of a finding, the end of screening, or its reopening: three separate
    decisions, each with its own form (an outcome never ends the schedule)."""
    patient = patient_get_for(user=request.user, public_id=public_id)
    plan = get_object_or_404(ScreeningPlan, patient=patient)
    form_class, done = DECISIONS[decision]
    today = timezone.localdate()
    form = form_class(request.POST, prefix=decision, patient=patient, today=today)
    if form.is_valid():
        try:
            _decide(request, plan, decision, form.input, today)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect("screening-plan", public_id=patient.public_id)
    messages.error(request, "Nothing was changed: correct the fields marked below.")
    return render(request, "screening/plan.html",
                  _plan_context(request, patient, decision_forms={decision: form}), status=400)


@audited
@requires(Perm.PATIENT_VIEW)
def patient_sheet(request, public_id):
    """A plain-language sheet for the patient: why screening, which tests, warning signs."""
    patient = patient_get_for(user=request.user, public_id=public_id)
    today = timezone.localdate()
    evaluation = patient_evaluation(patient, as_of=today)
    plan = ScreeningPlan.objects.filter(patient=patient).prefetch_related("items").first()
    items = [i for i in plan.items.all() if i.status in ("due", "overdue", "suggested")] \
        if plan else []
    return render(request, "screening/patient_sheet.html", {
        "patient": patient, "evaluation": evaluation, "items": items, "today": today,
        "antibodies": set(evaluation.antibodies_positive),
    })
