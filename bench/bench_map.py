"""Benchmark: the one map (一张图) of 10,000 key projects — the map-data endpoint (target: median
under 300 ms) and, in headless Chromium, the time until the 10,000 points are clustered on the map
and how responsive the map stays.

``.venv/bin/python bench/bench_map.py`` runs one worker per database: SQLite in a temporary
directory, and PostgreSQL in its own database (``tiaodu_bench_map``, dropped afterwards) on
``--postgres URL`` / ``TIAODU_BENCH_DATABASE_URL`` / postgres://postgres@127.0.0.1:5432/ (skipped
with a message when no server answers). Each worker migrates, loads the Chongqing regions, creates
a district leader and a 古溪镇 user, and inserts the projects (``bulk_create``) at random points
inside 潼南区's official outline (``regions.boundaries.contains``), spread over its 23 镇街, every
stage and level (and 督办牌, when projects have them).

* **Endpoint**: ``GET /projects/map/data.json`` through the whole Django stack in-process (test
  client: middleware, session, scope, filters, serialisation), 30 timed requests per scenario after
  a warm-up: the leader's whole district, the leader filtered by stage, the town user's township;
  and ``/projects/map/outline.json``. SQL statements per request are counted.
* **Browser**: ``tiaodu serve`` on the same database and Debian's Chromium (headless, through
  Playwright), logged in as the leader. Per page load: time from navigation until the script
  reports every point clustered and painted (``td-map:ready``), the data request's own time, and
  the long tasks (main thread busy > 50 ms) until then. Then interaction: zooming in with the zoom
  control (click → ``zoomend`` + the next frame, which includes Leaflet's 250 ms zoom animation), a
  filter change (refetch + re-cluster), opening a project card, and the long tasks meanwhile.

The figures are merged into ``bench/results.json`` under ``"map_data"``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import benchlib

PG_DB = "tiaodu_bench_map"
RESULT_KEY = "map_data"
TARGET_MS = 300.0
DISTRICT = "500152"  # 潼南区
GUXI = "500152103"
WARMUP = 3
REPETITIONS = 30
PAGE_LOADS = 3
ZOOMS = 4
STAGES = ["reserve", "signed", "landed", "started", "building", "completed", "operating", "suspended"]
LEVELS = ["city", "district", "general"]


# --- The database (inside Django) ------------------------------------------------------------------


def setup_database(projects: int, password: str) -> dict[str, Any]:
    from decimal import Decimal

    from django.core.management import call_command

    from tiaodu.accounts import services as accounts
    from tiaodu.projects.models import Project
    from tiaodu.projects.views_map import has_card_field
    from tiaodu.regions.boundaries import contains, outline
    from tiaodu.regions.choices import Level
    from tiaodu.regions.models import Region
    from tiaodu.regions.services import load_regions

    timings: dict[str, Any] = {}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    load_regions(["50"])
    accounts.create_user(None, username="leader", role="leader", region_code=DISTRICT, password=password)
    accounts.create_user(None, username="guxi", role="town", region_code=GUXI, password=password)
    towns = list(Region.objects.filter(parent__code=DISTRICT, level=Level.TOWNSHIP).order_by("code"))
    shape = outline(DISTRICT)
    assert shape is not None
    ring = shape["coordinates"][0][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    rng = random.Random(20260)
    card = has_card_field()
    rows = []
    for n in range(projects):
        while True:  # a random point inside the district's outline
            lon, lat = rng.uniform(min(lons), max(lons)), rng.uniform(min(lats), max(lats))
            if contains(DISTRICT, lon, lat):
                break
        extra: dict[str, Any] = {}
        if card:
            extra["card"] = rng.choices(["none", "yellow", "red"], weights=[85, 10, 5])[0]
        rows.append(
            Project(
                name=f"基准项目{n:05d}",
                township=towns[n % len(towns)],
                stage=rng.choice(STAGES),
                level=rng.choice(LEVELS),
                longitude=Decimal(f"{lon:.6f}"),
                latitude=Decimal(f"{lat:.6f}"),
                total_investment=Decimal(rng.randrange(500, 500_000)),
                **extra,
            )
        )
    # A few without coordinates, as in real registers.
    rows += [Project(name=f"无坐标项目{n}", township=towns[n % len(towns)]) for n in range(projects // 100)]
    Project.objects.bulk_create(rows, batch_size=1000)
    timings["regions_projects_s"] = round(time.perf_counter() - t0, 1)
    timings["projects"] = Project.objects.count()
    timings["located"] = Project.objects.filter(longitude__isnull=False).count()
    timings["has_card_field"] = card
    return timings


def time_endpoint(client: Any, path: str, query: dict[str, str]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = path + ("?" + urlencode(query) if query else "")
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(REPETITIONS):
        t0 = time.perf_counter_ns()
        response = client.get(url)
        samples.append(time.perf_counter_ns() - t0)
        assert response.status_code == 200
    gzip_samples = []  # what a browser gets: the same response gzip-compressed
    for _ in range(REPETITIONS):
        t0 = time.perf_counter_ns()
        packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        gzip_samples.append(time.perf_counter_ns() - t0)
        assert packed["Content-Encoding"] == "gzip"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    body = response.json()
    return {
        "request": "GET " + url,
        "points": body.get("count", len(body.get("features", []))),
        "response_bytes": len(response.content),
        "gzip_bytes": len(packed.content),
        "gzip_median_ms": benchlib.summary(gzip_samples)["median_ms"],
        "statements": len(ctx.captured_queries),
        **benchlib.summary(samples),
    }


def endpoint_scenarios() -> list[dict[str, Any]]:
    from django.test import Client

    from tiaodu.accounts.models import User

    clients = {}
    for username in ("leader", "guxi"):
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    scenarios = [
        ("leader_district", "区领导:全区项目(无筛选)", "leader", "/projects/map/data.json", {}),
        ("leader_stage", "区领导:在建项目", "leader", "/projects/map/data.json", {"stage": "building"}),
        ("town_township", "镇街人员:本镇项目", "guxi", "/projects/map/data.json", {}),
        ("outline", "区县边界(GeoJSON)", "leader", "/projects/map/outline.json", {}),
    ]
    results = []
    for name, description, user, path, query in scenarios:
        figures = time_endpoint(clients[user], path, query)
        results.append({"name": name, "description": description, "user": user, **figures})
        print(
            f"    {name:<16} {figures['points']:>6} points  median {figures['median_ms']:8.1f} ms  "
            f"p95 {figures['p95_ms']:8.1f} ms  {figures['response_bytes'] / 1024:7.0f} KiB  "
            f"gzip {figures['gzip_bytes'] / 1024:5.0f} KiB in {figures['gzip_median_ms']:.1f} ms  "
            f"{figures['statements']} statements",
            flush=True,
        )
    return results


# --- The browser -------------------------------------------------------------------------------------

INIT_SCRIPT = """
window.__td = { longtasks: [], ready: [] };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__td.longtasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
document.addEventListener("td-map:ready", (e) => window.__td.ready.push([performance.now(), e.detail.count]));
"""

ZOOM_JS = """
() => new Promise((resolve) => {
  const box = document.getElementById("project-map");
  const t0 = performance.now();
  box.addEventListener("td-map:view", () => requestAnimationFrame(() => resolve(performance.now() - t0)), { once: true });
  document.querySelector(".leaflet-control-zoom-in").click();
})
"""

# The index of the uncovered pin nearest the map's centre (-1: none).
PICK_PIN_JS = """
() => {
  const r = document.getElementById("project-map").getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  let best = -1, nearest = Infinity;
  document.querySelectorAll(".leaflet-marker-pane .leaflet-marker-icon.td-pin").forEach((pin, i) => {
    const b = pin.getBoundingClientRect();
    const x = b.left + b.width / 2, y = b.top + b.height / 2;
    if (x < r.left + 60 || x > r.right - 60 || y < r.top + 60 || y > r.bottom - 60) return;
    if (document.elementFromPoint(x, y) !== pin) return;
    const d = Math.hypot(x - cx, y - cy);
    if (d < nearest) { nearest = d; best = i; }
  });
  return best;
}
"""

SETTLE_JS = "() => !document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim')"


def long_tasks(page: Any, start: float, end: float) -> dict[str, Any]:
    tasks = [d for s, d in page.evaluate("window.__td.longtasks") if start <= s <= end]
    return {
        "count": len(tasks),
        "total_ms": round(sum(tasks), 1),
        "max_ms": round(max(tasks), 1) if tasks else 0.0,
    }


def one_page_load(browser: Any, platform: Any, password: str, log_in: Any) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, platform, "leader", password)
    page.goto(platform.url("/projects/map/"))
    page.wait_for_selector("#project-map[data-state=ready]", timeout=180_000)
    ready_ms, count = page.evaluate("window.__td.ready[0]")
    data = page.evaluate(
        """() => performance.getEntriesByType("resource").filter((e) => e.name.includes("data.json"))
              .map((e) => ({ start: e.startTime, duration: e.duration, bytes: e.encodedBodySize }))[0]"""
    )
    figures: dict[str, Any] = {
        "points": count,
        "ready_ms": round(ready_ms, 1),
        "data_request_ms": round(data["duration"], 1),
        "data_bytes": data["bytes"],
        "cluster_ms": round(ready_ms - data["start"] - data["duration"], 1),
        "long_tasks_until_ready": long_tasks(page, 0, ready_ms),
        "clusters_on_screen": page.locator(".leaflet-marker-pane .marker-cluster").count(),
        "page_errors": errors,
    }
    return {"figures": figures, "context": context, "page": page}


def interaction(page: Any) -> dict[str, Any]:
    now = "performance.now()"
    start = page.evaluate(now)
    zooms = []
    for _ in range(ZOOMS):
        zooms.append(page.evaluate(ZOOM_JS))
        page.wait_for_function(SETTLE_JS)
    zoomed = page.evaluate(now)
    # A filter change: the data is fetched again and re-clustered.
    before = len(page.evaluate("window.__td.ready"))
    t0 = page.evaluate(now)
    page.select_option("#f-stage", "building")
    page.wait_for_function(f"() => window.__td.ready.length > {before}", timeout=60_000)
    filtered_ms, filtered_count = page.evaluate("window.__td.ready[window.__td.ready.length - 1]")
    page.wait_for_function(SETTLE_JS)
    filtered = page.evaluate(now)
    # Opening a project card: zoom on until single pins show, then click one.
    for _ in range(6):
        if page.evaluate(PICK_PIN_JS) >= 0:
            break
        page.evaluate(ZOOM_JS)
        page.wait_for_function(SETTLE_JS)
    card_ms = None
    index = page.evaluate(PICK_PIN_JS)
    t1 = page.evaluate(now)
    if index >= 0:
        box = page.locator(".leaflet-marker-pane .leaflet-marker-icon.td-pin").nth(index).bounding_box()
        t1 = page.evaluate(now)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".leaflet-popup .td-map-card")
        card_ms = round(page.evaluate(now) - t1, 1)
    end = page.evaluate(now)
    return {
        "zoom_in_ms": [round(z, 1) for z in zooms],
        "zoom_in_median_ms": round(statistics.median(zooms), 1),
        "filter_refetch_ms": round(filtered_ms - t0, 1),
        "filter_points": filtered_count,
        "open_card_ms": card_ms,
        "long_tasks_during_interaction": long_tasks(page, start, end),
        "long_tasks_by_step": {
            "zoom_in": long_tasks(page, start, zoomed),
            "filter_refetch": long_tasks(page, t0, filtered),
            "zoom_to_pins_and_open_card": long_tasks(page, filtered, end),
        },
    }


def browser_figures(password: str) -> dict[str, Any]:
    sys.path.insert(0, str(benchlib.REPO_DIR / "tests" / "browser"))
    from browser_support import CHROMIUM, Platform, free_port, launch_chromium, log_in, stop, wait_healthy

    if not CHROMIUM.exists():
        return {"skipped": f"{CHROMIUM} is missing"}
    from playwright.sync_api import sync_playwright

    data_dir = Path(os.environ["TIAODU_DATA_DIR"])
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = data_dir / "serve.log"
    command = [str(Path(sys.executable).parent / "tiaodu"), "serve", f"127.0.0.1:{port}", "--no-worker"]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "--workers", "2"],
            env=dict(os.environ),
            cwd=benchlib.REPO_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(base_url, server, log, 60)
        platform = Platform(base_url=base_url, password=password, data_dir=data_dir, log=log)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                loads = []
                for n in range(PAGE_LOADS):
                    run = one_page_load(browser, platform, password, log_in)
                    loads.append(run["figures"])
                    print(
                        f"    page load {n + 1}: {run['figures']['points']:,} points ready in "
                        f"{run['figures']['ready_ms']:.0f} ms (data {run['figures']['data_request_ms']:.0f} ms, "
                        f"longest task {run['figures']['long_tasks_until_ready']['max_ms']:.0f} ms)",
                        flush=True,
                    )
                    if n < PAGE_LOADS - 1:
                        run["context"].close()
                interactive = interaction(run["page"])
                run["context"].close()
                print(
                    f"    zoom in (median) {interactive['zoom_in_median_ms']:.0f} ms, filter refetch "
                    f"{interactive['filter_refetch_ms']:.0f} ms, open card {interactive['open_card_ms']} ms, "
                    f"longest task {interactive['long_tasks_during_interaction']['max_ms']:.0f} ms",
                    flush=True,
                )
                version = playwright.chromium.name + " " + browser.version
            finally:
                browser.close()
    finally:
        stop(server)
    ready = [load["ready_ms"] for load in loads]
    return {
        "browser": version,
        "chromium": str(CHROMIUM),
        "page_loads": loads,
        "ready_median_ms": round(statistics.median(ready), 1),
        "interaction": interactive,
    }


def worker(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    import django

    django.setup()
    from django.db import connection

    password = secrets.token_urlsafe(12) + "Aa1!"
    setup = setup_database(args.projects, password)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0]
            cursor.execute("ANALYZE")
        else:
            version = ".".join(str(v) for v in connection.Database.sqlite_version_info)
    print(
        f"  [{connection.vendor}] {setup['projects']:,} projects ({setup['located']:,} located)", flush=True
    )
    scenarios = endpoint_scenarios()
    connection.close()  # the server process gets the database to itself while the browser runs
    browser = {"skipped": "--no-browser"} if args.no_browser else browser_figures(password)
    district = next(s for s in scenarios if s["name"] == "leader_district")
    return {
        "database": {"vendor": connection.vendor, "version": version},
        "setup_seconds": setup,
        "endpoint": scenarios,
        "browser": browser,
        "target_met": district["median_ms"] < TARGET_MS and district["points"] >= args.projects,
    }


# --- Orchestration -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local)")
    parser.add_argument("--projects", type=int, default=10_000, help="projects on the map (default 10000)")
    parser.add_argument("--no-browser", action="store_true", help="time the endpoint only")
    parser.add_argument("--settings", default="tiaodu.settings", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    worker_args = ["--projects", str(args.projects), "--settings", args.settings]
    if args.no_browser:
        worker_args.append("--no-browser")
    try:
        runs = benchlib.run_both(__file__, PG_DB, "tiaodu-bench-map-", worker_args, args.postgres)
    except benchlib.PostgresUnreachable as exc:
        print(exc, file=sys.stderr)
        return 2

    report = {
        **benchlib.report_header(
            "the one map (一张图): GET /projects/map/data.json and the map in headless Chromium"
        ),
        "projects": args.projects,
        "targets": {"data_median_ms": TARGET_MS},
        "method": {
            "endpoint": f"Django test client in-process (all middleware, session, scope, filters, JSON); "
            f"{WARMUP} warm-up then {REPETITIONS} timed requests per scenario",
            "browser": "tiaodu serve (gunicorn, 2 workers) on the same database; Chromium headless via "
            "Playwright, 1280x800; ready = the script's td-map:ready event (every point clustered, next "
            "frame); long tasks from PerformanceObserver('longtask'); zoom = zoom-control click → zoomend "
            "+ next frame (includes Leaflet's 250 ms zoom animation)",
        },
        "runs": runs,
        "target_met": all(r["target_met"] for r in runs),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    benchlib.merge_results(RESULT_KEY, report, args.output)

    print()
    print(
        f"{'database':<12}{'points':>8}{'data median ms':>16}{'p95 ms':>9}{'KiB':>7}{'browser ready ms':>18}"
    )
    for run in runs:
        district = next(s for s in run["endpoint"] if s["name"] == "leader_district")
        ready = run["browser"].get("ready_median_ms", "—")
        print(
            f"{run['database']['vendor']:<12}{district['points']:>8,}{district['median_ms']:>16.1f}"
            f"{district['p95_ms']:>9.1f}{district['response_bytes'] / 1024:>7.0f}{ready!s:>18}"
        )
    print(f"target (data median < {TARGET_MS:g} ms) met: {report['target_met']}; written {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
