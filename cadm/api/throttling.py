"""Request rates on the API: a caller that loops (a misconfigured interface, a script gone
wrong) is slowed down before it slows the clinic down. Counts live in the default cache, which
is Redis in production (CACHE_URL), so every web process counts the same requests.

Rates come from settings.API_THROTTLE_RATES at each request (so an operator's change, or a
test's override, applies without reloading classes); a rate of None turns a scope off.
Anonymous callers count by address, users by account, whatever token or session they use.

A cache that is down must not take the API down with it: the request is let through and the
failure logged (without the request's content), as a throttle is a guard, not a gate."""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _FromSettings:
    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # The rate is read per request: SimpleRateThrottle reads it once, in __init__.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache's own errors vary by backend (Redis, memcached)
            logger.warning("API throttle skipped: the cache is unavailable", exc_info=True)
            return True


class AnonThrottle(_FromSettings, AnonRateThrottle):
    pass


class UserThrottle(_FromSettings, UserRateThrottle):
    pass
