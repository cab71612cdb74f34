"""Login throttling on top of django-axes: the client's address, and a second limit per address.

django-axes locks one username from one address (AXES_LOCKOUT_PARAMETERS) after
AXES_FAILURE_LIMIT failures. Password spraying, one password tried across many usernames, fails
once per username and never reaches that limit; counted per address, whatever the username,
it does. axes compares a single count with a single limit, so the handler puts the address's
count on the scale of AXES_FAILURE_LIMIT: it reaches that limit exactly when the address has
LOGIN_ADDRESS_FAILURE_LIMIT failures.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from rest_framework.throttling import BaseThrottle


def client_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same address the API's throttling counts (DRF's, with
    NUM_PROXIES = TRUSTED_PROXY_COUNT), so a forged X-Forwarded-For is ignored without a proxy
    and the real client is found behind one."""
    return BaseThrottle().get_ident(request)


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        per_username = super().get_failures(request, credentials)
        address = request.axes_ip_address
        if not address:
            return per_username
        per_address = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(n=Sum("failures_since_start"))["n"] or 0
        limit = get_failure_limit(request, credentials)
        return max(per_username, per_address * limit // settings.LOGIN_ADDRESS_FAILURE_LIMIT)
