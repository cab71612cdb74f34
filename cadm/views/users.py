"""A site admin's account pages (no Django admin needed): the accounts of their sites, a new
account, its role, sites and active state, a new set-password link; and the page where a
person sets their password from that link. Every change goes through cadm.services.users,
which checks the actor's right and sites again and writes the audit row."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cadm.exceptions import DomainError
from cadm.forms.base import add_input_errors
from cadm.forms.users import RoleForm, SitesForm, UserCreateForm
from cadm.inputs import InputInvalid
from cadm.inputs.users import ROLE_LABELS
from cadm.models import AuditEvent
from cadm.permissions import Perm, Role, site_ids_of
from cadm.selectors.audit_trail import detail_shown
from cadm.selectors.users import user_get_for, user_list_for
from cadm.services import users as service

from .access import requires

HISTORY_ROWS = 30


def _roles(user) -> list[str]:
    names = {g.name for g in user.groups.all()}
    return [label for role, label in ROLE_LABELS.items() if role.value in names]


@never_cache
@requires(Perm.USERS_MANAGE)
def user_list(request):
    users = [(u, _roles(u), service.management_refusal(request.user, u))
             for u in user_list_for(actor=request.user)]
    return render(request, "cadm/users/list.html", {"rows": users})


def _link_page(request, user, path, *, created: bool):
    """The one time the link is shown: in this response, never in a URL, a message or the
    session."""
    return render(request, "cadm/users/link.html", {
        "account": user, "link": request.build_absolute_uri(path), "created": created,
        "lasts": _lasts(settings.PASSWORD_RESET_TIMEOUT)})


def _lasts(seconds: int) -> str:
    return f"{seconds // 86400} days" if seconds >= 2 * 86400 else f"{seconds // 3600} hours"


@never_cache
@requires(Perm.USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_new(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user, path = service.user_create(actor=request.user, data=form.input)
        except InputInvalid as exc:
            add_input_errors(form, exc)
        else:
            return _link_page(request, user, path, created=True)
    status = 400 if request.method == "POST" else 200
    return render(request, "cadm/users/new.html", {"form": form}, status=status)


def _detail(request, user, *, forms=None, status=200):
    history = (AuditEvent.objects.filter(target_type="cadm.user", target_id=str(user.pk))
               .select_related("actor").order_by("-at", "-id")[:HISTORY_ROWS])
    held = site_ids_of(request.user)
    forms = forms or {}
    return render(request, "cadm/users/detail.html", {
        "account": user, "roles": _roles(user),
        "refusal": service.management_refusal(request.user, user),
        "role_form": forms.get("role") or RoleForm(actor=request.user, initial={
            "role": next((g.name for g in user.groups.all() if g.name in set(Role)), "")}),
        "sites_form": forms.get("sites") or SitesForm(actor=request.user, initial={
            "sites": [s.pk for s in user.sites.all() if s.pk in held]}),
        "other_sites": [s for s in user.sites.all() if s.pk not in held],
        "history": [(row, detail_shown(row.detail)) for row in history],
    }, status=status)


@never_cache
@requires(Perm.USERS_MANAGE)
def user_detail(request, pk):
    return _detail(request, user_get_for(actor=request.user, pk=pk))


CHANGES = {
    "role": (RoleForm, service.user_role_change, "Role changed.", "The role was already that."),
    "sites": (SitesForm, service.user_sites_change, "Sites changed.",
              "The sites were already those."),
}


@require_POST
@requires(Perm.USERS_MANAGE)
def user_change(request, pk, what):
    user = user_get_for(actor=request.user, pk=pk)
    form_class, change, done, same = CHANGES[what]
    form = form_class(request.POST, actor=request.user)
    if form.is_valid():
        try:
            changed = change(actor=request.user, user=user, data=form.input)
        except InputInvalid as exc:
            add_input_errors(form, exc)
        else:
            messages.success(request, done if changed else same)
            return redirect("user-detail", pk=user.pk)
    messages.error(request, "Nothing was changed: correct the field marked below.")
    return _detail(request, user, forms={what: form}, status=400)


ACTIVE = {
    "deactivate": (service.user_deactivate, "Account deactivated: it can no longer log in, "
                                            "and its sessions and API tokens stopped working."),
    "reactivate": (service.user_reactivate, "Account reactivated."),
}


@require_POST
@requires(Perm.USERS_MANAGE)
def user_active(request, pk, action):
    user = user_get_for(actor=request.user, pk=pk)
    act, done = ACTIVE[action]
    act(actor=request.user, user=user)
    messages.success(request, done)
    return redirect("user-detail", pk=user.pk)


@never_cache
@require_POST
@requires(Perm.USERS_MANAGE)
def user_password_link(request, pk):
    user = user_get_for(actor=request.user, pk=pk)
    try:
        path = service.user_password_link(actor=request.user, user=user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("user-detail", pk=user.pk)
    return _link_page(request, user, path, created=False)


class UserSetPassword(PasswordResetConfirmView):
    """Django's one-time link check (the token leaves the URL for the session before the form
    shows), with the write through the service so that it is audited. A deactivated
    account's link is dead."""

    template_name = "cadm/users/set_password.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        try:
            service.user_password_set(user=form.user,
                                      password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            form.add_error("new_password2", exc)
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Password set: log in with it.")
        return HttpResponseRedirect(self.get_success_url())


user_set_password = never_cache(UserSetPassword.as_view())
