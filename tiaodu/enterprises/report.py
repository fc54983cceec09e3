"""企业服务情况: the enterprise-service figures of a region and period, in numbers and in words.

``enterprise_service_report(region, date_from, date_to, user=None, org=None)`` computes everything
from the records with a fixed number of set-based queries (no per-row loop in Python) and writes
the sentences in the seed reports' form, e.g. "走访企业147家,现场收集困难254件次,解决236件次"
(潼南区, 2022年一季度, the visits of 潼南高新区). With ``org`` only the visits made by that
organisation (走访单位) are counted, and the sentence names it: "潼南高新区走访企业147家,…".

What each figure counts (the date range is inclusive, days in Asia/Shanghai):

==================== ===============================================================================
走访企业N家          distinct enterprises with a visit (走访) dated in the range (by ``org``, if given)
现场收集困难N件次    appeals raised in the range with 来源 走访 or linked to a visit (with ``org``: the
                     appeals linked to that organisation's visits in the range)
解决N件次            of those, the ones resolved (已办结 / 已评价) within the range
用工需求N人          labour needs raised in the range: sum of people
助融资需求X亿元      financing needs raised in the range: sum of amounts
融资N笔共计X万元     financing services (协调融资) in the range: records and sum of amounts
配套生产企业N家次    supplier-matching services: sum of quantity (a record without one counts once)
复工复产N家          resumption services (协调复工复产) by whom they were for (the service's 说明,
                     e.g. 全市其他区县工业企业在区内配套企业): distinct enterprises
申报保供企业         applications (申报保供企业): 批次 = distinct dates, 共N家 = distinct enterprises;
                     获得市级审批N家 = distinct enterprises with an approval (获批市级保供企业)
采购防疫物资         supplies services grouped by item (the service's 说明, e.g. 口罩) and unit;
                     批次 = distinct dates, 共N = sum of quantity; 帮助N家企业 = distinct enterprises
出具协调函件         letters: distinct enterprises helped
办理通行证N张        passes: sum of quantity, by kind of pass (说明, e.g. 市内临时通行证)
受理企业诉求N件      appeals raised (提出日期) in the range, from any source
办结N件、办结率      of those, resolved by the end of the range
红牌N件、黄牌M件     of those, cases given a red card in the range, and cases given only a yellow one
平均办理N个工作日    working days from acceptance to resolution (official calendar), resolved ones
满意率、平均N分      rated ones: share rated 3 (基本满意) or better, and the average rating
==================== ===============================================================================

Breakdowns use the same appeal figures per handling department (责任部门) and per township (the
appeal's region; visits by the enterprise's township). With ``user`` every queryset goes through
``restrict(user)``: a town user's report counts only its township.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card
from tiaodu.cases.models import CardRecord, Case, WorkDay
from tiaodu.core import figures as fig
from tiaodu.core.errors import InvalidInput, invalid
from tiaodu.core.resolve import Resolver
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.choices import VISIT_SOURCE, NeedKind, ServiceKind
from tiaodu.enterprises.models import Need, ServiceRecord, Visit
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

REGIONAL_ROLES = {Role.LEADER, Role.DEPARTMENT, Role.TOWN}  # whose slice is a region subtree
# Ratings: 1 很不满意 · 2 不满意 · 3 基本满意 · 4 满意 · 5 非常满意; 3 and up count as satisfied, as in
# the case engine's rule that a satisfied appeal cannot be reopened.
SATISFIED_FROM = 3
ZERO = Decimal(0)
TENTH = Decimal("0.1")


@dataclass
class AppealStats:
    """Appeal figures of one population (the whole report, a department, a township)."""

    appeals: int = 0  # 受理 in the range
    resolved: int = 0  # … and resolved by the end of the range
    red: int = 0  # given a red card within the range
    yellow: int = 0  # given a yellow card (and no red) within the range
    current_red: int = 0  # still open and carrying a red card now
    current_yellow: int = 0
    avg_days: Decimal | None = None  # working days, acceptance → resolution
    rated: int = 0
    satisfied: int = 0
    avg_rating: Decimal | None = None

    @property
    def unresolved(self) -> int:
        return self.appeals - self.resolved

    @property
    def resolution_rate(self) -> Decimal | None:
        return fig.ratio(self.resolved, self.appeals)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return fig.ratio(self.satisfied, self.rated)


@dataclass
class Row(AppealStats):
    """One line of a breakdown table (a department or a township)."""

    key: str = ""
    name: str = ""
    visited_enterprises: int = 0
    collected: int = 0
    collected_resolved: int = 0


@dataclass
class ItemLine:
    """Supplies bought (酒精, 口罩 …) or passes issued, of one kind and unit."""

    item: str
    unit: str
    batches: int
    quantity: Decimal


@dataclass
class EnterpriseServiceReport:
    region_code: str
    region_name: str
    region_level: int
    date_from: date
    date_to: date
    # 走访
    visits: int = 0
    visited_enterprises: int = 0
    collected: int = 0
    collected_resolved: int = 0
    # 诉求
    totals: AppealStats = field(default_factory=AppealStats)
    # 需求
    labour_needs: int = 0
    labour_people: int = 0
    financing_needs: int = 0
    financing_need_wan: Decimal = ZERO
    other_needs: dict[str, int] = field(default_factory=dict)  # label → count
    # 服务
    financing_count: int = 0
    financing_wan: Decimal = ZERO
    matching: int = 0  # 家次
    supplies: list[ItemLine] = field(default_factory=list)
    supplies_enterprises: int = 0
    letter_enterprises: int = 0
    passes: list[ItemLine] = field(default_factory=list)
    policy_count: int = 0
    policy_wan: Decimal = ZERO
    recruitment_people: int = 0
    resumption: list[ItemLine] = field(default_factory=list)  # quantity = enterprises (家)
    guarantee_batches: int = 0
    guarantee_enterprises: int = 0
    guarantee_approved: int = 0
    # Only the visits of this organisation (走访单位), when the report was asked for one.
    org_id: int | None = None
    org_name: str = ""
    # Breakdowns
    by_department: list[Row] = field(default_factory=list)
    by_township: list[Row] = field(default_factory=list)
    # Words
    sentences: dict[str, str] = field(default_factory=dict)
    paragraph: str = ""

    @property
    def title(self) -> str:
        return f"{self.region_name}企业服务情况({fig.cn_period(self.date_from, self.date_to)})"

    @property
    def period(self) -> str:
        return fig.cn_period(self.date_from, self.date_to)

    @property
    def collected_rate(self) -> Decimal | None:
        return fig.ratio(self.collected_resolved, self.collected)

    @property
    def is_empty(self) -> bool:
        return not (
            self.visits
            or self.totals.appeals
            or self.labour_needs
            or self.financing_needs
            or self.other_needs
            or self.financing_count
            or self.matching
            or self.supplies
            or self.letter_enterprises
            or self.passes
            or self.policy_count
            or self.recruitment_people
            or self.resumption
            or self.guarantee_enterprises
            or self.guarantee_approved
        )

    def key_figures(self) -> list[tuple[str, str]]:
        """Exact figures with their units, for the table beside the bulletin."""
        t = self.totals
        rows = [
            (f"{self.org_name}走访企业", fig.count(self.visited_enterprises, "家")),
            ("走访次数", fig.count(self.visits, "次")),
            ("现场收集困难", fig.count(self.collected, "件次")),
            ("期内解决", fig.count(self.collected_resolved, "件次")),
            ("受理企业诉求", fig.count(t.appeals, "件")),
            ("办结", fig.count(t.resolved, "件")),
            ("办结率", fig.percent(t.resolution_rate)),
            ("平均办理", "—" if t.avg_days is None else f"{fig.number(t.avg_days, 1)}个工作日"),
            ("红牌", fig.count(t.red, "件")),
            ("黄牌", fig.count(t.yellow, "件")),
            ("满意率", fig.percent(t.satisfaction_rate)),
            ("用工需求", fig.count(self.labour_people, "人")),
            ("融资需求", fig.amount(self.financing_need_wan, "万元")),
            (
                "协调融资",
                f"{fig.count(self.financing_count, '笔')}、{fig.amount(self.financing_wan, '万元')}",
            ),
            ("协调配套生产企业", fig.count(self.matching, "家次")),
            ("采购防疫物资帮助企业", fig.count(self.supplies_enterprises, "家")),
        ]
        rows += [
            (f"采购{x.item}", f"{x.batches}批次、{fig.count(x.quantity, x.unit)}") for x in self.supplies
        ]
        rows += [(f"办理{x.item or '通行证'}", fig.count(x.quantity, x.unit)) for x in self.passes]
        rows += [("出具协调函件帮助企业", fig.count(self.letter_enterprises, "家"))]
        rows += [(f"协调{x.item or '企业'}复工复产", fig.count(x.quantity, x.unit)) for x in self.resumption]
        if self.guarantee_enterprises or self.guarantee_approved:
            rows += [
                (
                    "申报保供企业",
                    f"{self.guarantee_batches}批次、{fig.count(self.guarantee_enterprises, '家')}",
                ),
                ("获批市级保供企业", fig.count(self.guarantee_approved, "家")),
            ]
        if self.recruitment_people:
            rows.append(("招聘用工", fig.count(self.recruitment_people, "人")))
        if self.policy_count:
            rows.append(
                ("兑现政策", f"{fig.count(self.policy_count, '项')}、{fig.amount(self.policy_wan, '万元')}")
            )
        return rows

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: counts as integers, amounts and rates as numbers."""

        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return int(value) if value == value.to_integral_value() else float(value)
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        def stats(s: AppealStats) -> dict[str, Any]:
            data = asdict(s)
            data.update(
                unresolved=s.unresolved,
                resolution_rate=s.resolution_rate,
                satisfaction_rate=s.satisfaction_rate,
            )
            return data

        data = asdict(self)
        data["totals"] = stats(self.totals)
        data["by_department"] = [stats(r) for r in self.by_department]
        data["by_township"] = [stats(r) for r in self.by_township]
        data["collected_rate"] = self.collected_rate
        data["title"] = self.title
        return plain(data)  # type: ignore[no-any-return]

    def text(self) -> str:
        """The bulletin for a terminal: title, paragraph and both breakdowns."""
        lines = [self.title, "", self.paragraph, ""]
        for heading, rows, first in (
            ("按责任部门", self.by_department, "责任部门"),
            ("按镇街", self.by_township, "镇街"),
        ):
            if rows:
                header, body = table(rows, first)
                lines += [heading, *format_table([header, *body]), ""]
        return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# Words


def _sentences(r: EnterpriseServiceReport) -> dict[str, str]:
    s: dict[str, str] = {}
    where = f"{r.region_name[-1]}内" if r.region_level == Level.COUNTY else ""
    if r.visits:
        s["visits"] = (
            f"{r.org_name}走访企业{fig.count(r.visited_enterprises, '家')},"
            f"现场收集困难{fig.count(r.collected, '件次')},解决{fig.count(r.collected_resolved, '件次')}"
        )
    if r.supplies:
        items = fig.join(f"{x.item}{x.batches}批次共{fig.about(x.quantity, x.unit)}" for x in r.supplies)
        s["supplies"] = f"帮助{where}{fig.about(r.supplies_enterprises, '家')}企业采购{items}"
    passes = fig.join(
        f"“{x.item}”{fig.about(x.quantity, x.unit)}" if x.item else f"通行证{fig.about(x.quantity, x.unit)}"
        for x in r.passes
    )
    if r.letter_enterprises:
        s["letters"] = f"帮助{fig.about(r.letter_enterprises, '家')}企业及时出具各类协调函件"
    if passes:
        s["passes"] = f"{'并' if r.letter_enterprises else ''}办理{passes}"
    needs = []
    if r.labour_needs:
        needs.append(f"用工需求{fig.about(r.labour_people, '人')}")
    if r.financing_needs:
        needs.append(f"助融资需求{fig.amount(r.financing_need_wan)}")
    needs += [f"{label}需求{fig.count(n, '项')}" for label, n in r.other_needs.items()]
    if needs:
        s["needs"] = f"收集企业{fig.join(needs)}"
    if r.financing_count:
        s["financing"] = (
            f"协调银行解决企业融资{fig.count(r.financing_count, '笔')}共计{fig.amount(r.financing_wan, '万元')}"
        )
    if r.matching:
        s["matching"] = f"为企业协调配套生产企业{fig.count(r.matching, '家次')}"
    if r.resumption:
        resumed = fig.join(f"{x.item or '企业'}复工复产{fig.count(x.quantity, x.unit)}" for x in r.resumption)
        s["resumption"] = f"协调{resumed}"
    if r.guarantee_enterprises:
        s["guarantee"] = (
            f"帮助企业申报保供企业{r.guarantee_batches}批次共{fig.about(r.guarantee_enterprises, '家')}"
        )
        if r.guarantee_approved:
            s["guarantee"] += f",成功获得市级审批保供企业{fig.count(r.guarantee_approved, '家')}"
    elif r.guarantee_approved:
        s["guarantee"] = f"获得市级审批保供企业{fig.count(r.guarantee_approved, '家')}"
    if r.recruitment_people:
        s["recruitment"] = f"帮助企业招聘用工{fig.about(r.recruitment_people, '人')}"
    if r.policy_count:
        total = f"共计{fig.amount(r.policy_wan)}" if r.policy_wan else ""
        s["policy"] = f"帮助企业兑现政策{fig.count(r.policy_count, '项')}{total}"
    t = r.totals
    if t.appeals:
        parts = [
            f"受理企业诉求{fig.count(t.appeals, '件')}",
            f"办结{fig.count(t.resolved, '件')}",
            f"办结率{fig.percent(t.resolution_rate)}",
        ]
        if t.avg_days is not None:
            parts.append(f"平均办理{fig.number(t.avg_days, 1)}个工作日")
        s["appeals"] = ",".join(parts)
        if t.red or t.yellow:
            s["cards"] = f"逾期挂牌督办红牌{fig.count(t.red, '件')}、黄牌{fig.count(t.yellow, '件')}"
        else:
            s["cards"] = "无逾期挂牌督办事项"
        if t.current_red or t.current_yellow:
            s["cards"] += (
                f",目前仍挂红牌{fig.count(t.current_red, '件')}、黄牌{fig.count(t.current_yellow, '件')}"
            )
        if t.rated:
            s["satisfaction"] = (
                f"企业评价{fig.count(t.rated, '件')},满意率{fig.percent(t.satisfaction_rate)},"
                f"平均{fig.number(t.avg_rating or 0, 1)}分"
            )
    return s


# The bulletin: sentences in the order a report tells them, clauses of one sentence joined by ",".
PARAGRAPH = (
    ("visits",),
    ("supplies", "letters", "passes"),
    ("needs",),
    ("financing", "matching", "resumption", "guarantee", "recruitment", "policy"),
    ("appeals",),
    ("cards",),
    ("satisfaction",),
)


def _paragraph(r: EnterpriseServiceReport) -> str:
    sentences = [",".join(r.sentences[k] for k in keys if k in r.sentences) for keys in PARAGRAPH]
    sentences = [s for s in sentences if s]
    if not sentences:
        return f"{r.period},{r.region_name}暂无企业服务记录。"
    if "visits" not in r.sentences:
        sentences.insert(0, f"{r.org_name}无走访企业记录" if r.org_name else "期间无企业走访记录")
    if r.org_name:
        # The visits are the unit's own ("潼南高新区走访企业…"); what follows is the district's.
        first, rest = sentences[0], sentences[1:]
        tail = f"{r.region_name}" + "。".join(rest) + "。" if rest else ""
        return f"{r.period},{first}。{tail}"
    return f"{r.period},{r.region_name}" + "。".join(sentences) + "。"


# ---------------------------------------------------------------------------------------------
# Tables

COLUMNS: tuple[tuple[str, str], ...] = (
    ("走访企业(家)", "visited_enterprises"),
    ("收集困难(件次)", "collected"),
    ("解决(件次)", "collected_resolved"),
    ("受理诉求(件)", "appeals"),
    ("办结(件)", "resolved"),
    ("办结率", "resolution_rate"),
    ("未办结(件)", "unresolved"),
    ("红牌(件)", "red"),
    ("黄牌(件)", "yellow"),
    ("平均办理(工作日)", "avg_days"),
    ("满意率", "satisfaction_rate"),
)
TOWNSHIP_ONLY = {"visited_enterprises", "collected", "collected_resolved"}


def columns(first: str) -> list[tuple[str, str]]:
    """The columns of a breakdown table; visit columns only per township."""
    keep = [c for c in COLUMNS if first == "镇街" or c[1] not in TOWNSHIP_ONLY]
    return [(first, "name"), *keep]


def cell(row: Row, attr: str) -> str:
    value = getattr(row, attr)
    if attr.endswith("_rate"):
        return fig.percent(value)
    if attr == "avg_days":
        return "—" if value is None else fig.number(value, 1)
    return str(value)


def table(rows: Iterable[Row], first: str) -> tuple[list[str], list[list[str]]]:
    cols = columns(first)
    return [label for label, _ in cols], [[cell(row, attr) for _, attr in cols] for row in rows]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(rows: list[list[str]]) -> list[str]:
    """Columns aligned for a terminal (CJK characters are two columns wide)."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [
            v + " " * (w - _width(v)) if i == 0 else " " * (w - _width(v)) + v
            for i, (v, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


# ---------------------------------------------------------------------------------------------
# Queries


def _day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date_from, time.min), tz)
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)
    return start, end


def _workday_index(day: str) -> Subquery:
    return Subquery(
        WorkDay.objects.filter(date=OuterRef(day)).values("workday_index")[:1], output_field=IntegerField()
    )


def _annotated(qs: QuerySet[Case], date_from: date, date_to: date) -> QuerySet[Case]:
    """Cases with what the appeal figures need: cards in the range and working days to resolution."""
    cards = CardRecord.objects.filter(case=OuterRef("pk"), issued_on__gte=date_from, issued_on__lte=date_to)
    return (
        qs.annotate(
            red_in=Exists(cards.filter(card=Card.RED)),
            yellow_in=Exists(cards.filter(card=Card.YELLOW)),
            accepted_day=Coalesce(TruncDate("accepted_at"), F("raised_on")),
            resolved_day=TruncDate("resolved_at"),
        )
        .annotate(handling_days=_workday_index("resolved_day") - _workday_index("accepted_day"))
        .order_by()
    )


def _appeal_aggregates(end: datetime) -> dict[str, Any]:
    resolved = Q(is_open=False, resolved_at__lt=end)
    rated = resolved & Q(rating__isnull=False)
    return {
        "appeals": Count("pk"),
        "resolved": Count("pk", filter=resolved),
        "red": Count("pk", filter=Q(red_in=True)),
        "yellow": Count("pk", filter=Q(yellow_in=True, red_in=False)),
        "current_red": Count("pk", filter=Q(is_open=True, card=Card.RED)),
        "current_yellow": Count("pk", filter=Q(is_open=True, card=Card.YELLOW)),
        "avg_days": Avg("handling_days", filter=resolved),
        "rated": Count("pk", filter=rated),
        "satisfied": Count("pk", filter=rated & Q(rating__gte=SATISFIED_FROM)),
        "avg_rating": Avg("rating", filter=rated),
    }


def _stats(values: dict[str, Any], target: AppealStats) -> None:
    for name in (
        "appeals",
        "resolved",
        "red",
        "yellow",
        "current_red",
        "current_yellow",
        "rated",
        "satisfied",
    ):
        setattr(target, name, int(values.get(name) or 0))
    for name in ("avg_days", "avg_rating"):
        raw = values.get(name)
        setattr(target, name, None if raw is None else Decimal(str(raw)).quantize(TENTH, ROUND_HALF_UP))


def effective_region(region: Region, user: User | None) -> Region:
    """The region the report is about: a user whose slice is a part of ``region`` gets that part.

    A town user asking for the district gets the report of its township (its records are all it
    can see anyway), so the words name the right place.
    """
    if user is None or user.role not in REGIONAL_ROLES or user.region is None:
        return region
    mine = user.region
    return mine if mine.path.startswith(region.path) else region


def _restricted(model: Any, user: User | None) -> QuerySet[Any]:
    return model.objects.all() if user is None else model.objects.restrict(user)


def visiting_org(org: Organization | int | str, region: Region | None = None) -> Organization:
    """The organisation named by ``org``: itself, an id, or a name / short name (简称).

    A name several organisations share (each district has its 经信委) is settled by ``region``:
    the one inside it.
    """
    if isinstance(org, Organization):
        return org
    text = str(org).strip()
    if text.isdigit():
        found = Organization.objects.filter(pk=int(text)).first()
        if found is None:
            raise invalid("org", "org_unknown", f"机构“{text}”不存在")
        return found
    try:
        # The one resolver's rule, with the report's region as the district that settles a
        # shared name (each district has its 经信委).
        return Resolver(district=region).organization(text, field="org", label="机构", active_only=False)
    except InvalidInput as exc:
        # The report's codes predate the resolver: org_unknown / org_ambiguous.
        err = exc.errors[0]
        raise invalid("org", err.code.replace("organization_", "org_"), err.message) from None


def enterprise_service_report(
    region: Region | str,
    date_from: date,
    date_to: date,
    user: User | None = None,
    org: Organization | int | str | None = None,
) -> EnterpriseServiceReport:
    """The enterprise-service figures of ``region`` (and everything below it) for the period.

    With ``org`` the visits (and the difficulties collected on them) are only those made by that
    organisation; everything else is the region's.
    """
    if isinstance(region, str):
        from tiaodu.regions.services import get_region

        region = get_region(region)
    if date_to < date_from:
        raise invalid("date_to", "date_range_invalid", "结束日期不能早于开始日期")
    region = effective_region(region, user)
    start, end = _day_bounds(date_from, date_to)
    prefix = region.path
    report = EnterpriseServiceReport(region.code, region.name, region.level, date_from, date_to)

    # 走访 and the difficulties collected on those visits.
    visits = _restricted(Visit, user).filter(
        enterprise__township__path__startswith=prefix, visited_on__gte=date_from, visited_on__lte=date_to
    )
    if org is not None and org != "":
        unit = visiting_org(org, region)
        visits = visits.filter(visiting_org=unit)
        report.org_id, report.org_name = unit.pk, unit.short_name or unit.name
    totals = visits.aggregate(n=Count("pk"), e=Count("enterprise", distinct=True))
    report.visits, report.visited_enterprises = totals["n"], totals["e"]
    appeals = _restricted(Case, user).filter(workflow=WORKFLOW)
    # Difficulties collected on visits: appeals raised in the range whose source is 走访 (linked to a
    # visit or not) or that are linked to a visit; with ``org``, linked to one of its visits.
    links = Visit.cases.through.objects
    if report.org_id is None:
        on_visits = links.values("case_id")
        collected = appeals.filter(
            Q(source=VISIT_SOURCE) | Q(pk__in=on_visits),
            region__path__startswith=prefix,
            raised_on__gte=date_from,
            raised_on__lte=date_to,
        ).order_by()
    else:
        collected = appeals.filter(
            pk__in=links.filter(visit__in=visits.values("pk")).values("case_id")
        ).order_by()
    resolved_in_range = Q(is_open=False, resolved_at__gte=start, resolved_at__lt=end)
    c = collected.aggregate(n=Count("pk"), r=Count("pk", filter=resolved_in_range))
    report.collected, report.collected_resolved = c["n"], c["r"]

    # Appeals raised in the range, whatever their source.
    raised = _annotated(
        appeals.filter(region__path__startswith=prefix, raised_on__gte=date_from, raised_on__lte=date_to),
        date_from,
        date_to,
    )
    aggregates = _appeal_aggregates(end)
    _stats(raised.aggregate(**aggregates), report.totals)

    _needs(report, _restricted(Need, user), prefix, date_from, date_to)
    _services(report, _restricted(ServiceRecord, user), prefix, date_from, date_to)

    # Per handling department.
    for values in raised.values("handling_org", "handling_org__name").annotate(**aggregates).order_by():
        row = Row(
            key=str(values["handling_org"] or ""), name=values["handling_org__name"] or "未指定责任部门"
        )
        _stats(values, row)
        report.by_department.append(row)
    # Sorted here, not by the database: collations order Chinese differently.
    report.by_department.sort(key=lambda row: (row.key == "", row.name))

    # Per township: appeals by the case's region, visits by the enterprise's township.
    towns: dict[int, Row] = {}

    def town(pk: int, code: str, name: str) -> Row:
        return towns.setdefault(pk, Row(key=code, name=name))

    for values in raised.values("region", "region__code", "region__name").annotate(**aggregates):
        _stats(values, town(values["region"], values["region__code"], values["region__name"]))
    for values in visits.values(
        "enterprise__township", "enterprise__township__code", "enterprise__township__name"
    ).annotate(e=Count("enterprise", distinct=True)):
        row = town(
            values["enterprise__township"],
            values["enterprise__township__code"],
            values["enterprise__township__name"],
        )
        row.visited_enterprises = values["e"]
    for values in collected.values("region", "region__code", "region__name").annotate(
        n=Count("pk"), r=Count("pk", filter=resolved_in_range)
    ):
        row = town(values["region"], values["region__code"], values["region__name"])
        row.collected, row.collected_resolved = values["n"], values["r"]
    report.by_township = sorted(towns.values(), key=lambda row: row.key)

    report.sentences = _sentences(report)
    report.paragraph = _paragraph(report)
    return report


def _needs(report: EnterpriseServiceReport, needs: QuerySet[Need], prefix: str, d1: date, d2: date) -> None:
    rows = (
        needs.filter(enterprise__township__path__startswith=prefix, raised_on__gte=d1, raised_on__lte=d2)
        .values("kind")
        .annotate(n=Count("pk"), people=Sum("people"), wan=Sum("amount_wan"))
        .order_by("kind")
    )
    labels = dict(NeedKind.choices)
    for values in rows:
        kind = values["kind"]
        if kind == NeedKind.LABOUR:
            report.labour_needs, report.labour_people = values["n"], int(values["people"] or 0)
        elif kind == NeedKind.FINANCING:
            report.financing_needs, report.financing_need_wan = values["n"], values["wan"] or ZERO
        else:
            report.other_needs[str(labels.get(kind, kind))] = values["n"]


def _services(
    report: EnterpriseServiceReport, services: QuerySet[ServiceRecord], prefix: str, d1: date, d2: date
) -> None:
    qs = services.filter(enterprise__township__path__startswith=prefix, served_on__gte=d1, served_on__lte=d2)
    once = Coalesce("quantity", Value(1))  # a record without a quantity counts once (1 家次, 1 张)
    for values in (
        qs.values("kind")
        .annotate(
            n=Count("pk"),
            wan=Sum("amount_wan"),
            qty=Sum(once),
            people=Sum("quantity"),
            firms=Count("enterprise", distinct=True),
            batches=Count("served_on", distinct=True),
        )
        .order_by("kind")
    ):
        kind = values["kind"]
        if kind == ServiceKind.FINANCING:
            report.financing_count, report.financing_wan = values["n"], values["wan"] or ZERO
        elif kind == ServiceKind.MATCHING:
            report.matching = int(values["qty"] or 0)
        elif kind == ServiceKind.LETTER:
            report.letter_enterprises = values["firms"]
        elif kind == ServiceKind.POLICY:
            report.policy_count, report.policy_wan = values["n"], values["wan"] or ZERO
        elif kind == ServiceKind.RECRUITMENT:
            report.recruitment_people = int(values["people"] or 0)
        elif kind == ServiceKind.SUPPLIES:
            report.supplies_enterprises = values["firms"]
        elif kind == ServiceKind.GUARANTEE:
            report.guarantee_enterprises, report.guarantee_batches = values["firms"], values["batches"]
        elif kind == ServiceKind.GUARANTEE_OK:
            report.guarantee_approved = values["firms"]
    # Supplies and passes by item (the service's 说明) and unit, in the order they first happened.
    grouped = (
        qs.filter(kind__in=[ServiceKind.SUPPLIES, ServiceKind.PASS])
        .values("kind", "description", "unit")
        .annotate(batches=Count("served_on", distinct=True), qty=Sum(once), first=Min("served_on"))
        .order_by("first", "description", "unit")
    )
    for v in grouped:
        line = ItemLine(v["description"].strip(), v["unit"], v["batches"], Decimal(v["qty"] or 0))
        if v["kind"] == ServiceKind.SUPPLIES:
            line.item = line.item or "防疫物资"
            report.supplies.append(line)
        else:
            line.unit = line.unit or "张"
            report.passes.append(line)
    # Resumption coordinated, by whom it was for (the service's 说明): enterprises (家).
    for v in (
        qs.filter(kind=ServiceKind.RESUMPTION)
        .values("description")
        .annotate(
            batches=Count("served_on", distinct=True),
            firms=Count("enterprise", distinct=True),
            first=Min("served_on"),
        )
        .order_by("first", "description")
    ):
        report.resumption.append(ItemLine(v["description"].strip(), "家", v["batches"], Decimal(v["firms"])))
    report.resumption.sort(key=lambda line: line.item == "")  # the unspecified ones last


# ``tiaodu report enterprise-service`` (see tiaodu/enterprises/management/commands/report.py).
CLI_REPORTS = {"enterprise-service": ("企业服务情况(走访、诉求、需求、服务)", enterprise_service_report)}
