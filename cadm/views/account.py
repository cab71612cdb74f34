"""The logged-in user's own account: this session's limits, password change, the second
factor (cadm/views/otp.py), and logging out everywhere (cadm/logout_everywhere.py)."""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cadm import second_factor
from cadm.api.models import ApiToken
from cadm.forms.otp import CodeForm
from cadm.logout_everywhere import logout_everywhere
from cadm.middleware_sessions import STARTED
from cadm.services.audit import audit_record


@never_cache
@login_required
def account(request):
    started = request.session.get(STARTED)
    return render(request, "cadm/account.html", {
        "started": datetime.fromtimestamp(started, tz=UTC) if started else None,
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "lifetime_hours": settings.SESSION_ABSOLUTE_LIFETIME_HOURS,
        "token_count": ApiToken.objects.filter(user=request.user).count(),
        "otp": {
            "authenticator": second_factor.authenticator(request.user),
            "recovery_left": second_factor.recovery_codes_left(request.user),
            "required": second_factor.required_for(request.user),
            "remove_form": CodeForm(request.user, auto_id="remove_%s", autofocus=False),
        },
    })


@login_required
@require_POST
def account_logout_everywhere(request):
    sessions, tokens = logout_everywhere(actor=request.user)
    logout(request)
    messages.success(request, f"Logged out everywhere: {sessions} session(s) ended and "
                              f"{tokens} API token(s) revoked.")
    return redirect("login")


class PasswordChange(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Django's view: the password validators (AUTH_PASSWORD_VALIDATORS) apply, this session
    stays logged in and every other session of the user ends (its stored hash no longer
    matches)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account")
    success_message = "Password changed. Your other sessions have ended."

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(actor=self.request.user, action="account.password_change",
                         target=self.request.user)
        return response
