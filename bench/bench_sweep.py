"""Benchmark: the 红黄牌 sweep over 1,000,000 open cases on PostgreSQL (target: under 30 s, and a
number of SQL statements that does not depend on the number of cases).

``.venv/bin/python bench/bench_sweep.py`` creates its own PostgreSQL database
(``tiaodu_bench_sweep``, dropped afterwards) on ``--postgres URL`` / ``TIAODU_BENCH_DATABASE_URL`` /
postgres://postgres@127.0.0.1:5432/ — and skips with a message when no server answers — migrates
it, loads the Chongqing regions (50) and the demo data, then for each size (10,000 and 1,000,000
open appeal cases):

* empties the case tables and inserts the cases set-based (``INSERT … SELECT … FROM
  generate_series``: no Python per row), spread over the 10 appeal categories, 潼南区's 23 镇街
  and the four open states, with due dates from 45 days ago to 44 days ahead — so that about 8 %
  become yellow and 42 % red on the first run — every 50th having had a yellow card before
  (reopened: red straight away when late again), plus 1 % closed cases still carrying a yellow
  card (to be lifted); then ``ANALYZE``;
* runs ``sweep()`` three times — the first run (all the catching up), the second on the same day
  (nothing to do), and one on the next working day (the daily increment) — and records the wall
  time of each and the SQL statements it executed (``CaptureQueriesContext``), which must be the
  same for both sizes: the sweep does constant work in Python.

The figures are merged into ``bench/results.json`` under ``"sweep"`` (read-modify-write under a
lock: other benchmarks write other keys).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import benchlib

PG_DB = "tiaodu_bench_sweep"
RESULT_KEY = "sweep"
TARGET_S = 30.0
DISTRICT = "500152"  # 潼南区
OPEN_STATES = ["accepted", "assigned", "in_progress", "returned"]


# --- The measurement (inside Django) -------------------------------------------------------------


def setup_database() -> dict[str, float]:
    return benchlib.setup_demo_database()


def _tables() -> dict[str, str]:
    from tiaodu.cases.models import CardRecord, Case, CaseCategory, CaseEvent

    return {
        "case": Case._meta.db_table,
        "record": CardRecord._meta.db_table,
        "event": CaseEvent._meta.db_table,
        "category": CaseCategory._meta.db_table,
    }


def reset_cases() -> None:
    """Empty the case tables (and, by cascade, what refers to cases: links, needs, services)."""
    from django.db import connection

    t = _tables()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {t['case']}, {t['record']}, {t['event']} RESTART IDENTITY CASCADE")


def insert_cases(count: int, today: date) -> dict[str, Any]:
    """``count`` open appeal cases plus 1 % closed ones still carded, in three statements."""
    from django.db import connection, transaction

    from tiaodu.cases.models import CaseCategory
    from tiaodu.regions.choices import Level
    from tiaodu.regions.models import Region

    t = _tables()
    categories = list(
        CaseCategory.objects.filter(workflow="appeal").order_by("pk").values_list("pk", "department_id")
    )
    towns = list(
        Region.objects.filter(parent__code=DISTRICT, level=Level.TOWNSHIP)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    closed = count // 100
    columns = (
        "workflow, number, category_id, title, description, state, source, region_id, handling_org_id, "
        "raised_on, due_on, accepted_at, resolution, rating_note, card, yellow_count, is_open, "
        "created_at, updated_at, version"
    )
    # Due dates cycle through today-45 … today+44 (a multiplicative hash spreads them over ids).
    select = """
        SELECT 'appeal', %(prefix)s || lpad(g::text, 9, '0'),
               (%(cats)s::bigint[])[1 + g %% %(ncat)s], '基准诉求' || g, '基准测试用诉求内容', %(state)s,
               '', (%(towns)s::bigint[])[1 + (g / 7) %% %(ntown)s], (%(depts)s::bigint[])[1 + g %% %(ncat)s],
               d - 14, d, now(), '', '', %(card)s, %(yellow)s, %(open)s, now(), now(), 1
        FROM (SELECT g, %(today)s::date + ((g::bigint * 7919) %% 90 - 45)::int AS d FROM generate_series(1, %(n)s) g) s
    """
    common = {
        "cats": [c for c, _d in categories],
        "depts": [d for _c, d in categories],
        "ncat": len(categories),
        "towns": towns,
        "ntown": len(towns),
        "today": today,
    }
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {t['case']} ({columns}) "
            + select.replace("%(state)s", f"(%(states)s::text[])[1 + g %% {len(OPEN_STATES)}]").replace(
                "%(yellow)s", "CASE WHEN g %% 50 = 0 THEN 1 ELSE 0 END"
            ),
            {**common, "prefix": "BO", "states": OPEN_STATES, "card": "none", "open": True, "n": count},
        )
        cursor.execute(
            f"INSERT INTO {t['case']} ({columns}) " + select.replace("%(yellow)s", "1"),
            {**common, "prefix": "BC", "state": "resolved", "card": "yellow", "open": False, "n": closed},
        )
        cursor.execute(
            f"INSERT INTO {t['record']} (case_id, card, issued_on, reason) "
            f"SELECT id, 'yellow', due_on + 1, 'overdue' FROM {t['case']} WHERE is_open = false",
        )
    inserted = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {t['case']}, {t['record']}, {t['event']}")
    return {"open_cases": count, "closed_carded_cases": closed, "insert_s": round(inserted, 1)}


def timed_sweep(day: date) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tiaodu.cases.sweep import sweep

    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = sweep(day)
        seconds = time.perf_counter() - t0
    statements = [q["sql"] for q in ctx.captured_queries]
    return {
        "date": day.isoformat(),
        "seconds": round(seconds, 2),
        "statements": len(statements),
        "yellow": result.yellow,
        "red": result.red,
        "lifted": result.lifted,
        "statement_kinds": [s.split(None, 1)[0].upper() for s in statements],
    }


def card_counts() -> dict[str, int]:
    from django.db.models import Count

    from tiaodu.cases.models import Case

    rows = Case.objects.filter(is_open=True).values("card").annotate(n=Count("pk"))
    return {row["card"]: row["n"] for row in rows}


def measure(count: int, today: date) -> dict[str, Any]:
    from tiaodu.cases.workdays import add_workdays

    reset_cases()
    data = insert_cases(count, today)
    print(f"  {count:,} open cases inserted in {data['insert_s']} s; sweeping ...", flush=True)
    data["first_run"] = timed_sweep(today)
    data["second_run_same_day"] = timed_sweep(today)
    data["next_working_day"] = timed_sweep(add_workdays(today, 1))
    data["open_cases_by_card"] = card_counts()
    for name in ("first_run", "second_run_same_day", "next_working_day"):
        run = data[name]
        print(
            f"  {name:<20} {run['seconds']:>7.2f} s  {run['statements']:>2} statements  "
            f"yellow {run['yellow']:,} red {run['red']:,} lifted {run['lifted']:,}",
            flush=True,
        )
    return data


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from tiaodu.cases.workdays import is_workday

    setup = setup_database()
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    runs = []
    for count in args.sizes:
        print(f"== {count:,} open cases", flush=True)
        runs.append(measure(count, today))
    biggest = max(runs, key=lambda r: r["open_cases"])
    constant = len({r["first_run"]["statements"] for r in runs}) == 1
    return {
        "benchmark": "红黄牌 sweep (tiaodu.cases.sweep.sweep) over open cases on PostgreSQL",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": benchlib.git_commit(),
        "machine": benchlib.machine_info(),
        "django": django.get_version(),
        "database": {"vendor": connection.vendor, "version": version, "name": PG_DB},
        "today": today.isoformat(),
        "today_is_workday": is_workday(today),
        "targets": {
            "first_run_max_s": TARGET_S,
            "statements": "the same for every number of cases (constant Python work per run)",
        },
        "setup_seconds": setup,
        "runs": runs,
        "statements_constant": constant,
        "target_met": constant
        and biggest["first_run"]["seconds"] < TARGET_S
        and biggest["open_cases"] >= 1_000_000,
    }


# --- Orchestration -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local)")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[10_000, 1_000_000],
        help="numbers of open cases, comma-separated (default 10000,1000000)",
    )
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2))
        return 0

    base = args.postgres or os.environ.get("TIAODU_BENCH_DATABASE_URL")
    explicit = bool(base)
    base = base or benchlib.DEFAULT_PG_URL
    if not benchlib.pg_reachable(base):
        if explicit:
            print(f"PostgreSQL at {base} is not reachable", file=sys.stderr)
            return 2
        print(f"sweep benchmark: skipped (no PostgreSQL answers at {benchlib.DEFAULT_PG_URL})")
        return 0

    print(f"== PostgreSQL: database {PG_DB} on {urlsplit(base).hostname}", flush=True)
    started = time.perf_counter()
    benchlib.pg_recreate(base, PG_DB)
    try:
        with tempfile.TemporaryDirectory(prefix="tiaodu-bench-sweep-") as tmp:
            sizes = ",".join(str(n) for n in args.sizes)
            report = benchlib.run_worker(__file__, benchlib.pg_url(base, PG_DB), tmp, ["--sizes", sizes])
    finally:
        benchlib.pg_recreate(base, PG_DB, drop_only=True)
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    benchlib.merge_results(RESULT_KEY, report, args.output)

    print()
    print(f"{'open cases':>12}{'1st run s':>11}{'2nd run s':>11}{'next day s':>12}{'statements':>12}")
    for run in report["runs"]:
        print(
            f"{run['open_cases']:>12,}{run['first_run']['seconds']:>11.2f}"
            f"{run['second_run_same_day']['seconds']:>11.2f}{run['next_working_day']['seconds']:>12.2f}"
            f"{run['first_run']['statements']:>12}"
        )
    print(
        f"statements constant: {report['statements_constant']}; target (< {TARGET_S:g} s over 1,000,000) met: "
        f"{report['target_met']}; written {args.output} in {report['elapsed_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
