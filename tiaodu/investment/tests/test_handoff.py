"""Hand-off of signed investment projects to the key-project library, and the key project leading
开工 and 投产 afterwards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from tiaodu.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tiaodu.investment import services
from tiaodu.investment.handoff import take_over
from tiaodu.investment.models import InvestmentProject, InvestmentStageChange, Resource
from tiaodu.investment.tests.factories import DADUKOU, TONGNAN, project
from tiaodu.projects import services as key_services
from tiaodu.projects.models import Project
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

GUXI = "500152103"


def signed(code: str = TONGNAN, on: date = date(2022, 3, 9), **fields: Any) -> InvestmentProject:
    p = project(code, on=date(2022, 1, 5), industry_code="C39", **fields)
    return services.change_stage(None, p, "signed", on, agreed_investment=D(52000))


def history(p: InvestmentProject) -> list[tuple[str, date]]:
    return list(
        InvestmentStageChange.objects.filter(project=p).order_by("on", "pk").values_list("to_stage", "on")
    )


def test_take_over_registers_the_key_project_and_links_both_ways(users: Any) -> None:
    jxw = users["jxw"]
    p = signed(lead_unit=jxw.organization)
    key = take_over(jxw, p, township="古溪镇", responsible_unit=jxw.organization)
    assert (key.name, key.stage, key.signed_on, key.total_investment) == (
        p.name,
        "signed",
        date(2022, 3, 9),
        D(52000),
    )
    assert (key.township.code, key.industry_code, key.category, key.responsible_unit) == (
        GUXI,
        "C39",
        "industry",
        jxw.organization,
    )
    p.refresh_from_db()
    assert p.key_project == key and key.investment_project == p
    with pytest.raises(Conflict) as err:
        take_over(jxw, p, township="古溪镇", responsible_unit=jxw.organization)
    assert err.value.code == "already_taken_over" and err.value.status == 409
    assert Project.objects.filter(name=p.name).count() == 1


def test_take_over_refused_before_signing_and_without_a_township() -> None:
    p = project()
    with pytest.raises(Conflict) as err:
        take_over(None, p, township=GUXI)
    assert err.value.code == "not_signed"
    q = signed()
    with pytest.raises(InvalidInput) as err2:
        take_over(None, q)
    assert err2.value.errors[0].code == "required" and err2.value.errors[0].field == "township"
    elsewhere = Region.objects.filter(parent__code=DADUKOU, level=4).first()
    with pytest.raises(InvalidInput) as err2:
        take_over(None, q, township=elsewhere)  # a township of 大渡口区
    assert err2.value.errors[0].code == "township_outside_district"
    with pytest.raises(InvalidInput) as err2:
        take_over(None, q, township=GUXI, stage="started")
    assert err2.value.errors[0].code == "field_not_allowed"
    assert not Project.objects.filter(name=q.name).exists()
    q.refresh_from_db()
    assert q.key_project is None


def test_the_township_comes_from_the_resource_taken_or_the_first_report() -> None:
    yuxi = Region.objects.get(code="500152107")
    p = signed(first_township=Region.objects.get(code=GUXI))
    Resource.objects.create(
        region=p.region, kind="land", name="玉溪工业园A-01地块", township=yuxi, project=p, status="taken"
    )
    assert take_over(None, p).township == yuxi
    q = signed(first_township=Region.objects.get(code=GUXI))
    assert take_over(None, q).township.code == GUXI


def test_a_project_already_registered_enters_as_landed(users: Any) -> None:
    p = signed()
    services.change_stage(None, p, "registered", date(2022, 4, 2))
    key = take_over(None, p, township=GUXI)
    assert (key.stage, key.landed_on) == ("landed", date(2022, 4, 2))


def test_the_investment_project_follows_start_and_production() -> None:
    p = signed()
    key = take_over(None, p, township=GUXI)
    key_services.change_stage(None, key, "landed", date(2022, 4, 1))
    p.refresh_from_db()
    assert p.stage == "signed"  # 落地 is not followed
    key_services.change_stage(None, key, "started", date(2022, 5, 6))
    p.refresh_from_db()
    assert (p.stage, p.stage_on) == ("started", date(2022, 5, 6))  # 注册落地 skipped
    for stage, on in (("building", date(2022, 6, 1)), ("completed", date(2023, 3, 1))):
        key_services.change_stage(None, key, stage, on)
    key_services.change_stage(None, key, "operating", date(2023, 4, 18))
    p.refresh_from_db()
    assert (p.stage, p.stage_on) == ("producing", date(2023, 4, 18))
    assert history(p)[-3:] == [
        ("signed", date(2022, 3, 9)),
        ("started", date(2022, 5, 6)),
        ("producing", date(2023, 4, 18)),
    ]
    last = InvestmentStageChange.objects.filter(project=p).order_by("-on").first()
    assert last is not None and last.actor is None and last.note == f"随重点项目“{key.name}”投产"


def test_a_terminated_project_or_an_unlinked_key_project_does_not_move() -> None:
    p = signed()
    key = take_over(None, p, township=GUXI)
    services.change_stage(None, p, "terminated", date(2022, 4, 1), reason="funds")
    key_services.change_stage(None, key, "landed", date(2022, 4, 2))
    key_services.change_stage(None, key, "started", date(2022, 5, 6))
    p.refresh_from_db()
    assert p.stage == "terminated"
    other, _ = key_services.save_project(
        None, name="未关联的重点项目", township=GUXI, stage="reserve", stage_on=date(2022, 1, 1)
    )
    key_services.change_stage(None, other, "started", date(2022, 2, 1))
    assert Project.objects.get(pk=other.pk).stage == "started"


def test_take_over_scope(users: Any) -> None:
    jxw, guxi = users["jxw"], users["guxi"]
    reported = signed(first_township=Region.objects.get(code=GUXI))
    with pytest.raises(Forbidden):
        take_over(guxi, reported, township=GUXI)  # the town sees the stage, cannot take it over
    with pytest.raises(NotFound):
        take_over(jxw, signed(DADUKOU))
    assert Project.objects.filter(name=reported.name).count() == 0
