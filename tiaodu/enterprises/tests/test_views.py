"""Enterprise pages: the list and export, the profile, the edit form, visits with difficulties,
needs, services, the portal — and the scope on every one of them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from stdnum.cn import uscc

from tiaodu.cases.models import Case
from tiaodu.enterprises import services
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

GUXI = "500152103"
YUXI = "500152107"


def credit_code(serial: int) -> str:
    first17 = f"91500152MA6T{serial:05d}"
    return first17 + uscc.calc_check_digit(first17)


def enterprise_for(org: Organization, township: str, serial: int) -> Enterprise:
    """The Enterprise record of a demo organisation (made here unless the demo already has it)."""
    existing = Enterprise.objects.filter(organization=org).first()
    if existing is not None:
        return existing
    code = credit_code(serial)
    Organization.objects.filter(pk=org.pk).update(code=code)
    return services.save_enterprise(None, code, township, name=org.name)[0]


@pytest.fixture
def firms(users: Any) -> dict[str, Enterprise]:
    """qiye's own enterprise in 古溪镇, another 古溪镇 enterprise, and one in 玉溪镇."""
    own = enterprise_for(users["qiye"].organization, GUXI, 1)
    other = services.save_enterprise(
        None, credit_code(2), GUXI, name="重庆古溪视图测试机械有限公司", is_above_scale=True, is_key=True
    )[0]
    yuxi = services.save_enterprise(
        None, credit_code(3), YUXI, name="重庆玉溪视图测试材料有限公司", is_specialized=True
    )[0]
    return {"own": own, "other": other, "yuxi": yuxi}


def appeal(enterprise: Enterprise, content: str = "原材料供应紧张", category: str = "supply") -> Case:
    return services.raise_appeal(None, enterprise, category, content, timezone.localdate())


def html(response: Any, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.content.decode()


def menu(page: str) -> set[str]:
    return set(re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', page))


# --- list, filters, export -----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "leader", "jxw", "guxi", "yuxi", "squad1"])
def test_list_renders_for_government_roles(client_for: Any, users: Any, firms: Any, username: str) -> None:
    page = html(client_for(users[username]).get("/enterprises/"))
    assert "企业服务" in page
    assert "/enterprises/" in menu(page)


def test_town_lists_only_its_township(client_for: Any, users: Any, firms: Any) -> None:
    page = html(client_for(users["guxi"]).get("/enterprises/"))
    assert firms["own"].name in page
    assert firms["other"].name in page
    assert firms["yuxi"].name not in page
    # Searching for it directly finds nothing either.
    page = html(client_for(users["guxi"]).get("/enterprises/", {"q": "玉溪视图测试"}))
    assert firms["yuxi"].name not in page
    assert "没有符合条件的记录" in page


def test_enterprise_user_lists_only_its_own(client_for: Any, users: Any, firms: Any) -> None:
    page = html(client_for(users["qiye"]).get("/enterprises/"))
    assert firms["own"].name in page
    assert firms["other"].name not in page
    assert firms["yuxi"].name not in page


def test_filters_flags_and_township(client_for: Any, users: Any, firms: Any) -> None:
    c = client_for(users["admin"])
    page = html(c.get("/enterprises/", {"is_key": "true", "q": "视图测试"}))
    assert firms["other"].name in page and firms["yuxi"].name not in page
    page = html(c.get("/enterprises/", {"is_specialized": "true", "q": "视图测试"}))
    assert firms["yuxi"].name in page and firms["other"].name not in page
    page = html(c.get("/enterprises/", {"township": YUXI, "q": "视图测试"}))
    assert firms["yuxi"].name in page and firms["other"].name not in page
    page = html(c.get("/enterprises/", {"is_above_scale": "false", "q": "视图测试"}))
    assert firms["yuxi"].name in page and firms["other"].name not in page
    # The township filter offers only townships in the user's scope.
    guxi_page = html(client_for(users["guxi"]).get("/enterprises/"))
    assert f'value="{GUXI}"' in guxi_page and f'value="{YUXI}"' not in guxi_page


def test_htmx_filter_returns_the_table_only(client_for: Any, users: Any, firms: Any) -> None:
    page = html(client_for(users["admin"]).get("/enterprises/", {"q": "视图测试"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in page
    assert firms["yuxi"].name in page


def test_export_follows_scope(client_for: Any, users: Any, firms: Any) -> None:
    response = client_for(users["guxi"]).get("/enterprises/", {"export": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "统一社会信用代码" in text.splitlines()[0]
    assert firms["other"].credit_code in text
    assert firms["yuxi"].credit_code not in text
    xlsx = client_for(users["admin"]).get("/enterprises/", {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


# --- profile -------------------------------------------------------------------------------------


def test_other_townships_enterprise_is_404_everywhere(client_for: Any, users: Any, firms: Any) -> None:
    c = client_for(users["guxi"])
    pk = firms["yuxi"].pk
    for url in (
        f"/enterprises/{pk}/",
        f"/enterprises/{pk}/edit/",
        f"/enterprises/{pk}/changes/",
        f"/enterprises/{pk}/visits/new/",
        f"/enterprises/{pk}/needs/new/",
        f"/enterprises/{pk}/services/new/",
    ):
        assert c.get(url).status_code == 404, url
    before = Visit.objects.count()
    response = c.post(f"/enterprises/{pk}/visits/new/", {"visited_on": "2024-01-02", "visitors": "某人"})
    assert response.status_code == 404
    assert Visit.objects.count() == before


def test_enterprise_user_sees_only_its_own_profile(client_for: Any, users: Any, firms: Any) -> None:
    c = client_for(users["qiye"])
    assert c.get(f"/enterprises/{firms['own'].pk}/").status_code == 200
    assert c.get(f"/enterprises/{firms['other'].pk}/").status_code == 404
    assert c.get(f"/enterprises/{firms['yuxi'].pk}/").status_code == 404


def test_profile_shows_everything_done_and_heard(client_for: Any, users: Any, firms: Any) -> None:
    firm = firms["other"]
    services.save_enterprise(
        None,
        firm.credit_code,
        GUXI,
        liaison_leader=users["leader"],
        liaison_department=users["jxw"].organization,
        squad=Organization.objects.get(name="重点项目服务一专班"),
        resident_officer=users["squad1"],
    )
    today = timezone.localdate()
    visit = services.record_visit(None, firm, today, "张三、李四", "生产正常,反映用工缺口")
    case = services.raise_appeal(None, firm, "labour", "缺普工50人", today, visit=visit)
    services.record_need(
        None, firm, services.NeedInput(kind="labour", raised_on=today, people=50, job_types="普工")
    )
    services.record_service(
        None, firm, kind="financing", served_on=today, counterpart="重庆农商行", amount_wan=500
    )

    page = html(client_for(users["guxi"]).get(f"/enterprises/{firm.pk}/"))
    for text in (
        "张三、李四",
        "生产正常,反映用工缺口",
        case.number,
        "已受理",
        "普工",
        "重庆农商行",
        "区领导",
        "区经济信息委",
        "重点项目服务一专班",
        "专班成员",
        "规上企业",
        "重点企业",
        f"/enterprises/{firm.pk}/changes/",
        "记录走访",
    ):
        assert text in page, text
    assert 'data-state="accepted"' in page


def test_profile_shows_cards_and_history(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["other"])
    Case.objects.filter(pk=case.pk).update(card="red", due_on=timezone.localdate() - timedelta(days=10))
    page = html(client_for(users["admin"]).get(f"/enterprises/{firms['other'].pk}/"))
    assert 'data-card="red"' in page
    history = html(client_for(users["admin"]).get(f"/enterprises/{firms['other'].pk}/changes/"))
    assert "变更记录" in history
    assert firms["other"].name in history


def test_leader_sees_profile_without_edit_buttons(client_for: Any, users: Any, firms: Any) -> None:
    page = html(client_for(users["leader"]).get(f"/enterprises/{firms['other'].pk}/"))
    assert f"/enterprises/{firms['other'].pk}/edit/" not in page
    assert "记录走访" not in page  # leaders view only
    assert client_for(users["leader"]).get(f"/enterprises/{firms['other'].pk}/edit/").status_code == 403


# --- create and edit -----------------------------------------------------------------------------


def form_data(**extra: Any) -> dict[str, Any]:
    data = {"credit_code": credit_code(11), "name": "重庆古溪新登记食品有限公司", "township_code": GUXI}
    data.update(extra)
    return data


def test_town_registers_an_enterprise(client_for: Any, users: Any) -> None:
    c = client_for(users["guxi"])
    assert "统一社会信用代码" in html(c.get("/enterprises/new/"))
    response = c.post("/enterprises/new/", form_data(is_above_scale="on", industry_code="C13"))
    assert response.status_code == 302
    firm = Enterprise.objects.get(credit_code=credit_code(11))
    assert response["Location"] == f"/enterprises/{firm.pk}/"
    assert firm.township.code == GUXI and firm.is_above_scale and firm.industry_code == "C13"
    assert firm.organization.kind == "enterprise"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (form_data(credit_code="91500152MA6T00011X"), "credit_code", "校验位不正确"),
        (form_data(township_code=YUXI), "township_code", ""),
        (form_data(name=""), "name", ""),
        (form_data(industry_code="XYZ"), "industry_code", "行业代码"),
    ],
)
def test_bad_input_is_shown_and_nothing_saved(
    client_for: Any, users: Any, data: dict[str, Any], field: str, message: str
) -> None:
    before = Enterprise.objects.count()
    page = html(client_for(users["guxi"]).post("/enterprises/new/", data), 422)
    assert f'data-field="{field}"' in page
    assert message in page
    assert Enterprise.objects.count() == before


def test_existing_credit_code_is_not_overwritten_by_the_form(client_for: Any, users: Any, firms: Any) -> None:
    # Another township's enterprise: refused without saying that, or where, it is registered.
    page = html(
        client_for(users["yuxi"]).post(
            "/enterprises/new/", form_data(credit_code=firms["other"].credit_code, township_code=YUXI)
        ),
        422,
    )
    assert "不能由您登记" in page
    assert "已登记" not in page and firms["other"].name not in page
    firms["other"].refresh_from_db()
    assert firms["other"].township.code == GUXI
    # The caller's own township's enterprise: "registered" (the caller can open it).
    page = html(
        client_for(users["guxi"]).post(
            "/enterprises/new/", form_data(credit_code=firms["other"].credit_code)
        ),
        422,
    )
    assert "已登记" in page


def test_edit_keeps_the_credit_code(client_for: Any, users: Any, firms: Any) -> None:
    firm = firms["other"]
    c = client_for(users["guxi"])
    page = html(c.get(f"/enterprises/{firm.pk}/edit/"))
    assert firm.credit_code in page
    data = form_data(credit_code=credit_code(99), name=firm.name, contact_name="王经理", is_key="on")
    response = c.post(f"/enterprises/{firm.pk}/edit/", data)
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.contact_name == "王经理"
    assert firm.credit_code == credit_code(2)  # disabled field: the posted code is ignored
    assert not Enterprise.objects.filter(credit_code=credit_code(99)).exists()


def test_department_cannot_edit_an_enterprise_it_does_not_liaise(
    client_for: Any, users: Any, firms: Any
) -> None:
    c = client_for(users["jxw"])
    assert c.get(f"/enterprises/{firms['other'].pk}/edit/").status_code == 403
    services.save_enterprise(
        None, firms["other"].credit_code, GUXI, liaison_department=users["jxw"].organization
    )
    assert c.get(f"/enterprises/{firms['other'].pk}/edit/").status_code == 200
    # …and department staff do not register new enterprises.
    assert c.get("/enterprises/new/").status_code == 403


# --- visits, needs, services ---------------------------------------------------------------------


def visit_data(**lines: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "visited_on": timezone.localdate().isoformat(),
        "visitors": "古溪镇干部、经信委干部",
        "record": "了解生产经营情况",
        "d-TOTAL_FORMS": "3",
        "d-INITIAL_FORMS": "0",
        "d-MIN_NUM_FORMS": "0",
        "d-MAX_NUM_FORMS": "30",
    }
    data.update(lines)
    return data


def test_visit_with_difficulties_becomes_linked_appeals(client_for: Any, users: Any, firms: Any) -> None:
    firm = firms["other"]
    c = client_for(users["guxi"])
    page = html(c.get(f"/enterprises/{firm.pk}/visits/new/"))
    assert "d-TOTAL_FORMS" in page and "添加一行" in page
    response = c.post(
        f"/enterprises/{firm.pk}/visits/new/",
        visit_data(
            **{
                "d-0-category": "labour",
                "d-0-content": "缺技术工人20名",
                "d-1-category": "financing",
                "d-1-content": "流动资金贷款到期续贷困难",
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get(enterprise=firm)
    assert visit.visiting_org == users["guxi"].organization
    cases = list(visit.cases.order_by("pk"))
    assert [c.category.code for c in cases] == ["labour", "financing"]
    assert all(c.source == "走访" and c.raised_on == visit.visited_on for c in cases)
    assert all(c.submitter_org_id == firm.organization_id for c in cases)
    page = html(c.get(f"/enterprises/{firm.pk}/"))
    assert cases[0].number in page and "缺技术工人20名" in page


def test_bad_difficulty_line_saves_nothing(client_for: Any, users: Any, firms: Any) -> None:
    firm = firms["other"]
    visits, cases = Visit.objects.count(), Case.objects.count()
    page = html(
        client_for(users["guxi"]).post(
            f"/enterprises/{firm.pk}/visits/new/",
            visit_data(**{"d-0-category": "labour", "d-0-content": "缺工", "d-1-content": "没有类别"}),
        ),
        422,
    )
    assert "请选择类别" in page
    assert (Visit.objects.count(), Case.objects.count()) == (visits, cases)


def test_future_visit_date_is_refused(client_for: Any, users: Any, firms: Any) -> None:
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    visits, cases = Visit.objects.count(), Case.objects.count()
    page = html(
        client_for(users["guxi"]).post(
            f"/enterprises/{firms['other'].pk}/visits/new/",
            visit_data(visited_on=future, **{"d-0-category": "labour", "d-0-content": "缺工"}),
        ),
        422,
    )
    assert "走访日期不能晚于今天" in page
    assert (Visit.objects.count(), Case.objects.count()) == (visits, cases)


def test_record_need_and_service(client_for: Any, users: Any, firms: Any) -> None:
    firm = firms["other"]
    case = appeal(firm, "融资需求", "financing")
    c = client_for(users["guxi"])
    today = timezone.localdate().isoformat()
    assert "用工人数" in html(c.get(f"/enterprises/{firm.pk}/needs/new/"))
    response = c.post(
        f"/enterprises/{firm.pk}/needs/new/",
        {"kind": "financing", "raised_on": today, "amount_wan": "300", "case_id": case.pk},
    )
    assert response.status_code == 302
    need = Need.objects.get(enterprise=firm)
    assert need.amount_wan == 300 and need.case == case

    response = c.post(
        f"/enterprises/{firm.pk}/services/new/",
        {
            "kind": "financing",
            "served_on": today,
            "counterpart": "潼南农商行",
            "amount_wan": "280",
            "quantity": "1",
            "unit": "笔",
        },
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.get(enterprise=firm)
    assert record.counterpart == "潼南农商行" and record.org == users["guxi"].organization
    page = html(c.get(f"/enterprises/{firm.pk}/"))
    assert "潼南农商行" in page and "1笔" in page


def test_negative_amount_and_future_need_are_refused(client_for: Any, users: Any, firms: Any) -> None:
    c = client_for(users["guxi"])
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    html(c.post(f"/enterprises/{firms['other'].pk}/needs/new/", {"kind": "labour", "raised_on": future}), 422)
    html(
        c.post(
            f"/enterprises/{firms['other'].pk}/services/new/",
            {"kind": "financing", "served_on": timezone.localdate().isoformat(), "amount_wan": "-5"},
        ),
        422,
    )
    assert not Need.objects.filter(enterprise=firms["other"]).exists()
    assert not ServiceRecord.objects.filter(enterprise=firms["other"]).exists()


def test_enterprise_user_cannot_record_visits(client_for: Any, users: Any, firms: Any) -> None:
    c = client_for(users["qiye"])
    assert c.get(f"/enterprises/{firms['own'].pk}/visits/new/").status_code == 403
    assert c.get(f"/enterprises/{firms['own'].pk}/services/new/").status_code == 403


# --- the portal ----------------------------------------------------------------------------------


def test_portal_submit_and_follow(client_for: Any, users: Any, firms: Any) -> None:
    c = client_for(users["qiye"])
    page = html(c.get("/enterprises/portal/"))
    assert firms["own"].name in page and "提交困难诉求" in page
    assert "/enterprises/portal/" in menu(page)
    assert "/enterprises/" not in menu(page)  # the registry is for government staff

    response = c.post(
        "/enterprises/portal/", {"category": "logistics", "content": "园区道路限行,货车无法进出"}
    )
    assert response.status_code == 302
    case = Case.objects.get(submitter_org=firms["own"].organization, description="园区道路限行,货车无法进出")
    assert case.raised_on == timezone.localdate()
    assert case.state == "accepted" and case.category.code == "logistics"
    assert case.created_by == users["qiye"]
    page = html(c.get("/enterprises/portal/"))
    assert case.number in page and "已受理" in page


def test_portal_bad_input_saves_nothing(client_for: Any, users: Any, firms: Any) -> None:
    before = Case.objects.count()
    page = html(client_for(users["qiye"]).post("/enterprises/portal/", {"category": "", "content": ""}), 422)
    assert 'data-field="category"' in page and 'data-field="content"' in page
    html(
        client_for(users["qiye"]).post("/enterprises/portal/", {"category": "nonsense", "content": "x"}), 422
    )
    assert Case.objects.count() == before


def test_portal_shows_only_own_appeals(client_for: Any, users: Any, firms: Any) -> None:
    mine, theirs = appeal(firms["own"], "我方诉求"), appeal(firms["other"], "他方诉求")
    page = html(client_for(users["qiye"]).get("/enterprises/portal/"))
    assert mine.number in page and theirs.number not in page


def test_portal_is_for_enterprise_users(client_for: Any, users: Any, firms: Any) -> None:
    for username in ("admin", "guxi", "jxw", "yezhu"):
        assert client_for(users[username]).get("/enterprises/portal/").status_code == 403, username
        assert "/enterprises/portal/" not in menu(html(client_for(users[username]).get("/")))


def test_menu_entries_by_role(client_for: Any, users: Any) -> None:
    guxi = menu(html(client_for(users["guxi"]).get("/")))
    assert {"/enterprises/", "/cases/inbox/", "/cases/board/"} <= guxi
    squad = menu(html(client_for(users["squad1"]).get("/")))
    assert "/enterprises/" in squad and "/cases/inbox/" not in squad
    owner = menu(html(client_for(users["yezhu"]).get("/")))
    assert not {"/enterprises/", "/cases/inbox/", "/cases/board/", "/enterprises/portal/"} & owner
