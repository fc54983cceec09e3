"""The pipeline's pages: who may open them, the list's filters, sorting and exports (the leader
layout grouped by stage), stage moves on the project page and the board (409 on a forbidden
move), follow-ups, funds, the hand-off, and creation under 首报制."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from tiaodu.investment import services
from tiaodu.investment.models import FocusArea, FollowUp, FundsInPlace, IndustryChain, InvestmentProject
from tiaodu.investment.tests.factories import district, project
from tiaodu.investment.tests.test_scope_investment import pipeline
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

READERS = ("admin", "leader", "jxw", "guxi", "squad1")


def test_pages_render_for_the_roles_that_may_see_them(users: Any, client_for: Any) -> None:
    world = pipeline(users)
    for name in READERS:
        c = client_for(users[name])
        for url in ("/investment/", "/investment/board/", f"/investment/{world.guxi.pk}/"):
            r = c.get(url)
            assert r.status_code == 200, (name, url)
            assert world.guxi.name in r.content.decode(), (name, url)
    for name in ("qiye", "yezhu"):
        c = client_for(users[name])
        for url in ("/investment/", "/investment/board/", "/investment/new/"):
            assert c.get(url).status_code == 403, (name, url)
        assert c.get(f"/investment/{world.guxi.pk}/").status_code in (403, 404), name
    # The forms: for those who may add or change.
    assert client_for(users["admin"]).get("/investment/new/").status_code == 200
    assert client_for(users["admin"]).get(f"/investment/{world.guxi.pk}/edit/").status_code == 200
    assert client_for(users["leader"]).get("/investment/new/").status_code == 403
    assert client_for(users["leader"]).get(f"/investment/{world.guxi.pk}/edit/").status_code == 403


def _names(c: Any, **params: Any) -> set[str]:
    r = c.get("/investment/", {"export": "csv", **params})
    assert r.status_code == 200, r.content[:300]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    return {row[0] for row in rows[1:]}


def test_list_filters_and_sort(users: Any, client_for: Any) -> None:
    tn = district()
    chain = IndustryChain.objects.get(region=tn, name="电子信息")
    sub = IndustryChain.objects.create(region=tn, name="智能终端(测试)", parent=chain)
    cq = Region.objects.get(code="500000")
    bay = FocusArea.objects.get(region=tn, name="成渝地区")
    a = project(name="筛选A", chain=sub, investor_region=Region.objects.get(code="500104"), is_key=True)
    b = project(name="筛选B", stage="negotiating", planned_investment=Decimal(50000), follow_level="close")
    c_ = project(
        name="筛选C", stage="signed", agreed_investment=Decimal(90000), planned_investment=Decimal(1)
    )
    InvestmentProject.objects.filter(pk=b.pk).update(card="yellow", duplicate_status="pending")
    c = client_for(users["admin"])
    q = {"q": "筛选"}
    assert _names(c, **q) == {"筛选A", "筛选B", "筛选C"}
    assert _names(c, **q, stage="negotiating") == {"筛选B"}
    assert _names(c, **q, chain=chain.pk) == {"筛选A"}  # the key industry covers its chains
    assert _names(c, **q, focus_area=bay.pk) == {"筛选A"}
    assert _names(c, **q, origin=cq.code) == {"筛选A"}
    assert _names(c, **q, amount_min="40000") == {"筛选B", "筛选C"}  # signed: the agreed amount
    assert _names(c, **q, amount_max="20000") == {"筛选A"}
    assert _names(c, **q, follow_level="close") == {"筛选B"}
    assert _names(c, **q, is_key="true") == {"筛选A"}
    assert _names(c, **q, card="any") == {"筛选B"}
    assert _names(c, **q, duplicate="pending") == {"筛选B"}
    # Sorting by stage follows the chain, not the alphabet.
    r = c.get("/investment/", {"export": "csv", "sort": "-stage_order", **q})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [c_.name, b.name, a.name]
    r = c.get("/investment/", {"stage": "nonsense"})
    assert r.status_code == 200 and "筛选条件有误" in r.content.decode()


def test_leader_export_groups_by_stage_with_subtotals(users: Any, client_for: Any) -> None:
    project(name="领导版甲", stage="negotiating", planned_investment=Decimal(15000))
    project(name="领导版乙", stage="negotiating", planned_investment=Decimal(5000))
    project(
        name="领导版丙", stage="signed", planned_investment=Decimal(30000), agreed_investment=Decimal(25000)
    )
    r = client_for(users["leader"]).get("/investment/", {"export": "xlsx", "layout": "leader", "q": "领导版"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "招商引资项目推进情况表"
    assert str(rows[1][0]).startswith("截至")
    header = rows[2]
    planned, agreed = header.index("计划投资额(亿元)"), header.index("协议投资额(亿元)")
    labels = [row[0] for row in rows[3:]]
    assert labels == ["在谈(2个)", 1, 2, "小计", "签约(1个)", 1, "小计", "合计"]
    subtotal = rows[3 + labels.index("小计")]
    assert subtotal[1] == "2个项目" and subtotal[planned] == pytest.approx(2.0)
    total = rows[-1]
    assert total[1] == "3个项目"
    assert total[planned] == pytest.approx(5.0) and total[agreed] == pytest.approx(2.5)


def test_stage_moves_on_the_page_and_409_on_a_forbidden_one(users: Any, client_for: Any) -> None:
    p = project(stage="negotiating", on=date(2022, 1, 5))
    c = client_for(users["admin"])
    page = c.get(f"/investment/{p.pk}/").content.decode()
    assert 'id="stage-form"' in page and 'value="intent"' in page and 'value="registered"' not in page
    r = c.post(f"/investment/{p.pk}/stage/", {"to": "intent", "on": "2022-02-01", "version": p.version})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.stage == "intent"
    # 意向明显 → 注册落地 is not in the table: 409, the reason on the page, nothing written.
    r = c.post(f"/investment/{p.pk}/stage/", {"to": "registered", "on": "2022-03-01", "version": p.version})
    assert r.status_code == 409
    assert "不能从“意向明显”变更为“注册落地”" in r.content.decode()
    assert p.stage_changes.count() == 2
    # Signing without the agreed amount: 422 on the form.
    r = c.post(f"/investment/{p.pk}/stage/", {"to": "signed", "on": "2022-03-01", "version": p.version})
    assert r.status_code == 422 and "签约须填写协议投资额" in r.content.decode()
    # A stale version: 409 stale_write.
    r = c.post(f"/investment/{p.pk}/stage/", {"to": "to_sign", "on": "2022-03-01", "version": p.version - 1})
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()


def test_board_columns_and_moves(users: Any, client_for: Any) -> None:
    tn = district()
    p = project(name="看板甲", stage="to_sign", planned_investment=Decimal(20000))
    project(name="看板乙", stage="to_sign", planned_investment=Decimal(10000))
    c = client_for(users["admin"])
    r = c.get("/investment/board/", {"q": "看板"})
    text = r.content.decode()
    assert r.status_code == 200
    column = text[text.index('data-stage="to_sign"') : text.index('data-stage="signed"')]
    assert "看板甲" in column and "看板乙" in column and "3亿元" in column and ">2<" in column
    assert f'action="/investment/{p.pk}/stage/"' in column and 'data-target="signed"' in column
    # A move from the board: back to the board with the message.
    r = c.post(
        f"/investment/{p.pk}/stage/",
        {
            "to": "signed",
            "on": "2022-02-01",
            "agreed_investment": "18000",
            "version": p.version,
            "next": "board",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/investment/board/"
    p.refresh_from_db()
    assert (p.stage, p.agreed_investment) == ("signed", Decimal(18000))
    # A forbidden move from the board: 409, the board with the reason.
    r = c.post(
        f"/investment/{p.pk}/stage/",
        {"to": "lead", "on": "2022-02-02", "version": p.version, "next": "board"},
    )
    assert r.status_code == 409
    assert "不能从“签约”变更为“线索”" in r.content.decode() and 'id="investment-board"' in r.content.decode()
    # Leaders read the board without move forms.
    text = client_for(users["leader"]).get("/investment/board/", {"q": "看板"}).content.decode()
    assert "看板乙" in text and "/stage/" not in text
    assert tn is not None


def test_follow_ups_funds_and_take_over(users: Any, client_for: Any) -> None:
    p = project(stage="negotiating", on=date(2022, 1, 5), first_township=users["guxi"].region)
    c = client_for(users["admin"])
    r = c.post(
        f"/investment/{p.pk}/follow-up/",
        {"kind": "visit", "on": "2022-02-10", "people": "王局长", "outcome": "登门拜访,对方有意来区考察"},
    )
    assert r.status_code == 302
    assert FollowUp.objects.filter(project=p, people="王局长").exists()
    p.refresh_from_db()
    assert p.last_follow_up_on == date(2022, 2, 10)
    # Funds before signing are refused on the form.
    r = c.post(f"/investment/{p.pk}/funds/", {"month": "2022-02", "amount": "100", "source": "in_city"})
    assert r.status_code == 422
    services.change_stage(None, p, "signed", date(2022, 3, 1), agreed_investment=Decimal(30000))
    r = c.post(f"/investment/{p.pk}/funds/", {"month": "2022-04", "amount": "1200.5", "source": "in_city"})
    assert r.status_code == 302
    assert FundsInPlace.objects.get(project=p).amount == Decimal("1200.5")
    page = c.get(f"/investment/{p.pk}/").content.decode()
    assert "1200.5" in page and "王局长" in page and 'id="take-over-form"' in page
    r = c.post(f"/investment/{p.pk}/take-over/", {"township_code": "", "code": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    p.refresh_from_db()
    assert p.key_project is not None and p.key_project.name == p.name
    page = c.get(f"/investment/{p.pk}/").content.decode()
    assert f"/projects/{p.key_project_id}/" in page and 'id="take-over-form"' not in page


def test_create_under_first_report_and_edit(users: Any, client_for: Any) -> None:
    first = project(
        name="首报项目", investor_name="重庆潼南华光电子有限公司", first_reported_on=date(2022, 1, 5)
    )
    c = client_for(users["admin"])
    data = {
        "name": "重复报送项目",
        "investor_name": "华光电子(集团)有限公司",
        "planned_investment": "8000",
        "source": "town_team",
        "follow_level": "general",
        "stage": "lead",
        "on": "2022-02-01",
    }
    r = c.post("/investment/new/", data)
    text = r.content.decode()
    assert r.status_code == 409
    assert (
        "首报" in text
        and 'id="duplicate-notice"' in text
        and 'type="checkbox" name="submit_as_duplicate"' in text
    )
    assert not InvestmentProject.objects.filter(name="重复报送项目").exists()
    r = c.post("/investment/new/", {**data, "submit_as_duplicate": "on"})
    assert r.status_code == 302
    dup = InvestmentProject.objects.get(name="重复报送项目")
    assert (dup.duplicate_status, dup.duplicate_of_id) == ("pending", first.pk)
    page = c.get(f"/investment/{dup.pk}/").content.decode()
    assert 'id="duplicate-banner"' in page and "首报项目" in page
    # Edit with the version read; a stale version is refused.
    edit = {
        **data,
        "name": "重复报送项目(改)",
        "version": dup.version,
    }
    r = c.post(f"/investment/{dup.pk}/edit/", edit)
    assert r.status_code == 302
    r = c.post(f"/investment/{dup.pk}/edit/", {**edit, "name": "再改"})
    assert r.status_code == 409
    dup.refresh_from_db()
    assert dup.name == "重复报送项目(改)"


def test_leader_export_as_of_a_past_date_follows_the_history(users: Any, client_for: Any) -> None:
    p = project(name="截至甲", stage="negotiating", on=date(2022, 1, 5), planned_investment=Decimal(10000))
    services.change_stage(None, p, "signed", date(2022, 6, 1), agreed_investment=Decimal(12000))
    project(name="截至乙", stage="lead", on=date(2022, 8, 1))
    c = client_for(users["admin"])
    r = c.get("/investment/", {"export": "xlsx", "layout": "leader", "q": "截至", "as_of": "2022-03-31"})
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[1][0] == "截至2022年3月31日"
    assert [row[0] for row in rows[3:]] == ["在谈(1个)", 1, "小计", "合计"]  # 乙 entered later
    agreed = rows[2].index("协议投资额(亿元)")
    assert rows[4][1] == "截至甲" and rows[4][agreed] is None  # not signed yet on that date
    assert (
        c.get("/investment/", {"export": "xlsx", "layout": "leader", "as_of": "2099-01-01"}).status_code
        == 422
    )
