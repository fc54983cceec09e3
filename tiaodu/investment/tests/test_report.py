"""招商引资工作情况 (tiaodu.investment.report): the sentences as of a past date for a constructed
pipeline in 万州区 (a district the demo does not use), scope, and ``tiaodu report investment``."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tiaodu.events.models import CollectiveEvent
from tiaodu.investment.choices import TeamKind
from tiaodu.investment.models import EventEntry, FundsInPlace, IndustryChain, InvestmentProject
from tiaodu.investment.report import investment_report, near_amount
from tiaodu.investment.tests.factories import DADUKOU, TONGNAN, WANZHOU, district, project
from tiaodu.investment.tests.test_queries import D, lead, pipeline, team
from tiaodu.monitoring.models import Indicator
from tiaodu.regions.models import Region
from tiaodu.targets.models import Target

pytestmark = pytest.mark.django_db
FROM = date(2023, 1, 1)


def full_pipeline(code: str = WANZHOU) -> dict[str, InvestmentProject]:
    p = pipeline(code)
    region = district(code)
    electronics = IndustryChain.objects.get(region=region, name="电子信息")
    chip = IndustryChain.objects.create(region=region, name="集成电路", parent=electronics)
    InvestmentProject.objects.filter(pk=p["s1"].pk).update(chain=chip)
    event = CollectiveEvent.objects.create(
        region=region, name="一季度招商引资项目集中签约活动", held_on=date(2023, 3, 18)
    )
    EventEntry.objects.create(event=event, project=p["s1"], investment=Decimal(300000))
    EventEntry.objects.create(event=event, project=p["s2"], investment=Decimal(208000))
    towns = list(Region.objects.filter(parent=region, level=4).order_by("code")[:2])
    t1 = team(code, "甲镇小分队", TeamKind.TOWN, towns[0])
    t2 = team(code, "乙镇小分队", TeamKind.TOWN, towns[1])
    r1, r2 = team(code, "长三角组", TeamKind.REGIONAL), team(code, "京津冀组", TeamKind.REGIONAL)
    lead(code, date(2023, 1, 5), t1, r1)
    lead(code, date(2023, 2, 5), t1, r1)
    lead(code, date(2023, 3, 31), t2, r2)
    lead(code, date(2023, 4, 1), t2, r2)  # after the date
    FundsInPlace.objects.create(
        project=p["s1"], month=date(2023, 3, 1), amount=Decimal(25000), source="in_city"
    )
    Target.objects.create(
        region=region,
        indicator=Indicator.objects.get(code="zsyz_dw"),
        year=2023,
        value=Decimal(50),
        set_at=timezone.now(),
    )
    return p


WANZHOU_SENTENCES = {
    "in_talks": "在库重点在谈项目3个(计划投资额15.2亿元)",
    "clear_intent": "其中投资意向比较明显的2个",
    "leads": "2个镇街招商小分队向2个重点区域招商组提供3条信息线索",
    "to_sign": "二季度拟签约项目2个、总投资近20亿元",
    "follow": "紧密跟进项目3个,在谈储备项目2个",
    "signing": "现场签约项目2个,总投资50.8亿元,涉及电子信息、制造业等产业",
    "funds": "招商引资到位资金2.5亿元,完成年度目标(50亿元)的5%,序时进度25%",
    "rates": "履约率100%、开工率33.3%、投产率0%、资金到位率4.9%",
}


def test_sentences_as_of_a_past_date_while_projects_moved_on() -> None:
    p = full_pipeline()
    assert p["b"].stage == "signed" and p["a"].stage == "terminated"  # today's state differs
    report = investment_report(WANZHOU, FROM, D)
    assert report.sentences() == WANZHOU_SENTENCES
    assert report.title == "万州区招商引资工作情况(截至2023年3月31日)"
    assert report.paragraph.startswith("在库重点在谈项目3个(计划投资额15.2亿元);其中投资意向比较明显的2个;")


def test_three_districts_do_not_mix() -> None:
    full_pipeline(WANZHOU)
    project(TONGNAN, "intent", date(2022, 6, 1), is_key=True, planned_investment=Decimal(11825700))
    project(DADUKOU, "to_sign", date(2023, 1, 6), planned_signing_on=date(2023, 4, 2))
    assert investment_report(WANZHOU, FROM, D).sentences() == WANZHOU_SENTENCES
    tongnan = investment_report(TONGNAN, FROM, D).sentences()
    assert tongnan["clear_intent"].startswith("其中投资意向比较明显的")
    assert "1182.57亿元" in tongnan["in_talks"]
    assert investment_report(DADUKOU, FROM, D).sentences()["to_sign"].startswith("二季度拟签约项目")
    assert "signing" not in investment_report(DADUKOU, FROM, D).sentences()


def test_town_user_gets_counts_only(users: Any) -> None:
    guxi = users["guxi"]
    project(TONGNAN, "intent", date(2022, 6, 1), is_key=True, first_township=guxi.organization.region)
    report = investment_report(TONGNAN, FROM, D, user=guxi)
    text = report.text()
    assert "亿元" not in text and "万元)" not in text.split("\n\n")[1]
    assert report.key_in_talks.amount is None
    assert report.as_dict()["key_in_talks"]["amount"] is None
    assert "funds" not in report.sentences() and "signing" not in report.sentences()


def test_near_amount() -> None:
    assert near_amount(Decimal(196000)) == "近20亿元"
    assert near_amount(Decimal(199999)) == "近20亿元"
    assert near_amount(Decimal(189000)) == "近19亿元"
    assert near_amount(Decimal(190000)) == "19亿元"
    assert near_amount(Decimal(184400)) == "约18.4亿元"
    assert near_amount(Decimal(16000)) == "1.6亿元"  # 20 % short of 2亿元: not "near"
    assert near_amount(Decimal(200000)) == "20亿元"
    assert near_amount(Decimal(5000)) == "5000万元"


def test_cli_report(capsys: Any) -> None:
    full_pipeline()
    out = StringIO()
    call_command("report", "investment", "--region", WANZHOU, "--date", "2023-03-31", stdout=out)
    text = out.getvalue()
    assert text.startswith("万州区招商引资工作情况(截至2023年3月31日)")
    for sentence in WANZHOU_SENTENCES.values():
        assert sentence in text
    out = StringIO()
    call_command(
        "report", "investment", "--region", WANZHOU, "--date", "2023-03-31", "--format", "json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["sentences"] == WANZHOU_SENTENCES
    assert data["key_in_talks"] == {"count": 3, "amount": "152000.00"}


def test_multiyear_target_progress_in_the_report(users: Any) -> None:
    """A district with a multi-year 招商引资到位资金 target (2023–2026) gets its progress, counted
    from the indicator figures that the funds in place feed."""
    from tiaodu.investment import tracking
    from tiaodu.targets import multiyear

    full_pipeline()
    wanzhou = Region.objects.get(code=WANZHOU)
    multiyear.create_multiyear_target(None, wanzhou, "zsyz_dw", 2023, 2026, value=Decimal(1000))
    tracking.feed_from(wanzhou, date(2023, 1, 1))
    sentence = investment_report(WANZHOU, FROM, D).sentences()["multiyear"]
    assert sentence.startswith("到2026年实现招商引资到位资金1000亿元,截至2023年3月累计完成")
    assert "序时进度" in sentence
    # Not for a district without one, nor for a town user (amounts are secrets).
    assert "multiyear" not in investment_report(DADUKOU, FROM, D).sentences()
