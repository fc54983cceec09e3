"""Benchmark: the daily pages on the demo data — the monitoring dashboard (``/monitoring/``), the
monthly bulletin page (``/monitoring/bulletin/``) and the leader's workbench (``/``). Target: each
under 500 ms.

``.venv/bin/python bench/bench_daily_pages.py`` runs one worker process on SQLite in a temporary
directory (``--postgres [URL]`` also on a throw-away PostgreSQL database). The worker loads what
``tiaodu demo`` loads (the Chongqing regions, the demo organisations and accounts, the monitoring
figures of 38 county units with the two indices, targets, reporting, investment, safety and
employment), then, with Django's test client signed in as each demo role, times GET of each page:

* **warm** — the page again, its computed part in the cache (what every load costs between two
  imports): ``--runs`` timed loads after one warm-up;
* **cold** — the cache emptied before each load (what the first load after an import costs: the
  figures read and compared, the charts drawn; the same work the pages did on every load before
  the cache): ``--cold-runs`` loads;
* **other scope** (bulletin) — the cache emptied, the page loaded by the district's leader, then
  timed for a user of another scope (古溪镇): the bulletin is built again for that scope, its
  charts, which do not depend on the scope, come from the cache;
* **first request of the process** — the first load of each page in the new process (imports,
  URL resolution, template compilation included), for information.

The figures are merged into ``bench/results.json`` under ``"daily_pages"``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import benchlib

RESULT_KEY = "daily_pages"
OWN_PAGES = ("dashboard", "dashboard_period", "bulletin", "bulletin_period")
TARGET_MS = 500.0
TONGNAN = "500152"
# (name, path, query, roles); the workbench is timed for the leader only (lane A benches it per role)
PAGES: list[tuple[str, str, dict[str, str], tuple[str, ...]]] = [
    ("dashboard", "/monitoring/", {}, ("leader", "jxw", "guxi", "admin")),
    ("dashboard_period", "/monitoring/", {"region": TONGNAN, "period": "2022-M01-02"}, ("leader",)),
    ("bulletin", "/monitoring/bulletin/", {}, ("leader", "jxw", "guxi", "admin")),
    ("bulletin_period", "/monitoring/bulletin/", {"region": TONGNAN, "period": "2022年1-2月"}, ("leader",)),
    ("workbench", "/", {}, ("leader",)),
]


# --- The worker (inside Django) ----------------------------------------------------------------------


def _summary(samples: list[int]) -> dict[str, float]:
    if len(samples) < 2:
        ms = samples[0] / 1e6
        return {
            "median_ms": round(ms, 1),
            "p95_ms": round(ms, 1),
            "mean_ms": round(ms, 1),
            "min_ms": round(ms, 1),
        }
    return {k: round(v, 1) for k, v in benchlib.summary(samples).items()}


def _get(client: Any, path: str, query: dict[str, str]) -> tuple[int, int, int]:
    t0 = time.perf_counter_ns()
    response = client.get(path, query)
    elapsed = time.perf_counter_ns() - t0
    return elapsed, len(response.content), response.status_code


def worker(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiaodu.settings")
    import io

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tiaodu.accounts.models import User

    setup_test_environment()  # the test client's host is allowed
    t0 = time.perf_counter()
    call_command("demo", stdout=io.StringIO())
    setup_s = round(time.perf_counter() - t0, 1)

    roles = sorted({r for *_, rs in PAGES for r in rs} | {"leader", "guxi"})
    clients: dict[str, Any] = {}
    for name in roles:
        client = Client()
        client.force_login(User.objects.get(username=name))
        clients[name] = client

    first: dict[str, float] = {}
    seen: set[str] = set()
    for page, path, query, page_roles in PAGES:
        if path in seen:
            continue
        seen.add(path)
        elapsed, _size, _status = _get(clients[page_roles[0]], path, query)
        first[page] = round(elapsed / 1e6, 1)
        print(f"  first request of the process: {page:<18} {first[page]:8.1f} ms", flush=True)

    pages: list[dict[str, Any]] = []
    for page, path, query, page_roles in PAGES:
        for role in page_roles:
            client = clients[role]
            cold, warm = [], []
            size, statuses = 0, set()
            for _ in range(args.cold_runs):
                cache.clear()
                elapsed, size, status = _get(client, path, query)
                cold.append(elapsed)
                statuses.add(status)
            _get(client, path, query)  # warm-up: the entry is in the cache
            for _ in range(args.runs):
                elapsed, size, status = _get(client, path, query)
                warm.append(elapsed)
                statuses.add(status)
            entry: dict[str, Any] = {
                "page": page,
                "path": path,
                "query": query,
                "role": role,
                "status": sorted(statuses),
                "bytes": size,
                "warm": _summary(warm),
                "cold": _summary(cold),
            }
            entry["target_met"] = statuses == {200} and entry["warm"]["median_ms"] < TARGET_MS
            pages.append(entry)
            print(
                f"  {page:<17} {role:<7} warm median {entry['warm']['median_ms']:7.1f} ms "
                f"(p95 {entry['warm']['p95_ms']:7.1f}), cold median {entry['cold']['median_ms']:7.1f} ms, "
                f"{size / 1024:.0f} KiB, HTTP {'/'.join(map(str, sorted(statuses)))}",
                flush=True,
            )

    # the bulletin for another scope once the leader's is cached: charts shared, bulletin rebuilt
    other = []
    for _ in range(args.cold_runs):
        cache.clear()
        _get(clients["leader"], "/monitoring/bulletin/", {})
        elapsed, _size, _status = _get(clients["guxi"], "/monitoring/bulletin/", {})
        other.append(elapsed)
    other_scope = {"page": "bulletin", "role": "guxi", "after": "leader", **_summary(other)}
    print(f"  bulletin for another scope (guxi after leader): median {other_scope['median_ms']:.1f} ms")
    return {
        "database": {"vendor": connection.vendor},
        "setup_s": setup_s,
        "first_request_ms": first,
        "pages": pages,
        "bulletin_other_scope": other_scope,
    }


# --- Orchestration -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="warm loads per page and role (default 20)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold loads per page and role (default 5)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="",
        default=None,
        metavar="URL",
        help="also on PostgreSQL (a throw-away database; URL of the server, default the local one)",
    )
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    worker_args = ["--runs", str(args.runs), "--cold-runs", str(args.cold_runs)]
    runs = [benchlib.run_sqlite(__file__, "tiaodu-bench-daily-", worker_args)]
    if args.postgres is not None:
        pg = benchlib.run_postgres(
            __file__, "tiaodu_bench_daily", "tiaodu-bench-daily-", worker_args, args.postgres or None
        )
        if pg is not None:
            runs.append(pg)

    report = benchlib.report_header(
        "the daily pages on the demo data: /monitoring/, /monitoring/bulletin/ and the leader's workbench"
    )
    report |= {
        "target_ms": TARGET_MS,
        "method": (
            f"Django test client in one process on the `tiaodu demo` data; warm = median of {args.runs} loads "
            f"with the page's computed part cached (monitoring.cache); cold = median of {args.cold_runs} loads "
            "with the cache emptied before each (the first load after an import: what every load cost before "
            "the cache); other scope = the bulletin for 古溪镇 right after the leader's (charts shared)"
        ),
        "runs": runs,
        # the monitoring pages are this benchmark's; the workbench is lane A's (bench_workbench.py),
        # reported here beside them and not counted in the exit status
        "target_met": all(p["target_met"] for run in runs for p in run["pages"] if p["page"] in OWN_PAGES),
        "workbench_target_met": all(
            p["target_met"] for run in runs for p in run["pages"] if p["page"] not in OWN_PAGES
        ),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    benchlib.merge_results(RESULT_KEY, report, args.output)

    print()
    print(f"{'database':<11}{'page':<18}{'role':<8}{'warm ms':>9}{'p95 ms':>9}{'cold ms':>9}")
    for run in runs:
        for p in run["pages"]:
            print(
                f"{run['database']['vendor']:<11}{p['page']:<18}{p['role']:<8}{p['warm']['median_ms']:>9.1f}"
                f"{p['warm']['p95_ms']:>9.1f}{p['cold']['median_ms']:>9.1f}"
            )
    print(
        f"target: warm < {TARGET_MS:.0f} ms: {'met' if report['target_met'] else 'MISSED'} (monitoring pages)"
    )
    print(f"workbench (for information): {'met' if report['workbench_target_met'] else 'MISSED'}")
    return 0 if report["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
