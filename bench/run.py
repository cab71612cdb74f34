"""`make bench`: the cohort-scale figures of issue 13, as ratios measured in one run.

Needs DATABASE_URL (PostgreSQL: the run creates its own database `cadm_bench_<pid>` on that
server and drops it at the end; no other database is touched) and CELERY_BROKER_URL (Redis;
the run uses its own queue, `cadm_bench_<pid>`, and deletes it at the end). BENCH_SIZE
patients (default 10000); the small cohort of the memory ratio is BENCH_SMALL (default 1000).

Steps (docs/benchmarks.md says why each is measured so):
1. engine: the pure rules engine (cadm/rules/engine.py) on one patient with five years of
   history (bench/bench_engine.py), against 1 ms;
2. a synthetic cohort of BENCH_SMALL patients (bench/cohort_data.py); a fresh solo Celery
   worker runs the real cohort job twice (settle, then steady state): its peak memory;
3. the cohort grown to BENCH_SIZE; a fresh worker runs the job twice: the second run's wall
   time (job start to its JobRun row saying done) and the worker's peak memory; one streaming
   ORM read of the same rows; a second worker added: the job's wall time with two;
4. the patient page's and the patient API's query counts with 5 and 50 visits;
5. gunicorn with the cohort, 16 concurrent clients (locust): p95 of the health view, the
   patient page and the worklist, each in its own run, in rounds; each ratio is the median of
   its rounds' ratios.

Every figure is printed on its own line, then one line per ratio:
`ratio NAME VALUE (goal <= GOAL)`. Nothing here asserts a timing.

Options (environment): BENCH_APP_DIR, the project tree to measure (default: this checkout;
run with that tree's Python); BENCH_LOCUST, the locust executable (default: next to this
Python); BENCH_LOAD_SECONDS (10) per load run; BENCH_LOAD_ROUNDS (3) rounds of the three
loads; BENCH_JOB_TIMEOUT (1800 s) per job; BENCH_JSON, a file to write the figures to;
BENCH_KEEP_LOGS=1 keeps the processes' logs.
"""

from __future__ import annotations

import json
import os
import platform
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
APP_DIR = Path(os.environ.get("BENCH_APP_DIR") or BENCH_DIR.parent).resolve()
sys.path.insert(0, str(APP_DIR))

from harness import (  # noqa: E402
    BenchDatabase,
    BenchError,
    Processes,
    cpu_seconds,
    free_port,
    get,
    load_average,
    locust_run,
    peak_rss_kib,
    server_version,
)

GOALS = {
    "cohort_reevaluation_vs_bare_read": 2.0,
    "cohort_two_workers_vs_one": 0.65,
    "cohort_rss_10k_vs_1k": 1.2,
    "patient_page_p95_vs_trivial": 3.0,
    "worklist_p95_vs_trivial": 3.0,
    "queries_50_vs_5_visits": 1.0,
    "engine_us_per_patient_vs_1000us": 1.0,
}
CLIENTS = 16
GUNICORN_WORKERS = 3  # as the Dockerfile and docker-compose.yml run it
PAGE_PATIENTS = 200  # patient pages asked for, at random, in the load run


class Report:
    def __init__(self):
        self.figures: dict[str, object] = {}
        self.ratios: dict[str, float] = {}

    def figure(self, name: str, value, note: str = "") -> None:
        self.figures[name] = value
        shown = f"{value:.3g}" if isinstance(value, float) and value < 100 else (
            f"{value:.0f}" if isinstance(value, float) else value)
        print(f"{name} {shown}" + (f"  # {note}" if note else ""), flush=True)

    def ratio(self, name: str, value: float) -> None:
        self.ratios[name] = value
        print(self.line(name), flush=True)

    def line(self, name: str) -> str:
        return f"ratio {name} {self.ratios[name]:.2f} (goal <= {GOALS[name]:g})"

    def summary(self) -> None:
        print("\n== ratios ==")
        for name in GOALS:
            print(self.line(name) if name in self.ratios else f"ratio {name} not measured")


def step(text: str) -> None:
    print(f"\n== {text} ==", flush=True)


def machine(admin_url: str) -> dict:
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    tree = subprocess.run(["git", "-C", str(APP_DIR), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "memory_gib": round(int(meminfo[1]) / 2**20, 1),
            "postgresql": server_version(admin_url), "python": platform.python_version(),
            "tree": f"{APP_DIR} ({tree or 'not a git tree'})"}


def bench_env(url: str, queue: str) -> dict:
    paths = [str(APP_DIR), str(BENCH_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "settings_bench",
            "PYTHONPATH": os.pathsep.join(paths), "CELERY_TASK_DEFAULT_QUEUE": queue,
            "JOB_RECOVER_ON_WORKER_START": "False", "DEBUG": "False",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on the loopback: in production TLS ends at a proxy in front.
            "SECURE_SSL_REDIRECT": "False",
            # The clinician's session is a password login's: no second factor is asked.
            "OTP_REQUIRED_ROLES": "",
            "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR") or tempfile.gettempdir()}


def cohort_step(report: Report, procs: Processes, *, count: int, start: int, total: int,
                today: date, sites, actors, timeout: float, queue: str):
    """Grow the cohort to `total`, then a fresh worker settles it and runs the job again
    (steady state). Returns (that worker, steady seconds)."""
    import cohort_data
    import measures

    began = time.perf_counter()
    written = cohort_data.cohort_write(count, start=start, today=today, sites=sites,
                                       actors=actors)
    measures.vacuum_analyze()
    report.figure(f"cohort_generation_seconds_to_{total}", time.perf_counter() - began,
                  f"{written.patients} patients, {written.clinical_rows} clinical rows "
                  f"({written.clinical_rows / max(written.patients, 1):.1f} a patient)")
    worker = procs.worker(len(procs.started) + 1, queue)
    timed_job(report, f"cohort_job_settle_seconds_{total}", [worker], as_of=today,
              timeout=timeout)
    measures.vacuum_analyze()
    steady = timed_job(report, f"cohort_job_seconds_one_worker_{total}", [worker],
                       as_of=today, timeout=timeout)
    report.figure(f"worker_peak_rss_mib_{total}", peak_rss_kib(worker.pid) / 1024)
    return worker, steady


def timed_job(report: Report, name: str, workers: list, *, as_of: date, timeout: float
              ) -> float:
    """One cohort job; its note says what it changed, the CPU time each worker used during
    it, the tasks each received and the machine's load average (a shared machine shows)."""
    import measures

    cpu = [cpu_seconds(w.pid) for w in workers]
    tasks = [w.count(" received") for w in workers]
    seconds, result = measures.cohort_job(as_of=as_of, timeout=timeout)
    used = ", ".join(f"{w.name} {cpu_seconds(w.pid) - c:.0f} s CPU {w.count(' received') - t} "
                     f"tasks" for w, c, t in zip(workers, cpu, tasks, strict=True))
    report.figure(name, seconds, f"{_counts(result)}; {used}; load {load_average()}")
    return seconds


def _counts(result: dict) -> str:
    keys = ("patients", "opened", "updated", "reopened", "resolved")
    return ", ".join(f"{key} {result[key]}" for key in keys if key in result)


def run(report: Report, procs: Processes, *, size: int, small: int, queue: str) -> None:
    import cohort_data
    import measures
    from django.utils import timezone

    from cadm.models import Flag, Patient

    today = timezone.localdate()
    timeout = float(os.environ.get("BENCH_JOB_TIMEOUT", "1800"))
    sites, actors, viewer = cohort_data.cohort_setup()

    step(f"cohort of {small}: one worker")
    worker, _ = cohort_step(report, procs, count=small, start=0, total=small, today=today,
                            sites=sites, actors=actors, timeout=timeout, queue=queue)
    rss_small = report.figures[f"worker_peak_rss_mib_{small}"]
    worker.stop()

    step(f"cohort of {size}: one worker, bare read, two workers")
    worker, one = cohort_step(report, procs, count=size - small, start=small, total=size,
                              today=today, sites=sites, actors=actors, timeout=timeout,
                              queue=queue)
    report.figure("flags", Flag.objects.count())
    read = min(measures.bare_read() for _ in range(2))
    report.figure(f"bare_read_seconds_{size}", read[0], f"{read[1]} rows as model instances")
    report.ratio("cohort_reevaluation_vs_bare_read", one / read[0])
    report.ratio("cohort_rss_10k_vs_1k",
                 report.figures[f"worker_peak_rss_mib_{size}"] / rss_small)
    second = procs.worker(len(procs.started) + 1, queue)
    two = timed_job(report, f"cohort_job_seconds_two_workers_{size}", [worker, second],
                    as_of=today, timeout=timeout)
    report.ratio("cohort_two_workers_vs_one", two / one)
    second.stop()
    worker.stop()

    step("queries: 5 and 50 visits")
    from cadm.services.evaluation import patient_reevaluate

    counts = {}
    for visits in (5, 50):
        bench_patient = cohort_data.patient_with_visits(visits, today=today, index=size + visits)
        cohort_data.patients_write([bench_patient], today=today, sites=sites, actors=actors)
        patient = Patient.objects.get(mrn=bench_patient.mrn)
        patient_reevaluate(patient.pk, as_of=today)
        counts[visits] = measures.query_counts(patient, viewer)
        for name, value in counts[visits].items():
            report.figure(f"queries_{name}_{visits}_visits", value)
    report.ratio("queries_50_vs_5_visits", max(counts[50][k] / counts[5][k] for k in counts[5]))

    step(f"pages: {CLIENTS} clients, gunicorn with {GUNICORN_WORKERS} workers")
    cookie = measures.session_cookie(viewer)
    ids = list(Patient.objects.filter(site=sites["north"], mrn__startswith="BN")
               .values_list("public_id", flat=True))
    pages = [f"/patients/{pk}/" for pk in random.Random(1).sample(ids, min(PAGE_PATIENTS,
                                                                          len(ids)))]
    port = free_port()
    procs.gunicorn(port, GUNICORN_WORKERS)
    host = f"http://127.0.0.1:{port}"
    for path in ["/healthz", "/flags/", *pages[:GUNICORN_WORKERS * 3]]:  # warm every worker
        get(host + path, cookie)
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "10"))
    rounds = int(os.environ.get("BENCH_LOAD_ROUNDS", "3"))
    locust = os.environ.get("BENCH_LOCUST") or str(Path(sys.executable).with_name("locust"))
    loads = (("trivial", ["/healthz"]), ("patient_page", pages), ("worklist", ["/flags/"]))
    p95: dict[str, list[float]] = {name: [] for name, _ in loads}
    # Rounds of the three loads in turn, each ratio taken within its round: the machine's
    # pace drifts over a minute (one run's /healthz did 143 requests a second, the next
    # 179), and a page measured a minute after its denominator carried that drift.
    for round_number in range(1, rounds + 1):
        for name, paths in loads:
            stats = locust_run(procs, locust=locust, name=f"{name}-{round_number}", host=host,
                               paths=paths, cookie=cookie, users=CLIENTS, seconds=seconds)
            p95[name].append(stats["p95_ms"])
            report.figure(f"p95_ms_{name}_round_{round_number}", float(stats["p95_ms"]),
                          f"p50 {stats['p50_ms']:.0f} ms, {stats['requests']} requests, "
                          f"{stats['rps']:.1f}/s; load {load_average()}")
    for name in ("patient_page", "worklist"):
        per_round = [page / trivial for page, trivial in zip(p95[name], p95["trivial"],
                                                             strict=True)]
        report.figure(f"{name}_p95_vs_trivial_rounds",
                      " ".join(f"{value:.2f}" for value in per_round), "the median is the ratio")
        report.ratio(f"{name}_p95_vs_trivial", statistics.median(per_round))


def main() -> int:
    size = int(os.environ.get("BENCH_SIZE") or 10000)
    small = int(os.environ.get("BENCH_SMALL") or (1000 if size > 1000 else max(size // 10, 1)))
    admin_url, broker = os.environ.get("DATABASE_URL"), os.environ.get("CELERY_BROKER_URL")
    if not (admin_url and broker) or small >= size:
        print("make bench needs DATABASE_URL (PostgreSQL: the bench creates and drops its own "
              "database there) and CELERY_BROKER_URL (Redis), and BENCH_SMALL < BENCH_SIZE.",
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on a kill too
    started = time.monotonic()
    report = Report()
    name = f"cadm_bench_{os.getpid()}"
    step(f"machine, {size} patients")
    for key, value in machine(admin_url).items():
        print(f"{key}: {value}")

    step("engine")
    from bench_engine import engine_us_per_patient

    engine = engine_us_per_patient()
    report.figure("engine_us_per_patient", engine, "94 records over five years")
    report.ratio("engine_us_per_patient_vs_1000us", engine / 1000)

    logs = Path(tempfile.mkdtemp(prefix="cadm-bench-"))
    failed = True
    try:
        with BenchDatabase(admin_url, name) as url:
            env = bench_env(url, queue=name)
            os.environ.update(env)
            step("migrate")
            if subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                              cwd=APP_DIR, env=env).returncode:
                raise BenchError("migrate failed (its output is above)")
            import django

            django.setup()
            with Processes(env=env, cwd=APP_DIR, logs=logs) as procs:
                run(report, procs, size=size, small=small, queue=name)
        failed = False
    except BenchError as exc:
        print(f"\nbench stopped: {exc}", file=sys.stderr)
    finally:
        _purge_queue(broker, name)
        if failed or os.environ.get("BENCH_KEEP_LOGS"):
            print(f"logs kept in {logs}", file=sys.stderr)
        else:
            shutil.rmtree(logs, ignore_errors=True)
    report.figure("bench_total_seconds", time.monotonic() - started)
    report.summary()
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps(
            {"size": size, "small": small, "machine": machine(admin_url),
             "figures": report.figures, "ratios": report.ratios}, indent=2, default=str))
    return 1 if failed else 0


def _purge_queue(broker: str, queue: str) -> None:
    """The bench's queue and its binding in Redis (nothing else)."""
    try:
        import redis

        client = redis.Redis.from_url(broker)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}",
                      *client.scan_iter(match=f"{queue}\x06\x16*"))  # priority lists
    except Exception as exc:  # noqa: BLE001 - cleaning up; say so and go on
        print(f"could not delete the queue {queue}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
