"""The pipeline as of a date (tiaodu.investment.queries): from the stage history, never the
current stage; scoped; three districts that do not mix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.investment import queries, services
from tiaodu.investment.choices import Source, TeamKind
from tiaodu.investment.models import FundsInPlace, InvestmentProject, Lead, Team
from tiaodu.investment.tests.factories import DADUKOU, TONGNAN, WANZHOU, district, project
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

D = date(2023, 3, 31)


def moved(p: InvestmentProject, *path: tuple[str, date], **extra: Any) -> InvestmentProject:
    """Move ``p`` along ``path`` ((stage, date), …); 签约 takes ``agreed`` (万元, default the plan)."""
    for stage, on in path:
        kwargs: dict[str, Any] = {}
        if stage == "signed" and p.agreed_investment is None:
            kwargs["agreed_investment"] = extra.get("agreed", p.planned_investment)
        if stage == "terminated":
            kwargs["reason"] = "lost"
        p = services.change_stage(None, p, stage, on, **kwargs)
    return p


def team(code: str, name: str, kind: str, township: Region | None = None) -> Team:
    return Team.objects.create(region=district(code), name=name, kind=kind, township=township)


def lead(code: str, on: date, reporting: Team | None, to: Team | None, **fields: Any) -> Lead:
    values: dict[str, Any] = {
        "region": district(code),
        "investor_name": f"线索投资方{Lead.objects.count() + 1}有限公司",
        "investor_key": "",
        "content": "投资意向",
        "source": Source.TOWN_TEAM,
        "reporting_team": reporting,
        "township": reporting.township if reporting else None,
        "reported_on": on,
        "team": to,
    }
    values.update(fields)
    return Lead.objects.create(**values)


def pipeline(code: str = WANZHOU) -> dict[str, InvestmentProject]:
    """A district's pipeline around 31 March 2023 (see test_report for the sentences it gives)."""
    y = Decimal
    p = {
        # 重点, in talks on D
        "a": project(
            code,
            "negotiating",
            date(2022, 6, 1),
            is_key=True,
            planned_investment=y(100000),
            follow_level="close",
        ),
        "b": project(
            code, "intent", date(2022, 5, 1), is_key=True, planned_investment=y(50000), follow_level="close"
        ),
        "c": project(
            code,
            "negotiating",
            date(2022, 9, 1),
            is_key=True,
            planned_investment=y(2000),
            follow_level="reserve",
            planned_signing_on=date(2023, 5, 15),
        ),
        # 重点 but still a lead; not key in talks; 重点 entered after D; 重点 terminated before D
        "d": project(code, "lead", date(2022, 3, 1), is_key=True, planned_investment=y(7000)),
        "e": project(
            code, "negotiating", date(2022, 3, 1), planned_investment=y(9000), follow_level="reserve"
        ),
        "f": project(
            code,
            "negotiating",
            date(2023, 4, 10),
            is_key=True,
            planned_investment=y(30000),
            follow_level="close",
        ),
        "g": project(
            code,
            "negotiating",
            date(2022, 1, 10),
            is_key=True,
            planned_investment=y(40000),
            follow_level="close",
        ),
        "h": project(
            code,
            "intent",
            date(2022, 11, 1),
            planned_investment=y(194000),
            follow_level="close",
            planned_signing_on=date(2023, 6, 30),
        ),
        # signed at the event; one more signed in 2022 and started since
        "s1": project(code, "to_sign", date(2022, 12, 1), planned_investment=y(280000)),
        "s2": project(code, "to_sign", date(2022, 12, 2), planned_investment=y(200000), industry_code="3911"),
        "s3": project(code, "to_sign", date(2022, 1, 2), planned_investment=y(6000)),
    }
    moved(p["c"], ("to_sign", date(2023, 1, 10)))
    moved(p["h"], ("to_sign", date(2023, 2, 1)))
    moved(p["g"], ("terminated", date(2023, 2, 1)))
    # moved on after D: b signs, a is terminated, c signs — they still count in their D stage
    moved(p["b"], ("signed", date(2023, 6, 1)))
    moved(p["a"], ("terminated", date(2023, 4, 2)))
    moved(p["c"], ("signed", date(2023, 4, 20)))
    moved(p["s1"], ("signed", date(2023, 3, 18)), agreed=y(300000))
    moved(p["s2"], ("signed", date(2023, 3, 18)), agreed=y(208000))
    moved(p["s3"], ("signed", date(2022, 2, 1)), ("started", date(2022, 6, 1)), agreed=y(6000))
    return {k: InvestmentProject.objects.get(pk=v.pk) for k, v in p.items()}


def test_stage_counts_as_of_a_date_from_history() -> None:
    p = pipeline()
    key = queries.stage_counts(WANZHOU, D, key_only=True)
    assert key["negotiating"] == (1, Decimal(100000))  # a (terminated since)
    assert key["intent"] == (1, Decimal(50000))  # b (signed since)
    assert key["to_sign"] == (1, Decimal(2000))  # c (signed since)
    assert key["lead"].count == 1 and key["terminated"].count == 1  # d, g; f entered after D
    every = queries.stage_counts(WANZHOU, D)
    assert every["signed"] == (2, Decimal(508000))  # 协议投资额
    assert every["started"] == (1, Decimal(6000))
    assert sum(f.count for f in every.values()) == 10  # all but f
    # The same projects today are elsewhere: the current stage is not what was asked.
    assert p["a"].stage == "terminated" and p["b"].stage == "signed"
    today = queries.stage_counts(WANZHOU, date(2023, 12, 31), key_only=True)
    assert today["negotiating"].count == 1  # f
    assert today["intent"].count == 0


def test_in_stage_on_and_day_boundaries() -> None:
    p = pipeline()
    names = set(queries.in_stage_on(WANZHOU, D, ["to_sign"]).values_list("pk", flat=True))
    assert names == {p["c"].pk, p["h"].pk}
    # On the day of a move the new stage holds; the day before, the old one.
    assert p["s1"].pk in set(
        queries.in_stage_on(WANZHOU, date(2023, 3, 18), ["signed"]).values_list("pk", flat=True)
    )
    assert p["s1"].pk in set(
        queries.in_stage_on(WANZHOU, date(2023, 3, 17), ["to_sign"]).values_list("pk", flat=True)
    )
    # Before a project was entered it is nowhere.
    assert not queries.in_stage_on(WANZHOU, date(2022, 5, 31), ["negotiating"]).filter(pk=p["a"].pk).exists()


def test_three_districts_do_not_mix() -> None:
    pipeline(WANZHOU)
    project(TONGNAN, "negotiating", date(2022, 6, 1), is_key=True, planned_investment=Decimal(1))
    project(DADUKOU, "intent", date(2022, 6, 1), is_key=True, planned_investment=Decimal(2))
    project(DADUKOU, "intent", date(2022, 6, 1), is_key=True, planned_investment=Decimal(3))
    w = queries.total(queries.stage_counts(WANZHOU, D, key_only=True), ["negotiating", "intent", "to_sign"])
    t = queries.total(queries.stage_counts(TONGNAN, D, key_only=True), ["negotiating", "intent", "to_sign"])
    d = queries.total(queries.stage_counts(DADUKOU, D, key_only=True), ["negotiating", "intent", "to_sign"])
    assert (w, t, d) == ((3, Decimal(152000)), (1, Decimal(1)), (2, Decimal(5)))


def test_quarters_and_follow_levels() -> None:
    pipeline()
    quarters = queries.to_sign_by_quarter(WANZHOU, D)
    assert [(q.year, q.quarter, q.count, q.amount) for q in quarters] == [(2023, 2, 2, Decimal(196000))]
    # open on D: a, b, c, d, e, h (g terminated, s1/s2 signed, f not yet entered)
    assert queries.follow_levels(WANZHOU, D) == {"close": 3, "reserve": 2, "general": 1}


def test_town_leads_count_teams_groups_and_leads() -> None:
    w = district(WANZHOU)
    towns = list(Region.objects.filter(parent=w, level=4).order_by("code")[:2])
    t1, t2 = (
        team(WANZHOU, "甲镇小分队", TeamKind.TOWN, towns[0]),
        team(WANZHOU, "乙镇小分队", TeamKind.TOWN, towns[1]),
    )
    r1, r2 = team(WANZHOU, "长三角组", TeamKind.REGIONAL), team(WANZHOU, "京津冀组", TeamKind.REGIONAL)
    i1 = team(WANZHOU, "电子信息组", TeamKind.INDUSTRY)
    lead(WANZHOU, date(2023, 1, 5), t1, r1)
    lead(WANZHOU, date(2023, 2, 5), t1, r1)
    lead(WANZHOU, date(2023, 3, 31), t2, r2)
    lead(WANZHOU, date(2023, 3, 1), t2, i1)
    lead(WANZHOU, date(2022, 12, 31), t1, r2)  # before the period
    lead(WANZHOU, date(2023, 3, 2), r1, i1, source=Source.REGIONAL_TEAM)  # not a town's
    lead(WANZHOU, date(2023, 3, 3), t1, r2, status="duplicate", duplicate_status="confirmed")
    lead(TONGNAN, date(2023, 3, 3), None, None)  # another district
    got = queries.town_leads(WANZHOU, date(2023, 1, 1), D)
    assert (got.towns, got.groups, got.leads) == (2, 2, 4)


def test_rates_from_history() -> None:
    p = pipeline()
    # On D: signed s1, s2 (2023-03-18), s3 (2022-02-01, started 2022-06-01): 开工率 1/3, 投产率 0/1;
    # due (signed ≥ 6 months before D): s3, started within 6 months → 履约率 1/1.
    FundsInPlace.objects.create(
        project=p["s1"], month=date(2023, 3, 1), amount=Decimal(51400), source="in_city"
    )
    FundsInPlace.objects.create(
        project=p["s1"], month=date(2023, 4, 1), amount=Decimal(999), source="in_city"
    )
    r = queries.rates(WANZHOU, D)
    assert (r["started"].part, r["started"].whole) == (1, 3)
    assert (r["producing"].part, r["producing"].whole) == (0, 1)
    assert (r["fulfilment"].part, r["fulfilment"].whole, r["fulfilment"].text) == (1, 1, "100%")
    assert (r["funds"].part, r["funds"].whole, r["funds"].text) == (Decimal(51400), Decimal(514000), "10%")
    # A year later s1, s2, b and c are due too and none has started: 履约率 1/5.
    later = queries.rates(WANZHOU, date(2024, 3, 31))
    assert (later["fulfilment"].part, later["fulfilment"].whole) == (1, 5)


def test_funnel_counts_reached_stages_and_conversion() -> None:
    pipeline()
    f = queries.funnel(WANZHOU, date(2023, 1, 1), D)
    steps = {s.stage: s for s in f.steps}
    # cohort: entered by D, not terminated/producing before 1 January: all but f (later) → 10
    assert f.projects == 10
    assert steps["lead"].count == 10
    assert steps["negotiating"].count == 9  # d is only a lead
    assert steps["to_sign"].count == 5  # c, h, s1, s2, s3
    assert steps["signed"].count == 3 and steps["signed"].amount == Decimal(514000)
    assert steps["started"].count == 1
    assert steps["to_sign"].conversion == Decimal(60)
    # stays that ended in the period: c and h left their stage, g left 在谈, s1/s2 left 拟签约
    assert steps["to_sign"].stays == 2 and steps["to_sign"].median_days == 106.5  # s1 107, s2 106 days


def test_team_ranking() -> None:
    p = pipeline()
    r1 = team(WANZHOU, "长三角组", TeamKind.REGIONAL)
    r2 = team(WANZHOU, "京津冀组", TeamKind.REGIONAL)
    InvestmentProject.objects.filter(pk__in=[p["s1"].pk, p["s2"].pk]).update(team=r2)
    InvestmentProject.objects.filter(pk=p["s3"].pk).update(team=r1)
    lead(WANZHOU, date(2023, 1, 5), None, r1)
    FundsInPlace.objects.create(
        project=p["s1"], month=date(2023, 3, 1), amount=Decimal(100), source="in_city"
    )
    rows = queries.team_ranking(WANZHOU, date(2023, 1, 1), D)
    assert [(r.rank, r.name, r.signings, r.agreed, r.funds, r.leads_received) for r in rows] == [
        (1, "京津冀组", 2, Decimal(508000), Decimal(100), 0),
        (2, "长三角组", 0, Decimal(0), Decimal(0), 1),  # s3 signed in 2022
    ]


def test_town_user_gets_counts_without_amounts(users: Any) -> None:
    guxi, leader = users["guxi"], users["leader"]
    before_town = queries.stage_counts(TONGNAN, D, key_only=True, user=guxi)["negotiating"].count
    before = queries.stage_counts(TONGNAN, D, key_only=True, user=leader)["negotiating"]
    mine = project(
        TONGNAN, "negotiating", date(2022, 6, 1), is_key=True, first_township=guxi.organization.region
    )
    project(TONGNAN, "negotiating", date(2022, 6, 1), is_key=True)
    assert mine.first_township is not None
    seen = queries.stage_counts(TONGNAN, D, key_only=True, user=guxi)
    assert seen["negotiating"] == (before_town + 1, None)
    assert queries.stage_counts(TONGNAN, D, key_only=True, user=leader)["negotiating"] == (
        before.count + 2,
        (before.amount or 0) + Decimal(20000),
    )
    assert queries.rates(TONGNAN, D, user=guxi)["funds"].value is None
    assert all(r.agreed is None for r in queries.team_ranking(TONGNAN, date(2022, 1, 1), D, user=guxi))
