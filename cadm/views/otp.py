"""Second factor pages (cadm/second_factor.py): the login and its code step, enrolment of an
authenticator app, recovery codes, and turning the second factor off.

Recovery codes are shown once, on the page that answers their creation (never stored in the
session or sent again); the database keeps them until each is used, as django-otp does.
"""

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from cadm import second_factor
from cadm.forms.otp import CodeForm
from cadm.services.audit import audit_record


class LoginView(auth_views.LoginView):
    """Django's login page. A user with a second factor, or whose role requires one, leaves
    it with a pending login (no session yet) for the code page or the enrolment page."""

    def form_valid(self, form):
        user = form.get_user()
        has_device = user_has_device(user)
        if not has_device and not second_factor.required_for(user):
            return super().form_valid(form)
        second_factor.begin_pending(self.request, user, self.get_success_url())
        return redirect("login-code" if has_device else "otp-enrol")


def _start_over(request):
    messages.info(request, "Log in again: the login was not finished in time.")
    return redirect("login")


@sensitive_post_parameters("otp_token")
@csrf_protect
@require_http_methods(["GET", "POST"])
def login_code(request):
    user = second_factor.pending_user(request)
    if user is None:
        return _start_over(request)
    if not user_has_device(user):  # removed in the admin meanwhile
        return redirect("otp-enrol") if second_factor.required_for(user) else _start_over(request)
    form = CodeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        recovery = isinstance(form.device, StaticDevice)
        with transaction.atomic():
            next_url = second_factor.finish_login(request, user, form.device)
            if recovery:
                left = second_factor.recovery_codes_left(user)
                # A recovery code in use may mean a lost phone: the audit trail says when.
                audit_record(actor=user, action="account.otp_recovery_code_used", target=user,
                             detail={"left": left})
        if recovery:
            messages.warning(request, f"You logged in with a recovery code; {left} left. If "
                                      "your phone is lost, set up the app again from your "
                                      "account page, which also gives new recovery codes.")
        return redirect(next_url)
    return render(request, "registration/otp_code.html", {
        "form": form, "username": user.get_username()})


@sensitive_post_parameters("otp_token")
@csrf_protect
@require_http_methods(["GET", "POST"])
def otp_enrol(request):
    """From the account page (logged in), or after the password for a user whose role
    requires a second factor and who has none (a pending login)."""
    pending = not request.user.is_authenticated
    if pending:
        user = second_factor.pending_user(request)
        if user is None:
            return redirect_to_login(request.get_full_path())
        if user_has_device(user):
            return redirect("login-code")
    else:
        user = request.user
    if second_factor.authenticator(user) is not None:
        messages.info(request, "Your authenticator app is already set up.")
        return redirect("account")
    device = second_factor.enrolment_device(user)
    form = CodeForm(user, request.POST or None, enrolling=device)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            second_factor.confirm(device)
            codes = second_factor.issue_recovery_codes(user)
            audit_record(actor=user, action="account.otp_enrol", target=user)
            if pending:
                next_url = second_factor.finish_login(request, user, device)
            else:
                otp_login(request, device)  # the code just given verifies this session
                next_url = reverse("account")
        return _show_codes(request, codes, next_url, enrolled=True)
    secret = b32encode(device.bin_key).decode()
    return render(request, "cadm/otp_enrol.html", {
        "form": form, "pending": pending, "required": second_factor.required_for(user),
        # segno writes the SVG (no style attributes, nothing from the user but the username,
        # which it escapes in the otpauth URL's encoding).
        "qr": mark_safe(segno.make(device.config_url, error="m").svg_inline(
            scale=4, border=2, title="QR code of the secret for your authenticator app")),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })


def _show_codes(request, codes, next_url, enrolled=False):
    return render(request, "cadm/otp_recovery_codes.html", {
        "codes": codes, "next": next_url, "enrolled": enrolled})


def _unverified(request) -> bool:
    """A session opened before the user enrolled (elsewhere) was never asked for a code: it
    may not change the second factor."""
    if request.user.is_verified():
        return False
    messages.error(request, "Log out and log in again with your code to change your second "
                            "factor.")
    return True


@login_required
@require_POST
def otp_recovery_codes(request):
    user = request.user
    if not user_has_device(user) or _unverified(request):
        return redirect("account")
    with transaction.atomic():
        codes = second_factor.issue_recovery_codes(user)
        audit_record(actor=user, action="account.otp_recovery_codes", target=user)
    return _show_codes(request, codes, reverse("account"))


@sensitive_post_parameters("otp_token")
@login_required
@require_POST
def otp_remove(request):
    """Turning the second factor off takes a current code: a workstation left logged in is
    not enough. Refused to the roles that require it."""
    user = request.user
    if second_factor.required_for(user):
        messages.error(request, "Your role requires a second factor: it cannot be turned off. "
                                "To move to a new phone, ask an administrator to remove the "
                                "old one, then set up the app again at your next login.")
        return redirect("account")
    if not user_has_device(user) or _unverified(request):
        return redirect("account")
    form = CodeForm(user, request.POST)
    if not form.is_valid():
        for error in form.errors.get("otp_token", []) + form.non_field_errors():
            messages.error(request, error)
        return redirect("account")
    with transaction.atomic():
        second_factor.remove_devices(user)
        audit_record(actor=user, action="account.otp_remove", target=user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    messages.success(request, "Two-factor authentication is off: your password alone logs "
                              "you in, and your recovery codes no longer work.")
    return redirect("account")
