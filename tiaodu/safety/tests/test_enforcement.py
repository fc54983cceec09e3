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


# --- pages and API --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_document_pages(client_for: Any) -> None:
    from django.urls import reverse

    from tiaodu.accounts.models import User

    jxw = User.objects.get(username="jxw")
    target = unit(name="经信电厂", sector=sector(name="电力", dept=jxw.organization), credit_code="")
    c = client_for(jxw)
    page = c.get(reverse("safety:document-create"), {"unit": target.pk})
    assert page.status_code == 200 and "经信电厂" in page.content.decode()
    post = {
        "kind": "decision",
        "number": "潼经信罚〔2022〕5号",
        "unit_id": target.pk,
        "department_id": jxw.organization_id,
        "issued_on": "2022-03-04",
        "penalties": ["warning", "fine"],
        "fine_amount": "",
    }
    refused = c.post(reverse("safety:document-create"), post)
    assert refused.status_code == 422
    assert "须填写金额" in refused.content.decode()
    assert not EnforcementDocument.objects.filter(number=post["number"]).exists()
    done = c.post(reverse("safety:document-create"), post | {"fine_amount": "12000"})
    assert done.status_code == 302
    doc = EnforcementDocument.objects.get(number=post["number"])
    assert doc.created_by == jxw
    detail = c.get(reverse("safety:document-detail", args=[doc.pk])).content.decode()
    assert 'id="fine-total">12000' in detail and "警告" in detail
    edit_url = reverse("safety:document-edit", args=[doc.pk])
    assert 'value="12000' in c.get(edit_url).content.decode()
    fix = {"number": post["number"], "issued_on": "2022-03-05", "penalties": ["fine"], "fine_amount": "15000"}
    assert c.post(edit_url, fix).status_code == 302
    assert fine_total(doc) == Decimal("15000") and doc.penalties.count() == 1
    kept = c.post(edit_url, fix | {"penalties": [], "fine_amount": ""})
    assert kept.status_code == 422 and "至少载明一种处罚" in kept.content.decode()
    guxi = client_for(User.objects.get(username="guxi"))
    assert guxi.get(edit_url).status_code == 403  # a town reads but does not change documents
    listed = c.get(reverse("safety:document-list"), {"penalty": "fine"}).content.decode()
    assert reverse("safety:document-detail", args=[doc.pk]) in listed
    assert (
        c.get(reverse("safety:document-list"), {"penalty": "closure"}).content.decode().count(post["number"])
        == 0
    )
    # by name within the township, and a fine amount without 罚款 checked
    by_name = c.post(
        reverse("safety:document-create"),
        post
        | {
            "unit_id": "",
            "unit": "经信电厂",
            "township_code": "500152103",
            "number": "X2",
            "penalties": ["warning"],
            "fine_amount": "5",
        },
    )
    assert by_name.status_code == 422 and "不应填写金额" in by_name.content.decode()
    # an enterprise user may not open the form
    assert (
        client_for(User.objects.get(username="qiye")).get(reverse("safety:document-create")).status_code
        == 403
    )


@pytest.mark.django_db
def test_document_api(client_for: Any, bearer: Any) -> None:
    from tiaodu.accounts.models import User

    jxw = User.objects.get(username="jxw")
    target = unit(name="经信二厂", sector=sector(name="电力", dept=jxw.organization))
    c = client_for(jxw)
    body = {
        "kind": "decision",
        "number": "API罚1",
        "unit_id": target.pk,
        "issued_on": "2022-03-04",
        "penalties": [{"kind": "罚款", "amount": "3000"}, {"kind": "warning"}],
    }
    created = c.post("/api/v1/safety/documents", body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["department_id"] == jxw.organization_id
    assert data["fine_total"] == 3000
    assert {p["kind"] for p in data["penalties"]} == {"fine", "warning"}
    again = c.post("/api/v1/safety/documents", body, content_type="application/json")
    assert again.status_code == 422
    assert again.json()["errors"][0]["code"] == "document_number_duplicate"
    wrong = c.post(
        "/api/v1/safety/documents",
        body | {"number": "API罚2", "penalties": [{"kind": "警告", "amount": "1"}]},
        content_type="application/json",
    )
    assert wrong.json()["errors"][0]["code"] == "amount_without_fine"
    listed = c.get("/api/v1/safety/documents", {"penalty": "fine"}).json()
    assert [r["number"] for r in listed["results"]] == ["API罚1"]
    assert c.get(f"/api/v1/safety/documents/{data['id']}").json()["unit_name"] == "经信二厂"
    # another district's user does not see it
    other = c.get(f"/api/v1/safety/documents/{data['id']}", **bearer(User.objects.get(username="qiye")))
    assert other.status_code in (403, 404)
