"""The probe: up or down for anyone; which part is down only for staff and cohort admins.

Every check is bounded (about a second; the database by its connect_timeout in settings),
so a prober with a short timeout gets an answer rather than a hung request.
"""

from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection
from redis.backoff import NoBackoff
from redis.retry import Retry

from cadm.permissions import Perm, has_perm

CHECK_TIMEOUT_SECONDS = 1


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure to reach the database is the answer, not a 500
        return f"error: {type(exc).__name__}"


def _ping_redis(url: str) -> None:
    # One attempt: kombu's ensure_connection retries with back-off (about 9 s when Redis is
    # down), and the prober retries anyway.
    client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
                                  socket_timeout=CHECK_TIMEOUT_SECONDS,
                                  retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
    finally:
        client.close()


def _connect_kombu(url: str) -> None:
    with Connection(url, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT_SECONDS)


def _broker_status() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "not configured (tasks run in-process)"
    try:
        if urlsplit(url).scheme in {"redis", "rediss"}:
            _ping_redis(url)
        else:
            _connect_kombu(url)
        return "ok"
    except Exception as exc:  # as above: report, do not crash the probe
        return f"error: {type(exc).__name__}"


def _may_see_details(request) -> bool:
    # Knowing the caller reads the session and the user from the database; if that fails
    # the caller is anonymous, and the probe still answers.
    try:
        user = request.user
        return user.is_authenticated and (
            user.is_staff or has_perm(user, Perm.COHORT_AGGREGATE_VIEW))
    except DatabaseError:
        return False


@never_cache
@require_GET
def healthz(request):
    database = _database_status()
    broker = _broker_status()
    healthy = database == "ok" and not broker.startswith("error")
    body = {"status": "ok" if healthy else "error"}
    # With the database down nobody can be recognised, so there is no second wait for it.
    if database == "ok" and _may_see_details(request):
        body |= {"database": database, "database_engine": connection.vendor, "broker": broker}
    return JsonResponse(body, status=200 if healthy else 503)
