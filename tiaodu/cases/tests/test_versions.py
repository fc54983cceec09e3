"""Lost updates (issue 13 item 3): a case carries a version; a transition that sends the version
it read loses to one made in between with 409 ``stale_write`` and the current values."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from tiaodu.accounts.models import User
from tiaodu.cases import services
from tiaodu.cases.models import Case, CaseEvent
from tiaodu.cases.tests.factories import appeal, qiye_enterprise
from tiaodu.enterprises.choices import AppealState as S
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"
JSON = "application/json"


def dept(short_name: str) -> Organization:
    return Organization.objects.get(short_name=short_name, region__code="500152")


@pytest.fixture
def api(users: dict[str, User], bearer: Any) -> Any:
    class As:
        def __init__(self, name: str) -> None:
            self.client, self.headers = Client(), bearer(users[name])

        def get(self, path: str) -> Any:
            return self.client.get(path, **self.headers)

        def post(self, path: str, data: Any, **headers: str) -> Any:
            return self.client.post(path, data, content_type=JSON, **self.headers, **headers)

    return As


@pytest.fixture
def returned(users: dict[str, User]) -> Case:
    """A 古溪镇 appeal the first department sent back (退回): a dispatcher routes it again."""
    case = appeal(qiye_enterprise(), "other", raised_on=date(2025, 3, 3))
    services.transition(users["admin"], case.pk, services.Step("assign", handling_org=dept("经信委")))
    services.transition(users["admin"], case.pk, services.Step("return", note="不属于本部门职责"))
    return Case.objects.get(pk=case.pk)


def test_second_of_two_dispatchers_gets_stale_write(api: Any, returned: Case) -> None:
    """Both dispatchers read version N. Without versions the second one's 交办, made after the
    first one's routing went back again, silently re-routed the case (200)."""
    url = f"{API}/{returned.pk}"
    leader, admin = api("leader"), api("admin")
    read = leader.get(url).json()["version"]
    assert admin.get(url).json()["version"] == read == returned.version

    first = leader.post(
        f"{url}/transitions", {"action": "assign", "handling_org_id": dept("人社局").pk, "version": read}
    )
    assert first.status_code == 200, first.content
    assert first.json()["version"] == read + 1
    # Meanwhile the department sends it back (it read the new version).
    back = admin.post(f"{url}/transitions", {"action": "return", "note": "请改派", "version": read + 1})
    assert back.status_code == 200, back.content
    events = CaseEvent.objects.filter(case=returned).count()

    second = admin.post(
        f"{url}/transitions", {"action": "assign", "handling_org_id": dept("住建委").pk, "version": read}
    )
    assert second.status_code == 409, second.content
    body = second.json()
    assert body["code"] == "stale_write" and "已被他人修改" in body["message"]
    assert [e["field"] for e in body["errors"]] == ["version"]
    assert body["version"] == read + 2
    assert body["current"]["state"] == S.RETURNED
    assert body["current"]["handling_org_id"] == dept("人社局").pk
    case = Case.objects.get(pk=returned.pk)
    assert (case.state, case.handling_org_id, case.version) == (S.RETURNED, dept("人社局").pk, read + 2)
    assert CaseEvent.objects.filter(case=returned).count() == events

    # With the current version the dispatcher may route it, deliberately.
    third = admin.post(
        f"{url}/transitions",
        {"action": "assign", "handling_org_id": dept("住建委").pk},
        HTTP_IF_MATCH=f'W/"{read + 2}"',
    )
    assert third.status_code == 200, third.content


def test_if_match_header_and_unchecked_writers(api: Any, returned: Case) -> None:
    url = f"{API}/{returned.pk}/transitions"
    admin = api("admin")
    stale = admin.post(
        url,
        {"action": "assign", "handling_org_id": dept("人社局").pk},
        HTTP_IF_MATCH=f'"{returned.version - 1}"',
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_write"
    bad = admin.post(url, {"action": "assign", "handling_org_id": dept("人社局").pk}, HTTP_IF_MATCH="abc")
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "version_invalid"
    assert Case.objects.get(pk=returned.pk).state == S.RETURNED
    # A client that sends no version is not checked (and moves the version on).
    unchecked = admin.post(url, {"action": "assign", "handling_org_id": dept("人社局").pk})
    assert unchecked.status_code == 200
    assert unchecked.json()["version"] == returned.version + 1


def _version(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "the action form carries the version"
    return found.group(1)


def test_case_page_second_writer_gets_a_clear_error(
    client_for: Any, users: dict[str, User], returned: Case
) -> None:
    leader, admin = client_for(users["leader"]), client_for(users["admin"])
    path = f"/cases/{returned.pk}/"
    read = _version(leader.get(path).content.decode())
    assert _version(admin.get(path).content.decode()) == read == str(returned.version)

    first = leader.post(
        f"{path}act/", {"action": "assign", "assign-handling_org": dept("人社局").pk, "version": read}
    )
    assert first.status_code == 302
    services.transition(users["admin"], returned.pk, services.Step("return", note="请改派"))

    second = admin.post(
        f"{path}act/", {"action": "assign", "assign-handling_org": dept("住建委").pk, "version": read}
    )
    assert second.status_code == 409
    page = second.content.decode()
    assert "该记录已被他人修改" in page
    # The page shows the case as it is now, with the version to act on it again.
    assert _version(page) == str(returned.version + 2)
    case = Case.objects.get(pk=returned.pk)
    assert (case.state, case.handling_org_id) == (S.RETURNED, dept("人社局").pk)
