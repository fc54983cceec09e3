"""The monitoring demo, dashboard, choropleth, figure pages and the /api/v1/monitoring endpoints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tiaodu.monitoring.charts import line_svg, rank_svg
from tiaodu.monitoring.demo import TONGNAN, TONGNAN_INDEX_RANKS, load_monitoring_demo
from tiaodu.monitoring.models import IndexValue, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> dict[str, int]:
    return load_monitoring_demo()


def test_demo_is_consistent_and_idempotent(demo: dict[str, int]) -> None:
    assert demo["figures"] > 2000
    ranks = list(
        IndexValue.objects.filter(index__code="gyzs_city", region__code=TONGNAN)
        .order_by("period__end")
        .values_list("rank", flat=True)
    )
    assert tuple(ranks) == TONGNAN_INDEX_RANKS
    # every county unit has each month's published index, ranked 1..38 with no gaps or ties
    for key in ("2022-M01-02", "2022-H1"):
        ranked = sorted(
            IndexValue.objects.filter(index__code="gyzs_city", period__key=key).values_list("rank", flat=True)
        )
        assert ranked == list(range(1, 39))
    assert load_monitoring_demo()["figures"] == 0  # the same figures again: nothing new


def test_demo_says_what_the_seed_says(demo: dict[str, int]) -> None:
    from tiaodu.monitoring.computations import compare

    index = compare(TONGNAN, "2022年1-2月", "工业经济运行综合指数")
    invest = compare(TONGNAN, "2022年1-2月", "工业投资")
    tech = compare(TONGNAN, "2022年1-2月", "工业技术改造投资")
    assert (index.value_text, index.rank_text) == ("74.41", "排名全市第12位")
    assert (invest.value_text, invest.growth_text, invest.rank, invest.group_rank) == (
        "18.09亿元",
        "同比增长22.5%",
        17,
        9,
    )
    assert (tech.share_text, tech.rank_text, tech.group_rank_text) == (
        "占工业投资比重40.9%",
        "排名全市第6位",
        "考核组第6位",
    )


def test_dashboard_page(demo: dict[str, int], users: dict[str, Any], client_for: Any) -> None:
    response = client_for(users["leader"]).get("/monitoring/", {"region": TONGNAN, "period": "2022-M01-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "潼南区2022年1月—2月经济运行监测" in html
    assert "74.41" in html and "74.4100" not in html
    assert "排名全市第12位" in html  # the published index
    assert "90%区间" in html  # the computed index with its rank interval
    assert "高于全市7.9个百分点" in html and "同比增长22.5%" in html
    assert 'data-indicator="gy_tz"' in html
    assert "<svg" in html  # trend and rank-history charts


def test_dashboard_defaults_to_the_latest_period(
    demo: dict[str, int], users: dict[str, Any], client_for: Any
) -> None:
    html = client_for(users["guxi"]).get("/monitoring/").content.decode()  # a town user: its district
    assert "潼南区2022年上半年经济运行监测" in html
    assert "排名全市第8位" in html


def test_dashboard_refused_outside_government(users: dict[str, Any], client_for: Any) -> None:
    assert client_for(users["qiye"]).get("/monitoring/").status_code == 403
    assert (
        client_for(users["yezhu"])
        .get("/monitoring/choropleth.json?index=gyzs&period=2022-M01-02")
        .status_code
        == 403
    )


def test_dashboard_bad_period_is_a_form_error(users: dict[str, Any], client_for: Any) -> None:
    response = client_for(users["leader"]).get("/monitoring/", {"region": TONGNAN, "period": "2022年13月"})
    assert response.status_code == 200
    assert "月份应在1至12之间" in response.content.decode()


def test_choropleth(demo: dict[str, int], users: dict[str, Any], client_for: Any) -> None:
    response = client_for(users["jxw"]).get(
        "/monitoring/choropleth.json", {"index": "gyzs_city", "period": "2022-M01-02"}
    )
    assert response.status_code == 200
    data = response.json()
    assert len(data["features"]) == 38
    tongnan = next(f for f in data["features"] if f["properties"]["code"] == TONGNAN)
    assert tongnan["properties"] == {
        "code": TONGNAN,
        "name": "潼南区",
        "value": 74.41,
        "rank": 12,
        "suppressed": False,
        "note": "",
    }
    assert tongnan["geometry"]["type"] == "MultiPolygon"
    assert len(response.content) < 300_000  # simplified outlines
    assert "Content-Encoding" not in response  # the browser did not ask for gzip


def test_choropleth_is_compressed_for_browsers_that_accept_gzip(
    demo: dict[str, int], users: dict[str, Any], client_for: Any
) -> None:
    import gzip
    import json

    client = client_for(users["jxw"])
    params = {"index": "gyzs_city", "period": "2022-M01-02"}
    plain = client.get("/monitoring/choropleth.json", params)
    packed = client.get("/monitoring/choropleth.json", params, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 2
    assert json.loads(gzip.decompress(packed.content)) == plain.json()


def test_simplified_outline_keeps_the_shape() -> None:
    from tiaodu.regions.boundaries import outline, simplified_outline

    full, simple = outline(TONGNAN), simplified_outline(TONGNAN)
    assert full is not None and simple is not None

    def points(g: dict[str, Any]) -> list[list[float]]:
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        return [pt for poly in polys for ring in poly for pt in ring]

    a, b = points(full), points(simple)
    assert len(b) < len(a) / 3
    for axis in (0, 1):  # the extent moves by less than the tolerance
        assert abs(min(p[axis] for p in a) - min(p[axis] for p in b)) < 0.003
        assert abs(max(p[axis] for p in a) - max(p[axis] for p in b)) < 0.003


def test_figure_versions_page(users: dict[str, Any], client_for: Any, tmp_path: Any) -> None:
    from tiaodu.core.imports import run_import

    for value in ("10", "10.5"):
        path = tmp_path / f"v{value}.csv"
        path.write_text(f"地区代码,期别,指标,数值\n500152,2019年3月,工业用电量,{value}\n", encoding="utf-8")
        assert run_import("indicators", path).ok
    current = IndicatorValue.objects.get(region__code=TONGNAN, period__key="2019-M03", is_current=True)
    assert current.value == Decimal("10.5") and current.version == 2
    html = client_for(users["leader"]).get(f"/monitoring/figures/{current.pk}/").content.decode()
    assert "v10.5.csv" in html and "v10.csv" in html
    listing = client_for(users["leader"]).get(
        "/monitoring/figures/", {"region": TONGNAN, "period": "2019-M03"}
    )
    assert "v10.5.csv" in listing.content.decode()
    assert client_for(users["qiye"]).get(f"/monitoring/figures/{current.pk}/").status_code == 403


def test_api(demo: dict[str, int], users: dict[str, Any], client: Any, bearer: Any) -> None:
    headers = bearer(users["leader"])
    board = client.get(f"/api/v1/monitoring/dashboard?region={TONGNAN}&period=2022年1-2月", **headers).json()
    published = next(i for i in board["indices"] if i["code"] == "gyzs_city")
    assert (published["value"], published["rank"], published["ranked"]) == ("74.41", 12, 38)
    computed = next(i for i in board["indices"] if i["code"] == "gyzs")
    assert computed["interval"].startswith(f"第{computed['rank']}位(90%区间")
    ranking = client.get("/api/v1/monitoring/ranking?period=2022年1-2月&indicator=工业投资", **headers).json()
    row = next(r for r in ranking["rows"] if r["region_code"] == TONGNAN)
    assert (ranking["ranked"], row["figure"], row["rank"], row["group_rank"]) == (38, "22.5", 17, 9)
    c = client.get(
        f"/api/v1/monitoring/compare?region={TONGNAN}&period=2022年1-2月&indicator=规上工业增加值增速",
        **headers,
    )
    assert [b["phrase"] for b in c.json()["benchmarks"]] == ["高于全市2.1个百分点", "高于全国2.5个百分点"]
    results = client.get("/api/v1/monitoring/indices/gyzs_city/results?period=2022-M01-02", **headers).json()
    assert results["rows"][0]["rank"] == 1 and len(results["rows"]) == 38
    missing = client.get("/api/v1/monitoring/indices/gyzs_city/results?period=2019年1-2月", **headers)
    assert missing.status_code == 404 and missing.json()["code"] == "index_not_computed"
    bad = client.get(
        f"/api/v1/monitoring/compare?region={TONGNAN}&period=2022年第五季度&indicator=工业投资", **headers
    )
    assert bad.status_code in (400, 422)
    catalogue = client.get("/api/v1/monitoring/indicators?page_size=100", **headers).json()["results"]
    assert {i["code"] for i in catalogue if i["may_be_negative"]} == {"lrze"}
    outsider = bearer(users["qiye"])
    assert client.get(f"/api/v1/monitoring/dashboard?region={TONGNAN}", **outsider).status_code == 403
    assert client.get("/api/v1/monitoring/figures", **outsider).json()["results"] == []


def test_charts_escape_labels() -> None:
    svg = line_svg([("<script>", Decimal("1.5")), ("2月", Decimal("2"))], "x<y")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<circle") == 2
    assert rank_svg([("1月—2月", 12), ("1月—3月", None)], 38).count("<circle") == 1


@pytest.mark.parametrize("raw", ["1e30", "-1e16", 1e40])
def test_values_out_of_range_are_refused_with_a_code(raw: Any) -> None:
    from tiaodu.core.errors import InvalidInput
    from tiaodu.monitoring.services import to_value

    with pytest.raises(InvalidInput) as caught:
        to_value(raw)
    assert caught.value.errors[0].code == "number_too_large"


def test_index_results_keep_township_figures_in_their_district(
    users: dict[str, Any], client: Any, bearer: Any, tmp_path: Any
) -> None:
    """An index over a district's townships: its users see the results, another district's don't."""
    import json

    from tiaodu.core.imports import run_import
    from tiaodu.monitoring.indexes import compute_index, define_index

    towns = ["500152103", "500152107", "500152001"]
    path = tmp_path / "towns.csv"
    path.write_text(
        "地区代码,期别,指标,数值\n"
        + "".join(f"{c},2019年3月,规上工业增加值增速,{5 + i}\n" for i, c in enumerate(towns)),
        encoding="utf-8",
    )
    assert run_import("indicators", path).ok
    spec = {
        "code": "town_idx",
        "name": "镇街指数",
        "compare": TONGNAN,
        "indicators": [{"indicator": "规上工业增加值增速", "weight": 1}],
    }
    define_index(None, json.dumps(spec, ensure_ascii=False))
    compute_index(None, "town_idx", "2019年3月")
    url = "/api/v1/monitoring/indices/town_idx/results?period=2019年3月"
    own = client.get(url, **bearer(users["leader"])).json()
    assert {r["region_code"] for r in own["rows"]} >= set(towns)
    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region

    other = User.objects.create_user(
        username="ddk-leader-idx", password="x", role="leader", region=Region.objects.get(code="500104")
    )
    outside = client.get(url, **bearer(other))
    assert outside.status_code == 404 or not (set(towns) & {r["region_code"] for r in outside.json()["rows"]})


def test_a_township_index_card_ranks_among_all_the_district_townships(
    users: dict[str, Any], tmp_path: Any
) -> None:
    """A township user sees its own township ranked among all 潼南区's townships: the interval is
    drawn over the same regions as the stored rank (not over the one township the user may see),
    and the rank is said within 全区, not 全市."""
    import json

    from tiaodu.core.imports import run_import
    from tiaodu.monitoring.dashboard import build_dashboard
    from tiaodu.monitoring.indexes import compute_index, define_index, rank_interval

    guxi = "500152103"  # the guxi user's township, last on both figures
    towns = ["500152001", "500152002", "500152101", "500152107", guxi]
    path = tmp_path / "towns.csv"
    path.write_text(
        "地区代码,期别,规上工业增加值增速,规模以上工业总产值增速\n"
        + "".join(f"{c},2019年3月,{9 - i},{12 - 2 * i}\n" for i, c in enumerate(towns)),
        encoding="utf-8",
    )
    assert run_import("indicators", path).ok
    spec = {
        "code": "town_idx",
        "name": "镇街指数",
        "compare": TONGNAN,
        "indicators": [
            {"indicator": "规上工业增加值增速", "weight": 1},
            {"indicator": "规模以上工业总产值增速", "weight": 1},
        ],
    }
    define_index(None, json.dumps(spec, ensure_ascii=False))
    compute_index(None, "town_idx", "2019年3月")
    stored = IndexValue.objects.get(index__code="town_idx", region__code=guxi, period__key="2019-M03")
    assert stored.rank == 5

    board = build_dashboard(guxi, "2019年3月", users["guxi"])
    card = next(c for c in board.indices if c.code == "town_idx")
    assert card.rank == 5
    assert card.rank_text == "排名全区第5位"
    assert card.interval.startswith("第5位(90%区间") and card.interval.endswith("5位)")
    # Another township's interval is not shown to this user.
    from tiaodu.monitoring.indexes import get_index

    assert rank_interval(get_index("town_idx"), "2019年3月", "500152001", users["guxi"]) is None
    assert rank_interval(get_index("town_idx"), "2019年3月", "500152001") is not None


def test_index_card_says_the_compared_whole() -> None:
    from tiaodu.monitoring.dashboard import IndexCard

    assert IndexCard("x", "x", "computed", None, 3, None, 38).rank_text == "排名全市第3位"
    assert IndexCard("x", "x", "computed", None, 3, None, 9, word="全区").rank_text == "排名全区第3位"
