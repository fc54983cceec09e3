"""Lead pages: the list in scope, the report form's duplicate check and box, the bureau's forms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.investment.choices import DuplicateStatus, LeadStatus
from tiaodu.investment.models import InvestmentProject, Lead
from tiaodu.investment.tests.test_leads import bureau_user, pending_project, report, team

pytestmark = pytest.mark.django_db


def form_data(**values: Any) -> dict[str, Any]:
    data = {"investor_name": "", "content": "有意投资", "source": "town_team", "reported_on": "2022-03-01"}
    data.update(values)
    return data


def test_list_shows_the_towns_own_leads(users: Any, client_for: Any) -> None:
    report(users["guxi"], "重庆星源新材料科技有限公司")
    report(users["yuxi"], "重庆蓝海生物医药有限公司")
    page = client_for(users["guxi"]).get(reverse("investment:lead-list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "重庆星源新材料科技有限公司" in text and "重庆蓝海生物医药有限公司" not in text
    bureau = client_for(bureau_user()).get(reverse("investment:lead-list"), {"q": "蓝海"})
    assert "重庆蓝海生物医药有限公司" in bureau.content.decode()
    export = client_for(users["guxi"]).get(reverse("investment:lead-list"), {"export": "csv"})
    assert export.status_code == 200 and "重庆蓝海生物医药有限公司" not in export.content.decode("utf-8-sig")


def test_other_towns_lead_page_is_404(users: Any, client_for: Any) -> None:
    lead = report(users["yuxi"], "重庆蓝海生物医药有限公司")
    assert client_for(users["guxi"]).get(lead.get_absolute_url()).status_code == 404
    assert client_for(users["yuxi"]).get(lead.get_absolute_url()).status_code == 200


def test_report_form_names_the_first_report_then_submits_as_duplicate(users: Any, client_for: Any) -> None:
    first = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 1, 10))
    yuxi = client_for(users["yuxi"])
    url = reverse("investment:lead-create")
    assert yuxi.get(url).status_code == 200
    refused = yuxi.post(url, form_data(investor_name="星源新材料科技(重庆)有限公司"))
    assert refused.status_code == 422
    text = refused.content.decode()
    assert 'id="first-report"' in text and "古溪镇人民政府" in text and "2022-01-10" in text
    assert "仍然报送,提请招商投资局裁定" in text
    assert Lead.objects.filter(investor_key="星源新材料科技").count() == 1
    saved = yuxi.post(url, form_data(investor_name="星源新材料科技(重庆)有限公司", submit_as_duplicate="on"))
    assert saved.status_code == 302
    second = Lead.objects.exclude(pk=first.pk).get(investor_key="星源新材料科技")
    assert second.duplicate_status == DuplicateStatus.PENDING and second.township == users["yuxi"].region
    page = yuxi.get(second.get_absolute_url())
    assert "古溪镇人民政府" in page.content.decode() and 'id="decide-form"' not in page.content.decode()


def test_bureau_decides_assigns_and_converts_on_the_page(users: Any, client_for: Any) -> None:
    report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 1, 10))
    second = report(
        users["yuxi"], "星源新材料科技有限公司", submit_as_duplicate=True, reported_on=date(2022, 2, 1)
    )
    bureau = client_for(bureau_user())
    pending = bureau.get(reverse("investment:lead-pending"))
    assert "星源新材料科技有限公司" in pending.content.decode()
    page = bureau.get(second.get_absolute_url())
    assert 'id="decide-form"' in page.content.decode()
    url = reverse("investment:lead-decide", args=[second.pk])
    assert client_for(users["jxw"]).post(url, {"decision": "overruled"}).status_code == 403
    assert bureau.post(url, {"decision": "overruled", "note": "不同企业"}).status_code == 302
    second.refresh_from_db()
    assert second.status == LeadStatus.NEW and second.duplicate_status == DuplicateStatus.OVERRULED
    group = team()
    assert (
        bureau.post(reverse("investment:lead-assign", args=[second.pk]), {"team_id": group.pk}).status_code
        == 302
    )
    converted = bureau.post(
        reverse("investment:lead-convert", args=[second.pk]),
        {"name": "星源二期", "stage": "contact", "on": "2022-03-01"},
    )
    assert converted.status_code == 302
    project = InvestmentProject.objects.get(name="星源二期")
    assert converted["Location"] == project.get_absolute_url()
    assert project.first_reporter == users["yuxi"].organization and project.team == group


def test_project_duplicate_decided_from_the_project_page(users: Any, client_for: Any) -> None:
    _first, project = pending_project()
    url = reverse("investment:project-duplicate-decide", args=[project.pk])
    assert client_for(users["guxi"]).post(url, {"decision": "confirmed"}).status_code == 404
    response = client_for(bureau_user()).post(url, {"decision": "confirmed"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.duplicate_status == DuplicateStatus.CONFIRMED and project.stage == "terminated"


@pytest.mark.parametrize("username", ["jxw", "leader", "admin", "squad1"])
def test_pages_open_for_the_other_roles(users: Any, client_for: Any, username: str) -> None:
    lead = report(users["guxi"], "重庆星源新材料科技有限公司")
    client = client_for(users[username])
    assert (
        client.get(
            reverse("investment:lead-list"), {"status": "new", "reported_from": "2022-01-01"}
        ).status_code
        == 200
    )
    create = client.get(reverse("investment:lead-create"))
    assert create.status_code == (403 if username == "leader" else 200)
    detail = client.get(lead.get_absolute_url())
    assert detail.status_code == (404 if username == "squad1" else 200)
