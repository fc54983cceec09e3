"""Benchmark: the investment pipeline as of a date over 50,000 projects with 500,000 stage-history
rows on PostgreSQL (targets: the pipeline by stage, counts and amounts, < 200 ms; the 招商引资工作情况
report < 1 s).

``.venv/bin/python bench/bench_investment_pipeline.py`` creates its own PostgreSQL database
(``tiaodu_bench_investment``, dropped afterwards) on ``--postgres URL`` / ``TIAODU_BENCH_DATABASE_URL``
/ postgres://postgres@127.0.0.1:5432/ — and skips with a message when no server answers — migrates
it, loads the Chongqing regions (50) and the demo data, then builds set-based (``INSERT … SELECT …
FROM generate_series``, no Python per row), all in 潼南区 (the worst case: one district holds them all):

* ``--projects`` (50,000) projects, every 4th 重点, 计划投资额 0.1–20亿元, 跟进级别 and 计划签约日期
  spread, entered from 2018 to 2024;
* 10 stage-history rows per project (500,000), on five paths of ten moves (signed and started;
  producing; terminated; open with steps back, twice), 15–59 days apart, ``ended_on`` set as the
  services set it; the projects' current stage, 签约日期 and 协议投资额 from their last row;
* 27 teams (23 town 小分队, 4 regional groups), 20,000 leads, 4 months of 到位资金 per signed project,
  a signing event with 100 projects, the year's 招商引资到位资金 target;

then ``ANALYZE`` and, for two dates (1 January 2022 and 30 June 2024), times
``queries.stage_counts`` (the pipeline by stage with amounts; 30 runs) and
``report.investment_report`` (10 runs), plus the funnel and the forecast for information. The
figures are merged into ``bench/results.json`` under ``"investment_pipeline"``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import benchlib

PG_DB = "tiaodu_bench_investment"
RESULT_KEY = "investment_pipeline"
TARGET_PIPELINE_MS = 200.0
TARGET_REPORT_MS = 1000.0
DISTRICT = "500152"  # 潼南区
DATES = [date(2022, 1, 1), date(2024, 6, 30)]
# Ten moves each; the project's template is id % 5.
PATHS = [
    [
        "lead",
        "contact",
        "negotiating",
        "intent",
        "negotiating",
        "intent",
        "to_sign",
        "signed",
        "registered",
        "started",
    ],
    [
        "lead",
        "contact",
        "negotiating",
        "contact",
        "negotiating",
        "intent",
        "to_sign",
        "signed",
        "started",
        "producing",
    ],
    [
        "lead",
        "contact",
        "negotiating",
        "intent",
        "negotiating",
        "intent",
        "negotiating",
        "intent",
        "to_sign",
        "terminated",
    ],
    [
        "lead",
        "contact",
        "lead",
        "contact",
        "negotiating",
        "contact",
        "negotiating",
        "intent",
        "negotiating",
        "intent",
    ],
    [
        "lead",
        "contact",
        "lead",
        "contact",
        "lead",
        "contact",
        "negotiating",
        "contact",
        "negotiating",
        "to_sign",
    ],
]
SIGNED_TEMPLATES = (0, 1)


def setup_database() -> dict[str, float]:
    return benchlib.setup_demo_database()


def build(count: int) -> dict[str, Any]:
    """The pipeline, set-based; returns the row counts and the seconds it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tiaodu.events.models import CollectiveEvent
    from tiaodu.investment.choices import TeamKind
    from tiaodu.investment.models import (
        EventEntry,
        FundsInPlace,
        InvestmentProject,
        InvestmentStageChange,
        Lead,
        Team,
    )
    from tiaodu.investment.services import ensure_defaults
    from tiaodu.monitoring.models import Indicator
    from tiaodu.regions.choices import Level
    from tiaodu.regions.models import Region
    from tiaodu.targets.models import Target

    region = Region.objects.get(code=DISTRICT)
    ensure_defaults(region)
    project_t = InvestmentProject._meta.db_table
    change_t = InvestmentStageChange._meta.db_table
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {project_t} (created_at, updated_at, version, investor_name, investor_key,
                investor_credit_code, region_id, name, industry_code, planned_investment, source, is_key,
                follow_level, stage, termination_reason, duplicate_status, card, notes, planned_signing_on)
            SELECT now(), now(), 1, '基准投资方' || g || '有限公司', '基准投资方' || g, '', %(region)s,
                   '基准招商项目' || g, '', 1000 + (g::bigint * 7919) %% 200000, 'other', g %% 4 = 0,
                   (ARRAY['close', 'general', 'reserve'])[1 + g %% 3], 'lead', '', '', 'none', '',
                   DATE '2018-03-01' + ((g::bigint * 37) %% 3000)::int
            FROM generate_series(1, %(n)s) g
            """,
            {"region": region.pk, "n": count},
        )
        cursor.execute(
            f"""
            INSERT INTO {change_t} (project_id, from_stage, to_stage, "on", ended_on, reason, note, created_at)
            SELECT p.id,
                   CASE WHEN k = 1 THEN '' ELSE (%(paths)s::text[])[p.t * 10 + k - 1] END,
                   (%(paths)s::text[])[p.t * 10 + k],
                   p.d0 + (k - 1) * p.step,
                   CASE WHEN k < 10 THEN p.d0 + k * p.step END,
                   CASE WHEN (%(paths)s::text[])[p.t * 10 + k] = 'terminated' THEN 'lost' ELSE '' END,
                   '', now()
            FROM (SELECT id, (id %% 5)::int AS t, DATE '2018-01-01' + ((id::bigint * 7919) %% 2400)::int AS d0,
                         (15 + (id::bigint * 31) %% 45)::int AS step
                  FROM {project_t} WHERE region_id = %(region)s) p
            CROSS JOIN generate_series(1, 10) k
            """,
            {"region": region.pk, "paths": [s for path in PATHS for s in path]},
        )
        cursor.execute(
            f"""
            UPDATE {project_t} p SET stage = c.to_stage, stage_on = c."on",
                termination_reason = CASE WHEN c.to_stage = 'terminated' THEN 'lost' ELSE '' END
            FROM {change_t} c WHERE c.project_id = p.id AND c.ended_on IS NULL AND p.region_id = %(region)s
            """,
            {"region": region.pk},
        )
        cursor.execute(
            f"""
            UPDATE {project_t} p SET agreed_investment = round(p.planned_investment * 0.9), signed_on = c."on"
            FROM {change_t} c WHERE c.project_id = p.id AND c.to_stage = 'signed' AND p.region_id = %(region)s
            """,
            {"region": region.pk},
        )
    build_s = time.perf_counter() - t0

    towns = list(Region.objects.filter(parent=region, level=Level.TOWNSHIP).order_by("code"))
    teams = [Team(region=region, name=f"{t.name}招商小分队", kind=TeamKind.TOWN, township=t) for t in towns]
    teams += [Team(region=region, name=f"基准区域招商组{i}", kind=TeamKind.REGIONAL) for i in range(1, 5)]
    Team.objects.bulk_create(teams)
    town_ids = list(Team.objects.filter(region=region, kind=TeamKind.TOWN).values_list("pk", flat=True))
    group_ids = list(Team.objects.filter(region=region, kind=TeamKind.REGIONAL).values_list("pk", flat=True))
    t1 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Lead._meta.db_table} (created_at, updated_at, investor_name, investor_key,
                investor_credit_code, region_id, content, source, reporting_team_id, reported_on, team_id,
                status, duplicate_status, decision_note)
            SELECT now(), now(), '基准线索' || g || '有限公司', '基准线索' || g, '', %(region)s, '投资意向',
                   'town_team', (%(towns)s::bigint[])[1 + g %% %(ntown)s],
                   DATE '2018-01-01' + ((g::bigint * 7919) %% 3000)::int,
                   (%(groups)s::bigint[])[1 + g %% 4], 'assigned', '', ''
            FROM generate_series(1, 20000) g
            """,
            {"region": region.pk, "towns": town_ids, "ntown": len(town_ids), "groups": group_ids},
        )
        cursor.execute(
            f"""
            INSERT INTO {FundsInPlace._meta.db_table} (created_at, updated_at, project_id, month, amount, source)
            SELECT now(), now(), p.id, date_trunc('month', p.signed_on + k * 31)::date,
                   round(p.agreed_investment / 20), 'in_city'
            FROM {project_t} p CROSS JOIN generate_series(1, 4) k
            WHERE p.region_id = %(region)s AND p.signed_on IS NOT NULL
            """,
            {"region": region.pk},
        )
    event = CollectiveEvent.objects.create(region=region, name="基准集中签约活动", held_on=date(2024, 3, 18))
    signed = InvestmentProject.objects.filter(region=region, signed_on__isnull=False).order_by("pk")[:100]
    EventEntry.objects.bulk_create(
        EventEntry(event=event, project=p, investment=p.agreed_investment or 0) for p in signed
    )
    indicator = Indicator.objects.filter(code="zsyz_dw").first()
    if indicator is not None:
        for year in {d.year for d in DATES}:
            Target.objects.update_or_create(
                region=region,
                indicator=indicator,
                year=year,
                defaults={"value": 300, "set_at": timezone.now()},
            )
    extras_s = time.perf_counter() - t1
    with connection.cursor() as cursor:
        cursor.execute(
            f"ANALYZE {project_t}, {change_t}, {Lead._meta.db_table}, {FundsInPlace._meta.db_table}"
        )
    return {
        "projects": InvestmentProject.objects.filter(region=region).count(),
        "stage_history_rows": InvestmentStageChange.objects.filter(project__region=region).count(),
        "leads": Lead.objects.filter(region=region).count(),
        "funds_rows": FundsInPlace.objects.filter(project__region=region).count(),
        "event_entries": EventEntry.objects.filter(event=event).count(),
        "build_projects_history_s": round(build_s, 1),
        "build_other_s": round(extras_s, 1),
    }


def timed(function: Any, runs: int) -> dict[str, Any]:
    function()  # warm-up (plans, caches)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        function()
        samples.append(time.perf_counter_ns() - t0)
    return {"runs": runs, **benchlib.summary(samples)}


def explain_pipeline(on: date) -> list[str]:
    """The plan of the query behind ``stage_counts`` (the same queryset it runs)."""
    from django.db import connection
    from django.db.models import Count, Sum

    from tiaodu.investment import queries

    qs = (
        queries.rows_on(DISTRICT, on)
        .values("to_stage")
        .annotate(n=Count("id"), amount=Sum(queries._amount_expr()))
        .order_by()
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + sql, params)
        return [r[0] for r in cursor.fetchall()]


def measure(on: date) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tiaodu.investment import forecast, queries, report

    date_from = date(on.year, 1, 1)
    figures = queries.stage_counts(DISTRICT, on)
    result: dict[str, Any] = {
        "date": on.isoformat(),
        "pipeline_by_stage": {k: {"count": v.count, "amount_wan": str(v.amount)} for k, v in figures.items()},
        "stage_counts_ms": timed(lambda: queries.stage_counts(DISTRICT, on), 30),
        "stage_counts_key_only_ms": timed(lambda: queries.stage_counts(DISTRICT, on, key_only=True), 30),
        "report_ms": timed(lambda: report.investment_report(DISTRICT, date_from, on), 10),
        "funnel_ms": timed(lambda: queries.funnel(DISTRICT, date_from, on), 3),
        "forecast_ms": timed(lambda: forecast.forecast(DISTRICT, on), 3),
    }
    with CaptureQueriesContext(connection) as ctx:
        rep = report.investment_report(DISTRICT, date_from, on)
    result["report_statements"] = len(ctx.captured_queries)
    result["report_paragraph"] = rep.paragraph
    result["plan_stage_counts"] = explain_pipeline(on)
    return result


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    setup = setup_database()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    print(f"  building {args.projects:,} projects ...", flush=True)
    data = build(args.projects)
    print(
        f"  {data['projects']:,} projects, {data['stage_history_rows']:,} history rows in "
        f"{data['build_projects_history_s']} s (+{data['build_other_s']} s leads, funds, event)",
        flush=True,
    )
    runs = []
    for on in DATES:
        run = measure(on)
        runs.append(run)
        print(
            f"  {on}: pipeline by stage median {run['stage_counts_ms']['median_ms']} ms, "
            f"report median {run['report_ms']['median_ms']} ms ({run['report_statements']} statements), "
            f"funnel {run['funnel_ms']['median_ms']} ms, forecast {run['forecast_ms']['median_ms']} ms",
            flush=True,
        )
    worst_pipeline = max(r["stage_counts_ms"]["median_ms"] for r in runs)
    worst_report = max(r["report_ms"]["median_ms"] for r in runs)
    return {
        **benchlib.report_header(
            "招商引资: the pipeline as of a date and the 招商引资工作情况 report (PostgreSQL)"
        ),
        "database": {"vendor": connection.vendor, "version": version, "name": PG_DB},
        "targets": {"pipeline_by_stage_ms": TARGET_PIPELINE_MS, "report_ms": TARGET_REPORT_MS},
        "setup_seconds": setup,
        "data": data,
        "runs": runs,
        "worst_pipeline_median_ms": worst_pipeline,
        "worst_report_median_ms": worst_report,
        "target_met": data["stage_history_rows"] >= 500_000
        and worst_pipeline < TARGET_PIPELINE_MS
        and worst_report < TARGET_REPORT_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local)")
    parser.add_argument("--projects", type=int, default=50_000, help="number of projects (default 50000)")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    try:
        report = benchlib.run_postgres(
            __file__, PG_DB, "tiaodu-bench-investment-", ["--projects", str(args.projects)], args.postgres
        )
    except benchlib.PostgresUnreachable as exc:
        print(exc, file=sys.stderr)
        return 2
    if report is None:
        return 0
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    benchlib.merge_results(RESULT_KEY, report, args.output)
    print(
        f"pipeline by stage worst median {report['worst_pipeline_median_ms']} ms (target < {TARGET_PIPELINE_MS:g}), "
        f"report worst median {report['worst_report_median_ms']} ms (target < {TARGET_REPORT_MS:g}); "
        f"target met: {report['target_met']}; written {args.output} in {report['elapsed_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
