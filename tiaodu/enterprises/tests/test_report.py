"""企业服务情况: the report reproduces the seeds' figures from records, within the user's scope."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone
from stdnum.cn import uscc

from tiaodu.cases import services as cases
from tiaodu.cases.models import CardRecord, Case, CaseEvent
from tiaodu.cases.workdays import add_workdays
from tiaodu.core.errors import InvalidInput
from tiaodu.enterprises import services
from tiaodu.enterprises.choices import AppealState, NeedKind, ServiceKind
from tiaodu.enterprises.demo import load_enterprise_demo
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.enterprises.report import enterprise_service_report
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

SPRING = ("500104", date(2020, 2, 1), date(2020, 4, 30))  # 大渡口区, 2月至今 (the 大渡口 seed)
Q1_2022 = ("500152", date(2022, 1, 1), date(2022, 3, 31))  # 潼南区, 一季度 (the 潼南 seed)
# 潼南 seed: "潼南高新区……一季度,走访企业147家,现场收集困难254件次,解决236件次"
GAOXIN_SENTENCE = "走访企业147家,现场收集困难254件次,解决236件次"
# 大渡口 seed (经济信息委, 2月至今)
SEED_SENTENCES = [
    "帮助区内200余家企业采购酒精2批次共10余吨、口罩15批次共35万余只、额温枪5批次共500余把",
    "帮助10余家企业及时出具各类协调函件,并办理“市内临时通行证”100余张",
    "收集企业用工需求2000余人、助融资需求4.6亿元",
    "协调银行解决企业融资7笔共计34051万元",
    "为企业协调配套生产企业89家次",
    "协调全市其他区县工业企业在区内配套企业复工复产134家",
    "帮助企业申报保供企业4批次共30余家,成功获得市级审批保供企业6家",
]

SPRING_BULLETIN = (
    "2020年2月1日至4月30日,大渡口区走访企业42家,现场收集困难63件次,解决58件次。"
    "帮助区内200余家企业采购酒精2批次共10余吨、口罩15批次共35万余只、额温枪5批次共500余把,帮助10余家企业及时出具各类协调函件,并办理“市内临时通行证”100余张。"
    "收集企业用工需求2000余人、助融资需求4.6亿元。"
    "协调银行解决企业融资7笔共计34051万元,为企业协调配套生产企业89家次,"
    "协调全市其他区县工业企业在区内配套企业复工复产134家,"
    "帮助企业申报保供企业4批次共30余家,成功获得市级审批保供企业6家。"
    "受理企业诉求63件,办结58件,办结率92.1%,平均办理2.8个工作日。"
    "逾期挂牌督办红牌1件、黄牌2件。"
    "企业评价47件,满意率100%,平均4.7分。"
)
Q1_BULLETIN = (
    "2022年1月1日至3月31日,潼南高新区走访企业147家,现场收集困难254件次,解决236件次。"
    "潼南区受理企业诉求254件,办结236件,办结率92.9%,平均办理3.2个工作日。"
    "逾期挂牌督办红牌1件、黄牌2件。"
    "企业评价200件,满意率97.5%,平均4.6分。"
)
GAOXIN_TOWNS = {"桂林街道", "梓潼街道", "大佛街道", "上和镇", "双江镇", "米心镇", "花岩镇"}

# --- the demo: 潼南区, first quarter of 2022 (潼南高新区's visits) -----------------------------------


def test_demo_tongnan_q1_2022_tells_the_gaoxin_visits() -> None:
    r = enterprise_service_report(*Q1_2022)
    assert (r.visited_enterprises, r.collected, r.collected_resolved) == (147, 254, 236)
    assert r.visits == 171
    assert r.sentences["visits"] == GAOXIN_SENTENCE
    assert r.paragraph.startswith(f"2022年1月1日至3月31日,潼南区{GAOXIN_SENTENCE}。")
    # Every difficulty was raised on a visit in the quarter; 236 resolved by its end, 18 in April.
    t = r.totals
    assert (t.appeals, t.resolved, t.unresolved) == (254, 236, 18)
    assert "受理企业诉求254件,办结236件,办结率92.9%" in r.paragraph
    assert t.red >= 1 and t.yellow >= 1 and (t.current_red, t.current_yellow) == (0, 0)
    # The visits were made by 潼南高新区管委会, a government organisation of 潼南区, to
    # enterprises in the townships around the zone.
    visits = Visit.objects.filter(visited_on__range=Q1_2022[1:], enterprise__township__parent__code="500152")
    units = set(visits.values_list("visiting_org__name", "visiting_org__short_name", "visiting_org__kind"))
    assert units == {("重庆潼南高新技术产业开发区管理委员会", "潼南高新区", OrgKind.GOVERNMENT)}
    assert (
        visits.values("visiting_org__region__code").distinct().get()["visiting_org__region__code"] == "500152"
    )
    assert {row.name for row in r.by_township} == GAOXIN_TOWNS
    assert sum(row.visited_enterprises for row in r.by_township) == 147
    assert sum(row.collected for row in r.by_township) == 254
    assert sum(row.collected_resolved for row in r.by_township) == 236
    # No needs or services are told for the quarter: the seed gives none for the zone.
    assert not (r.labour_needs or r.financing_count or r.matching or r.supplies or r.resumption)


def test_report_names_the_visiting_unit() -> None:
    gaoxin = Organization.objects.get(short_name="潼南高新区")
    for org in ("潼南高新区", "重庆潼南高新技术产业开发区管理委员会", str(gaoxin.pk), gaoxin.pk, gaoxin):
        r = enterprise_service_report(*Q1_2022, org=org)
        assert (r.org_id, r.org_name) == (gaoxin.pk, "潼南高新区")
        assert r.sentences["visits"] == f"潼南高新区{GAOXIN_SENTENCE}"
        assert r.paragraph == Q1_BULLETIN
    # Another unit made no visits in the quarter: the rest of the report stays the district's.
    jxw = enterprise_service_report(*Q1_2022, org="经信委")  # 潼南's, settled by the region
    assert jxw.visits == 0 and jxw.totals.appeals == 254
    assert jxw.paragraph.startswith("2022年1月1日至3月31日,经信委无走访企业记录。潼南区受理企业诉求254件")
    with pytest.raises(InvalidInput) as exc:
        enterprise_service_report("500000", *Q1_2022[1:], org="经信委")  # 潼南's and 大渡口's
    assert exc.value.errors[0].code == "org_ambiguous"
    with pytest.raises(InvalidInput) as exc:
        enterprise_service_report(*Q1_2022, org="不存在的单位")
    assert exc.value.errors[0].code == "org_unknown"
    with pytest.raises(InvalidInput) as exc:
        enterprise_service_report(*Q1_2022, org="99999999")
    assert exc.value.errors[0].code == "org_unknown"


# --- the demo: 大渡口区, spring 2020 ----------------------------------------------------------------


def test_demo_dadukou_reproduces_its_seed_figures() -> None:
    r = enterprise_service_report(*SPRING)
    assert 2000 <= r.labour_people <= 2099
    assert r.financing_need_wan == Decimal(46000)
    assert (r.financing_count, r.financing_wan) == (7, Decimal(34051))
    assert r.matching == 89
    assert [(x.item, x.quantity, x.unit) for x in r.resumption] == [
        ("全市其他区县工业企业在区内配套企业", Decimal(134), "家")
    ]
    assert (r.guarantee_batches, r.guarantee_approved) == (4, 6)
    assert 30 <= r.guarantee_enterprises < 40
    assert 200 <= r.supplies_enterprises < 300
    assert [(x.item, x.batches, x.unit) for x in r.supplies] == [
        ("酒精", 2, "吨"),
        ("口罩", 15, "只"),
        ("额温枪", 5, "把"),
    ]
    assert 10 <= r.supplies[0].quantity < 20 and 350000 <= r.supplies[1].quantity < 360000
    assert 10 <= r.letter_enterprises < 20
    assert [(x.item, x.unit) for x in r.passes] == [("市内临时通行证", "张")] and 100 <= r.passes[
        0
    ].quantity < 200
    for sentence in SEED_SENTENCES:
        assert sentence in r.paragraph, sentence
    # 大渡口's own visits are a smaller set: not the 潼南 seed's 147/254/236.
    assert (r.visited_enterprises, r.collected, r.collected_resolved) == (42, 63, 58)
    assert r.visits == 48
    assert "147" not in r.paragraph and "254" not in r.paragraph and "236" not in r.paragraph
    assert r.paragraph.startswith("2020年2月1日至4月30日,大渡口区走访企业42家,现场收集困难63件次,解决58件次")
    # The sentences agree with each other: every appeal was collected on a visit.
    t = r.totals
    assert (t.appeals, t.resolved, t.unresolved) == (63, 58, 5)
    assert "受理企业诉求63件,办结58件,办结率92.1%" in r.paragraph
    assert t.avg_days is not None and Decimal(0) < t.avg_days < Decimal(10)
    assert t.red >= 1 and t.yellow >= 1 and (t.current_red, t.current_yellow) == (0, 0)
    assert f"逾期挂牌督办红牌{t.red}件、黄牌{t.yellow}件" in r.paragraph
    assert 0 < t.satisfied <= t.rated < t.resolved
    # The approved 保供企业 are among the applicants, approved after they applied.
    applied = dict(
        ServiceRecord.objects.filter(kind=ServiceKind.GUARANTEE).values_list("enterprise", "served_on")
    )
    approved = ServiceRecord.objects.filter(kind=ServiceKind.GUARANTEE_OK)
    assert approved.count() == 6
    assert all(row.served_on > applied[row.enterprise_id] for row in approved)


def test_breakdowns_add_up() -> None:
    r = enterprise_service_report(*SPRING)
    assert sum(row.appeals for row in r.by_department) == r.totals.appeals
    assert sum(row.resolved for row in r.by_department) == r.totals.resolved
    assert {row.name for row in r.by_department} >= {"区人力社保局", "区财政局", "区经济信息委", "区交通局"}
    towns = {row.name: row for row in r.by_township}
    assert "跳磴镇" in towns and len(towns) >= 6
    assert set(towns) <= set(Region.objects.filter(parent__code="500104").values_list("name", flat=True))
    assert sum(row.visited_enterprises for row in r.by_township) == 42
    assert sum(row.collected for row in r.by_township) == 63
    assert sum(row.collected_resolved for row in r.by_township) == 58
    assert sum(row.red + row.yellow for row in r.by_township) == r.totals.red + r.totals.yellow
    # A township's own report agrees with its row in the district's.
    tiaodeng = Region.objects.get(name="跳磴镇", parent__code="500104")
    own = enterprise_service_report(tiaodeng, SPRING[1], SPRING[2])
    row = towns["跳磴镇"]
    assert (own.visited_enterprises, own.collected, own.totals.appeals) == (
        row.visited_enterprises,
        row.collected,
        row.appeals,
    )
    assert "帮助区内" not in own.paragraph  # "区内" only for a district


def _asks(district: str, period: tuple[date, date]) -> set[str]:
    cases = Case.objects.filter(region__parent__code=district, raised_on__range=period)
    return {re.sub(r"\d+", "N", text) for text in cases.values_list("description", flat=True)}


def test_demo_blocks_tell_their_own_difficulties() -> None:
    """大渡口's appeals are spring 2020's (复工复产), 潼南高新区's early 2022's: none read alike."""
    dadukou, gaoxin = _asks("500104", SPRING[1:]), _asks("500152", Q1_2022[1:])
    assert len(dadukou) >= 8 and len(gaoxin) == 10
    assert not dadukou & gaoxin
    assert any("复工" in text for text in dadukou) and any("减税降费" in text for text in gaoxin)


@pytest.mark.parametrize(
    ("district", "period", "count"), [("500104", SPRING[1:], 63), ("500152", Q1_2022[1:], 254)]
)
def test_demo_appeals_are_real_cases(district: str, period: tuple[date, date], count: int) -> None:
    appeals = Case.objects.filter(workflow="appeal", region__parent__code=district, raised_on__range=period)
    assert appeals.count() == count
    orgs = dict(Enterprise.objects.values_list("organization", "township"))
    for case in appeals.select_related("category")[:40]:
        assert case.workflow == "appeal"
        assert re.fullmatch(rf"AP{case.raised_on:%Y}{case.pk:07d}", case.number)
        assert case.due_on == add_workdays(case.raised_on, case.category.time_limit_days)
        assert orgs[case.submitter_org_id] == case.region_id
        assert case.is_open is False and case.state in (AppealState.RESOLVED, AppealState.RATED)
        assert case.accepted_at and case.resolved_at and case.accepted_at <= case.resolved_at
        assert (case.rating is not None) == (case.state == AppealState.RATED)
        opened = case.events.get(action="open")
        assert opened.created_at == case.accepted_at and opened.to_state == AppealState.ACCEPTED
        assert case.events.filter(action="resolve", to_state=AppealState.RESOLVED).exists()
    # Every case was collected on a visit of its own enterprise.
    linked = Visit.cases.through.objects.filter(case__in=appeals)
    assert linked.count() == count
    assert not linked.exclude(visit__enterprise__organization=F("case__submitter_org")).exists()
    # Late cases carry their card history, lifted on resolution.
    for record in CardRecord.objects.filter(case__in=appeals):
        assert record.lifted_on is not None and record.case.resolved_at is not None
        assert record.issued_on > record.case.due_on


def test_demo_credit_codes_are_valid_and_qiye_sees_its_enterprise(users: Any) -> None:
    codes = list(Enterprise.objects.values_list("credit_code", flat=True))
    assert len(codes) >= 250
    assert all(uscc.is_valid(code) for code in codes)
    mine = list(Enterprise.objects.restrict(users["qiye"]))
    assert [e.name for e in mine] == ["重庆潼南古溪食品有限公司"]
    assert mine[0].organization_id == users["qiye"].organization_id
    own_cases = Case.objects.restrict(users["qiye"])
    assert own_cases.count() >= 3
    assert set(own_cases.values_list("submitter_org", flat=True)) == {users["qiye"].organization_id}
    assert own_cases.filter(state=AppealState.RESOLVED).exists()  # waiting for the enterprise's rating


def test_demo_tongnan_has_overdue_cards_and_loads_idempotently() -> None:
    today = timezone.localdate()
    r = enterprise_service_report("500152", today - timedelta(days=400), today)
    assert (r.totals.current_red, r.totals.current_yellow) == (2, 3)
    assert "目前仍挂红牌2件、黄牌3件" in r.paragraph
    towns = {row.name for row in r.by_township}
    assert {"古溪镇", "玉溪镇", "桂林街道"} <= towns

    def counts() -> tuple[int, ...]:
        return tuple(
            model.objects.count()
            for model in (Enterprise, Organization, Visit, Case, CaseEvent, CardRecord, Need, ServiceRecord)
        )

    before = counts()
    load_enterprise_demo()
    assert counts() == before


# --- records made through the services ------------------------------------------------------------


@pytest.fixture
def wanzhou() -> Region:
    """A district without demo records: 万州区."""
    return Region.objects.get(code="500101")


def _town(district: Region, n: int = 0) -> Region:
    return Region.objects.filter(parent=district, level=Level.TOWNSHIP).order_by("code")[n]


def _code(serial: int) -> str:
    body = f"91500101MA7X{serial:05d}"
    return body + uscc.calc_check_digit(body)


def test_report_from_records_made_through_services(users: Any, wanzhou: Region) -> None:
    today = timezone.localdate()
    day = today - timedelta(days=10)
    town_a, town_b = _town(wanzhou, 0), _town(wanzhou, 1)
    e1, _ = services.save_enterprise(None, _code(1), town_a, name="万州一号机械有限公司")
    e2, _ = services.save_enterprise(None, _code(2), town_a, name="万州二号食品有限公司")
    e3, _ = services.save_enterprise(None, _code(3), town_b, name="万州三号物流有限公司")
    v1 = services.record_visit(None, e1, day, "王明、李华")
    services.record_visit(None, e1, day + timedelta(days=1), "王明")
    v3 = services.record_visit(None, e2, day, "张强")
    a1 = services.raise_appeal(None, e1, "用工", "急需普工30名", day, visit=v1)
    a2 = services.raise_appeal(None, e1, "融资", "流动资金紧张", day, visit=v1)
    services.raise_appeal(None, e2, "物流运输", "产品运不出去", day, visit=v3)
    services.raise_appeal(None, e3, "其他", "员工子女入学", day, source="12345")
    admin = users["admin"]
    for case in (a1, a2):
        for action in ("assign", "start", "resolve"):
            cases.transition(admin, case.pk, cases.Step(action, note="已协调解决"))
    for people in (1234, 800):
        services.record_need(None, e1, services.NeedInput(NeedKind.LABOUR, day, people=people))
    for wan in (30000, 16000):
        services.record_need(None, e2, services.NeedInput(NeedKind.FINANCING, day, amount_wan=Decimal(wan)))
    services.record_need(None, e3, services.NeedInput(NeedKind.LOGISTICS, day))
    for wan in (20000, 14051):
        services.record_service(
            None, e1, kind=ServiceKind.FINANCING, served_on=day, counterpart="银行", amount_wan=Decimal(wan)
        )
    for n in (5, 4):
        services.record_service(None, e2, kind=ServiceKind.MATCHING, served_on=day, quantity=n, unit="家次")
    services.record_service(None, e3, kind=ServiceKind.MATCHING, served_on=day)  # no quantity: once
    services.record_service(None, e3, kind=ServiceKind.PASS, served_on=day, quantity=12, unit="张")

    for e, customer in ((e1, "重庆长安汽车股份有限公司"), (e2, "重庆长安汽车股份有限公司"), (e3, "")):
        services.record_service(
            None,
            e,
            kind=ServiceKind.RESUMPTION,
            served_on=day,
            counterpart=customer,
            description="外区企业配套企业",
        )
    services.record_service(None, e1, kind=ServiceKind.RESUMPTION, served_on=day)  # no 说明: 企业
    for e, when in ((e1, day), (e2, day), (e3, day + timedelta(days=1))):
        services.record_service(
            None, e, kind=ServiceKind.GUARANTEE, served_on=when, description="申报保供企业"
        )
    services.record_service(None, e2, kind=ServiceKind.GUARANTEE_OK, served_on=day + timedelta(days=2))

    r = enterprise_service_report(wanzhou, day, today)
    assert r.sentences["resumption"] == "协调外区企业配套企业复工复产3家、企业复工复产1家"
    assert r.sentences["guarantee"] == "帮助企业申报保供企业2批次共3家,成功获得市级审批保供企业1家"
    assert (r.visits, r.visited_enterprises, r.collected, r.collected_resolved) == (3, 2, 3, 2)
    assert (r.totals.appeals, r.totals.resolved) == (4, 2)
    assert r.totals.avg_days == Decimal(0)  # accepted and resolved today
    assert r.sentences["visits"] == "走访企业2家,现场收集困难3件次,解决2件次"
    assert r.sentences["needs"] == "收集企业用工需求2000余人、助融资需求4.6亿元、物流运输需求1项"
    assert r.sentences["financing"] == "协调银行解决企业融资2笔共计34051万元"
    assert r.sentences["matching"] == "为企业协调配套生产企业10家次"
    assert r.sentences["passes"] == "办理通行证10余张"
    assert r.sentences["appeals"] == "受理企业诉求4件,办结2件,办结率50%,平均办理0个工作日"
    assert r.sentences["cards"] == "无逾期挂牌督办事项"
    assert {row.name: (row.appeals, row.visited_enterprises) for row in r.by_township} == {
        town_a.name: (3, 1 + 1),
        town_b.name: (1, 0),
    }
    # The enterprise rates the answer: satisfaction appears.
    from tiaodu.accounts.services import create_user

    rater = create_user(None, username="wz1", role="enterprise", org=_code(1), password="Pw-rate-2026x").user
    cases.transition(rater, a1.pk, cases.Step("rate", rating=5, note="满意"))
    r = enterprise_service_report(wanzhou, day, today)
    assert (r.totals.rated, r.totals.satisfied, r.totals.avg_rating) == (1, 1, Decimal(5))
    assert r.sentences["satisfaction"] == "企业评价1件,满意率100%,平均5分"
    # Yesterday's report does not count today's resolutions.
    r = enterprise_service_report(wanzhou, day, today - timedelta(days=1))
    assert (r.collected, r.collected_resolved, r.totals.resolved) == (3, 0, 0)


def test_bulk_rows_count_the_same_as_service_rows(wanzhou: Region) -> None:
    """Imports write rows in bulk: the report counts rows, however they were written."""
    day = date(2021, 6, 1)
    e, _ = services.save_enterprise(None, _code(9), _town(wanzhou), name="万州九号有限公司")
    Need.objects.bulk_create(
        [Need(enterprise=e, kind=NeedKind.LABOUR, raised_on=day, people=p) for p in (1000, 1037)]
    )
    ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                enterprise=e,
                kind=ServiceKind.SUPPLIES,
                served_on=day + timedelta(days=i % 2),
                quantity=q,
                unit="只",
                description="口罩",
            )
            for i, q in enumerate((200000, 152400))
        ]
    )
    r = enterprise_service_report(wanzhou, day, day + timedelta(days=30))
    assert r.sentences["needs"] == "收集企业用工需求2000余人"
    assert r.sentences["supplies"] == "帮助区内1家企业采购口罩2批次共35万余只"
    assert "visits" not in r.sentences and r.paragraph.startswith(
        "2021年6月1日至7月1日,万州区期间无企业走访记录。"
    )


# --- scope, empty ranges, bad input -------------------------------------------------------------


def test_town_user_counts_only_its_township(users: Any) -> None:
    today = timezone.localdate()
    start = today - timedelta(days=400)
    guxi = users["guxi"]
    mine = enterprise_service_report("500152", start, today, guxi)
    assert mine.region_name == "古溪镇"
    assert [row.name for row in mine.by_township] == ["古溪镇"]
    direct = enterprise_service_report(guxi.region, start, today)
    assert mine.as_dict() == direct.as_dict()
    district = enterprise_service_report("500152", start, today)
    assert 0 < mine.totals.appeals < district.totals.appeals
    assert 0 < mine.visited_enterprises < district.visited_enterprises
    # Another district is outside the town's slice: nothing is counted.
    assert enterprise_service_report(*SPRING, user=guxi).is_empty


def test_enterprise_user_counts_only_its_own_records(users: Any) -> None:
    today = timezone.localdate()
    qiye = users["qiye"]
    r = enterprise_service_report("500152", today - timedelta(days=400), today, qiye)
    own = Case.objects.filter(submitter_org=qiye.organization, raised_on__gte=today - timedelta(days=400))
    assert r.totals.appeals == own.count() >= 3
    assert r.visited_enterprises == 1
    assert r.financing_count == 0  # the district's loans went to other enterprises


def test_empty_range_and_bad_input() -> None:
    r = enterprise_service_report("500104", date(2019, 1, 1), date(2019, 1, 31))
    assert r.is_empty and r.sentences == {} and r.by_department == [] and r.by_township == []
    assert r.paragraph == "2019年1月1日至31日,大渡口区暂无企业服务记录。"
    assert r.totals.resolution_rate is None and r.totals.avg_days is None
    assert json.loads(json.dumps(r.as_dict()))["totals"]["appeals"] == 0
    with pytest.raises(InvalidInput) as exc:
        enterprise_service_report("500104", date(2020, 5, 1), date(2020, 4, 1))
    assert exc.value.errors[0].code == "date_range_invalid"
    with pytest.raises(InvalidInput) as exc:
        enterprise_service_report("999999", date(2020, 1, 1), date(2020, 1, 2))
    assert exc.value.errors[0].code == "region_unknown"


# --- command line ---------------------------------------------------------------------------------


def _cli(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_cli_text_prints_the_seed_sentences() -> None:
    text = _cli("enterprise-service", "--region", "500104", "--from", "2020-02-01", "--to", "2020-04-30")
    lines = text.splitlines()
    assert lines[0] == "大渡口区企业服务情况(2020年2月1日至4月30日)"
    for sentence in SEED_SENTENCES:
        assert sentence in lines[2]
    assert lines[2] == SPRING_BULLETIN  # the demo is seeded: the same words on every database
    assert "按责任部门" in lines and "按镇街" in lines
    assert any(line.startswith("跳磴镇") for line in lines)


def test_cli_tongnan_q1_2022_and_org() -> None:
    text = _cli("enterprise-service", "--region", "500152", "--from", "2022-01-01", "--to", "2022-03-31")
    lines = text.splitlines()
    assert lines[0] == "潼南区企业服务情况(2022年1月1日至3月31日)"
    assert GAOXIN_SENTENCE in lines[2]
    assert lines[2] == Q1_BULLETIN.replace("潼南高新区走访", "潼南区走访").replace("。潼南区受理", "。受理")
    assert any(line.startswith("桂林街道") for line in lines)
    by_org = _cli(
        "enterprise-service",
        "--region",
        "500152",
        "--from",
        "2022-01-01",
        "--to",
        "2022-03-31",
        "--org",
        "潼南高新区",
    )
    assert by_org.splitlines()[2] == Q1_BULLETIN
    with pytest.raises(CommandError, match="org_ambiguous"):
        _cli("enterprise-service", "--region", "500000", "--org", "经信委")
    with pytest.raises(CommandError, match="org_unknown"):
        _cli("enterprise-service", "--org", "不存在的单位")


def test_cli_json_and_scope() -> None:
    data = json.loads(
        _cli(
            "enterprise-service",
            "--region",
            "500104",
            "--from",
            "2020-02-01",
            "--to",
            "2020-04-30",
            "--format",
            "json",
        )
    )
    assert (data["visited_enterprises"], data["collected"], data["collected_resolved"]) == (42, 63, 58)
    assert data["financing_wan"] == 34051 and data["financing_need_wan"] == 46000
    assert data["sentences"]["financing"] == "协调银行解决企业融资7笔共计34051万元"
    assert data["sentences"]["resumption"] == "协调全市其他区县工业企业在区内配套企业复工复产134家"
    assert data["sentences"]["guarantee"] == "帮助企业申报保供企业4批次共30余家,成功获得市级审批保供企业6家"
    assert data["resumption"] == [
        {
            "item": "全市其他区县工业企业在区内配套企业",
            "unit": "家",
            "batches": data["resumption"][0]["batches"],
            "quantity": 134,
        }
    ]
    assert (data["guarantee_batches"], data["guarantee_approved"]) == (4, 6)
    assert data["totals"]["resolution_rate"] == 92.1
    scoped = json.loads(
        _cli("enterprise-service", "--region", "500104", "--user", "guxi", "--format", "json")
    )
    assert scoped["visits"] == 0 and scoped["paragraph"].endswith("暂无企业服务记录。")


def test_cli_errors() -> None:
    with pytest.raises(CommandError, match="region_unknown"):
        _cli("enterprise-service", "--region", "999999")
    with pytest.raises(CommandError, match="date_invalid"):
        _cli("enterprise-service", "--from", "2020-13-01")
    with pytest.raises(CommandError, match="date_range_invalid"):
        _cli("enterprise-service", "--from", "2020-05-01", "--to", "2020-04-01")
    with pytest.raises(CommandError, match="user_unknown"):
        _cli("enterprise-service", "--user", "nobody")


# --- web ------------------------------------------------------------------------------------------

URL = "/enterprises/report/"
SPRING_QUERY = "?region=500104&date_from=2020-02-01&date_to=2020-04-30"


def test_page_shows_the_bulletin_and_tables(users: Any, client_for: Any) -> None:
    response = client_for(users["admin"]).get(URL + SPRING_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    for sentence in SEED_SENTENCES:
        assert sentence.replace("“", "&ldquo;").replace("”", "&rdquo;") in html or sentence in html
    assert 'id="by-department"' in html and 'id="by-township"' in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style


def test_page_defaults_to_the_users_region(users: Any, client_for: Any) -> None:
    html = client_for(users["guxi"]).get(URL).content.decode()
    assert f"古溪镇企业服务情况({timezone.localdate():%Y}年1月1日" in html
    # A region outside the town's slice is not offered: the form refuses it and shows no report.
    response = client_for(users["guxi"]).get(URL + SPRING_QUERY)
    assert response.status_code == 200
    assert 'id="report-paragraph"' not in response.content.decode()
    assert client_for(users["qiye"]).get(URL).status_code == 200


def test_page_names_the_visiting_unit(users: Any, client_for: Any) -> None:
    gaoxin = Organization.objects.get(short_name="潼南高新区")
    query = f"?region=500152&date_from=2022-01-01&date_to=2022-03-31&org={gaoxin.pk}"
    admin = client_for(users["admin"])
    html = admin.get(URL + query).content.decode()
    assert f",潼南高新区{GAOXIN_SENTENCE}" in html and "潼南区潼南高新区" not in html
    assert f'<option value="{gaoxin.pk}" selected>重庆潼南高新技术产业开发区管理委员会</option>' in html
    # Departments of two districts share a name: the district tells them apart.
    assert "区经济信息委(潼南区)" in html and "区经济信息委(大渡口区)" in html
    # The exports keep the unit.
    xlsx = admin.get(URL + query + "&export=xlsx")
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(xlsx.content))["企业服务情况"]["A2"].value == Q1_BULLETIN
    # A town user is offered only the units that visited within its township, and an outside
    # unit counts nothing for it.
    guxi = client_for(users["guxi"])
    page = guxi.get(URL).content.decode()
    assert "潼南高新区" not in page and "大渡口区" not in page
    assert "古溪镇人民政府" in page
    response = guxi.get(
        URL + "?region=500152103&date_from=2022-01-01&date_to=2022-03-31&org=" + str(gaoxin.pk)
    )
    assert response.status_code == 200
    assert 'id="report-paragraph"' not in response.content.decode()  # not a choice: refused by the form
    mine = enterprise_service_report("500152", *Q1_2022[1:], users["guxi"], org=gaoxin)
    assert mine.visits == 0 and mine.region_name == "古溪镇"


def test_page_needs_login(client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_exports(users: Any, client_for: Any) -> None:
    from docx import Document
    from openpyxl import load_workbook

    from tiaodu.core.officialdoc.punctuation import official

    c = client_for(users["admin"])
    xlsx = c.get(URL + SPRING_QUERY + "&export=xlsx")
    assert xlsx.status_code == 200
    assert (
        xlsx["Content-Disposition"]
        == 'attachment; filename="enterprise-service-500104-20200201-20200430.xlsx"'
    )
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["企业服务情况", "按责任部门", "按镇街"]
    assert wb["企业服务情况"]["A2"].value == SPRING_BULLETIN
    figures = dict(wb["企业服务情况"].iter_rows(min_row=5, values_only=True))
    assert figures["协调全市其他区县工业企业在区内配套企业复工复产"] == "134家"
    assert (figures["申报保供企业"], figures["获批市级保供企业"]) == ("4批次、33家", "6家")
    towns = list(wb["按镇街"].iter_rows(values_only=True))
    assert towns[0][:4] == ("镇街", "走访企业(家)", "收集困难(件次)", "解决(件次)")
    assert sum(row[1] for row in towns[1:]) == 42

    docx = c.get(URL + SPRING_QUERY + "&export=docx")
    assert docx.status_code == 200
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    doc = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "关于2020年2—4月全区企业服务工作情况的通报" in text
    for sentence in SEED_SENTENCES:
        assert official(sentence) in text
    assert [len(t.columns) for t in doc.tables][:4] == [4, 9, 7, 6]
