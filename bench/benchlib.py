"""What every benchmark script shares: the machine description, the git commit, timing summaries,
throw-away PostgreSQL databases, the worker subprocess and the locked merge into results.json.

The scripts are run as ``python bench/NAME.py``, so this module is importable as ``benchlib``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results.json"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/"


def machine_info() -> dict[str, Any]:
    """Where the figures were measured, with the load average (other work inflates them)."""
    cpu = platform.processor() or ""
    memory = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, StopIteration, ValueError):
        total = next(li for li in Path("/proc/meminfo").read_text().splitlines() if li.startswith("MemTotal"))
        memory = round(int(total.split()[1]) / 1024 / 1024, 1)
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "memory_gb": memory,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def summary(samples_ns: list[int], digits: int = 3) -> dict[str, float]:
    """Median, 95th percentile, mean and minimum of nanosecond samples, in milliseconds."""
    ms = [s / 1e6 for s in samples_ns]
    return {
        "median_ms": round(statistics.median(ms), digits),
        "p95_ms": round(statistics.quantiles(ms, n=100, method="inclusive")[94], digits),
        "mean_ms": round(statistics.fmean(ms), digits),
        "min_ms": round(min(ms), digits),
    }


# --- PostgreSQL: one throw-away database per benchmark ------------------------------------------


def setup_demo_database() -> dict[str, float]:
    """In a worker (Django set up): migrate, then load Chongqing's regions and the demo's
    organisations and users; the seconds each took."""
    import time

    from django.core.management import call_command

    from tiaodu.core.demo import load_demo
    from tiaodu.regions.services import load_regions

    timings = {}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    load_regions(["50"])
    load_demo()
    timings["regions_demo_s"] = round(time.perf_counter() - t0, 1)
    return timings


def pg_url(base: str, dbname: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, ""))


def _pg_admin(base: str) -> Any:
    import psycopg

    return psycopg.connect(pg_url(base, "postgres"), autocommit=True, connect_timeout=3)


def pg_reachable(base: str) -> bool:
    try:
        _pg_admin(base).close()
    except Exception:
        return False
    return True


def pg_recreate(base: str, dbname: str, drop_only: bool = False) -> None:
    from psycopg import sql

    with _pg_admin(base) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(dbname)))


# --- Worker subprocess and results ----------------------------------------------------------------


def run_worker(script: str, database_url: str, data_dir: str | Path, args: list[str]) -> dict[str, Any]:
    """Run ``script --worker OUT *args`` against one database (Django reads the database from the
    environment at start-up, hence a process per database) and return what it wrote to OUT."""
    out = Path(data_dir) / f"{Path(script).stem}_result.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIAODU_") and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="tiaodu.settings",
        DATABASE_URL=database_url,
        TIAODU_DATA_DIR=str(data_dir),
        TIAODU_DEBUG="0",
        TIAODU_LOG_LEVEL="ERROR",
        PYTHONPATH=str(REPO_DIR),
    )
    cmd = [sys.executable, str(Path(script).resolve()), "--worker", str(out), *args]
    subprocess.run(cmd, env=env, check=True, cwd=REPO_DIR)
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def merge_results(key: str, value: dict[str, Any], path: Path = RESULTS) -> None:
    """Read-modify-write ``path`` under an exclusive lock, replacing only ``key``: each benchmark
    owns one key of results.json."""
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text()) if path.exists() and path.stat().st_size else {}
        except json.JSONDecodeError:
            data = {}
        if "benchmark" in data:  # the old layout: run.py's list_api report alone
            data = {"list_api": data}
        data[key] = value
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        tmp.replace(path)


# --- The same benchmark on SQLite and on PostgreSQL -------------------------------------------------


class PostgresUnreachable(Exception):
    """An explicitly named PostgreSQL server (--postgres or TIAODU_BENCH_DATABASE_URL) did not answer."""


def run_sqlite(script: str, prefix: str, worker_args: list[str], label: str = "SQLite") -> dict[str, Any]:
    """Run the worker on a fresh SQLite file in a temporary directory."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        print(f"== {label}", flush=True)
        return run_worker(script, f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", tmp, worker_args)


def run_postgres(
    script: str, dbname: str, prefix: str, worker_args: list[str], postgres: str | None = None
) -> dict[str, Any] | None:
    """Run the worker on a throw-away PostgreSQL database ``dbname`` (dropped afterwards).

    The server is ``postgres``, else ``TIAODU_BENCH_DATABASE_URL``, else the local default. None
    when the local default does not answer (the run is skipped and said so); a server named
    explicitly that does not answer raises :class:`PostgresUnreachable`.
    """
    import tempfile

    base = postgres or os.environ.get("TIAODU_BENCH_DATABASE_URL")
    explicit = bool(base)
    base = base or DEFAULT_PG_URL
    if not pg_reachable(base):
        if explicit:
            raise PostgresUnreachable(f"PostgreSQL at {base} is not reachable")
        print(f"PostgreSQL: skipped (no server answers at {DEFAULT_PG_URL})")
        return None
    print(f"== PostgreSQL: database {dbname} on {urlsplit(base).hostname}", flush=True)
    pg_recreate(base, dbname)
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            return run_worker(script, pg_url(base, dbname), tmp, worker_args)
    finally:
        pg_recreate(base, dbname, drop_only=True)


def report_header(benchmark: str) -> dict[str, Any]:
    """The fields every report in results.json starts with: what, when, which commit, where."""
    from datetime import UTC, datetime

    import django

    return {
        "benchmark": benchmark,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": machine_info(),
        "django": django.get_version(),
    }


def run_both(
    script: str, dbname: str, prefix: str, worker_args: list[str], postgres: str | None
) -> list[dict[str, Any]]:
    """SQLite, then PostgreSQL when a server answers (see :func:`run_postgres`)."""
    runs = [run_sqlite(script, prefix, worker_args)]
    pg_run = run_postgres(script, dbname, prefix, worker_args, postgres)
    return runs if pg_run is None else [*runs, pg_run]
