"""Benchmark: importing 100,000 enterprises from xlsx vs. the xlsx reader alone.

The target (issue 3): ``tiaodu import enterprises FILE`` for 100,000 rows finishes within 3x
the time openpyxl (read-only mode, the reader the import uses) takes just to read the file.

``.venv/bin/python bench/bench_import.py [--rows N] [--postgres URL]`` runs, per database, in
its own subprocess (Django reads the database from the environment at start-up):

1. a fresh database — SQLite in a temporary directory always; PostgreSQL too when ``--postgres``
   (or ``TIAODU_BENCH_DATABASE_URL``) names a server, in a dedicated database
   ``tiaodu_imp_bench`` created before and dropped after — migrated, with the Chongqing regions
   (province 50) and the demo data;
2. a generated xlsx of N enterprises (valid GB 32100 credit codes, the 23 镇街 of 潼南区, the
   issue's Chinese headers plus the optional columns, liaison department and squad by name);
3. timings, interleaved so both see the same machine load: the reader alone (open the workbook
   read-only and fetch every row's values, as the import does), then the full import through
   :func:`tiaodu.core.imports.run_import` — the same code as the CLI and the web page: file
   checks, header mapping, parsing and validating every cell (credit-code checksum, township,
   industry code, links), the scope checks, bulk writes of the organisations and enterprises,
   the ImportBatch and its audit entry — into the empty registry; then a second import of the
   same file (every row an unchanged upsert) and one with every row changed (bulk update).

The figures are merged into ``bench/results.json`` under the key ``import_enterprises``
(read-modify-write: the other benchmarks' keys are kept).
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

import benchlib

KEY = "import_enterprises"
PG_DB = "tiaodu_imp_bench"
TARGET_RATIO = 3.0
HOME = "500152"  # 潼南区
HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "所属镇街",
    "行业代码",
    "规上企业",
    "重点企业",
    "联系领导",
    "联系科室",
    "服务专班",
    "产值规模",
    "专精特新",
    "联系人",
    "联系电话",
    "地址",
]
BRANDS = "鑫达盛华恒泰源丰宏瑞兴隆锦安福顺嘉裕润凯博通信德昌荣鼎汇诚永宝金天瀚祥和星辰睿卓"
TRADES = ["食品", "机械制造", "新材料", "电子科技", "农业开发", "建材", "物流", "化工", "医药", "汽车零部件"]
INDUSTRY_CODES = ["C1311", "C3411", "C2929", "C3981", "A0141", "C3021", "G5431", "C2614", "C2720", "C3670"]
TIERS = ["", "", "", "5000万元以下", "5000万元以上", "亿元以上", "十亿元以上"]
DEPARTMENTS = ["经信委", "发改委", "商务委", "", ""]
SQUADS = ["重点项目服务一专班", "重点项目服务二专班", "", "", ""]


def credit_code(serial: int) -> str:
    from stdnum.cn import uscc

    base = f"91{HOME}MA{serial:07d}"
    return base + uscc.calc_check_digit(base)


def write_workbook(path: Path, count: int, townships: list[str], variant: int = 0) -> None:
    """N enterprise rows; ``variant`` changes every row's name and flags (for the update run)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业名录")
    ws.append(HEADERS)
    for i in range(count):
        brand = BRANDS[i % len(BRANDS)] + BRANDS[(i // len(BRANDS)) % len(BRANDS)]
        trade = TRADES[i % len(TRADES)]
        ws.append(
            [
                credit_code(i + 1),
                f"重庆{brand}{trade}有限公司{i + 1:06d}{'(更名)' if variant else ''}",
                townships[i % len(townships)],
                INDUSTRY_CODES[i % len(INDUSTRY_CODES)],
                "是" if (i + variant) % 3 == 0 else "否",
                "√" if (i + variant) % 17 == 0 else "",
                "",
                DEPARTMENTS[i % len(DEPARTMENTS)],
                SQUADS[i % len(SQUADS)],
                TIERS[i % len(TIERS)],
                "Y" if i % 29 == 0 else "N",
                "张三",
                f"1380000{i % 10000:04d}",
                f"重庆市潼南区{townships[i % len(townships)]}工业园{i % 400 + 1}号",
            ]
        )
    wb.save(path)


def read_only(path: Path) -> int:
    """What the reader alone costs: every row's values, read-only, as the import reads them."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    ws.reset_dimensions()  # type: ignore[union-attr]
    count = sum(1 for _row in ws.iter_rows(values_only=True))
    wb.close()
    return count


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def timed_cpu(fn: Any, *args: Any) -> tuple[float, float, Any]:
    """Wall-clock and this process's CPU seconds (the CPU figure is steadier on a busy machine;
    for PostgreSQL it leaves out the server's own work)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, value


# --- the worker: one database ----------------------------------------------------------------------


def worker(out: Path, rows: int, reps: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tiaodu.core.demo import load_demo
    from tiaodu.core.imports import run_import
    from tiaodu.enterprises.models import Enterprise
    from tiaodu.orgs.models import Organization
    from tiaodu.regions.models import Region
    from tiaodu.regions.services import load_regions

    setup: dict[str, float] = {}
    setup["migrate_s"], _ = timed(call_command, "migrate", interactive=False, verbosity=0)
    start = time.perf_counter()
    load_regions(["50"])
    load_demo()
    setup["regions_demo_s"] = time.perf_counter() - start
    townships = list(Region.objects.filter(parent__code=HOME).order_by("code").values_list("name", flat=True))

    work = Path(tempfile.mkdtemp(prefix="tiaodu-bench-import-"))
    new_file, changed_file = work / "enterprises.xlsx", work / "enterprises-changed.xlsx"
    setup["generate_xlsx_s"], _ = timed(write_workbook, new_file, rows, townships)
    write_workbook(changed_file, rows, townships, variant=1)

    reads: list[float] = []
    read_cpus: list[float] = []
    imports: dict[str, Any] = {}
    counts_before = (Enterprise.objects.count(), Organization.objects.count())

    def read() -> None:
        seconds, cpu, count = timed_cpu(read_only, new_file)
        assert count == rows + 1, count
        reads.append(seconds)
        read_cpus.append(cpu)

    def do_import(label: str, path: Path, expect: dict[str, int]) -> None:
        seconds, cpu, result = timed_cpu(run_import, "enterprises", path)
        assert result.ok, result.error_lines()[:5]
        got = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        assert got == expect, (label, got)
        imports[label] = {
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "rows": result.rows,
            **got,
        }

    # Interleave the reader and the imports so that both see the same machine load.
    read()
    do_import("create", new_file, {"created": rows, "updated": 0, "unchanged": 0})
    read()
    do_import("upsert_unchanged", new_file, {"created": 0, "updated": 0, "unchanged": rows})
    read()
    do_import("upsert_changed", changed_file, {"created": 0, "updated": rows, "unchanged": 0})
    for _ in range(max(0, reps - 3)):
        read()
    counts_after = (Enterprise.objects.count(), Organization.objects.count())
    assert counts_after == (counts_before[0] + rows, counts_before[1] + rows), (counts_before, counts_after)

    reader, reader_cpu = statistics.median(reads), statistics.median(read_cpus)
    for run in imports.values():
        run["ratio_to_reader"] = round(run["seconds"] / reader, 2)
        run["cpu_ratio_to_reader"] = round(run["cpu_seconds"] / reader_cpu, 2)
    vendor = connection.vendor
    result = {
        "database": {
            "vendor": vendor,
            "version": ".".join(str(v) for v in connection.Database.sqlite_version_info)
            if vendor == "sqlite"
            else str(connection.cursor().connection.info.server_version),
        },
        "rows": rows,
        "file_bytes": new_file.stat().st_size,
        "cells": rows * len(HEADERS),
        "setup_seconds": {k: round(v, 2) for k, v in setup.items()},
        "reader_seconds": {
            "runs": [round(r, 2) for r in reads],
            "median": round(reader, 2),
            "cpu_runs": [round(r, 2) for r in read_cpus],
            "cpu_median": round(reader_cpu, 2),
        },
        "import": imports,
        "ratio": imports["create"]["ratio_to_reader"],
        "target_met": imports["create"]["ratio_to_reader"] <= TARGET_RATIO,
    }
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    for path in (new_file, changed_file):
        path.unlink()
    work.rmdir()


# --- the driver ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3, help="reader timings (at least 3, interleaved)")
    parser.add_argument("--postgres", default=os.environ.get("TIAODU_BENCH_DATABASE_URL", ""))
    parser.add_argument(
        "--output", type=Path, default=benchlib.RESULTS, help="the results file to merge into"
    )
    parser.add_argument("--no-save", action="store_true", help="print, do not write the results file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker), args.rows, max(3, args.reps))
        return

    started = time.perf_counter()
    worker_args = ["--rows", str(args.rows), "--reps", str(args.reps)]
    runs = []
    with tempfile.TemporaryDirectory(prefix="tiaodu-bench-import-") as tmp:
        sqlite_dir = Path(tmp) / "sqlite"
        sqlite_dir.mkdir()
        print(f"SQLite: {args.rows} enterprises …", flush=True)
        sqlite_url = f"sqlite:///{sqlite_dir / 'bench.sqlite3'}"
        runs.append(benchlib.run_worker(__file__, sqlite_url, sqlite_dir, worker_args))
        if args.postgres:
            benchlib.pg_recreate(args.postgres, PG_DB)
            try:
                pg_dir = Path(tmp) / "postgres"
                pg_dir.mkdir()
                print(f"PostgreSQL: {args.rows} enterprises …", flush=True)
                runs.append(
                    benchlib.run_worker(__file__, benchlib.pg_url(args.postgres, PG_DB), pg_dir, worker_args)
                )
            finally:
                benchlib.pg_recreate(args.postgres, PG_DB, drop_only=True)

    import django

    figures = {
        "benchmark": "tiaodu import enterprises: 100,000-row xlsx, full import vs. the openpyxl read-only reader alone",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": benchlib.git_commit(),
        "machine": benchlib.machine_info(),
        "django": django.get_version(),
        "target": f"import seconds / reader seconds <= {TARGET_RATIO} (the 'create' run)",
        "method": {
            "reader": "openpyxl.load_workbook(read_only=True, data_only=True), every row's values (median of the interleaved runs)",
            "import": "tiaodu.core.imports.run_import('enterprises', FILE) as the CLI runs it (operator, all-or-nothing): "
            "file checks, header mapping, per-cell parsing and validation, bulk_create / bulk_update in chunks of 2,000, "
            "one ImportBatch with its audit entry",
            "runs": "create = empty registry; upsert_unchanged = the same file again; upsert_changed = every row's name and flags changed",
        },
        "record_count": args.rows,
        "runs": runs,
        "target_met": all(r["target_met"] for r in runs),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    for run in runs:
        db = run["database"]["vendor"]
        done = run["import"]
        print(
            f"{db}: reader {run['reader_seconds']['median']} s, import {done['create']['seconds']} s "
            f"(ratio {run['ratio']}, CPU ratio {done['create']['cpu_ratio_to_reader']}), "
            f"unchanged upsert {done['upsert_unchanged']['seconds']} s "
            f"(ratio {done['upsert_unchanged']['ratio_to_reader']}), "
            f"changed upsert {done['upsert_changed']['seconds']} s (ratio {done['upsert_changed']['ratio_to_reader']})"
        )
    if not args.no_save:
        benchlib.merge_results(KEY, figures, args.output)
        print(f"written to {args.output} under '{KEY}'")


if __name__ == "__main__":
    main()
