"""Benchmark: ``GET /open311/v2/requests.json`` with filters over 1,000,000 cases (target: median < 50 ms).

``.venv/bin/python bench/bench_open311.py`` builds its own database — PostgreSQL database
``tiaodu_bench_o311`` (created before, dropped after) when a server answers at
``--postgres URL`` / ``TIAODU_BENCH_DATABASE_URL`` / postgres://postgres@127.0.0.1:5432/, otherwise
SQLite in a temporary directory — migrates it, loads the Chongqing regions and the demo data,
registers 230 enterprises over 潼南区's 23 镇街 and inserts 1,000,000 appeal cases set-based
(``INSERT … SELECT`` from ``generate_series`` / a recursive CTE: no Python per row), spread over
the 10 categories, five years of dates and all six states, with one timeline event per case and
an Open311 record (location) for every 20th.

It then times requests through the whole Django stack (middleware, URL routing, view, query,
serialisation) with the test client, 100 timed requests per scenario after a warm-up, each
request drawing its own parameters (category, status, 90-day window, page 1–3, page size 50):

* ``filtered`` — the target: ``service_code`` + ``status`` + ``start_date``/``end_date``, public;
* ``filtered_xml`` — the same as XML;
* ``unfiltered`` — newest first, no filter;
* ``by_ids`` — ``service_request_id`` with 20 ids;
* ``town_key`` — a 古溪镇 organisation key: its scope, private fields (latest note, location).

Each scenario runs with the indexes the schema has, then again after creating the indexes this
benchmark proposes for ``cases.Case`` (see ``PROPOSED_INDEXES``), so the figures show what they buy.
Figures are merged into ``bench/results.json`` under ``"open311_requests"`` (read-modify-write under
a lock: other benchmarks write other keys).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import benchlib

PG_DB = "tiaodu_bench_o311"
RESULT_KEY = "open311_requests"
TARGET_MS = 50.0
DISTRICT = "500152"  # 潼南区
GUXI = "500152103"
ENTERPRISES_PER_TOWN = 10
DAYS = 5 * 365
# (name, columns) — created by the benchmark in its second pass; proposed for cases.Case.Meta.
PROPOSED_INDEXES = [
    ("case_cat_open_raised", ["category_id", "is_open", "raised_on", "id"]),
    ("case_wf_raised", ["workflow", "raised_on", "id"]),
]
SCENARIOS = ["filtered", "filtered_xml", "unfiltered", "by_ids", "town_key"]


# --- Worker: one database, in its own process -----------------------------------------------------


class Worker:
    def __init__(self, args: argparse.Namespace) -> None:
        import django

        django.setup()
        from django.db import connection

        self.args = args
        self.connection = connection
        self.vendor = connection.vendor
        self.rng = random.Random(20261123)

    # Setup ------------------------------------------------------------------------------------
    def setup(self) -> dict[str, float]:
        from django.core.management import call_command

        from tiaodu.core.demo import load_demo
        from tiaodu.regions.services import load_regions

        timings: dict[str, float] = {}
        t = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        load_regions(["50"])
        try:
            load_demo()
            self.demo_note = "full demo"
        except Exception as exc:  # the enterprise-service demo is not needed here: skip it if it breaks
            import tiaodu.enterprises.demo as enterprise_demo

            enterprise_demo.load_enterprise_demo = lambda: None  # type: ignore[assignment]
            load_demo()
            self.demo_note = f"demo without the enterprise-service records ({type(exc).__name__}: {exc})"
        timings["migrate_regions_demo_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        self.enterprises = self.make_enterprises()
        timings["enterprises_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        self.insert_cases(self.args.records)
        timings["insert_cases_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        timings["analyze_s"] = round(time.perf_counter() - t, 1)
        from tiaodu.open311.services import issue_key
        from tiaodu.orgs.choices import OrgKind
        from tiaodu.orgs.models import Organization

        town = Organization.objects.get(kind=OrgKind.TOWN, region__code=GUXI)
        self.town_key = issue_key("bench", org=str(town.pk)).secret
        return timings

    def make_enterprises(self) -> list[Any]:
        from stdnum.cn import uscc

        from tiaodu.enterprises.services import save_enterprise
        from tiaodu.regions.choices import Level
        from tiaodu.regions.models import Region

        made = []
        towns = Region.objects.filter(parent__code=DISTRICT, level=Level.TOWNSHIP).order_by("code")
        serial = 0
        for town in towns:
            for _ in range(ENTERPRISES_PER_TOWN):
                serial += 1
                first17 = f"91500152MA6B{serial:05d}"
                code = first17 + uscc.calc_check_digit(first17)
                enterprise, _ = save_enterprise(
                    None,
                    code,
                    town,
                    name=f"{town.name}基准测试企业{serial}号",
                    address=f"{town.name}工业园{serial}号",
                )
                made.append(enterprise)
        return made

    def insert_cases(self, count: int) -> None:
        """One INSERT … SELECT per table; the row generator is generate_series or a recursive CTE."""
        from django.db import transaction
        from django.utils import timezone

        from tiaodu.cases.models import Case, CaseCategory
        from tiaodu.open311.models import Open311Request

        pg = self.vendor == "postgresql"
        q = self.connection.ops.quote_name
        cats = list(CaseCategory.objects.filter(workflow="appeal").order_by("pk"))
        start = timezone.localdate() - timedelta(days=DAYS)
        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_cat (i integer PRIMARY KEY, id bigint, dept bigint)")
            cursor.executemany(
                "INSERT INTO bench_cat VALUES (%s, %s, %s)",
                [(i, c.pk, c.department_id) for i, c in enumerate(cats)],
            )
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_ent (i integer PRIMARY KEY, org bigint, town bigint)"
            )
            cursor.executemany(
                "INSERT INTO bench_ent VALUES (%s, %s, %s)",
                [(i, e.organization_id, e.township_id) for i, e in enumerate(self.enterprises)],
            )
            states = ["accepted", "assigned", "in_progress", "returned", "resolved", "rated"]
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_state (i integer PRIMARY KEY, state varchar(32), open boolean)"
            )
            # 40% open (accepted, assigned, in progress, returned), 60% resolved or rated.
            weighted = [*states[:4], "resolved", "resolved", "rated", "rated", "rated", "rated"]
            cursor.executemany(
                "INSERT INTO bench_state VALUES (%s, %s, %s)",
                [(i, s, states.index(s) < 4) for i, s in enumerate(weighted)],
            )
            n_cat, n_ent, n_state = len(cats), len(self.enterprises), len(weighted)
            if pg:
                gen = f"(SELECT n FROM generate_series(1::bigint, {count}) AS s(n)) AS g"
                raised = f"(DATE '{start:%Y-%m-%d}' + ((g.n * 7919) % {DAYS})::int)"
                accepted = f"(({raised} + TIME '09:00') AT TIME ZONE 'Asia/Shanghai' + (g.n % 480) * INTERVAL '1 minute')"
                due = f"({raised} + 14)"
                resolved = f"({accepted} + INTERVAL '6 days')"
                now = "now()"
                with_clause = ""
            else:
                gen = "g"
                with_clause = (
                    f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {count}) "
                )
                raised = f"date('{start:%Y-%m-%d}', '+' || ((g.n * 7919) % {DAYS}) || ' days')"
                accepted = f"datetime({raised}, '+1 hours', '+' || (g.n % 480) || ' minutes')"
                due = f"date({raised}, '+14 days')"
                resolved = f"datetime({accepted}, '+6 days')"
                now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
            expressions = {
                "created_at": now,
                "updated_at": now,
                "workflow": "'appeal'",
                "number": "'BN' || "
                + ("lpad(g.n::text, 10, '0')" if pg else "substr('0000000000' || g.n, -10, 10)"),
                "category_id": "c.id",
                "title": "'基准诉求' || g.n",
                "description": "'企业反映的困难与诉求,第' || g.n || '件:用工、融资、原材料供应等方面的具体情况说明。'",
                "state": "st.state",
                "source": "''",
                "region_id": "e.town",
                "submitter_org_id": "e.org",
                "handling_org_id": "c.dept",
                "raised_on": raised,
                "due_on": due,
                "accepted_at": accepted,
                "resolved_at": f"CASE WHEN st.open THEN NULL ELSE {resolved} END",
                "resolution": "''",
                "rating_note": "''",
                "card": "'none'",
                "yellow_count": "0",
                "is_open": "st.open",
            }
            columns, values, params = [], [], []
            for f in Case._meta.concrete_fields:
                if f.column in expressions:
                    columns.append(f.column)
                    values.append(expressions[f.column])
                elif not f.null and not f.primary_key:
                    # A column added after this benchmark was written: its default, as a parameter.
                    columns.append(f.column)
                    values.append("%s")
                    params.append(f.get_db_prep_save(f.get_default(), self.connection))
            table = q(Case._meta.db_table)
            sql = (
                f"{with_clause}INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
                f"SELECT {', '.join(values)} FROM {gen} "
                f"JOIN bench_cat c ON c.i = g.n % {n_cat} "
                f"JOIN bench_ent e ON e.i = (g.n * 13) % {n_ent} "
                f"JOIN bench_state st ON st.i = (g.n / {n_cat}) % {n_state}"
            )
            cursor.execute(sql, params or None)
            # One timeline event per case, and an Open311 record for every 20th.
            event = q("cases_caseevent")
            cursor.execute(
                f"INSERT INTO {event} (case_id, kind, action, from_state, to_state, note, created_at) "
                f"SELECT id, 'transition', 'open', '', state, '受理,办结时限' || due_on, accepted_at "
                f"FROM {table} WHERE number LIKE 'BN%%'"
            )
            side = q(Open311Request._meta.db_table)
            token = "md5(id::text)" if pg else "lower(hex(randomblob(16)))"
            cursor.execute(
                f"INSERT INTO {side} (case_id, token, lat, long, address_string, address_id, email, device_id, "
                f"account_id, first_name, last_name, phone, media_url, created_at) "
                f"SELECT id, {token}, 30.1 + (id % 100) / 1000.0, 105.8 + (id % 100) / 1000.0, "
                f"'潼南区' || id || '号', '', '', '', '', '', '', '', '', accepted_at "
                f"FROM {table} WHERE number LIKE 'BN%%' AND id % 20 = 0"
            )
        self.case_count = Case.objects.count()

    # Measuring --------------------------------------------------------------------------------
    def params(self, scenario: str) -> tuple[str, dict[str, str]]:
        from tiaodu.enterprises.choices import APPEAL_CATEGORIES

        rng = self.rng
        fmt = "xml" if scenario == "filtered_xml" else "json"
        if scenario == "unfiltered":
            return fmt, {"page": str(rng.randint(1, 3)), "page_size": "50"}
        if scenario == "by_ids":
            ids = [f"BN{rng.randint(1, self.args.records):010d}" for _ in range(20)]
            return fmt, {"service_request_id": ",".join(ids)}
        end = date.today() - timedelta(days=rng.randint(0, DAYS - 90))
        params = {
            "service_code": rng.choice(APPEAL_CATEGORIES)[0],
            "status": rng.choice(["open", "closed"]),
            "start_date": f"{end - timedelta(days=89):%Y-%m-%d}T00:00:00+08:00",
            "end_date": f"{end:%Y-%m-%d}T23:59:59+08:00",
            "page": str(rng.randint(1, 3)),
            "page_size": "50",
        }
        if scenario == "town_key":
            params["api_key"] = self.town_key
        return fmt, params

    def scenario(self, name: str) -> dict[str, Any]:
        from django.db import connection, reset_queries
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client()
        for _ in range(self.args.warmup):
            fmt, params = self.params(name)
            assert client.get(f"/open311/v2/requests.{fmt}", params).status_code == 200
        samples, rows, sizes = [], [], []
        for _ in range(self.args.reps):
            fmt, params = self.params(name)
            path = f"/open311/v2/requests.{fmt}"
            t0 = time.perf_counter_ns()
            response = client.get(path, params)
            samples.append(time.perf_counter_ns() - t0)
            assert response.status_code == 200, response.content[:300]
            sizes.append(len(response.content))
            rows.append(len(response.json()) if fmt == "json" else response.content.count(b"<request>"))
        fmt, params = self.params(name)
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/open311/v2/requests.{fmt}", params)
        main_sql = next(q["sql"] for q in captured.captured_queries if 'FROM "cases_case"' in q["sql"])
        shown = {k: v for k, v in params.items() if k != "api_key"}
        return {
            "name": name,
            "example": f"GET /open311/v2/requests.{fmt}?{urlencode(shown)}"
            + ("&api_key=…" if "api_key" in params else ""),
            "repetitions": len(samples),
            **benchlib.summary(samples, digits=2),
            "rows_per_page_mean": round(statistics.fmean(rows), 1),
            "response_bytes_mean": round(statistics.fmean(sizes)),
            "queries": len(captured.captured_queries),
            "main_sql": main_sql,
            "plan": self.explain(main_sql),
        }

    def explain(self, sql: str) -> list[str]:
        prefix = "EXPLAIN " if self.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with self.connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            return [" | ".join(str(c) for c in row) for row in cursor.fetchall()]

    def create_proposed_indexes(self) -> tuple[float, list[str]]:
        """Create the proposed indexes the schema does not have yet; return (seconds, present)."""
        from tiaodu.cases.models import Case

        q = self.connection.ops.quote_name
        table = Case._meta.db_table
        t = time.perf_counter()
        present = []
        with self.connection.cursor() as cursor:
            existing = self.connection.introspection.get_constraints(cursor, table).values()
            have = {tuple(c["columns"]) for c in existing if c["index"]}
            for name, columns in PROPOSED_INDEXES:
                if tuple(columns) in have:  # already in the schema (cases migrations)
                    present.append(name)
                    continue
                cols = ", ".join(q(c) for c in columns)
                cursor.execute(f"CREATE INDEX {q('bench_' + name)} ON {q(table)} ({cols})")
            cursor.execute("ANALYZE")
        return round(time.perf_counter() - t, 1), present

    def run(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        setup = self.setup()
        with self.connection.cursor() as cursor:
            cursor.execute("select sqlite_version()" if self.vendor == "sqlite" else "show server_version")
            version = cursor.fetchone()[0]
        existing = [self.scenario(s) for s in SCENARIOS]
        index_s, present = self.create_proposed_indexes()
        proposed = [self.scenario(s) for s in SCENARIOS]
        self.connection.close()
        target_existing = existing[0]["median_ms"] < TARGET_MS
        target_proposed = proposed[0]["median_ms"] < TARGET_MS
        return {
            "database": {"vendor": self.vendor, "version": version},
            "records": {
                "cases": self.case_count,
                "enterprises": len(self.enterprises),
                "demo": self.demo_note,
            },
            "setup_seconds": setup,
            "with_existing_indexes": existing,
            "proposed_indexes": {
                "indexes": [{"name": n, "columns": c} for n, c in PROPOSED_INDEXES],
                "create_seconds": index_s,
                "already_in_schema": present,
                "scenarios": proposed,
            },
            "target": f"filtered median < {TARGET_MS:g} ms",
            "target_met_with_existing_indexes": target_existing,
            "target_met_with_proposed_indexes": target_proposed,
            "elapsed_s": round(time.perf_counter() - t0, 1),
        }


# --- Orchestration -----------------------------------------------------------------------------------


def print_table(run: dict[str, Any]) -> None:
    db = f"{run['database']['vendor']} {run['database']['version'].split()[0]}"
    print(f"{db}: {run['records']['cases']:,} cases")
    print(f"{'scenario':<14}{'indexes':<10}{'median':>9}{'p95':>9}{'min':>9}{'rows':>7}{'q':>4}")
    for label, scenarios in (
        ("existing", run["with_existing_indexes"]),
        ("proposed", run["proposed_indexes"]["scenarios"]),
    ):
        for s in scenarios:
            print(
                f"{s['name']:<14}{label:<10}{s['median_ms']:>9.2f}{s['p95_ms']:>9.2f}{s['min_ms']:>9.2f}"
                f"{s['rows_per_page_mean']:>7}{s['queries']:>4}"
            )
    print(f"(ms; target: filtered median < {TARGET_MS:g} ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local, if it answers)")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even when PostgreSQL answers")
    parser.add_argument("--records", type=int, default=1_000_000, help="cases to insert")
    parser.add_argument("--reps", type=int, default=100, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per scenario")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = Worker(args).run()
        Path(args.worker).write_text(json.dumps(result, ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    machine = benchlib.machine_info()
    pg_base = args.postgres or os.environ.get("TIAODU_BENCH_DATABASE_URL") or benchlib.DEFAULT_PG_URL
    use_pg = not args.sqlite and benchlib.pg_reachable(pg_base)
    worker_args = ["--records", str(args.records), "--reps", str(args.reps), "--warmup", str(args.warmup)]
    with tempfile.TemporaryDirectory(prefix="tiaodu-bench-o311-") as tmp:
        if use_pg:
            print(f"== PostgreSQL ({PG_DB}): {args.records:,} cases ...", flush=True)
            benchlib.pg_recreate(pg_base, PG_DB)
            try:
                run = benchlib.run_worker(__file__, benchlib.pg_url(pg_base, PG_DB), tmp, worker_args)
            finally:
                benchlib.pg_recreate(pg_base, PG_DB, drop_only=True)
        else:
            print(f"== SQLite: {args.records:,} cases ...", flush=True)
            run = benchlib.run_worker(__file__, f"sqlite:///{tmp}/bench.sqlite3", tmp, worker_args)
    load_after = round(os.getloadavg()[0], 2)
    result = {
        "benchmark": "GET /open311/v2/requests.json with filters over 1,000,000 cases",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": benchlib.git_commit(),
        "machine": {**machine, "load_average_1m_after": load_after},
        "method": (
            "Django test client through the full middleware stack; 100 timed requests per scenario, "
            "each with freshly drawn parameters (category, status, 90-day window, page 1-3, page size 50)."
        ),
        **run,
        "elapsed_total_s": round(time.perf_counter() - started, 1),
    }
    benchlib.merge_results(RESULT_KEY, result, args.output)
    print_table(run)
    print(f"written to {args.output} under {RESULT_KEY!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
