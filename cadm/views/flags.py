"""The flag worklist and the flag page with its review actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cadm.exceptions import DomainError
from cadm.forms.base import add_input_errors
from cadm.forms.flags import AcknowledgeForm, CommentForm, DismissForm, SnoozeForm
from cadm.inputs import InputInvalid
from cadm.permissions import Perm, has_perm
from cadm.selectors.flags import WorklistFilter, flag_get_for, flag_list_for, severity_counts
from cadm.services.audit_reads import FLAG, audited, patients_shown
from cadm.services.flag_actions import ACTIONS, flag_action_run

from .access import requires
from .search_tokens import search_redirect, search_text
from .worklist_rows import worklist_rows

PAGE_SIZE = 50


@audited(names=None)
@requires(Perm.FLAG_REVIEW)
def worklist(request):
    """Filters, sort and page come from the query string; links keep the rest. The patient
    search is POSTed with the filters and comes back as a token (search_tokens): a name or
    MRN never reaches the URL."""
    if request.method == "POST":
        kept = {name: request.POST.getlist(name) for name in WorklistFilter.base_filters
                if name != "q" and any(request.POST.getlist(name))}
        return search_redirect(request, "worklist", request.POST.get("q", ""), kept)
    today = timezone.localdate()
    base = flag_list_for(user=request.user)
    text, notice = search_text(request, request.GET.get("q", ""))
    data = request.GET.copy()
    if "q" in data:
        data["q"] = text
    filtered = WorklistFilter(data, queryset=base, user=request.user, today=today)
    # Counts per severity under the other filters, so the numbers say what a click shows.
    counts = severity_counts(filtered.without("severity"))
    paginator = Paginator(filtered.rows(), PAGE_SIZE)
    # The list's length is one of those counts (or their sum): not counted a second time.
    severity = filtered.accepted("severity")
    paginator.count = counts.get(severity, 0) if severity else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    patients_shown(flag.patient for flag in page)
    rows = worklist_rows(page, query=request.GET, narrowed=filtered.narrowed_to is not None)
    return render(request, "cadm/worklist.html", {
        "filter": filtered, "page": page, "rows": rows, "counts": counts, "today": today,
        "narrowed_to": filtered.narrowed_to, "sort_headers": filtered.sort_headers(),
        "notice": notice,
    })


def _forms(data=None, *, flag=None, today=None):
    # Prefixes keep the ids of the four forms on one page apart (labels find their field).
    return {name: form_class(data, prefix=name, flag=flag, today=today) for name, form_class in (
        ("acknowledge", AcknowledgeForm), ("dismiss", DismissForm), ("snooze", SnoozeForm),
        ("comment", CommentForm))}


@audited(names=FLAG)
@requires(Perm.FLAG_REVIEW)
def flag_detail(request, public_id, forms=None, status=200):
    flag = flag_get_for(user=request.user, public_id=public_id)
    return render(request, "cadm/flag_detail.html", {
        "flag": flag, "patient": flag.patient,
        "actions": flag.actions.select_related("actor", "ruleset"),
        "forms": forms or _forms(),
        "can_decide": flag.code == "RECLASSIFY" and has_perm(request.user, Perm.SUBTYPE_DECIDE),
    }, status=status)


FORM_OF = {"accept": "acknowledge", "reject": "dismiss"}
DONE = {"acknowledge": "Flag acknowledged.", "dismiss": "Flag dismissed.",
        "snooze": "Flag snoozed.", "comment": "Comment added.",
        "accept": "Reclassification accepted: the recorded subtype was changed.",
        "reject": "Reclassification rejected."}


@audited(names=FLAG)
@require_POST
@requires(Perm.FLAG_REVIEW)
def flag_act(request, public_id, action):
    """One POST per action; the form parses the typed input, the service decides and
    records."""
    flag = flag_get_for(user=request.user, public_id=public_id)
    if action not in ACTIONS:
        return redirect("flag-detail", public_id=flag.public_id)
    today = timezone.localdate()
    name = FORM_OF.get(action, action)
    form = _forms(request.POST, flag=flag, today=today)[name]
    shown = _forms(flag=flag, today=today)
    shown[name] = form
    if not form.is_valid():
        messages.error(request, "Nothing was changed: correct the fields marked below.")
        return flag_detail(request, public_id, forms=shown, status=400)
    try:
        flag_action_run(action, actor=request.user, flag=flag, data=form.input)
    except InputInvalid as exc:  # the service's own check (the active rule set's limit)
        add_input_errors(form, exc)
        messages.error(request, "Nothing was changed: correct the fields marked below.")
        return flag_detail(request, public_id, forms=shown, status=400)
    except (DomainError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return flag_detail(request, public_id, forms=shown, status=400)
    messages.success(request, DONE[action])
    if action == "comment":
        return redirect("flag-detail", public_id=flag.public_id)
    if action in ("accept", "reject"):
        return redirect("patient-detail", public_id=flag.patient.public_id)
    return redirect("worklist")
