"""Visit and result entry: one page, several forms, saved together or not at all."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cadm.exceptions import AlreadySubmitted, DomainError, RowInvalid
from cadm.forms.messages import rows_formset
from cadm.forms.submissions import OnceForm
from cadm.forms.visits import ResultsDateForm, SkinFindingsForm, VisitForm
from cadm.permissions import Perm, has_perm
from cadm.sections import ResultSection, all_sections, get_section
from cadm.selectors.patients import patient_get_for
from cadm.services.audit_reads import audited
from cadm.services.corrections import record_mark_entered_in_error
from cadm.services.visits import results_add, visit_record

from .access import requires
from .patient_page import timeline_url


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


def _filled(section_formsets) -> list:
    """(section, form) of every row the clinician filled; untouched rows are ignored."""
    return [(section, form) for section, formset in section_formsets
            for form in formset.forms if form.has_changed()]


def _save(request, save, filled, form) -> bool:
    """Call the service; show what it refused on the row or form it belongs to. True when
    saved (or already saved by an identical earlier submission)."""
    try:
        save([(section, f.service_row()) for section, f in filled])
    except AlreadySubmitted as exc:
        messages.info(request, str(exc))
        return True
    except RowInvalid as exc:
        row = filled[exc.index][1]
        for field, errors in exc.error.message_dict.items():
            row.add_error(field if field in row.fields else None, errors)
    except DomainError as exc:
        form.add_error(None, str(exc))
    else:
        return True
    messages.error(request, "Nothing was saved: correct the fields marked below.")
    return False


@audited
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
    once = OnceForm(request.POST or None)
    if request.method == "POST":
        valid = form.is_valid()
        valid = all([fs.is_valid() for _, fs in formsets]) and valid
        if not valid:
            messages.error(request, "Nothing was saved: correct the fields marked below.")
        else:
            data = form.visit_data()  # the typed input (cadm.inputs.VisitInput)

            def save(rows):
                visit_record(actor=request.user, patient=patient, visit_data=data, rows=rows,
                             token=once.token())
                messages.success(request, f"Visit of {data.visit_on:%d %b %Y} saved.")

            if _save(request, save, _filled(formsets), form):
                return redirect("patient-detail", public_id=patient.public_id)
    return render(request, "cadm/visit_form.html", {
        "patient": patient, "form": form, "formsets": formsets, "full": full, "once": once,
    }, status=400 if request.method == "POST" else 200)


@audited
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
    once = OnceForm(request.POST or None)
    if request.method == "POST":
        valid = date_form.is_valid()
        valid = formset.is_valid() and valid
        filled = _filled([(section, formset)]) if valid else []
        if valid and not filled:
            messages.error(request, "Nothing was saved: every row is empty.")
        elif valid:
            def save(rows):
                results_add(actor=request.user, patient=patient, rows=rows,
                            observed_on=date_form.cleaned_data["observed_on"],
                            token=once.token())
                messages.success(request, f"{section.title}: {len(rows)} saved.")

            if _save(request, save, filled, date_form):
                return redirect("patient-detail", public_id=patient.public_id)
        else:
            messages.error(request, "Nothing was saved: correct the fields marked below.")
    return render(request, "cadm/results_form.html", {
        "patient": patient, "section": section, "date_form": date_form, "formset": formset,
        "once": once,
    }, status=400 if request.method == "POST" else 200)


@audited
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
    return redirect(timeline_url(patient, request.POST))
