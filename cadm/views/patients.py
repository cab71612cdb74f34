from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.utils import timezone

from cadm.exceptions import AlreadySubmitted, ConcurrentEdit
from cadm.forms.errors import add_service_errors
from cadm.forms.patients import PatientForm, PatientSearchForm
from cadm.forms.submissions import OnceForm
from cadm.panels import patient_panels
from cadm.permissions import Perm, has_perm
from cadm.rules.dates import age_years
from cadm.sections import all_sections
from cadm.selectors.facts import patient_facts
from cadm.selectors.flags import patient_live_flags
from cadm.selectors.medications import medications_current
from cadm.selectors.patients import patient_get_for, patient_list_for
from cadm.selectors.records import patient_records
from cadm.selectors.rulesets import ruleset_active
from cadm.selectors.sites import site_list_for
from cadm.selectors.timeline import patient_timeline, record_days
from cadm.services.audit_reads import audited, patients_shown
from cadm.services.evaluation import patient_evaluation
from cadm.services.patients import patient_create, patient_update

from .access import requires
from .patient_page import medication_rows, timeline_days
from .search_tokens import search_redirect, search_text

PAGE_SIZE = 50
# Days of the patient page's timeline at a time, newest first: a year or two of follow-up.
# The rules read the whole history whatever the page; only the list shown is cut.
TIMELINE_DAYS = 10


@audited(names=None)
@requires(Perm.PATIENT_VIEW)
def patient_list(request):
    """The search is POSTed and its text kept in the session: the URL carries a token only
    (search_tokens). Each page shown is a read of the patients on it."""
    if request.method == "POST":
        return search_redirect(request, "patient-list", request.POST.get("q", ""))
    text, notice = search_text(request, request.GET.get("q", ""))
    search = PatientSearchForm({"q": text})
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(patient_list_for(user=request.user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    patients_shown(page)
    return render(request, "cadm/patient_list.html", {"search": search, "page": page,
                                                      "query": query, "notice": notice})


def _status(request, form) -> int:
    return 400 if request.method == "POST" and form.errors else 200


@requires(Perm.PATIENT_WRITE)
def patient_new(request):
    form = PatientForm(request.POST or None, sites=list(site_list_for(user=request.user)),
                       today=timezone.localdate())
    once = OnceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_create(actor=request.user, data=form.patient_data(),
                                     dates_confirmed=form.cleaned_data["confirm_dates"],
                                     token=once.token())
        except AlreadySubmitted as exc:
            messages.info(request, str(exc))
            return redirect("patient-list")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Patient {patient} registered.")
            return redirect("patient-detail", public_id=patient.public_id)
    return render(request, "cadm/patient_form.html", {"form": form, "patient": None,
                                                      "once": once},
                  status=_status(request, form))


@audited
@requires(Perm.PATIENT_WRITE)
def patient_edit(request, public_id):
    patient = patient_get_for(user=request.user, public_id=public_id)
    form = PatientForm(request.POST or None, instance=patient,
                       sites=list(site_list_for(user=request.user)), today=timezone.localdate())
    once = OnceForm(request.POST or None, version=patient.row_version)
    if request.method == "POST" and form.is_valid():
        try:
            patient_update(actor=request.user, patient=patient, data=form.patient_data(),
                           expected_version=once.version(),
                           dates_confirmed=form.cleaned_data["confirm_dates"])
        except ConcurrentEdit as exc:
            form.add_error(None, str(exc))
            once = once.refresh(exc.version)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Patient details saved.")
            return redirect("patient-detail", public_id=patient.public_id)
    return render(request, "cadm/patient_form.html", {"form": form, "patient": patient,
                                                      "once": once},
                  status=_status(request, form))


@audited
@requires(Perm.PATIENT_VIEW)
def patient_detail(request, public_id):
    patient = patient_get_for(user=request.user, public_id=public_id)
    sections = [s for s in all_sections() if has_perm(request.user, s.permission)]
    today = timezone.localdate()
    records = patient_records(patient)
    ruleset = ruleset_active()
    # Read once: the evaluation and the classification-history panel run on the same facts.
    facts = patient_facts(patient, records)
    evaluation = patient_evaluation(patient, as_of=today, ruleset=ruleset, facts=facts)
    panels = [(panel, panel.context(patient=patient, evaluation=evaluation, user=request.user,
                                    records=records, ruleset=ruleset, facts=facts))
              for panel in patient_panels() if has_perm(request.user, panel.permission)]
    days = Paginator(record_days(records), TIMELINE_DAYS).get_page(request.GET.get("timeline"))
    entries = patient_timeline(patient=patient, records=records, days=set(days))
    return render(request, "cadm/patient_detail.html", {
        "patient": patient,
        "flags": patient_live_flags(patient),
        "evaluation": evaluation,
        "panels": panels,
        "can_review": has_perm(request.user, Perm.FLAG_REVIEW),
        "timeline_days": timeline_days(entries, user=request.user, patient=patient,
                                       correctable={s.key for s in sections},
                                       csrf_input=csrf_input(request), page=days.number),
        "timeline_page": days,
        "sections": sections,
        "age": age_years(patient.birth_date, today),
        **medication_rows(medications_current(records, today=today), user=request.user,
                          today=today),
    })
