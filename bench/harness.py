"""The benchmark's own database, and the processes it starts: Celery workers, gunicorn, locust.

Each is stopped by its own process id (never by name); the database `cadm_bench_<pid>` is
created on the server of DATABASE_URL and dropped at the end, whatever happens. No other
database is touched.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent


class BenchError(RuntimeError):
    """The benchmark cannot go on (a process that does not start, a job that fails)."""


# ------------------------------------------------------------------ database


def _libpq(url: str) -> str:
    """psycopg takes postgres:// and postgresql:// only; django-environ more spellings."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


def database_url_for(url: str, name: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "psql"}:
        raise BenchError(f"DATABASE_URL must be PostgreSQL, not {parts.scheme!r}.")
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


class BenchDatabase:
    """CREATE DATABASE on entry, DROP DATABASE ... WITH (FORCE) on exit."""

    def __init__(self, admin_url: str, name: str):
        self.admin_url, self.name = admin_url, name
        self.url = database_url_for(admin_url, name)

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(_libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(sql)

    def __enter__(self) -> str:
        self._execute(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc) -> None:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(_libpq(url)) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# ------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise BenchError(f"no VmHWM for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Process:
    """A child process with its output in a log file; stopped by its own pid."""

    def __init__(self, name: str, cmd: list[str], *, env: dict, cwd: Path, logs: Path):
        self.name = name
        self.log = logs / f"{name}.log"
        with open(self.log, "wb") as out:
            self.popen = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out,
                                          stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def count(self, text: str) -> int:
        try:
            return self.log.read_text(errors="replace").count(text)
        except OSError:
            return 0

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_for(self, ready, what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise BenchError(f"{self.name} exited ({self.popen.returncode}) before "
                                 f"{what}:\n{self.tail()}")
            if ready():
                return
            time.sleep(0.2)
        raise BenchError(f"{self.name}: no {what} within {timeout:.0f} s:\n{self.tail()}")

    def stop(self, timeout: float = 30) -> None:
        if not self.alive():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)


class Processes:
    """Every process started by the benchmark, stopped on exit."""

    def __init__(self, *, env: dict, cwd: Path, logs: Path):
        self.env, self.cwd, self.logs = env, cwd, logs
        self.started: list[Process] = []

    def start(self, name: str, cmd: list[str], env: dict | None = None) -> Process:
        process = Process(name, cmd, env={**self.env, **(env or {})}, cwd=self.cwd,
                          logs=self.logs)
        self.started.append(process)
        return process

    def worker(self, number: int, queue: str) -> Process:
        """A real Celery worker, one process (solo pool), on the benchmark's queue only."""
        name = f"worker{number}"
        process = self.start(name, [
            sys.executable, "-m", "celery", "-A", "cadm", "worker", "--pool=solo",
            "-Q", queue, "-n", f"bench{number}-{os.getpid()}@%h", "--without-gossip",
            "--without-mingle", "--without-heartbeat", "-l", "INFO"])
        process.wait_for(lambda: " ready." in process.tail(200), "'ready' line")
        return process

    def gunicorn(self, port: int, workers: int) -> Process:
        process = self.start("gunicorn", [
            sys.executable, "-m", "gunicorn", "cadm.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120",
            "--log-level", "warning"])
        process.wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), "answer")
        return process

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc) -> None:
        for process in reversed(self.started):
            process.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def get(url: str, cookie: str, timeout: float = 120) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
        return response.status


# ------------------------------------------------------------------ load


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def locust_run(processes: Processes, *, locust: str, name: str, host: str, paths: list[str],
               cookie: str, users: int, seconds: int) -> dict:
    """One headless locust run against `paths`; p95 and counts from every sample."""
    out = processes.logs / f"locust-{name}.json"
    process = processes.start(f"locust-{name}", [
        locust, "-f", str(BENCH_DIR / "locustfile.py"), "--headless", "--users", str(users),
        "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--stop-timeout", "60",
        "--host", host, "--only-summary", "--loglevel", "WARNING"],
        env={"BENCH_PATHS": json.dumps(paths), "BENCH_COOKIE": cookie, "BENCH_OUT": str(out)})
    try:
        process.popen.wait(seconds + 120)
    except subprocess.TimeoutExpired:
        process.stop()
        raise BenchError(f"locust ({name}) did not stop:\n{process.tail()}") from None
    if not out.exists():
        raise BenchError(f"locust ({name}) wrote no samples:\n{process.tail()}")
    samples = json.loads(out.read_text())
    times = [ms for ms, ok in samples if ok]
    failures = sum(1 for _, ok in samples if not ok)
    if not times or failures > len(samples) * 0.01:
        raise BenchError(f"locust ({name}): {failures} failures of {len(samples)} requests:"
                         f"\n{process.tail()}")
    return {"p95_ms": percentile(times, 0.95), "p50_ms": percentile(times, 0.5),
            "requests": len(samples), "failures": failures, "rps": len(samples) / seconds}
