"""Issue 16, "done when": the seeds' employment sentences reproduced from **imported** records, in
a district and a period the demo does not use.

万州区, spring 2023 (2023-02-06 … 2023-03-31): 46 enterprises of 万州区 registered here, a 区人力社保局
(short name 人社局, as 潼南区's) and its user ``wz-rsj``; the four files (赶场规则, 岗位, 求职者登记,
招聘会对接结果) written as xlsx from :func:`tiaodu.employment.demo.spring_rows` (fairs on the
market days of five 万州区 towns) and imported with ``tiaodu import KIND FILE --as wz-rsj``. Then
``report.employment_report`` and ``tiaodu report employment`` give

    举办春风行动专场招聘会10场,46家企业提供岗位1380个,200余人与企业达成初步求职意向
    收集企业用工需求2000余人
    企业录用求职者110人,入职92人

— the fairs and their booths made by the fair-results import alone, the demand from the
vacancies published in the period (the files hold vacancies of January and April and an April
园区招聘会 too, which the period leaves out). Importing the files a second time changes nothing
(jobseekers merge by ID number, placements never move back).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from stdnum.cn import uscc

from tiaodu.accounts.services import create_user
from tiaodu.employment import demo
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

WANZHOU = "500101"
STAFF = "wz-rsj"
START, END = date(2023, 2, 6), date(2023, 3, 31)
# Five 万州区 towns holding the fairs, and their 赶场 rules (illustrative).
MARKETS = [
    ("分水镇", "分水场", "农历", "147"),
    ("龙驹镇", "龙驹场", "农历", "258"),
    ("李河镇", "李河场", "农历", "369"),
    ("白羊镇", "白羊场", "公历", "258"),
    ("太安镇", "太安场", "公历", "147"),
]
HOSTS = tuple(m[0] for m in MARKETS)
# 46 manufacturing enterprises across the vacancy families (GB/T 4754 codes).
INDUSTRIES = [
    ("服装", "C1810"),
    ("玩具", "C2452"),
    ("食品", "C1499"),
    ("电子", "C3989"),
    ("机械", "C3499"),
    ("化工", "C2669"),
    ("建材", "C3021"),
]
BRANDS = [
    "鑫源",
    "恒达",
    "三峡",
    "平湖",
    "天城",
    "江南",
    "万福",
    "盛安",
    "龙宝",
    "新田",
    "瀼渡",
    "长江",
    "汇通",
    "宏远",
    "嘉陵",
    "金山",
]


def credit(n: int) -> str:
    base = f"91500101MA7Q{n:05d}"
    return base + uscc.calc_check_digit(base)


def xlsx(path: Path, rows: list[dict[str, Any]], title: str) -> Path:
    path.write_bytes(demo.xlsx_file(rows, title))
    return path


def setup_wanzhou() -> list[demo.Firm]:
    from tiaodu.employment import reference
    from tiaodu.enterprises import services as enterprises

    district = Region.objects.get(code=WANZHOU)
    office = Organization.objects.filter(
        region=district, kind=OrgKind.DEPARTMENT, short_name="人社局"
    ).first()
    if office is None:
        office = Organization.objects.create(
            name="重庆市万州区人力资源和社会保障局",
            short_name="人社局",
            kind=OrgKind.DEPARTMENT,
            region=district,
        )
    reference.settings_for(district)
    create_user(
        None,
        username=STAFF,
        role="department",
        region_code=WANZHOU,
        org=str(office.pk),
        full_name="万州区人社局干部",
        password="Wz-Rsj-2023-x9q",
    )
    towns = demo.townships_of(district)
    firms = []
    for n in range(demo.SEED.enterprises):
        word, code = INDUSTRIES[n % len(INDUSTRIES)]
        township = HOSTS[n % len(HOSTS)] if n % 2 else towns[(n * 3) % len(towns)]
        name = f"重庆万州{BRANDS[n % len(BRANDS)]}{word}{'有限公司' if n < 16 else f'{n}厂'}"
        enterprises.save_enterprise(
            None, credit(n), Region.objects.get(parent=district, name=township), name=name, industry_code=code
        )
        firms.append(demo.Firm(name, credit(n), township, code))
    return firms


@pytest.fixture(scope="module")
def imported(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[demo.SpringRows]:
    folder = tmp_path_factory.mktemp("wanzhou-employment")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            firms = setup_wanzhou()
            district = Region.objects.get(code=WANZHOU)
            rows = demo.spring_rows(
                district,
                START,
                END,
                firms,
                markets=MARKETS,
                hosts=HOSTS,
                townships=demo.townships_of(district),
                seed=2023,
            )
            for kind, data in rows.by_kind().items():
                out = io.StringIO()
                path = xlsx(folder / f"{kind}.xlsx", data, f"万州区{kind}(2023年春风行动)")
                call_command("import", kind, str(path), "--as", STAFF, stdout=out)
                assert "成功" in out.getvalue(), out.getvalue()
            rows.folder = folder  # type: ignore[attr-defined]
            yield rows
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def report_text(start: date = START, end: date = END, code: str = WANZHOU) -> str:
    from tiaodu.employment.report import employment_report

    return demo.normalise("\n".join(employment_report(code, start, end).sentences()))


def test_the_files_made_what_they_say(imported: demo.SpringRows, db: Any) -> None:
    from tiaodu.employment.models import FairEnterprise, JobFair, Jobseeker, Placement, Vacancy

    district = Region.objects.get(code=WANZHOU)
    assert Vacancy.objects.filter(district=district).count() == len(imported.vacancies)
    assert Jobseeker.objects.filter(district=district).count() == len(imported.jobseekers)
    assert JobFair.objects.filter(district=district).count() == len(imported.fairs) == 11
    spring = JobFair.objects.filter(district=district, kind="spring")
    assert FairEnterprise.objects.filter(fair__in=spring).values("enterprise").distinct().count() == 46
    assert Placement.objects.filter(district=district).count() == len(imported.fair_results)
    # Nothing of it in 潼南区, whose demo uses the same generator.
    assert not JobFair.objects.filter(district__code=demo.TONGNAN, held_on__year=2023).exists()


def test_report_gives_the_seed_sentences(imported: demo.SpringRows, db: Any) -> None:
    text = report_text()
    assert demo.normalise(demo.SEED_FAIRS) in text, text
    assert demo.normalise(demo.SEED_DEMAND) in text, text
    assert demo.normalise("企业录用求职者110人,入职92人") in text, text


def test_command_line_gives_the_seed_sentences(imported: demo.SpringRows, db: Any) -> None:
    out = io.StringIO()
    call_command(
        "report",
        "employment",
        "--region",
        WANZHOU,
        "--from",
        START.isoformat(),
        "--to",
        END.isoformat(),
        stdout=out,
    )
    printed = demo.normalise(out.getvalue())
    assert demo.normalise(demo.SEED_FAIRS) in printed and demo.normalise(demo.SEED_DEMAND) in printed


def test_the_period_matters(imported: demo.SpringRows, db: Any) -> None:
    """A period that leaves out the first fair, or one that takes in April (its vacancies and the
    园区招聘会), does not give the seed's sentences."""
    first = min(f.day for f in imported.fairs)
    assert demo.normalise(demo.SEED_FAIRS) not in report_text(first + timedelta(days=1), END)
    later = report_text(START, END + timedelta(days=30))
    assert demo.normalise(demo.SEED_DEMAND) in later or "收集企业用工需求" in later
    assert "园区招聘会" in later and "园区招聘会" not in report_text()


def test_importing_again_changes_nothing(imported: demo.SpringRows, db: Any) -> None:
    from tiaodu.employment.models import Jobseeker, Placement

    before = (Jobseeker.objects.count(), Placement.objects.count(), report_text())
    folder: Path = imported.folder  # type: ignore[attr-defined]
    for kind in ("jobseekers", "fair-results"):
        out = io.StringIO()
        call_command("import", kind, str(folder / f"{kind}.xlsx"), "--as", STAFF, stdout=out)
    assert (Jobseeker.objects.count(), Placement.objects.count(), report_text()) == before
