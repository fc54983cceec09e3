"""Benchmark: closing a dispatch round of 5,000 projects and computing its totals (target: under 2 s),
on PostgreSQL and SQLite.

``.venv/bin/python bench/bench_dispatch.py`` runs one worker per database: SQLite in a temporary
directory, and PostgreSQL in its own database (``tiaodu_bench_dispatch``, dropped afterwards) on
``--postgres URL`` / ``TIAODU_BENCH_DATABASE_URL`` / postgres://postgres@127.0.0.1:5432/ (skipped
with a message when no server answers). Each worker migrates, loads the Chongqing regions, inserts
the projects in 潼南区's 23 镇街 (``bulk_create``), then for each of three rounds:

* opens the round over all the projects (``open_round``: one ``INSERT … SELECT`` of the slots);
* fills in 95 % of the reports set-based (one ``UPDATE``: investment, progress, headcount), so
  that 5 % stay missing;
* times ``totals()`` alone (the one aggregate query) and then ``close_round()`` (lock, the
  aggregate, the ``UPDATE`` of every project's 累计完成投资, the round's save and its audit entry),
  and counts the SQL statements each executed (the same for any number of projects).

The figures are merged into ``bench/results.json`` under ``"dispatch_close"``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import benchlib

PG_DB = "tiaodu_bench_dispatch"
RESULT_KEY = "dispatch_close"
TARGET_S = 2.0
DISTRICT = "500152"  # 潼南区
ROUNDS = 3


# --- The measurement (inside Django) -------------------------------------------------------------


def setup_database(projects: int) -> dict[str, float]:
    from decimal import Decimal

    from django.core.management import call_command

    from tiaodu.projects.models import Project
    from tiaodu.regions.choices import Level
    from tiaodu.regions.models import Region
    from tiaodu.regions.services import load_regions

    timings = {}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    load_regions(["50"])
    towns = list(Region.objects.filter(parent__code=DISTRICT, level=Level.TOWNSHIP).order_by("code"))
    Project.objects.bulk_create(
        [
            Project(
                name=f"基准项目{n:05d}",
                township=towns[n % len(towns)],
                stage="building",
                total_investment=Decimal(100000),
                annual_plan=Decimal(20000),
                investment_completed=Decimal(1000),
            )
            for n in range(projects)
        ],
        batch_size=1000,
    )
    timings["regions_projects_s"] = round(time.perf_counter() - t0, 1)
    return timings


def fill_reports(round_id: int) -> float:
    """95 % of the slots submitted, in one UPDATE (the rest stay missing)."""
    from django.db import connection, transaction

    from tiaodu.dispatch.models import DispatchReport

    table = DispatchReport._meta.db_table
    now = connection.ops.adapt_datetimefield_value(datetime.now(UTC))
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET investment = (project_id %% 97) + 0.5, progress = project_id %% 100, "
            "workers_required = 100 + project_id %% 50, workers_on_site = 90 + project_id %% 50, "
            "submitted_at = %s WHERE round_id = %s AND project_id %% 20 <> 0",
            [now, round_id],
        )
    return time.perf_counter() - t0


def timed(fn: Any, *args: Any) -> tuple[Any, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        value = fn(*args)
        seconds = time.perf_counter() - t0
    return value, seconds, len(ctx.captured_queries)


def one_round(n: int, start: date) -> dict[str, Any]:
    from tiaodu.dispatch import services
    from tiaodu.projects.models import Project
    from tiaodu.regions.models import Region

    district = Region.objects.get(code=DISTRICT)
    label = f"基准第{n}旬"
    rnd, open_s, open_q = timed(
        lambda: services.open_round(
            None,
            district=district,
            period_kind="xun",
            period_label=label,
            period_start=start,
            period_end=start + timedelta(days=9),
            due_on=start + timedelta(days=9),
            projects=Project.objects.filter(township__path__startswith=district.path),
        )
    )
    fill_s = fill_reports(rnd.pk)
    figures, totals_s, totals_q = timed(services.totals, rnd)
    closed, close_s, close_q = timed(services.close_round, None, rnd.pk)
    return {
        "round": label,
        "projects": closed.expected_count,
        "reported": closed.reported_count,
        "investment_total": str(closed.investment_total),
        "attendance_rate": str(closed.attendance_rate),
        "open_s": round(open_s, 3),
        "open_statements": open_q,
        "fill_s": round(fill_s, 3),
        "totals_s": round(totals_s, 3),
        "totals_statements": totals_q,
        "close_s": round(close_s, 3),
        "close_statements": close_q,
        "figures_match": figures.reported == closed.reported_count,
    }


def worker(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    import django

    django.setup()
    from django.db import connection

    setup = setup_database(args.projects)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0]
            cursor.execute("ANALYZE")
        else:
            version = ".".join(str(v) for v in connection.Database.sqlite_version_info)
    start = date.today() - timedelta(days=10 * ROUNDS)
    runs = []
    for n in range(1, ROUNDS + 1):
        run = one_round(n, start + timedelta(days=10 * (n - 1)))
        runs.append(run)
        print(
            f"  [{connection.vendor}] round {n}: {run['projects']:,} projects  open {run['open_s']:.3f} s  "
            f"totals {run['totals_s']:.3f} s  close {run['close_s']:.3f} s ({run['close_statements']} statements)",
            flush=True,
        )
    close = [r["close_s"] for r in runs]
    return {
        "database": {"vendor": connection.vendor, "version": version},
        "setup_seconds": setup,
        "runs": runs,
        "close_median_s": round(statistics.median(close), 3),
        "close_max_s": round(max(close), 3),
        "totals_median_s": round(statistics.median(r["totals_s"] for r in runs), 3),
        "target_met": max(close) < TARGET_S and runs[0]["projects"] >= args.projects,
    }


# --- Orchestration -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local)")
    parser.add_argument("--projects", type=int, default=5000, help="projects per round (default 5000)")
    parser.add_argument("--settings", default="tiaodu.settings", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    worker_args = ["--projects", str(args.projects), "--settings", args.settings]
    try:
        runs = benchlib.run_both(__file__, PG_DB, "tiaodu-bench-dispatch-", worker_args, args.postgres)
    except benchlib.PostgresUnreachable as exc:
        print(exc, file=sys.stderr)
        return 2

    report = {
        **benchlib.report_header(
            "closing a dispatch round (tiaodu.dispatch.services.close_round) and its totals"
        ),
        "projects": args.projects,
        "targets": {"close_max_s": TARGET_S},
        "runs": runs,
        "target_met": all(r["target_met"] for r in runs),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    benchlib.merge_results(RESULT_KEY, report, args.output)

    print()
    print(
        f"{'database':<12}{'projects':>10}{'open s':>9}{'totals s':>10}{'close s (median/max)':>24}{'stmts':>7}"
    )
    for run in runs:
        first = run["runs"][0]
        print(
            f"{run['database']['vendor']:<12}{first['projects']:>10,}{first['open_s']:>9.3f}"
            f"{run['totals_median_s']:>10.3f}{run['close_median_s']:>14.3f} / {run['close_max_s']:.3f}"
            f"{first['close_statements']:>7}"
        )
    print(f"target (close < {TARGET_S:g} s) met: {report['target_met']}; written {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
