"""Correcting a visit: edit its examination, or mark the whole visit entered in error."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cadm.exceptions import ConcurrentEdit, DomainError
from cadm.forms.corrections import ReasonForm
from cadm.forms.submissions import OnceForm
from cadm.forms.visits import SkinFindingsForm, VisitForm
from cadm.models import RecordStatus, Visit
from cadm.permissions import Perm, has_perm
from cadm.selectors.patients import patient_get_for
from cadm.services.audit_reads import audited
from cadm.services.visits import EDITABLE, visit_mark_entered_in_error, visit_results, visit_update

from .access import requires
from .patient_page import timeline_url


def _visit(request, public_id, visit_id):
    patient = patient_get_for(user=request.user, public_id=public_id)
    return patient, get_object_or_404(Visit, public_id=visit_id, patient=patient)


@audited
@requires(Perm.SKIN_RECORD)
def visit_edit(request, public_id, visit_id):
    """The examination of a visit, corrected; a dermatologist corrects skin-only visits."""
    patient, visit = _visit(request, public_id, visit_id)
    full = has_perm(request.user, Perm.VISIT_RECORD)
    if visit.status == RecordStatus.ENTERED_IN_ERROR or (
            not full and set(visit.assessed) - {"skin"}):
        raise PermissionDenied
    form_class = VisitForm if full else SkinFindingsForm
    form = form_class(request.POST or None, patient=patient, today=timezone.localdate(),
                      initial={name: getattr(visit, name) for name in EDITABLE})
    if visit_results(visit):
        form.fields["visit_on"].disabled = True
        form.fields["visit_on"].help_text = (
            "Results were recorded with this visit and keep its date: to move the visit, mark "
            "it entered in error and record it again.")
    once = OnceForm(request.POST or None, version=visit.row_version)
    if request.method == "POST" and form.is_valid():
        try:
            visit_update(actor=request.user, visit=visit, data=form.visit_data(),
                         expected_version=once.version())
        except ConcurrentEdit as exc:
            form.add_error(None, str(exc))
            once = once.refresh(exc.version)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Visit of {visit.visit_on:%d %b %Y} corrected.")
            return redirect(timeline_url(patient, {}))
    if request.method == "POST":
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    return render(request, "cadm/visit_form.html", {
        "patient": patient, "form": form, "formsets": [], "full": full, "once": once,
        "visit": visit,
    }, status=400 if request.method == "POST" else 200)


@audited
@require_POST
@requires(Perm.SKIN_RECORD)
def visit_entered_in_error(request, public_id, visit_id):
    """The whole visit was wrong: it and its results stop counting (the service checks who
    may do it); the timeline shows them struck through with the reason."""
    patient, visit = _visit(request, public_id, visit_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was changed. Reason: say why the visit is wrong "
                                "(up to 300 characters).")
        return redirect(timeline_url(patient, request.POST))
    try:
        visit_mark_entered_in_error(actor=request.user, visit=visit,
                                    reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, f"Nothing was changed. {exc}")
    else:
        messages.success(request, f"Visit of {visit.visit_on:%d %b %Y} marked as entered in "
                                  f"error, with the results recorded with it.")
    return redirect(timeline_url(patient, request.POST))
