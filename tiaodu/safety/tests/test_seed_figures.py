"""Issue 15, "done when": the seed's campaign sentence and the accident-free run reproduced from
**imported** records, in a district and a period the demo does not use.

万州区, second quarter of 2023: the departments carry the names 潼南区's carry (区应急管理局 …, full
names 重庆市万州区…), the campaign the same name as 潼南区's; the five xlsx files (生产经营单位, 检查记录,
隐患, 行政处罚, 事故) are written here from the rows of :func:`tiaodu.safety.demo.campaign_rows` and
imported with ``tiaodu import KIND FILE --as wz-admin`` (万州区's administrator: the importers take
the district from the user). Then ``report.safety_report`` and
``tiaodu report safety`` give

    万州区…全区在18个行业共计开展执法检查5093家次,发现问题隐患5814条,处罚责任单位860家,发出警告277次,
    责令停产停业6家,执行经济处罚201.92万元 … 全区连续69个月未发生较大及以上事故

and a 较大事故 imported after the period ends the run from the next month on. With 潼南区's demo
loaded beside it, each district still gives its own figures.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from openpyxl import Workbook

from tiaodu.accounts.services import create_user
from tiaodu.regions.models import Region
from tiaodu.safety import demo, reference
from tiaodu.safety.accidents import accident_free_run
from tiaodu.safety.models import Hazard, Inspection, Sector
from tiaodu.safety.report import safety_report

WANZHOU = "500101"
ADMIN = "wz-admin"
START, END = date(2023, 4, 1), date(2023, 6, 30)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# 万州区's departments: the names 潼南区's carry as their short names, full names of their own.
DEPARTMENTS = [(f"重庆市万州区{name.removeprefix('区')}", name) for name, _short in demo.SAFETY_DEPARTMENTS]
# Imported after the period: a 较大事故 (3 deaths) in August 2023.
LATE_SERIOUS = {
    "发生日期": "2023-08-15",
    "单位名称": "万州区某建材经营部",
    "所属镇街": "万州区太安镇",
    "行业领域": "工贸",
    "死亡人数": 3,
    "重伤人数": 0,
    "直接经济损失(万元)": "260",
    "事故简况": "仓库货架坍塌,3人死亡",
}


def xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    """An import file as people send them: a title row, the Chinese headers, dates as dates."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["万州区安全生产数据(2023年二季度)"])
    ws.append(list(rows[0]))
    for row in rows:
        ws.append(
            [date.fromisoformat(v) if isinstance(v, str) and ISO_DATE.match(v) else v for v in row.values()]
        )
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def imported(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[demo.Rows]:
    """万州区 set up (departments, sectors, settings, the campaign) and the five files imported."""
    folder = tmp_path_factory.mktemp("wanzhou")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            district = Region.objects.get(code=WANZHOU)
            demo.prepare_district(district, DEPARTMENTS)
            demo.ensure_campaign(district, demo.CAMPAIGN, START, END)
            rows = demo.campaign_rows(district, START, END, abbr="万")
            rows.accidents.append(LATE_SERIOUS)
            reference.update_settings(None, district, record_start=rows.record_start)
            create_user(None, username=ADMIN, role="admin", region_code=WANZHOU, password="Wz-Admin-2023-x9")
            for kind, data in rows.by_kind().items():
                out = io.StringIO()
                path = str(xlsx(folder / f"{kind}.xlsx", data))
                call_command("import", kind, path, "--as", ADMIN, stdout=out)
                assert "导入成功" in out.getvalue() or "成功" in out.getvalue(), out.getvalue()
            yield rows
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def wanzhou() -> Region:
    return Region.objects.get(code=WANZHOU)


def test_names_are_shared_with_the_demo_district(imported: demo.Rows, db: Any) -> None:
    """The files name 万州区's departments by their full names; their short names are 潼南区's
    department names, and the campaign has 潼南区's campaign name."""
    yjj = Sector.objects.get(region=wanzhou(), code="hazchem").department
    assert yjj is not None and (yjj.name, yjj.short_name) == ("重庆市万州区应急管理局", "区应急管理局")
    assert Inspection.objects.filter(district=wanzhou()).count() == len(imported.inspections)
    assert Hazard.objects.filter(district=wanzhou()).count() == len(imported.hazards)
    assert not Inspection.objects.filter(district__code=demo.TONGNAN, number__startswith="AJ2023").exists()


def test_report_gives_the_seed_sentence_and_run(imported: demo.Rows, db: Any) -> None:
    report = safety_report(WANZHOU, START, END)
    text = report.text()
    assert f"全区{demo.SEED_SENTENCE}" in text
    assert demo.SEED_RUN in text
    assert report.run is not None and report.run.months == 69
    data = report.as_dict()
    assert demo.SEED_SENTENCE in str(data)


def test_command_line_gives_the_seed_sentence(imported: demo.Rows, db: Any) -> None:
    out = io.StringIO()
    call_command(
        "report", "safety", "--region", WANZHOU, "--from", "2023-04-01", "--to", "2023-06-30", stdout=out
    )
    assert demo.SEED_SENTENCE in out.getvalue() and demo.SEED_RUN in out.getvalue()


def test_the_run_as_of_other_dates(imported: demo.Rows, db: Any) -> None:
    """The run counts whole months up to and including the date's month; the 较大事故 imported
    for August 2023 ends it, and September 2023 starts a new one."""
    assert accident_free_run(wanzhou(), date(2023, 7, 31)).months == 70
    after = accident_free_run(wanzhou(), date(2023, 9, 30))
    assert (after.months, after.since) == (1, date(2023, 9, 1))
    assert after.last_serious is not None and after.last_serious.occurred_on == date(2023, 8, 15)


def test_the_period_matters(imported: demo.Rows, db: Any) -> None:
    """A day less or a month more does not give the sentence (the files hold records around it)."""
    for start, end in ((START, date(2023, 6, 29)), (date(2023, 3, 1), END), (START, date(2023, 7, 31))):
        assert demo.SEED_SENTENCE not in safety_report(WANZHOU, start, end).text(), (start, end)


def test_each_district_keeps_its_figures(imported: demo.Rows, db: Any) -> None:
    """With 潼南区's demo loaded too (same department, campaign and unit naming), each district's
    report is its own."""
    assert demo.load_safety_demo() is True
    tongnan = safety_report(demo.TONGNAN, demo.CAMPAIGN_START, demo.CAMPAIGN_END).text()
    assert demo.SEED_SENTENCE in tongnan and demo.SEED_RUN in tongnan
    assert demo.SEED_SENTENCE in safety_report(WANZHOU, START, END).text()
    # 潼南区's report over 万州区's period counts only 潼南区's records (there are none then).
    assert "开展执法检查0家次" in safety_report(demo.TONGNAN, START, END).text()
