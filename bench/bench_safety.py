"""Benchmark: work safety (安全生产) on PostgreSQL — the quarter's safety report (< 1 s), a 双随机
draw of 5 % of 20,000 units with inspector assignment (< 1 s, identical on re-run), and the 红黄牌
sweep with the hazard cases included (the 1,000,000-case target of ``bench_sweep.py``, < 30 s).

``.venv/bin/python bench/bench_safety.py`` creates its own PostgreSQL database
(``tiaodu_bench_safety`` or ``--database``, dropped afterwards) on ``--postgres URL`` /
``TIAODU_BENCH_DATABASE_URL`` / postgres://postgres@127.0.0.1:5432/ — and skips with a message
when no server answers — migrates it, loads the Chongqing regions (50) and the demo data, then
builds in 潼南区 (``safety_data.build``, set-based, no services): 20,000 units, 200,000
inspections over the 700 days before today, 250,000 hazards each with its ``cases.Case`` of
workflow "hazard" (and card history), 20,000 行政处罚决定书 (+ 20,000 责令限期整改指令书) with their
penalty items, an accident register; then ``ANALYZE`` and measures:

* ``report.safety_report`` for the last whole quarter before today, for the whole district
  (no user) and as the district leader, 应急管理局 (department), 经信委 (department) and 古溪镇
  (town) see it — 10 runs each after a warm-up; statements counted;
* ``planning.create_plan`` + ``planning.draw`` for 应急管理局 over all 18 sectors at 5 % (10 runs,
  each re-drawing the same draft with the same seed and checking the list is identical), then
  ``publish`` and ``verify`` (the re-run from the stored seed and inputs must match);
* the sweep: ``bench_sweep.insert_cases`` adds 1,000,000 open appeal cases (+1 % closed carded)
  next to the 250,000 hazard cases; ``sweep()`` runs three times (first, same day again, next
  working day) as in ``bench_sweep.py``, and the hazard cases it carded are counted.

The figures are merged into ``bench/results.json`` under ``"safety"``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import benchlib

PG_DB = "tiaodu_bench_safety"
RESULT_KEY = "safety"
TARGET_REPORT_MS = 1000.0
TARGET_DRAW_MS = 1000.0
TARGET_SWEEP_S = 30.0
DISTRICT = "500152"  # 潼南区
REPORT_USERS = [None, "leader", "bench_yjj", "jxw", "guxi"]


def last_quarter(today: date) -> tuple[date, date]:
    """The last whole calendar quarter before ``today``."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    end = date(today.year, first_month, 1) - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def timed(function: Any, runs: int) -> dict[str, Any]:
    function()  # warm-up (plans, caches)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        function()
        samples.append(time.perf_counter_ns() - t0)
    return {"runs": runs, **benchlib.summary(samples)}


def cpu_ms(function: Any, runs: int = 5) -> dict[str, Any] | None:
    """CPU time per call, this process plus its PostgreSQL backend (parallel workers off, so that
    the backend does all the database work): what the call costs whatever else the machine runs —
    a floor for the wall time on a quiet machine. None when the server is not local (/proc)."""
    import os

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        return None

    def backend_s() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    try:
        function()
        client0, backend0 = time.process_time(), backend_s()
        for _ in range(runs):
            function()
        client, backend = time.process_time() - client0, backend_s() - backend0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET max_parallel_workers_per_gather")
    return {
        "runs": runs,
        "total_ms": round((client + backend) * 1000 / runs, 1),
        "python_ms": round(client * 1000 / runs, 1),
        "postgres_ms": round(backend * 1000 / runs, 1),
    }


def statements(function: Any) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        function()
    return [q["sql"] for q in ctx.captured_queries]


def explain_slowest(sqls: list[str], top: int = 2) -> list[dict[str, Any]]:
    """EXPLAIN ANALYZE of the slowest statements (what to index when a target is missed)."""
    from django.db import connection

    timed_sqls = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            t0 = time.perf_counter()
            cursor.execute(sql)
            timed_sqls.append((time.perf_counter() - t0, sql))
        timed_sqls.sort(reverse=True)
        out = []
        for seconds, sql in timed_sqls[:top]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql)
            out.append(
                {"ms": round(seconds * 1000, 1), "sql": sql, "plan": [r[0] for r in cursor.fetchall()]}
            )
    return out


# --- the measurements (inside Django) --------------------------------------------------------------


def bench_user() -> None:
    """A 应急管理局 department user (the core demo has none)."""
    from tiaodu.accounts import services as accounts
    from tiaodu.accounts.models import User
    from tiaodu.orgs.models import Organization

    if not User.objects.filter(username="bench_yjj").exists():
        yjj = Organization.objects.get(region__code=DISTRICT, name="区应急管理局")
        accounts.create_user(
            None, username="bench_yjj", role="department", region_code=DISTRICT, org=str(yjj.pk)
        )


def measure_report(date_from: date, date_to: date) -> dict[str, Any]:
    from tiaodu.accounts.models import User
    from tiaodu.safety import report

    out: dict[str, Any] = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "as": {}}
    for name in REPORT_USERS:
        user = User.objects.get(username=name) if name else None

        def run(user: Any = user) -> Any:
            return report.safety_report(DISTRICT, date_from, date_to, user=user)

        sqls = statements(run)
        result = run()
        entry = {
            "ms": timed(run, 10),
            "cpu": cpu_ms(run),
            "statements": len(sqls),
            "text": result.text().splitlines()[:4],
        }
        if name is None:
            entry["slowest"] = explain_slowest(sqls)
            out["figures"] = result.as_dict()
        out["as"][name or "district"] = entry
        print(
            f"  report as {name or 'district'}: median {entry['ms']['median_ms']} ms, {len(sqls)} statements; "
            f"CPU {entry['cpu']}",
            flush=True,
        )
    out["worst_median_ms"] = max(e["ms"]["median_ms"] for e in out["as"].values())
    return out


def measure_draw(today: date, plans: int = 5) -> dict[str, Any]:
    """First draws of fresh plans (the target), re-draws of one draft with the same seed (the list
    must not change; also timed with the audit log off, the fix proposed for re-draws), then
    publish and verify (the re-run from the stored seed and inputs must match)."""
    from auditlog.context import disable_auditlog
    from django.db.models import Count

    from tiaodu.accounts.models import User
    from tiaodu.orgs.models import Organization
    from tiaodu.safety import planning
    from tiaodu.safety.models import PlanVisit, Sector, Unit

    admin = User.objects.get(username="admin")
    yjj = Organization.objects.get(region__code=DISTRICT, name="区应急管理局")
    starts_on = today + timedelta(days=7)
    seed = "bench-safety-2026"
    sectors = list(Sector.objects.filter(region__code=DISTRICT))

    def new_plan(n: int) -> Any:
        return planning.create_plan(
            admin,
            name=f"基准双随机抽查计划{n}-{time.time_ns()}",
            department=yjj,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=60),
            sectors=sectors,
            sample_percent=5,
        )

    planning.draw(admin, new_plan(0).pk, seed=seed)  # warm-up
    samples, lists, first_sqls = [], [], []
    for n in range(1, plans + 1):
        plan = new_plan(n)
        t0 = time.perf_counter_ns()
        if n == 1:
            first_sqls = statements(lambda plan=plan: planning.draw(admin, plan.pk, seed=seed))
        else:
            planning.draw(admin, plan.pk, seed=seed)
        samples.append(time.perf_counter_ns() - t0)
        lists.append(planning.canonical(planning.stored_visits(plan)))

    def redraw() -> None:
        planning.draw(admin, plan.pk, seed=seed)
        lists.append(planning.canonical(planning.stored_visits(plan)))

    redraw_sqls = statements(redraw)
    redraw_ms = timed(redraw, 3)

    def redraw_unaudited() -> None:
        with disable_auditlog():
            redraw()

    redraw_unaudited_ms = timed(redraw_unaudited, 3)
    identical = len(set(lists)) == 1
    plan.refresh_from_db()
    inputs = plan.inputs
    visits = PlanVisit.objects.filter(plan=plan).count()
    t0 = time.perf_counter_ns()
    planning.publish(admin, plan.pk)
    publish_ms = (time.perf_counter_ns() - t0) / 1e6
    t0 = time.perf_counter_ns()
    verified = planning.verify(plan.pk)
    verify_ms = (time.perf_counter_ns() - t0) / 1e6
    cli = verify_cli(plan.pk)
    drawn_units = list(PlanVisit.objects.filter(plan=plan).values_list("unit_id", flat=True))
    by_risk = {
        r["risk_level"]: r["n"]
        for r in Unit.objects.filter(pk__in=drawn_units).values("risk_level").annotate(n=Count("pk"))
    }
    weights: dict[int, int] = {}
    for _unit, weight in inputs["units"]:
        weights[weight] = weights.get(weight, 0) + 1
    candidates_by_weight = {f"weight {k}": v for k, v in sorted(weights.items())}
    loads: dict[int, int] = {}
    for ids in PlanVisit.objects.filter(plan=plan).values_list("inspector_ids", flat=True):
        for i in ids:
            loads[i] = loads.get(i, 0) + 1
    first_ms = {"runs": len(samples), **benchlib.summary(samples)}
    cpu_plans = iter([new_plan(100 + n) for n in range(4)])
    first_cpu = cpu_ms(lambda: planning.draw(admin, next(cpu_plans).pk, seed=seed), runs=3)
    result = {
        "population": inputs["population"],
        "excluded_recent": inputs["excluded_recent"],
        "excluded_cap": inputs["excluded_cap"],
        "candidates": len(inputs["units"]),
        "candidates_by_weight": candidates_by_weight,
        "drawn": visits,
        "drawn_by_risk": by_risk,
        "inspectors": len(inputs["inspectors"]),
        "inspector_load_min_max": [min(loads.values()), max(loads.values())] if loads else [],
        "draw_ms": first_ms,
        "draw_cpu": first_cpu,
        "draw_statements": len(first_sqls),
        "redraw_ms": redraw_ms,
        "redraw_statements": len(redraw_sqls),
        "redraw_audit_entries": sum(1 for q in redraw_sqls if "auditlog_logentry" in q.split("(", 1)[0]),
        "redraw_without_auditlog_ms": redraw_unaudited_ms,
        "redraw_identical": identical,
        "draws_compared": len(lists),
        "publish_ms": round(publish_ms, 1),
        "verify_ms": round(verify_ms, 1),
        "verify_matches": verified.matches,
        "verify_cli": cli,
        "digest": verified.digest,
    }
    print(
        f"  draw: {visits} of {inputs['population']} units ({len(inputs['units'])} candidates), first draw "
        f"median {first_ms['median_ms']} ms ({len(first_sqls)} statements, CPU {first_cpu}); re-draw {redraw_ms['median_ms']} ms "
        f"({len(redraw_sqls)} statements), without the audit log {redraw_unaudited_ms['median_ms']} ms; "
        f"identical over {len(lists)} draws: {identical}; verify {verified.matches} in {result['verify_ms']} ms; "
        f"CLI {cli}"
    )
    return result


def verify_cli(plan_id: int) -> dict[str, Any]:
    """``tiaodu safety draw --verify PLAN``: its exit status and last line."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command("safety", "draw", "--verify", str(plan_id), stdout=out)
    except SystemExit as exc:
        return {"exit": exc.code, "output": out.getvalue().strip().splitlines()[-3:]}
    except Exception as exc:  # the command not written yet, or failing: said, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"exit": 0, "output": out.getvalue().strip().splitlines()[-3:]}


def _insert_appeals(count: int, today: date) -> dict[str, Any]:
    """bench_sweep.insert_cases, next to whatever cases there are; the card records it gives
    closed cases that are not its own (the hazards') taken back."""
    import bench_sweep
    from django.db import connection
    from django.db.models import Max

    from tiaodu.cases.models import CardRecord, Case

    last_record = CardRecord.objects.aggregate(m=Max("pk"))["m"] or 0
    case_t, record_t = Case._meta.db_table, CardRecord._meta.db_table
    data = bench_sweep.insert_cases(count, today)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {record_t} r USING {case_t} c "
            "WHERE r.id > %s AND c.id = r.case_id AND c.workflow <> 'appeal'",
            [last_record],
        )
        cursor.execute(f"ANALYZE {record_t}")
    return data


def _three_sweeps(today: date) -> dict[str, Any]:
    """bench_sweep's three runs (first, same day again, next working day), with the cards each
    gave per workflow."""
    import bench_sweep
    from django.db.models import Count, Max

    from tiaodu.cases.models import CardRecord
    from tiaodu.cases.workdays import add_workdays

    out: dict[str, Any] = {}
    for name, day in (
        ("first_run", today),
        ("second_run_same_day", today),
        ("next_working_day", add_workdays(today, 1)),
    ):
        before = CardRecord.objects.aggregate(m=Max("pk"))["m"] or 0
        run = bench_sweep.timed_sweep(day)
        run["cards_by_workflow"] = dict(
            CardRecord.objects.filter(pk__gt=before)
            .values_list("case__workflow")
            .annotate(n=Count("pk"))
            .order_by()
        )
        out[name] = run
        print(
            f"    {name:<20} {run['seconds']:>7.2f} s  {run['statements']:>2} statements  "
            f"yellow {run['yellow']:,} red {run['red']:,} lifted {run['lifted']:,}  {run['cards_by_workflow']}",
            flush=True,
        )
    return out


def measure_sweep(count: int, today: date) -> dict[str, Any]:
    """bench_sweep.py's open appeal cases next to the hazard cases, its three sweeps; then, on the
    same machine at the same time, the appeal cases alone (the case tables emptied — the hazards
    go with them, their figures are taken by then) for the comparison."""
    import bench_sweep
    from django.db.models import Count, Q

    from tiaodu.cases.models import Case

    with_hazards = _insert_appeals(count, today)
    with_hazards["cases_by_workflow"] = {
        r["workflow"]: {"all": r["n"], "open": r["open"]}
        for r in Case.objects.values("workflow").annotate(
            n=Count("pk"), open=Count("pk", filter=Q(is_open=True))
        )
    }
    print(f"  with the hazard cases: {with_hazards['cases_by_workflow']}; sweeping ...", flush=True)
    with_hazards.update(_three_sweeps(today))
    bench_sweep.reset_cases()
    alone = _insert_appeals(count, today)
    print(f"  the {count:,} appeal cases alone; sweeping ...", flush=True)
    alone.update(_three_sweeps(today))
    first, base = with_hazards["first_run"]["seconds"], alone["first_run"]["seconds"]
    return {
        "with_hazards": with_hazards,
        "appeals_alone": alone,
        "first_run_ratio": round(first / base, 2) if base else None,
        "statements_constant": with_hazards["first_run"]["statements"] == alone["first_run"]["statements"],
    }


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    import safety_data
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    if args.prebuilt:  # a database built by an earlier run (development: measure again without building)
        from tiaodu.regions.models import Region

        setup: dict[str, Any] = {}
        data = {**safety_data.counts(Region.objects.get(code=DISTRICT).pk), "prebuilt": True}
    else:
        setup = benchlib.setup_demo_database()
        print("  building the safety data ...", flush=True)
        data = safety_data.build(
            units=args.units,
            inspections=args.inspections,
            hazards=args.hazards,
            decisions=args.decisions,
            today=today,
        )
    bench_user()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    print(f"  {json.dumps(data, ensure_ascii=False)}", flush=True)
    date_from, date_to = last_quarter(today)
    result: dict[str, Any] = {
        **benchlib.report_header(
            "安全生产: the quarter's report, the 双随机 draw and the sweep with hazards (PostgreSQL)"
        ),
        "database": {
            "vendor": connection.vendor,
            "version": version,
            "name": connection.settings_dict["NAME"],
        },
        "today": today.isoformat(),
        "targets": {
            "report_ms": TARGET_REPORT_MS,
            "draw_ms": TARGET_DRAW_MS,
            "draw": "identical on re-run (re-draw with the seed, verify after publishing)",
            "sweep_first_run_s": TARGET_SWEEP_S,
        },
        "setup_seconds": setup,
        "data": data,
    }
    met = []
    for name, function in (
        ("report", lambda: measure_report(date_from, date_to)),
        ("draw", lambda: measure_draw(today)),
    ):
        try:
            result[name] = function()
        except (ImportError, AttributeError, TypeError) as exc:  # a lane's function not written yet
            result[name] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"  {name}: not measured ({result[name]['error']})", flush=True)
            met.append(False)
    if "error" not in result["report"]:
        met.append(result["report"]["worst_median_ms"] < TARGET_REPORT_MS)
    if "error" not in result["draw"]:
        draw = result["draw"]
        met.append(
            draw["draw_ms"]["median_ms"] < TARGET_DRAW_MS
            and draw["redraw_identical"]
            and draw["verify_matches"]
        )
    if args.sweep_cases:
        sweep = measure_sweep(args.sweep_cases, today)
        result["sweep"] = sweep
        met.append(
            sweep["with_hazards"]["first_run"]["seconds"] < TARGET_SWEEP_S
            and sweep["with_hazards"]["open_cases"] >= 1_000_000
            and sweep["statements_constant"]
        )
    result["target_met"] = bool(met) and all(met)
    return result


# --- Orchestration -------------------------------------------------------------------------------


def _worker_args(args: argparse.Namespace) -> list[str]:
    return [
        *("--units", str(args.units), "--inspections", str(args.inspections)),
        *("--hazards", str(args.hazards), "--decisions", str(args.decisions)),
        *("--sweep-cases", str(args.sweep_cases)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local)")
    parser.add_argument("--database", default=PG_DB, help=f"throw-away database name (default {PG_DB})")
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--inspections", type=int, default=200_000)
    parser.add_argument("--hazards", type=int, default=250_000)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument(
        "--sweep-cases", type=int, default=1_000_000, help="appeal cases added for the sweep (0: no sweep)"
    )
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument(
        "--prebuilt",
        metavar="URL",
        help="measure again on a database an earlier worker built and kept (development; nothing is written)",
    )
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2, default=str))
        return 0
    if args.prebuilt:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="tiaodu-bench-safety-") as tmp:
            out = benchlib.run_worker(
                __file__, args.prebuilt, tmp, ["--prebuilt", args.prebuilt, *_worker_args(args)]
            )
        print(json.dumps(out, ensure_ascii=False, indent=1, default=str))
        return 0

    started = time.perf_counter()
    try:
        report = benchlib.run_postgres(
            __file__, args.database, "tiaodu-bench-safety-", _worker_args(args), args.postgres
        )
    except benchlib.PostgresUnreachable as exc:
        print(exc, file=sys.stderr)
        return 2
    if report is None:
        return 0
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    benchlib.merge_results(RESULT_KEY, report, args.output)
    rep, drw = report.get("report", {}), report.get("draw", {})
    print(
        f"report worst median {rep.get('worst_median_ms')} ms (target < {TARGET_REPORT_MS:g}); "
        f"draw median {drw.get('draw_ms', {}).get('median_ms')} ms (target < {TARGET_DRAW_MS:g}), identical "
        f"{drw.get('redraw_identical')}, verify {drw.get('verify_matches')}; sweep first run "
        f"{report.get('sweep', {}).get('with_hazards', {}).get('first_run', {}).get('seconds')} s with the "
        f"hazards, {report.get('sweep', {}).get('appeals_alone', {}).get('first_run', {}).get('seconds')} s "
        f"without (target < {TARGET_SWEEP_S:g}); "
        f"target met: {report['target_met']}; written {args.output} in {report['elapsed_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
