"""Enterprise registry, visits, needs, services and appeals: the rules and the permission scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.cases.models import Case
from tiaodu.cases.tests.factories import (
    GUXI,
    YUXI,
    appeal,
    credit_code,
    enterprise,
    qiye_enterprise,
    yuxi_enterprise,
)
from tiaodu.core.errors import ServiceError
from tiaodu.enterprises import services
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db


def fails(code: str, fn: Any, *args: Any, **kw: Any) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        fn(*args, **kw)
    codes = {info.value.code, *(e.code for e in info.value.errors)}
    assert code in codes, info.value
    return info.value


def state() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Enterprise, Organization, Visit, Need, ServiceRecord, Case))


# --- Credit codes and townships -------------------------------------------------------------------


def test_credit_code_checksum() -> None:
    good = credit_code(1)
    assert services.check_credit_code(good) == good
    assert services.check_credit_code(f"  {good.lower()} ") == good
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    error = fails("credit_code_invalid", services.check_credit_code, wrong)
    assert error.status == 422 and error.errors[0].field == "credit_code"
    fails("credit_code_length", services.check_credit_code, good[:17])
    fails("credit_code_length", services.check_credit_code, "")
    fails("credit_code_invalid", services.check_credit_code, "91500152MA5U00001I")  # I is not in the set


def test_wrong_checksum_saves_nothing() -> None:
    before = state()
    bad = credit_code(2)[:17] + "Z"
    fails("credit_code_invalid", services.save_enterprise, None, bad, GUXI, name="校验位错误企业")
    assert state() == before


def test_township_by_code_or_name() -> None:
    assert services.township(GUXI).name == "古溪镇"
    assert services.township("古溪镇").code == GUXI
    fails("township_unknown", services.township, "不存在镇")
    fails("township_unknown", services.township, "500152")  # a district is not a township
    before = state()
    fails("township_unknown", services.save_enterprise, None, credit_code(3), "火星镇", name="某企业")
    assert state() == before


# --- The registry ---------------------------------------------------------------------------------


def test_upsert_by_credit_code() -> None:
    code = credit_code(10)
    made, created = services.save_enterprise(None, code, GUXI, name="重庆甲乙测试食品有限公司", is_key=True)
    assert created and made.organization.kind == OrgKind.ENTERPRISE
    assert (made.organization.code, made.organization.name, made.organization.region.code) == (
        code,
        "重庆甲乙测试食品有限公司",
        GUXI,
    )
    again, created = services.save_enterprise(None, code.lower(), "玉溪镇", name="重庆甲乙测试新材料有限公司")
    assert not created and again.pk == made.pk
    assert (again.township.code, again.is_key) == (YUXI, True)
    org = Organization.objects.get(pk=made.organization_id)
    assert (org.name, org.region.code) == ("重庆甲乙测试新材料有限公司", YUXI)


def test_registry_rules() -> None:
    fails("required", services.save_enterprise, None, credit_code(11), GUXI)
    fails(
        "industry_code_invalid",
        services.save_enterprise,
        None,
        credit_code(11),
        GUXI,
        name="甲",
        industry_code="1A",
    )
    fails(
        "industry_code_invalid",
        services.save_enterprise,
        None,
        credit_code(11),
        GUXI,
        name="甲",
        industry_code="C123456",
    )
    fails("field_unknown", services.save_enterprise, None, credit_code(11), GUXI, name="甲", township_id=1)
    made, _ = services.save_enterprise(None, credit_code(11), GUXI, name="甲", industry_code="C13")
    assert made.industry_code == "C13"
    # A department's code cannot become an enterprise's.
    dept = Organization.objects.filter(kind=OrgKind.DEPARTMENT).first()
    assert dept is not None
    Organization.objects.filter(pk=dept.pk).update(code=credit_code(12))
    fails("credit_code_taken", services.save_enterprise, None, credit_code(12), GUXI, name="乙")


def test_registering_takes_over_an_unregistered_organisation() -> None:
    org = Organization.objects.create(
        name="重庆甲乙测试机械有限公司", kind=OrgKind.ENTERPRISE, region=Region.objects.get(code=GUXI)
    )
    made, created = services.save_enterprise(None, credit_code(20), GUXI, name="重庆甲乙测试机械有限公司")
    assert created and made.organization_id == org.pk
    assert Organization.objects.get(pk=org.pk).code == credit_code(20)
    # A second enterprise of the same name in the same township is a conflict, not a crash.
    before = state()
    fails(
        "enterprise_name_taken",
        services.save_enterprise,
        None,
        credit_code(21),
        GUXI,
        name="重庆甲乙测试机械有限公司",
    )
    assert state() == before
    other, _ = services.save_enterprise(None, credit_code(22), GUXI, name="重庆甲乙测试电子有限公司")
    fails(
        "enterprise_name_taken",
        services.save_enterprise,
        None,
        other.credit_code,
        GUXI,
        name="重庆甲乙测试机械有限公司",
    )


def test_who_registers_and_changes_enterprises(users: dict[str, User]) -> None:
    made, _ = services.save_enterprise(users["guxi"], credit_code(30), GUXI, name="古溪镇登记企业")
    assert made.township.code == GUXI
    before = state()
    # 古溪镇 cannot register in 玉溪镇 (rolled back, nothing half saved); departments do not register.
    fails(
        "permission_denied", services.save_enterprise, users["guxi"], credit_code(31), YUXI, name="越界企业"
    )
    fails("permission_denied", services.save_enterprise, users["jxw"], credit_code(32), GUXI, name="部门企业")
    fails(
        "permission_denied", services.save_enterprise, users["qiye"], credit_code(33), GUXI, name="企业自建"
    )
    # Changing: 玉溪镇 does not even see it; the enterprise user may only look; moving it out is refused.
    fails("not_found", services.save_enterprise, users["yuxi"], made.credit_code, YUXI, name="改名")
    fails("permission_denied", services.save_enterprise, users["guxi"], made.credit_code, YUXI)
    assert state() == before
    assert Enterprise.objects.get(pk=made.pk).township.code == GUXI
    own = qiye_enterprise()
    fails(
        "permission_denied",
        services.save_enterprise,
        users["qiye"],
        own.credit_code,
        GUXI,
        contact_name="张三",
    )


# --- The scope ------------------------------------------------------------------------------------


@pytest.fixture
def world(users: dict[str, User]) -> dict[str, Any]:
    """An enterprise, a visit, a need, a service and an appeal in each of 古溪镇 and 玉溪镇."""
    made: dict[str, Any] = {}
    for town, owner in (("guxi", qiye_enterprise()), ("yuxi", yuxi_enterprise())):
        made[f"{town}_enterprise"] = owner
        made[f"{town}_visit"] = services.record_visit(None, owner, date(2025, 5, 6), "走访组", "了解用工")
        made[f"{town}_need"] = services.record_need(
            None, owner, services.NeedInput("labour", date(2025, 5, 6), people=30)
        )
        made[f"{town}_service"] = services.record_service(
            None,
            owner,
            kind="financing",
            served_on=date(2025, 5, 7),
            amount_wan=Decimal("500.00"),
            counterpart="农商行",
        )
        made[f"{town}_appeal"] = services.raise_appeal(
            None, owner, "融资", "流动资金贷款", date(2025, 5, 6), visit=made[f"{town}_visit"]
        )
    return made


MODELS = {"enterprise": Enterprise, "visit": Visit, "need": Need, "service": ServiceRecord, "appeal": Case}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_towns_see_only_their_own(kind: str, world: dict[str, Any], users: dict[str, User]) -> None:
    model = MODELS[kind]
    mine, theirs = world[f"guxi_{kind}"], world[f"yuxi_{kind}"]
    for user, own, other in (("guxi", mine, theirs), ("yuxi", theirs, mine)):
        visible = model.objects.restrict(users[user])
        assert visible.filter(pk=own.pk).exists(), (user, kind)
        assert not visible.filter(pk=other.pk).exists(), (user, kind)
    # The enterprise user sees its own enterprise's rows only; the district leader sees both.
    assert model.objects.restrict(users["qiye"]).filter(pk=mine.pk).exists()
    assert not model.objects.restrict(users["qiye"]).filter(pk=theirs.pk).exists()
    assert model.objects.restrict(users["leader"]).filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_town_lists_stay_in_the_township(world: dict[str, Any], users: dict[str, User]) -> None:
    guxi = users["guxi"]
    assert set(Enterprise.objects.restrict(guxi).values_list("township__code", flat=True)) <= {GUXI}
    assert set(Visit.objects.restrict(guxi).values_list("enterprise__township__code", flat=True)) <= {GUXI}
    assert all(
        path.startswith(guxi.region.path)
        for path in Case.objects.restrict(guxi).values_list("region__path", flat=True)
    )  # type: ignore[union-attr]
    qiye = users["qiye"]
    assert set(Enterprise.objects.restrict(qiye).values_list("pk", flat=True)) == {
        world["guxi_enterprise"].pk
    }
    assert set(Case.objects.restrict(qiye).values_list("submitter_org_id", flat=True)) == {
        qiye.organization_id
    }


# --- Visits, needs, services, appeals ---------------------------------------------------------------


def test_visit_rules(users: dict[str, User]) -> None:
    owner = qiye_enterprise()
    before = state()
    tomorrow = timezone.localdate() + timedelta(days=1)
    error = fails("validation_error", services.record_visit, users["guxi"], owner, tomorrow, " ")
    assert {e.code for e in error.errors} == {"date_in_future", "required"}
    fails("not_found", services.record_visit, users["yuxi"], owner, date(2025, 1, 6), "玉溪镇干部")
    fails("permission_denied", services.record_visit, users["qiye"], owner, date(2025, 1, 6), "自己")
    assert state() == before
    visit = services.record_visit(users["guxi"], owner, date(2025, 1, 6), "古溪镇干部", "  生产正常 ")
    assert (visit.record, visit.visiting_org_id, visit.created_by) == (
        "生产正常",
        users["guxi"].organization_id,
        users["guxi"],
    )


def test_appeal_from_a_visit(users: dict[str, User]) -> None:
    owner = qiye_enterprise()
    visit = services.record_visit(users["guxi"], owner, date(2025, 6, 2), "古溪镇干部")
    case = services.raise_appeal(
        users["guxi"], owner, "用工", "缺普工50人\n最好月底前", date(2025, 6, 2), visit=visit
    )
    assert (case.workflow, case.state, case.source, case.title) == (
        WORKFLOW,
        "accepted",
        "走访",
        "缺普工50人",
    )
    assert (case.region.code, case.submitter_org_id) == (GUXI, owner.organization_id)
    assert list(visit.cases.all()) == [case]
    assert services.enterprise_of(case) == owner


def test_appeal_rules(users: dict[str, User]) -> None:
    owner, other = qiye_enterprise(), yuxi_enterprise()
    squad = Organization.objects.get(name="重点项目服务一专班")
    served = enterprise(credit_code(50), GUXI, "专班服务企业", squad=squad)
    before = state()
    fails("category_unknown", services.raise_appeal, users["qiye"], owner, "天气", "下雨", date(2025, 6, 2))
    fails(
        "date_in_future",
        services.raise_appeal,
        users["qiye"],
        owner,
        "用工",
        "缺人",
        timezone.localdate() + timedelta(days=3),
    )
    fails("required", services.raise_appeal, users["qiye"], owner, "用工", "  ", date(2025, 6, 2))
    fails("not_found", services.raise_appeal, users["yuxi"], owner, "用工", "缺人", date(2025, 6, 2))
    fails("not_found", services.raise_appeal, users["qiye"], other, "用工", "缺人", date(2025, 6, 2))
    fails("not_found", services.raise_appeal, users["squad1"], owner, "用工", "缺人", date(2025, 6, 2))
    # A squad sees the enterprises it serves but does not register appeals for them.
    fails(
        "permission_denied", services.raise_appeal, users["squad1"], served, "用工", "缺人", date(2025, 6, 2)
    )
    assert state() == before
    mine = services.raise_appeal(users["qiye"], owner, "用工", "缺人", date(2025, 6, 2))
    assert mine.created_by == users["qiye"]


def test_needs_and_services(users: dict[str, User]) -> None:
    owner = qiye_enterprise()
    case = appeal(owner, "financing", raised_on=date(2025, 2, 3))
    need = services.record_need(
        users["guxi"],
        owner,
        services.NeedInput("financing", date(2025, 2, 3), amount_wan=Decimal("4600.00"), description="流贷"),
        case,
    )
    assert (need.kind, need.amount_wan, need.case) == ("financing", Decimal("4600.00"), case)
    fails(
        "need_kind_invalid", services.record_need, None, owner, services.NeedInput("money", date(2025, 2, 3))
    )
    fails(
        "amount_negative",
        services.record_need,
        None,
        owner,
        services.NeedInput("financing", date(2025, 2, 3), amount_wan=Decimal(-1)),
    )
    fails(
        "date_in_future",
        services.record_need,
        None,
        owner,
        services.NeedInput("labour", timezone.localdate() + timedelta(days=1)),
    )
    # Another township neither sees the enterprise nor adds to it (the row would name its creator).
    no_need = services.NeedInput("labour", date(2025, 2, 3))
    fails("not_found", services.record_need, users["yuxi"], owner, no_need)
    fails("permission_denied", services.record_need, users["qiye"], owner, no_need)
    row = services.record_service(
        users["jxw"],
        owner,
        kind="financing",
        served_on=date(2025, 3, 3),
        amount_wan=Decimal("34051"),
        quantity=7,
        counterpart="银行",
    )
    assert (row.quantity, row.amount_wan) == (7, Decimal("34051"))
    fails(
        "service_kind_invalid", services.record_service, None, owner, kind="magic", served_on=date(2025, 3, 3)
    )
    fails("date_in_future", services.record_service, None, owner, kind="pass", served_on=None)
    passes = {"kind": "pass", "served_on": date(2025, 3, 3)}
    fails("not_found", services.record_service, users["yuxi"], owner, **passes)
    fails("amount_negative", services.record_service, None, owner, amount_wan=Decimal(-5), **passes)
    fails(
        "permission_denied",
        services.record_service,
        users["qiye"],
        owner,
        kind="pass",
        served_on=date(2025, 3, 3),
    )


def test_save_enterprise_links(users: dict[str, User]) -> None:
    squad = Organization.objects.get(name="重点项目服务一专班")
    made = enterprise(credit_code(40), GUXI, "专班联系企业", squad=squad, liaison_leader=users["leader"])
    assert Enterprise.objects.restrict(users["squad1"]).filter(pk=made.pk).exists()
    assert Enterprise.objects.restrict(users["leader"]).filter(pk=made.pk).exists()
    assert not Enterprise.objects.restrict(users["yuxi"]).filter(pk=made.pk).exists()
