"""Lost updates (issue 13 item 3): a project carries a version; an edit or a stage change that
sends the version it read loses to one made in between with 409 ``stale_write``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tiaodu.core.concurrency import StaleWrite
from tiaodu.projects import services
from tiaodu.projects.choices import Stage
from tiaodu.projects.models import StageChange
from tiaodu.projects.tests.factories import GUXI, project

pytestmark = pytest.mark.django_db

API = "/api/v1/projects"
JSON = "application/json"


def api(bearer: Any, user: Any) -> Any:
    class As:
        def __init__(self) -> None:
            self.client, self.headers = Client(), bearer(user)

        def get(self, path: str) -> Any:
            return self.client.get(path, **self.headers)

        def post(self, path: str, data: Any, **headers: str) -> Any:
            return self.client.post(path, data, content_type=JSON, **self.headers, **headers)

    return As()


def test_second_stage_change_from_the_same_version_gets_stale_write(users: dict, bearer: Any) -> None:
    """Both read version N of a 储备 project. Without versions the second writer's 取消 was
    applied on top of the first one's 签约 (200), as if it had seen it."""
    p = project(GUXI)
    url = f"{API}/{p.pk}"
    leader, admin = api(bearer, users["leader"]), api(bearer, users["admin"])
    read = admin.get(url).json()["version"]
    assert leader.get(url).json()["version"] == read == p.version

    first = admin.post(f"{url}/stage", {"to": "signed", "version": read})
    assert first.status_code == 200, first.content
    assert first.json()["version"] == read + 1
    changes = StageChange.objects.filter(project=p).count()

    second = admin.post(f"{url}/stage", {"to": "cancelled", "note": "撤销", "version": read})
    assert second.status_code == 409, second.content
    body = second.json()
    assert body["code"] == "stale_write" and [e["field"] for e in body["errors"]] == ["version"]
    assert body["version"] == read + 1 and body["current"]["stage"] == Stage.SIGNED
    p.refresh_from_db()
    assert (p.stage, p.version) == (Stage.SIGNED, read + 1)
    assert StageChange.objects.filter(project=p).count() == changes

    # If-Match works as the body field does; no version at all is not checked.
    stale = admin.post(f"{url}/stage", {"to": "cancelled"}, HTTP_IF_MATCH=f'"{read}"')
    assert stale.status_code == 409 and stale.json()["code"] == "stale_write"
    fresh = admin.post(f"{url}/stage", {"to": "landed"}, HTTP_IF_MATCH=f'W/"{read + 1}"')
    assert fresh.status_code == 200, fresh.content
    assert admin.post(f"{url}/stage", {"to": "started"}).status_code == 200


def test_edit_service_checks_the_version() -> None:
    p = project(GUXI)
    read = p.version
    services.save_project(None, p.pk, version=read, name="第一位编辑的名称")
    with pytest.raises(StaleWrite) as lost:
        services.save_project(None, p.pk, version=read, name="第二位编辑的名称")
    assert lost.value.status == 409 and lost.value.current["name"] == "第一位编辑的名称"
    p.refresh_from_db()
    assert (p.name, p.version) == ("第一位编辑的名称", read + 1)


def _form(page: str) -> dict[str, str]:
    """The edit form's values as the browser would post them (the fields the test needs)."""
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version, "the edit form carries the version"
    return {"version": version.group(1)}


def test_edit_page_second_writer_gets_a_clear_error(users: dict, client_for: Any) -> None:
    p = project(GUXI, name="并发编辑测试项目")
    first_web, second_web = client_for(users["guxi"]), client_for(users["admin"])
    path = f"/projects/{p.pk}/edit/"
    first_form = _form(first_web.get(path).content.decode())
    second_form = _form(second_web.get(path).content.decode())
    assert first_form["version"] == second_form["version"] == str(p.version)
    data = {
        "level": "district",
        "kind": "new",
        "category": "industry",
        "township_code": GUXI,
        "total_investment": "1000",
        "annual_plan": "500",
        "investment_completed": "100",
        "funding": "social",
    }
    response = first_web.post(path, {**data, **first_form, "name": "第一位编辑的名称"})
    assert response.status_code == 302
    response = second_web.post(path, {**data, **second_form, "name": "第二位编辑的名称"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "该记录已被他人修改" in page
    p.refresh_from_db()
    assert (p.name, p.version) == ("第一位编辑的名称", int(first_form["version"]) + 1)
    # After reloading the page, the second editor saves deliberately.
    again = _form(second_web.get(path).content.decode())
    response = second_web.post(path, {**data, **again, "name": "第二位编辑的名称"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.name == "第二位编辑的名称"


def test_stage_form_second_writer_gets_a_clear_error(users: dict, client_for: Any) -> None:
    p = project(GUXI)
    first_web, second_web = client_for(users["guxi"]), client_for(users["admin"])
    first_form = _form(first_web.get(f"/projects/{p.pk}/").content.decode())
    second_form = _form(second_web.get(f"/projects/{p.pk}/").content.decode())
    today = timezone.localdate().isoformat()
    response = first_web.post(f"/projects/{p.pk}/stage/", {**first_form, "to": "signed", "on": today})
    assert response.status_code == 302
    response = second_web.post(f"/projects/{p.pk}/stage/", {**second_form, "to": "cancelled", "on": today})
    assert response.status_code == 422
    assert "该记录已被他人修改" in response.content.decode()
    p.refresh_from_db()
    assert p.stage == Stage.SIGNED
