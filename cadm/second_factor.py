"""The second factor: who needs one, a user's devices, and a login waiting for its code.

django-otp holds the devices: one TOTP device (an authenticator app) and one static device
whose tokens are the recovery codes, each deleted when used. Its throttling slows guessing:
after n wrong codes in a row a device refuses every code for 2^(n-1) seconds
(OTP_TOTP_THROTTLE_FACTOR, OTP_STATIC_THROTTLE_FACTOR).

A login with a second factor is not a Django login until the code is right: after the
password the session holds only a pending login (the user's id, for PENDING_SECONDS), which
opens nothing but the code page, or the enrolment page for a user whose role requires a
device they do not have yet. request.user stays anonymous meanwhile, so no page, API call or
token creation can be reached with the password alone.
"""

from __future__ import annotations

import time

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
# Time to open the authenticator app, or to install one and scan the code when enrolling.
PENDING_SECONDS = 10 * 60
PENDING = "cadm_otp_pending"
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def required_for(user) -> bool:
    """The user holds a role that OTP_REQUIRED_ROLES names. Role names are compared as the
    group names they are, so a role added later needs no change here."""
    roles = settings.OTP_REQUIRED_ROLES
    return bool(roles) and user.groups.filter(name__in=roles).exists()


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def enrolment_device(user) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first use: reloading the enrolment
    page keeps the secret the app may already have scanned."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def issue_recovery_codes(user) -> list[str]:
    """RECOVERY_CODE_COUNT new codes, replacing any the user had: the old ones stop working."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, defaults={"name": RECOVERY_NAME, "confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        device.token_set.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def confirm(device: TOTPDevice) -> None:
    """The app's first right code: the device counts from now on, and enrolling again does
    not leave a second secret behind."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user_id).exclude(pk=device.pk).delete()


def remove_devices(user) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


# A login waiting for its second factor, in the session.

def begin_pending(request, user, next_url: str) -> None:
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        # The password step is void if the password changes meanwhile.
        "hash": user.get_session_auth_hash(),
        "until": time.time() + PENDING_SECONDS,
        "next": next_url,
    }


def pending_user(request):
    """The user who gave their password in this session and has not finished logging in, or
    None (none, expired, deactivated, password changed since)."""
    if request.user.is_authenticated:
        return None
    pending = request.session.get(PENDING)
    if not pending:
        return None
    if time.time() > pending["until"]:
        del request.session[PENDING]
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None or not constant_time_compare(pending["hash"], user.get_session_auth_hash()):
        del request.session[PENDING]
        return None
    user.backend = pending["backend"]
    return user


def pending_next(request) -> str:
    return (request.session.get(PENDING) or {}).get("next") or settings.LOGIN_REDIRECT_URL


def finish_login(request, user, device) -> str:
    """The Django login, verified by `device`; returns where the login was going."""
    next_url = pending_next(request)
    request.session.pop(PENDING, None)
    auth.login(request, user, backend=user.backend)  # a new session key, as for any login
    django_otp.login(request, device)
    return next_url


@checks.register(checks.Tags.security)
def check_required_roles(app_configs, **kwargs):
    """A misspelt role in OTP_REQUIRED_ROLES would silently require nothing of anyone."""
    from cadm.permissions import Role

    known = {role.value for role in Role}
    return [checks.Error(f"OTP_REQUIRED_ROLES names {name!r}, which is not a role.",
                         hint=f"Roles: {', '.join(sorted(known))}.", id="cadm.E001")
            for name in settings.OTP_REQUIRED_ROLES if name not in known]
