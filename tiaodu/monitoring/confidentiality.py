"""Statistical confidentiality (统计保密) of rolled-up figures: small-cell suppression.

A figure rolled up from enterprise figures (a township's, a county's total of what its
enterprises reported) discloses those enterprises' figures when it sums too few of them: one
enterprise's total *is* its figure, two let either firm subtract its own, and a firm making
almost all of the total is estimated by the total. The 统计法 keeps single respondents' data
confidential, so a roll-up is **sensitive** when

* it sums fewer than ``STAT_MIN_CONTRIBUTORS`` enterprise figures (3 by default), or
* its largest enterprise figure is more than ``STAT_DOMINANCE_PERCENT`` of the total (85%).

A sensitive roll-up is withheld from every reader who may not see the figures of every enterprise
it sums (:func:`may_see_enterprise_figures`): it is shown as "—" with :data:`NOTE`, never as 0,
on pages, in the API (``null`` plus ``suppressed``), in exports, maps and charts. Figures the
statistics office published (imports, manual entry) are not roll-ups and are never withheld here:
the office has applied its own disclosure control.

**Secondary disclosure.** When a parent total is shown together with all of its children but one,
the hidden child is the difference. :func:`suppressed` therefore also withholds, for the same
reader, a complementary cell (the smallest other child, or the parent when no child can be
hidden) until no total can be completed by subtraction. See ``docs/adr/0033-statistical-confidentiality.md``
for what this does and does not protect against.

The rule lives here only; computations, the dashboard, the API, the figure pages and the maps call
it.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tiaodu.accounts.choices import Role

NOTE = "涉及单个企业数据,依统计保密规定不予显示"
PUBLIC_REASON = "confidential"  # the one reason the API gives: the rule that applied is not told

# Internal reasons (tests, logs): why a cell is withheld.
FEW = "few_contributors"
DOMINANT = "dominant_contributor"
UNASSESSED = "unassessed"  # a roll-up stored before its largest figure was recorded (roll up again)
COMPLEMENTARY = "complementary"

DEFAULT_MIN_CONTRIBUTORS = 3
DEFAULT_DOMINANCE_PERCENT = Decimal(85)

# Roles whose enterprise-figure scope is a region subtree (``models.figure_enterprises``).
_REGION_ROLES = (Role.LEADER, Role.DEPARTMENT, Role.TOWN)


def _setting(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"TIAODU_{name}", default)
    return str(value)


def min_contributors() -> int:
    """A roll-up of fewer enterprise figures than this is withheld (``TIAODU_STAT_MIN_CONTRIBUTORS``)."""
    raw = _setting("STAT_MIN_CONTRIBUTORS", str(DEFAULT_MIN_CONTRIBUTORS))
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"TIAODU_STAT_MIN_CONTRIBUTORS must be a whole number ≥ 1, not {raw!r}")
    return value


def dominance_percent() -> Decimal:
    """A roll-up whose largest enterprise figure exceeds this share of the total (percent) is
    withheld (``TIAODU_STAT_DOMINANCE_PERCENT``)."""
    raw = _setting("STAT_DOMINANCE_PERCENT", str(DEFAULT_DOMINANCE_PERCENT))
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal(-1)
    if not (0 < value <= 100):
        raise ImproperlyConfigured(
            f"TIAODU_STAT_DOMINANCE_PERCENT must be above 0 and at most 100, not {raw!r}"
        )
    return value


def _path(region: Any) -> str:
    return region if isinstance(region, str) else str(region.path)


def may_see_enterprise_figures(user: Any, region: Any = None) -> bool:
    """Whether ``user`` may see the figures of every enterprise in ``region`` (a Region or its
    path; ``None``: every enterprise anywhere), and so every roll-up of them unsuppressed.

    The one rule (ADR 0033), the same slice as ``EnterpriseValue``'s scope
    (:func:`~tiaodu.monitoring.models.figure_enterprises`): the server operator (``user`` None,
    the CLI) and administrators see every enterprise; district leaders, departments and township
    staff see the enterprises of their own region subtree, so the roll-ups of regions inside it;
    squads see only the enterprises they serve (never a whole region), enterprises only
    themselves, project owners none.
    """
    if user is None:
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if region is None or user.role not in _REGION_ROLES or user.region is None:
        return False
    from tiaodu.monitoring.models import EnterpriseValue

    if not EnterpriseValue.scope.allows(user.role, "view"):
        return False
    return _path(region).startswith(user.region.path)


def primary_reason(value: Decimal | None, contributors: int | None, largest: Decimal | None) -> str | None:
    """Why a stored figure is sensitive, or ``None``: only roll-ups (``contributors`` set) are."""
    if contributors is None or value is None:
        return None
    if contributors < min_contributors():
        return FEW
    if largest is None:
        return UNASSESSED
    if largest * 100 > abs(value) * dominance_percent():
        return DOMINANT
    return None


@dataclass(frozen=True)
class Viewer:
    """Who reads the figures: a user (``None``: the server operator), or a publication (the
    bulletin), which is written for readers who may not see enterprise figures whoever makes it."""

    user: Any = None
    publication: bool = False

    def may_see(self, region: Any) -> bool:
        return not self.publication and may_see_enterprise_figures(self.user, region)

    @property
    def sees_all(self) -> bool:
        return self.may_see(None)


@dataclass
class _Cell:
    path: str
    value: Decimal
    contributors: int | None
    largest: Decimal | None


Key = tuple[int, int, int]  # (region id, indicator id, period id)


def suppressed(viewer: Viewer, pairs: Iterable[tuple[int, int]]) -> dict[Key, str]:
    """The current figures withheld from ``viewer`` among the (indicator id, period id) ``pairs``:
    (region id, indicator id, period id) → reason. One query for all pairs; nothing when the
    viewer may see every enterprise or no figure of a pair is a roll-up."""
    pairs = set(pairs)
    if not pairs or viewer.sees_all:
        return {}
    from tiaodu.monitoring.models import IndicatorValue, figure_regions
    from tiaodu.regions.models import Region

    groups: dict[tuple[int, int], dict[int, _Cell]] = defaultdict(dict)
    rows = IndicatorValue.objects.filter(
        is_current=True,
        indicator_id__in={i for i, _ in pairs},
        period_id__in={p for _, p in pairs},
    ).values_list(
        "region_id", "region__path", "indicator_id", "period_id", "value", "contributors", "largest"
    )
    for region_id, path, indicator_id, period_id, value, contributors, largest in rows:
        if (indicator_id, period_id) in pairs:
            groups[(indicator_id, period_id)][region_id] = _Cell(path, value, contributors, largest)
    groups = {
        k: cells for k, cells in groups.items() if any(c.contributors is not None for c in cells.values())
    }
    if not groups:
        return {}
    rule = None if viewer.user is None else figure_regions(viewer.user, "view", IndicatorValue.scope)
    ids = {rid for cells in groups.values() for rid in cells}
    visible = (
        ids if rule is None else set(Region.objects.filter(rule, pk__in=ids).values_list("pk", flat=True))
    )
    out: dict[Key, str] = {}
    for (indicator_id, period_id), cells in groups.items():
        for rid, reason in _withhold(viewer, cells, visible).items():
            out[(rid, indicator_id, period_id)] = reason
    return out


def _withhold(viewer: Viewer, cells: dict[int, _Cell], visible: set[int]) -> dict[int, str]:
    """Primary and complementary suppression over one indicator and period (region id → reason)."""
    may = {rid: viewer.may_see(c.path) for rid, c in cells.items()}
    sensitive = {
        rid: reason
        for rid, c in cells.items()
        if not may[rid] and (reason := primary_reason(c.value, c.contributors, c.largest))
    }
    hidden = {rid: reason for rid, reason in sensitive.items() if rid in visible}
    # The tree of the stored figures: each figure's parent is its nearest ancestor with a figure
    # (a township's county, a county's city: grouping nodes such as 市辖区 have none).
    by_code = {c.path.strip("/").split("/")[-1]: rid for rid, c in cells.items()}
    children: dict[int, list[int]] = defaultdict(list)
    for rid, c in cells.items():
        for code in reversed(c.path.strip("/").split("/")[:-1]):
            if code in by_code:
                children[by_code[code]].append(rid)
                break

    def shown(rid: int) -> bool:
        return rid in visible and rid not in hidden

    def smallest(candidates: list[int]) -> int:
        return min(candidates, key=lambda rid: (abs(cells[rid].value), cells[rid].path))

    changed = True
    while changed:
        changed = False
        for parent, kids in children.items():
            if shown(parent):
                # A shown total with exactly one concealed part that must stay concealed: that part
                # would be the difference. Hide another part (or, failing that, the total).
                concealed = [k for k in kids if not shown(k)]
                if len(concealed) == 1 and (concealed[0] in hidden or concealed[0] in sensitive):
                    candidates = [k for k in kids if shown(k) and not may[k]]
                    if candidates:
                        hidden[smallest(candidates)] = COMPLEMENTARY
                        changed = True
                    elif not may[parent]:
                        hidden[parent] = COMPLEMENTARY
                        changed = True
            elif parent in hidden and kids and all(shown(k) for k in kids):
                # A hidden total whose parts are all shown would be their sum.
                candidates = [k for k in kids if not may[k]]
                if candidates:
                    hidden[smallest(candidates)] = COMPLEMENTARY
                    changed = True
    return hidden


class Withheld:
    """Whether ``viewer`` may not see one stored figure (an ``IndicatorValue`` row), for lists of
    figures (pages, API, exports): current figures by :func:`suppressed`, computed once per
    indicator and period and kept; earlier versions by their own counts."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self._groups: dict[tuple[int, int], set[int]] = {}

    def __call__(self, figure: Any) -> bool:
        if self.viewer.sees_all:
            return False
        if not figure.is_current:
            reason = primary_reason(figure.value, figure.contributors, figure.largest)
            return bool(reason) and not self.viewer.may_see(figure.region.path)
        pair = (figure.indicator_id, figure.period_id)
        if pair not in self._groups:
            hidden = suppressed(self.viewer, [pair])
            self._groups[pair] = {rid for rid, _, _ in hidden}
        return figure.region_id in self._groups[pair]

    def value(self, figure: Any) -> Decimal | None:
        """The figure's value, or ``None`` when withheld (shown as "—")."""
        return None if self(figure) else figure.value

    def text(self, figure: Any) -> Any:
        """The figure's value for a page or an export: "—" when withheld, never 0."""
        return "—" if self(figure) else figure.value
