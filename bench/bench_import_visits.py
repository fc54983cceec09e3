"""Benchmark: importing visits (走访) and historical appeals from xlsx vs. the xlsx reader alone.

The target (issue 13): the visits and appeals importers reach the enterprises importer's speed —
``tiaodu import visits|appeals FILE`` within 3x the time openpyxl (read-only, the reader the
import uses) takes just to read the file. Before the set-based rewrite 5,000 visits took 17.7 s
and 100,000 did not finish in 10 minutes.

``.venv/bin/python bench/bench_import_visits.py [--rows N] [--enterprises M] [--postgres URL]``
runs, per database, in its own subprocess (as bench_import.py):

1. a fresh database (SQLite in a temporary directory; PostgreSQL too with ``--postgres`` or
   ``TIAODU_BENCH_DATABASE_URL``, in a dedicated database created before and dropped after),
   migrated, with the Chongqing regions and the demo data, and M enterprises imported;
2. two generated xlsx files of N rows: visits (走访日期, 统一社会信用代码, 走访单位 by short name,
   走访人, 情况记录) and appeals (统一社会信用代码, 类别, 诉求内容, 提出日期, 来源 — a fifth 走访,
   linked to the latest visit — 状态, 办结日期, 办理结果, 满意度);
3. timings, interleaved with the reader: the visits import as the operator (the CLI), the same
   file again (every row an unchanged duplicate), the visits import as a department user (the
   permission scope and the 走访单位 rule), then the appeals import as the operator. Every
   import writes its per-object audit entries (counted and checked).

The figures are merged into ``bench/results.json`` under ``import_visits_appeals``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_import
import benchlib

KEY = "import_visits_appeals"
PG_DB = "tiaodu_visits_bench"
TARGET_RATIO = 3.0
UNITS = ["经信委", "发改委", "商务委", ""]
CATEGORIES = ["用工", "融资", "原材料供应", "物流运输", "其他"]
STATES = [("已办结", True), ("办理中", False), ("", False), ("已评价", True)]


def day(i: int) -> dt.date:
    """Dates within 2022 (the demo working-day calendar covers them), weekdays and weekends."""
    return dt.date(2022, 1, 10) + dt.timedelta(days=i % 320)


def write_visits(path: Path, count: int, enterprises: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("走访记录")
    ws.append(["走访日期", "统一社会信用代码", "走访单位", "走访人", "情况记录"])
    for i in range(count):
        ws.append(
            [
                day(i).isoformat(),
                bench_import.credit_code(i % enterprises + 1),
                UNITS[i % len(UNITS)],
                f"走访人{i:06d}、陪同{i % 7}",
                f"了解企业用工和融资情况,第{i}次记录" if i % 3 else "",
            ]
        )
    wb.save(path)


def write_appeals(path: Path, count: int, enterprises: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("历史诉求")
    ws.append(
        ["统一社会信用代码", "类别", "诉求内容", "提出日期", "来源", "状态", "办结日期", "办理结果", "满意度"]
    )
    for i in range(count):
        state, resolved = STATES[i % len(STATES)]
        raised = day(i + 3)
        ws.append(
            [
                bench_import.credit_code(i % enterprises + 1),
                CATEGORIES[i % len(CATEGORIES)],
                f"诉求内容{i:06d}:春节后缺普工{i % 90 + 10}人",
                raised.isoformat(),
                "走访" if i % 5 == 0 else "电话",
                state,
                (raised + dt.timedelta(days=5)).isoformat() if resolved else "",
                "已协调解决" if resolved else "",
                "满意" if state == "已评价" else "",
            ]
        )
    wb.save(path)


def worker(out: Path, rows: int, enterprises: int, reps: int, audit: bool = True, profile: str = "") -> None:
    import django

    django.setup()
    if not audit:  # --no-audit: the same imports without their per-object entries, for the cost
        from tiaodu.enterprises import imports as importers

        importers.audit_objects = lambda *args, **kwargs: None  # type: ignore[assignment]
    from auditlog.models import LogEntry
    from django.core.management import call_command
    from django.db import connection

    from tiaodu.accounts.models import User
    from tiaodu.cases.models import Case
    from tiaodu.core.demo import load_demo
    from tiaodu.core.imports import run_import
    from tiaodu.enterprises.models import Visit
    from tiaodu.regions.models import Region
    from tiaodu.regions.services import load_regions

    timed = bench_import.timed
    setup: dict[str, float] = {}
    setup["migrate_s"], _ = timed(call_command, "migrate", interactive=False, verbosity=0)
    start = time.perf_counter()
    load_regions(["50"])
    load_demo()
    setup["regions_demo_s"] = time.perf_counter() - start
    townships = list(
        Region.objects.filter(parent__code=bench_import.HOME).order_by("code").values_list("name", flat=True)
    )
    work = Path(tempfile.mkdtemp(prefix="tiaodu-bench-visits-"))
    registry = work / "enterprises.xlsx"
    bench_import.write_workbook(registry, enterprises, townships)
    setup["enterprises_s"], done = timed(run_import, "enterprises", registry)
    assert done.ok and done.created == enterprises, done.error_lines()[:5]
    visits_file, appeals_file = work / "visits.xlsx", work / "appeals.xlsx"
    setup["generate_xlsx_s"], _ = timed(write_visits, visits_file, rows, enterprises)
    write_appeals(appeals_file, rows, enterprises)
    department = User.objects.get(username="jxw")

    reads: dict[str, list[float]] = {"visits": [], "appeals": []}
    imports: dict[str, Any] = {}

    def read(kind: str, path: Path) -> None:
        seconds, _cpu, count = bench_import.timed_cpu(bench_import.read_only, path)
        assert count == rows + 1, count
        reads[kind].append(seconds)

    def audit_count() -> int:
        return LogEntry.objects.exclude(content_type__model="importbatch").count()

    def do_import(label: str, kind: str, path: Path, expect: dict[str, int], actor: Any = None) -> None:
        audits = audit_count()
        if profile:  # --profile DIR: one cProfile file per run (the timings then include its overhead)
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        seconds, cpu, result = bench_import.timed_cpu(lambda: run_import(kind, path, actor=actor))
        if profile:
            profiler.disable()
            profiler.dump_stats(Path(profile) / f"{connection.vendor}-{label}.prof")
        assert result.ok, result.error_lines()[:5]
        got = {"created": result.created, "unchanged": result.unchanged}
        assert got == expect, (label, got)
        written = audit_count() - audits
        assert written == (result.created if audit else 0), (label, written)  # one per created object
        imports[label] = {
            "kind": kind,
            "actor": actor.username if actor else "operator (CLI)",
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "rows": result.rows,
            "audit_entries": written,
            **got,
        }

    read("visits", visits_file)
    do_import("visits_create", "visits", visits_file, {"created": rows, "unchanged": 0})
    read("visits", visits_file)
    do_import("visits_again_unchanged", "visits", visits_file, {"created": 0, "unchanged": rows})
    read("appeals", appeals_file)
    do_import("appeals_create", "appeals", appeals_file, {"created": rows, "unchanged": 0})
    read("appeals", appeals_file)
    for _ in range(max(0, reps - 2)):
        read("visits", visits_file)
        read("appeals", appeals_file)
    # The department user: a fresh set of rows (other visitors) through the scope checks.
    scoped_file = work / "visits-jxw.xlsx"
    write_visits(scoped_file, rows, enterprises)
    from openpyxl import load_workbook

    wb = load_workbook(scoped_file)
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=2, min_col=4, max_col=4):
        row[0].value = f"经信委{row[0].value}"
    wb.save(scoped_file)
    read("visits", scoped_file)
    do_import(
        "visits_create_department_user", "visits", scoped_file, {"created": rows, "unchanged": 0}, department
    )
    linked = Case.objects.filter(visits__isnull=False).distinct().count()

    medians = {kind: statistics.median(values) for kind, values in reads.items()}
    for run in imports.values():
        run["ratio_to_reader"] = round(run["seconds"] / medians[run["kind"]], 2)
    vendor = connection.vendor
    result = {
        "database": {
            "vendor": vendor,
            "version": ".".join(str(v) for v in connection.Database.sqlite_version_info)
            if vendor == "sqlite"
            else str(connection.cursor().connection.info.server_version),
        },
        "rows": rows,
        "enterprises": enterprises,
        "visits_in_database": Visit.objects.count(),
        "appeals_linked_to_a_visit": linked,
        "setup_seconds": {k: round(v, 2) for k, v in setup.items()},
        "reader_seconds": {
            kind: {"runs": [round(r, 2) for r in v], "median": round(medians[kind], 2)}
            for kind, v in reads.items()
        },
        "audit_entries_written": audit,
        "import": imports,
        "target_met": all(run["ratio_to_reader"] <= TARGET_RATIO for run in imports.values()),
    }
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    for path in work.iterdir():
        path.unlink()
    work.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--enterprises", type=int, default=2_000)
    parser.add_argument("--reps", type=int, default=3, help="reader timings per file (interleaved)")
    parser.add_argument("--postgres", default=os.environ.get("TIAODU_BENCH_DATABASE_URL", ""))
    parser.add_argument("--pg-db", default=PG_DB, help="the throw-away PostgreSQL database's name")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--no-save", action="store_true", help="print, do not write the results file")
    parser.add_argument(
        "--no-audit", action="store_true", help="skip the per-object audit entries (to measure their cost)"
    )
    parser.add_argument(
        "--profile", default="", help="write a cProfile file per import run into this directory"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(
            Path(args.worker),
            args.rows,
            args.enterprises,
            max(2, args.reps),
            audit=not args.no_audit,
            profile=args.profile,
        )
        return

    started = time.perf_counter()
    worker_args = ["--rows", str(args.rows), "--enterprises", str(args.enterprises), "--reps", str(args.reps)]
    if args.no_audit:
        worker_args.append("--no-audit")
    if args.profile:
        worker_args += ["--profile", str(Path(args.profile).resolve())]
    runs = []
    with tempfile.TemporaryDirectory(prefix="tiaodu-bench-visits-") as tmp:
        sqlite_dir = Path(tmp) / "sqlite"
        sqlite_dir.mkdir()
        print(f"SQLite: {args.rows} visits and appeals …", flush=True)
        runs.append(
            benchlib.run_worker(
                __file__, f"sqlite:///{sqlite_dir / 'bench.sqlite3'}", sqlite_dir, worker_args
            )
        )
        if args.postgres:
            benchlib.pg_recreate(args.postgres, args.pg_db)
            try:
                pg_dir = Path(tmp) / "postgres"
                pg_dir.mkdir()
                print(f"PostgreSQL: {args.rows} visits and appeals …", flush=True)
                runs.append(
                    benchlib.run_worker(
                        __file__, benchlib.pg_url(args.postgres, args.pg_db), pg_dir, worker_args
                    )
                )
            finally:
                benchlib.pg_recreate(args.postgres, args.pg_db, drop_only=True)

    import django

    figures = {
        "benchmark": "tiaodu import visits / appeals: xlsx, full import vs. the openpyxl read-only reader alone",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": benchlib.git_commit(),
        "machine": benchlib.machine_info(),
        "django": django.get_version(),
        "target": f"import seconds / reader seconds <= {TARGET_RATIO} for every run",
        "method": {
            "reader": "openpyxl.load_workbook(read_only=True, data_only=True), every row's values (median of the interleaved runs)",
            "import": "tiaodu.core.imports.run_import as the CLI (operator) or the web page (department user jxw) runs it: "
            "file checks, parsing, the resolver once per distinct value, set-based scope and duplicate checks per chunk "
            "of 2,000, INSERT ... RETURNING, case numbers, open/import events and visit links for appeals, one audit "
            "entry per created object, one ImportBatch",
        },
        "record_count": args.rows,
        "runs": runs,
        "target_met": all(r["target_met"] for r in runs),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    for run in runs:
        db = run["database"]["vendor"]
        readers = run["reader_seconds"]
        print(
            f"{db}: reader visits {readers['visits']['median']} s, appeals {readers['appeals']['median']} s"
        )
        for label, done in run["import"].items():
            print(
                f"  {label}: {done['seconds']} s (ratio {done['ratio_to_reader']}), audit entries {done['audit_entries']}"
            )
    if not args.no_save:
        key = KEY + ("_no_audit" if args.no_audit else "")
        benchlib.merge_results(key, figures, args.output)
        print(f"written to {args.output} under '{key}'")


if __name__ == "__main__":
    main()
