"""Demo targets for 2022: 潼南区 500152, the other districts of its 考核组 (主城新区) and 潼南's
townships, so that 月通报, 季督办 and 年评估 have something to say about the demo figures.

* 潼南区 and each peer: 规模以上工业总产值 (and 增长10%), 工业投资 (and 增长12%), 招商引资到位资金,
  固定资产投资 (and 增长8%), and the rate 规模以上工业增加值增速 (9% for 潼南, 8–10% for peers).
* A level target is the region's first 2022 cumulative figure in the database (1月—2月 or 一季度)
  carried to twelve months and multiplied by a fixed factor per region and indicator (0.94–1.06; for
  潼南区 chosen so that it is ahead on some targets and behind on others), rounded to whole 亿元.
  Without a stored figure, 潼南区 gets a fixed value and a peer gets no level target for that
  indicator. Call it after the monitoring demo (``load_monitoring_demo``).
* 潼南区's multi-year target 2022—2026年 招商引资到位资金 1000亿元 (the seed's "到2026年…").
* 潼南's 23 townships: 招商引资到位资金 (5–15亿元), responsible the township's government. The
  demo has no township figures, so their progress shows 数据缺失 — as it would in practice until the
  township data are imported.

Idempotent: an existing target is left as it is (never revised by the demo).
"""

from __future__ import annotations

import zlib
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from tiaodu.monitoring.models import Indicator, IndicatorValue
from tiaodu.monitoring.periods import MONTH_KINDS
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.targets import services
from tiaodu.targets.models import Target

TONGNAN = "500152"
YEAR = 2022
# (indicator, growth target %, responsible department of 潼南 by short name)
LEVELS = [
    ("规模以上工业总产值", Decimal(10), "经信委"),
    ("工业投资", Decimal(12), "经信委"),
    ("招商引资到位资金", None, "招商投资局"),
    ("固定资产投资", Decimal(8), "发改委"),
]
RATE = ("规模以上工业增加值增速", "经信委")
# 潼南's factors on its annualised first figure (behind on 产值, ahead on 工业投资 …).
TONGNAN_FACTORS = {
    "规模以上工业总产值": Decimal("1.05"),
    "工业投资": Decimal("0.95"),
    "招商引资到位资金": Decimal("1.04"),
    "固定资产投资": Decimal("0.98"),
}
# 潼南's targets when the monitoring demo has no figure of the indicator.
TONGNAN_FALLBACK = {
    "规模以上工业总产值": Decimal(420),
    "工业投资": Decimal(110),
    "招商引资到位资金": Decimal(300),
    "固定资产投资": Decimal(400),
}
TOWNSHIP_INDICATOR = ("招商引资到位资金", "招商投资局")


def _spread(key: str, low: int, high: int) -> int:
    """A fixed number in [low, high] for a key (CRC32, the same on every machine)."""
    return low + zlib.crc32(key.encode()) % (high - low + 1)


def _first_figure(region: Region, indicator: Indicator) -> tuple[Decimal, int] | None:
    """The region's earliest cumulative figure of the year (value, months), if any."""
    row = (
        IndicatorValue.objects.filter(
            region=region,
            indicator=indicator,
            is_current=True,
            period__year=YEAR,
            period__first=1,
            period__kind__in=MONTH_KINDS,
        )
        .order_by("period__last")
        .values_list("value", "period__last")
        .first()
    )
    return (row[0], row[1]) if row else None


def _level_target(region: Region, indicator: Indicator) -> Decimal | None:
    factor = TONGNAN_FACTORS.get(indicator.name) if region.code == TONGNAN else None
    if factor is None:
        factor = Decimal(_spread(f"{region.code}-{indicator.code}", 94, 106)) / 100
    first = _first_figure(region, indicator)
    if first is None:
        return TONGNAN_FALLBACK.get(indicator.name) if region.code == TONGNAN else None
    value, months = first
    target = (value * 12 / months * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return target if target > 0 else None


def _unit(region: Region, short_name: str) -> Organization | None:
    """The district's department by short name, else its government (peers have no departments)."""
    found = Organization.objects.filter(region=region, short_name=short_name, is_active=True).first()
    return found or Organization.objects.filter(region=region, kind=OrgKind.GOVERNMENT).first()


@transaction.atomic
def load_targets_demo() -> dict[str, int]:
    """Set the demo targets that do not exist yet; returns how many were created."""
    from tiaodu.regions.services import peer_group_of

    tongnan = Region.objects.filter(code=TONGNAN).first()
    if tongnan is None:
        return {"created": 0}
    group = peer_group_of(tongnan)
    districts = [tongnan]
    if group is not None:
        districts += list(group.members.exclude(pk=tongnan.pk).order_by("code"))
    existing = set(Target.objects.filter(year=YEAR).values_list("region_id", "indicator_id"))
    indicators = {i.name: i for i in Indicator.objects.filter(name__in=[n for n, *_r in LEVELS] + [RATE[0]])}
    created = 0

    def put(region: Region, indicator: Indicator, **fields: object) -> None:
        nonlocal created
        if (region.pk, indicator.pk) in existing:
            return
        services.set_target(None, region, indicator, YEAR, source="演示数据", **fields)  # type: ignore[arg-type]
        existing.add((region.pk, indicator.pk))
        created += 1

    for district in districts:
        for name, growth, unit in LEVELS:
            indicator = indicators.get(name)
            if indicator is None:
                continue
            value = _level_target(district, indicator)
            if value is None:
                continue
            put(district, indicator, value=value, growth=growth, responsible=_unit(district, unit))
        rate = indicators.get(RATE[0])
        if rate is not None:
            target = Decimal(9) if district.code == TONGNAN else Decimal(_spread(district.code, 8, 10))
            put(district, rate, growth=target, responsible=_unit(district, RATE[1]))
    township_indicator = indicators.get(TOWNSHIP_INDICATOR[0])
    if township_indicator is not None:
        for township in Region.objects.filter(parent=tongnan, level=Level.TOWNSHIP).order_by("code"):
            town_gov = Organization.objects.filter(region=township, kind=OrgKind.TOWN).first()
            put(
                township,
                township_indicator,
                value=Decimal(_spread(township.code, 5, 15)),
                responsible=town_gov,
            )
    created += _multiyear_demo(tongnan, indicators.get("招商引资到位资金"))
    return {"created": created}


# The seed: "到2026年…实现招商引资到位资金1000亿元" (2022–2026), with 2022's annual target as a part.
MULTIYEAR = (2022, 2026, Decimal(1000), "招商投资局")


def _multiyear_demo(tongnan: Region, indicator: Indicator | None) -> int:
    """潼南区's multi-year target of 招商引资到位资金, if not set yet (1 when created)."""
    from tiaodu.targets import multiyear
    from tiaodu.targets.models import MultiYearTarget

    first, last, value, unit = MULTIYEAR
    if (
        indicator is None
        or MultiYearTarget.objects.filter(
            region=tongnan, indicator=indicator, first_year=first, last_year=last
        ).exists()
    ):
        return 0
    multiyear.set_multiyear_target(
        None,
        tongnan,
        indicator,
        first,
        last,
        value=value,
        responsible=_unit(tongnan, unit),
        note="到2026年实现招商引资到位资金1000亿元",
        source="演示数据",
    )
    return 1
