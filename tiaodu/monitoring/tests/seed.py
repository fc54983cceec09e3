"""The 潼南 seed as data: 2022年1-2月 and 2021年1-2月 figures for Chongqing's 38 county units,
重庆市 500000 and 全国 100000, built so that 潼南区's comparisons say what the seed says:

"1月—2月,潼南区工业经济运行综合指数74.41,排名全市第12位;规模以上工业增加值增速10%,高于全市2.1个
百分点,高于全国2.5个百分点,排名全市第12位;规上工业产值完成66.81亿元,同比增长16.5%,高于全市3.5个
百分点;工业投资完成18.09亿元,同比增长22.5%,高于全市7.9个百分点,位列全市第17名,考核组第9,其中:
工业技改投资7.4亿元,占工业投资比重40.9%,高于全市6.8个百分点,排名全市第6位,考核组第6位。"

潼南: 产值 66.81 (2021: 57.35 → 16.4952% → 16.5%), 工业投资 18.09 (2021: 14.77 → 22.478% → 22.5%),
技改 7.4 (7.4 / 18.09 = 40.906% → 40.9%), 增加值增速 10, 指数 74.41. 全市: 产值 2000 / 1770 (12.994%
→ 13.0%), 工业投资 500 / 436.3 (14.600% → 14.6%), 技改 170.5 (34.1%), 增加值增速 7.9; 全国 增速 7.5.
Other units: 11 above 潼南 in 增加值增速 and in the index; 16 above in 工业投资 growth, 8 of them in
潼南's 考核组 主城新区; 5 above in the 技改 share, all in 主城新区.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

TONGNAN = "500152"
CITY = "500000"
NATION = "100000"
PERIOD = "2022年1-2月"
LAST_YEAR = "2021年1-2月"
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
SEED_SENTENCE = (
    "1月—2月,潼南区工业经济运行综合指数74.41,排名全市第12位;规模以上工业增加值增速10%,高于全市2.1个百分点,"
    "高于全国2.5个百分点,排名全市第12位;规上工业产值完成66.81亿元,同比增长16.5%,高于全市3.5个百分点;"
    "工业投资完成18.09亿元,同比增长22.5%,高于全市7.9个百分点,位列全市第17名,考核组第9,其中:工业技改投资"
    "7.4亿元,占工业投资比重40.9%,高于全市6.8个百分点,排名全市第6位,考核组第6位。"
)


def _d(x: float | str) -> str:
    return format(Decimal(str(x)).quantize(Decimal("0.01")), "f")


def seed_rows() -> list[list[str]]:
    """Rows in the wide form (HEADERS), both years."""
    from tiaodu.monitoring.services import compared_units
    from tiaodu.regions.models import Region
    from tiaodu.regions.services import load_chongqing_peer_groups, peer_group_of

    load_chongqing_peer_groups()
    city = Region.objects.get(code=CITY)
    units = compared_units(city)
    assert len(units) == 38
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


def write_seed_csv(path: Path, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["2022年1-2月各区县工业经济主要指标"])  # a title row, as the city's tables have
        writer.writerow(HEADERS)
        writer.writerows(seed_rows())
    return path


def load_seed(tmp_path: Path) -> None:
    from tiaodu.core.imports import run_import

    result = run_import("indicators", write_seed_csv(tmp_path / "seed.csv"))
    assert result.ok, result.error_lines()
