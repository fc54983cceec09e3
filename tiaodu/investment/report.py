"""招商引资工作情况: the investment pipeline of a district as of a date, in numbers and in words.

``investment_report(region, date_from, date_to, user=None)`` computes every figure from the
records — stages from the stage history as of ``date_to`` (:mod:`tiaodu.investment.queries`), never
from the projects' current stage — and writes the sentences in the seeds' words:

============================================ ===================================================
在库重点在谈项目N个(计划投资额X亿元)        重点 projects whose stage on ``date_to`` is 在谈, 意向明显 or
                                             拟签约, with their 计划投资额
其中投资意向比较明显的M个                    those of them in 意向明显 or 拟签约
K个镇街招商小分队向G个重点区域招商组提供     leads reported in [from, to] by town 小分队 (duplicates of a
L条信息线索                                  first report left out); G: distinct receiving 区域招商组
二季度拟签约项目N个、总投资近X亿元           拟签约 on ``date_to`` whose 计划签约日期 falls in the quarter
                                             of the day after ``date_to`` (as of 31 March: 二季度)
紧密跟进项目N个,在谈储备项目N个             跟进级别 of the projects not yet signed on ``date_to``
现场签约项目N个,总投资X亿元,涉及A、B等产业 projects at the district's signing events held in [from, to]
                                             (EventEntry, 协议投资额 as entered); industries: the key
                                             industry of each project's chain, else the GB/T 4754 门类
招商引资到位资金X亿元,完成年度目标的Y%      到位资金 January … ``date_to`` against the year's target
履约率、开工率、投产率、资金到位率           :func:`tiaodu.investment.queries.rates`
============================================ ===================================================

Amounts: 计划投资额 of the key projects in 亿元 with two decimals ("1182.57亿元"); other totals in
亿元 with one decimal, "约" when rounded ("50.8亿元"), and the quarter's 拟签约 total "近X亿元" when it
rounds up to a whole X亿元 and falls short of it by at most 5 % (:func:`near_amount`; ``tiaodu.core.figures`` has no
such helper yet). A town user's report has counts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from tiaodu.core import figures as fig
from tiaodu.core.errors import invalid
from tiaodu.core.industries import section_name
from tiaodu.events import services as events
from tiaodu.investment import queries
from tiaodu.investment.choices import CLEAR_INTENT_STAGES, IN_TALKS_STAGES, STAGE_CHAIN, FollowLevel, Stage
from tiaodu.investment.models import EventEntry
from tiaodu.investment.queries import QuarterFigure, Rate, StageFigure
from tiaodu.investment.services import stage_label
from tiaodu.investment.signing_events import SHOWN_INDUSTRIES, totals

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region

QUARTER_NAMES = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
near_amount = fig.amount_near


def quarter_name(year: int, quarter: int, current_year: int) -> str:
    return QUARTER_NAMES[quarter] if year == current_year else f"{year}年{QUARTER_NAMES[quarter]}"


def multiyear_sentence(region: Region, on: date, user: User | None = None) -> str:
    """The progress of the district's multi-year 招商引资到位资金 target whose span holds ``on``,
    counted to the month of ``on`` ("" when it has none)."""
    from tiaodu.monitoring.periods import Period
    from tiaodu.targets import multiyear

    target = (
        multiyear.visible(user)
        .filter(region=region, indicator__code=queries.FUNDS_INDICATOR_CODE)
        .filter(first_year__lte=on.year, last_year__gte=on.year)
        .first()
    )
    if target is None:
        return ""
    return str(multiyear.progress(target, Period.months(on.year, 1, on.month), user).sentence)


def industry_name(code: str) -> str:
    """The GB/T 4754 门类 of an industry code (a letter, or a 2–4 digit code by its division)."""
    return section_name(code)


@dataclass
class EventSigning:
    events: int = 0
    projects: int = 0
    investment: Decimal | None = Decimal(0)
    industries: list[str] = field(default_factory=list)


@dataclass
class InvestmentReport:
    region_code: str
    region_name: str
    date_from: date
    date_to: date
    amounts_shown: bool = True
    by_stage: dict[str, StageFigure] = field(default_factory=dict)
    key_by_stage: dict[str, StageFigure] = field(default_factory=dict)
    key_in_talks: StageFigure = field(default_factory=lambda: StageFigure(0, Decimal(0)))
    key_clear_intent: int = 0
    town_teams: int = 0
    regional_groups: int = 0
    town_leads: int = 0
    quarter: tuple[int, int] = (0, 0)
    to_sign_by_quarter: list[QuarterFigure] = field(default_factory=list)
    follow_levels: dict[str, int] = field(default_factory=dict)
    signing: EventSigning = field(default_factory=EventSigning)
    funds: queries.FundsProgress | None = None
    # "到2026年实现招商引资到位资金1000亿元,截至…累计完成…" when the district has a multi-year target.
    multiyear: str = ""
    rates: dict[str, Rate] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.region_name}招商引资工作情况(截至{fig.cn_date(self.date_to)})"

    @property
    def quarter_figure(self) -> QuarterFigure:
        year, q = self.quarter
        found = [f for f in self.to_sign_by_quarter if (f.year, f.quarter) == (year, q)]
        return found[0] if found else QuarterFigure(year, q, 0, Decimal(0) if self.amounts_shown else None)

    def sentences(self) -> dict[str, str]:
        s: dict[str, str] = {}
        talks = self.key_in_talks
        money = f"(计划投资额{fig.amount(talks.amount, '亿元')})" if talks.amount is not None else ""
        s["in_talks"] = f"在库重点在谈项目{talks.count}个{money}"
        s["clear_intent"] = f"其中投资意向比较明显的{self.key_clear_intent}个"
        s["leads"] = (
            f"{self.town_teams}个镇街招商小分队向{self.regional_groups}个重点区域招商组"
            f"提供{self.town_leads}条信息线索"
        )
        q = self.quarter_figure
        name = quarter_name(self.quarter[0], self.quarter[1], self.date_to.year)
        total = f"、总投资{near_amount(q.amount)}" if q.amount is not None and q.count else ""
        s["to_sign"] = f"{name}拟签约项目{q.count}个{total}"
        s["follow"] = (
            f"紧密跟进项目{self.follow_levels.get(FollowLevel.CLOSE, 0)}个,"
            f"在谈储备项目{self.follow_levels.get(FollowLevel.RESERVE, 0)}个"
        )
        sig = self.signing
        if sig.projects:
            text = f"现场签约项目{sig.projects}个"
            if sig.investment is not None:
                text += f",总投资{events.yi(sig.investment)}"
            if sig.industries:
                text += f",涉及{fig.join(sig.industries[:SHOWN_INDUSTRIES])}等产业"
            s["signing"] = text
        f = self.funds
        if f is not None and f.amount is not None:
            text = f"招商引资到位资金{events.yi(f.amount)}"
            if f.target:
                text += f",完成年度目标({events.yi(f.target)})的{fig.percent(f.rate)},序时进度{fig.percent(f.elapsed)}"
            s["funds"] = text
        if self.multiyear:
            s["multiyear"] = self.multiyear
        shown = [r for r in self.rates.values() if r.value is not None]
        if shown:
            s["rates"] = "、".join(f"{r.label}{r.text}" for r in shown)
        return s

    @property
    def paragraph(self) -> str:
        return ";".join(self.sentences().values()) + "。"

    def text(self) -> str:
        lines = [self.title, "", self.paragraph, ""]
        lines += [f"{label}:{value}" for label, value in self.key_figures()]
        return "\n".join(lines) + "\n"

    def stage_rows(self) -> list[list[Any]]:
        """阶段, 项目数, 金额(万元), 其中重点项目数, 重点项目金额 — on ``date_to``."""
        rows = []
        for stage in [*STAGE_CHAIN, Stage.TERMINATED]:
            all_, key = self.by_stage.get(stage), self.key_by_stage.get(stage)
            rows.append(
                [
                    stage_label(stage),
                    all_.count if all_ else 0,
                    _num(all_.amount if all_ else None),
                    key.count if key else 0,
                    _num(key.amount if key else None),
                ]
            )
        return rows

    def quarter_rows(self) -> list[list[Any]]:
        return [
            [
                quarter_name(f.year, f.quarter, self.date_to.year)
                if f.year and f.quarter
                else "未定计划签约日期",
                f.count,
                _num(f.amount),
            ]
            for f in self.to_sign_by_quarter
        ]

    def key_figures(self) -> list[tuple[str, str]]:
        q = self.quarter_figure
        rows = [
            ("在库重点在谈项目(个)", str(self.key_in_talks.count)),
            ("重点在谈项目计划投资额(万元)", _num(self.key_in_talks.amount)),
            ("其中投资意向比较明显(个)", str(self.key_clear_intent)),
            ("报送线索的镇街招商小分队(个)", str(self.town_teams)),
            ("接收线索的重点区域招商组(个)", str(self.regional_groups)),
            ("镇街招商小分队信息线索(条)", str(self.town_leads)),
            (f"{quarter_name(*self.quarter, self.date_to.year)}拟签约项目(个)", str(q.count)),
            (f"{quarter_name(*self.quarter, self.date_to.year)}拟签约计划投资额(万元)", _num(q.amount)),
        ]
        rows += [
            (f"{label}项目(个)", str(self.follow_levels.get(value, 0)))
            for value, label in FollowLevel.choices
        ]
        rows += [
            ("集中签约活动(场)", str(self.signing.events)),
            ("现场签约项目(个)", str(self.signing.projects)),
            ("现场签约协议投资额(万元)", _num(self.signing.investment)),
        ]
        if self.funds is not None:
            rows += [
                ("本年到位资金(万元)", _num(self.funds.amount)),
                ("年度目标(万元)", _num(self.funds.target)),
                ("目标完成率", fig.percent(self.funds.rate)),
            ]
        rows += [(r.label, r.text) for r in self.rates.values()]
        return rows

    def as_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, Decimal):
                return str(v.quantize(Decimal("0.01")))
            if isinstance(v, date):
                return v.isoformat()
            return v

        def figure(f: StageFigure) -> dict[str, Any]:
            return {"count": f.count, "amount": plain(f.amount)}

        return {
            "region_code": self.region_code,
            "region_name": self.region_name,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "title": self.title,
            "amounts_shown": self.amounts_shown,
            "by_stage": {k: figure(v) for k, v in self.by_stage.items()},
            "key_by_stage": {k: figure(v) for k, v in self.key_by_stage.items()},
            "key_in_talks": figure(self.key_in_talks),
            "key_clear_intent": self.key_clear_intent,
            "town_teams": self.town_teams,
            "regional_groups": self.regional_groups,
            "town_leads": self.town_leads,
            "quarter": list(self.quarter),
            "to_sign_by_quarter": [
                {"year": f.year, "quarter": f.quarter, "count": f.count, "amount": plain(f.amount)}
                for f in self.to_sign_by_quarter
            ],
            "follow_levels": self.follow_levels,
            "signing": {k: plain(v) for k, v in self.signing.__dict__.items()},
            "funds": {k: plain(v) for k, v in self.funds.__dict__.items()} if self.funds else None,
            "rates": {
                k: {
                    "label": r.label,
                    "part": plain(r.part),
                    "whole": plain(r.whole),
                    "value": plain(r.value),
                    "definition": r.definition,
                }
                for k, r in self.rates.items()
            },
            "sentences": self.sentences(),
            "paragraph": self.paragraph,
        }


def _num(value: Decimal | None) -> str:
    return "—" if value is None else fig.number(value)


def coming_quarter(day: date) -> tuple[int, int]:
    """The quarter of the day after ``day``: as of 31 March the report looks at 二季度."""
    return queries.quarter_of(day + timedelta(days=1))


def signing_events(region: Region, date_from: date, date_to: date, user: User | None) -> EventSigning:
    """Investment projects at the district's collective events held in the period: the count and
    协议投资额 as the event pages give them (:func:`tiaodu.investment.signing_events.totals`), the
    industries with the GB/T 4754 门类 for a project without a chain."""
    entries = (EventEntry.objects.all() if user is None else EventEntry.objects.restrict(user)).filter(
        event__region=region, project__region=region, event__held_on__range=(date_from, date_to)
    )
    found = totals(entries)
    out = EventSigning(entries.values("event").distinct().count(), found.count, found.amount)
    if not queries.shows_amounts(user):
        out.investment = None
    by_industry: dict[str, Decimal] = {}
    rows = (
        entries.values(
            industry=Coalesce(F("project__chain__parent__name"), F("project__chain__name")),
            code=F("project__industry_code"),
        )
        .annotate(s=Sum("investment"))
        .order_by()
    )
    for row in rows:
        name = row["industry"] or industry_name(row["code"])
        if name:
            by_industry[name] = by_industry.get(name, Decimal(0)) + (row["s"] or Decimal(0))
    out.industries = [n for n, _s in sorted(by_industry.items(), key=lambda kv: (-kv[1], kv[0]))]
    return out


def investment_report(
    region_code: str | Region, date_from: date, date_to: date, user: User | None = None
) -> InvestmentReport:
    if date_to < date_from:
        raise invalid("date_to", "date_range_invalid", "结束日期不能早于开始日期")
    region = queries.district_of(region_code)
    report = InvestmentReport(region.code, region.name, date_from, date_to)
    report.amounts_shown = queries.shows_amounts(user)
    pipeline = queries.snapshot(region, date_to, user=user)
    report.by_stage = pipeline.stage_counts()
    report.key_by_stage = pipeline.stage_counts(key_only=True)
    report.key_in_talks = queries.total(report.key_by_stage, IN_TALKS_STAGES)
    report.key_clear_intent = queries.total(report.key_by_stage, CLEAR_INTENT_STAGES).count
    leads = queries.town_leads(region, date_from, date_to, user=user)
    report.town_teams, report.regional_groups, report.town_leads = leads.towns, leads.groups, leads.leads
    report.quarter = coming_quarter(date_to)
    report.to_sign_by_quarter = pipeline.quarters()
    report.follow_levels = pipeline.follow_levels()
    report.signing = signing_events(region, date_from, date_to, user)
    totals = queries.funds_totals(region, date_to, user=user) if report.amounts_shown else None
    report.funds = queries.funds_progress(region, date_to, user=user, totals=totals)
    if report.amounts_shown:
        report.multiyear = multiyear_sentence(region, date_to, user)
    report.rates = queries.rates(region, date_to, user=user, totals=totals)
    return report


CLI_REPORTS = {"investment": ("招商引资工作情况", investment_report)}
