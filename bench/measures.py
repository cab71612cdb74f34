"""What the benchmark measures inside its own process (Django set up on the bench database):
the cohort job seen from its JobRun row, the bare ORM read, query counts, a session."""

from __future__ import annotations

import time
from datetime import date

from harness import BenchError

JOB_KIND = "cohort-reevaluate"  # the daily sweep's kind (cadm/services/cohort.py)


def cohort_job(*, as_of: date, timeout: float) -> tuple[float, dict]:
    """Start the real cohort re-evaluation (jobs API), wait for its row to say done; wall time
    from the start to the poll that sees it done (every 0.1 s), and the row's result."""
    from django.db import transaction

    from cadm.jobs import job_run_start
    from cadm.models import JobRun

    started = time.perf_counter()
    with transaction.atomic():  # sent to the broker on commit, as the daily sweep does
        job = job_run_start(actor=None, kind=JOB_KIND, params={"as_of": as_of.isoformat()})
    while True:
        state = JobRun.objects.filter(pk=job.pk).values_list("state", flat=True).get()
        if state == JobRun.State.DONE:
            break
        if state in (JobRun.State.FAILED, JobRun.State.CANCELLED):
            job.refresh_from_db()
            raise BenchError(f"cohort job {job.pk} {state}: {job.error}")
        if time.perf_counter() - started > timeout:
            raise BenchError(f"cohort job {job.pk} still {state} after {timeout:.0f} s")
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    if job.result.get("error_count"):
        raise BenchError(f"cohort job {job.pk}: {job.result['error_count']} patients failed: "
                         f"{job.result.get('errors', [])[:3]}")
    return seconds, job.result


def clinical_models() -> list:
    """Patients, visits and every kind of result the patient page and the rules read."""
    from cadm.models import Patient, Visit
    from cadm.sections import all_sections

    return [Patient, Visit, *(section.model for section in all_sections())]


def bare_read(chunk_size: int = 2000) -> tuple[float, int]:
    """One streaming read of every patient and clinical row as model instances (server-side
    cursor, `.iterator(chunk_size=...)`, no ORDER BY): seconds and rows."""
    rows = 0
    started = time.perf_counter()
    for model in clinical_models():
        for _ in model.objects.order_by().iterator(chunk_size=chunk_size):
            rows += 1
    return time.perf_counter() - started, rows


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def session_cookie(user) -> str:
    """A session of `user` made as a login makes it (django.contrib.auth.login on a new
    SessionStore: the login signal's receivers stamp it as for a person), saved in the
    database; the cookie that presents it."""
    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get("/accounts/login/", REMOTE_ADDR="127.0.0.1")
    request.session = SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    return f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}"


def api_paths(public_id) -> list[str]:
    """The patient API a client reads for one patient: details, derived state, visits and
    laboratory results (cadm/api/urls.py)."""
    base = f"/api/v1/patients/{public_id}/"
    return [base, f"{base}state/", f"{base}visits/", f"{base}results/labs/"]


def query_counts(patient, viewer) -> dict[str, int]:
    """Queries of the patient page and of the patient API (summed over api_paths), each
    counted on a second request (the first fills per-process caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    counts = {}
    for name, paths in (("patient_page", [f"/patients/{patient.public_id}/"]),
                        ("patient_api", api_paths(patient.public_id))):
        total = 0
        for path in paths:
            for _ in range(2):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(path)
                if response.status_code != 200:
                    raise BenchError(f"GET {path}: {response.status_code}")
            total += len(queries)
        counts[name] = total
    return counts
