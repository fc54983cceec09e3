"""Issue 12, "done when": a district the demo does not use goes live from files alone.

万州区 (500101) joins a deployment that already holds 潼南区 and 大渡口区, whose departments carry
the same names (区发展改革委, 发改委 …) and one of whose townships (太安镇) shares its name with one
of 万州区's. Everything comes from files, in the order the user guide's 新区县上线 chapter gives:
organisations and users (as the operator), then — as 万州区's own department user — its 2019
projects, the September 2019 dispatch file (no round exists for that period), enterprises, visits
and appeals. The district's reports then state the files' figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc

from tiaodu.accounts.models import User
from tiaodu.core.imports import run_import, write_xlsx
from tiaodu.dispatch.models import DispatchRound
from tiaodu.enterprises.report import enterprise_service_report
from tiaodu.orgs.models import Organization
from tiaodu.orgs.samples import DISTRICT, write_samples
from tiaodu.projects.models import Project
from tiaodu.projects.report import project_report

pytestmark = pytest.mark.django_db

PROJECT_HEADERS = [
    "项目名称", "项目级别", "项目类型", "项目类别", "所属镇街", "责任单位",
    "总投资(万元)", "年度计划投资(万元)", "阶段", "阶段日期",
]  # fmt: skip
DISPATCH_HEADERS = ["项目名称", "期次", "本期完成投资(万元)", "形象进度", "应到岗人数", "实到岗人数"]


def credit(n: int) -> str:
    base = f"91500101MA7Q{n:05d}"
    return base + uscc.calc_check_digit(base)


def imported(kind: str, path: Path, actor: Any = None) -> Any:
    result = run_import(kind, path, actor=actor)
    assert result.ok, result.error_lines()
    return result


def test_wanzhou_goes_live_from_files_alone(tmp_path: Path) -> None:
    # --- organisations and users, as the operator ---------------------------------------------
    samples = write_samples(tmp_path)
    imported("organisations", samples["organisations"])
    imported("users", samples["users"])
    districts = set(
        Organization.objects.filter(name="区发展改革委").values_list("region__parent__code", "region__code")
    )
    assert len({code for pair in districts for code in pair if code}) >= 3  # 潼南、大渡口、万州 share it
    fgw = User.objects.select_related("organization", "region").get(username="wz-fgw")
    assert fgw.organization is not None and fgw.organization.region.code == DISTRICT
    assert fgw.must_change_password

    # --- the 2019 projects, by short department names and a township name shared with 潼南区 ---
    projects = [
        ["万州太安智能装备产业园项目", "区级重点", "新建", "产业", "太安镇", "发改委", 80000, 30000, "在建", "2019-03-01"],
        ["万州高笋塘城市更新项目", "区级重点", "新建", "基础设施", "高笋塘街道", "区发展改革委", 50000, 20000, "开工", "2019-05-10"],
    ]  # fmt: skip
    path = tmp_path / "projects.xlsx"
    write_xlsx(path, [PROJECT_HEADERS, *projects])
    imported("projects", path, actor=fgw)
    taian = Project.objects.select_related("township", "responsible_unit").get(name=projects[0][0])
    assert taian.township.code.startswith(DISTRICT)  # 万州区太安镇, not 潼南区太安镇
    assert taian.responsible_unit is not None and taian.responsible_unit.region.code == DISTRICT

    # --- the September 2019 dispatch file: no round for that period exists ---------------------
    dispatch = [
        [projects[0][0], "2019年9月", 2600, "60%", 120, 108],
        [projects[1][0], "2019年9月", 1400, "35%", 80, 72],
    ]
    path = tmp_path / "dispatch.xlsx"
    write_xlsx(path, [DISPATCH_HEADERS, *dispatch])
    imported("dispatch", path, actor=fgw)
    imported("dispatch", path, actor=fgw)  # the same file twice never doubles a figure
    (rnd,) = DispatchRound.objects.filter(district__code=DISTRICT)
    assert rnd.is_historical and not rnd.is_open

    report = project_report(DISTRICT, date(2019, 1, 1), date(2019, 12, 31), user=fgw)
    assert report.key_projects == 2
    assert report.annual_plan == Decimal(50000)
    assert report.investment_done == Decimal(4000)
    assert report.workers_on_site == 180 and report.workers_required == 200
    words = report.sentences()
    assert words["library"] == "纳入调度的重点项目2个、总投资13亿元"
    assert words["investment"] == "年度计划投资5亿元,完成投资0.4亿元,完成率8%"
    assert words["workers"] == "重点建设项目累计到岗人数180人,到岗率90%"

    # --- enterprises, visits and appeals of 2019 Q3 --------------------------------------------
    rows: list[list[Any]] = [["统一社会信用代码", "企业名称", "所属镇街"]]
    rows += [[credit(n), f"重庆万州上线测试{n:02d}有限公司", "太安镇"] for n in range(12)]
    write_xlsx(tmp_path / "enterprises.xlsx", rows)
    # Towns register their enterprises; 太安镇's own user imports them.
    imported("enterprises", tmp_path / "enterprises.xlsx", actor=User.objects.get(username="wz-taian"))

    # 10 enterprises visited by the department; each raises two difficulties 3 and 12 days later.
    visits: list[list[Any]] = [["走访日期", "统一社会信用代码", "走访单位", "走访人", "情况记录"]]
    appeals: list[list[Any]] = [
        ["统一社会信用代码", "类别", "诉求内容", "提出日期", "来源", "状态", "办结日期", "办理结果"]
    ]
    for n in range(10):
        day = date(2019, 7, 8) + timedelta(days=5 * n)
        visits.append([day.isoformat(), credit(n), "区发展改革委", "王五", "了解用工情况"])
        for k, later in enumerate((3, 12)):
            raised = day + timedelta(days=later)
            solved = n < 9 or k == 0  # the last enterprise's second difficulty stays open
            appeals.append(
                [credit(n), "用工", f"第{n}家第{k + 1}件", raised.isoformat(), "走访",
                 "已办结" if solved else "办理中", (raised + timedelta(days=7)).isoformat() if solved else None,
                 "已协调解决" if solved else None]
            )  # fmt: skip
    write_xlsx(tmp_path / "visits.xlsx", visits)
    write_xlsx(tmp_path / "appeals.xlsx", appeals)
    imported("visits", tmp_path / "visits.xlsx", actor=fgw)
    imported("appeals", tmp_path / "appeals.xlsx", actor=fgw)

    service = enterprise_service_report(DISTRICT, date(2019, 7, 1), date(2019, 9, 30), user=fgw)
    assert service.visited_enterprises == 10
    assert "走访企业10家,现场收集困难20件次,解决19件次" in service.text()
