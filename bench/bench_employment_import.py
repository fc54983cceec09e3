"""Benchmark: importing jobseekers (求职者登记) from xlsx vs. the xlsx reader alone.

The target (issue 16): ``tiaodu import jobseekers FILE`` of 100,000 rows within 3x the time the
xlsx reader the import uses (openpyxl read-only) takes just to read the file, on PostgreSQL.

``.venv/bin/python bench/bench_employment_import.py [--rows N] [--postgres URL] [--sqlite]``
runs, per database, in its own subprocess:

1. a fresh database (a throw-away PostgreSQL database; SQLite too with ``--sqlite``), migrated,
   with the Chongqing regions and the demo data, and 潼南区's 人社局 as its employment department;
2. a generated xlsx of N rows with every column of the import: 姓名, 身份证号 (valid GB 11643
   numbers of 潼南区, distinct birth dates and sequences), 手机号, 所属镇街 (潼南区's townships by
   name), 文化程度, 工作经历 (free text composed from factory kinds, years, jobs and a second
   employer — mostly distinct texts, so the word cutting is not memoised away), 求职意向, 期望月薪,
   重点群体, 村(社区), 技能, 需要住宿, 最长通勤(分钟), 登记日期; 2% of the rows repeat an earlier
   row's ID number (a later registration of the same person: merged, not doubled);
3. timings, interleaved with the reader: the import as the operator (the CLI: encryption and
   keyed hashes per row, the words of the texts, bulk inserts, one audit entry per person), the
   same file again (every person found by hash and merged: unchanged), and a second file of N
   new people imported by a 人社局 user (the scope checks).

The figures are merged into ``bench/results.json`` under ``import_employment_jobseekers``.
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

import bench_import
import benchlib

KEY = "import_employment_jobseekers"
PG_DB = "tiaodu_jobseekers_bench"
TARGET_RATIO = 3.0
HOME = "500152"
HEADER = [
    "姓名",
    "身份证号",
    "手机号",
    "所属镇街",
    "文化程度",
    "工作经历",
    "求职意向",
    "期望月薪",
    "重点群体",
    "村(社区)",
    "技能",
    "需要住宿",
    "最长通勤(分钟)",
    "登记日期",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "秀英芳敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志红玉兰春梅海燕文斌德福"
FACTORIES = [
    "制衣厂",
    "玩具厂",
    "电子厂",
    "食品厂",
    "鞋厂",
    "家具厂",
    "汽配厂",
    "物流园",
    "建筑工地",
    "超市",
    "餐馆",
    "酒店",
    "机械厂",
    "化工厂",
    "纺织厂",
]
JOBS = [
    "缝纫工",
    "包装工",
    "普工",
    "质检员",
    "叉车司机",
    "仓管员",
    "电焊工",
    "车工",
    "服务员",
    "厨师",
    "保洁员",
    "保安",
    "装配工",
    "操作工",
    "收银员",
    "钢筋工",
    "木工",
    "搬运工",
    "分拣员",
    "司机",
]
PLACES = ["广东东莞", "浙江义乌", "福建晋江", "重庆两江新区", "四川成都", "江苏苏州", "本地园区", "上海松江"]
SKILLS = ["平车、包缝", "叉车", "电焊", "数控车床", "电工", "烹饪", "驾驶(C1)", "办公软件", "", ""]
EDUCATION = ["小学", "初中", "初中", "高中", "中专", "大专", ""]
GROUPS = ["", "", "", "脱贫劳动力", "返乡农民工", "就业困难人员", "脱贫劳动力、返乡农民工", "退役军人"]


def number_for(i: int) -> str:
    """A valid, unique 身份证号 of 潼南区: birth date from i // 500, sequence from i % 500."""
    from tiaodu.employment import idcard

    born = dt.date(1965, 1, 1) + dt.timedelta(days=(i // 500) % 13000)
    return idcard.make(HOME, born, (i % 500) * 2 + (i % 2))


def experience(i: int) -> str:
    f1, f2 = FACTORIES[i % len(FACTORIES)], FACTORIES[(i // 7) % len(FACTORIES)]
    j1, j2 = JOBS[(i // 3) % len(JOBS)], JOBS[(i // 11) % len(JOBS)]
    place = PLACES[(i // 13) % len(PLACES)]
    return f"{2005 + i % 15}年起在{place}{f1}做{j1}{i % 9 + 1}年,后在{f2}做{j2}{(i // 5) % 6 + 1}年"


def write_rows(path: Path, count: int, townships: list[str], offset: int = 0, repeats: bool = True) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("求职者登记")
    ws.append(HEADER)
    for k in range(count):
        i = offset + k
        # 2% of the rows: the same person as an earlier row of the file, registered later.
        person = offset + (k - 37) if repeats and k >= 37 and k % 50 == 0 else i
        day = dt.date(2022, 1, 4) + dt.timedelta(days=k % 300)
        ws.append(
            [
                SURNAMES[person % len(SURNAMES)]
                + GIVEN[(person // 3) % len(GIVEN)]
                + GIVEN[(person // 7) % len(GIVEN)],
                number_for(person),
                f"1{3 + person % 7}{person:09d}"[:11],
                townships[person % len(townships)],
                EDUCATION[person % len(EDUCATION)],
                experience(person),
                JOBS[(person // 17) % len(JOBS)] + "、" + JOBS[(person // 19) % len(JOBS)],
                3000 + (person % 30) * 100,
                GROUPS[person % len(GROUPS)],
                f"{['新', '和', '平', '安', '兴', '龙'][person % 6]}{['桥', '湾', '坝', '山', '河'][person % 5]}村",
                SKILLS[person % len(SKILLS)],
                "是" if person % 4 == 0 else "否",
                [30, 45, 60, 90][person % 4],
                day.isoformat(),
            ]
        )
    wb.save(path)


def worker(out: Path, rows: int, reps: int) -> None:
    import django

    django.setup()
    from auditlog.models import LogEntry
    from django.db import connection

    from tiaodu.accounts.models import User
    from tiaodu.core.imports import run_import
    from tiaodu.employment.models import EmploymentSettings, Jobseeker
    from tiaodu.orgs.choices import OrgKind
    from tiaodu.orgs.models import Organization
    from tiaodu.regions.models import Region

    setup: dict[str, float] = dict(benchlib.setup_demo_database())
    district = Region.objects.get(code=HOME)
    rsj = Organization.objects.filter(
        region=district, short_name="人社局"
    ).first() or Organization.objects.create(
        name="区人力社保局", short_name="人社局", kind=OrgKind.DEPARTMENT, region=district
    )
    settings, _made = EmploymentSettings.objects.get_or_create(region=district)
    settings.departments.add(rsj)
    staff, _made = User.objects.get_or_create(
        username="rsj_bench", defaults={"role": "department", "region": district, "organization": rsj}
    )
    townships = list(
        Region.objects.filter(parent=district, level=4).order_by("code").values_list("name", flat=True)
    )
    work = Path(tempfile.mkdtemp(prefix="tiaodu-bench-jobseekers-"))
    first, second = work / "jobseekers.xlsx", work / "jobseekers-2.xlsx"
    start = time.perf_counter()
    write_rows(first, rows, townships)
    write_rows(second, rows, townships, offset=rows * 3, repeats=False)
    setup["generate_xlsx_s"] = round(time.perf_counter() - start, 1)
    distinct = len({experience(i) for i in range(rows)})
    from tiaodu.employment.imports_jobseekers import _BLOCKS

    blocks = len({b for i in range(rows) for b in _BLOCKS.findall(experience(i))})

    reads: list[float] = []
    imports: dict[str, Any] = {}

    def read(path: Path) -> None:
        seconds, _cpu, count = bench_import.timed_cpu(bench_import.read_only, path)
        assert count == rows + 1, count
        reads.append(seconds)

    def audit_count() -> int:
        return int(LogEntry.objects.filter(content_type__model="jobseeker").count())

    def do_import(label: str, path: Path, actor: Any, expect: dict[str, int]) -> None:
        audits = audit_count()
        seconds, cpu, result = bench_import.timed_cpu(lambda: run_import("jobseekers", path, actor=actor))
        assert result.ok, result.error_lines()[:5]
        got = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        assert all(got[k] == v for k, v in expect.items()), (label, got)
        imports[label] = {
            "actor": actor.username if actor else "operator (CLI)",
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "rows": result.rows,
            "audit_entries": audit_count() - audits,
            **got,
        }

    people = rows - len(range(50, rows, 50))
    read(first)
    do_import("create", first, None, {"created": people})
    read(first)
    do_import("again_merged_unchanged", first, None, {"created": 0, "updated": 0, "unchanged": people})
    read(second)
    do_import("create_department_user", second, staff, {"created": rows})
    for _ in range(max(0, reps - 3)):
        read(first)
    median = statistics.median(reads)
    for run in imports.values():
        run["ratio_to_reader"] = round(run["seconds"] / median, 2)
    vendor = connection.vendor
    result = {
        "database": {
            "vendor": vendor,
            "version": ".".join(str(v) for v in connection.Database.sqlite_version_info)
            if vendor == "sqlite"
            else str(connection.cursor().connection.info.server_version),
        },
        "rows": rows,
        "distinct_work_histories": distinct,
        "distinct_text_blocks_of_work_histories": blocks,
        "jobseekers_in_database": Jobseeker.objects.count(),
        "setup_seconds": setup,
        "reader_seconds": {"runs": [round(r, 2) for r in reads], "median": round(median, 2)},
        "import": imports,
        "target_met": all(run["ratio_to_reader"] <= TARGET_RATIO for run in imports.values()),
    }
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    for path in work.iterdir():
        path.unlink()
    work.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=4, help="reader timings (interleaved with the imports)")
    parser.add_argument("--postgres", default=os.environ.get("TIAODU_BENCH_DATABASE_URL", ""))
    parser.add_argument("--sqlite", action="store_true", help="also run on SQLite")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--no-save", action="store_true", help="print, do not write the results file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker), args.rows, max(3, args.reps))
        return

    started = time.perf_counter()
    worker_args = ["--rows", str(args.rows), "--reps", str(args.reps)]
    runs = []
    if args.sqlite:
        runs.append(benchlib.run_sqlite(__file__, "tiaodu-bench-jobseekers-", worker_args))
    pg = benchlib.run_postgres(
        __file__, PG_DB, "tiaodu-bench-jobseekers-", worker_args, args.postgres or None
    )
    if pg is not None:
        runs.append(pg)

    import django

    figures = {
        "benchmark": "tiaodu import jobseekers: xlsx, full import vs. the openpyxl read-only reader alone",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": benchlib.git_commit(),
        "machine": benchlib.machine_info(),
        "django": django.get_version(),
        "target": f"import seconds / reader seconds <= {TARGET_RATIO} for every run",
        "method": {
            "reader": "openpyxl.load_workbook(read_only=True, data_only=True), every row's values "
            "(median of the runs interleaved with the imports)",
            "import": "tiaodu.core.imports.run_import: file checks, GB 11643 check per row, township resolved "
            "once per name, AES-GCM encryption and HMAC keyed hashes per row, jieba words once per distinct "
            "text, one query per chunk of 2,000 people for those already registered (merged), bulk insert, "
            "one masked audit entry per created or changed person, one ImportBatch",
        },
        "record_count": args.rows,
        "runs": runs,
        "target_met": bool(runs) and all(r["target_met"] for r in runs),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    for run in runs:
        print(f"{run['database']['vendor']}: reader {run['reader_seconds']['median']} s")
        for label, done in run["import"].items():
            print(
                f"  {label}: {done['seconds']} s (ratio {done['ratio_to_reader']}), audit {done['audit_entries']}"
            )
    if not args.no_save:
        benchlib.merge_results(KEY, figures, args.output)
        print(f"written to {args.output} under '{KEY}'")


if __name__ == "__main__":
    main()
