"""Enforcement documents: unique 文号 per district, the penalty rules of 第五条, scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from tiaodu.core.errors import InvalidInput, ServiceError
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.safety.choices import DocumentKind, InspectionKind, PenaltyKind
from tiaodu.safety.enforcement import create_document, fine_total, penalty_kind, update_document
from tiaodu.safety.models import EnforcementDocument, Inspection, PenaltyItem, Sector, Unit

_serial = count(1)


# --- helpers shared by the lane's tests (rows made directly until reference/units land) ---------


def department(district_code: str = "500152", short: str = "应急管理局") -> Organization:
    district = Region.objects.get(code=district_code)
    org, _ = Organization.objects.get_or_create(
        region=district,
        kind=OrgKind.DEPARTMENT,
        short_name=short,
        defaults={"name": f"重庆市{district.name}{short}"},
    )
    return org


def sector(district_code: str = "500152", name: str = "工贸", dept: Organization | None = None) -> Sector:
    found, _ = Sector.objects.get_or_create(
        region=Region.objects.get(code=district_code),
        name=name,
        defaults={"code": f"s{next(_serial)}", "department": dept or department(district_code)},
    )
    return found


def unit(township_code: str = "500152103", name: str = "", **fields: Any) -> Unit:
    township = Region.objects.get(code=township_code)
    district = township.parent
    assert district is not None
    fields.setdefault("sector", sector(district.code))
    return Unit.objects.create(
        district=district, township=township, name=name or f"测试单位{next(_serial)}", **fields
    )


def inspection(target: Unit, on: date = date(2022, 2, 10), number: str = "") -> Inspection:
    return Inspection.objects.create(
        district=target.district,
        township=target.township,
        number=number or f"JC2022{next(_serial):06d}",
        inspected_on=on,
        unit=target,
        sector=target.sector,
        department=department(target.district.code),
        kind=InspectionKind.ENFORCEMENT,
    )


def decision(target: Unit, number: str, penalties: Any, on: date = date(2022, 3, 1)) -> EnforcementDocument:
    return create_document(
        None,
        kind=DocumentKind.DECISION,
        number=number,
        unit=target,
        department=department(target.district.code),
        issued_on=on,
        penalties=penalties,
    )


# --- tests ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_decision_with_several_kinds_keeps_the_unit_facts() -> None:
    target = unit()
    checked = inspection(target)
    doc = create_document(
        None,
        kind="处罚决定书",
        number=" 潼应急罚〔2022〕1号 ",
        unit=target,
        department=department(),
        issued_on=date(2022, 3, 1),
        inspection=checked,
        penalties=[("警告", None), ("罚款", Decimal("20000")), ("责令停产停业整顿", None)],
    )
    assert doc.number == "潼应急罚〔2022〕1号"
    assert (doc.district_id, doc.township_id, doc.sector_id) == (
        target.district_id,
        target.township_id,
        target.sector_id,
    )
    kinds = dict(PenaltyItem.objects.filter(document=doc).values_list("kind", "amount"))
    assert kinds == {
        PenaltyKind.WARNING: None,
        PenaltyKind.FINE: Decimal("20000"),
        PenaltyKind.SUSPENSION: None,
    }
    assert fine_total(doc) == Decimal("20000")


@pytest.mark.django_db
def test_number_is_unique_per_district_only() -> None:
    first = unit()
    decision(first, "罚〔2022〕7号", [("warning", None)])
    with pytest.raises(InvalidInput) as caught:
        create_document(
            None,
            kind=DocumentKind.ORDER,
            number="罚〔2022〕7号",
            unit=unit(),
            department=department(),
            issued_on=date(2022, 3, 2),
        )
    assert caught.value.errors[0].code == "document_number_duplicate"
    # 大渡口区 may use the same 文号
    other = unit("500104001")
    assert decision(other, "罚〔2022〕7号", [("warning", None)]).district.code == "500104"


@pytest.mark.parametrize(
    ("kind", "penalties", "code"),
    [
        (DocumentKind.DECISION, [("罚款", None)], "fine_amount_required"),
        (DocumentKind.DECISION, [("没收违法所得", Decimal("0"))], "fine_amount_required"),
        (DocumentKind.DECISION, [("警告", Decimal("100"))], "amount_without_fine"),
        (DocumentKind.DECISION, [("罚款", Decimal("-1"))], "value_negative"),
        (DocumentKind.DECISION, [], "penalty_required"),
        (DocumentKind.DECISION, [("罚款", 1), ("fine", 2)], "penalty_duplicate"),
        (DocumentKind.DECISION, [("罚酒三杯", None)], "penalty_kind_unknown"),
        (DocumentKind.ORDER, [("警告", None)], "penalty_not_allowed"),
    ],
)
@pytest.mark.django_db
def test_penalty_rules(kind: str, penalties: Any, code: str) -> None:
    target = unit()
    with pytest.raises(InvalidInput) as caught:
        create_document(
            None,
            kind=kind,
            number=f"N{next(_serial)}",
            unit=target,
            department=department(),
            issued_on=date(2022, 3, 1),
            penalties=penalties,
        )
    assert code in {e.code for e in caught.value.errors}
    assert not EnforcementDocument.objects.filter(unit=target).exists()
    assert not PenaltyItem.objects.filter(document__unit=target).exists()


@pytest.mark.django_db
def test_references_are_checked() -> None:
    target = unit()
    other = unit()
    with pytest.raises(InvalidInput) as caught:
        create_document(
            None,
            kind=DocumentKind.REVIEW,
            number="复查〔2022〕1号",
            unit=target,
            department=department("500104"),  # another district's department
            issued_on=date(2022, 2, 15),
            inspection=inspection(other),  # of another unit
        )
    assert {e.code for e in caught.value.errors} == {"department_unknown", "inspection_unit_mismatch"}
    with pytest.raises(InvalidInput) as caught:
        create_document(
            None,
            kind="通知书",
            number="X1",
            unit=target,
            department=department(),
            issued_on=date(2022, 1, 5),
        )
    assert caught.value.errors[0].code == "document_kind_unknown"
    with pytest.raises(InvalidInput) as caught:
        create_document(
            None,
            kind=DocumentKind.REVIEW,
            number="复查〔2022〕2号",
            unit=target,
            department=department(),
            issued_on=date(2022, 2, 9),
            inspection=inspection(target),
        )
    assert caught.value.errors[0].code == "issued_before_inspection"


def test_penalty_kind_by_code_label_or_wording() -> None:
    assert penalty_kind("fine") == PenaltyKind.FINE
    assert penalty_kind("责令停产停业(整顿)") == PenaltyKind.SUSPENSION
    assert penalty_kind("暂扣或者吊销有关许可证") == PenaltyKind.LICENSE
    assert penalty_kind(" 吊销证照") == PenaltyKind.LICENSE


@pytest.mark.django_db
def test_update_replaces_penalties_and_keeps_rules() -> None:
    target = unit()
    doc = decision(target, "罚〔2022〕9号", [("警告", None)])
    update_document(None, doc.pk, penalties=[("罚款", "5000"), ("警告", None)], number="罚〔2022〕10号")
    doc.refresh_from_db()
    assert doc.number == "罚〔2022〕10号"
    assert sorted(doc.penalties.values_list("kind", flat=True)) == ["fine", "warning"]
    decision(target, "罚〔2022〕11号", [("警告", None)])
    with pytest.raises(InvalidInput) as caught:
        update_document(None, doc.pk, number="罚〔2022〕11号", penalties=[("关闭", 3)])
    assert {e.code for e in caught.value.errors} == {"document_number_duplicate", "amount_without_fine"}
    assert doc.penalties.count() == 2


@pytest.mark.django_db
def test_department_issues_as_itself_town_and_enterprise_do_not() -> None:
    from tiaodu.accounts.models import User

    jxw = User.objects.get(username="jxw")
    target = unit(sector=sector(name="电力", dept=jxw.organization))
    doc = create_document(
        jxw,
        kind=DocumentKind.ORDER,
        number="潼经信令〔2022〕1号",
        unit=target,
        department=jxw.organization,
        issued_on=date(2022, 2, 1),
    )
    assert doc.created_by == jxw
    for username in ("guxi", "qiye"):
        with pytest.raises(ServiceError) as caught:
            create_document(
                User.objects.get(username=username),
                kind=DocumentKind.ORDER,
                number=f"令{username}",
                unit=target,
                department=jxw.organization,
                issued_on=date(2022, 2, 1),
            )
        assert caught.value.status in (403, 404)
    assert not EnforcementDocument.objects.filter(number__startswith="令").exists()
