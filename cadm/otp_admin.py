"""Django's admin site, with the second factor of OTP_REQUIRED_ROLES.

django-otp's OTPAdminSite asks every user for a device; here only the roles that require one
are refused unless their session was verified by a code (request.user.is_verified(), from
django-otp's middleware), as the product's own login does. The admin's own login form, which
knows no second factor, is replaced by the product's login page.

Installed as the default admin site (AdminConfig.default_site), so every app's admin.py
registers on it through `admin.site` as before.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.urls import reverse

# Modules that import models are imported where used: INSTALLED_APPS names this module, which
# Django imports before any model can be.


class AdminSite(admin.AdminSite):
    def has_permission(self, request):
        from cadm import second_factor

        user = request.user
        return super().has_permission(request) and (
            user.is_verified() or not second_factor.required_for(user))

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


class AdminConfig(DjangoAdminConfig):
    default_site = "cadm.otp_admin.AdminSite"

    def ready(self):
        super().ready()
        # Registers its system check of OTP_REQUIRED_ROLES, which `check --deploy` runs.
        from cadm import second_factor  # noqa: F401
