"""Benchmark: the workbench (工作台, ``GET /``) of every demo role on the demo data — target: median
under 500 ms warm.

``.venv/bin/python bench/bench_workbench.py`` runs one worker process on SQLite in a temporary
directory; with ``--postgres URL`` (or ``TIAODU_BENCH_DATABASE_URL``) a second one on a throw-away
PostgreSQL database ``tiaodu_bench_workbench``. The worker loads what ``tiaodu demo`` loads (the
regions, the demo organisations and accounts, enterprise service, projects, dispatch, monitoring,
targets, reporting, investment, safety and employment demos), then, for each demo role, through the
whole Django stack in-process (test client: middleware, session, scope, every module's provider,
the template):

* **cold**: the first request after the cache is emptied (the leaders' panels computed; the process
  itself is warmed by one request of a role without panels first);
* **warm**: ``--runs`` requests after one warm-up (panels from the cache, every task line counted
  afresh): median, p95, mean, minimum, and the SQL statements per request.

The figures are merged into ``bench/results.json`` under ``"workbench"``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

import benchlib

RESULT_KEY = "workbench"
PG_DB = "tiaodu_bench_workbench"
TARGET_MS = 500.0
ROLES = ("admin", "leader", "jxw", "guxi", "yuxi", "squad1", "qiye", "yezhu", "zsj", "yjj", "rsj")


def _time_role(username: str, runs: int) -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tiaodu.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    cache.clear()
    with CaptureQueriesContext(connection) as cold_queries:
        t0 = time.perf_counter_ns()
        response = client.get("/")
        cold_ns = time.perf_counter_ns() - t0
    assert response.status_code == 200, (username, response.status_code)
    client.get("/")  # warm-up
    samples: list[int] = []
    with CaptureQueriesContext(connection) as warm_queries:
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            response = client.get("/")
            samples.append(time.perf_counter_ns() - t0)
    body = response.content.decode()
    warm = benchlib.summary(samples, 1)
    return {
        "role": username,
        "cold_ms": round(cold_ns / 1e6, 1),
        "cold_queries": len(cold_queries),
        **warm,
        "queries": len(warm_queries) // runs,
        "task_lines": body.count("td-wb-task "),
        "panels": body.count("td-wb-panel"),
        "response_bytes": len(response.content),
        "target_met": warm["median_ms"] < TARGET_MS,
    }


def _warm_process() -> None:
    """One workbench request of a role without panels first: "cold" then measures an empty
    cache, not the first request of the Python process (imports, templates, URL resolver)."""
    from django.test import Client

    from tiaodu.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="yezhu"))
    assert client.get("/").status_code == 200


def worker(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host ("testserver") is allowed
    t0 = time.perf_counter()
    call_command("demo", stdout=StringIO())
    setup_s = round(time.perf_counter() - t0, 1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0]
            cursor.execute("ANALYZE")
        else:
            version = ".".join(str(v) for v in connection.Database.sqlite_version_info)  # type: ignore[attr-defined]
    print(f"  [{connection.vendor}] demo loaded in {setup_s} s", flush=True)
    _warm_process()
    roles = []
    for username in ROLES:
        row = _time_role(username, args.runs)
        roles.append(row)
        print(
            f"  [{connection.vendor}] {username:<8} cold {row['cold_ms']:>7.1f} ms  warm median "
            f"{row['median_ms']:>6.1f} ms  p95 {row['p95_ms']:>6.1f} ms  {row['queries']} queries  "
            f"{row['task_lines']} lines  {row['panels']} panels",
            flush=True,
        )
    return {
        "database": {"vendor": connection.vendor, "version": version},
        "setup_seconds": setup_s,
        "roles": roles,
        "target_met": all(r["target_met"] for r in roles),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL server")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per role (default 20)")
    parser.add_argument("--settings", default="tiaodu.settings", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    worker_args = ["--runs", str(args.runs), "--settings", args.settings]
    runs = [benchlib.run_sqlite(__file__, "tiaodu-bench-workbench-", worker_args)]
    if args.postgres or os.environ.get("TIAODU_BENCH_DATABASE_URL"):
        try:
            pg = benchlib.run_postgres(__file__, PG_DB, "tiaodu-bench-workbench-", worker_args, args.postgres)
        except benchlib.PostgresUnreachable as exc:
            print(exc, file=sys.stderr)
            return 2
        if pg is not None:
            runs.append(pg)

    report = {
        **benchlib.report_header("the workbench (工作台): GET / for each demo role on the demo data"),
        "targets": {"warm_median_ms": TARGET_MS},
        "method": {
            "requests": f"Django test client in-process (all middleware, session, scope, providers, template); "
            f"cold = first request after cache.clear(); warm = 1 warm-up then {args.runs} timed requests",
            "data": "tiaodu demo (every module's demo data)",
        },
        "runs": runs,
        "target_met": all(r["target_met"] for r in runs),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    benchlib.merge_results(RESULT_KEY, report, args.output)
    print()
    print(f"{'database':<12}{'role':<10}{'cold ms':>9}{'median ms':>11}{'p95 ms':>9}{'queries':>9}")
    for run in runs:
        for row in run["roles"]:
            print(
                f"{run['database']['vendor']:<12}{row['role']:<10}{row['cold_ms']:>9.1f}"
                f"{row['median_ms']:>11.1f}{row['p95_ms']:>9.1f}{row['queries']:>9}"
            )
    print(
        f"target (warm median < {TARGET_MS:g} ms for every role) met: {report['target_met']}; written {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
