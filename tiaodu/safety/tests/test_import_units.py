"""The safety-units import: create or update by credit code / name in the township, with the
units service's rules, names resolved in the actor's district, all-or-nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tiaodu.core.imports import run_import, template_workbook, write_xlsx
from tiaodu.core.tests.districts import TONGNAN, WANZHOU, shared_township
from tiaodu.enterprises.demo import credit_code
from tiaodu.enterprises.models import Enterprise
from tiaodu.safety import units
from tiaodu.safety.models import Unit

pytestmark = pytest.mark.django_db
HEADER = ["单位名称", "统一社会信用代码", "所属镇街", "行业领域", "单位类型", "风险等级", "经度", "纬度"]


def code(n: int) -> str:
    return credit_code(TONGNAN, "MA7P", n)


def xlsx(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "units.xlsx"
    write_xlsx(path, [header, *rows])
    return path


def test_import_creates_then_updates(tmp_path: Path, users: dict) -> None:
    enterprise = Enterprise.objects.filter(township__code="500152103").first()
    assert enterprise is not None
    rows: list[list[Any]] = [
        ["古溪加油站", code(1), "古溪镇", "商贸", "加油站", "较大", 105.84, 30.19],
        ["古溪农贸市场", "", "500152103", "商贸", "商贸市场", "黄", None, None],
        [enterprise.name, "", "古溪镇", "工贸", "", "", None, None],
    ]
    result = run_import("safety-units", xlsx(tmp_path, rows), actor=users["admin"])
    assert result.ok, result.error_lines()
    assert (result.created, result.updated) == (3, 0)
    station = Unit.objects.get(credit_code=code(1))
    assert (station.unit_type, station.risk_level, station.sector.name) == ("gas_station", "large", "商贸")
    assert station.district.code == TONGNAN and station.created_by == users["admin"]
    market = Unit.objects.get(name="古溪农贸市场")
    assert market.risk_level == "general" and market.credit_code == "" and market.longitude is None
    linked = Unit.objects.get(name=enterprise.name)
    assert linked.enterprise == enterprise and linked.credit_code == enterprise.credit_code
    assert linked.unit_type == "enterprise" and linked.risk_level == "low"
    # Again: by code and by name, only what changed; a version moves with each update.
    rows[0][5] = "重大"
    rows[1][1] = code(2)
    result = run_import("safety-units", xlsx(tmp_path, rows), actor=users["admin"])
    assert result.ok, result.error_lines()
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    station.refresh_from_db()
    assert station.risk_level == "major" and station.version == 2
    assert Unit.objects.get(name="古溪农贸市场").credit_code == code(2)
    assert Unit.objects.count() == 3


def test_bad_rows_listed_and_nothing_written(tmp_path: Path, users: dict) -> None:
    rows: list[list[Any]] = [
        ["好单位", code(3), "古溪镇", "工贸", "企业", "低", None, None],
        ["坏代码", "91500152MA7P000010", "古溪镇", "工贸", "企业", "低", None, None],
        ["坏镇街", "", "没有这个镇", "工贸", "", "", None, None],
        ["坏行业", "", "古溪镇", "煤矿", "", "", None, None],
        ["坏类型", "", "古溪镇", "工贸", "工厂", "紫", None, None],
        ["坏坐标", "", "古溪镇", "工贸", "", "", 116.4, 39.9],
        ["重复代码", code(3), "古溪镇", "工贸", "", "", None, None],
        ["好单位", "", "古溪镇", "工贸", "", "", None, None],
    ]
    result = run_import("safety-units", xlsx(tmp_path, rows), actor=users["admin"])
    assert not result.ok and result.created == 0
    found = {(e.row, e.field, e.code) for e in result.errors}
    assert (3, "统一社会信用代码", "credit_code_invalid") in found
    assert (4, "所属镇街", "township_unknown") in found
    assert (5, "行业领域", "sector_unknown") in found
    assert (6, "单位类型", "invalid_choice") in found and (6, "风险等级", "invalid_choice") in found
    assert (7, "经度", "coordinates_outside_region") in found
    assert (8, "统一社会信用代码", "credit_code_duplicate") in found
    assert (9, "单位名称", "unit_duplicate") in found
    assert not Unit.objects.exists()


def test_duplicate_of_an_existing_unit_refused(tmp_path: Path, users: dict) -> None:
    units.create_unit(None, name="老单位", township="500152103", sector="工贸", credit_code=code(4))
    rows = [["老单位", code(5), "古溪镇", "工贸", "", "", None, None]]
    result = run_import("safety-units", xlsx(tmp_path, rows), actor=users["admin"])
    assert [(e.row, e.code) for e in result.errors] == [(2, "unit_duplicate")]


def test_township_names_resolve_in_the_actors_district(tmp_path: Path, users: dict) -> None:
    towns = shared_township()
    from tiaodu.accounts.services import create_user

    wz_admin = create_user(None, username="wzadmin", role="admin", region_code=WANZHOU).user
    rows = [["太安商场", "", "太安镇", "商贸", "", "", None, None]]
    assert run_import("safety-units", xlsx(tmp_path, rows), actor=wz_admin).ok
    assert run_import("safety-units", xlsx(tmp_path, rows), actor=users["admin"]).ok
    assert {u.township for u in Unit.objects.filter(name="太安商场")} == {towns[WANZHOU], towns[TONGNAN]}
    wz = Unit.objects.get(name="太安商场", township=towns[WANZHOU])
    assert wz.sector.region.code == WANZHOU


def test_scope_town_and_enterprise(tmp_path: Path, users: dict) -> None:
    with pytest.raises(Exception) as exc:
        run_import(
            "safety-units",
            xlsx(tmp_path, [["X", "", "古溪镇", "工贸", "", "", None, None]]),
            actor=users["qiye"],
        )
    assert getattr(exc.value, "status", None) == 403
    rows: list[list[Any]] = [
        ["古溪小厂", "", "古溪镇", "工贸", "", "", None, None],
        ["玉溪小厂", "", "玉溪镇", "工贸", "", "", None, None],
    ]
    result = run_import("safety-units", xlsx(tmp_path, rows), actor=users["guxi"])
    assert [(e.row, e.code) for e in result.errors] == [(3, "permission_denied")]
    assert not Unit.objects.exists()
    result = run_import("safety-units", xlsx(tmp_path, rows), actor=users["guxi"], partial=True)
    assert result.created == 1 and Unit.objects.get().name == "古溪小厂"


def test_partial_columns_leave_the_rest(tmp_path: Path, users: dict) -> None:
    units.create_unit(
        None,
        name="有坐标",
        township="500152103",
        sector="工贸",
        risk_level="重大",
        longitude="105.84",
        latitude="30.19",
        has_risk_list=True,
    )
    header = ["单位名称", "所属镇街", "行业领域", "岗位职责清单"]
    result = run_import(
        "safety-units", xlsx(tmp_path, [["有坐标", "古溪镇", "工贸", "是"]], header), actor=users["admin"]
    )
    assert result.ok and result.updated == 1
    unit = Unit.objects.get(name="有坐标")
    assert (
        unit.risk_level == "major"
        and unit.longitude is not None
        and unit.has_risk_list
        and unit.has_duty_list
    )


def test_template() -> None:
    data = template_workbook("safety-units")
    assert data[:2] == b"PK"


def test_import_page_and_template_download(client_for: Any, users: dict, tmp_path: Path) -> None:
    from django.urls import reverse

    client = client_for(users["admin"])
    assert client.get(reverse("safety:import-kind", args=["safety-units"])).status_code == 200
    response = client.get(reverse("safety:import-kind-template", args=["safety-units"]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    path = xlsx(tmp_path, [["网页导入单位", "", "古溪镇", "工贸", "", "", None, None]])
    with path.open("rb") as handle:
        client.post(reverse("safety:import-kind", args=["safety-units"]), {"file": handle})
    assert Unit.objects.filter(name="网页导入单位").exists()
