"""A third district imports its own projects (issue 12): with 区发展改革委 / 区经济信息委 and 太安镇 in
潼南区, 大渡口区 and 万州区, 万州区's own file, imported by a 万州 user, resolves every row to 万州's
departments and township; the same file from the command line of a deployment whose home district has
none of them is refused row by row, naming all three districts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from openpyxl import Workbook

from tiaodu.accounts.services import create_user
from tiaodu.core.imports import run_import
from tiaodu.core.tests.districts import WANZHOU, YUZHONG, shared_township, three_districts
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects.models import Project
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

HEADERS = ["项目名称", "所属镇街", "业主单位", "责任单位", "总投资(万元)", "阶段", "阶段日期"]


def wanzhou_file(tmp_path: Path) -> Path:
    rows: list[list[Any]] = [
        [f"万州2019年重点项目{n}", town, "重庆万州城投公司", unit, 10000 + n, "开工", "2019-04-01"]
        for n, (town, unit) in enumerate(
            [
                ("太安镇", "区发展改革委"),
                ("高笋塘街道", "区经济信息委"),
                ("太安镇", "区经济信息委"),
                ("龙都街道", "区发展改革委"),
            ]
        )
    ]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in [HEADERS, *rows]:
        ws.append(row)
    path = tmp_path / "wanzhou.xlsx"
    wb.save(path)
    return path


def test_the_third_district_imports_its_own_projects(tmp_path: Path) -> None:
    made = three_districts()
    towns = shared_township()
    wanzhou = Region.objects.get(code=WANZHOU)
    Organization.objects.create(name="重庆万州城投公司", kind=OrgKind.OWNER, region=wanzhou)
    user = create_user(
        None,
        username="wz-admin",
        role="admin",  # 万州区's administrator: sees everything, names resolve in 万州 first
        region=wanzhou,
        password="Wz-import-2019a",
    ).user
    result = run_import("projects", wanzhou_file(tmp_path), actor=user)
    assert result.ok, result.error_lines()
    assert result.created == 4
    got = {
        p.name: (p.township.code, p.responsible_unit.pk, p.owner.region.code)
        for p in Project.objects.filter(name__startswith="万州2019年").select_related(
            "township", "owner__region"
        )
    }
    fgw, jxw = made[WANZHOU]["区发展改革委"].pk, made[WANZHOU]["区经济信息委"].pk
    assert got == {
        "万州2019年重点项目0": (towns[WANZHOU].code, fgw, WANZHOU),
        "万州2019年重点项目1": ("500101001", jxw, WANZHOU),
        "万州2019年重点项目2": (towns[WANZHOU].code, jxw, WANZHOU),
        "万州2019年重点项目3": ("500101020", fgw, WANZHOU),
    }
    assert towns[WANZHOU].code == "500101156"


def test_a_deployment_level_import_names_every_district(tmp_path: Path) -> None:
    three_districts()
    shared_township()
    Organization.objects.create(
        name="重庆万州城投公司", kind=OrgKind.OWNER, region=Region.objects.get(code=WANZHOU)
    )
    with override_settings(HOME_REGION_CODE=YUZHONG):
        result = run_import("projects", wanzhou_file(tmp_path))
    assert not result.ok
    assert not Project.objects.filter(name__startswith="万州2019年").exists()
    errors = [(e.row, e.field, e.code, e.message) for e in result.errors]
    town = "镇街“太安镇”不唯一(万州区、潼南区、大渡口区各有一个),请填写区划代码或在本区县导入"
    unit = "责任单位“{}”不唯一(潼南区、大渡口区、万州区各有一个),请填写全称或在本区县导入"
    assert errors == [
        (2, "所属镇街", "township_ambiguous", town),
        (2, "责任单位", "organization_ambiguous", unit.format("区发展改革委")),
        (3, "责任单位", "organization_ambiguous", unit.format("区经济信息委")),
        (4, "所属镇街", "township_ambiguous", town),
        (4, "责任单位", "organization_ambiguous", unit.format("区经济信息委")),
        (5, "责任单位", "organization_ambiguous", unit.format("区发展改革委")),
    ]


def test_the_api_resolves_a_township_name_in_the_callers_district(bearer: Any) -> None:
    from django.test import Client

    towns = shared_township()
    wanzhou = Region.objects.get(code=WANZHOU)
    admin = create_user(
        None, username="wz-api", role="admin", region=wanzhou, password="Wz-import-2019a"
    ).user
    payload = {"name": "万州接口项目", "township": "太安镇", "total_investment": 10}
    created = Client().post("/api/v1/projects", payload, content_type="application/json", **bearer(admin))
    assert created.status_code == 201, created.content
    assert created.json()["township_code"] == towns[WANZHOU].code == "500101156"
    # The home district's administrator (潼南区) gets 潼南's 太安镇 from the same body.
    home = Client().post(
        "/api/v1/projects",
        {**payload, "name": "潼南接口项目"},
        content_type="application/json",
        **bearer(
            create_user(
                None, username="tn-api", role="admin", region_code="500152", password="Tn-import-2019a"
            ).user
        ),
    )
    assert home.status_code == 201, home.content
    assert home.json()["township_code"] == "500152117"
