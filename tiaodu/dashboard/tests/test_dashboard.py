"""Each role's home page (工作台): its own title and only the counts inside the user's scope."""

from __future__ import annotations

import re

import pytest

from tiaodu.accounts.models import User
from tiaodu.audit.choices import EventKind
from tiaodu.audit.services import record_event
from tiaodu.dashboard.services import build
from tiaodu.enterprises.demo import TONGNAN_FIRMS
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

TITLES = {
    "admin": "系统管理工作台",
    "leader": "区领导工作台",
    "jxw": "部门工作台",
    "guxi": "镇街工作台",
    "yuxi": "镇街工作台",
    "squad1": "专班工作台",
    "qiye": "企业服务工作台",
    "yezhu": "项目业主工作台",
}
KIND_LABELS = {"department": "区级部门", "town": "镇街", "squad": "服务专班", "enterprise": "企业"}
GUXI_ENTERPRISES = {"重庆潼南古溪食品有限公司", "重庆古溪机械制造有限公司"}
YUXI_ENTERPRISE = "重庆玉溪新材料有限公司"


def tiles(html: str) -> dict[str, int]:
    pairs = re.findall(
        r'<div class="td-tile-value">([^<]*)</div><div class="td-tile-label">([^<]*)</div>', html
    )
    return {label: int(value) for value, label in pairs}


def title(html: str) -> str:
    match = re.search(r'<h1 class="h4 mb-1" id="dashboard-title">([^<]*)</h1>', html)
    assert match, "dashboard title missing"
    return match.group(1)


def home(client_for, user) -> str:
    response = client_for(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def orgs_in(region_code: str, kind: str) -> int:
    path = Region.objects.get(code=region_code).path
    return Organization.objects.filter(region__path__startswith=path, kind=kind).count()


def active_users_in(region_code: str) -> int:
    path = Region.objects.get(code=region_code).path
    return User.objects.filter(region__path__startswith=path, is_active=True).count()


@pytest.mark.parametrize(("username", "expected"), TITLES.items())
def test_each_role_sees_its_own_title(client_for, users, username, expected):
    html = home(client_for, users[username])
    assert title(html) == expected
    assert build(users[username]).title == expected
    others = set(TITLES.values()) - {expected}
    assert not any(f">{other}<" in html for other in others)


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_admin_sees_everything(client_for, users):
    counts = tiles(home(client_for, users["admin"]))
    for kind, label in KIND_LABELS.items():
        assert counts[label] == Organization.objects.filter(kind=kind).count(), label
    assert counts["镇街"] == 23 + 8  # 潼南区 and 大渡口区
    assert counts["服务专班"] == 10  # 5 in each district
    assert counts["用户"] == User.objects.filter(is_active=True).count()
    assert "近7日安全告警" in counts


def test_leader_sees_the_whole_district_only(client_for, users):
    counts = tiles(home(client_for, users["leader"]))
    for kind, label in KIND_LABELS.items():
        assert counts[label] == orgs_in("500152", kind), label
    assert counts["镇街"] == 23
    assert counts["服务专班"] == 5
    assert counts["企业"] == 4 + len(TONGNAN_FIRMS)  # core.demo's four and the enterprise-service demo's
    assert counts["用户"] == active_users_in("500152")
    assert "近7日安全告警" not in counts


def test_users_of_another_district_are_not_counted(client_for, users):
    from tiaodu.accounts.services import create_user

    leader_before = tiles(home(client_for, users["leader"]))["用户"]
    admin_before = tiles(home(client_for, users["admin"]))["用户"]
    township = Region.objects.filter(parent__code="500104").first()
    create_user(
        None, username="dadukou-town", role="town", region_code=township.code, password="Xk9#mq2LpW-77"
    )
    assert tiles(home(client_for, users["leader"]))["用户"] == leader_before
    assert tiles(home(client_for, users["admin"]))["用户"] == admin_before + 1


def test_department_sees_the_district_and_its_own_unit(client_for, users):
    html = home(client_for, users["jxw"])
    counts = tiles(html)
    assert counts["镇街"] == 23
    assert counts["区级部门"] == orgs_in("500152", "department")
    assert "本单位" in html
    assert users["jxw"].organization.name in html


@pytest.mark.parametrize(("username", "township"), [("guxi", "500152103"), ("yuxi", "500152107")])
def test_town_sees_only_its_township(client_for, users, username, township):
    html = home(client_for, users[username])
    counts = tiles(html)
    for kind, label in KIND_LABELS.items():
        assert counts[label] == orgs_in(township, kind), label
    assert counts["镇街"] == 1
    assert counts["区级部门"] == 0
    assert counts["服务专班"] == 0
    assert counts["用户"] == active_users_in(township)
    assert "本镇街机构" in html
    if username == "guxi":
        assert counts["企业"] == 2
        assert all(name in html for name in GUXI_ENTERPRISES)
        assert YUXI_ENTERPRISE not in html
        assert "玉溪镇人民政府" not in html
    else:
        assert counts["企业"] == 1
        assert YUXI_ENTERPRISE in html
        assert not any(name in html for name in GUXI_ENTERPRISES)
        assert "古溪镇人民政府" not in html


def test_new_org_in_another_township_does_not_change_town_counts(client_for, users):
    from tiaodu.orgs import services as orgs

    before = tiles(home(client_for, users["guxi"]))
    orgs.create_organization(
        None, name="重庆玉溪第二工厂", kind="enterprise", region=Region.objects.get(code="500152107")
    )
    assert tiles(home(client_for, users["guxi"])) == before
    assert tiles(home(client_for, users["yuxi"]))["企业"] == 2


def test_squad_member_sees_their_squad(client_for, users):
    html = home(client_for, users["squad1"])
    counts = tiles(html)
    assert counts == {"我的专班": 1}
    assert "重点项目服务一专班" in html
    assert "重点项目服务二专班" not in html
    assert users["squad1"].display_name in html


def test_enterprise_user_sees_only_its_enterprise(client_for, users):
    html = home(client_for, users["qiye"])
    from tiaodu.cases.models import Case

    own = Case.objects.filter(submitter_org=users["qiye"].organization)
    assert tiles(html) == {  # only its own appeals
        "办理中的诉求": own.filter(is_open=True).count(),
        "待评价": own.filter(state="resolved").count(),
        "待报送": 0,  # no reporting round open for it in the shared test data
    }
    assert "重庆潼南古溪食品有限公司" in html
    assert "重庆古溪机械制造有限公司" not in html
    assert YUXI_ENTERPRISE not in html
    assert "近7日安全告警" not in html


def test_owner_sees_only_its_unit(client_for, users):
    html = home(client_for, users["yezhu"])
    assert tiles(html) == {}
    assert "重庆潼南城市建设投资(集团)有限公司" in html
    assert not any(name in html for name in GUXI_ENTERPRISES)


def test_admin_sees_recent_security_alerts(client_for, users):
    record_event(EventKind.LOGIN_FAILED, username="intruder-x")
    record_event(EventKind.LOGIN_SUCCEEDED, username="harmless-y")
    html = home(client_for, users["admin"])
    assert "intruder-x" in html
    assert "harmless-y" not in html
    assert tiles(html)["近7日安全告警"] >= 1
    assert "intruder-x" not in home(client_for, users["leader"])


def menu(html: str) -> set[str]:
    return set(re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', html))


def test_menu_follows_role(client_for, users):
    admin_menu = menu(home(client_for, users["admin"]))
    assert {"/", "/orgs/", "/accounts/users/", "/regions/", "/audit/", "/accounts/tokens/"} <= admin_menu
    town_menu = menu(home(client_for, users["guxi"]))
    assert "/accounts/users/" not in town_menu
    assert "/audit/" not in town_menu
    assert {"/", "/accounts/tokens/"} <= town_menu


def test_header_shows_user_and_region(client_for, users):
    html = home(client_for, users["guxi"])
    assert "古溪镇干部(guxi)" in html
    assert "镇街人员" in html
    assert "重庆市潼南区古溪镇" in html
