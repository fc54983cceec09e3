"""经济运行监测 at a glance on the leaders' workbench: the key indicators of the latest period with
their rank among the compared county units and the way the ranked figure moved, and the
composite indices' rank over the year (an ECharts line with 1st place at the top).

Computed from :func:`tiaodu.monitoring.dashboard.build_dashboard` through the reader's scope
(统计保密 included) and cached per scope and data version (:mod:`tiaodu.dashboard.cache`): the
figures change only with an import or an edit, which changes the version.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.core import figures as fig
from tiaodu.core import workbench
from tiaodu.core.errors import ServiceError
from tiaodu.dashboard.cache import cached
from tiaodu.monitoring.models import CompositeIndex, IndexValue, Indicator, IndicatorValue, StatPeriod

GLANCE_ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT)
SOURCES = (IndicatorValue, IndexValue, Indicator, CompositeIndex, StatPeriod)


def _arrow(points: list[tuple[str, Decimal | None]]) -> str:
    """How the ranked figure moved since the period before: ↑ 上升, ↓ 下降, → 持平."""
    values = [v for _label, v in points if v is not None]
    if len(values) < 2:
        return "—"
    before, now = values[-2], values[-1]
    if now > before:
        return _("↑ 上升")
    if now < before:
        return _("↓ 下降")
    return _("→ 持平")


def _place(rank: int | None) -> str:
    return "—" if rank is None else _("第%(n)d位") % {"n": rank}


def _panels(user: Any) -> list[workbench.Panel]:
    from tiaodu.monitoring.dashboard import build_dashboard, county_of

    region = county_of(getattr(user, "region", None))
    if region is None:
        return []
    try:
        board = build_dashboard(region, None, user)
    except ServiceError:  # no figures for the district yet
        return []
    url = f"{reverse('monitoring:dashboard')}?region={region.code}&period={board.period.key}"
    panels: list[workbench.Panel] = []
    ranked_cards = [c for c in board.cards if c.comparison.rank is not None]
    rows = []
    for card in board.cards:
        c = card.comparison
        value = fig.NO_VALUE if c.value is None else c.value_text
        rows.append(
            [
                c.indicator_name,
                value,
                card.headline or "—",
                _place(c.rank),
                _place(c.group_rank),
                _arrow(card.trend),
            ]
        )
    if rows:
        names = [c.comparison.indicator_name for c in ranked_cards]
        word = ranked_cards[0].comparison.rank_word if ranked_cards else _("全市")
        ranked = max((c.comparison.ranked for c in ranked_cards), default=0)
        chart: dict[str, Any] | None = None
        if ranked_cards:
            chart = {
                "grid": {"left": 150, "right": 40, "top": 30, "bottom": 30},
                "xAxis": {
                    "type": "value",
                    "min": 1,
                    "max": ranked,
                    "inverse": True,
                    "name": _("位次"),
                    "splitNumber": 6,
                },
                "yAxis": {"type": "category", "data": names, "inverse": True},
                "tooltip": {"trigger": "item"},
                "series": [
                    {
                        "type": "scatter",
                        "name": _("排名"),
                        "data": [[c.comparison.rank, c.comparison.indicator_name] for c in ranked_cards],
                        "symbolSize": 14,
                        "label": {"show": True, "position": "top", "formatter": _("第{@[0]}位")},
                        "itemStyle": {"color": "#9e1b1b"},
                    }
                ],
            }
        panels.append(
            workbench.Panel(
                "indicators",
                _("%(region)s%(period)s主要指标")
                % {"region": region.name, "period": board.period.full_label},
                url,
                chart=chart,
                header=[
                    _("指标"),
                    _("数值"),
                    _("增速或占比"),
                    _("%(word)s排名") % {"word": word},
                    _("考核组排名"),
                    _("较上期"),
                ],
                rows=rows,
                note=_("位次越靠右越靠前（共%(n)d个区县参与排名）；“较上期”为排名所依据的数值与上一期相比。")
                % {"n": ranked}
                if ranked
                else "",
            )
        )
    indices = [i for i in board.indices if i.history and not i.suppressed]
    if indices:
        labels = list(dict.fromkeys(label for i in indices for label, _rank in i.history))
        ranked = max(i.ranked for i in indices)
        series = []
        for index in indices:
            by_label = dict(index.history)
            series.append(
                {
                    "type": "line",
                    "name": index.name,
                    "data": [by_label.get(label) for label in labels],
                    "connectNulls": True,
                    "label": {"show": True, "formatter": "{c}"},
                }
            )
        panels.append(
            workbench.Panel(
                "index-rank",
                _("综合指数排名走势"),
                url,
                chart={
                    "legend": {"top": 0},
                    "grid": {"left": 40, "right": 30, "top": 40, "bottom": 40},
                    "xAxis": {"type": "category", "data": labels},
                    "yAxis": {"type": "value", "inverse": True, "min": 1, "max": ranked, "name": _("位次")},
                    "series": series,
                },
                header=[_("指数"), _("指数值"), _("排名")],
                rows=[[i.name, i.value_text, i.rank_text or "—"] for i in indices],
            )
        )
    return panels


@workbench.provider("monitoring", order=50)
def glance(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user = ctx.user
    if not (user.is_superuser or user.role in GLANCE_ROLES):
        return
    # The sources' scopes are by region only (and 统计保密 by role and region): departments of a
    # district share the entry, whatever their organisation.
    yield from cached("monitoring-glance", user, SOURCES, lambda: _panels(user), with_org=False)
