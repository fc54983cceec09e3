"""Pages, exports and /api/v1/targets with the demo users."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from tiaodu.targets.models import Target
from tiaodu.targets.tests.data import GUXI, HEADER_NOTE, TONGNAN, YEAR, YUXI, write_csv

pytestmark = pytest.mark.django_db

API = "/api/v1/targets"
JSON = "application/json"


def api(bearer: Any, user: Any) -> Any:
    class As:
        def __init__(self) -> None:
            self.client, self.headers = Client(), bearer(user)

        def get(self, path: str, **query: Any) -> Any:
            return self.client.get(path, query, **self.headers)

        def post(self, path: str, data: Any) -> Any:
            return self.client.post(path, data, content_type=JSON, **self.headers)

        def patch(self, path: str, data: Any) -> Any:
            return self.client.patch(path, data, content_type=JSON, **self.headers)

        def delete(self, path: str) -> Any:
            return self.client.delete(path, **self.headers)

    return As()


def sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


# --- pages ------------------------------------------------------------------------------------------


def test_leader_pages(scenario: Any, users: dict, client_for: Any) -> None:
    web = client_for(users["leader"])
    page = web.get("/targets/", {"year": YEAR}).content.decode()
    assert "招商引资到位资金" in page and "古溪镇" in page and "大渡口区" not in page
    rows = sheet(web.get("/targets/", {"year": YEAR, "region": GUXI, "export": "xlsx"}))
    assert rows[0][:3] == ("地区", "年度", "指标")
    assert sorted((r[0], r[2], r[3]) for r in rows[1:]) == [
        ("古溪镇", "招商引资到位资金", "20亿元"),
        ("古溪镇", "规模以上工业增加值增速", None),
    ]
    pk = scenario[(TONGNAN, "招商引资到位资金")]
    detail = web.get(f"/targets/{pk}/").content.decode()
    assert "占年度目标的" in detail and "revision-table" in detail
    assert web.get(f"/targets/{pk}/changes/").status_code == 200
    progress = web.get("/targets/progress/", {"region": TONGNAN, "period": "2030年一季度"}).content.decode()
    assert "招商引资到位资金完成230亿元,占年度目标的23.0%,低于序时进度2.0个百分点" in progress
    for path in ("/targets/progress/", "/targets/supervision/", "/targets/evaluation/"):
        assert web.get(path).status_code == 200  # the defaults: own district, latest year
    bad = web.get("/targets/progress/", {"region": TONGNAN, "period": "2030年13月"})
    assert bad.status_code == 200 and "月份应在1至12之间" in bad.content.decode()


def test_supervision_page_and_leader_workbook(scenario: Any, users: dict, client_for: Any) -> None:
    web = client_for(users["leader"])
    query = {"region": TONGNAN, "year": YEAR, "quarter": 1}
    page = web.get("/targets/supervision/", query).content.decode()
    assert page.count('data-status="behind"') == 3 and page.count('data-status="missing"') == 1
    rows = sheet(web.get("/targets/supervision/", {**query, "export": "xlsx"}))
    assert rows[0][0] == "潼南区2030年一季度目标任务滞后督办清单"
    assert rows[1][0].startswith("制表日期:")
    assert rows[3][:3] == ("序号", "地区", "指标")
    assert [(r[0], r[1], r[2], r[5], r[6], r[7], r[8]) for r in rows[4:7]] == [
        (1, "潼南区", "招商引资到位资金", 23.0, 25.0, -2.0, "区招商投资局"),
        (2, "古溪镇", "规模以上工业增加值增速", None, None, -0.5, "古溪镇人民政府"),
        (3, "古溪镇", "招商引资到位资金", 15.0, 16.7, -1.7, "古溪镇人民政府"),
    ]
    assert rows[7][:3] == (4, "玉溪镇", "招商引资到位资金")
    assert rows[-1][:2] == ("合计", "滞后3项,数据缺失1项")


def test_evaluation_page_and_leader_workbook(scenario: Any, users: dict, client_for: Any) -> None:
    web = client_for(users["admin"])
    query = {"region": "500000", "year": YEAR}
    page = web.get("/targets/evaluation/", query).content.decode()
    assert "同分同名次" in page and 'data-region="500104"' in page
    rows = sheet(web.get("/targets/evaluation/", {**query, "export": "xlsx"}))
    assert rows[0][0] == "重庆市2030年度目标任务完成情况评估表"
    assert rows[2][:2] == ("序号", "地区") and rows[3][2:5] == ("目标", "完成", "完成率/差距")
    width = len(rows[2])
    body = rows[4:-1]
    assert [(r[1], r[width - 3], r[width - 2]) for r in body] == [
        ("潼南区", 100.0, 1),
        ("大渡口区", 95.0, 2),
        ("铜梁区", 95.0, 2),
        ("璧山区", 67.5, 4),
        ("荣昌区", "—", "—"),
    ]
    assert rows[-1][:2] == ("合计", "5个地区")
    assert rows[-1][width - 3] == 89.4  # the mean of 100, 95, 95 and 67.5


def test_set_and_revise_through_the_forms(no_targets: Any, users: dict, client_for: Any) -> None:
    web = client_for(users["jxw"])
    assert web.get("/targets/new/").status_code == 200
    data = {
        "region": TONGNAN,
        "indicator": "zsyz_dw",
        "year": YEAR,
        "value": "1000",
        "growth": "",
        "note": "",
    }
    response = web.post("/targets/new/", data)
    target = Target.objects.get(region__code=TONGNAN, year=YEAR)
    assert response.status_code == 302 and response["Location"] == f"/targets/{target.pk}/"
    again = web.post("/targets/new/", data)
    assert again.status_code == 422 and "该地区本年度已设定此指标的目标" in again.content.decode()
    bad = web.post("/targets/new/", {**data, "indicator": "gy_zjz_zs", "value": "9"})
    assert bad.status_code == 422 and "不能设定总量目标" in bad.content.decode()
    response = web.post(f"/targets/{target.pk}/edit/", {"value": "1200", "reason": "年中调整"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.value, target.version) == (1200, 2)
    assert "年中调整" in web.get(f"/targets/{target.pk}/").content.decode()
    assert web.post(f"/targets/{target.pk}/delete/").status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()


def test_town_and_enterprise_pages(scenario: Any, users: dict, client_for: Any) -> None:
    guxi = client_for(users["guxi"])
    page = guxi.get("/targets/", {"year": YEAR}).content.decode()
    assert "古溪镇" in page and "玉溪镇" not in page and "潼南区</a>" not in page
    assert guxi.get(f"/targets/{scenario[(YUXI, '招商引资到位资金')]}/").status_code == 404
    own = scenario[(GUXI, "招商引资到位资金")]
    assert guxi.get(f"/targets/{own}/").status_code == 200
    assert guxi.get(f"/targets/{own}/edit/").status_code == 403
    assert guxi.get("/targets/new/").status_code == 403
    assert guxi.get("/targets/import/").status_code == 403
    assert guxi.get("/targets/supervision/", {"region": GUXI, "year": YEAR, "quarter": 1}).status_code == 200
    qiye = client_for(users["qiye"])
    for path in ("/targets/", "/targets/supervision/", "/targets/evaluation/", "/targets/progress/"):
        assert qiye.get(path).status_code == 403


def test_import_page(no_targets: Any, users: dict, client_for: Any, tmp_path: Path) -> None:
    web = client_for(users["jxw"])
    assert web.get("/targets/import/").status_code == 200
    assert web.get("/targets/import/template.xlsx")["Content-Type"].startswith("application/vnd")
    path = write_csv(tmp_path / "t.csv", HEADER_NOTE, [[GUXI, YEAR, "招商引资到位资金", "20", "", ""]])
    with path.open("rb") as fh:
        response = web.post("/targets/import/", {"file": fh})
    assert response.status_code == 200 and 'data-status="succeeded"' in response.content.decode()
    assert Target.objects.get(region__code=GUXI).value == 20


# --- API --------------------------------------------------------------------------------------------


def test_api_list_create_revise_delete(no_targets: Any, users: dict, bearer: Any) -> None:
    leader = api(bearer, users["leader"])
    created = leader.post(
        API,
        {
            "region": TONGNAN,
            "indicator": "招商引资到位资金",
            "year": YEAR,
            "value": 1000,
            "note": "区人代会确定",
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["value"], body["target_text"], body["version"]) == ("1000", "1000亿元", 1)
    pk = body["id"]
    conflict = leader.post(API, {"region": TONGNAN, "indicator": "zsyz_dw", "year": YEAR, "value": 1})
    assert (conflict.status_code, conflict.json()["code"]) == (409, "target_exists")
    huge = leader.post(API, {"region": TONGNAN, "indicator": "gy_tz", "year": YEAR, "value": 1e30})
    assert (huge.status_code, huge.json()["errors"][0]["code"]) == (422, "number_too_large")
    bad = leader.post(API, {"region": TONGNAN, "indicator": "gy_zjz_zs", "year": YEAR, "value": 9})
    assert bad.status_code == 422
    assert [e["code"] for e in bad.json()["errors"]] == ["level_for_rate", "required"]
    patched = leader.patch(f"{API}/{pk}", {"value": "1100.5", "reason": "调整"})
    assert patched.status_code == 200
    assert [(r["version"], r["value"], r["reason"]) for r in patched.json()["revisions"]] == [
        (2, "1100.5", "调整"),
        (1, "1000", ""),
    ]
    assert patched.json()["note"] == "区人代会确定"  # left out: kept
    listed = leader.get(API, year=YEAR)
    assert [r["id"] for r in listed.json()["results"]] == [pk]
    guxi = api(bearer, users["guxi"])
    assert guxi.get(f"{API}/{pk}").status_code == 404
    assert guxi.get(API, year=YEAR).json()["count"] == 0
    assert guxi.patch(f"{API}/{pk}", {"value": 1}).status_code == 404
    assert leader.delete(f"{API}/{pk}").status_code == 204
    assert leader.get(f"{API}/{pk}").status_code == 404


def test_api_assessments(scenario: Any, users: dict, bearer: Any) -> None:
    leader = api(bearer, users["leader"])
    progress = leader.get(f"{API}/progress", region=TONGNAN, period="2030年一季度").json()
    assert progress["time_progress"] == "25.0" and progress["counts"]["behind"] == 1
    one = leader.get(f"{API}/completion", region=TONGNAN, indicator="zsyz_dw", period="2030-Q1").json()
    assert one["sentence"] == "招商引资到位资金完成230亿元,占年度目标的23.0%,低于序时进度2.0个百分点"
    assert (one["completion"], one["time_progress"], one["gap"], one["status"]) == (
        "23.0",
        "25.0",
        "-2.0",
        "behind",
    )
    assert (one["actual"], one["actual_text"], one["target_text"], one["kind"]) == (
        "230",
        "230亿元",
        "1000亿元",
        "level",
    )
    missing = leader.get(f"{API}/completion", region=TONGNAN, indicator="工业投资", period="2030-Q1")
    assert (missing.status_code, missing.json()["code"]) == (404, "target_not_found")
    supervision = leader.get(f"{API}/supervision", region=TONGNAN, quarter="2030年一季度").json()
    assert len(supervision["rows"]) == 3 and len(supervision["missing"]) == 1
    not_a_quarter = leader.get(f"{API}/supervision", region=TONGNAN, quarter="2030年1-2月")
    assert not_a_quarter.status_code == 422
    evaluation = leader.get(f"{API}/evaluation", region=TONGNAN, year=YEAR).json()
    assert [(r["region"]["code"], r["score"], r["rank"]) for r in evaluation["rows"]] == [
        (GUXI, "92.4", 1),
        (YUXI, None, None),
    ]
    assert "同分同名次" in evaluation["rule"]
    qiye = api(bearer, users["qiye"])
    assert qiye.get(f"{API}/progress", region=TONGNAN, period="2030-Q1").status_code == 403
    assert qiye.get(API).json()["count"] == 0
