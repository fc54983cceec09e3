"""Benchmark: employment matching (稳就业 岗位匹配) on PostgreSQL — 100,000 jobseekers × 20,000 open
vacancies in one district: the top-10 vacancies for one jobseeker (target < 100 ms), the top-10
candidates for one vacancy (< 200 ms), the top-10 vacancies for every jobseeker (< 60 s).

``.venv/bin/python bench/bench_matching.py`` creates its own PostgreSQL database
(``tiaodu_bench_matching`` or ``--database``, dropped afterwards) on ``--postgres URL`` /
``TIAODU_BENCH_DATABASE_URL`` / postgres://postgres@127.0.0.1:5432/ — skipping with a message
when no server answers — migrates it (the occupation catalogue comes with migration 0002), loads
the Chongqing regions and the demo, then builds in 潼南区, set-based (bulk inserts, no services):
township seats, 300 enterprises, 20,000 vacancies (a 细类 of the catalogue each, wage range,
housing for a third, tokens drawn from the occupation's words and a shared vocabulary) and
100,000 jobseekers (encrypted ID numbers, a home township; 60 % with one or two desired
occupations, the rest with a 求职意向 text the catalogue proposes an occupation from; tokens
like the vacancies'; expected wage, commute limit, a quarter needing a dorm); then ``ANALYZE``.

Measured, in the worker process (the way a web or command-line process serves them):

* the cold builds of the vacancy index and of the jobseeker index (the first call after a change);
* ``matching.vacancies_for(jobseeker, top=10)`` for 200 random jobseekers, warm index — each call
  includes the index's freshness check (aggregate queries) and the jobseeker's own row;
* ``matching.candidates_for(vacancy, top=10)`` for 200 random vacancies, warm index;
* ``matching.recommend_all(district, top=10)`` once, warm indexes (the full 100,000 × 20,000).

The figures are merged into ``bench/results.json`` under ``"matching"``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import benchlib

PG_DB = "tiaodu_bench_matching"
RESULT_KEY = "matching"
DISTRICT = "500152"  # 潼南区
ON = date(2022, 3, 1)
TARGET_JOBSEEKER_MS = 100.0
TARGET_VACANCY_MS = 200.0
TARGET_ALL_S = 60.0
SHARED_WORDS = [
    "流水线",
    "计件",
    "两班倒",
    "长白班",
    "包吃住",
    "熟练",
    "学徒",
    "车间",
    "工厂",
    "质检",
    "包装",
    "搬运",
    "仓库",
    "电脑",
    "驾驶",
    "夜班",
    "培训",
    "熟练工",
    "组装",
    "操作",
    "机器",
    "设备",
    "维修",
    "清洁",
    "服务",
    "销售",
    "收银",
    "厨房",
    "工地",
    "安装",
    "电工",
    "焊接",
    "打磨",
    "喷漆",
    "木工",
    "五金",
    "塑料",
    "电子",
    "服装",
    "玩具",
    "食品",
    "化工",
    "物流",
    "快递",
    "超市",
    "餐饮",
    "物业",
    "养老",
    "护理",
    "司机",
    "叉车",
    "外地",
    "东莞",
    "深圳",
    "浙江",
    "重庆",
    "成都",
    "广东",
    "福建",
    "江苏",
    "返乡",
    "本地",
    "附近",
    "离家",
    "工资",
    "稳定",
    "社保",
    "加班",
    "白班",
    "晚班",
    "临时",
    "长期",
    "技术",
    "师傅",
]
DESIRED_TEXTS = (
    "想进厂",
    "普工",
    "缝纫",
    "电子厂",
    "开车",
    "仓库",
    "保洁",
    "保安",
    "厨师",
    "装修",
    "工地",
    "叉车",
    "快递",
    "养老护理",
    "服务员",
    "营业员",
    "焊工",
    "车工",
    "注塑",
    "包装",
)


def bulk_data(jobseekers: int, vacancies: int, seed: int = 16) -> dict[str, Any]:
    """The district's seats, enterprises, vacancies and jobseekers (bulk inserts)."""
    from decimal import Decimal

    from django.db import connection
    from stdnum.cn import uscc

    from tiaodu.core import pii
    from tiaodu.employment import idcard
    from tiaodu.employment.matching_evaluate import APPROX_SEATS
    from tiaodu.employment.models import EmploymentSettings, Jobseeker, Occupation, TownshipSeat, Vacancy
    from tiaodu.enterprises.models import Enterprise
    from tiaodu.orgs.choices import OrgKind
    from tiaodu.orgs.models import Organization
    from tiaodu.regions.models import Region

    rng = random.Random(seed)
    t0 = time.perf_counter()
    district = Region.objects.get(code=DISTRICT)
    towns = list(Region.objects.filter(parent=district).order_by("code"))
    EmploymentSettings.objects.get_or_create(region=district)
    for town in towns:
        lon, lat = APPROX_SEATS.get(town.name, ("105.84", "30.19"))
        TownshipSeat.objects.update_or_create(
            township=town,
            defaults={
                "district": district,
                "longitude": Decimal(lon) + Decimal(rng.randint(-50, 50)) / 10000,
                "latitude": Decimal(lat),
            },
        )

    orgs, firms = [], []
    for i in range(300):
        first17 = f"91500152MA{6_600_000 + i:07d}"
        code = first17 + uscc.calc_check_digit(first17)
        town = towns[i % len(towns)]
        orgs.append(
            Organization(
                name=f"重庆潼南测试企业{i:03d}有限公司", kind=OrgKind.ENTERPRISE, region=town, code=code
            )
        )
    Organization.objects.bulk_create(orgs)
    for org in orgs:
        firms.append(Enterprise(credit_code=org.code, name=org.name, organization=org, township=org.region))
    Enterprise.objects.bulk_create(firms)

    leaves = list(Occupation.objects.filter(level=4).values_list("pk", "code", "name", "keywords"))
    words_of = {}
    for pk, code, name, keywords in leaves:
        words = [w for w in keywords.replace("、", " ").split() if len(w) >= 2][:6] or [name]
        words_of[pk] = (code, name, words)

    def tokens(occupation: int, n: int) -> str:
        own = words_of[occupation][2]
        picked = [rng.choice(own) for _ in range(max(1, n // 2))] + rng.sample(SHARED_WORDS, n - n // 2)
        return " ".join(picked)

    rows = []
    for _i in range(vacancies):
        occ = rng.choice(leaves)[0]
        firm = firms[rng.randrange(len(firms))]
        lo = rng.randrange(2500, 7000, 100)
        rows.append(
            Vacancy(
                district=district,
                township_id=firm.township_id,
                enterprise=firm,
                title=words_of[occ][1],
                occupation_id=occ,
                headcount=rng.randint(1, 50),
                wage_min=lo,
                wage_max=lo + rng.randrange(0, 3000, 100),
                housing=rng.random() < 0.33,
                published_on=date(2022, 1, 1),
                tokens=tokens(occ, rng.randint(5, 12)),
            )
        )
    Vacancy.objects.bulk_create(rows, batch_size=5000)
    t_vac = time.perf_counter() - t0

    t0 = time.perf_counter()
    through = Jobseeker.desired_occupations.through
    made = 0
    batch = 5000
    enc = pii.encrypt("500152198001010000", field="id")  # the same cipher text: the bench does not decrypt
    for start in range(0, jobseekers, batch):
        people, wants = [], []
        for i in range(start, min(jobseekers, start + batch)):
            born = date(1960 + i % 45, 1 + i % 12, 1 + i % 28)
            number = idcard.make(DISTRICT, born, i % 1000)
            occ = rng.choice(leaves)[0]
            desired = rng.random() < 0.6
            people.append(
                Jobseeker(
                    district=district,
                    township=towns[i % len(towns)],
                    name=f"求职者{i}",
                    id_enc=enc,
                    id_hash=pii.blind_index(f"{number}-{i}", field="id"),
                    id_mask=pii.mask_id_number(number),
                    sex="m" if i % 2 else "f",
                    birth_date=born,
                    experience="",
                    desired_text="" if desired else rng.choice(DESIRED_TEXTS),
                    wage_expected=rng.randrange(2500, 8000, 100),
                    max_commute_minutes=rng.choice([None, 30, 45, 60, 90]),
                    needs_dorm=rng.random() < 0.25,
                    registered_on=date(2022, 2, 1),
                    consented_on=date(2022, 2, 1),
                    tokens=tokens(occ, rng.randint(4, 14)),
                )
            )
            wants.append((occ, desired, rng.random() < 0.3))
        Jobseeker.objects.bulk_create(people, batch_size=batch)
        links = []
        for person, (occ, desired, second) in zip(people, wants, strict=True):
            if desired:
                links.append(through(jobseeker_id=person.pk, occupation_id=occ))
                if second:
                    other = rng.choice(leaves)[0]
                    if other != occ:
                        links.append(through(jobseeker_id=person.pk, occupation_id=other))
        through.objects.bulk_create(links, batch_size=batch)
        made += len(people)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "jobseekers": made,
        "vacancies": vacancies,
        "enterprises": len(firms),
        "townships": len(towns),
        "occupations_used": len(leaves),
        "insert_vacancies_s": round(t_vac, 1),
        "insert_jobseekers_s": round(time.perf_counter() - t0, 1),
    }


def timed(function: Any, items: list[Any]) -> dict[str, Any]:
    function(items[0])  # warm-up
    samples = []
    for item in items:
        t0 = time.perf_counter_ns()
        function(item)
        samples.append(time.perf_counter_ns() - t0)
    return {"calls": len(items), **benchlib.summary(samples)}


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from tiaodu.employment import matching
    from tiaodu.employment.models import Jobseeker, Vacancy
    from tiaodu.regions.models import Region

    setup = {} if args.prebuilt else benchlib.setup_demo_database()
    if not args.prebuilt:
        print("  building the matching data ...", flush=True)
        data = bulk_data(args.jobseekers, args.vacancies)
    else:
        data = {"prebuilt": True}
    district = Region.objects.get(code=DISTRICT)
    data["jobseekers_in_pool"] = matching.pool_jobseekers_qs(district.pk).count()
    data["vacancies_open"] = matching.open_vacancies_qs(district.pk, ON).count()
    print(f"  {json.dumps(data, ensure_ascii=False)}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]

    rng = random.Random(7)
    seeker_ids = list(Jobseeker.objects.filter(district=district).values_list("pk", flat=True))
    vacancy_ids = list(matching.open_vacancies_qs(district.pk, ON).values_list("pk", flat=True))
    seekers = list(Jobseeker.objects.filter(pk__in=rng.sample(seeker_ids, args.calls)))
    vacancies = list(Vacancy.objects.filter(pk__in=rng.sample(vacancy_ids, args.calls)))

    matching.clear_cache()
    t0 = time.perf_counter()
    first = matching.vacancies_for(seekers[0], top=10, on=ON)
    cold_vacancy = time.perf_counter() - t0
    t0 = time.perf_counter()
    matching.candidates_for(vacancies[0], top=10, on=ON)
    cold_seeker = time.perf_counter() - t0
    print(f"  cold: vacancy index {cold_vacancy:.1f} s, jobseeker index {cold_seeker:.1f} s", flush=True)

    per_seeker = timed(lambda s: matching.vacancies_for(s, top=10, on=ON), seekers)
    print(f"  vacancies_for: median {per_seeker['median_ms']} ms, p95 {per_seeker['p95_ms']} ms", flush=True)
    per_vacancy = timed(lambda v: matching.candidates_for(v, top=10, on=ON), vacancies)
    print(
        f"  candidates_for: median {per_vacancy['median_ms']} ms, p95 {per_vacancy['p95_ms']} ms", flush=True
    )

    t0, c0 = time.perf_counter(), time.process_time()
    everyone = matching.recommend_all(district, top=10, on=ON)
    all_s, all_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  recommend_all: {all_s:.1f} s for {len(everyone)} jobseekers", flush=True)
    # The same scores as one-by-one (float32 sums in another order may swap exact near-ties).
    agree = all(
        all(
            abs(a.score - b.score) <= 0.11
            for a, b in zip(everyone[s.pk], matching.vacancies_for(s, top=10, on=ON), strict=True)
        )
        for s in seekers[:50]
    )

    result: dict[str, Any] = {
        **benchlib.report_header(
            "matching: 100k jobseekers × 20k vacancies, top-10 each way and for everyone"
        ),
        "database": {"vendor": connection.vendor, "version": version},
        "setup_seconds": setup,
        "data": data,
        "targets": {
            "vacancies_for_median_ms": TARGET_JOBSEEKER_MS,
            "candidates_for_median_ms": TARGET_VACANCY_MS,
            "recommend_all_s": TARGET_ALL_S,
        },
        "cold_index_build_s": {"vacancies": round(cold_vacancy, 2), "jobseekers": round(cold_seeker, 2)},
        "vacancies_for": per_seeker,
        "candidates_for": per_vacancy,
        "recommend_all": {
            "seconds": round(all_s, 1),
            "process_cpu_seconds": round(all_cpu, 1),
            "threads": 2,
            "jobseekers": len(everyone),
            "agrees_with_single": agree,
        },
        "example_top1": first[0].label if first else None,
    }
    result["target_met"] = bool(
        per_seeker["median_ms"] < TARGET_JOBSEEKER_MS
        and per_vacancy["median_ms"] < TARGET_VACANCY_MS
        and all_s < TARGET_ALL_S
        and agree
    )
    return result


def _worker_args(args: argparse.Namespace) -> list[str]:
    return [
        "--jobseekers",
        str(args.jobseekers),
        "--vacancies",
        str(args.vacancies),
        "--calls",
        str(args.calls),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (default: local)")
    parser.add_argument("--database", default=PG_DB, help=f"throw-away database name (default {PG_DB})")
    parser.add_argument("--jobseekers", type=int, default=100_000)
    parser.add_argument("--vacancies", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200, help="timed calls each way")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--prebuilt", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        Path(args.worker).write_text(json.dumps(worker(args), ensure_ascii=False, indent=2, default=str))
        return 0
    started = time.perf_counter()
    try:
        report = benchlib.run_postgres(
            __file__, args.database, "tiaodu-bench-matching-", _worker_args(args), args.postgres
        )
    except benchlib.PostgresUnreachable as exc:
        print(exc, file=sys.stderr)
        return 2
    if report is None:
        return 0
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    benchlib.merge_results(RESULT_KEY, report, args.output)
    print(
        f"vacancies_for median {report['vacancies_for']['median_ms']} ms (target < {TARGET_JOBSEEKER_MS:g}); "
        f"candidates_for median {report['candidates_for']['median_ms']} ms (target < {TARGET_VACANCY_MS:g}); "
        f"recommend_all {report['recommend_all']['seconds']} s (target < {TARGET_ALL_S:g}); "
        f"target met: {report['target_met']}; written {args.output} in {report['elapsed_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
