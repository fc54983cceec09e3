"""Demo monitoring data: the 38 Chongqing county units, 重庆市 and 全国, 2021–2022, imported
through the ``indicators`` importer like a statistics bureau's table, plus the two indices.

2022年1-2月 is the 潼南 seed (seed 004) to the digit: 潼南区's bulletin for that period says

"1月—2月,潼南区工业经济运行综合指数74.41,排名全市第12位;规模以上工业增加值增速10%,高于全市2.1个
百分点,高于全国2.5个百分点,排名全市第12位;规上工业产值完成66.81亿元,同比增长16.5%,高于全市3.5个
百分点;工业投资完成18.09亿元,同比增长22.5%,高于全市7.9个百分点,位列全市第17名,考核组第9,其中:
工业技改投资7.4亿元,占工业投资比重40.9%,高于全市6.8个百分点,排名全市第6位,考核组第6位。"

How the figures of 2022年1-2月 are built (:func:`seed_rows`): 潼南 产值 66.81 (2021: 57.35 →
16.4952% → 16.5%), 工业投资 18.09 (2021: 14.77 → 22.478% → 22.5%), 技改 7.4 (7.4 / 18.09 = 40.906%
→ 40.9%), 增加值增速 10, 指数 74.41. 全市: 产值 2000 / 1770 (13.0%), 工业投资 500 / 436.3 (14.6%),
技改 170.5 (34.1%), 增加值增速 7.9; 全国 增速 7.5. Other units: 11 above 潼南 in 增加值增速 and in the
index; 16 above in 工业投资 growth, 8 of them in 潼南's 考核组 主城新区; 5 above in the 技改 share,
all in 主城新区. The other units' figures are invented to satisfy those positions.

The months after (1-3月 … 1-6月, and the same months of 2021) continue each unit's pace with a
seeded random wobble, so the dashboard has trends and a rank history; 潼南区's published index
ranks 12, 11, 9, 10, 8 from 1-2月 to 1-6月. 固定资产投资, 社会消费品零售总额 and 招商引资到位资金 are
added from 1-3月 on (the city's first release of those is the quarter here), so the 1-2月 bulletin
holds exactly the seed's indicators. Idempotent: importing the same figures again changes nothing.
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
from decimal import Decimal
from pathlib import Path

from django.db import transaction

TONGNAN = "500152"
CITY = "500000"
NATION = "100000"
PERIOD = "2022年1-2月"
LAST_YEAR = "2021年1-2月"
YEAR, MONTHS = 2022, (2, 3, 4, 5, 6)
# 潼南区's published index rank in 1-2月 … 1-6月.
TONGNAN_INDEX_RANKS = (12, 11, 9, 10, 8)
HEADERS = [
    "地区代码",
    "地区名称",
    "期别",
    "规模以上工业增加值增速",
    "规模以上工业总产值(亿元)",
    "工业投资",
    "工业技改投资",
    "工业经济运行综合指数",
]
MORE_HEADERS = ["固定资产投资", "社会消费品零售总额", "招商引资到位资金"]
SEED_SENTENCE = (
    "1月—2月,潼南区工业经济运行综合指数74.41,排名全市第12位;规模以上工业增加值增速10%,高于全市2.1个百分点,"
    "高于全国2.5个百分点,排名全市第12位;规上工业产值完成66.81亿元,同比增长16.5%,高于全市3.5个百分点;"
    "工业投资完成18.09亿元,同比增长22.5%,高于全市7.9个百分点,位列全市第17名,考核组第9,其中:工业技改投资"
    "7.4亿元,占工业投资比重40.9%,高于全市6.8个百分点,排名全市第6位,考核组第6位。"
)
# The city's published index, ranked as imported, and an index computed by the documented method
# (the example of issue 5 and of docs/user-guide/composite-index.md).
PUBLISHED_INDEX = {
    "code": "gyzs_city",
    "name": "工业经济运行综合指数(市级发布)",
    "compare": CITY,
    "indicator": "工业经济运行综合指数",
    "decimals": 2,
}
COMPUTED_INDEX = {
    "code": "gyzs",
    "name": "工业经济运行监测指数",
    "compare": CITY,
    "normalisation": "minmax",
    "aggregation": "arithmetic",
    "scale": 100,
    "decimals": 2,
    "indicators": [
        {"indicator": "规模以上工业增加值增速", "weight": 0.4},
        {"indicator": "规模以上工业总产值", "measure": "growth", "weight": 0.3},
        {"indicator": "工业投资", "measure": "growth", "weight": 0.2},
        {"indicator": "工业技术改造投资", "measure": "share", "weight": 0.1, "direction": "higher"},
    ],
}


def _d(x: float | str | Decimal) -> str:
    return format(Decimal(str(x)).quantize(Decimal("0.01")), "f")


def seed_rows() -> list[list[str]]:
    """The seed period (2022年1-2月) and its base (2021年1-2月) in the wide form (HEADERS)."""
    from tiaodu.monitoring.services import compared_units
    from tiaodu.regions.models import Region
    from tiaodu.regions.services import load_chongqing_peer_groups, peer_group_of

    load_chongqing_peer_groups()
    city = Region.objects.get(code=CITY)
    units = compared_units(city)
    assert len(units) == 38, "the 38 county units of Chongqing (load_regions(['50']))"
    tongnan = next(u for u in units if u.code == TONGNAN)
    group = peer_group_of(tongnan)
    assert group is not None
    members = {m.code for m in group.members.all()}
    others = [u for u in units if u.code != TONGNAN]
    in_group = [u for u in others if u.code in members]
    out_group = [u for u in others if u.code not in members]

    invest_growth: dict[str, float] = {}
    for i, u in enumerate(in_group):  # 8 of the 11 above 22.5
        invest_growth[u.code] = 30 + i if i < 8 else 10 + i
    for i, u in enumerate(out_group):  # 8 of the 26 above 22.5
        invest_growth[u.code] = 25 + i * 0.5 if i < 8 else 5 + i * 0.5
    share: dict[str, float] = {}
    for i, u in enumerate(in_group):
        share[u.code] = 50 + i if i < 5 else 20 + i * 0.2
    for i, u in enumerate(out_group):
        share[u.code] = 20 + i * 0.2
    rows: list[list[str]] = []
    for i, u in enumerate(others):
        rate = 12 + i * 0.1 if i < 11 else 5 + i * 0.1
        index = 80 + i if i < 11 else 50 + i * 0.5
        output_last, output = 100.0, 100.0 + 5 + i * 0.3
        invest_last = 100.0
        invest = invest_last * (1 + invest_growth[u.code] / 100)
        tech = invest * share[u.code] / 100
        rows.append([u.code, u.name, PERIOD, _d(rate), _d(output), _d(invest), _d(tech), _d(index)])
        rows.append([u.code, u.name, LAST_YEAR, "", _d(output_last), _d(invest_last), "", ""])
    rows += [
        [TONGNAN, "潼南区", PERIOD, "10", "66.81", "18.09", "7.4", "74.41"],
        [TONGNAN, "潼南区", LAST_YEAR, "", "57.35", "14.77", "", ""],
        [CITY, "重庆市", PERIOD, "7.9", "2000", "500", "170.5", ""],
        [CITY, "重庆市", LAST_YEAR, "", "1770", "436.3", "", ""],
        [NATION, "全国", PERIOD, "7.5", "", "", "", ""],
    ]
    return rows


def _index_for_rank(others: list[float], rank: int) -> float:
    """A value that ranks exactly ``rank`` among ``others`` (rank − 1 of them above it)."""
    ordered = sorted(others, reverse=True)
    above = ordered[rank - 2] if rank >= 2 else ordered[0] + 2
    below = ordered[rank - 1] if rank - 1 < len(ordered) else above - 2
    return round((above + below) / 2, 2)


def later_rows(seed: list[list[str]]) -> list[list[str]]:
    """1-3月 … 1-6月 of 2022 and 2021 in the wide form (HEADERS + MORE_HEADERS), continuing the
    seed period's figures month by month; deterministic (one ``random.Random`` per unit)."""
    base = {(r[0], r[2]): r for r in seed}
    units = sorted({r[0] for r in seed if r[0] not in (CITY, NATION)})
    names = {r[0]: r[1] for r in seed}
    out: list[list[str]] = []
    index_by_month: dict[int, dict[str, float]] = {m: {} for m in MONTHS[1:]}
    for code in units:
        rng = random.Random(f"tiaodu-demo-{code}")  # noqa: S311 (demo figures, not secrets)
        now, last = base[(code, PERIOD)], base[(code, LAST_YEAR)]
        out_now, out_last = float(now[4]) / 2, float(last[4]) / 2  # per month
        inv_now, inv_last = float(now[5]) / 2, float(last[5]) / 2
        tech_share = float(now[6]) / float(now[5])
        rate, index = float(now[3]), float(now[7])
        size = out_now * 12 / 100  # about the unit's yearly output in 百亿元
        fixed_last, retail_last = 9 + size * 6, 6 + size * 4
        fixed_growth, retail_growth = rng.uniform(-3, 14), rng.uniform(2, 12)
        attract_pace = 4 + size * 5
        for m in MONTHS[1:]:
            k = m
            wobble = 1 + rng.uniform(-0.03, 0.03)
            o_now, o_last = out_now * k * wobble, out_last * k
            i_now, i_last = inv_now * k * (1 + rng.uniform(-0.05, 0.05)), inv_last * k
            rate = max(-5.0, rate + rng.uniform(-1.2, 1.0))
            index = min(99.0, max(40.0, index + rng.uniform(-3, 3)))
            index_by_month[m][code] = round(index, 2)
            f_last, r_last = fixed_last * k / 12 * 1.1, retail_last * k / 12
            f_now = f_last * (1 + (fixed_growth + rng.uniform(-2, 2)) / 100)
            r_now = r_last * (1 + (retail_growth + rng.uniform(-1, 1)) / 100)
            attract = attract_pace * k * (1 + rng.uniform(-0.1, 0.1))
            label, label_last = f"{YEAR}年1-{m}月", f"{YEAR - 1}年1-{m}月"
            out.append(
                [code, names[code], label, _d(rate), _d(o_now), _d(i_now), _d(i_now * tech_share), "",
                 _d(f_now), _d(r_now), _d(attract)]
            )  # fmt: skip
            out.append(
                [
                    code,
                    names[code],
                    label_last,
                    "",
                    _d(o_last),
                    _d(i_last),
                    "",
                    "",
                    _d(f_last),
                    _d(r_last),
                    "",
                ]
            )
    # 潼南区's published index at the planned rank among the others' values, month by month.
    for m, rank in zip(MONTHS[1:], TONGNAN_INDEX_RANKS[1:], strict=True):
        others = [v for c, v in index_by_month[m].items() if c != TONGNAN]
        index_by_month[m][TONGNAN] = _index_for_rank(others, rank)
    for row in out:
        if row[2].startswith(f"{YEAR}年"):
            row[7] = _d(index_by_month[int(row[2].split("-")[1].rstrip("月"))][row[0]])
    # 重庆市 and 全国: the city's totals grow with its units; its published rates are its own.
    city_now, city_last = base[(CITY, PERIOD)], base[(CITY, LAST_YEAR)]
    rng = random.Random("tiaodu-demo-city")  # noqa: S311
    city_rate = float(city_now[3])
    nation_rate = float(base[(NATION, PERIOD)][3])
    for m in MONTHS[1:]:
        city_rate += rng.uniform(-0.6, 0.5)
        nation_rate += rng.uniform(-0.4, 0.3)
        label, label_last = f"{YEAR}年1-{m}月", f"{YEAR - 1}年1-{m}月"
        o_last, i_last = float(city_last[4]) / 2 * m, float(city_last[5]) / 2 * m
        o_now = o_last * (1.13 + rng.uniform(-0.01, 0.01))
        i_now = i_last * (1.146 + rng.uniform(-0.01, 0.01))
        f_last, r_last = 2000.0 * m / 12 * 1.1, 1500.0 * m / 12
        out.append(
            [CITY, "重庆市", label, _d(city_rate), _d(o_now), _d(i_now), _d(i_now * 0.341), "",
             _d(f_last * 1.062), _d(r_last * 1.071), ""]
        )  # fmt: skip
        out.append(
            [CITY, "重庆市", label_last, "", _d(o_last), _d(i_last), "", "", _d(f_last), _d(r_last), ""]
        )
        out.append([NATION, "全国", label, _d(nation_rate), "", "", "", "", "", "", ""])
    return out


def write_csv(path: Path, rows: list[list[str]], headers: list[str], title: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([title])  # a title row above the header, as the city's tables have
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def import_rows(rows: list[list[str]], headers: list[str], file_name: str) -> int:
    """Import wide-form rows through the ``indicators`` importer; the figures it wrote."""
    from tiaodu.core.errors import ServiceError
    from tiaodu.core.imports import run_import

    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / file_name, rows, headers, file_name.removesuffix(".csv"))
        result = run_import("indicators", path)
    if not result.ok:
        raise ServiceError("demo_data_invalid", ";".join(result.error_lines()[:5]))
    return result.created + result.updated


@transaction.atomic
def load_monitoring_demo() -> dict[str, int]:
    """Import the demo figures, define the two indices and compute them for every demo period."""
    from tiaodu.monitoring.indexes import compute_index, define_index
    from tiaodu.monitoring.models import CompositeIndex

    seed = seed_rows()
    written = import_rows(seed, HEADERS, "2022年1-2月各区县工业经济主要指标.csv")
    written += import_rows(later_rows(seed), HEADERS + MORE_HEADERS, "2021-2022年各区县经济主要指标.csv")
    for spec in (PUBLISHED_INDEX, COMPUTED_INDEX):
        if not CompositeIndex.objects.filter(code=spec["code"]).exists():
            define_index(None, json.dumps(spec, ensure_ascii=False))
    for m in MONTHS:
        for spec in (PUBLISHED_INDEX, COMPUTED_INDEX):
            compute_index(None, str(spec["code"]), f"{YEAR}年1-{m}月")
    return {"figures": written}
