"""Benchmark: the 首报制 duplicate check of a 10,000-lead import against 100,000 known investors
and enterprises on PostgreSQL (target: under 10 s).

``.venv/bin/python bench/bench_investment_dedupe.py`` creates its own PostgreSQL database
(``tiaodu_bench_investment_dedupe``, dropped afterwards) on ``--postgres URL`` /
``TIAODU_BENCH_DATABASE_URL`` / postgres://postgres@127.0.0.1:5432/ — and skips with a message
when no server answers — migrates it, loads the Chongqing regions (50) and the demo data, then:

* inserts, in bulk (not timed), 潼南区's known investors: 60,000 leads, 30,000 projects and
  10,000 registered enterprises, with generated company names (region prefix, a two- or
  three-character 字号 from 300 characters, one of 30 industry words, a legal form), a fifth of
  them with a credit code; then ``ANALYZE``;
* builds a batch of 10,000 names as an import would bring them: 30 % known investors written
  differently (another prefix or legal form), 10 % near names (one character of the 字号 left
  out), 5 % known credit codes under another name, 5 % names given twice in the batch, the rest
  new;
* times what the importer does with :class:`tiaodu.investment.dedupe.InvestorIndex`:
  ``for_district`` (one set-based load), then per row ``find`` (and ``add`` for an accepted row)
  and ``find_enterprise`` (the registry, loaded on first use). The total is the figure against
  the target; the load and the per-row parts are reported too, with what was found (the
  injected duplicates must all be found);
* times the single-entry check of the forms and the API (``InvestorIndex.for_name``, narrowed
  in the database) over 200 names.

The figures are merged into ``bench/results.json`` under ``"investment_dedupe"``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import benchlib

PG_DB = "tiaodu_bench_investment_dedupe"
RESULT_KEY = "investment_dedupe"
TARGET_S = 10.0
DISTRICT = "500152"  # 潼南区
KNOWN = {"lead": 60_000, "project": 30_000, "enterprise": 10_000}
BATCH = 10_000
SEED = 20221

CHARS = (
    "安百宝北奔博彩昌辰诚驰川创春达大德鼎东恩发方飞丰峰福富刚高广国海瀚浩和恒宏鸿华环辉汇惠佳嘉建江金锦晶京"
    "精久俊凯康科坤蓝乐力立利联良林隆龙伦茂美民明铭南宁农鹏平普齐启千强桥青清庆秋全仁荣瑞润三森山善尚"
    "申盛胜石时世仕舒顺思泰天通同拓万维伟文沃西熙祥翔欣新信星兴雄秀旭宣雅亚扬洋耀一亿益银英盈永优友宇"
    "玉裕远源跃云泽展长兆哲振正之志智中众洲卓资紫宗祖佰邦贝彪斌灿超澄崇聪丹迪栋敦帆凡芳菲锋枫孚甫赋港"
    "格耕冠光贵汉航豪合亨红虹厚虎沪骅桦淮徽吉骥坚杰洁捷津劲晋景炬钧骏开铠可克奎昆朗磊黎礼莉廉亮霖麟"
)
INDUSTRIES = [
    "科技",
    "新材料",
    "电子",
    "智能装备",
    "生物医药",
    "食品",
    "新能源",
    "化工",
    "纺织服装",
    "汽车零部件",
    "精密机械",
    "信息技术",
    "环保",
    "农业开发",
    "物流",
    "建材",
    "医疗器械",
    "光电",
    "半导体",
    "数据服务",
    "能源",
    "重工",
    "模具",
    "包装",
    "家居",
    "冶金",
    "电气",
    "仪器仪表",
    "软件",
    "动力",
]
FORMS = ("有限公司", "股份有限公司", "集团有限公司", "有限责任公司", "(重庆)有限公司", "控股集团有限公司")
PREFIXES = ("", "", "重庆", "重庆市", "四川", "广东省", "上海", "江苏", "浙江", "北京", "重庆市潼南区")


# --- Generated names -------------------------------------------------------------------------


def _core(rng: random.Random) -> str:
    size = 2 if rng.random() < 0.6 else 3
    return "".join(rng.choice(CHARS) for _ in range(size)) + rng.choice(INDUSTRIES)


def _dress(core: str, rng: random.Random) -> str:
    return rng.choice(PREFIXES) + core + rng.choice(FORMS)


def _code(n: int) -> str:
    return f"91500152BENCH{n:05d}"[:18]


def known_investors(rng: random.Random, normalise: Any) -> list[dict[str, Any]]:
    """``sum(KNOWN)`` investors with distinct keys (and distinct enough: generated twice, kept once)."""
    total = sum(KNOWN.values())
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    while len(rows) < total:
        core = _core(rng)
        name = _dress(core, rng)
        key = normalise(name)
        if key in seen or len(key) < 4:
            continue
        seen.add(key)
        n = len(rows)
        rows.append({"core": core, "name": name, "key": key, "code": _code(n) if n % 5 == 0 else ""})
    return rows


def batch_names(rng: random.Random, known: list[dict[str, Any]], normalise: Any) -> list[dict[str, Any]]:
    """The import's 10,000 rows, each with what it should be found as (``expect``)."""
    keys = {k["key"] for k in known}
    pipeline = known[: KNOWN["lead"] + KNOWN["project"]]
    rows: list[dict[str, Any]] = []
    for k in rng.sample(pipeline, int(BATCH * 0.30)):
        rows.append({"name": _dress(k["core"], rng), "code": "", "expect": "exact"})
    for k in rng.sample(pipeline, int(BATCH * 0.10 * 3)):
        if len(rows) >= int(BATCH * 0.40):
            break
        core = k["core"]
        short = core[:1] + core[2:]  # one character of the 字号 left out
        if len(normalise(short)) >= 5 and normalise(short) not in keys:
            rows.append({"name": rng.choice(PREFIXES) + short + "有限公司", "code": "", "expect": "near"})
    coded = [k for k in pipeline if k["code"]]
    for k in rng.sample(coded, int(BATCH * 0.05)):
        rows.append(
            {
                "name": f"{rng.choice(CHARS)}{rng.choice(CHARS)}{rng.choice(CHARS)}实业有限公司",
                "code": k["code"],
                "expect": "code",
            }
        )
    fresh: list[dict[str, Any]] = []
    while len(rows) + len(fresh) < BATCH - int(BATCH * 0.05):
        name = _dress(_core(rng), rng)
        key = normalise(name)
        if key not in keys and len(key) >= 4:
            keys.add(key)
            fresh.append({"name": name, "code": "", "expect": "new"})
    rows.extend(fresh)
    for row in rng.sample(fresh, BATCH - len(rows)):
        rows.append({"name": row["name"], "code": "", "expect": "again"})
    rng.shuffle(rows)
    # A name given twice is new where it comes first and a repeat where it comes again.
    seen: set[str] = set()
    for row in rows:
        if row["expect"] in ("new", "again"):
            row["expect"] = "again" if row["name"] in seen else "new"
            seen.add(row["name"])
    return rows


# --- The measurement (inside Django) -------------------------------------------------------------


def setup_database() -> dict[str, float]:
    return benchlib.setup_demo_database()


def insert_known(known: list[dict[str, Any]]) -> float:
    from django.db import connection

    from tiaodu.enterprises.models import Enterprise
    from tiaodu.investment import services
    from tiaodu.investment.models import InvestmentProject, Lead
    from tiaodu.orgs.choices import OrgKind
    from tiaodu.orgs.models import Organization
    from tiaodu.regions.choices import Level
    from tiaodu.regions.models import Region

    t0 = time.perf_counter()
    district = Region.objects.get(code=DISTRICT)
    services.ensure_defaults(district)
    towns = list(Region.objects.filter(parent=district, level=Level.TOWNSHIP).order_by("code"))
    reporters = {o.region_id: o for o in Organization.objects.filter(kind=OrgKind.TOWN, region__in=towns)}
    start = date(2019, 1, 1)
    n_leads, n_projects = KNOWN["lead"], KNOWN["project"]
    leads = known[:n_leads]
    projects = known[n_leads : n_leads + n_projects]
    enterprises = known[n_leads + n_projects :]
    Lead.objects.bulk_create(
        (
            Lead(
                region=district,
                investor_name=k["name"],
                investor_key=k["key"],
                investor_credit_code=k["code"],
                content="基准测试线索",
                township=towns[i % len(towns)],
                reporter=reporters.get(towns[i % len(towns)].pk),
                reported_on=start + timedelta(days=i % 1400),
            )
            for i, k in enumerate(leads)
        ),
        batch_size=5000,
    )
    InvestmentProject.objects.bulk_create(
        (
            InvestmentProject(
                region=district,
                name=f"基准项目{i:06d}",
                investor_name=k["name"],
                investor_key=k["key"],
                investor_credit_code=k["code"],
                first_township=towns[i % len(towns)],
                first_reporter=reporters.get(towns[i % len(towns)].pk),
                first_reported_on=start + timedelta(days=i % 1400),
                stage="negotiating",
            )
            for i, k in enumerate(projects)
        ),
        batch_size=5000,
    )
    orgs = Organization.objects.bulk_create(
        (
            Organization(
                name=k["name"], kind=OrgKind.ENTERPRISE, region=towns[i % len(towns)], code=f"E{i:017d}"
            )
            for i, k in enumerate(enterprises)
        ),
        batch_size=5000,
    )
    Enterprise.objects.bulk_create(
        (
            Enterprise(
                credit_code=k["code"] or f"E{i:017d}",
                name=k["name"],
                organization=org,
                township=towns[i % len(towns)],
            )
            for i, (k, org) in enumerate(zip(enterprises, orgs, strict=True))
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        for model in (Lead, InvestmentProject, Enterprise, Organization):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return round(time.perf_counter() - t0, 1)


def check_batch(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What an import does: one index, then per row find / add and the enterprise registry."""
    from tiaodu.investment.dedupe import InvestorIndex
    from tiaodu.regions.models import Region

    district = Region.objects.get(code=DISTRICT)
    t0 = time.perf_counter()
    index = InvestorIndex.for_district(district)
    t_load = time.perf_counter()
    found: dict[str, dict[str, int]] = {}
    per_row: list[int] = []
    enterprise_hits = 0
    t_enterprise_load = 0.0
    for n, row in enumerate(rows):
        s = time.perf_counter_ns()
        match = index.find(row["name"], row["code"])
        if match is None:
            index.add("lead", -(n + 1), row["name"], row["code"], "基准导入", date(2023, 1, 1))
        if n == 0:
            e0 = time.perf_counter()
            index.find_enterprise(row["name"], row["code"])
            t_enterprise_load = time.perf_counter() - e0
        elif index.find_enterprise(row["name"], row["code"]) is not None:
            enterprise_hits += 1
        per_row.append(time.perf_counter_ns() - s)
        kind = "none" if match is None else ("exact" if match.exact else "near")
        bucket = found.setdefault(row["expect"], {})
        bucket[kind] = bucket.get(kind, 0) + 1
    total = time.perf_counter() - t0
    return {
        "known_in_index": len(index),
        "total_s": round(total, 3),
        "for_district_load_s": round(t_load - t0, 3),
        "enterprise_registry_load_s": round(t_enterprise_load, 3),
        "rows_s": round(total - (t_load - t0) - t_enterprise_load, 3),
        "per_row": benchlib.summary(per_row),
        "found_by_expectation": found,
        "enterprise_matches": enterprise_hits,
    }


def single_checks(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from tiaodu.investment.dedupe import InvestorIndex
    from tiaodu.investment.names import place_names
    from tiaodu.regions.models import Region

    district = Region.objects.get(code=DISTRICT)
    samples = []
    for row in rows[:200]:
        s = time.perf_counter_ns()
        InvestorIndex.for_name(district, row["name"], row["code"]).find(row["name"], row["code"])
        samples.append(time.perf_counter_ns() - s)
    s = time.perf_counter_ns()
    places = place_names()
    place_ns = time.perf_counter_ns() - s
    return {
        "for_name_find": benchlib.summary(samples),
        "place_names_ms": round(place_ns / 1e6, 1),
        "places": len(places),
    }


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from tiaodu.investment.names import normalise, place_names

    setup = setup_database()
    rng = random.Random(SEED)
    places = place_names()
    known = known_investors(rng, lambda name: normalise(name, places))
    rows = batch_names(rng, known, lambda name: normalise(name, places))
    setup["insert_known_s"] = insert_known(known)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    runs = []
    for i in range(args.repeat):
        print(f"== run {i + 1}: {BATCH:,} names against {sum(KNOWN.values()):,} known", flush=True)
        runs.append(check_batch(rows))
    best = min(runs, key=lambda r: r["total_s"])
    expectations = {
        e: sum(1 for r in rows if r["expect"] == e) for e in ("exact", "near", "code", "again", "new")
    }
    found = best["found_by_expectation"]
    recall = {
        "exact": found.get("exact", {}).get("exact", 0),
        "near": found.get("near", {}).get("near", 0) + found.get("near", {}).get("exact", 0),
        "code": found.get("code", {}).get("exact", 0),
        "again": found.get("again", {}).get("exact", 0),
    }
    false_positives = sum(v for k, v in found.get("new", {}).items() if k != "none")
    return {
        "benchmark": "首报制 duplicate check (tiaodu.investment.dedupe.InvestorIndex) of an import batch on PostgreSQL",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": benchlib.git_commit(),
        "machine": benchlib.machine_info(),
        "django": django.get_version(),
        "database": {"vendor": connection.vendor, "version": version, "name": PG_DB},
        "known": KNOWN,
        "batch": BATCH,
        "batch_expectations": expectations,
        "targets": {"total_max_s": TARGET_S},
        "setup_seconds": setup,
        "runs": runs,
        "best_total_s": best["total_s"],
        "found": recall,
        "new_names_matched": false_positives,
        "single_entry_check": single_checks(rows),
        "target_met": best["total_s"] < TARGET_S,
    }


# --- Orchestration -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the batch check (default 3; best kept)"
    )
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    try:
        report = benchlib.run_postgres(
            __file__, PG_DB, "tiaodu-bench-dedupe-", ["--repeat", str(args.repeat)], args.postgres
        )
    except benchlib.PostgresUnreachable as exc:
        print(exc, file=sys.stderr)
        return 2
    if report is None:
        return 0
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    benchlib.merge_results(RESULT_KEY, report, args.output)

    print()
    for n, run in enumerate(report["runs"], 1):
        print(
            f"run {n}: total {run['total_s']:.2f} s (load {run['for_district_load_s']:.2f} s, registry "
            f"{run['enterprise_registry_load_s']:.2f} s, rows {run['rows_s']:.2f} s, "
            f"median row {run['per_row']['median_ms']:.3f} ms)"
        )
    single = report["single_entry_check"]["for_name_find"]
    print(
        f"found {report['found']} of {report['batch_expectations']}; new names matched: "
        f"{report['new_names_matched']}; single check median {single['median_ms']:.1f} ms"
    )
    print(
        f"target (< {TARGET_S:g} s) met: {report['target_met']}; written {args.output} in {report['elapsed_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
