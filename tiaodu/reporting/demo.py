"""Demo reporting data for 潼南区 (500152): the 规上 enterprises' 月报 of 2022.

* last year's cumulative figures (2021年1月—2月 and 1月—3月: 规模以上工业总产值 and 营业收入),
  loaded as an import of the statistics bureau's table, so year-on-year growth has its basis;
* **2022年2月规上企业月报** (cumulative 1月—2月), filled in by all but two enterprises (one 催报 on
  record), closed: its totals are frozen and the key enterprises whose output fell by more than
  10% have alerts, one of them acknowledged by 区经济信息委;
* **2022年3月规上企业月报** (1月—3月), open, about half filled in; the demo enterprise user
  ``qiye`` (重庆潼南古溪食品有限公司) has not reported yet and can fill it in.

Every figure goes through the services (versions, sources). Idempotent: each round is made once
(recognised by district, unit kind and period), and last year's figures are written only while
the 2022年2月 round does not exist. Called by ``tiaodu demo`` after the enterprise demo.
"""

# ruff: noqa: S311  (seeded pseudo-random numbers make the demo reproducible; nothing secret here)

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from tiaodu.accounts.models import User
from tiaodu.enterprises.models import Enterprise
from tiaodu.monitoring import services as monitoring
from tiaodu.monitoring.choices import ValueOrigin
from tiaodu.monitoring.models import EnterpriseValue
from tiaodu.monitoring.periods import Period
from tiaodu.regions.models import Region
from tiaodu.reporting import services
from tiaodu.reporting.choices import AlertAction, UnitFilter, UnitKind
from tiaodu.reporting.models import OutputAlert, ReportingRound

HOME = "500152"
INDICATORS = ("gy_zcz", "yysr")  # 规模以上工业总产值 (亿元), 营业收入 (万元)
CLOSED = Period.month(2022, 2)
OPEN = Period.month(2022, 3)
# Year-on-year growth (as a fraction) of the first key enterprises, by credit code: two fall
# beyond the −10% threshold, one falls less and gets no alert.
KEY_GROWTH = (Decimal("-0.183"), Decimal("-0.126"), Decimal("-0.09"))
FOUR = Decimal("0.0001")


def _enterprises(district: Region) -> list[Enterprise]:
    return list(
        Enterprise.objects.filter(services.in_district(district), is_above_scale=True).order_by("credit_code")
    )


def _plan(firms: list[Enterprise]) -> dict[int, tuple[Decimal, Decimal]]:
    """Per enterprise: monthly output last year (亿元) and this year's growth (fraction)."""
    key = [f for f in firms if f.is_key or f.output_tier in ("100m", "1b", "10b")]
    plan: dict[int, tuple[Decimal, Decimal]] = {}
    for firm in firms:
        rng = random.Random(firm.credit_code)
        is_key = firm in key
        monthly = Decimal(str(rng.uniform(0.15, 0.5) if is_key else rng.uniform(0.03, 0.08)))
        growth = Decimal(str(round(rng.uniform(-0.06, 0.22), 3)))
        if is_key and key.index(firm) < len(KEY_GROWTH):
            growth = KEY_GROWTH[key.index(firm)]
        plan[firm.pk] = (monthly, growth)
    return plan


def _figures(monthly: Decimal, months: int, factor: Decimal) -> dict[str, Decimal]:
    output = (monthly * months * factor).quantize(FOUR, ROUND_HALF_UP)
    revenue = (output * Decimal("9600")).quantize(Decimal("0.1"), ROUND_HALF_UP)  # 亿元 → 万元, 96%
    return {"gy_zcz": output, "yysr": revenue}


def _last_year(firms: list[Enterprise], plan: dict[int, tuple[Decimal, Decimal]]) -> None:
    indicators = {code: monitoring.find_indicator(code) for code in INDICATORS}
    source = monitoring.new_source(
        ValueOrigin.IMPORT, "演示数据:2021年规上工业企业月报(区统计局)", None, {"demo": "reporting"}
    )
    items = []
    for period, months in ((Period.months(2021, 1, 2), 2), (Period.months(2021, 1, 3), 3)):
        row = monitoring.period_row(period)
        for firm in firms:
            monthly, _growth = plan[firm.pk]
            for code, value in _figures(monthly, months, Decimal(1)).items():
                items.append((firm.pk, indicators[code].pk, row.pk, value))
    monitoring.write_versions(EnterpriseValue, items, source)


def _submit_all(
    rnd: ReportingRound,
    firms: list[Enterprise],
    plan: dict[int, tuple[Decimal, Decimal]],
    months: int,
    skip: set[int],
    users: dict[int, User],
) -> None:
    slots = {s.enterprise_id: s for s in rnd.slots.all()}
    for firm in firms:
        if firm.pk in skip or firm.pk not in slots:
            continue
        monthly, growth = plan[firm.pk]
        values = _figures(monthly, months, 1 + growth)
        services.submit(users.get(firm.organization_id), rnd.pk, slots[firm.pk].pk, values)


def load_reporting_demo() -> None:
    """Idempotent (see the module documentation)."""
    district = Region.objects.filter(code=HOME).first()
    if district is None:
        return
    firms = _enterprises(district)
    if not firms:
        return
    plan = _plan(firms)
    users = {
        u.organization_id: u
        for u in User.objects.filter(role="enterprise", organization__in=[f.organization_id for f in firms])
    }
    jxw = User.objects.filter(username="jxw").first()
    exists = ReportingRound.objects.filter(district=district, unit_kind=UnitKind.ENTERPRISE)
    with transaction.atomic():
        if not exists.filter(period__key=CLOSED.key).exists():
            _last_year(firms, plan)
            rnd = services.open_round(
                None,
                district=district,
                period=CLOSED,
                indicators=INDICATORS,
                due_on=date(2022, 3, 5),
                unit_kind=UnitKind.ENTERPRISE,
                unit_filter=UnitFilter.ABOVE_SCALE,
                notes="请各规上工业企业于3月5日前报送1—2月累计产值和营业收入。",
            )
            late = {f.pk for f in firms if not f.is_key}
            late = set(sorted(late)[-2:])  # two smaller enterprises never report
            services.remind(None, rnd.pk, "请尽快报送1—2月数据")
            _submit_all(rnd, firms, plan, 2, late, users)
            services.close_round(None, rnd.pk)
            first = OutputAlert.objects.filter(round=rnd).order_by("growth", "pk").first()
            if jxw is not None and first is not None:
                if not OutputAlert.objects.restrict(jxw, "change").filter(pk=first.pk).exists():
                    jxw = None
                services.follow_up(
                    jxw, first.pk, AlertAction.ACKNOWLEDGE, "已联系企业了解情况:订单减少,正在协调市场对接"
                )
        if not exists.filter(period__key=OPEN.key).exists():
            rnd = services.open_round(
                None,
                district=district,
                period=OPEN,
                indicators=INDICATORS,
                due_on=date(2022, 4, 5),
                unit_kind=UnitKind.ENTERPRISE,
                unit_filter=UnitFilter.ABOVE_SCALE,
                notes="请各规上工业企业于4月5日前报送1—3月累计产值和营业收入。",
            )
            # Every other enterprise has reported; the demo enterprise user's own has not.
            pending = {f.pk for i, f in enumerate(firms) if i % 2 == 0 or f.organization_id in users}
            _submit_all(rnd, firms, plan, 3, pending, users)
            services.remind(None, rnd.pk, "")
