"""Second factor (django-otp): enrolment from the account page, the code after the password,
recovery codes each usable once, throttled guessing, roles that must enrol (OTP_REQUIRED_ROLES)
and the admin site that asks them too; API tokens are not affected."""

import re
import time
from base64 import b32encode
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from cadm import second_factor
from cadm.models import AuditEvent
from cadm.services.api_tokens import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the user's authenticator app shows (now, or `steps_ahead` 30-second steps on:
    a code is accepted once, and the next step's is still within the device's tolerance)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = second_factor.enrolment_device(user)
    second_factor.confirm(device)
    return device, second_factor.issue_recovery_codes(user)


def password_step(client, username, next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def unthrottle(model, user) -> None:
    """As if the wait after a failure were over."""
    model.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1))


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def verified(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED_ROLES = ["rules_admin", "privacy_officer"]


# Enrolment


def test_enrol_from_the_account_page(rheumatologist):
    client = Client()
    client.force_login(rheumatologist)
    account = client.get(reverse("account")).content.decode()
    assert "Off: your password alone logs you in." in account
    assert f'href="{reverse("otp-enrol")}"' in account

    page = client.get(reverse("otp-enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg width="' in html and 'class="segno"' in html  # the QR code, inline SVG
    device = TOTPDevice.objects.get(user=rheumatologist)
    assert not device.confirmed
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert secret.replace(" ", "") == b32encode(device.bin_key).decode()
    # Reloading keeps the secret the app may already have scanned.
    assert secret in client.get(reverse("otp-enrol")).content.decode()
    assert TOTPDevice.objects.filter(user=rheumatologist).count() == 1

    done = client.post(reverse("otp-enrol"), {"otp_token": app_code(device)})

    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=rheumatologist)
                  .values_list("token", flat=True)) == sorted(codes)
    for code in codes:
        assert code in done.content.decode()
    assert verified(client)  # the code just given verifies this session
    assert AuditEvent.objects.filter(action="account.otp_enrol", actor=rheumatologist).count() == 1
    assert "On since" in client.get(reverse("account")).content.decode()
    assert "10 recovery codes left" in client.get(reverse("account")).content.decode()


def test_a_wrong_code_does_not_confirm_the_device(rheumatologist):
    client = Client()
    client.force_login(rheumatologist)
    client.get(reverse("otp-enrol"))
    device = TOTPDevice.objects.get(user=rheumatologist)
    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"

    page = client.post(reverse("otp-enrol"), {"otp_token": wrong})

    assert page.status_code == 200 and "That code is not right" in page.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not StaticToken.objects.exists()
    assert not verified(client)


def test_the_qr_code_carries_the_issuer_and_the_secret(rheumatologist):
    device = second_factor.enrolment_device(rheumatologist)
    assert device.config_url.startswith("otpauth://totp/CADM%20decision%20support%3Arheum?")
    assert "issuer=CADM%20decision%20support" in device.config_url


# Logging in


def test_without_a_device_the_password_logs_in_as_before(rheumatologist):
    client = Client()
    response = password_step(client, "rheum")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert logged_in(client)


def test_with_a_device_the_password_alone_opens_nothing(rheumatologist):
    device, _ = enrolled(rheumatologist)
    client = Client()

    response = password_step(client, "rheum", next_url=reverse("patient-list"))

    assert response.status_code == 302 and response["Location"] == reverse("login-code")
    assert not logged_in(client)
    page = client.get(reverse("patient-list"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert client.get(reverse("account")).status_code == 302
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert client.post("/api/v1/tokens/", {"name": "x"},
                       content_type="application/json").status_code in (401, 403)

    code_page = client.get(reverse("login-code"))
    assert code_page.status_code == 200 and "Password accepted for" in code_page.content.decode()
    done = client.post(reverse("login-code"), {"otp_token": app_code(device)})

    assert done.status_code == 302 and done["Location"] == reverse("patient-list")
    assert logged_in(client) and verified(client)
    assert client.get(reverse("patient-list")).status_code == 200


def test_an_app_code_is_accepted_with_spaces_and_only_once(rheumatologist):
    device, _ = enrolled(rheumatologist)
    code = app_code(device)
    first = Client()
    password_step(first, "rheum")
    assert first.post(reverse("login-code"),
                      {"otp_token": f"{code[:3]} {code[3:]}"}).status_code == 302

    second = Client()
    password_step(second, "rheum")
    again = second.post(reverse("login-code"), {"otp_token": code})
    assert again.status_code == 200 and not logged_in(second)  # a replayed code


def test_a_wrong_code_is_refused_and_guessing_is_throttled(rheumatologist):
    device, _ = enrolled(rheumatologist)
    client = Client()
    password_step(client, "rheum")
    right = app_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    refused = client.post(reverse("login-code"), {"otp_token": wrong})
    assert refused.status_code == 200 and not logged_in(client)
    assert "That code is not right" in refused.content.decode()

    # Right after a failure even the right code waits (django-otp's throttling, on).
    throttled = client.post(reverse("login-code"), {"otp_token": right})
    assert not logged_in(client)
    assert "Verification temporarily disabled because of 1 failed attempt" in (
        throttled.content.decode())
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the throttled attempt is not counted

    # n failures in a row: 2^(n-1) seconds to wait.
    for n in (2, 3):
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - timedelta(seconds=2 ** (n - 1)))
        client.post(reverse("login-code"), {"otp_token": wrong})
        device.refresh_from_db()
        assert device.throttling_failure_count == n
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=3))
    assert "temporarily disabled" in client.post(
        reverse("login-code"), {"otp_token": right}).content.decode()  # 4 s are due

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))
    assert client.post(reverse("login-code"), {"otp_token": right}).status_code == 302
    assert logged_in(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_recovery_code_works_once(rheumatologist):
    _, codes = enrolled(rheumatologist)
    client = Client()
    password_step(client, "rheum")

    done = client.post(reverse("login-code"), {"otp_token": codes[3].upper()}, follow=True)

    assert logged_in(client) and verified(client)
    assert "You logged in with a recovery code; 9 left." in done.content.decode()
    [event] = AuditEvent.objects.filter(action="account.otp_recovery_code_used")
    assert event.actor == rheumatologist and event.detail == {"left": 9}

    again = Client()
    password_step(again, "rheum")
    refused = again.post(reverse("login-code"), {"otp_token": codes[3]})
    assert refused.status_code == 200 and not logged_in(again)
    assert second_factor.recovery_codes_left(rheumatologist) == 9


def test_new_recovery_codes_end_the_old_ones(rheumatologist):
    device, old = enrolled(rheumatologist)
    client = Client()
    password_step(client, "rheum")
    client.post(reverse("login-code"), {"otp_token": app_code(device)})

    page = client.post(reverse("otp-recovery-codes"))

    new = page.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEvent.objects.filter(action="account.otp_recovery_codes").count() == 1
    other = Client()
    password_step(other, "rheum")
    assert other.post(reverse("login-code"), {"otp_token": old[0]}).status_code == 200
    unthrottle(StaticDevice, rheumatologist)
    assert other.post(reverse("login-code"), {"otp_token": new[0]}).status_code == 302


def test_a_session_from_before_the_enrolment_cannot_change_the_second_factor(rheumatologist):
    older = Client()
    older.force_login(rheumatologist)  # logged in with the password, before enrolling
    _, codes = enrolled(rheumatologist)

    page = older.post(reverse("otp-recovery-codes"), follow=True)
    older.post(reverse("otp-remove"), {"otp_token": codes[0]})

    assert "log in again with your code" in page.content.decode()
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    assert TOTPDevice.objects.filter(user=rheumatologist, confirmed=True).exists()


def test_turning_it_off_takes_a_current_code(rheumatologist):
    device, codes = enrolled(rheumatologist)
    client = Client()
    password_step(client, "rheum")
    client.post(reverse("login-code"), {"otp_token": app_code(device)})

    refused = client.post(reverse("otp-remove"), {"otp_token": "00000000"}, follow=True)
    assert "That code is not right" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=rheumatologist).exists()

    unthrottle(StaticDevice, rheumatologist)
    page = client.post(reverse("otp-remove"), {"otp_token": codes[0]}, follow=True)

    assert "Two-factor authentication is off" in page.content.decode()
    assert not TOTPDevice.objects.filter(user=rheumatologist).exists()
    assert second_factor.recovery_codes_left(rheumatologist) == 0
    assert AuditEvent.objects.filter(action="account.otp_remove").count() == 1
    fresh = Client()
    assert password_step(fresh, "rheum")["Location"] == reverse("home") and logged_in(fresh)


def test_a_pending_login_expires(rheumatologist, monkeypatch):
    device, _ = enrolled(rheumatologist)
    client = Client()
    password_step(client, "rheum")
    later = time.time() + second_factor.PENDING_SECONDS + 1
    monkeypatch.setattr(second_factor.time, "time", lambda: later)

    response = client.post(reverse("login-code"), {"otp_token": app_code(device)})

    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not logged_in(client)


def test_a_password_change_voids_the_pending_login(rheumatologist):
    device, _ = enrolled(rheumatologist)
    client = Client()
    password_step(client, "rheum")
    rheumatologist.set_password("another-long-password-1")
    rheumatologist.save()

    response = client.post(reverse("login-code"), {"otp_token": app_code(device)})

    assert response["Location"] == reverse("login") and not logged_in(client)


def test_the_login_with_a_code_works_with_login_throttling_on(rheumatologist, settings):
    settings.AXES_ENABLED = True
    device, _ = enrolled(rheumatologist)
    client = Client()
    assert password_step(client, "rheum")["Location"] == reverse("login-code")
    assert client.post(reverse("login-code"), {"otp_token": app_code(device)}).status_code == 302
    assert logged_in(client)


# Roles that must enrol


def test_a_required_role_without_a_device_can_only_enrol(rules_admin, required):
    client = Client()

    response = password_step(client, "ruleadmin", next_url=reverse("ruleset-list"))

    assert response["Location"] == reverse("otp-enrol")
    assert not logged_in(client)
    for url in (reverse("ruleset-list"), reverse("account"), reverse("home"),
                reverse("account-tokens")):
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(reverse("login")), url
    assert client.get("/api/v1/rulesets/").status_code in (401, 403)
    assert client.get(reverse("login-code"))["Location"] == reverse("otp-enrol")

    page = client.get(reverse("otp-enrol"))
    assert page.status_code == 200
    assert "Your role requires a second factor" in page.content.decode()
    device = TOTPDevice.objects.get(user=rules_admin)
    done = client.post(reverse("otp-enrol"), {"otp_token": app_code(device)})

    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert done.context["next"] == reverse("ruleset-list")
    assert logged_in(client) and verified(client)
    assert client.get(reverse("ruleset-list")).status_code == 200
    # From then on, the code after the password.
    later = Client()
    assert password_step(later, "ruleadmin")["Location"] == reverse("login-code")


def test_roles_are_matched_by_name(settings, site):
    settings.OTP_REQUIRED_ROLES = ["privacy_officer"]
    Group.objects.get_or_create(name="privacy_officer")
    officer = UserFactory(username="officer", role="privacy_officer", sites=[site])
    clinician = UserFactory(username="clinician", role="rheumatologist", sites=[site])

    assert second_factor.required_for(officer) and not second_factor.required_for(clinician)
    assert password_step(Client(), "officer")["Location"] == reverse("otp-enrol")
    assert password_step(Client(), "clinician")["Location"] == reverse("home")


def test_no_role_requires_it_by_default(rules_admin, settings):
    assert settings.OTP_REQUIRED_ROLES == []
    assert password_step(Client(), "ruleadmin")["Location"] == reverse("home")


def test_a_required_role_cannot_turn_it_off(rules_admin, required):
    device, codes = enrolled(rules_admin)
    client = Client()
    password_step(client, "ruleadmin")
    client.post(reverse("login-code"), {"otp_token": app_code(device)})

    page = client.post(reverse("otp-remove"), {"otp_token": codes[0]}, follow=True)

    assert "Your role requires a second factor" in page.content.decode()
    assert TOTPDevice.objects.filter(user=rules_admin).exists()
    assert second_factor.recovery_codes_left(rules_admin) == 10


def test_a_misspelt_role_fails_the_system_check(settings):
    settings.OTP_REQUIRED_ROLES = ["rules_admin", "privacy_oficer"]
    [error] = second_factor.check_required_roles(None)
    assert error.id == "cadm.E001" and "'privacy_oficer'" in error.msg


# The admin site


@pytest.fixture
def superuser_rules_admin(site):
    return UserFactory(username="root", role="rules_admin", sites=[site], is_staff=True,
                       is_superuser=True)


def test_the_admin_asks_the_required_roles_for_a_verified_session(superuser_rules_admin,
                                                                  required):
    unverified = Client()
    unverified.force_login(superuser_rules_admin)
    refused = unverified.get("/admin/")
    assert refused.status_code == 302
    assert unverified.get(refused["Location"])["Location"].startswith(reverse("login"))

    device, _ = enrolled(superuser_rules_admin)
    client = Client()
    password_step(client, "root", next_url="/admin/")
    done = client.post(reverse("login-code"), {"otp_token": app_code(device)})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_is_unchanged_for_roles_not_listed(superuser_rules_admin):
    client = Client()
    client.force_login(superuser_rules_admin)
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_form_is_the_sites_login(superuser_rules_admin):
    response = Client().get("/admin/login/?next=/admin/cadm/user/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/admin/cadm/user/"


# API tokens


def test_api_tokens_need_no_code(rheumatologist, required):
    """A token is made by a logged-in session (verified when the user has a device) or by
    another token: it is the credential, and the API asks nothing more of it."""
    enrolled(rheumatologist)
    _, secret = api_token_create(actor=rheumatologist, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/v1/me/").status_code == 200
