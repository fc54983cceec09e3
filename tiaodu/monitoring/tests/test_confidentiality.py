"""统计保密 (issue 13, L4; ADR 0033): a rolled-up figure of fewer than 3 enterprises, or one in
which one enterprise makes more than 85% of the total, is withheld — "—" with a note, never 0 —
from every reader who may not see the enterprise figures it sums, on pages, in the API, exports,
the map JSON, charts and the bulletin; and so is a complementary cell that would give it away."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.core.imports import run_import
from tiaodu.enterprises.services import save_enterprise
from tiaodu.monitoring import charts, confidentiality
from tiaodu.monitoring.computations import compare, figures, ranking
from tiaodu.monitoring.confidentiality import (
    COMPLEMENTARY,
    DOMINANT,
    FEW,
    NOTE,
    UNASSESSED,
    Viewer,
    may_see_enterprise_figures,
    primary_reason,
)
from tiaodu.monitoring.models import IndicatorValue
from tiaodu.monitoring.rollup import rollup
from tiaodu.monitoring.tests.test_rollup import CITY, DADUKOU, GUXI, TONGNAN, YUXI, credit
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

PERIOD = "2022年1-2月"
KEY = "2022-M01-02"
OUTPUT = "规模以上工业总产值"


def third_township() -> str:
    town = Region.objects.filter(parent__code=TONGNAN).exclude(code__in=[GUXI, YUXI]).order_by("code").first()
    assert town is not None
    return town.code


def load(tmp_path: Path, rows: list[tuple[str, str, str]], name: str = "out.csv", first: int = 1) -> None:
    """(township code, period, 规上工业产值) per enterprise: each row a new enterprise (serials
    from ``first``), then the roll-up."""
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["统一社会信用代码", "期别", OUTPUT])
        for serial, (town, period, value) in enumerate(rows, start=first):
            code = credit(100 + serial)
            save_enterprise(None, code, town, name=f"保密测试企业{serial}")
            writer.writerow([code, period, value])
    result = run_import("enterprise-data", path)
    assert result.ok, result.error_lines()
    rollup()


@pytest.fixture
def one_firm_town(tmp_path: Path) -> str:
    """古溪镇 three firms, 玉溪镇 one firm, a third township three firms; 大渡口区 one firm."""
    third = third_township()
    load(
        tmp_path,
        [
            (GUXI, PERIOD, "10"),
            (GUXI, PERIOD, "12"),
            (GUXI, PERIOD, "14"),
            (YUXI, PERIOD, "5"),
            (third, PERIOD, "20"),
            (third, PERIOD, "21"),
            (third, PERIOD, "22"),
            (Region.objects.filter(parent__code=DADUKOU).order_by("code").first().code, PERIOD, "7"),  # type: ignore[union-attr]
        ],
    )
    return third


# --- the rule ----------------------------------------------------------------------------------------


def test_who_may_see_enterprise_figures(users: dict[str, Any]) -> None:
    """The same slice as the enterprise figures' own scope: a region inside the user's subtree for
    district leaders, departments and townships; everywhere for administrators and the CLI; never
    a whole region for squads, enterprises and project owners."""
    tongnan, guxi, dadukou, city = (Region.objects.get(code=c) for c in (TONGNAN, GUXI, DADUKOU, CITY))
    assert may_see_enterprise_figures(None, city)
    assert may_see_enterprise_figures(users["admin"], city) and may_see_enterprise_figures(users["admin"])
    for name in ("leader", "jxw"):
        assert may_see_enterprise_figures(users[name], tongnan)
        assert may_see_enterprise_figures(users[name], guxi)
        assert not may_see_enterprise_figures(users[name], dadukou)
        assert not may_see_enterprise_figures(users[name], city)
        assert not may_see_enterprise_figures(users[name])
    assert may_see_enterprise_figures(users["guxi"], guxi)
    assert not may_see_enterprise_figures(users["guxi"], tongnan)
    assert not may_see_enterprise_figures(users["yuxi"], guxi)
    for name in ("squad1", "qiye", "yezhu"):
        assert not may_see_enterprise_figures(users[name], guxi)
    assert not Viewer(users["admin"], publication=True).may_see(guxi)


def test_which_rollups_are_sensitive(settings: Any) -> None:
    assert primary_reason(Decimal(100), None, None) is None  # a published figure, not a roll-up
    assert primary_reason(Decimal(100), 1, Decimal(100)) == FEW
    assert primary_reason(Decimal(100), 2, Decimal(60)) == FEW
    assert primary_reason(Decimal(100), 3, Decimal(86)) == DOMINANT
    assert primary_reason(Decimal(100), 3, Decimal(85)) is None
    assert primary_reason(Decimal(-10), 5, Decimal(40)) == DOMINANT  # losses: against the absolute total
    assert primary_reason(Decimal(100), 3, None) == UNASSESSED  # rolled up before the largest was kept
    settings.STAT_MIN_CONTRIBUTORS, settings.STAT_DOMINANCE_PERCENT = 1, 90
    assert primary_reason(Decimal(100), 1, Decimal(80)) is None
    assert primary_reason(Decimal(100), 3, Decimal(86)) is None
    settings.STAT_MIN_CONTRIBUTORS = 0
    with pytest.raises(Exception, match="STAT_MIN_CONTRIBUTORS"):
        confidentiality.min_contributors()


def test_thresholds_from_the_environment(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STAT_MIN_CONTRIBUTORS", "STAT_DOMINANCE_PERCENT"):
        if hasattr(settings, name):
            delattr(settings, name)
    monkeypatch.setenv("TIAODU_STAT_MIN_CONTRIBUTORS", "5")
    monkeypatch.setenv("TIAODU_STAT_DOMINANCE_PERCENT", "60")
    assert confidentiality.min_contributors() == 5
    assert confidentiality.dominance_percent() == Decimal(60)
    assert primary_reason(Decimal(100), 4, Decimal(10)) == FEW


def test_rollup_keeps_the_largest_figure(tmp_path: Path) -> None:
    load(tmp_path, [(GUXI, PERIOD, "10"), (GUXI, PERIOD, "30"), (YUXI, PERIOD, "5")])
    guxi = IndicatorValue.objects.get(region__code=GUXI, period__key=KEY, is_current=True)
    county = IndicatorValue.objects.get(region__code=TONGNAN, period__key=KEY, is_current=True)
    assert (guxi.contributors, guxi.largest) == (2, Decimal(30))
    assert (county.value, county.contributors, county.largest) == (Decimal(45), 3, Decimal(30))


# --- computations, pages, API -------------------------------------------------------------------------


@pytest.mark.usefixtures("one_firm_town")
def test_a_one_firm_township_is_withheld_from_who_may_not_see_it(users: dict[str, Any]) -> None:
    """The squad member reads the township figures of the district but none of its enterprises:
    玉溪镇's one firm is "—" with the note, never 0. The leader, who may see every enterprise of
    the district, and 玉溪's own staff, who collect its figures, see the number."""
    hidden = compare(YUXI, PERIOD, OUTPUT, user=users["squad1"])
    assert hidden.value is None and hidden.value_text == "—"
    assert hidden.figures.suppressed and hidden.rank is None
    assert f"{OUTPUT}{NOTE}" in hidden.notes
    assert not any("缺失" in n for n in hidden.notes)
    as_dict = hidden.as_dict()
    assert as_dict["value"] is None and as_dict["suppressed"] is True
    assert as_dict["suppressed_reason"] == "confidential"
    for name in ("leader", "jxw", "yuxi", "admin"):
        shown = compare(YUXI, PERIOD, OUTPUT, user=users[name])
        assert shown.value == Decimal(5) and not shown.figures.withheld, name
    assert compare(YUXI, PERIOD, OUTPUT).value == Decimal(5)  # the CLI (server operator)


def hidden_cells(user: Any) -> dict[str, str]:
    """region code → why withheld from ``user``, for the output figures of the period."""
    pair = IndicatorValue.objects.filter(period__key=KEY).values_list("indicator_id", "period_id").first()
    assert pair is not None
    found = confidentiality.suppressed(Viewer(user), [pair])
    code = dict(Region.objects.filter(pk__in=[r for r, _, _ in found]).values_list("pk", "code"))
    return {code[r]: reason for (r, _, _), reason in found.items()}


def derivable(user: Any) -> list[str]:
    """Withheld cells a reader could compute by one subtraction or one sum from what is shown."""
    rows = {
        r.region.code: r
        for r in IndicatorValue.objects.filter(period__key=KEY, is_current=True).select_related("region")
    }
    visible = set(
        IndicatorValue.objects.restrict(user).filter(period__key=KEY).values_list("region__code", flat=True)
    )
    hidden = hidden_cells(user)
    sensitive = {c for c, r in rows.items() if primary_reason(r.value, r.contributors, r.largest)}

    def shown(c: str) -> bool:
        return c in visible and c not in hidden

    def parent(c: str) -> str | None:
        path = rows[c].region.path.strip("/").split("/")[:-1]
        return next((p for p in reversed(path) if p in rows), None)

    kids: dict[str, list[str]] = {}
    for c in rows:
        if (p := parent(c)) is not None:
            kids.setdefault(p, []).append(c)
    out = []
    for p, ks in kids.items():
        concealed = [k for k in ks if not shown(k)]
        lone = concealed[0] if len(concealed) == 1 else None
        if shown(p) and lone and (lone in hidden or lone in sensitive):
            out += [] if may_see_enterprise_figures(user, rows[lone].region) else [lone]
        if p in hidden and all(shown(k) for k in ks):
            out.append(p)
    return out


def test_complementary_cells(one_firm_town: str, users: dict[str, Any]) -> None:
    """Secondary disclosure: a shown total less every shown part would be the withheld part."""
    squad = hidden_cells(users["squad1"])
    assert squad[YUXI] == FEW and squad[DADUKOU] == FEW
    assert COMPLEMENTARY in squad.values()
    # 古溪's staff see their own township and the county total, not 玉溪: the county less 古溪 and
    # the third township would be 玉溪's one firm, and no township can be hidden for them (they
    # may see 古溪's firms), so the total goes
    assert hidden_cells(users["guxi"]) == {TONGNAN: COMPLEMENTARY, DADUKOU: FEW}
    # the leader sees the whole district: the other district's one firm is withheld, and so the
    # city total (the city less 潼南 would be 大渡口)
    assert hidden_cells(users["leader"]) == {DADUKOU: FEW, CITY: COMPLEMENTARY}
    assert hidden_cells(users["admin"]) == {} and hidden_cells(None) == {}
    for name in ("squad1", "guxi", "yuxi", "leader", "jxw"):
        assert derivable(users[name]) == [], name
    county = compare(TONGNAN, PERIOD, OUTPUT, user=users["guxi"])
    assert county.value is None and f"{OUTPUT}{NOTE}" in county.notes
    assert compare(TONGNAN, PERIOD, OUTPUT, user=users["leader"]).value == Decimal(104)


def test_a_complementary_township(tmp_path: Path, users: dict[str, Any]) -> None:
    """One district only: the squad sees the county total and all townships but 玉溪, so the
    smaller of the other two (古溪 36 < 63) is withheld with it."""
    third = third_township()
    load(
        tmp_path,
        [
            (GUXI, PERIOD, "10"),
            (GUXI, PERIOD, "12"),
            (GUXI, PERIOD, "14"),
            (YUXI, PERIOD, "5"),
            (third, PERIOD, "20"),
            (third, PERIOD, "21"),
            (third, PERIOD, "22"),
        ],
    )
    assert hidden_cells(users["squad1"]) == {YUXI: FEW, GUXI: COMPLEMENTARY}
    assert derivable(users["squad1"]) == []
    guxi = compare(GUXI, PERIOD, OUTPUT, user=users["squad1"])
    assert guxi.value is None and guxi.value_text == "—" and f"{OUTPUT}{NOTE}" in guxi.notes
    assert compare(third, PERIOD, OUTPUT, user=users["squad1"]).value == Decimal(63)


@pytest.mark.usefixtures("one_firm_town")
def test_a_dominant_firm(tmp_path: Path, users: dict[str, Any], settings: Any) -> None:
    third = Region.objects.get(code=third_township())
    load(
        tmp_path,
        [(third.code, "2022年3月", "90"), (third.code, "2022年3月", "5"), (third.code, "2022年3月", "4")],
        name="dominant.csv",
        first=20,
    )
    assert figures(OUTPUT, "2022年3月", [third], users["squad1"])[third.pk].suppressed
    settings.STAT_DOMINANCE_PERCENT = 95
    assert figures(OUTPUT, "2022年3月", [third], users["squad1"])[third.pk].value == Decimal(99)


@pytest.mark.usefixtures("one_firm_town")
def test_ranking_leaves_a_withheld_unit_unranked(users: dict[str, Any]) -> None:
    table = ranking(TONGNAN, OUTPUT, PERIOD, users["squad1"])
    row = table.row(YUXI)
    assert row is not None and row.figures.value is None and row.rank is None
    assert ranking(TONGNAN, OUTPUT, PERIOD, users["leader"]).row(YUXI).figures.value == 5  # type: ignore[union-attr]


@pytest.mark.usefixtures("one_firm_town")
def test_api(users: dict[str, Any], client: Any, bearer: Any) -> None:
    def figures_of(user: Any) -> dict[str, dict[str, Any]]:
        response = client.get("/api/v1/monitoring/figures", {"period": KEY, "page_size": 200}, **bearer(user))
        assert response.status_code == 200
        return {r["region_code"]: r for r in response.json()["results"]}

    squad = figures_of(users["squad1"])[YUXI]
    assert squad["value"] is None and squad["suppressed"] is True
    assert squad["suppressed_reason"] == "confidential" and NOTE in squad["note"]
    leader = figures_of(users["leader"])[YUXI]
    assert leader["value"] == "5.0000" and leader["suppressed"] is False and leader["note"] == ""

    cmp = client.get(
        "/api/v1/monitoring/compare",
        {"region": YUXI, "period": PERIOD, "indicator": OUTPUT},
        **bearer(users["squad1"]),
    ).json()
    assert cmp["value"] is None and cmp["value_text"] == "—" and cmp["suppressed"] is True
    ranked = client.get(
        "/api/v1/monitoring/ranking",
        {"parent": TONGNAN, "period": PERIOD, "indicator": OUTPUT},
        **bearer(users["squad1"]),
    ).json()
    row = next(r for r in ranked["rows"] if r["region_code"] == YUXI)
    assert row["value"] is None and row["suppressed"] is True and row["rank"] is None
    board = client.get(
        "/api/v1/monitoring/dashboard", {"region": YUXI, "period": PERIOD}, **bearer(users["squad1"])
    ).json()
    card = next(c for c in board["cards"] if c["indicator_code"] == "gy_zcz")
    assert card["value_text"] == "—" and card["suppressed"] is True
    assert card["trend"] == [["1月—2月", None]] or card["trend"] == [("1月—2月", None)]
    assert any(NOTE in n for n in card["notes"])


@pytest.mark.usefixtures("one_firm_town")
def test_pages_and_exports(users: dict[str, Any], client_for: Any) -> None:
    squad, leader = client_for(users["squad1"]), client_for(users["leader"])
    url = reverse("monitoring:figures")
    html = squad.get(url, {"region": YUXI}).content.decode()
    assert 'data-label="数值">—</td>' in html
    assert ">5.0000<" not in html and ">0<" not in html
    assert ">5.0000<" in leader.get(url, {"region": YUXI}).content.decode()
    export = squad.get(url, {"region": YUXI, "export": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(export)))
    assert rows[1][3] == "—"
    assert (
        list(
            csv.reader(
                io.StringIO(leader.get(url, {"region": YUXI, "export": "csv"}).content.decode("utf-8-sig"))
            )
        )[1][3]
        == "5.0000"
    )
    figure = IndicatorValue.objects.get(region__code=YUXI, period__key=KEY, is_current=True)
    detail = squad.get(reverse("monitoring:figure", args=[figure.pk])).content.decode()
    assert '<strong id="current-value">—</strong>' in detail and NOTE in detail and "5.0000" not in detail
    assert "5.0000" in leader.get(reverse("monitoring:figure", args=[figure.pk])).content.decode()
    # the dashboard of the county: 古溪's staff may not have its total (it would give 玉溪 away)
    page = client_for(users["guxi"]).get(reverse("monitoring:dashboard"), {"region": TONGNAN, "period": KEY})
    card = page.content.decode().split('data-indicator="gy_zcz"', 1)[1].split('data-indicator="', 1)[0]
    assert '<div class="fs-4">—</div>' in card and NOTE in card and "104" not in card
    page = leader.get(reverse("monitoring:dashboard"), {"region": TONGNAN, "period": KEY}).content.decode()
    assert "104亿元" in page.split('data-indicator="gy_zcz"', 1)[1]


def test_a_chart_shows_a_withheld_period_as_a_dash() -> None:
    svg = str(charts.line_svg([("1月", Decimal(3)), ("1月—2月", None), ("1月—3月", Decimal(9))], "产值"))
    assert ">—</text>" in svg and NOTE in svg
    assert svg.count("<circle") == 2 and ">0<" not in svg


def test_the_map_and_the_index(tmp_path: Path, users: dict[str, Any], client_for: Any) -> None:
    """An index over the county units whose component is a one-firm roll-up of 大渡口区: the
    leader of 潼南 does not see 大渡口's enterprises, so its value and rank are withheld."""
    from django.utils import timezone

    from tiaodu.monitoring.models import CompositeIndex, IndexValue
    from tiaodu.monitoring.services import period_row

    load(
        tmp_path,
        [
            (GUXI, PERIOD, "10"),
            (GUXI, PERIOD, "12"),
            (YUXI, PERIOD, "14"),
            (Region.objects.filter(parent__code=DADUKOU).order_by("code").first().code, PERIOD, "7"),  # type: ignore[union-attr]
        ],
    )
    spec = {
        "code": "cz",
        "name": "产值指数",
        "compare": CITY,
        "indicators": [{"indicator": OUTPUT, "weight": 1}],
    }
    index = CompositeIndex.objects.create(code="cz", name="产值指数", spec=spec)
    period = period_row(PERIOD)
    for code, value, rank in ((TONGNAN, "1.5", 1), (DADUKOU, "-1.5", 2)):
        IndexValue.objects.create(
            index=index,
            region=Region.objects.get(code=code),
            period=period,
            value=Decimal(value),
            rank=rank,
            origin="computed",
            computed_at=timezone.now(),
        )

    def features(user: Any) -> dict[str, dict[str, Any]]:
        response = client_for(user).get(reverse("monitoring:choropleth"), {"index": "cz", "period": KEY})
        assert response.status_code == 200
        return {f["properties"]["code"]: f["properties"] for f in response.json()["features"]}

    leader = features(users["leader"])
    assert leader[DADUKOU]["value"] is None and leader[DADUKOU]["rank"] is None
    assert leader[DADUKOU]["suppressed"] is True and NOTE in leader[DADUKOU]["note"]
    assert leader[TONGNAN]["value"] == 1.5 and leader[TONGNAN]["suppressed"] is False
    admin = features(users["admin"])
    assert admin[DADUKOU]["value"] == -1.5 and admin[DADUKOU]["rank"] == 2

    from tiaodu.monitoring.indexes import stored_run

    run = stored_run("cz", PERIOD, users["leader"])
    assert run is not None
    row = next(r for r in run.rows if r.region_code == DADUKOU)
    assert row.value is None and row.rank is None and any(NOTE in n for n in row.notes)


def test_the_bulletin_is_a_publication(tmp_path: Path, users: dict[str, Any]) -> None:
    """A county total of two firms is withheld from the bulletin whoever makes it: the clause is
    left out with the note, its table cell reads "—" (None), never 0."""
    from tiaodu.monitoring.bulletin import build_bulletin
    from tiaodu.monitoring.services import record_value

    load(tmp_path, [(GUXI, PERIOD, "2.3"), (YUXI, PERIOD, "0.5")])
    record_value(None, "工业投资", TONGNAN, PERIOD, "18.09")  # something else to report
    for user in (None, users["leader"]):
        b = build_bulletin(TONGNAN, PERIOD, user)
        assert "2.8" not in " ".join(b.paragraphs)
        assert f"潼南区1月—2月{OUTPUT}{NOTE},通报未列此项" in b.notes
        table = next((t for t in b.tables if t.indicator_code == "gy_zcz"), None)
        if table is not None:
            own = next(r for r in table.rows if r.code == TONGNAN)
            assert own.cells[1] is None


def test_an_unchanged_sum_brings_its_largest_figure_up_to_date(tmp_path: Path) -> None:
    load(tmp_path, [(GUXI, PERIOD, "10"), (GUXI, PERIOD, "30"), (GUXI, PERIOD, "20")])
    firms = [credit(101), credit(102)]
    path = tmp_path / "same-sum.csv"
    path.write_text(
        f"统一社会信用代码,期别,{OUTPUT}\n{firms[0]},{PERIOD},20\n{firms[1]},{PERIOD},20\n", encoding="utf-8"
    )
    assert run_import("enterprise-data", path).ok
    rollup()
    guxi = IndicatorValue.objects.filter(region__code=GUXI, period__key=KEY)
    assert guxi.count() == 1  # the same sum: no new version
    assert guxi.get().largest == Decimal(20)


def test_an_earlier_version_of_few_firms_is_withheld(
    tmp_path: Path, users: dict[str, Any], client_for: Any
) -> None:
    """玉溪镇's first roll-up summed one firm; three more reported later. The current figure is
    shown to the squad, the earlier version stays "—"."""
    load(tmp_path, [(YUXI, PERIOD, "5")])
    load(tmp_path, [(YUXI, PERIOD, "6"), (YUXI, PERIOD, "7"), (YUXI, PERIOD, "8")], name="later.csv", first=2)
    versions = IndicatorValue.objects.filter(region__code=YUXI, period__key=KEY).order_by("version")
    assert [(v.contributors, v.is_current) for v in versions] == [(1, False), (4, True)]
    page = (
        client_for(users["squad1"]).get(reverse("monitoring:figure", args=[versions[1].pk])).content.decode()
    )
    assert '<strong id="current-value">' in page and NOTE not in page
    cells = page.split('id="versions"', 1)[1]
    assert ">—</td>" in cells and ">5.0000<" not in cells
    assert (
        ">5.0000<"
        in client_for(users["leader"])
        .get(reverse("monitoring:figure", args=[versions[0].pk]))
        .content.decode()
    )


def test_the_comparable_growth_of_one_firm_is_withheld(tmp_path: Path, users: dict[str, Any]) -> None:
    """古溪镇: three firms a year before, four this year, only one in both; the 同口径 growth
    would be that firm's own. Its own staff see it, the squad does not."""
    load(
        tmp_path,
        [
            (GUXI, "2021年1-2月", "10"),
            (GUXI, "2021年1-2月", "20"),
            (GUXI, "2021年1-2月", "30"),
            (GUXI, PERIOD, "12"),
            (GUXI, PERIOD, "13"),
            (GUXI, PERIOD, "14"),
        ],
    )
    path = tmp_path / "firm1.csv"
    path.write_text(f"统一社会信用代码,期别,{OUTPUT}\n{credit(101)},{PERIOD},11\n", encoding="utf-8")
    assert run_import("enterprise-data", path).ok
    rollup()
    guxi = Region.objects.get(code=GUXI)
    own = figures(OUTPUT, PERIOD, [guxi], users["guxi"])[guxi.pk]
    assert own.growth == Decimal("10.0") and own.growth_basis == "comparable"
    squad = figures(OUTPUT, PERIOD, [guxi], users["squad1"])[guxi.pk]
    assert squad.value == Decimal(50) and squad.growth is None and squad.withheld == ["growth"]
    assert f"{OUTPUT}同比增速{NOTE}" in squad.notes
