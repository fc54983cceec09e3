"""A case's responsible department (责任部门) cannot also be its co-handler (配合部门): refused by the
service with the stable code ``co_handler_is_responsible`` — a form error on the pages, a 400 in
the API — whether the case is opened, assigned or re-routed; nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tiaodu.cases import services
from tiaodu.cases.models import Case
from tiaodu.cases.tests.factories import appeal, qiye_enterprise
from tiaodu.core.errors import ServiceError
from tiaodu.enterprises import services as enterprises
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

CODE = "co_handler_is_responsible"


def dept(short: str) -> Organization:
    return Organization.objects.get(kind="department", short_name=short, region__code="500152")


def refused(call: Any, *args: Any, **kwargs: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert (error.code, error.status) == (CODE, 400)
    assert [(e.field, e.code) for e in error.errors] == [("co_orgs", CODE)]
    assert error.message == "责任部门不能同时作为配合部门"
    return error


def routing(case: Case) -> tuple[Any, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (fresh.state, fresh.handling_org_id, sorted(fresh.co_orgs.values_list("pk", flat=True)))


def test_opening_a_case(users: Any) -> None:
    firm = qiye_enterprise()
    before = Case.objects.count()
    kwargs: dict[str, Any] = dict(
        workflow=WORKFLOW,
        category_ref="labour",
        title="招工",
        description="缺焊工",
        region=firm.township,
        raised_on=timezone.localdate(),
        submitter_org=firm.organization,
    )
    refused(services.open_case, users["jxw"], handling_org=dept("经信委"), co_orgs=[dept("经信委")], **kwargs)
    # No handler given: the category's department (人社局 for 用工) is the responsible one.
    refused(services.open_case, users["jxw"], co_orgs=[dept("交通局"), dept("人社局")], **kwargs)
    refused(
        enterprises.raise_appeal,
        users["jxw"],
        firm,
        "labour",
        "缺焊工",
        timezone.localdate(),
        co_orgs=[dept("人社局")],
    )
    assert Case.objects.count() == before
    case = services.open_case(users["jxw"], co_orgs=[dept("交通局")], **kwargs)
    assert routing(case) == ("accepted", dept("人社局").pk, [dept("交通局").pk])


def test_assigning_and_rerouting(users: Any) -> None:
    case = appeal(qiye_enterprise(), "labour")
    leader, rsj, jxw = users["leader"], dept("人社局"), dept("经信委")
    start = routing(case)
    step = services.Step("assign", handling_org=jxw, co_orgs=[rsj, jxw])
    refused(services.transition, leader, case.pk, step)
    # A generator of organisations is accepted like a list (checked, then saved).
    services.transition(leader, case.pk, services.Step("assign", handling_org=jxw, co_orgs=iter([rsj])))
    assert routing(case) == ("assigned", jxw.pk, [rsj.pk])
    # Re-routing to the co-handler without replacing the co-handlers would make it both.
    services.transition(users["jxw"], case.pk, services.Step("return", note="不属本单位职责"))
    refused(services.transition, leader, case.pk, services.Step("assign", handling_org=rsj))
    assert routing(case) == ("returned", jxw.pk, [rsj.pk])
    # Naming the co-handlers anew (without it) is fine.
    services.transition(leader, case.pk, services.Step("assign", handling_org=rsj, co_orgs=[jxw]))
    assert routing(case) == ("assigned", rsj.pk, [jxw.pk])
    assert start[0] == "accepted"


def test_the_assign_form_shows_the_error(users: Any, client_for: Any) -> None:
    case = appeal(qiye_enterprise(), "labour")
    admin = client_for(users["admin"])
    page = admin.get(f"/cases/{case.pk}/").content.decode()
    # The routing selects are searchable (Tom Select) and say so instead of "按住 Ctrl".
    assert 'name="assign-co_orgs"' in page and "data-search-select" in page and "Ctrl" not in page
    response = admin.post(
        f"/cases/{case.pk}/act/",
        {
            "action": "assign",
            "assign-handling_org": dept("经信委").pk,
            "assign-co_orgs": [dept("人社局").pk, dept("经信委").pk],
            "assign-note": "",
        },
    )
    assert response.status_code == 422
    assert "责任部门不能同时作为配合部门" in response.content.decode()
    assert routing(case) == ("accepted", dept("人社局").pk, [])


def test_the_api_answers_400(users: Any, bearer: Any) -> None:
    case = appeal(qiye_enterprise(), "labour")
    response = Client().post(
        f"/api/v1/cases/{case.pk}/transitions",
        {"action": "assign", "handling_org_id": dept("经信委").pk, "co_org_ids": [dept("经信委").pk]},
        content_type="application/json",
        **bearer(users["leader"]),
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == CODE and body["message"] == "责任部门不能同时作为配合部门"
    assert body["errors"] == [{"field": "co_orgs", "code": CODE, "message": "责任部门不能同时作为配合部门"}]
    assert routing(case) == ("accepted", dept("人社局").pk, [])
