"""Multi-year targets: the rules, the versions, progress across years, the yearly parts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from tiaodu.core.errors import Conflict, InvalidInput
from tiaodu.core.imports import run_import
from tiaodu.targets import multiyear, services
from tiaodu.targets.models import MultiYearTarget, MultiYearTargetRevision
from tiaodu.targets.tests.data import DADUKOU, TONGNAN, write_csv

pytestmark = pytest.mark.django_db

FIRST, LAST = 2031, 2035  # years no demo uses


def codes(exc: InvalidInput) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.errors]


def load(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    path = write_csv(tmp_path / "figures.csv", ["地区代码", "期别", "指标", "数值"], rows)
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()


@pytest.fixture
def funds_target(db: Any) -> MultiYearTarget:
    target, outcome = multiyear.set_multiyear_target(
        None, TONGNAN, "招商引资到位资金", FIRST, LAST, value="1000", responsible="区招商投资局"
    )
    assert outcome == "created"
    return target


def test_the_rules_have_stable_codes() -> None:
    with pytest.raises(InvalidInput) as err:
        multiyear.set_multiyear_target(None, TONGNAN, "招商引资到位资金", 2026, 2022, value="1000")
    assert codes(err.value) == [("last_year", "span_reversed")]
    assert "截止年(2022年)不能早于起始年(2026年)" in err.value.errors[0].message
    with pytest.raises(InvalidInput) as err:
        multiyear.set_multiyear_target(None, TONGNAN, "招商引资到位资金", 2022, 2032, value="1000")
    assert codes(err.value) == [("last_year", "span_too_long")]
    assert "共11年" in err.value.errors[0].message
    for bad in ("0", "-5"):
        with pytest.raises(InvalidInput) as err:
            multiyear.set_multiyear_target(None, TONGNAN, "招商引资到位资金", 2022, 2026, value=bad)
        assert codes(err.value) == [("value", "target_not_positive")]
    with pytest.raises(InvalidInput) as err:
        multiyear.set_multiyear_target(None, TONGNAN, "招商引资到位资金", 2022, 2026, value=None)
    assert codes(err.value) == [("value", "required")]
    # a growth rate, a share and a level that does not add up over years (GDP) are refused
    for indicator in ("规模以上工业增加值增速", "工业技改投资占工业投资比重", "地区生产总值"):
        with pytest.raises(InvalidInput) as err:
            multiyear.set_multiyear_target(None, TONGNAN, indicator, 2022, 2026, value="10")
        assert codes(err.value) == [("indicator", "indicator_not_summable")], indicator
        assert "不能设定多年目标" in err.value.errors[0].message
    with pytest.raises(InvalidInput) as err:
        multiyear.set_multiyear_target(None, TONGNAN, "招商引资到位资金", "二〇二二", 2026, value="1")
    assert codes(err.value) == [("first_year", "year_invalid")]


def test_one_per_region_indicator_and_span_with_versions(funds_target: MultiYearTarget, users: dict) -> None:
    leader = users["leader"]
    with pytest.raises(Conflict) as err:
        multiyear.create_multiyear_target(leader, TONGNAN, "到位资金", FIRST, LAST, value="900")
    assert err.value.code == "multiyear_target_exists"
    same, outcome = multiyear.set_multiyear_target(
        leader, TONGNAN, "zsyz_dw", FIRST, LAST, value=D("1000.00"), responsible="区招商投资局"
    )
    assert (same.pk, outcome, same.version) == (funds_target.pk, "unchanged", 1)
    revised, outcome = multiyear.revise_multiyear_target(leader, funds_target.pk, value="1200", reason="调整")
    assert (outcome, revised.version, revised.value) == ("updated", 2, D("1200"))
    history = MultiYearTargetRevision.objects.filter(target=funds_target).order_by("version")
    assert [(r.version, r.value, r.set_by) for r in history] == [(1, D("1000"), None), (2, D("1200"), leader)]
    # another span of the same indicator is another target
    other = multiyear.create_multiyear_target(leader, TONGNAN, "zsyz_dw", FIRST, FIRST + 2, value="500")
    assert other.pk != funds_target.pk
    assert other.revisions.get().set_by == leader
    multiyear.delete_multiyear_target(leader, other.pk)
    assert not MultiYearTarget.objects.filter(pk=other.pk).exists()
    assert not MultiYearTargetRevision.objects.filter(target_id=other.pk).exists()


def test_progress_sums_a_past_full_year_and_this_year_cumulative(
    funds_target: MultiYearTarget, tmp_path: Path
) -> None:
    load(
        tmp_path,
        [
            (TONGNAN, f"{FIRST}年", "招商引资到位资金", "200"),
            (TONGNAN, f"{FIRST}年1-11月", "招商引资到位资金", "180"),
            (TONGNAN, f"{FIRST + 1}年1-3月", "招商引资到位资金", "60"),
            (TONGNAN, f"{FIRST + 1}年1-6月", "招商引资到位资金", "150"),
            (TONGNAN, f"{FIRST + 1}年1-9月", "招商引资到位资金", "260"),  # after the period asked
        ],
    )
    p = multiyear.progress(funds_target, f"{FIRST + 1}年6月")
    assert p.completed == D("350")  # 200 (2031 whole year) + 150 (2032年1-6月)
    assert p.completion == D("35.0")
    assert p.time_progress == D("30.0")  # 18 of 60 months
    assert p.gap == D("5.0") and p.status == "ahead"
    assert p.sentence == (
        f"到{LAST}年实现招商引资到位资金1000亿元,截至{FIRST + 1}年6月累计完成350亿元,"
        "占目标的35.0%,高于序时进度5.0个百分点"
    )
    assert [(y.year, y.state, y.actual) for y in p.years[:3]] == [
        (FIRST, "full", D("200")),
        (FIRST + 1, "current", D("150")),
        (FIRST + 2, "future", None),
    ]
    # as of a quarter: the first quarter's cumulative figure, 15 of 60 months
    q = multiyear.progress(funds_target, f"{FIRST + 1}年一季度")
    assert (q.completed, q.completion, q.time_progress) == (D("260"), D("26.0"), D("25.0"))
    assert q.sentence.endswith("截至2032年3月累计完成260亿元,占目标的26.0%,高于序时进度1.0个百分点")
    # by default: the latest figure of the span (2032年1-9月): 200 + 260 = 460 of 21 months (35.0%)
    latest = multiyear.progress(funds_target)
    assert (latest.as_of_label, latest.completed, latest.time_progress) == ("2032年9月", D("460"), D("35.0"))


def test_a_year_without_its_full_year_figure_is_said_not_counted(
    funds_target: MultiYearTarget, tmp_path: Path
) -> None:
    load(
        tmp_path,
        [
            (TONGNAN, f"{FIRST}年1-11月", "招商引资到位资金", "180"),  # no 1-12月
            (TONGNAN, f"{FIRST + 1}年1-6月", "招商引资到位资金", "100"),
        ],
    )
    p = multiyear.progress(funds_target, f"{FIRST + 1}年1-6月")
    assert p.completed == D("100") and p.completion == D("10.0") and p.time_progress == D("30.0")
    assert p.years[0].state == "missing" and p.years[0].actual is None
    assert f"潼南区{FIRST}年招商引资到位资金全年数据缺失,未计入累计完成" in p.notes
    assert p.sentence.endswith(f"低于序时进度20.0个百分点({FIRST}年数据缺失,未计入)")
    # nothing at all: no completion, status missing, never zero
    empty = multiyear.progress(funds_target, f"{FIRST}年一季度")
    mine = MultiYearTarget.objects.get(pk=funds_target.pk)
    assert mine.pk == empty.target_id
    assert empty.completed is None and empty.status == "missing"
    assert empty.sentence == f"到{LAST}年实现招商引资到位资金1000亿元,截至{FIRST}年3月暂无完成数据"
    before = multiyear.progress(funds_target, f"{FIRST - 1}年6月")
    assert before.status == "missing" and "目标期自2031年开始" in before.sentence


def test_the_end_of_the_span_and_a_ceiling_of_time(tmp_path: Path) -> None:
    target, _ = multiyear.set_multiyear_target(None, TONGNAN, "固定资产投资", FIRST, FIRST + 1, value="400")
    load(
        tmp_path,
        [(TONGNAN, f"{FIRST}年", "固定资产投资", "180"), (TONGNAN, f"{FIRST + 1}年", "固定资产投资", "230")],
    )
    p = multiyear.progress(target, f"{FIRST + 3}年")  # after the span: the whole span
    assert (p.completed, p.completion, p.time_progress) == (D("410"), D("102.5"), D("100.0"))
    assert p.sentence == (
        f"到{FIRST + 1}年实现固定资产投资400亿元,截至{FIRST + 1}年12月累计完成410亿元,占目标的102.5%,超额完成目标"
    )


def test_the_yearly_parts_and_their_sum(funds_target: MultiYearTarget) -> None:
    for year, value in ((FIRST, "150"), (FIRST + 1, "180")):
        services.set_target(None, TONGNAN, "zsyz_dw", year, value=value)
    p = multiyear.progress(funds_target, f"{FIRST}年6月")
    assert [y.part for y in p.years] == [D("150"), D("180"), None, None, None]
    assert p.parts_sum == D("330") and p.parts_match is False
    assert f"{FIRST + 2}年、{FIRST + 3}年、{FIRST + 4}年未设定年度目标" in p.notes[-1]
    for year, value in ((FIRST + 2, "200"), (FIRST + 3, "220"), (FIRST + 4, "240")):
        services.set_target(None, TONGNAN, "zsyz_dw", year, value=value)
    p = multiyear.progress(funds_target, f"{FIRST}年6月")
    assert p.parts_sum == D("990") and p.parts_match is False
    assert "各年度目标合计990亿元,与多年目标1000亿元不一致(少10亿元)" in p.notes
    services.set_target(None, TONGNAN, "zsyz_dw", FIRST + 4, value="250")
    p = multiyear.progress(funds_target, f"{FIRST}年6月")
    assert p.parts_sum == D("1000") and p.parts_match is True
    assert not any("年度目标" in n for n in p.notes)


def test_another_district_cannot_reach_it(funds_target: MultiYearTarget, users: dict) -> None:
    from tiaodu.accounts.services import create_user
    from tiaodu.core.errors import NotFound

    other = create_user(None, username="ddk-leader-my", role="leader", region_code=DADUKOU).user
    assert not MultiYearTarget.objects.restrict(other).filter(pk=funds_target.pk).exists()
    assert MultiYearTarget.objects.restrict(users["leader"]).filter(pk=funds_target.pk).exists()
    assert not MultiYearTarget.objects.restrict(users["guxi"]).filter(pk=funds_target.pk).exists()
    with pytest.raises(NotFound):
        multiyear.revise_multiyear_target(other, funds_target.pk, value="1")
    with pytest.raises(Exception) as err:  # a township may view its own targets only, never add
        multiyear.create_multiyear_target(users["guxi"], TONGNAN, "zsyz_dw", 2040, 2041, value="1")
    assert getattr(err.value, "status", None) in (403, 404)


def test_the_investment_funds_feed_moves_the_progress() -> None:
    from tiaodu.investment import services as investment
    from tiaodu.investment import tracking
    from tiaodu.investment.tests.factories import project

    target, _ = multiyear.set_multiyear_target(None, TONGNAN, "zsyz_dw", 2022, 2026, value="1000")
    before = multiyear.progress(target, "2022年6月")
    start = before.completed or D(0)
    p = project(TONGNAN, on=date(2022, 1, 5))
    investment.change_stage(None, p, "signed", date(2022, 3, 9), agreed_investment=D(500000))
    tracking.record_funds(None, p, month=date(2022, 4, 1), amount=D(300000), source="in_city")  # 30亿元
    after = multiyear.progress(target, "2022年6月")
    assert after.completed == start + D(30)
    # the feed wrote 1-4月: progress is counted to April (4 of 60 months), with a note
    assert after.time_progress == D("6.7") and after.as_of_label == "2022年4月"
    assert f"截至2022年4月累计完成{services.num(after.completed)}亿元" in after.sentence
    assert "潼南区2022年1—6月招商引资到位资金数据尚未报送,按1月—4月累计数计算" in after.notes


# --- import --------------------------------------------------------------------------------------


def test_the_import_with_past_years(tmp_path: Path, users: dict) -> None:
    load(
        tmp_path,
        [
            (TONGNAN, "2019年", "招商引资到位资金", "120"),
            (TONGNAN, "2020年", "招商引资到位资金", "130"),
            (TONGNAN, "2021年1-6月", "招商引资到位资金", "70"),
        ],
    )
    path = write_csv(
        tmp_path / "multi.csv",
        ["地区代码", "指标", "目标期", "起始年", "截止年", "目标值", "责任单位", "备注"],
        [
            [TONGNAN, "招商引资到位资金", "2019-2021年", "", "", "400", "区招商投资局", "十三五后三年"],
            [TONGNAN, "固定资产投资", "", "2019", "2023", "2000亿元", "", ""],
        ],
        title="多年目标",
    )
    result = run_import("targets-multiyear", path, actor=users["leader"])
    assert result.ok, result.error_lines()
    funds = MultiYearTarget.objects.get(region__code=TONGNAN, indicator__code="zsyz_dw", first_year=2019)
    assert (funds.last_year, funds.value, funds.responsible.name) == (2021, D("400"), "区招商投资局")
    assert funds.revisions.get().source == "multi.csv"
    p = multiyear.progress(funds, "2021年6月")
    assert (p.completed, p.completion, p.time_progress) == (D("320"), D("80.0"), D("83.3"))
    assert p.sentence == (
        "到2021年实现招商引资到位资金400亿元,截至2021年6月累计完成320亿元,占目标的80.0%,低于序时进度3.3个百分点"
    )
    again = run_import("targets-multiyear", path, actor=users["leader"])
    assert again.ok and MultiYearTarget.objects.filter(region__code=TONGNAN, first_year=2019).count() == 2


def test_a_bad_import_names_each_row_and_writes_nothing(tmp_path: Path, users: dict) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        ["地区代码", "指标", "目标期", "起始年", "截止年", "目标值"],
        [
            [TONGNAN, "招商引资到位资金", "2022-2026年", "", "", "1000"],  # fine
            [TONGNAN, "招商引资到位资金", "2026-2022年", "", "", "1000"],
            [TONGNAN, "地区生产总值", "2022-2026年", "", "", "1000"],
            [TONGNAN, "固定资产投资", "", "2022", "", "1000"],
            [TONGNAN, "固定资产投资", "2022至2026", "2021", "", "1000"],
            [TONGNAN, "固定资产投资", "五年", "", "", "1000"],
            [TONGNAN, "工业投资", "2020-2035年", "", "", "0"],
            [DADUKOU, "工业投资", "2022-2026年", "", "", "10"],
            [TONGNAN, "到位资金", "", "2022", "2026", "900"],  # row 2 again, another value
        ],
    )
    result = run_import("targets-multiyear", path, actor=users["leader"])
    assert not result.ok
    got = {(e.row, e.code) for e in result.errors}
    assert {
        (3, "span_reversed"),
        (4, "indicator_not_summable"),
        (5, "span_missing"),
        (6, "span_mismatch"),
        (7, "span_invalid"),
        (8, "span_too_long"),
        (8, "target_not_positive"),
        (9, "permission_denied"),
        (10, "duplicate_conflict"),
    } <= got, got
    assert (2, "duplicate_conflict") not in got
    assert not MultiYearTarget.objects.filter(
        region__code__in=[TONGNAN, DADUKOU], first_year__gte=2020
    ).exists()


# --- pages and API -------------------------------------------------------------------------------


@pytest.fixture
def with_figures(funds_target: MultiYearTarget, tmp_path: Path) -> MultiYearTarget:
    load(
        tmp_path,
        [
            (TONGNAN, f"{FIRST}年", "招商引资到位资金", "200"),
            (TONGNAN, f"{FIRST + 1}年1-6月", "招商引资到位资金", "150"),
        ],
    )
    services.set_target(None, TONGNAN, "zsyz_dw", FIRST, value="200")
    return funds_target


SENTENCE = f"到{LAST}年实现招商引资到位资金1000亿元,截至{FIRST + 1}年6月累计完成350亿元,占目标的35.0%,高于序时进度5.0个百分点"


def test_the_pages(with_figures: MultiYearTarget, users: dict, client_for: Any) -> None:
    from tiaodu.accounts.services import create_user

    web = client_for(users["leader"])
    listing = web.get("/targets/").content.decode()
    assert 'id="multiyear-section"' in listing and SENTENCE in listing
    page = web.get("/targets/multiyear/", {"region": TONGNAN}).content.decode()
    assert SENTENCE in page and "区招商投资局" in page
    earlier = web.get("/targets/multiyear/", {"period": f"{FIRST}年12月"}).content.decode()
    assert f"截至{FIRST}年12月累计完成200亿元,占目标的20.0%,持平" not in earlier
    assert f"截至{FIRST}年12月累计完成200亿元,占目标的20.0%,与序时进度持平" in earlier
    bad = web.get("/targets/multiyear/", {"period": "某月"})
    assert bad.status_code == 200 and 'id="multiyear-error"' in bad.content.decode()
    detail = web.get(f"/targets/multiyear/{with_figures.pk}/").content.decode()
    assert SENTENCE in detail and 'id="year-table"' in detail
    assert f"{FIRST + 1}年、{FIRST + 2}年、{FIRST + 3}年、{FIRST + 4}年未设定年度目标" in detail
    other = create_user(None, username="ddk-leader-page", role="leader", region_code=DADUKOU).user
    assert client_for(other).get(f"/targets/multiyear/{with_figures.pk}/").status_code == 404
    assert SENTENCE not in client_for(other).get("/targets/multiyear/").content.decode()
    imp = web.get("/targets/import/targets-multiyear/").content.decode()
    assert "目标期" in imp and 'id="import-kinds"' in imp
    template = web.get("/targets/import/targets-multiyear/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_the_api(with_figures: MultiYearTarget, users: dict, bearer: Any) -> None:
    from django.test import Client

    from tiaodu.accounts.services import create_user

    headers = bearer(users["leader"])
    got = Client().get("/api/v1/targets/multiyear", {"region": TONGNAN, "year": FIRST + 1}, **headers).json()
    (item,) = [i for i in got["results"] if i["id"] == with_figures.pk]
    assert (item["first_year"], item["last_year"], item["value"]) == (FIRST, LAST, "1000")
    assert item["progress"]["sentence"] == SENTENCE
    assert (item["progress"]["completion"], item["progress"]["time_progress"]) == ("35.0", "30.0")
    assert item["progress"]["years"][0] == {
        "year": FIRST,
        "part": "200",
        "part_text": "200亿元",
        "actual": "200",
        "actual_text": "200亿元",
        "data_period": "全年",
        "state": "full",
    }
    one = (
        Client()
        .get(f"/api/v1/targets/multiyear/{with_figures.pk}", {"period": f"{FIRST}年12月"}, **headers)
        .json()
    )
    assert "progress" in one, one
    assert one["progress"]["completed"] == "200" and one["revisions"][0]["version"] == 1
    outside = Client().get("/api/v1/targets/multiyear", {"year": 2040}, **headers).json()
    assert all(i["id"] != with_figures.pk for i in outside["results"])
    other = create_user(None, username="ddk-leader-api", role="leader", region_code=DADUKOU).user
    assert Client().get(f"/api/v1/targets/multiyear/{with_figures.pk}", **bearer(other)).status_code == 404
    assert Client().get("/api/v1/targets/multiyear", **bearer(other)).json()["count"] == 0


def test_the_demo_sets_the_seed_target(no_targets: Any) -> None:
    from tiaodu.monitoring.demo import load_monitoring_demo
    from tiaodu.targets.demo import load_targets_demo

    MultiYearTarget.objects.all().delete()
    load_monitoring_demo()
    load_targets_demo()
    target = MultiYearTarget.objects.get(region__code=TONGNAN, indicator__code="zsyz_dw")
    assert (target.first_year, target.last_year, target.value) == (2022, 2026, D("1000"))
    assert target.responsible is not None and target.responsible.short_name == "招商投资局"
    p = multiyear.progress(target, "2022年一季度")
    assert p.sentence.startswith("到2026年实现招商引资到位资金1000亿元,截至2022年")
    assert p.years[0].part is not None  # the demo's 2022 annual target is the first yearly part
    load_targets_demo()  # idempotent
    assert MultiYearTarget.objects.filter(region__code=TONGNAN).count() == 1


def test_the_api_writes(users: dict, bearer: Any) -> None:
    from django.test import Client

    from tiaodu.orgs.models import Organization

    headers = bearer(users["leader"])
    body = {"region": TONGNAN, "indicator": "zsyz_dw", "first_year": 2040, "last_year": 2044, "value": "1000"}
    made = Client().post("/api/v1/targets/multiyear", body, content_type="application/json", **headers)
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["target_text"] == "到2044年实现招商引资到位资金1000亿元"
    again = Client().post("/api/v1/targets/multiyear", body, content_type="application/json", **headers)
    assert (again.status_code, again.json()["code"]) == (409, "multiyear_target_exists")
    bad = Client().post(
        "/api/v1/targets/multiyear",
        {**body, "indicator": "gdp_zs", "last_year": 2039},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422
    assert {e["code"] for e in bad.json()["errors"]} == {"span_reversed", "indicator_not_summable"}
    unit = Organization.objects.get(region__code=TONGNAN, short_name="招商投资局")
    patched = (
        Client()
        .patch(
            f"/api/v1/targets/multiyear/{pk}",
            {"value": "1100", "responsible_id": unit.pk, "reason": "调整"},
            content_type="application/json",
            **headers,
        )
        .json()
    )
    assert (patched["version"], patched["value"], patched["responsible_name"]) == (2, "1100", "区招商投资局")
    assert [r["reason"] for r in patched["revisions"]] == ["调整", ""]
    guxi = bearer(users["guxi"])
    assert Client().delete(f"/api/v1/targets/multiyear/{pk}", **guxi).status_code in (403, 404)
    assert Client().delete(f"/api/v1/targets/multiyear/{pk}", **headers).status_code == 204
    assert not MultiYearTarget.objects.filter(pk=pk).exists()


def test_the_form(users: dict, client_for: Any) -> None:
    web = client_for(users["leader"])
    page = web.get("/targets/multiyear/new/").content.decode()
    assert "起始年" in page and "目标增速" not in page and "地区生产总值(" not in page
    data = {
        "region": TONGNAN,
        "indicator": "zsyz_dw",
        "first_year": "2040",
        "last_year": "2044",
        "value": "1000",
    }
    response = web.post("/targets/multiyear/new/", data)
    target = MultiYearTarget.objects.get(region__code=TONGNAN, first_year=2040)
    assert response.status_code == 302 and response["Location"] == f"/targets/multiyear/{target.pk}/"
    again = web.post("/targets/multiyear/new/", data)
    assert again.status_code == 422 and "该地区已设定此指标同一目标期的多年目标" in again.content.decode()
    bad = web.post("/targets/multiyear/new/", {**data, "first_year": "2045", "value": "0"})
    text = bad.content.decode()
    assert bad.status_code == 422 and "不能早于起始年" in text and "多年目标值须大于0" in text
    assert (
        web.post(f"/targets/multiyear/{target.pk}/edit/", {"value": "1200", "reason": "中期调整"}).status_code
        == 302
    )
    target.refresh_from_db()
    assert (target.value, target.version, target.first_year) == (D("1200"), 2, 2040)
    assert "中期调整" in web.get(f"/targets/multiyear/{target.pk}/").content.decode()
    guxi = client_for(users["guxi"])
    assert guxi.get("/targets/multiyear/new/").status_code == 403
    assert guxi.get(f"/targets/multiyear/{target.pk}/edit/").status_code in (403, 404)
