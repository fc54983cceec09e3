"""Case pages: a case with its timeline and the actions its viewer may take, the inbox (待办), the
overdue board (督办), the list with filters and export — and the scope on each of them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from stdnum.cn import uscc

from tiaodu.audit.models import SecurityEvent
from tiaodu.cases import services as cases
from tiaodu.cases.models import Attachment, CardRecord, Case, CaseEvent
from tiaodu.enterprises import services
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

GUXI = "500152103"
YUXI = "500152107"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ALL_USERS = ("admin", "leader", "jxw", "guxi", "yuxi", "squad1", "qiye", "yezhu")


def credit_code(serial: int) -> str:
    first17 = f"91500152MA7C{serial:05d}"
    return first17 + uscc.calc_check_digit(first17)


@pytest.fixture
def firms(users: Any) -> dict[str, Enterprise]:
    org = users["qiye"].organization
    own = Enterprise.objects.filter(organization=org).first()
    if own is None:
        Organization.objects.filter(pk=org.pk).update(code=credit_code(1))
        own = services.save_enterprise(None, credit_code(1), GUXI, name=org.name)[0]
    yuxi = services.save_enterprise(None, credit_code(2), YUXI, name="重庆玉溪办理测试有限公司")[0]
    return {"own": own, "yuxi": yuxi}


def dept(short: str) -> Organization:
    return Organization.objects.get(kind="department", short_name=short, region__code="500152")


def appeal(firm: Enterprise, category: str = "supply", content: str = "原材料供应紧张") -> Case:
    return services.raise_appeal(None, firm, category, content, timezone.localdate())


def html(response: Any, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.content.decode()


def actions_on(page: str) -> set[str]:
    return set(re.findall(r'id="action-(\w+)"', page))


def drive(case: Case, *steps: cases.Step, admin: Any) -> Case:
    for step in steps:
        case = cases.transition(admin, case.pk, step)
    return case


# --- pages render for every role -----------------------------------------------------------------


@pytest.mark.parametrize("username", ALL_USERS)
def test_case_pages_render_for_each_role(client_for: Any, users: Any, firms: Any, username: str) -> None:
    case = appeal(firms["own"])
    c = client_for(users[username])
    for url in ("/cases/", "/cases/inbox/", "/cases/board/"):
        assert c.get(url).status_code == 200, url
    visible = Case.objects.restrict(users[username]).filter(pk=case.pk).exists()
    assert c.get(f"/cases/{case.pk}/").status_code == (200 if visible else 404)


def test_other_townships_appeal_is_hidden_everywhere(client_for: Any, users: Any, firms: Any) -> None:
    theirs = appeal(firms["yuxi"], content="玉溪镇的诉求")
    Case.objects.filter(pk=theirs.pk).update(card="red", due_on=timezone.localdate() - timedelta(days=20))
    cases.attach(users["admin"], theirs.pk, _upload("a.png"))
    attachment = Attachment.objects.get(case=theirs)
    c = client_for(users["guxi"])
    for url in (
        f"/cases/{theirs.pk}/",
        f"/cases/{theirs.pk}/changes/",
        f"/cases/{theirs.pk}/attachments/{attachment.pk}/",
    ):
        assert c.get(url).status_code == 404, url
    for url in ("/cases/", "/cases/inbox/", "/cases/board/", "/cases/?export=csv"):
        assert theirs.number not in c.get(url).content.decode("utf-8-sig"), url
    events = CaseEvent.objects.filter(case=theirs).count()
    assert c.post(f"/cases/{theirs.pk}/comment/", {"note": "偷看"}).status_code == 404
    assert c.post(f"/cases/{theirs.pk}/act/", {"action": "assign"}).status_code == 404
    assert CaseEvent.objects.filter(case=theirs).count() == events


def test_enterprise_user_sees_only_its_own_appeals(client_for: Any, users: Any, firms: Any) -> None:
    mine, theirs = appeal(firms["own"]), appeal(firms["yuxi"])
    c = client_for(users["qiye"])
    listing = html(c.get("/cases/"))
    assert mine.number in listing and theirs.number not in listing
    assert c.get(f"/cases/{mine.pk}/").status_code == 200
    assert c.get(f"/cases/{theirs.pk}/").status_code == 404


# --- the actions shown follow the transition table and the party ---------------------------------

RATED_LOW = ("assign", "start", "resolve", ("rate", 2))
EXPECTED = {
    # state reached: {user: actions shown}
    (): {"admin": {"assign"}, "leader": {"assign"}, "jxw": {"assign"}, "guxi": set(), "qiye": set()},
    ("assign",): {"admin": {"start", "return"}, "leader": set(), "jxw": {"start", "return"}, "qiye": set()},
    ("assign", "start"): {
        "admin": {"resolve", "return"},
        "jxw": {"resolve", "return"},
        "guxi": set(),
        "qiye": set(),
    },
    ("assign", "start", "resolve"): {"admin": set(), "leader": set(), "jxw": set(), "qiye": {"rate"}},
    RATED_LOW: {"admin": {"reopen"}, "leader": {"reopen"}, "jxw": {"reopen"}, "qiye": set()},
    ("assign", "start", "resolve", ("rate", 5)): {
        "admin": set(),
        "leader": set(),
        "jxw": set(),
        "qiye": set(),
    },
    ("assign", "return"): {"admin": {"assign"}, "leader": {"assign"}, "jxw": {"assign"}, "qiye": set()},
}


def reach(case: Case, path: tuple[Any, ...], admin: Any, qiye: Any) -> Case:
    for item in path:
        action, rating = item if isinstance(item, tuple) else (item, None)
        actor = qiye if action == "rate" else admin
        note = "" if action in ("assign", "start", "rate") else f"{action}说明"
        case = cases.transition(actor, case.pk, cases.Step(action, note=note, rating=rating))
    return case


@pytest.mark.parametrize("path", list(EXPECTED), ids=lambda p: "-".join(str(x) for x in p) or "accepted")
def test_actions_shown_match_table_and_party(client_for: Any, users: Any, firms: Any, path: Any) -> None:
    case = reach(appeal(firms["own"]), path, users["admin"], users["qiye"])
    assert case.handling_org == dept("经信委")
    for username, expected in EXPECTED[path].items():
        page = html(client_for(users[username]).get(f"/cases/{case.pk}/"))
        assert actions_on(page) == expected, (username, case.state)
        if not expected:
            assert 'id="no-actions"' in page


def test_squad_member_sees_no_actions(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["own"])
    Case.objects.filter(pk=case.pk).update(created_by=users["squad1"])  # so the squad member sees it
    page = html(client_for(users["squad1"]).get(f"/cases/{case.pk}/"))
    assert actions_on(page) == set()


# --- disallowed posts are refused and change nothing ---------------------------------------------


def snapshot(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return (
        case.state,
        case.handling_org_id,
        case.rating,
        case.resolution,
        CaseEvent.objects.filter(case=case).count(),
    )


def test_transition_not_in_table_is_an_error(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["own"])
    before = snapshot(case)
    page = html(
        client_for(users["admin"]).post(f"/cases/{case.pk}/act/", {"action": "resolve", "resolve-note": "x"}),
        409,
    )
    assert 'id="case-error"' in page and "不能执行该操作" in page
    page = html(
        client_for(users["qiye"]).post(f"/cases/{case.pk}/act/", {"action": "rate", "rate-rating": "5"}), 409
    )
    assert "不能执行该操作" in page
    assert snapshot(case) == before


def test_wrong_party_is_forbidden_and_logged(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["own"])
    before = snapshot(case)
    denied = SecurityEvent.objects.filter(kind="permission_denied").count()
    response = client_for(users["qiye"]).post(
        f"/cases/{case.pk}/act/", {"action": "assign", "assign-handling_org": dept("人社局").pk}
    )
    assert response.status_code == 403
    response = client_for(users["guxi"]).post(f"/cases/{case.pk}/act/", {"action": "assign"})
    assert response.status_code == 403
    assert snapshot(case) == before
    assert SecurityEvent.objects.filter(kind="permission_denied").count() == denied + 2

    drive(
        case,
        cases.Step("assign"),
        cases.Step("start"),
        cases.Step("resolve", note="已协调"),
        admin=users["admin"],
    )
    before = snapshot(case)
    # Only the submitting enterprise rates.
    assert (
        client_for(users["admin"])
        .post(f"/cases/{case.pk}/act/", {"action": "rate", "rate-rating": "5"})
        .status_code
        == 403
    )
    assert (
        client_for(users["jxw"])
        .post(f"/cases/{case.pk}/act/", {"action": "rate", "rate-rating": "1"})
        .status_code
        == 403
    )
    assert snapshot(case) == before


def test_missing_note_rating_or_department_is_shown(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["own"])
    admin, qiye = client_for(users["admin"]), client_for(users["qiye"])
    Case.objects.filter(pk=case.pk).update(handling_org=None)
    case.category.department = None
    before = snapshot(case)
    page = html(admin.post(f"/cases/{case.pk}/act/", {"action": "assign", "assign-handling_org": ""}), 422)
    assert 'data-field="handling_org"' in page
    assert snapshot(case) == before

    drive(case, cases.Step("assign", handling_org=dept("经信委")), cases.Step("start"), admin=users["admin"])
    before = snapshot(case)
    page = html(admin.post(f"/cases/{case.pk}/act/", {"action": "resolve", "resolve-note": "  "}), 422)
    assert 'data-field="note"' in page
    assert snapshot(case) == before

    drive(case, cases.Step("resolve", note="已协调供应商"), admin=users["admin"])
    before = snapshot(case)
    for bad in ("", "6", "0", "abc"):
        page = html(qiye.post(f"/cases/{case.pk}/act/", {"action": "rate", "rate-rating": bad}), 422)
        assert 'data-field="rating"' in page
    assert snapshot(case) == before


def test_reopen_only_after_unsatisfied_rating(client_for: Any, users: Any, firms: Any) -> None:
    case = reach(
        appeal(firms["own"]), ("assign", "start", "resolve", ("rate", 4)), users["admin"], users["qiye"]
    )
    before = snapshot(case)
    page = html(
        client_for(users["admin"]).post(
            f"/cases/{case.pk}/act/", {"action": "reopen", "reopen-note": "再办"}
        ),
        409,
    )
    assert "满意" in page
    assert snapshot(case) == before


# --- the whole loop through the web --------------------------------------------------------------


def test_full_flow_assign_start_resolve_rate_reopen(client_for: Any, users: Any, firms: Any) -> None:
    admin, jxw, qiye, leader = (client_for(users[u]) for u in ("admin", "jxw", "qiye", "leader"))
    # The enterprise raises it in the portal.
    assert (
        qiye.post("/enterprises/portal/", {"category": "labour", "content": "急需普工30人"}).status_code
        == 302
    )
    case = Case.objects.get(description="急需普工30人")
    assert case.handling_org == dept("人社局")

    # The dispatcher routes it to 经信委 with 人社局 co-handling.
    assign = html(admin.get(f"/cases/{case.pk}/"))
    assert 'name="assign-handling_org"' in assign
    response = admin.post(
        f"/cases/{case.pk}/act/",
        {
            "action": "assign",
            "assign-handling_org": dept("经信委").pk,
            "assign-co_orgs": [dept("人社局").pk],
            "assign-note": "请经信委牵头",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert (case.state, case.handling_org, list(case.co_orgs.all())) == (
        "assigned",
        dept("经信委"),
        [dept("人社局")],
    )
    assert f'data-case="{case.number}"' in html(jxw.get("/cases/inbox/"))

    assert jxw.post(f"/cases/{case.pk}/act/", {"action": "start"}).status_code == 302
    response = jxw.post(
        f"/cases/{case.pk}/act/", {"action": "resolve", "resolve-note": "已对接人力资源市场,招聘到位28人"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "resolved" and case.resolution.startswith("已对接") and not case.is_open
    assert f'data-case="{case.number}"' not in html(jxw.get("/cases/inbox/"))

    # The enterprise rates it from the portal (the form posts to the case and comes back).
    portal = html(qiye.get("/enterprises/portal/"))
    assert f'id="rate-{case.pk}"' in portal
    response = qiye.post(
        f"/cases/{case.pk}/act/",
        {"action": "rate", "rate-rating": "2", "rate-note": "只到位一部分", "next": "/enterprises/portal/"},
    )
    assert response.status_code == 302 and response["Location"] == "/enterprises/portal/"
    case.refresh_from_db()
    assert (case.state, case.rating, case.rating_note) == ("rated", 2, "只到位一部分")
    assert f'id="rate-{case.pk}"' not in html(qiye.get("/enterprises/portal/"))

    # Unsatisfied: the leader reopens it.
    assert (
        leader.post(f"/cases/{case.pk}/act/", {"action": "reopen", "reopen-note": "继续协调"}).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.state == "in_progress" and case.is_open and case.reopened_at

    page = html(qiye.get(f"/cases/{case.pk}/"))
    for text in (
        "受理",
        "交办",
        "签收办理",
        "办结",
        "评价",
        "重新办理",
        "请经信委牵头",
        "继续协调",
        "经信委干部",
    ):
        assert text in page, text
    assert [e.action for e in case.events.filter(kind="transition")] == [
        "open",
        "assign",
        "start",
        "resolve",
        "rate",
        "reopen",
    ]
    assert all(
        case.accepted_at and t for t in (case.assigned_at, case.started_at, case.resolved_at, case.rated_at)
    )


def test_unsafe_next_is_ignored(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["own"])
    response = client_for(users["admin"]).post(
        f"/cases/{case.pk}/act/",
        {"action": "assign", "assign-handling_org": dept("经信委").pk, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"


# --- comments and attachments --------------------------------------------------------------------


def _upload(name: str, content: bytes = PNG) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_comment_and_attachment(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["own"])
    qiye = client_for(users["qiye"])
    assert qiye.post(f"/cases/{case.pk}/comment/", {"note": "补充:需要特种钢材"}).status_code == 302
    response = qiye.post(f"/cases/{case.pk}/attachments/", {"file": _upload("现场照片.png")})
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    page = html(qiye.get(f"/cases/{case.pk}/"))
    assert "补充:需要特种钢材" in page and "现场照片.png" in page
    download = client_for(users["guxi"]).get(f"/cases/{case.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"]


def test_bad_uploads_are_shown_and_not_saved(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["own"])
    c = client_for(users["qiye"])
    page = html(c.post(f"/cases/{case.pk}/attachments/", {"file": _upload("run.exe", b"MZ\x90\x00")}), 422)
    assert "只能上传" in page
    page = html(c.post(f"/cases/{case.pk}/attachments/", {"file": _upload("fake.pdf", b"not a pdf")}), 422)
    assert "不符" in page
    with override_settings(UPLOAD_MAX_BYTES=32):
        page = html(c.post(f"/cases/{case.pk}/attachments/", {"file": _upload("big.png")}), 422)
    assert "不能超过" in page
    page = html(c.post(f"/cases/{case.pk}/comment/", {"note": ""}), 422)
    assert 'data-field="note"' in page
    assert not Attachment.objects.filter(case=case).exists()
    assert not case.events.filter(kind__in=["attachment", "comment"]).exists()


# --- inbox, board, list --------------------------------------------------------------------------


def test_inbox_for_handlers_and_dispatchers(client_for: Any, users: Any, firms: Any) -> None:
    supply = appeal(firms["own"], "supply", "钢材供应")  # 经信委 by default
    labour = appeal(firms["own"], "labour", "招工难")  # 人社局 by default
    jxw = html(client_for(users["jxw"]).get("/cases/inbox/"))
    assert supply.number in jxw  # 经信委's own, waiting to be routed
    assert labour.number not in jxw  # another department's
    leader = html(client_for(users["leader"]).get("/cases/inbox/"))
    assert supply.number in leader and labour.number in leader  # the district dispatcher routes both
    guxi = html(client_for(users["guxi"]).get("/cases/inbox/"))
    assert supply.number not in guxi and "待分派" not in guxi  # not a dispatcher, not the handler

    # Co-handling brings it into the co-handler's inbox.
    cases.transition(users["admin"], labour.pk, cases.Step("assign", co_orgs=[users["guxi"].organization]))
    guxi = html(client_for(users["guxi"]).get("/cases/inbox/"))
    assert labour.number in guxi and "配合部门" in guxi


def test_board_groups_cards_by_department(client_for: Any, users: Any, firms: Any) -> None:
    today = timezone.localdate()
    red, yellow, fine = (appeal(firms["own"], cat, f"督办{cat}") for cat in ("supply", "labour", "logistics"))
    Case.objects.filter(pk=red.pk).update(card="red", due_on=today - timedelta(days=15))
    Case.objects.filter(pk=yellow.pk).update(card="yellow", due_on=today - timedelta(days=3))
    theirs = appeal(firms["yuxi"], "supply", "玉溪督办")
    Case.objects.filter(pk=theirs.pk).update(card="red", due_on=today - timedelta(days=15))

    page = html(client_for(users["leader"]).get("/cases/board/"))
    groups = dict(re.findall(r'data-org="([^"]*)"(.*?)</section>', page, re.S))
    assert red.number in groups["区经济信息委"] and yellow.number in groups["区人力社保局"]
    assert fine.number not in page
    assert re.search(r"\d+个工作日", groups["区经济信息委"])
    assert "红牌" in page and "黄牌" in page

    guxi = html(client_for(users["guxi"]).get("/cases/board/"))
    assert red.number in guxi and theirs.number not in guxi
    only_red = html(client_for(users["leader"]).get("/cases/board/", {"card": "red"}))
    assert red.number in only_red and yellow.number not in only_red


def test_case_detail_shows_card_history(client_for: Any, users: Any, firms: Any) -> None:
    case = appeal(firms["own"])
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(card="yellow", due_on=today - timedelta(days=2), yellow_count=1)
    CardRecord.objects.create(case=case, card="yellow", issued_on=today, reason="overdue")
    page = html(client_for(users["jxw"]).get(f"/cases/{case.pk}/"))
    assert "挂牌" in page and "未摘牌" in page and 'data-card="yellow"' in page
    assert 'id="case-overdue"' in page


def test_list_filters_and_export(client_for: Any, users: Any, firms: Any) -> None:
    today = timezone.localdate()
    old = appeal(firms["own"], "supply", "去年的诉求")
    Case.objects.filter(pk=old.pk).update(raised_on=today - timedelta(days=400), card="red")
    new = appeal(firms["own"], "labour", "今年的诉求")
    theirs = appeal(firms["yuxi"], "labour", "玉溪的诉求")
    c = client_for(users["admin"])

    def listed(**params: str) -> set[int]:
        page = html(c.get("/cases/", {"q": "的诉求", **params}))
        return {pk for pk in (old.pk, new.pk, theirs.pk) if f"/cases/{pk}/" in page}

    assert listed() == {old.pk, new.pk, theirs.pk}
    assert listed(category="labour") == {new.pk, theirs.pk}
    assert listed(card="red") == {old.pk}
    assert listed(township=YUXI) == {theirs.pk}
    assert listed(raised_from=(today - timedelta(days=30)).isoformat()) == {new.pk, theirs.pk}
    assert listed(raised_to=(today - timedelta(days=30)).isoformat()) == {old.pk}
    assert listed(state="accepted") == {old.pk, new.pk, theirs.pk}
    assert listed(state="resolved") == set()
    page = html(c.get("/cases/", {"raised_from": "not-a-date"}))
    assert "筛选条件有误" in page

    export = c.get("/cases/", {"township": GUXI, "export": "csv"}).content.decode("utf-8-sig")
    assert export.splitlines()[0].startswith("编号,标题")
    assert new.number in export and theirs.number not in export


def test_dashboard_tiles(client_for: Any, users: Any, firms: Any) -> None:
    from tiaodu.dashboard.tests.test_dashboard import tiles

    supply = appeal(firms["own"], "supply")
    Case.objects.filter(pk=supply.pk).update(card="red", due_on=timezone.localdate() - timedelta(days=9))
    appeal(firms["yuxi"], "labour")
    guxi = tiles(html(client_for(users["guxi"]).get("/")))
    assert guxi["未办结诉求"] == Case.objects.restrict(users["guxi"]).filter(is_open=True).count()
    assert (
        guxi["红牌督办"] == Case.objects.restrict(users["guxi"]).filter(is_open=True, card="red").count() >= 1
    )
    jxw = tiles(html(client_for(users["jxw"]).get("/")))
    assert jxw["我的待办"] >= 1
    qiye = tiles(html(client_for(users["qiye"]).get("/")))
    assert (
        qiye["办理中的诉求"]
        == Case.objects.filter(submitter_org=firms["own"].organization, is_open=True).count()
    )


def test_nul_in_a_filter_is_a_filter_error(client_for: Any, users: Any) -> None:
    """PostgreSQL text cannot hold NUL: the filter refuses it instead of failing with a 500."""
    for url in ("/cases/", "/enterprises/"):
        page = html(client_for(users["admin"]).get(url, {"q": "a\x00b"}))
        assert "筛选条件有误" in page, url
