"""新增诉求: staff register an enterprise's appeal from the appeal list and the inbox, through the
appeal service, with routing (dispatchers), attachments and the scope; searchable selects."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tiaodu.cases.models import Attachment, Case, CaseCategory
from tiaodu.cases.tests.factories import qiye_enterprise, yuxi_enterprise
from tiaodu.enterprises.models import Enterprise
from tiaodu.enterprises.views_appeal import STAFF_SOURCE
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

NEW = "/enterprises/appeals/new/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def dept(short: str) -> Organization:
    return Organization.objects.get(kind="department", short_name=short, region__code="500152")


def html(response: Any, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.content.decode()


def select_tag(page: str, name: str) -> str:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>', page)
    assert found, f"no select {name}"
    return found.group(0)


def options(page: str, name: str) -> dict[str, str]:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no select {name}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1)))


def post(client: Any, firm: Enterprise, **extra: Any) -> Any:
    data = {
        "enterprise": firm.pk,
        "category": "supply",
        "content": "钢材供应紧张,请协调本地供货渠道\n第二季度订单需要",
        "raised_on": timezone.localdate().isoformat(),
        **extra,
    }
    return client.post(NEW, data)


def new_cases(before: int) -> list[Case]:
    return list(Case.objects.filter(pk__gt=before).order_by("pk"))


def last_pk() -> int:
    return Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.parametrize("page", ["/cases/", "/cases/inbox/"])
def test_the_button_is_shown_to_those_who_may_register(users: Any, client_for: Any, page: str) -> None:
    for name in ("admin", "jxw", "guxi"):
        body = html(client_for(users[name]).get(page))
        assert f'id="new-appeal" href="{NEW}"' in body, name
        assert "新增诉求" in body
    for name in ("leader", "squad1"):
        assert 'id="new-appeal"' not in html(client_for(users[name]).get(page)), name


def test_the_enterprise_page_registers_an_appeal_for_that_enterprise(users: Any, client_for: Any) -> None:
    own = qiye_enterprise()
    body = html(client_for(users["jxw"]).get(f"/enterprises/{own.pk}/"))
    assert f'id="enterprise-new-appeal" href="{NEW}?enterprise={own.pk}"' in body
    assert 'id="enterprise-new-appeal"' not in html(
        client_for(users["leader"]).get(f"/enterprises/{own.pk}/")
    )


def test_who_may_open_the_page(users: Any, client_for: Any) -> None:
    assert client_for(users["leader"]).get(NEW).status_code == 403
    assert client_for(users["squad1"]).get(NEW).status_code == 403
    # An enterprise raises its own appeals in its portal.
    response = client_for(users["qiye"]).get(NEW)
    assert (response.status_code, response["Location"]) == (302, "/enterprises/portal/")


def test_the_form_offers_searchable_selects_in_scope(users: Any, client_for: Any) -> None:
    own, yuxi = qiye_enterprise(), yuxi_enterprise()
    page = html(client_for(users["jxw"]).get(NEW, {"enterprise": own.pk}))
    enterprise = select_tag(page, "enterprise")
    assert (
        "data-search-select" in enterprise and 'data-placeholder="输入企业名称或信用代码搜索"' in enterprise
    )
    choices = options(page, "enterprise")
    assert own.name in choices[str(own.pk)] and yuxi.name in choices[str(yuxi.pk)]
    assert re.search(rf'<option value="{own.pk}" selected>', page)  # ?enterprise= preselects
    # Categories say how long the handling may take (the due date is computed from it).
    assert options(page, "category")["supply"] == "原材料供应(7个工作日)"
    co = select_tag(page, "co_orgs")
    assert "multiple" in co and "data-search-select" in co
    assert dept("人社局").name in options(page, "co_orgs").values()
    assert options(page, "handling_org")[""] == "按类别默认"
    assert 'enctype="multipart/form-data"' in page and 'name="attachments"' in page and "multiple" in page
    # 古溪镇 sees its own township's enterprises only, and no routing (the dispatchers' job).
    town = html(client_for(users["guxi"]).get(NEW))
    assert str(own.pk) in options(town, "enterprise") and str(yuxi.pk) not in options(town, "enterprise")
    assert 'name="co_orgs"' not in town and 'name="handling_org"' not in town
    visible = set(Enterprise.objects.restrict(users["guxi"]).values_list("pk", flat=True))
    assert {int(pk) for pk in options(town, "enterprise") if pk} == visible


def test_a_department_registers_and_routes_an_appeal_with_attachments(users: Any, client_for: Any) -> None:
    firm = qiye_enterprise()
    before = last_pk()
    client = client_for(users["jxw"])
    response = client.post(
        NEW,
        {
            "enterprise": firm.pk,
            "category": "supply",
            "title": "",
            "content": "钢材供应紧张,请协调本地供货渠道\n第二季度订单需要",
            "raised_on": timezone.localdate().isoformat(),
            "handling_org": dept("经信委").pk,
            "co_orgs": [dept("人社局").pk, dept("交通局").pk],
            "attachments": [
                SimpleUploadedFile("订单.png", PNG, content_type="image/png"),
                SimpleUploadedFile("合同.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
            ],
        },
    )
    [case] = new_cases(before)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (case.workflow, case.state, case.source) == ("appeal", "accepted", STAFF_SOURCE)
    assert case.title == "钢材供应紧张,请协调本地供货渠道"
    assert (case.submitter_org_id, case.region_id) == (firm.organization_id, firm.township_id)
    assert case.handling_org == dept("经信委") and case.created_by == users["jxw"]
    assert set(case.co_orgs.all()) == {dept("人社局"), dept("交通局")}
    assert case.due_on is not None and case.due_on > timezone.localdate()
    assert sorted(Attachment.objects.filter(case=case).values_list("name", flat=True)) == [
        "合同.pdf",
        "订单.png",
    ]
    assert case.events.order_by("created_at", "pk").values_list("action", flat=True).first() == "open"
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=case.pk, action=LogEntry.Action.CREATE
    ).first()
    assert entry is not None and entry.actor == users["jxw"]
    # The case page shows it, with the success message; the list lists it.
    detail = html(client.get(response["Location"]))
    assert case.number in detail and "已受理诉求" in detail and "订单.png" in detail
    assert case.number in html(client.get("/cases/", {"q": case.number}))


def test_without_routing_the_category_department_handles_it(users: Any, client_for: Any) -> None:
    firm = qiye_enterprise()
    before = last_pk()
    response = post(client_for(users["guxi"]), firm, category="labour", handling_org=dept("经信委").pk)
    [case] = new_cases(before)
    assert response.status_code == 302
    # A township does not route: the posted department is ignored, the category's one handles.
    assert case.handling_org == CaseCategory.objects.get(workflow="appeal", code="labour").department
    assert case.handling_org == dept("人社局") and not case.co_orgs.exists()


def test_the_responsible_department_cannot_be_a_co_handler(users: Any, client_for: Any) -> None:
    firm = qiye_enterprise()
    before = last_pk()
    client = client_for(users["jxw"])
    page = html(post(client, firm, handling_org=dept("人社局").pk, co_orgs=[dept("人社局").pk]), 422)
    assert "责任部门不能同时作为配合部门" in page and 'data-field="co_orgs"' in page
    # Default handler (the category's: 经信委 for 原材料供应) picked as a co-handler: refused too.
    page = html(post(client, firm, co_orgs=[dept("经信委").pk, dept("交通局").pk]), 422)
    assert "责任部门不能同时作为配合部门" in page
    assert new_cases(before) == []
    # The choices stay as they were picked.
    assert re.search(rf'<option value="{dept("交通局").pk}" selected>', page)


def test_out_of_scope_and_invalid_input_are_refused(users: Any, client_for: Any) -> None:
    yuxi = yuxi_enterprise()
    before = last_pk()
    guxi = client_for(users["guxi"])
    page = html(post(guxi, yuxi), 422)  # 玉溪镇's enterprise is not 古溪镇's
    assert 'data-field="enterprise"' in page
    page = html(post(guxi, qiye_enterprise(), content="", category=""), 422)
    assert 'data-field="content"' in page and 'data-field="category"' in page
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = html(post(guxi, qiye_enterprise(), raised_on=tomorrow.isoformat()), 422)
    assert "提出日期不能晚于今天" in page
    assert new_cases(before) == []


def test_a_refused_file_registers_nothing(users: Any, client_for: Any) -> None:
    firm = qiye_enterprise()
    before = last_pk()
    client = client_for(users["jxw"])
    bad_type = SimpleUploadedFile("run.exe", b"MZ....", content_type="application/octet-stream")
    page = html(post(client, firm, attachments=[bad_type]), 422)
    assert 'data-field="attachments"' in page and "run.exe" in page
    # Accepted by name, refused by content (checked by the attachment service): rolled back.
    fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
    page = html(post(client, firm, attachments=[SimpleUploadedFile("ok.pdf", b"%PDF-1.4"), fake]), 422)
    assert "文件内容与扩展名不符" in page
    assert new_cases(before) == []
    assert not Attachment.objects.filter(case_id__gt=before).exists()


def test_the_appeal_api_serves_staff(users: Any, bearer: Any) -> None:
    from django.test import Client

    firm = qiye_enterprise()
    response = Client().post(
        f"/api/v1/enterprises/{firm.pk}/appeals",
        {"category": "supply", "content": "电力增容申请进度慢"},
        content_type="application/json",
        **bearer(users["jxw"]),
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.submitter_org_id, case.created_by) == (firm.organization_id, users["jxw"])


def test_routing_stays_in_the_enterprises_district(users: Any, client_for: Any) -> None:
    """An administrator sees the enterprises of every district, but routes to the home district's
    departments: an enterprise of 大渡口区 cannot be routed to 潼南区's."""
    other = Enterprise.objects.filter(township__path__startswith=_path("500104")).first()
    assert other is not None  # the demo's second district
    before = last_pk()
    admin = client_for(users["admin"])
    page = html(post(admin, other, handling_org=dept("经信委").pk, co_orgs=[dept("人社局").pk]), 422)
    assert page.count("只能选择该企业所在区县的部门和镇街") == 2
    assert new_cases(before) == []
    # Without routing it goes to the category's department, as any appeal.
    assert post(admin, other).status_code == 302
    assert len(new_cases(before)) == 1


def _path(code: str) -> str:
    from tiaodu.regions.models import Region

    return Region.objects.get(code=code).path
