"""Benchmark: the enterprise list sorted by each of its sortable columns over 100,000 enterprises
(target: within 2× of the same SQL run directly).

``.venv/bin/python bench/bench_list_sort.py`` builds its own database — PostgreSQL database
``tiaodu_bench_e`` (created before, dropped after) when a server answers at ``--postgres URL`` /
``TIAODU_BENCH_DATABASE_URL`` / postgres://postgres@127.0.0.1:5432/, otherwise SQLite in a
temporary directory (``--sqlite``) — migrates it, loads the Chongqing regions and the demo data,
and inserts 100,000 enterprises over 潼南区's 镇街 (``bulk_create``; names, credit codes and
industry codes drawn at random, a liaison department and a squad on about half of them).

Then, as the district leader (``leader``, whose scope is the district: the list's query carries
that filter), for each sortable column of ``EnterpriseListView`` in both directions:

* ``view_ms`` — ``GET /enterprises/?sort=…`` through the whole Django stack with the test client
  (middleware, session, the scope, the filter form's choices, count, the page of 50 rows, the
  template);
* ``sql_ms`` — the list's own SQL (the count and the page query, captured from the view) run
  directly on the database driver's cursor, rows fetched;
* ``ratio`` = view / SQL (medians); the target is ≤ 2.

The figures are merged into ``bench/results.json`` under ``"list_sort"``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import benchlib

PG_DB = "tiaodu_bench_e"
RESULT_KEY = "list_sort"
TARGET_RATIO = 2.0
DISTRICT = "500152"  # 潼南区
URL = "/enterprises/"
WORDS = "华渝巴蜀嘉陵涪江长城东方新材料机械电子科技化工食品纺织建材能源物流医药"
SUFFIXES = ["有限公司", "股份有限公司", "有限责任公司", "合伙企业(有限合伙)"]


class Worker:
    def __init__(self, args: argparse.Namespace) -> None:
        import django

        django.setup()
        from django.db import connection

        self.args = args
        self.connection = connection
        self.rng = random.Random(20261207)

    def setup(self) -> dict[str, Any]:
        from django.core.management import call_command

        from tiaodu.core.demo import load_demo
        from tiaodu.regions.services import load_regions

        timings: dict[str, Any] = {}
        t = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        load_regions(["50"])
        load_demo()
        timings["migrate_regions_demo_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        self.insert_enterprises(self.args.records)
        timings["insert_enterprises_s"] = round(time.perf_counter() - t, 1)
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return timings

    def insert_enterprises(self, count: int) -> None:
        from tiaodu.enterprises.models import Enterprise
        from tiaodu.orgs.choices import OrgKind
        from tiaodu.orgs.models import Organization
        from tiaodu.regions.choices import Level
        from tiaodu.regions.models import Region

        towns = list(Region.objects.filter(parent__code=DISTRICT, level=Level.TOWNSHIP))
        departments = list(Organization.objects.filter(region__code=DISTRICT, kind=OrgKind.DEPARTMENT))
        squads = list(Organization.objects.filter(kind=OrgKind.SQUAD))
        rng = self.rng
        batch: list[tuple[Organization, Enterprise]] = []
        for i in range(count):
            name = (
                "重庆" + "".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) + rng.choice(SUFFIXES)
            )
            name = f"{name}{i}"  # unique within a town (organisation names are)
            town = rng.choice(towns)
            department = rng.choice(departments) if departments and rng.random() < 0.5 else None
            enterprise = Enterprise(
                credit_code=f"91500152{i:09d}B",
                name=name,
                township=town,
                industry_code=f"C{rng.randint(1300, 4399)}",
                is_above_scale=rng.random() < 0.2,
                is_key=rng.random() < 0.05,
                is_specialized=rng.random() < 0.03,
                liaison_department=department,
                squad=rng.choice(squads) if squads and rng.random() < 0.5 else None,
            )
            batch.append((Organization(name=name, kind=OrgKind.ENTERPRISE, region=town), enterprise))
            if len(batch) == 5000:
                self.save_batch(batch)
                batch = []
        if batch:
            self.save_batch(batch)

    @staticmethod
    def save_batch(batch: list[tuple[Any, Any]]) -> None:
        """Every enterprise is an organisation too (one to one)."""
        from tiaodu.enterprises.models import Enterprise
        from tiaodu.orgs.models import Organization

        orgs = Organization.objects.bulk_create([org for org, _e in batch])
        for org, (_o, enterprise) in zip(orgs, batch, strict=True):
            enterprise.organization = org
        Enterprise.objects.bulk_create([e for _o, e in batch])

    def list_sql(self, client: Any, sort: str) -> list[tuple[str, Any]]:
        """The enterprise queries the view runs for this sort (the count and the page)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"sort": sort})
        assert response.status_code == 200, response.status_code
        direction = "descending" if sort.startswith("-") else "ascending"
        assert f'aria-sort="{direction}"'.encode() in response.content, sort  # the sort was applied
        queries = [q["sql"] for q in captured.captured_queries if 'FROM "enterprises_enterprise"' in q["sql"]]
        assert len(queries) == 2, queries  # the count, the page
        return [(sql, None) for sql in queries]

    def time_sql(self, queries: list[tuple[str, Any]]) -> int:
        raw = self.connection.connection  # the driver's own connection: no Django on the path
        t = time.perf_counter_ns()
        cursor = raw.cursor()
        for sql, _params in queries:
            cursor.execute(sql)
            cursor.fetchall()
        cursor.close()
        return time.perf_counter_ns() - t

    def run(self) -> dict[str, Any]:
        from django.test import Client, RequestFactory
        from django_htmx.middleware import HtmxDetails

        from tiaodu.accounts.models import User
        from tiaodu.enterprises.views import EnterpriseListView

        timings = self.setup()
        user = User.objects.get(username="leader")
        client = Client()
        client.force_login(user)
        client.get(URL)  # warm the caches (templates, translations)
        view = EnterpriseListView()
        from tiaodu.enterprises.models import Enterprise

        keys = list(view.sort_options(Enterprise.objects.all()))
        visible = Enterprise.objects.restrict(user).count()
        scenarios: dict[str, Any] = {}
        reps, warmup = self.args.reps, self.args.warmup
        list_view = EnterpriseListView.as_view()
        factory = RequestFactory()

        def table(sort: str) -> int:
            """The list's own work for an htmx refresh: filter, scope, sort, count, the page, the
            table partial (no middleware, no page chrome)."""
            request = factory.get(URL, {"sort": sort}, HTTP_HX_REQUEST="true")
            request.user = user
            request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
            t = time.perf_counter_ns()
            response = list_view(request)
            response.render() if hasattr(response, "render") else None
            elapsed = time.perf_counter_ns() - t
            assert response.status_code == 200
            return elapsed

        for key in keys:
            for sort in (key, f"-{key}"):
                queries = self.list_sql(client, sort)
                samples: dict[str, list[int]] = {"table": [], "request": [], "sql": []}
                for rep in range(warmup + reps):
                    # Interleaved, so that load from other processes hits all three alike.
                    t = time.perf_counter_ns()
                    response = client.get(URL, {"sort": sort})
                    full = time.perf_counter_ns() - t
                    assert response.status_code == 200
                    partial = table(sort)
                    raw = self.time_sql(queries)
                    if rep >= warmup:
                        samples["request"].append(full)
                        samples["table"].append(partial)
                        samples["sql"].append(raw)
                med = {k: statistics.median(v) / 1e6 for k, v in samples.items()}
                scenarios[sort] = {
                    **{k: benchlib.summary(v) for k, v in samples.items()},
                    "ratio": round(med["table"] / med["sql"], 2),
                    "ratio_full_request": round(med["request"] / med["sql"], 2),
                    "within_target": med["table"] <= TARGET_RATIO * med["sql"],
                }
                print(
                    f"  sort={sort:28} table {med['table']:7.1f} ms  sql {med['sql']:7.1f} ms"
                    f"  ×{med['table'] / med['sql']:.2f}   (full request {med['request']:7.1f} ms)",
                    flush=True,
                )
        worst = max(scenarios.values(), key=lambda s: s["ratio"])["ratio"]
        return {
            "database": self.connection.vendor,
            "records": self.args.records,
            "visible_to_leader": visible,
            "setup": timings,
            "reps": reps,
            "scenarios": scenarios,
            "worst_ratio": worst,
            "target_ratio": TARGET_RATIO,
            "all_within_target": all(s["within_target"] for s in scenarios.values()),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local, if it answers)")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even when PostgreSQL answers")
    parser.add_argument("--records", type=int, default=100_000, help="enterprises to insert")
    parser.add_argument("--reps", type=int, default=15, help="timed requests per sort")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per sort")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = Worker(args).run()
        Path(args.worker).write_text(json.dumps(result, ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    machine = benchlib.machine_info()
    worker_args = ["--records", str(args.records), "--reps", str(args.reps), "--warmup", str(args.warmup)]
    run = (
        None
        if args.sqlite
        else benchlib.run_postgres(__file__, PG_DB, "tiaodu-bench-sort-", worker_args, args.postgres)
    )
    if run is None:
        run = benchlib.run_sqlite(__file__, "tiaodu-bench-sort-", worker_args)
    result = {
        "benchmark": "the enterprise list sorted by each sortable column over 100,000 enterprises",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": benchlib.git_commit(),
        "machine": {**machine, "load_average_1m_after": round(os.getloadavg()[0], 2)},
        "method": (
            "As the district leader, GET /enterprises/?sort=<column> through the Django test client (full "
            "stack, page 1 of 50 rows) vs the list's count + page SQL, captured from the view, run on the "
            "driver's cursor; interleaved, medians of the timed repetitions."
        ),
        **run,
        "elapsed_total_s": round(time.perf_counter() - started, 1),
    }
    benchlib.merge_results(RESULT_KEY, result, args.output)
    print(f"worst ratio ×{run['worst_ratio']} (target ≤ ×{TARGET_RATIO}); written under {RESULT_KEY!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
