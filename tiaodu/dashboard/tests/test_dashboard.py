"""Each role's home page (工作台): its own title, the work to do today as lines with a count and a
link to the list filtered to exactly those items, inside the user's scope only."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from tiaodu.audit.choices import EventKind
from tiaodu.audit.services import record_event
from tiaodu.cases.models import Case
from tiaodu.dashboard.services import build
from tiaodu.enterprises.appeals import WORKFLOW

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
GUXI_ENTERPRISES = {"重庆潼南古溪食品有限公司", "重庆古溪机械制造有限公司"}


def title(html: str) -> str:
    match = re.search(r'<h1 class="h4 mb-1" id="dashboard-title">([^<]*)</h1>', html)
    assert match, "dashboard title missing"
    return match.group(1)


def home(client_for, user) -> str:
    response = client_for(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def lines(html: str) -> dict[str, tuple[int, str]]:
    """The task lines of the page: label → (count, link)."""
    found = re.findall(
        r'<a class="d-flex align-items-center text-decoration-none td-wb-link" href="([^"]*)">\s*'
        r'<span class="td-wb-label flex-grow-1">([^<]*)</span>\s*<span class="badge[^"]*">(\d+)</span>',
        html,
    )
    return {unescape(label): (int(n), unescape(url)) for url, label, n in found}


# The labels of the earlier tile dashboard that mean the same as a line today (the modules' own
# tests read the workbench through :func:`tiles`).
OLD_LABELS = {
    "待报送": ("待填报的监测报送",),
    "填报中的报送任务": ("填报中的报送任务（待催报）", "填报中的报送任务"),
    "待处理产值预警": ("待处理的产值预警",),
    "红牌督办": ("红牌督办的诉求",),
    "黄牌督办": ("黄牌督办的诉求",),
    "待评价": ("已办结待评价的诉求",),
    "未办结诉求": ("本镇街企业未办结的诉求", "所联系企业未办结的诉求"),
    "我的待办": ("待交办诉求", "被退回待重新交办的诉求", "待签收办理的诉求", "办理中待办结的诉求"),
}


def tiles(html: str) -> Counter[str]:
    """The lines' counts by label (0 for a line not shown: nothing to do), also under the earlier
    tile labels of :data:`OLD_LABELS`."""
    counts: Counter[str] = Counter({label: n for label, (n, _url) in lines(html).items()})
    for old, new in OLD_LABELS.items():
        counts[old] = sum(counts[label] for label in new)
    return counts


def total(html: str) -> int:
    match = re.search(r'<span id="td-total">共 (\d+) 条</span>', html)
    assert match, "list total missing"
    return int(match.group(1))


def appeals(**kw) -> list[Case]:
    return list(Case.objects.filter(workflow=WORKFLOW, **kw))


@pytest.mark.parametrize(("username", "expected"), TITLES.items())
def test_each_role_sees_its_own_title(client_for, users, username, expected):
    html = home(client_for, users[username])
    assert title(html) == expected
    assert build(users[username]).title == expected
    others = set(TITLES.values()) - {expected}
    assert not any(f">{other}<" in html for other in others)
    assert "将在此汇总" not in html


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize(
    "username", ["admin", "leader", "jxw", "guxi", "yuxi", "squad1", "qiye", "yezhu", "zsj"]
)
def test_every_line_links_to_a_page_the_user_may_open(client_for, users, username):
    """Whatever module a line comes from, its link opens for that user; a case list behind an
    appeal line holds exactly the line's count."""
    user = users[username]
    board = build(user)
    client = client_for(user)
    for section in board.sections:
        for task in section.tasks:
            response = client.get(task.url)
            assert response.status_code == 200, (username, section.module, task.label, task.url)
            if section.module == "cases":
                assert total(response.content.decode()) == task.count, (username, task.label)


def test_leader_lines_are_the_district_appeals(client_for, users):
    leader = users["leader"]
    html = home(client_for, leader)
    found = lines(html)
    district = Case.objects.restrict(leader).filter(workflow=WORKFLOW)
    accepted = district.filter(state="accepted").count()
    assert accepted > 0  # the demo has appeals waiting to be routed
    assert found["待交办诉求"] == (accepted, "/cases/?workflow=appeal&state=accepted")
    red = district.filter(is_open=True, card="red")
    if red.exists():
        assert found["红牌督办的诉求"][0] == red.count()
    # the case list behind the line shows those appeals, and only those
    page = client_for(leader).get(found["待交办诉求"][1]).content.decode()
    assert total(page) == accepted
    for case in district.filter(state="accepted"):
        assert case.number in page
    assert "企业诉求" in html


def test_appeals_of_another_district_are_not_counted(client_for, users):
    from tiaodu.cases.models import CaseCategory
    from tiaodu.cases.services import open_case
    from tiaodu.orgs.models import Organization
    from tiaodu.regions.models import Region

    before = lines(home(client_for, users["leader"]))["待交办诉求"][0]
    township = Region.objects.filter(parent__code="500104").first()
    dadukou = Organization.objects.filter(
        region__path__startswith=township.parent.path, kind="department"
    ).first()
    category = CaseCategory.objects.filter(workflow=WORKFLOW, code="labour").first()
    open_case(
        None,
        workflow=WORKFLOW,
        category_ref=category.code,
        title="大渡口区企业用工诉求",
        description="招工困难",
        region=township,
        raised_on=timezone.localdate(),
        handling_org=dadukou,
    )
    assert lines(home(client_for, users["leader"]))["待交办诉求"][0] == before
    assert lines(home(client_for, users["admin"]))["待交办诉求"][0] > before


def test_department_lines_are_its_own_appeals(client_for, users):
    jxw = users["jxw"]
    org = jxw.organization_id
    found = lines(home(client_for, jxw))
    for label, state in (
        ("待交办诉求", "accepted"),
        ("待签收办理的诉求", "assigned"),
        ("办理中待办结的诉求", "in_progress"),
    ):
        mine = Case.objects.restrict(jxw).filter(workflow=WORKFLOW, state=state, handling_org_id=org)
        if mine.exists():
            assert found[label][0] == mine.count()
            assert f"handling_org={org}" in found[label][1]
        else:
            assert label not in found
    # the district's other departments' appeals are not jxw's to route
    district = Case.objects.restrict(users["leader"]).filter(workflow=WORKFLOW, state="accepted")
    ours = district.filter(handling_org_id=org).count()
    assert found.get("待交办诉求", (0, ""))[0] == ours


def test_town_sees_its_township_appeals_and_cards_only(client_for, users):
    for username in ("guxi", "yuxi"):
        user = users[username]
        found = lines(home(client_for, user))
        township = Case.objects.restrict(user).filter(workflow=WORKFLOW, is_open=True)
        assert found.get("本镇街企业未办结的诉求", (0, ""))[0] == township.count()
        mine = Case.objects.restrict(user).filter(workflow=WORKFLOW, is_open=True, card="red")
        assert found.get("红牌督办的诉求", (0, ""))[0] == mine.count()
        assert all(c.region.path.startswith(user.region.path) for c in mine)


def test_enterprise_sees_its_own_appeals_to_rate(client_for, users):
    qiye = users["qiye"]
    html = home(client_for, qiye)
    found = lines(html)
    own = Case.objects.filter(workflow=WORKFLOW, submitter_org=qiye.organization)
    to_rate = own.filter(state="resolved").count()
    assert found.get("已办结待评价的诉求", (0, ""))[0] == to_rate
    assert found.get("办理中的诉求", (0, ""))[0] == own.filter(is_open=True).count()
    assert "重庆潼南古溪食品有限公司" in html
    assert "重庆古溪机械制造有限公司" not in html
    assert "近7日" not in html
    if to_rate:
        page = client_for(qiye).get(found["已办结待评价的诉求"][1]).content.decode()
        assert total(page) == to_rate


def test_owner_and_squad_see_their_unit(client_for, users):
    html = home(client_for, users["yezhu"])
    assert "重庆潼南城市建设投资(集团)有限公司" in html
    assert not any(name in html for name in GUXI_ENTERPRISES)
    html = home(client_for, users["squad1"])
    assert "重点项目服务一专班" in html
    assert "重点项目服务二专班" not in html


def test_admin_sees_recent_security_alerts(client_for, users):
    record_event(EventKind.LOGIN_FAILED, username="intruder-x")
    record_event(EventKind.LOGIN_SUCCEEDED, username="harmless-y")
    admin = users["admin"]
    found = lines(home(client_for, admin))
    count, url = found["近7日登录失败"]
    assert count >= 1
    assert "kind=login_failed" in url
    page = client_for(admin).get(url).content.decode()
    assert total(page) == count
    assert "intruder-x" in page
    assert "harmless-y" not in page
    assert "近7日登录失败" not in home(client_for, users["leader"])


def test_token_about_to_expire_is_a_line_of_its_owner(client_for, users):
    from tiaodu.accounts.models import ApiToken
    from tiaodu.accounts.services import create_token

    create_token(None, users["jxw"], "采集程序", 30)
    tokens = ApiToken.objects.filter(user=users["jxw"])
    tokens.update(expires_at=timezone.now() + timedelta(days=3))
    assert tokens.exists()
    found = lines(home(client_for, users["jxw"]))
    assert found["即将过期的API令牌"] == (tokens.count(), "/accounts/tokens/")
    assert "即将过期的API令牌" not in lines(home(client_for, users["leader"]))


def test_menu_and_header(client_for, users):
    html = home(client_for, users["guxi"])
    assert "古溪镇干部(guxi)" in html
    assert "镇街人员" in html
    assert "重庆市潼南区古溪镇" in html
    menu = set(re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', html))
    assert "/audit/" not in menu
    assert "/" in menu


def test_no_inline_script_or_style(client_for, users):
    html = home(client_for, users["leader"])
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert 'style="' not in html


def test_leader_sees_the_cards_by_kind_of_case(client_for, users):
    import json

    leader = users["leader"]
    html = home(client_for, leader)
    carded = Case.objects.restrict(leader).filter(is_open=True, card__in=["red", "yellow"])
    assert carded.exists()  # the demo's late appeals and project problems carry cards
    match = re.search(r'<script id="chart-cases-cards" type="application/json">(.*?)</script>', html, re.S)
    assert match, "cards chart missing"
    option = json.loads(unescape(match.group(1)))
    red, yellow = (s["data"] for s in option["series"])
    assert sum(red) == carded.filter(card="red").count()
    assert sum(yellow) == carded.filter(card="yellow").count()
    assert "企业诉求" in option["yAxis"]["data"]
    assert 'data-echart="chart-cases-cards"' in html
    assert "chart-cases-cards" not in home(client_for, users["guxi"])


def test_admin_sees_a_locked_account_and_unlocks_it_from_there(client_for, users, settings):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="guxi",
        ip_address="10.0.0.9",
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    found = lines(home(client_for, users["admin"]))
    assert found["账号已锁定：guxi"] == (1, f"/accounts/users/{users['guxi'].pk}/")
    page = client_for(users["admin"]).get(found["账号已锁定：guxi"][1])
    assert page.status_code == 200
    assert "guxi" in page.content.decode()
    assert "账号已锁定：guxi" not in lines(home(client_for, users["leader"]))
