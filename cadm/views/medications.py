"""Current medications on the patient page: stop a course, or change its dose, in one step."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cadm.exceptions import AlreadySubmitted, DomainError
from cadm.forms.medications import DoseChangeForm, StopForm
from cadm.forms.submissions import OnceForm
from cadm.models import Medication
from cadm.permissions import Perm
from cadm.selectors.patients import patient_get_for
from cadm.services.audit_reads import audited
from cadm.services.medications import medication_change_dose, medication_stop

from .access import requires

FORMS = {"stop": StopForm, "dose": DoseChangeForm}


def _run(request, action: str, course: Medication, data, today, token) -> str:
    if action == "stop":
        medication_stop(actor=request.user, medication=course, data=data, today=today,
                        token=token)
        return f"{course.get_drug_display()} stopped: last day {data.end_on:%d %b %Y}."
    new = medication_change_dose(actor=request.user, medication=course, data=data,
                                 today=today, token=token)
    return (f"{course.get_drug_display()}: {new.dose_mg_per_day.normalize():f} mg/day from "
            f"{new.observed_on:%d %b %Y}.")


@audited
@require_POST
@requires(Perm.RESULT_RECORD)
def medication_act(request, public_id, record_id, action):
    patient = patient_get_for(user=request.user, public_id=public_id)
    course = get_object_or_404(Medication, public_id=record_id, patient=patient)
    back = reverse("patient-detail", args=[patient.public_id]) + "#medications"
    today = timezone.localdate()
    form = FORMS[action](request.POST, prefix=action, course=course, today=today)
    once = OnceForm(request.POST)
    if not form.is_valid():
        # Each message names its field, the value and what is accepted (ErrorMessagesMixin).
        problems = " ".join(message for errors in form.errors.values() for message in errors)
        messages.error(request, f"Nothing was changed. {problems}")
        return redirect(back)
    try:
        messages.success(request, _run(request, action, course, form.input, today,
                                       once.token()))
    except AlreadySubmitted as exc:
        messages.info(request, str(exc))
    except DomainError as exc:
        messages.error(request, f"Nothing was changed. {exc}")
    return redirect(back)
