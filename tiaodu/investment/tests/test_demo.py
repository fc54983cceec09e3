"""The investment demo: the seed sentences come out of the report for 潼南区 2022 and 大渡口区 2020,
from the stage history (the projects have moved on since), and loading twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from tiaodu.events.models import CollectiveEvent
from tiaodu.investment import demo
from tiaodu.investment.choices import IN_TALKS_STAGES, DuplicateStatus, LeadStatus, Stage
from tiaodu.investment.models import (
    EventEntry,
    FollowUp,
    FundsInPlace,
    InvestmentProject,
    InvestmentStageChange,
    Lead,
    Team,
)
from tiaodu.investment.report import investment_report

pytestmark = pytest.mark.django_db

TONGNAN_SENTENCES = {
    "in_talks": "在库重点在谈项目115个(计划投资额1182.57亿元)",
    "clear_intent": "其中投资意向比较明显的39个",
}
TONGNAN_LEADS = "23个镇街招商小分队向4个重点区域招商组提供45条信息线索"
DADUKOU_SENTENCES = {
    "signing": "现场签约项目19个,总投资50.8亿元,涉及大数据智能化、生态环保、大健康生物医药、文化休闲旅游等产业",
    "to_sign": "二季度拟签约项目11个、总投资近20亿元",
    "follow": "紧密跟进项目41个,在谈储备项目29个",
}


def _counts() -> dict[str, int]:
    models: list[Any] = [
        InvestmentProject,
        InvestmentStageChange,
        Lead,
        Team,
        FollowUp,
        FundsInPlace,
        EventEntry,
        CollectiveEvent,
    ]
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, bool]]:
    """The demo, loaded once for this module and rolled back after it (each test runs in a
    savepoint inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo.load_investment_demo()
        transaction.set_rollback(True)


def test_tongnan_beginning_of_2022(loaded: dict[str, bool]) -> None:
    assert loaded == {"500152": True, "500104": True}
    report = investment_report("500152", date(2022, 1, 1), date(2022, 1, 1))
    sentences = report.sentences()
    for key, expected in TONGNAN_SENTENCES.items():
        assert sentences[key] == expected
    assert TONGNAN_SENTENCES["in_talks"] in report.text()

    # First quarter: the 23 towns' leads; the pipeline of 31 March is another one already.
    quarter = investment_report("500152", date(2022, 1, 1), demo.TONGNAN_REPORT_ON)
    assert quarter.sentences()["leads"] == TONGNAN_LEADS
    assert quarter.key_in_talks.count != 115
    # Leads outside the quarter, the groups' own leads and the duplicate report are left out.
    district_leads = Lead.objects.filter(region__code="500152")
    assert district_leads.count() > 45
    pending = district_leads.get(duplicate_status=DuplicateStatus.PENDING)
    assert pending.status == LeadStatus.DUPLICATE and pending.duplicate_of_lead is not None
    assert pending.township != pending.duplicate_of_lead.township
    assert district_leads.filter(status=LeadStatus.CONVERTED).count() == 8


def test_tongnan_projects_have_moved_on(loaded: dict[str, bool]) -> None:
    key_in_talks_now = InvestmentProject.objects.filter(
        region__code="500152", is_key=True, stage__in=IN_TALKS_STAGES
    ).count()
    assert key_in_talks_now != 115
    assert InvestmentStageChange.objects.filter(
        project__region__code="500152", on__gt=date(2022, 3, 31)
    ).exists()
    signed_since = InvestmentProject.objects.filter(region__code="500152", signed_on__gt=date(2022, 1, 1))
    assert signed_since.count() >= 20
    assert FundsInPlace.objects.filter(project__region__code="500152").exists()
    assert FollowUp.objects.filter(project__region__code="500152", on__lte=date(2022, 3, 31)).count() >= 39


def test_dadukou_spring_2020(loaded: dict[str, bool]) -> None:
    report = investment_report("500104", date(2020, 1, 1), demo.DADUKOU_REPORT_ON)
    sentences = report.sentences()
    for key, expected in DADUKOU_SENTENCES.items():
        assert sentences[key] == expected
    # Since then: the second quarter's signings, the event's projects registered and started.
    later = investment_report("500104", date(2020, 1, 1), date(2020, 12, 31))
    assert later.sentences()["to_sign"] != DADUKOU_SENTENCES["to_sign"]
    assert later.sentences()["follow"] != DADUKOU_SENTENCES["follow"]
    event = CollectiveEvent.objects.get(region__code="500104", name=demo.DADUKOU_EVENT[0])
    assert {e.project.stage for e in event.investment_entries.select_related("project")} >= {
        Stage.STARTED,
        Stage.TERMINATED,
    }


def test_report_command_prints_the_sentences(loaded: dict[str, bool]) -> None:
    out = StringIO()
    call_command("report", "investment", "--region", "500104", "--date", "2020-03-31", stdout=out)
    for expected in DADUKOU_SENTENCES.values():
        assert expected in out.getvalue()
    out = StringIO()
    call_command("report", "investment", "--region", "500152", "--date", "2022-01-01", stdout=out)
    for expected in TONGNAN_SENTENCES.values():
        assert expected in out.getvalue()


def test_loading_twice_changes_nothing(loaded: dict[str, bool]) -> None:
    before = _counts()
    assert demo.load_investment_demo() == {"500152": False, "500104": False}
    assert _counts() == before


def test_bureau_account_and_teams() -> None:
    from tiaodu.accounts.models import User

    demo.load_investment_accounts()
    zsj = User.objects.select_related("organization").get(username="zsj")
    assert zsj.role == "department" and zsj.organization.name == "区招商投资局"
    assert zsj.organization.region.code == "500152"
    made = demo.teams(zsj.organization.region)
    assert [t.name for t in made.regional] == [
        "粤港澳大湾区招商组",
        "长三角招商组",
        "京津冀招商组",
        "成渝地区招商组",
    ]
    assert len(made.towns) == 23
    assert all(t.organization is not None and t.organization.kind == "squad" for t in made.regional)
    assert all(t.township is not None and t.organization is not None for t in made.towns)


def test_demo_funds_feed_the_districts_indicator(loaded: dict[str, bool]) -> None:
    """大渡口区's funds of 2020 (April to December) are its 招商引资到位资金 of 1-12月 2020, in 亿元."""
    from decimal import Decimal

    from django.db.models import Sum

    from tiaodu.investment.tracking import fed_months
    from tiaodu.monitoring.models import IndicatorValue
    from tiaodu.regions.models import Region

    dadukou = Region.objects.get(code="500104")
    assert fed_months(dadukou, 2020) >= set(range(4, 13))
    wan = FundsInPlace.objects.filter(project__region=dadukou, month__year=2020).aggregate(s=Sum("amount"))[
        "s"
    ]
    year_value = IndicatorValue.objects.get(
        region=dadukou,
        indicator__code="zsyz_dw",
        period__year=2020,
        period__first=1,
        period__last=12,
        is_current=True,
    )
    assert wan > 0 and abs(year_value.value - wan / Decimal(10000)) < Decimal("0.01")
