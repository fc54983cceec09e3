"""Demo records for the enterprise-service module: 大渡口区 in spring 2020 and 潼南区 in 2022 and
this year.

大渡口区, 2020-02-01 … 2020-04-30, is built so that

    tiaodu report enterprise-service --region 500104 --from 2020-02-01 --to 2020-04-30

tells the 大渡口 seed report's figures (2月至今, 区经济信息委): 帮助区内200余家企业采购酒精2批次共10余吨、
口罩15批次共35万余只、额温枪5批次共500余把; 帮助10余家企业及时出具各类协调函件,并办理“市内临时通行证”
100余张; 收集企业用工需求2000余人、助融资需求4.6亿元; 协调银行解决企业融资7笔共计34051万元; 为企业协调
配套生产企业89家次; 协调全市其他区县工业企业在区内配套企业复工复产134家; 帮助企业申报保供企业4批次共
30余家,成功获得市级审批保供企业6家. The seed gives no visit figures for 大渡口: its own visits are a
smaller, made-up set (经信委: 42 enterprises, 63 difficulties, 58 resolved in the period).

潼南区, 2022-01-01 … 2022-03-31, carries the 潼南 seed report's visits of 潼南高新区 (潼南高新技术产业
开发区管委会, made here as a government organisation of the district): 一季度,走访企业147家,现场收集
困难254件次,解决236件次, to enterprises in the townships around the zone (桂林街道, 梓潼街道, 大佛街道,
上和镇, and three industrial ones nearby), so that

    tiaodu report enterprise-service --region 500152 --from 2022-01-01 --to 2022-03-31 [--org 潼南高新区]

tells them. Every figure comes from the rows below; nothing is stored as a total.

潼南区 also gets a smaller set dated relative to today, across its 镇街 (古溪镇 and 玉溪镇 included), with
appeals in every state and some of them overdue, so that the 红黄牌 sweep (run at the end) shows
red and yellow cards. The demo enterprise user ``qiye`` belongs to 重庆潼南古溪食品有限公司 and
sees its own appeals, one of them waiting for its rating.

Rows are written with ``bulk_create`` (fast enough for every test session) but exactly as the
services would write them: appeals are cases of the "appeal" workflow with their category,
numbers (AP + year + id), due dates in working days, state timestamps, cards and timeline. The
loader is idempotent: each block (大渡口 2020, 潼南 2022 Q1, 潼南 this year) is loaded once, guarded
by the first credit code of its enterprises (series MA61, MA63, MA62).
"""

# ruff: noqa: S311  (seeded pseudo-random numbers make the demo reproducible; nothing secret here)

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from stdnum.cn import uscc

from tiaodu.accounts.models import User
from tiaodu.cases.choices import Card, EventKind
from tiaodu.cases.models import CardRecord, Case, CaseCategory, CaseEvent, WorkDay
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.choices import APPEAL_CATEGORIES, AppealState, NeedKind, OutputTier, ServiceKind
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

DADUKOU, TONGNAN = "500104", "500152"
SPRING_2020 = (date(2020, 2, 1), date(2020, 4, 30))


def credit_code(district: str, series: str, serial: int) -> str:
    """A valid unified social credit code (GB 32100-2015) for a demo enterprise."""
    body = f"91{district}{series}{serial:05d}"
    return body + uscc.calc_check_digit(body)


def load_enterprise_demo() -> None:
    """Idempotent; called by ``tiaodu demo`` after the organisations and users exist."""
    with transaction.atomic():
        if not Enterprise.objects.filter(credit_code=credit_code(DADUKOU, "MA61", 1)).exists():
            _dadukou()
        swept = not Enterprise.objects.filter(credit_code=credit_code(TONGNAN, "MA62", 1)).exists()
        if swept:
            _tongnan()
        # After _tongnan: 潼南高新区 also visited some of the enterprises made there.
        if not Enterprise.objects.filter(credit_code=credit_code(TONGNAN, "MA63", 1)).exists():
            _tongnan_gaoxin()
        if swept:
            from tiaodu.cases.sweep import sweep

            sweep()


# ---------------------------------------------------------------------------------------------
# Shared machinery


class Calendar:
    """The official working-day calendar, read once (the loader computes dates in Python)."""

    def __init__(self, start: date, end: date) -> None:
        rows = list(
            WorkDay.objects.filter(date__gte=start, date__lte=end).values_list(
                "date", "is_workday", "workday_index"
            )
        )
        self.index = {d: i for d, _w, i in rows}
        self.by_index = {i: d for d, w, i in rows if w}
        self.workdays = [d for d, w, _i in rows if w]

    def add(self, day: date, days: int) -> date:
        """The ``days``-th working day after ``day`` (as ``cases.workdays.add_workdays``)."""
        return self.by_index[self.index[day] + days]

    def back(self, day: date, days: int) -> date:
        """The working day ``days`` working days before ``day`` (``day`` itself if 0 and working)."""
        return self.by_index[self.index[day] - days]

    def between(self, start: date, end: date) -> list[date]:
        return [d for d in self.workdays if start <= d <= end]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def split(total: int, parts: int, low: int, high: int, rng: random.Random) -> list[int]:
    """``parts`` whole numbers in [low, high] adding up to ``total``."""
    if not low * parts <= total <= high * parts:
        raise ValueError("total out of reach")
    values = [rng.randint(low, high) for _ in range(parts)]
    while (diff := total - sum(values)) != 0:
        i = rng.randrange(parts)
        step = 1 if diff > 0 else -1
        if low <= values[i] + step <= high:
            values[i] += step
    return values


def _government(district: Region) -> Organization | None:
    """The district's 人民政府 (not another government organisation such as 潼南高新区管委会)."""
    govs = Organization.objects.filter(region=district, kind=OrgKind.GOVERNMENT)
    return govs.filter(short_name="区政府").first() or govs.first()


def _departments(district: Region) -> dict[str, Organization]:
    return {
        o.short_name: o
        for o in Organization.objects.filter(region=district, kind=OrgKind.DEPARTMENT).exclude(short_name="")
    }


def _enterprise_rows(
    district: str,
    series: str,
    specs: Sequence[tuple[str, str, str]],
    start: int = 1,
    flags: Callable[[int, Enterprise], None] | None = None,
) -> list[Enterprise]:
    """Create organisations and enterprises for (name, township code, industry code) in bulk."""
    towns = {r.code: r for r in Region.objects.filter(code__in={t for _n, t, _i in specs})}
    orgs = Organization.objects.bulk_create(
        [
            Organization(
                name=name,
                kind=OrgKind.ENTERPRISE,
                code=credit_code(district, series, start + i),
                region=towns[t],
            )
            for i, (name, t, _ind) in enumerate(specs)
        ]
    )
    firms = [
        Enterprise(
            credit_code=org.code, name=org.name, organization=org, township=org.region, industry_code=ind
        )
        for org, (_n, _t, ind) in zip(orgs, specs, strict=True)
    ]
    for i, firm in enumerate(firms):
        if flags is not None:
            flags(i, firm)
    return Enterprise.objects.bulk_create(firms)


@dataclass
class Appeal:
    """One appeal as it happened; :func:`write_appeals` turns it into a case with its timeline."""

    enterprise: Enterprise
    category: str  # code
    content: str
    raised_on: date
    handling_org: Organization | None
    source: str = "走访"
    visit: int | None = None  # index into the visits being written
    state: str = AppealState.RATED
    resolved_on: date | None = None
    rating: int | None = None
    resolution: str = ""
    rating_note: str = ""


def write_appeals(
    appeals: Sequence[Appeal], visits: Sequence[Visit], cal: Calendar, gov: Organization
) -> None:
    """Write appeals as the case engine would: case, number, due date, timestamps, cards, timeline."""
    categories = {c.code: c for c in CaseCategory.objects.filter(workflow=WORKFLOW)}
    cases: list[Case] = []
    plans: list[list[tuple[datetime, CaseEvent]]] = []
    cards: list[list[CardRecord]] = []
    for a in appeals:
        cat = categories[a.category]
        due = cal.add(a.raised_on, cat.time_limit_days)
        case = Case(
            workflow=WORKFLOW,
            number=uuid.uuid4().hex,
            category=cat,
            title=a.content.splitlines()[0][:60],
            description=a.content,
            state=a.state,
            source=a.source,
            region=a.enterprise.township,
            submitter_org=a.enterprise.organization,
            handling_org=a.handling_org,
            raised_on=a.raised_on,
            due_on=due,
            is_open=a.state not in (AppealState.RESOLVED, AppealState.RATED),
        )
        accepted = at(a.raised_on, 9, 30)
        case.accepted_at = accepted
        events: list[tuple[datetime, CaseEvent]] = [
            (accepted, _ev(action="open", dst=AppealState.ACCEPTED, note=f"受理,办结时限{due:%Y-%m-%d}"))
        ]
        steps: list[tuple[str, str, str, datetime, Organization | None, str]] = []
        if a.state == AppealState.ACCEPTED:
            pass
        elif a.state == AppealState.RETURNED:
            assigned = at(a.raised_on, 11)
            returned = at(cal.add(a.raised_on, 1), 10)
            steps = [
                ("assign", AppealState.ACCEPTED, AppealState.ASSIGNED, assigned, gov, ""),
                (
                    "return",
                    AppealState.ASSIGNED,
                    AppealState.RETURNED,
                    returned,
                    a.handling_org,
                    "不属于本部门职责,请重新交办",
                ),
            ]
            case.assigned_at, case.returned_at = assigned, returned
        else:
            case.assigned_at = at(a.raised_on, 11)
            steps.append(("assign", AppealState.ACCEPTED, AppealState.ASSIGNED, case.assigned_at, gov, ""))
            if a.state != AppealState.ASSIGNED:
                start_day = a.raised_on if a.resolved_on in (None, a.raised_on) else cal.add(a.raised_on, 1)
                if a.resolved_on is not None and start_day > a.resolved_on:
                    start_day = a.resolved_on
                case.started_at = at(start_day, 14)
                steps.append(
                    (
                        "start",
                        AppealState.ASSIGNED,
                        AppealState.IN_PROGRESS,
                        case.started_at,
                        a.handling_org,
                        "",
                    )
                )
            if a.resolved_on is not None:
                case.resolved_at = at(a.resolved_on, 17)
                case.resolution = a.resolution
                steps.append(
                    (
                        "resolve",
                        AppealState.IN_PROGRESS,
                        AppealState.RESOLVED,
                        case.resolved_at,
                        a.handling_org,
                        a.resolution,
                    )
                )
            if a.state == AppealState.RATED and a.resolved_on is not None:
                case.rated_at = at(a.resolved_on + timedelta(days=1), 10)
                case.rating, case.rating_note = a.rating, a.rating_note
                steps.append(
                    (
                        "rate",
                        AppealState.RESOLVED,
                        AppealState.RATED,
                        case.rated_at,
                        a.enterprise.organization,
                        a.rating_note,
                    )
                )
        for action, src, dst, when, org, note in steps:
            events.append((when, _ev(action=action, src=src, dst=dst, note=note, org=org)))
        case_cards: list[CardRecord] = []
        if a.resolved_on is not None and a.resolved_on > due:
            # What the daily sweep did while the case was late; lifted (摘牌) when it was resolved.
            yellow_on = due + timedelta(days=1)
            red_on = cal.add(due, cat.red_after_days)
            case.yellow_at, case.yellow_count = yellow_on, 1
            case_cards.append(
                CardRecord(card=Card.YELLOW, issued_on=yellow_on, lifted_on=a.resolved_on, reason="overdue")
            )
            events.append((at(yellow_on, 1), _card_event(Card.YELLOW)))
            last = Card.YELLOW
            if red_on < a.resolved_on:
                case.red_at = red_on
                case_cards.append(
                    CardRecord(card=Card.RED, issued_on=red_on, lifted_on=a.resolved_on, reason="late")
                )
                events.append((at(red_on, 1), _card_event(Card.RED)))
                last = Card.RED
            events.append(
                (
                    at(a.resolved_on, 17, 1),
                    CaseEvent(kind=EventKind.LIFT, note=f"办结摘牌({Card(last).label})"),
                )
            )
        cases.append(case)
        plans.append(sorted(events, key=lambda e: e[0]))
        cards.append(case_cards)

    created = Case.objects.bulk_create(cases)
    # Numbers as open_case gives them (workflow prefix, year raised, id): one statement per year.
    for year in sorted({c.raised_on.year for c in created}):
        Case.objects.filter(pk__in=[c.pk for c in created], raised_on__year=year).update(
            number=Concat(
                Value(f"{WORKFLOW[:2].upper()}{year}"),
                LPad(Cast(F("pk"), CharField()), 7, Value("0")),
                output_field=CharField(),
            )
        )
    timeline: list[CaseEvent] = []
    stamps: list[datetime] = []
    for case, plan, case_cards in zip(created, plans, cards, strict=True):
        for when, event in plan:
            event.case = case
            timeline.append(event)
            stamps.append(when)
        for record in case_cards:
            record.case = case
    made = CaseEvent.objects.bulk_create(timeline, batch_size=500)
    # auto_now_add stamped the events "now"; the timeline needs the time each step happened,
    # which the case already carries per state (one statement per action), cards aside.
    ids = [e.pk for e in made]
    for action, stamp in STAMPS.items():
        CaseEvent.objects.filter(pk__in=ids, kind=EventKind.TRANSITION, action=action).update(
            created_at=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values(stamp)[:1])
        )
    CaseEvent.objects.filter(pk__in=ids, kind=EventKind.LIFT).update(
        created_at=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("resolved_at")[:1])
    )
    by_time: dict[datetime, list[int]] = {}
    for event, when in zip(made, stamps, strict=True):
        if event.kind == EventKind.CARD:
            by_time.setdefault(when, []).append(event.pk)
    for when, pks in by_time.items():
        CaseEvent.objects.filter(pk__in=pks).update(created_at=when)
    CardRecord.objects.bulk_create([r for rs in cards for r in rs])
    links = [
        Visit.cases.through(visit_id=visits[a.visit].pk, case_id=case.pk)
        for a, case in zip(appeals, created, strict=True)
        if a.visit is not None
    ]
    Visit.cases.through.objects.bulk_create(links)


STAMPS = {  # transition → the case's timestamp of the state it reaches
    "open": "accepted_at",
    "assign": "assigned_at",
    "start": "started_at",
    "return": "returned_at",
    "resolve": "resolved_at",
    "rate": "rated_at",
}


def _ev(action: str, dst: str, src: str = "", note: str = "", org: Organization | None = None) -> CaseEvent:
    return CaseEvent(
        kind=EventKind.TRANSITION,
        action=action,
        from_state=src,
        to_state=dst,
        note=note,
        actor_org_id=org.pk if org else None,
    )


def _card_event(card: str) -> CaseEvent:
    note = "逾期未办结,挂黄牌" if card == Card.YELLOW else "黄牌后仍未办结,升级红牌"
    return CaseEvent(kind=EventKind.CARD, action=card, note=note)


# What enterprises asked for and what the departments answered, per appeal category.
CONTENT = {
    "labour": ("返岗员工不足,急需普工{n}名", "协调人社部门发布招聘信息,推荐求职人员到岗"),
    "financing": ("流动资金紧张,需融资{n}00万元", "对接合作银行,落实复工复产专项贷款"),
    "supply": ("上游原材料供应中断,影响复工", "协调市内供应商恢复供货"),
    "logistics": ("产品运不出去,需办理车辆通行", "办理临时通行证,协调物流企业运输"),
    "approval": ("扩建项目环评审批进度慢", "协调审批部门容缺受理,已取得批复"),
    "policy": ("稳岗补贴申报不清楚", "指导企业申报稳岗返还,资金已拨付"),
    "epidemic": ("缺少口罩、消毒液等防疫物资", "统一采购防疫物资并配送到企业"),
    "matching": ("配套企业未复工,零部件断供", "协调配套生产企业复工复产并恢复供货"),
    "land": ("新厂房用地手续未办结", "协调规划和自然资源部门加快办理用地手续"),
    "other": ("员工子女入学问题", "协调教育部门统筹安排"),
}
DEPARTMENT_OF = {code: dept for code, _name, dept, _days in APPEAL_CATEGORIES}
RATING_NOTES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "很不满意"}


def _appeal_text(category: str, rng: random.Random) -> tuple[str, str]:
    ask, answer = CONTENT[category]
    return ask.format(n=rng.randint(2, 60)), answer


def _rating(rng: random.Random) -> int:
    roll = rng.random()
    return 5 if roll < 0.7 else 4 if roll < 0.92 else 3 if roll < 0.98 else 2


# ---------------------------------------------------------------------------------------------
# 大渡口区, spring 2020


DADUKOU_TOWNS = [  # township code, number of demo enterprises
    ("500104103", 60),  # 跳磴镇
    ("500104102", 45),  # 建胜镇
    ("500104101", 40),  # 八桥镇
    ("500104004", 25),  # 茄子溪街道
    ("500104003", 20),  # 九宫庙街道
    ("500104005", 15),  # 春晖路街道
    ("500104001", 15),  # 新山村街道
    ("500104002", 10),  # 跃进村街道
]
NAME_HEADS = [
    *("钢城", "义渡", "伏牛", "双山", "建桥", "跳磴", "九宫", "春晖", "新山", "茄溪"),
    *("八桥", "建胜", "渡口", "长江", "金鳌", "松青", "百花", "锦霞", "恒通", "华渝"),
    *("鑫源", "富川", "宏达", "瑞丰", "永盛", "联航", "中渝", "天诚", "嘉陵", "明月"),
]
INDUSTRIES = [  # name, GB/T 4754-2017 class
    ("机械制造", "C3499"),
    ("齿轮传动", "C3453"),
    ("新材料", "C3099"),
    ("电子科技", "C3989"),
    ("食品", "C1499"),
    ("物流", "G5431"),
    ("建材", "C3021"),
    ("精细化工", "C2669"),
    ("包装", "C2231"),
    ("医疗器械", "C3589"),
    ("环保科技", "C3591"),
    ("汽车零部件", "C3670"),
    ("金属制品", "C3399"),
    ("智能装备", "C3490"),
]
AKITA = ("重庆秋田齿轮有限责任公司", "500104103", "C3453")  # the seed's story: 口罩近4万个, 通行证4张
VISITORS = ["王明、李华", "张强、刘洋", "陈静、杨帆", "赵磊、黄蓉", "周涛、吴敏", "徐亮、孙丽"]
BANKS = [
    ("重庆农村商业银行大渡口支行", Decimal(10000)),
    ("中国工商银行重庆大渡口支行", Decimal(8000)),
    ("中国建设银行重庆大渡口支行", Decimal(5000)),
    ("重庆银行大渡口支行", Decimal(4500)),
    ("中国银行重庆大渡口支行", Decimal(3051)),
    ("交通银行重庆大渡口支行", Decimal(2000)),
    ("重庆三峡银行大渡口支行", Decimal(1500)),
]  # 7笔, 34051万元
APPEAL_MIX = {  # 63 difficulties collected on 大渡口's own visits (经信委, spring 2020)
    "labour": 14,
    "financing": 9,
    "supply": 9,
    "logistics": 11,
    "epidemic": 11,
    "approval": 3,
    "policy": 2,
    "matching": 3,
    "other": 1,
}
# 协调全市其他区县工业企业在区内配套企业复工复产: whom the district's suppliers deliver to.
CUSTOMERS = [
    "重庆长安汽车股份有限公司",
    "重庆长安铃木汽车有限公司",
    "上汽通用五菱汽车股份有限公司重庆分公司",
    "重庆小康工业集团股份有限公司",
    "重庆力帆乘用车有限公司",
    "重庆京东方光电科技有限公司",
    "重庆惠科金渝光电科技有限公司",
    "重庆钢铁股份有限公司",
    "重庆宗申动力机械股份有限公司",
    "重庆建设工业(集团)有限责任公司",
]
RESUMED_SUPPLIERS = "全市其他区县工业企业在区内配套企业"
GUARANTEE_BATCHES = [  # 申报保供企业: date of each batch, enterprises in it (33 = 30余家)
    (date(2020, 2, 7), 11),
    (date(2020, 2, 19), 9),
    (date(2020, 3, 4), 7),
    (date(2020, 3, 18), 6),
]
GUARANTEE_APPROVED = 6  # 成功获得市级审批保供企业6家


@dataclass
class VisitPlan:
    """Visits made by one organisation and the difficulties collected on them.

    ``visited`` enterprises are each visited once and ``repeats`` of them a second time; ``twice``
    visits collect two difficulties and the rest one (``mix``: category → count). ``late``: index of
    a difficulty → working days it was resolved past its due date (cards). The last ``after``
    difficulties are resolved after ``last``, the end of the period the figures are told for.
    """

    org: Organization
    visited: list[Enterprise]
    repeats: int
    days: list[date]
    twice: int
    mix: dict[str, int]
    late: dict[int, int]
    after: int
    last: date
    record: str
    content: Callable[[str, random.Random], tuple[str, str]]
    first_days: dict[int, date] | None = None  # enterprise pk → date of its first visit


def _plan_visits(
    plan: VisitPlan, cal: Calendar, rng: random.Random, handler: Callable[[str], Organization | None]
) -> tuple[list[Visit], list[Appeal]]:
    """Write the visits of ``plan``; return them with the appeals to write (``write_appeals``)."""
    targets = plan.visited + rng.sample(plan.visited, plan.repeats)
    seen: set[int] = set()
    rows = []
    for e in targets:
        first = e.pk not in seen
        seen.add(e.pk)
        day = (plan.first_days or {}).get(e.pk) if first else None
        rows.append(
            Visit(
                enterprise=e,
                visited_on=day or rng.choice(plan.days),
                visiting_org=plan.org,
                visitors=rng.choice(VISITORS),
                record=plan.record.format(name=e.name),
            )
        )
    visits = Visit.objects.bulk_create(rows)
    per_visit = [2] * plan.twice + [1] * (len(visits) - plan.twice)
    rng.shuffle(per_visit)
    mix = [code for code, n in plan.mix.items() for _ in range(n)]
    rng.shuffle(mix)
    slots = [(i, v) for i, v in enumerate(visits) for _ in range(per_visit[i])]
    slots.sort(key=lambda s: (s[1].visited_on, s[0]))
    categories = {c.code: c for c in CaseCategory.objects.filter(workflow=WORKFLOW)}
    appeals: list[Appeal] = []
    for n, ((index, visit), code) in enumerate(zip(slots, mix, strict=True)):
        limit = categories[code].time_limit_days
        raised = visit.visited_on
        if n >= len(slots) - plan.after:  # resolved after the period
            resolved = cal.add(plan.last, rng.randint(1, 6))
        elif n in plan.late:
            resolved = cal.add(raised, limit + plan.late[n])
        else:
            resolved = min(cal.add(raised, rng.randint(0, min(limit, 6))), plan.last)
        content, answer = plan.content(code, rng)
        rated = rng.random() < 0.85
        rating = _rating(rng) if rated else None
        appeals.append(
            Appeal(
                enterprise=visit.enterprise,
                category=code,
                content=content,
                raised_on=raised,
                handling_org=handler(code),
                visit=index,
                state=AppealState.RATED if rated else AppealState.RESOLVED,
                resolved_on=resolved,
                rating=rating,
                resolution=answer,
                rating_note=RATING_NOTES[rating] if rating else "",
            )
        )
    return visits, appeals


def _dadukou_specs() -> list[tuple[str, str, str]]:
    names = [(f"重庆{h}{ind}有限公司", code) for ind, code in INDUSTRIES for h in NAME_HEADS]
    random.Random(104).shuffle(names)
    towns = [t for t, n in DADUKOU_TOWNS for _ in range(n)]
    specs = [AKITA]
    specs += [(name, town, code) for (name, code), town in zip(names, towns[1:], strict=False)]
    return specs


def _dadukou() -> None:
    rng = random.Random(20200201)
    last = SPRING_2020[1]
    cal = Calendar(date(2020, 1, 1), date(2020, 6, 30))
    district = Region.objects.get(code=DADUKOU)
    depts = _departments(district)
    jxw, czj = depts.get("经信委"), depts.get("财政局")
    gov = _government(district) or jxw
    assert gov is not None and jxw is not None

    def flags(i: int, e: Enterprise) -> None:
        e.is_above_scale = i % 5 < 2
        e.is_key = i % 10 == 0
        e.output_tier = OutputTier.OVER_100M if e.is_key else ""
        e.liaison_department = jxw if e.is_key else None

    firms = _enterprise_rows(DADUKOU, "MA61", _dadukou_specs(), flags=flags)
    akita, others = firms[0], firms[1:]
    days = cal.between(date(2020, 2, 10), date(2020, 4, 28))

    # 经信委's own visits: 42 enterprises, 48 visits; 63 difficulties collected (15 visits raised
    # two), 58 of them resolved by the end of April. 秋田齿轮 was visited the day it resumed work.
    visits, appeals = _plan_visits(
        VisitPlan(
            org=jxw,
            visited=[akita, *rng.sample(others, 41)],
            repeats=6,
            days=days,
            twice=15,
            mix=APPEAL_MIX,
            late={8: 2, 20: 2, 30: 7},
            after=5,
            last=last,
            record="了解{name}复工复产情况,收集企业困难和需求",
            content=_appeal_text,
            first_days={akita.pk: date(2020, 2, 21)},
        ),
        cal,
        rng,
        lambda code: depts.get(DEPARTMENT_OF[code]),
    )
    write_appeals(appeals, visits, cal, gov)

    # 企业困难收集表 (sent to every enterprise): labour 2037 people (2000余人), financing 46000万元
    # (4.6亿元).
    needs = [
        Need(
            enterprise=e,
            kind=NeedKind.LABOUR,
            raised_on=rng.choice(days),
            people=people,
            job_types=rng.choice(["普工", "普工、焊工", "装配工、质检员", "叉车司机、普工", "数控操作工"]),
            description="春节后返岗不足,急需招工",
        )
        for e, people in zip(rng.sample(firms, 46), split(2037, 46, 15, 80, rng), strict=True)
    ]
    needs += [
        Need(
            enterprise=e,
            kind=NeedKind.FINANCING,
            raised_on=rng.choice(days),
            amount_wan=Decimal(hundreds * 100),
            description="复工复产流动资金需求",
        )
        for e, hundreds in zip(rng.sample(firms, 23), split(460, 23, 5, 50, rng), strict=True)
    ]
    Need.objects.bulk_create(needs)

    services: list[ServiceRecord] = []
    # 协调银行解决企业融资7笔共计34051万元.
    for e, (bank, amount), day in zip(
        rng.sample(others, 7), BANKS, cal.between(date(2020, 3, 2), date(2020, 4, 24))[::5], strict=False
    ):
        services.append(
            ServiceRecord(
                enterprise=e,
                kind=ServiceKind.FINANCING,
                served_on=day,
                org=czj,
                counterpart=bank,
                amount_wan=amount,
                quantity=1,
                unit="笔",
                description="复工复产专项贷款",
            )
        )
    # 为企业协调全国、全市、全区配套生产企业89家次.
    for e, n in zip(rng.sample(firms, 26), split(89, 26, 1, 8, rng), strict=True):
        services.append(
            ServiceRecord(
                enterprise=e,
                kind=ServiceKind.MATCHING,
                served_on=rng.choice(days),
                org=jxw,
                counterpart="全国、全市、全区配套生产企业",
                quantity=n,
                unit="家次",
                description="协调配套生产企业复工供货",
            )
        )
    # 协调全市其他区县工业企业在区内配套企业复工复产134家 (秋田齿轮, 长安's supplier, first).
    services.append(
        _resumption(akita, date(2020, 2, 21), "中国长安汽车集团股份有限公司青山变速器分公司", jxw)
    )
    services += [
        _resumption(e, rng.choice(days), rng.choice(CUSTOMERS), jxw) for e in rng.sample(others, 133)
    ]
    # 帮助企业申报保供企业4批次共33家 (30余家), 成功获得市级审批保供企业6家 (each approved two
    # weeks after its application).
    applicants = rng.sample(others, sum(n for _day, n in GUARANTEE_BATCHES))
    applied = [day for day, n in GUARANTEE_BATCHES for _ in range(n)]
    services += [
        _guarantee(e, ServiceKind.GUARANTEE, day, "申报疫情防控重点保障企业", jxw)
        for e, day in zip(applicants, applied, strict=True)
    ]
    services += [
        _guarantee(e, ServiceKind.GUARANTEE_OK, cal.add(day, 10), "列入市级疫情防控重点保障企业名单", jxw)
        for e, day in rng.sample(list(zip(applicants, applied, strict=True)), GUARANTEE_APPROVED)
    ]
    # 办理“市内临时通行证”108张 (秋田齿轮 4张, on the day it resumed work).
    pass_firms = rng.sample(others, 29)
    services.append(_pass(akita, date(2020, 2, 21), 4, jxw))
    services += [
        _pass(e, rng.choice(days), n, jxw) for e, n in zip(pass_firms, split(104, 29, 1, 8, rng), strict=True)
    ]
    # 出具协调函件: 12 enterprises (10余家), two of them twice.
    letter_firms = rng.sample(others, 12)
    services += [
        ServiceRecord(
            enterprise=e,
            kind=ServiceKind.LETTER,
            served_on=rng.choice(days),
            org=jxw,
            quantity=1,
            unit="份",
            description="复工复产协调函",
        )
        for e in [*letter_firms, *letter_firms[:2]]
    ]
    # 帮助区内213家企业采购防疫物资: 酒精2批次12吨, 口罩15批次352400只, 额温枪5批次523把.
    helped = [akita, *rng.sample(others, 212)]
    alcohol_days = [date(2020, 2, 11), date(2020, 2, 25)]
    mask_days = cal.between(date(2020, 2, 12), date(2020, 4, 10))[::2][:15]
    gun_days = [date(2020, 2, 14), date(2020, 2, 28), date(2020, 3, 13), date(2020, 3, 27), date(2020, 4, 10)]
    for i, e in enumerate(helped[:12]):
        services.append(_supply(e, alcohol_days[i % 2], "酒精", 1, "吨", jxw))
    masks = [38000, *split(352400 - 38000, 199, 300, 3000, rng)]
    for i, (e, n) in enumerate(zip(helped[:200], masks, strict=True)):
        services.append(_supply(e, mask_days[i % 15], "口罩", n, "只", jxw))
    for i, (e, n) in enumerate(zip(helped[133:], split(523, 80, 2, 12, rng), strict=True)):
        services.append(_supply(e, gun_days[i % 5], "额温枪", n, "把", jxw))
    ServiceRecord.objects.bulk_create(services)


def _resumption(e: Enterprise, day: date, customer: str, org: Organization | None) -> ServiceRecord:
    return ServiceRecord(
        enterprise=e,
        kind=ServiceKind.RESUMPTION,
        served_on=day,
        org=org,
        counterpart=customer,
        description=RESUMED_SUPPLIERS,
    )


def _guarantee(e: Enterprise, kind: str, day: date, text: str, org: Organization | None) -> ServiceRecord:
    return ServiceRecord(
        enterprise=e,
        kind=kind,
        served_on=day,
        org=org,
        counterpart="重庆市经济和信息化委员会",
        description=text,
    )


def _pass(e: Enterprise, day: date, n: int, org: Organization | None) -> ServiceRecord:
    return ServiceRecord(
        enterprise=e,
        kind=ServiceKind.PASS,
        served_on=day,
        org=org,
        quantity=n,
        unit="张",
        description="市内临时通行证",
    )


def _supply(
    e: Enterprise, day: date, item: str, n: int, unit: str, org: Organization | None
) -> ServiceRecord:
    return ServiceRecord(
        enterprise=e,
        kind=ServiceKind.SUPPLIES,
        served_on=day,
        org=org,
        quantity=n,
        unit=unit,
        description=item,
    )


# ---------------------------------------------------------------------------------------------
# 潼南区, this year (dated relative to today)


# name, township, industry. The four organisations of tiaodu.core.demo (two in 古溪镇, one in 玉溪镇,
# one in 桂林街道) become enterprises too; these eighteen lie in other townships, so that the town
# users' slices (guxi, yuxi) stay as the foundation's tests know them. TONGNAN_FIRMS (at the end)
# is every enterprise the demo makes in 潼南区 besides those four.
TOWN_FIRMS = [
    ("重庆群力农产品加工有限公司", "500152109", "C1371"),
    ("重庆花岩建材有限公司", "500152112", "C3021"),
    ("重庆新胜纺织服装有限公司", "500152116", "C1810"),
    ("重庆潼南高新精密机械有限公司", "500152001", "C3484"),
    ("重庆潼南智能装备制造有限公司", "500152001", "C3499"),
    ("重庆潼南新能源科技有限公司", "500152001", "C3841"),
    ("重庆梓潼医药有限公司", "500152002", "C2720"),
    ("重庆梓潼包装材料有限公司", "500152002", "C2231"),
    ("重庆大佛食品有限公司", "500152003", "C1499"),
    ("重庆上和玩具有限公司", "500152101", "C2452"),
    ("重庆龙形农业科技有限公司", "500152102", "A0190"),
    ("重庆宝龙制衣有限公司", "500152104", "C1810"),
    ("重庆柏梓化工有限公司", "500152113", "C2669"),
    ("重庆崇龛菜籽油有限公司", "500152114", "C1331"),
    ("重庆双江建材有限公司", "500152110", "C3021"),
    ("重庆米心电子有限公司", "500152108", "C3989"),
    ("重庆塘坝机械有限公司", "500152115", "C3499"),
    ("重庆太安鱼食品有限公司", "500152117", "C1361"),
]
CORE_INDUSTRY = {  # industry codes for the organisations created by tiaodu.core.demo
    "重庆潼南古溪食品有限公司": "C1499",
    "重庆古溪机械制造有限公司": "C3499",
    "重庆玉溪新材料有限公司": "C3099",
    "重庆潼南高新电子科技有限公司": "C3989",
}

# Appeals: (enterprise index, category, working days ago, state, visit?) — index 0 is 古溪食品 (qiye).
# Overdue open cases: 古溪机械 审批 (15-day limit, 24 days ago) and 玉溪新材料 用地 (20, 30) go red;
# 古溪食品 原材料 (7, 9), 高新电子 物流 (5, 8) and 上和玩具 用工 (10, 12) go yellow.
TONGNAN_APPEALS: list[tuple[int, str, int, str, bool]] = [
    (0, "labour", 150, AppealState.RATED, True),
    (0, "logistics", 20, AppealState.RESOLVED, True),
    (0, "financing", 3, AppealState.IN_PROGRESS, False),
    (0, "supply", 9, AppealState.ASSIGNED, False),
    (1, "approval", 24, AppealState.IN_PROGRESS, True),
    (1, "labour", 120, AppealState.RATED, True),
    (2, "land", 30, AppealState.ASSIGNED, True),
    (2, "policy", 90, AppealState.RATED, True),
    (3, "logistics", 8, AppealState.IN_PROGRESS, True),
    (3, "matching", 60, AppealState.RATED, True),
    (4, "epidemic", 140, AppealState.RATED, True),
    (5, "labour", 45, AppealState.RATED, True),
    (6, "supply", 100, AppealState.RATED, True),
    (7, "financing", 75, AppealState.RATED, True),
    (8, "labour", 35, AppealState.RATED, True),
    (9, "approval", 70, AppealState.RATED, True),
    (10, "financing", 55, AppealState.RESOLVED, True),
    (11, "other", 2, AppealState.RETURNED, False),
    (12, "labour", 40, AppealState.RATED, True),
    (13, "labour", 12, AppealState.IN_PROGRESS, True),
    (14, "logistics", 95, AppealState.RATED, True),
    (15, "policy", 30, AppealState.RATED, True),
    (16, "supply", 25, AppealState.RATED, True),
    (17, "matching", 15, AppealState.RESOLVED, True),
    (18, "labour", 110, AppealState.RATED, True),
    (19, "financing", 1, AppealState.ACCEPTED, False),
    (20, "epidemic", 65, AppealState.RATED, True),
    (21, "other", 0, AppealState.ACCEPTED, False),
    (5, "financing", 28, AppealState.RATED, False),
    (7, "logistics", 50, AppealState.RATED, False),
]


def _tongnan() -> None:
    from tiaodu.core.demo import ENTERPRISES

    rng = random.Random(500152)
    today = timezone.localdate()
    cal = Calendar(today - timedelta(days=400), today + timedelta(days=120))
    district = Region.objects.get(code=TONGNAN)
    depts = _departments(district)
    jxw = depts.get("经信委")
    gov = _government(district) or jxw
    assert gov is not None
    users = {u.username: u for u in User.objects.filter(username__in=["leader", "jxw", "squad1"])}
    squad = Organization.objects.filter(kind=OrgKind.SQUAD, region=district).order_by("name").first()

    # The organisations tiaodu.core.demo made (古溪食品 is qiye's) become enterprises, then 18 more.
    core_orgs = Organization.objects.filter(code__in=[c for _n, c, _t in ENTERPRISES]).select_related(
        "region"
    )
    existing = {e.organization_id: e for e in Enterprise.objects.filter(organization__in=core_orgs)}
    by_code = {o.code: o for o in core_orgs}
    firms: list[Enterprise] = []
    for _n, code, _t in ENTERPRISES:
        org = by_code[code]
        firm = existing.get(org.pk) or Enterprise.objects.create(
            credit_code=org.code,
            name=org.name,
            organization=org,
            township=org.region,
            industry_code=CORE_INDUSTRY.get(org.name, ""),
        )
        firms.append(firm)
    firms += _enterprise_rows(TONGNAN, "MA62", TOWN_FIRMS)
    for i, e in enumerate(firms):
        e.is_above_scale = i < 16
        e.is_key = i in (0, 1, 2, 3, 5, 6, 9)
        e.output_tier = OutputTier.OVER_100M if e.is_key else OutputTier.UNDER_50M
        e.is_specialized = i in (3, 6)
        e.is_shuangbai = i == 3
        e.liaison_department = jxw if e.is_key else None
        e.liaison_leader = users.get("leader") if i in (0, 3) else None
        e.resident_officer = users.get("jxw") if i in (1, 3) else None
        e.squad = squad if i in (1, 2, 6, 7) else None
        e.contact_name = "企业联络员"
    Enterprise.objects.bulk_update(
        firms,
        [
            "is_above_scale",
            "is_key",
            "output_tier",
            "is_specialized",
            "is_shuangbai",
            "liaison_department",
            "liaison_leader",
            "resident_officer",
            "squad",
            "contact_name",
        ],
    )

    towns = {o.region_id: o for o in Organization.objects.filter(region__parent=district, kind=OrgKind.TOWN)}
    visits: list[Visit] = []
    appeals: list[Appeal] = []
    categories = {c.code: c for c in CaseCategory.objects.filter(workflow=WORKFLOW)}
    for index, code, ago, state, on_visit in TONGNAN_APPEALS:
        e = firms[index]
        raised = cal.back(today, ago)
        visit = None
        if on_visit:
            visit = len(visits)
            visits.append(
                Visit(
                    enterprise=e,
                    visited_on=raised,
                    visiting_org=jxw if index % 3 else towns.get(e.township_id, jxw),
                    visitors=rng.choice(VISITORS),
                    record=f"到{e.name}现场办公,了解生产经营情况和困难诉求",
                    created_by=users.get("jxw"),
                )
            )
        content, answer = _appeal_text(code, rng)
        limit = categories[code].time_limit_days
        resolved = None
        if state in (AppealState.RESOLVED, AppealState.RATED):
            resolved = min(cal.add(raised, rng.randint(1, limit - 1)), cal.back(today, 1))
        rating = _rating(rng) if state == AppealState.RATED else None
        appeals.append(
            Appeal(
                enterprise=e,
                category=code,
                content=content,
                raised_on=raised,
                handling_org=categories[code].department or depts.get(DEPARTMENT_OF[code]),
                source="走访" if on_visit else "企业自主提交",
                visit=visit,
                state=state,
                resolved_on=resolved,
                rating=rating,
                resolution=answer if resolved else "",
                rating_note=RATING_NOTES[rating] if rating else "",
            )
        )
    # Visits that heard no difficulty.
    for index, ago in ((4, 10), (6, 33), (9, 5), (12, 80), (15, 44)):
        visits.append(
            Visit(
                enterprise=firms[index],
                visited_on=cal.back(today, ago),
                visiting_org=jxw,
                visitors=rng.choice(VISITORS),
                record="企业生产经营正常,暂无困难",
                created_by=users.get("jxw"),
            )
        )
    visits = Visit.objects.bulk_create(visits)
    write_appeals(appeals, visits, cal, gov)

    recent = list(_recent(cal, today, 5, 150))
    Need.objects.bulk_create(
        [
            Need(
                enterprise=firms[i],
                kind=NeedKind.LABOUR,
                raised_on=day,
                people=people,
                job_types="普工",
                description="订单增加,需扩招",
            )
            for i, people, day in zip(
                (0, 1, 3, 5, 9, 11, 13, 16), (60, 45, 120, 80, 35, 70, 40, 36), recent, strict=False
            )
        ]
        + [
            Need(
                enterprise=firms[i],
                kind=NeedKind.FINANCING,
                raised_on=day,
                amount_wan=Decimal(amount),
                description="技改扩能资金需求",
            )
            for i, amount, day in zip(
                (0, 2, 3, 6, 10), (1500, 3000, 5000, 2300, 1000), recent[8:], strict=False
            )
        ]
        + [
            Need(enterprise=firms[4], kind=NeedKind.SUPPLY, raised_on=recent[14], description="芯片供应紧张"),
            Need(
                enterprise=firms[17],
                kind=NeedKind.LOGISTICS,
                raised_on=recent[15],
                description="冷链运输车辆不足",
            ),
        ]
    )
    ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                enterprise=firms[2],
                kind=ServiceKind.FINANCING,
                served_on=recent[2],
                org=depts.get("财政局"),
                counterpart="重庆农村商业银行潼南支行",
                amount_wan=Decimal(3000),
                quantity=1,
                unit="笔",
            ),
            ServiceRecord(
                enterprise=firms[6],
                kind=ServiceKind.FINANCING,
                served_on=recent[6],
                org=depts.get("财政局"),
                counterpart="重庆银行潼南支行",
                amount_wan=Decimal(1500),
                quantity=1,
                unit="笔",
            ),
            ServiceRecord(
                enterprise=firms[3],
                kind=ServiceKind.MATCHING,
                served_on=recent[4],
                org=jxw,
                quantity=3,
                unit="家次",
            ),
            ServiceRecord(
                enterprise=firms[9],
                kind=ServiceKind.MATCHING,
                served_on=recent[9],
                org=jxw,
                quantity=2,
                unit="家次",
            ),
            ServiceRecord(
                enterprise=firms[3],
                kind=ServiceKind.RECRUITMENT,
                served_on=recent[1],
                org=depts.get("人社局"),
                quantity=126,
                unit="人",
                description="“春风行动”专场招聘会",
            ),
            ServiceRecord(
                enterprise=firms[11],
                kind=ServiceKind.RECRUITMENT,
                served_on=recent[1],
                org=depts.get("人社局"),
                quantity=89,
                unit="人",
                description="“春风行动”专场招聘会",
            ),
            ServiceRecord(
                enterprise=firms[2],
                kind=ServiceKind.POLICY,
                served_on=recent[7],
                org=depts.get("财政局"),
                amount_wan=Decimal("35.6"),
                description="稳岗返还",
            ),
            ServiceRecord(
                enterprise=firms[0],
                kind=ServiceKind.LETTER,
                served_on=recent[3],
                org=jxw,
                quantity=1,
                unit="份",
            ),
        ]
    )


def _recent(cal: Calendar, today: date, step: int, span: int) -> Iterator[date]:
    """Working days going back from yesterday, every ``step`` working days, at most ``span`` back."""
    for ago in range(1, span, step):
        yield cal.back(today, ago)


# ---------------------------------------------------------------------------------------------
# 潼南区, first quarter of 2022: the visits of 潼南高新区


GAOXIN = ("重庆潼南高新技术产业开发区管理委员会", "潼南高新区")  # the visiting unit: name, 简称
Q1_2022 = (date(2022, 1, 1), date(2022, 3, 31))
GAOXIN_TOWNS = [  # the townships around the zone: code, number of new demo enterprises
    ("500152001", 42),  # 桂林街道
    ("500152002", 42),  # 梓潼街道
    ("500152003", 30),  # 大佛街道
    ("500152101", 22),  # 上和镇
]
# Enterprises made by _tongnan (and tiaodu.core.demo) that 潼南高新区 visited too: those in the
# townships above and three industrial ones nearby. None lies in 古溪镇 or 玉溪镇, whose users'
# slices the foundation's tests know. (Reusing them also keeps 潼南区 under 200 organisations,
# one page of the organisation API.)
GAOXIN_KNOWN = [
    "重庆潼南高新电子科技有限公司",
    "重庆潼南高新精密机械有限公司",
    "重庆潼南智能装备制造有限公司",
    "重庆潼南新能源科技有限公司",
    "重庆梓潼医药有限公司",
    "重庆梓潼包装材料有限公司",
    "重庆大佛食品有限公司",
    "重庆上和玩具有限公司",
    "重庆双江建材有限公司",
    "重庆米心电子有限公司",
    "重庆花岩建材有限公司",
]
GAOXIN_NAMED = [  # enterprises of the seed report (industry codes GB/T 4754-2017)
    ("重庆海汇新材料股份有限公司", "C2929"),
    ("重庆志特新材料科技有限公司", "C3311"),
    ("重庆景裕电子科技有限公司", "C3989"),
    ("重庆双喆玩具有限公司", "C2452"),
    ("重庆泰盛纸业有限公司", "C2221"),
    ("重庆庆龙新材料科技有限公司", "C3252"),
]
# Name heads of the zone's other demo enterprises. Each sorts after "玉溪": the organisation list
# (30 a page, by name) then still shows 重庆玉溪新材料有限公司 on its first page, as the foundation's
# tests expect.
GAOXIN_HEADS = [
    *("琼江", "瑞祥", "盛达", "益民", "福瑞", "聚源", "蜀潼", "远航"),
    *("通达", "金佛", "鑫源", "锦华", "青山", "顺达", "鸿运", "鹏程"),
]
GAOXIN_MIX = {  # 254 difficulties collected on the zone's visits in the quarter
    "labour": 70,
    "financing": 40,
    "policy": 45,
    "approval": 25,
    "supply": 20,
    "logistics": 15,
    "land": 12,
    "matching": 10,
    "epidemic": 5,
    "other": 12,
}
# What enterprises in the zone asked for in early 2022 and what was done, per appeal category.
CONTENT_2022 = {
    "labour": ("春节后用工缺口大,急需普工{n}名", "联合区人社局开展“春风行动”专场招聘,求职专车送人到厂"),
    "financing": ("扩产流动资金不足,需融资{n}00万元", "对接合作银行发放专项贷款,落实贴息政策"),
    "policy": ("减税降费、留抵退税政策如何享受不清楚", "上门宣讲减税降费政策,指导企业办理留抵退税"),
    "approval": ("技改项目备案和环评手续办理进度慢", "现场办公协调审批部门并联审批,已取得批复"),
    "supply": ("原材料价格上涨,供应不稳定", "协调本地上游企业保障供货"),
    "logistics": ("园区货运车辆通行和停放不便", "协调交通部门优化园区货运线路和停车安排"),
    "land": ("扩建厂房用地指标未落实", "协调规划和自然资源部门调整用地计划,加快供地"),
    "matching": ("本地缺少配套企业,零部件需外地采购", "组织园区企业开展产业链供需对接"),
    "epidemic": ("疫情防控物资储备不足", "协调防疫物资并指导企业完善防控方案"),
    "other": ("申报“专精特新”企业需要指导", "安排专人辅导企业准备申报材料,已按时提交"),
}


def _appeal_text_2022(category: str, rng: random.Random) -> tuple[str, str]:
    ask, answer = CONTENT_2022[category]
    return ask.format(n=rng.randint(5, 80)), answer


def gaoxin_org() -> Organization:
    """潼南高新区管委会 (a government organisation of 潼南区), made once."""
    from tiaodu.orgs import services as orgs

    district = Region.objects.get(code=TONGNAN)
    name, short = GAOXIN
    existing = Organization.objects.filter(name=name, kind=OrgKind.GOVERNMENT, region=district).first()
    return existing or orgs.create_organization(
        None, name=name, kind=OrgKind.GOVERNMENT, region=district, short_name=short
    )


def _gaoxin_specs() -> list[tuple[str, str, str]]:
    taken = {n for n, _t, _i in TOWN_FIRMS} | set(CORE_INDUSTRY)
    named = {n for n, _i in GAOXIN_NAMED}
    names = [
        (f"重庆{h}{ind}有限公司", code)
        for ind, code in INDUSTRIES
        for h in GAOXIN_HEADS
        if f"重庆{h}{ind}有限公司" not in taken | named
    ]
    random.Random(152).shuffle(names)
    towns = [t for t, n in GAOXIN_TOWNS for _ in range(n)]
    pool = [*GAOXIN_NAMED, *names]
    return [(name, town, code) for (name, code), town in zip(pool, towns, strict=False)]


def _tongnan_gaoxin() -> None:
    """潼南高新区, 2022年一季度: 走访企业147家,现场收集困难254件次,解决236件次 (潼南 seed)."""
    rng = random.Random(20220101)
    cal = Calendar(date(2021, 12, 1), date(2022, 6, 30))
    district = Region.objects.get(code=TONGNAN)
    depts = _departments(district)
    categories = {c.code: c for c in CaseCategory.objects.filter(workflow=WORKFLOW)}
    gov = _government(district)
    zone = gaoxin_org()

    def flags(i: int, e: Enterprise) -> None:
        e.is_above_scale = i % 3 == 0
        e.output_tier = OutputTier.OVER_50M if e.is_above_scale else OutputTier.UNDER_50M

    firms = _enterprise_rows(TONGNAN, "MA63", GAOXIN_FIRMS, flags=flags)
    known = list(Enterprise.objects.filter(name__in=GAOXIN_KNOWN, township__parent=district).order_by("name"))
    # 147 enterprises (all 136 new ones and 11 known), 171 visits (24 visited twice); 254
    # difficulties (83 visits raised two), 236 of them resolved within the quarter, the last 18 in
    # April.
    visited = [*firms, *known]
    assert len(visited) == 147
    visits, appeals = _plan_visits(
        VisitPlan(
            org=zone,
            visited=visited,
            repeats=24,
            days=cal.between(date(2022, 1, 4), date(2022, 3, 30)),
            twice=83,
            mix=GAOXIN_MIX,
            late={30: 2, 90: 3, 150: 8},
            after=18,
            last=Q1_2022[1],
            record="现场办公,了解{name}生产经营、创新研发和市场开拓情况,面对面收集困难诉求",
            content=_appeal_text_2022,
        ),
        cal,
        rng,
        lambda code: categories[code].department or depts.get(DEPARTMENT_OF[code]),
    )
    write_appeals(appeals, visits, cal, gov or zone)


GAOXIN_FIRMS = _gaoxin_specs()
# Every enterprise the demo makes in 潼南区 besides tiaodu.core.demo's four: name, township, industry.
TONGNAN_FIRMS = [*TOWN_FIRMS, *GAOXIN_FIRMS]
