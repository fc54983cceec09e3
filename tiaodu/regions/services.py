"""Loading and querying the region tree."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet

from tiaodu.core.errors import invalid
from tiaodu.regions.choices import NATION_CODE, NATION_NAME, Level
from tiaodu.regions.models import PeerGroup, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
PEER_SCHEME = "一区两群"
# City-level nodes of the code table that only group counties (重庆市's 市辖区 500100, 县 500200).
GROUPING_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def normalize_code(code: str) -> str:
    """Accept the short forms staff type (50, 5001, 500152) and return the stored code.

    Province and city codes are padded to six digits as in GB/T 2260 (50 → 500000,
    5001 → 500100); county (6) and township (9) codes are kept.
    """
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise invalid("region", "region_code_invalid", f"区划代码“{code}”格式不正确,应为2、4、6、9或12位数字")
    if len(code) in (2, 4):
        return code.ljust(6, "0")
    if len(code) == 12:  # full statistical code: township part, or the county if the rest is zeros
        return code[:6] if code[6:] == "000000" else code[:9]
    return code


def get_region(code: str) -> Region:
    """The region with this code; a clear error when it is unknown."""
    normalized = normalize_code(code)
    try:
        return Region.objects.get(code=normalized)
    except Region.DoesNotExist:
        raise invalid(
            "region", "region_unknown", f"区划代码“{code}”不存在,请先加载该地区的区划数据"
        ) from None


def subtree(region: Region, include_self: bool = True) -> QuerySet[Region]:
    qs = Region.objects.filter(path__startswith=region.path)
    return qs if include_self else qs.exclude(pk=region.pk)


def ancestors(region: Region) -> list[Region]:
    """Ancestors from the nation down, excluding the region itself (one query)."""
    codes = [c for c in region.path.strip("/").split("/") if c != region.code]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def county_of(region: Region) -> Region | None:
    """The county-level region (区县) a region lies in: itself for a county, its county ancestor
    for a township; None above county level or when no county is loaded above it."""
    if region.level == Level.COUNTY:
        return region
    if region.level < Level.COUNTY:
        return None
    codes = [c for c in region.path.split("/") if c]
    return Region.objects.filter(code__in=codes, level=Level.COUNTY).first()


def is_within(region: Region | None, ancestor: Region | None) -> bool:
    return region is not None and ancestor is not None and region.path.startswith(ancestor.path)


def is_grouping_node(region: Region) -> bool:
    """A city-level node that only groups counties in the code table (重庆市's 市辖区 500100 and
    县 500200): not a region anybody reports for, ranks or sets targets for."""
    return region.level == Level.CITY and region.name in GROUPING_NAMES


def check_figure_region(region: Region) -> None:
    """Figures and targets belong to real regions: a grouping node is refused
    (``region_grouping_node``), naming what to use instead."""
    if is_grouping_node(region):
        raise invalid(
            "region",
            "region_grouping_node",
            f"区划代码{region.code}“{region.name}”是区划表中的分组,不是一个地区,"
            "不能填报数据或目标;请填写其下辖的具体区县或上级地区(如重庆市500000)的代码",
        )


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0

    def __str__(self) -> str:
        return f"新增{self.created}条,更新{self.updated}条"


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _upsert(level: Level, rows: Iterable[tuple[str, str, str]], result: LoadResult) -> dict[str, Region]:
    """Insert or update (code, name, parent_code) rows of one level; return code → Region."""
    rows = list(rows)
    parents = {r.code: r for r in Region.objects.filter(code__in={p for _, _, p in rows if p})}
    existing = set(Region.objects.filter(code__in=[c for c, _, _ in rows]).values_list("code", flat=True))
    objs = []
    for code, name, parent_code in rows:
        parent = parents.get(parent_code) if parent_code else None
        path = f"{parent.path if parent else ''}{code}/"
        objs.append(Region(code=code, name=name, level=level, parent=parent, path=path))
    Region.objects.bulk_create(
        objs,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "level", "parent", "path"],
    )
    result.created += len(rows) - len(existing)
    result.updated += len(existing)
    return {r.code: r for r in Region.objects.filter(code__in=[c for c, _, _ in rows])}


@transaction.atomic
def load_regions(provinces: list[str] | None = None) -> LoadResult:
    """Load the official divisions of the given provinces (2-digit codes; None = all), all levels.

    Idempotent: existing codes are updated in place, so references to regions survive a reload.
    """
    wanted = {p[:2] for p in provinces} if provinces else None
    known = {row["code"] for row in _rows("provinces.csv")}
    if wanted and not wanted <= known:
        bad = ",".join(sorted(wanted - known))
        raise invalid("province", "province_unknown", f"省级区划代码{bad}不存在")

    def keep(province_code: str) -> bool:
        return wanted is None or province_code in wanted

    result = LoadResult()
    _upsert(Level.NATION, [(NATION_CODE, NATION_NAME, "")], result)
    _upsert(
        Level.PROVINCE,
        [
            (r["code"].ljust(6, "0"), r["name"], NATION_CODE)
            for r in _rows("provinces.csv")
            if keep(r["code"])
        ],
        result,
    )
    _upsert(
        Level.CITY,
        [
            (r["code"].ljust(6, "0"), r["name"], r["provinceCode"].ljust(6, "0"))
            for r in _rows("cities.csv")
            if keep(r["provinceCode"])
        ],
        result,
    )
    _upsert(
        Level.COUNTY,
        [
            (r["code"], r["name"], r["cityCode"].ljust(6, "0"))
            for r in _rows("areas.csv")
            # Cities without counties (东莞 441900, 中山 442000, 儋州 460400) repeat the city as a
            # county with the same six-digit code; their townships hang directly under the city.
            if keep(r["provinceCode"]) and r["code"] != r["cityCode"].ljust(6, "0")
        ],
        result,
    )
    _upsert(
        Level.TOWNSHIP,
        [(r["code"], r["name"], r["areaCode"]) for r in _rows("streets.csv") if keep(r["provinceCode"])],
        result,
    )
    if wanted is None or "50" in wanted:
        load_chongqing_peer_groups()
    return result


def load_chongqing_peer_groups() -> list[PeerGroup]:
    """Chongqing's four "一区两群" groups, used for 考核组 rankings."""
    city = Region.objects.get(code="500000")
    by_group: dict[str, list[str]] = {}
    for row in _rows("chongqing_peer_groups.csv"):
        by_group.setdefault(row["peer_group"], []).append(row["code"])
    groups = []
    for name, codes in by_group.items():
        group, _ = PeerGroup.objects.update_or_create(
            scheme=PEER_SCHEME, name=name, defaults={"parent": city}
        )
        group.members.set(Region.objects.filter(code__in=codes))
        groups.append(group)
    return groups


def peer_group_of(region: Region, scheme: str = PEER_SCHEME) -> PeerGroup | None:
    return PeerGroup.objects.filter(scheme=scheme, members=region).first()
