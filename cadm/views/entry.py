"""Visit and result entry: one page, several forms, saved together or not at all."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cadm.exceptions import DomainError
from cadm.forms.messages import rows_formset
from cadm.forms.visits import ResultsDateForm, SkinFindingsForm, VisitForm
from cadm.permissions import Perm, has_perm
from cadm.sections import ResultSection, all_sections, get_section
from cadm.selectors.patients import patient_get_for
from cadm.services.corrections import record_mark_entered_in_error
from cadm.services.visits import results_add, visit_record

from .access import requires


def _formset(section: ResultSection, request, patient, today):
    rows = section.initial_rows()
    # The labs grid offers 9 rows, the other sections a few blank ones; the rest is headroom.
    # A POST claiming 1,000 rows is refused after building 20 forms, not 1,000 (issue 9).
    factory = rows_formset(section.form_class, title=section.title,
                           max_rows=max(20, len(rows) + section.blank_rows),
                           extra=section.blank_rows)
    return factory(
        request.POST or None,
        initial=rows or None,
        prefix=section.key,
        form_kwargs={"patient": patient, "today": today},
    )


def _filled_rows(section_formsets) -> list:
    return [
        (section, form.record_fields())
        for section, formset in section_formsets
        for form in formset.forms
        if form.has_changed()
    ]


@requires(Perm.SKIN_RECORD)
def visit_new(request, public_id):
    patient = patient_get_for(user=request.user, public_id=public_id)
    today = timezone.localdate()
    full = has_perm(request.user, Perm.VISIT_RECORD)
    form_class = VisitForm if full else SkinFindingsForm
    form = form_class(request.POST or None, patient=patient, today=today,
                      initial={"visit_on": today})
    sections = [s for s in all_sections() if has_perm(request.user, s.permission)]
    formsets = [(s, _formset(s, request, patient, today)) for s in sections]
    if request.method == "POST":
        valid = form.is_valid()
        valid = all([fs.is_valid() for _, fs in formsets]) and valid
        if valid:
            data = {k: form.cleaned_data[k] for k in form.fields if k != "confirm_unusual"}
            visit_record(actor=request.user, patient=patient, visit_data=data,
                         rows=_filled_rows(formsets))
            messages.success(request, f"Visit of {data['visit_on']:%d %b %Y} saved.")
            return redirect("patient-detail", public_id=patient.public_id)
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    return render(request, "cadm/visit_form.html", {
        "patient": patient, "form": form, "formsets": formsets, "full": full,
    })


@requires(Perm.SKIN_RECORD)
def results_new(request, public_id, section_key):
    patient = patient_get_for(user=request.user, public_id=public_id)
    section = get_section(section_key)
    if not has_perm(request.user, section.permission):
        raise PermissionDenied
    today = timezone.localdate()
    date_form = ResultsDateForm(request.POST or None, patient=patient, today=today,
                                initial={"observed_on": today})
    formset = _formset(section, request, patient, today)
    if request.method == "POST":
        valid = date_form.is_valid()
        valid = formset.is_valid() and valid
        rows = _filled_rows([(section, formset)]) if valid else []
        if valid and not rows:
            messages.error(request, "Nothing was saved: every row is empty.")
        elif valid:
            results_add(actor=request.user, patient=patient,
                        observed_on=date_form.cleaned_data["observed_on"], rows=rows)
            messages.success(request, f"{section.title}: {len(rows)} saved.")
            return redirect("patient-detail", public_id=patient.public_id)
        else:
            messages.error(request, "Nothing was saved: correct the fields marked below.")
    return render(request, "cadm/results_form.html", {
        "patient": patient, "section": section, "date_form": date_form, "formset": formset,
    })


@require_POST
@requires(Perm.PATIENT_VIEW)
def record_entered_in_error(request, public_id, section_key, record_id):
    """Mark one result as entered in error (the section's write permission is checked by the
    service); the patient page shows it struck through, with the reason."""
    patient = patient_get_for(user=request.user, public_id=public_id)
    section = get_section(section_key)
    record = get_object_or_404(section.model, public_id=record_id, patient=patient)
    try:
        record_mark_entered_in_error(actor=request.user, patient=patient, section=section,
                                     record=record, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, f"Nothing was changed. {exc}")
    else:
        messages.success(request, f"{section.title}: marked as entered in error.")
    return redirect(reverse("patient-detail", args=[patient.public_id]) + "#timeline")
