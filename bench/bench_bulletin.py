"""Benchmark: the monthly bulletin (月通报) of a county unit — text, tables of the 38 Chongqing county
units and charts — as Word (target: under 3 s) and PDF (target: under 10 s), also Excel and text.

``.venv/bin/python bench/bench_bulletin.py`` runs one worker process on SQLite in a temporary
directory (the bulletin reads a few thousand figures; the database is not what it measures). The
worker migrates, loads the Chongqing regions and 考核组, imports the 潼南 seed (2022年1-2月 and
2021年1-2月 for all 38 county units, 重庆市 and 全国: the seed's sentence, 5 tables, 6 charts) and,
for the ``full`` scenario, 固定资产投资, 社会消费品零售总额 and 招商引资到位资金 for every unit and
1月 figures, so that the second paragraph, 8 tables, 9 charts and a two-point trend are drawn.

Timed, per scenario and format, ``--runs`` times after one warm-up, each run from scratch:
``build_bulletin()`` (every query, comparison, table and chart's data) plus ``render()`` (charts
drawn with matplotlib, then the file) — what a download from the web page costs in a running
server. Reported separately: the build alone, the charts alone, and, for information, the
**cold** command line (``tiaodu bulletin --format docx|pdf -o FILE`` in a new process: Python,
Django, matplotlib and ReportLab imports and font registration included).

The figures are merged into ``bench/results.json`` under ``"bulletin"``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib

RESULT_KEY = "bulletin"
REGION = "500152"  # 潼南区
PERIOD = "2022年1-2月"
TARGETS_S = {"docx": 3.0, "pdf": 10.0}
FORMATS = ("docx", "pdf", "xlsx", "text")


# --- The worker (inside Django) ----------------------------------------------------------------------


def _extra_figures(path: Path) -> int:
    """固定资产投资, 社会消费品零售总额 and 招商引资到位资金 for every county unit and the city, both
    years, and 1月 figures of the seed's indicators (a trend with two points)."""
    from tiaodu.monitoring.services import compared_units
    from tiaodu.regions.models import Region

    city = Region.objects.get(code="500000")
    units = compared_units(city)
    rows: list[list[Any]] = []
    for i, u in enumerate(units):
        for name, base, step in (
            ("固定资产投资", 80.0, 1.7),
            ("社会消费品零售总额", 60.0, 1.3),
            ("招商引资到位资金", 20.0, 0.9),
        ):
            now = base + (i * step) % 37
            rows.append([u.code, PERIOD, name, f"{now:.2f}"])
            rows.append([u.code, "2021年1-2月", name, f"{now / (1 + ((i * 7) % 23 - 5) / 100):.2f}"])
        rows.append([u.code, "2022年1月", "规模以上工业增加值增速", f"{6 + (i * 3) % 9 * 0.5:.1f}"])
    for name, now, before in (
        ("固定资产投资", 3400, 3100),
        ("社会消费品零售总额", 2600, 2450),
        ("招商引资到位资金", 900, 820),
    ):
        rows.append(["500000", PERIOD, name, now])
        rows.append(["500000", "2021年1-2月", name, before])
    rows.append(["500000", "2022年1月", "规模以上工业增加值增速", "7.2"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["地区代码", "期别", "指标", "数值"], *rows])
    return len(rows)


def _load(data_dir: Path, full: bool) -> dict[str, Any]:
    from tiaodu.core.imports import run_import
    from tiaodu.monitoring.tests.seed import write_seed_csv

    result = run_import("indicators", write_seed_csv(data_dir / "seed.csv"))
    assert result.ok, result.error_lines()
    extra = 0
    if full:
        extra = _extra_figures(data_dir / "extra.csv")
        result = run_import("indicators", data_dir / "extra.csv")
        assert result.ok, result.error_lines()
    return {"extra_rows": extra}


def _time(fn: Any, runs: int) -> tuple[list[float], Any]:
    fn()  # warm-up
    samples, value = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - t0)
    return samples, value


def _stats(samples: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(samples), 3),
        "min_s": round(min(samples), 3),
        "max_s": round(max(samples), 3),
    }


def scenario(name: str, runs: int) -> dict[str, Any]:
    from tiaodu.monitoring.bulletin import build_bulletin
    from tiaodu.monitoring.bulletin_render import render
    from tiaodu.monitoring.bulletin_render.charts import chart_images

    bulletin = build_bulletin(REGION, PERIOD)
    out: dict[str, Any] = {
        "scenario": name,
        "paragraphs": len(bulletin.paragraphs),
        "tables": len(bulletin.tables),
        "table_rows": sum(len(t.rows) for t in bulletin.tables),
        "charts": len(bulletin.charts),
        "notes": len(bulletin.notes),
    }
    samples, _ = _time(lambda: build_bulletin(REGION, PERIOD), runs)
    out["build"] = _stats(samples)
    samples, _ = _time(lambda: chart_images(build_bulletin(REGION, PERIOD), "png"), runs)
    out["build_and_charts_png"] = _stats(samples)
    out["formats"] = {}
    for fmt in FORMATS:
        samples, data = _time(lambda fmt=fmt: render(build_bulletin(REGION, PERIOD), fmt), runs)
        entry = {**_stats(samples), "bytes": len(data)}
        if fmt in TARGETS_S:
            entry["target_s"] = TARGETS_S[fmt]
            entry["target_met"] = entry["median_s"] < TARGETS_S[fmt]
        out["formats"][fmt] = entry
        print(
            f"  [{name}] {fmt:<5} median {entry['median_s']:.2f} s (min {entry['min_s']:.2f}, "
            f"max {entry['max_s']:.2f}), {len(data) / 1024:.0f} KiB",
            flush=True,
        )
    return out


def cold_cli(data_dir: Path, runs: int) -> dict[str, Any]:
    """``tiaodu bulletin`` in a new process each time (imports and font registration included)."""
    tiaodu = Path(sys.executable).parent / "tiaodu"
    out: dict[str, Any] = {}
    for fmt in ("docx", "pdf"):
        samples = []
        for n in range(runs):
            target = data_dir / f"cold-{n}.{fmt}"
            t0 = time.perf_counter()
            subprocess.run(
                [
                    str(tiaodu),
                    "bulletin",
                    "--region",
                    REGION,
                    "--period",
                    PERIOD,
                    "--format",
                    fmt,
                    "-o",
                    str(target),
                ],
                check=True,
                capture_output=True,
                env=os.environ.copy(),
            )
            samples.append(time.perf_counter() - t0)
        out[fmt] = _stats(samples)
        print(f"  [cold CLI] {fmt:<5} median {out[fmt]['median_s']:.2f} s", flush=True)
    return out


def worker(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiaodu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tiaodu.monitoring.bulletin_render.fonts import cjk_font
    from tiaodu.regions.services import load_chongqing_peer_groups, load_regions

    data_dir = Path(os.environ["TIAODU_DATA_DIR"])
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_regions(["50"])
    load_chongqing_peer_groups()
    _load(data_dir, full=False)
    setup_s = round(time.perf_counter() - t0, 1)
    font = cjk_font()
    results = [scenario("seed", args.runs)]
    cold = cold_cli(data_dir, args.cold_runs) if args.cold_runs else {}
    extra = _load(data_dir, full=True)
    results.append(scenario("full", args.runs))
    return {
        "database": {"vendor": connection.vendor},
        "setup_s": setup_s,
        "font": {"file": font.regular.name, "vendored": font.vendored},
        "extra_rows_full": extra["extra_rows"],
        "scenarios": results,
        "cold_cli_seed": cold,
    }


# --- Orchestration -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per format (default 5)")
    parser.add_argument(
        "--cold-runs", type=int, default=3, help="cold CLI runs per format (default 3; 0: skip)"
    )
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    worker_args = ["--runs", str(args.runs), "--cold-runs", str(args.cold_runs)]
    with tempfile.TemporaryDirectory(prefix="tiaodu-bench-bulletin-") as tmp:
        print("== SQLite", flush=True)
        run = benchlib.run_worker(__file__, f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", tmp, worker_args)

    import django
    import matplotlib
    import reportlab

    seed = run["scenarios"][0]["formats"]
    report = {
        "benchmark": "the monthly bulletin (月通报) of 潼南区 2022年1-2月: text, tables of 38 county units, charts",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": benchlib.git_commit(),
        "machine": benchlib.machine_info(),
        "django": django.get_version(),
        "matplotlib": matplotlib.__version__,
        "reportlab": reportlab.Version,
        "targets": {"docx_s": TARGETS_S["docx"], "pdf_s": TARGETS_S["pdf"]},
        "method": (
            f"in one warm process, build_bulletin() + render() from scratch (charts redrawn), {args.runs} timed "
            "runs after a warm-up per format; 'seed' = the 潼南 seed (5 tables, 6 charts), 'full' = with "
            "固定资产投资, 社会消费品零售总额, 招商引资到位资金 and 1月 figures (8 tables, 9 charts); cold CLI = "
            "`tiaodu bulletin` in a new process"
        ),
        "run": run,
        "target_met": all(s["formats"][fmt]["target_met"] for s in run["scenarios"] for fmt in TARGETS_S),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    benchlib.merge_results(RESULT_KEY, report, args.output)

    print()
    print(f"{'scenario':<10}{'tables':>7}{'charts':>7}{'docx s':>9}{'pdf s':>8}{'xlsx s':>8}{'text s':>8}")
    for s in run["scenarios"]:
        f = s["formats"]
        print(
            f"{s['scenario']:<10}{s['tables']:>7}{s['charts']:>7}{f['docx']['median_s']:>9.2f}"
            f"{f['pdf']['median_s']:>8.2f}{f['xlsx']['median_s']:>8.2f}{f['text']['median_s']:>8.2f}"
        )
    if run["cold_cli_seed"]:
        cold = run["cold_cli_seed"]
        print(f"cold CLI (seed): docx {cold['docx']['median_s']:.2f} s, pdf {cold['pdf']['median_s']:.2f} s")
    print(
        f"targets: docx < {TARGETS_S['docx']} s, PDF < {TARGETS_S['pdf']} s: {'met' if report['target_met'] else 'MISSED'}"
    )
    print(f"seed docx {seed['docx']['median_s']:.2f} s, pdf {seed['pdf']['median_s']:.2f} s")
    return 0 if report["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
