"""Outcome pages: the placement list (scoped, names masked for enterprises), the detail with its
timeline and step forms, the steps posted (errors on the form, 409 as a message), follow-ups due,
opening a placement."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.audit.models import SecurityEvent
from tiaodu.employment import outcomes
from tiaodu.employment.choices import OutcomeState as S
from tiaodu.employment.models import Placement
from tiaodu.employment.tests import factories as f
from tiaodu.employment.tests.test_outcomes import DAY, GUXI, TONGNAN, YUXI, firm, own_firm

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users: Any) -> dict[str, Any]:
    rsj = f.staff(TONGNAN)
    seeker = f.jobseeker(GUXI, "王小红")
    other = f.jobseeker(YUXI, "李大山")
    job = f.vacancy(firm(11), "缝纫工")
    own_job = f.vacancy(own_firm(users), "包装工")
    mine = outcomes.open_placement(rsj, jobseeker=seeker, vacancy=own_job, on=DAY)
    theirs = outcomes.open_placement(rsj, jobseeker=other, vacancy=job, on=DAY)
    return {"rsj": rsj, "seeker": seeker, "job": job, "own_job": own_job, "mine": mine, "theirs": theirs}


def test_list_scoped_and_masked(world: dict[str, Any], users: Any, client_for: Any) -> None:
    url = reverse("employment:placement-list")
    page = client_for(world["rsj"]).get(url).content.decode()
    assert "王小红" in page and "李大山" in page
    assert world["seeker"].id_mask in page
    page = client_for(users["guxi"]).get(url).content.decode()
    assert "王小红" in page and "李大山" not in page
    # The enterprise sees its own placement only, the name masked.
    page = client_for(users["qiye"]).get(url).content.decode()
    assert "王小红" not in page and "王**" in page and "李" not in page.split("<tbody>")[1]
    assert client_for(users["leader"]).get(url).status_code == 403


def test_list_filters_and_export(world: dict[str, Any], client_for: Any) -> None:
    client = client_for(world["rsj"])
    page = client.get(reverse("employment:placement-list"), {"township": YUXI}).content.decode()
    assert "李大山" in page and "王小红" not in page
    outcomes.advance(world["rsj"], world["mine"], "hire", on=DAY)
    page = client.get(reverse("employment:placement-list"), {"state": "hired"}).content.decode()
    assert "王小红" in page and "李大山" not in page
    response = client.get(reverse("employment:placement-list"), {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    assert "王小红" in text and world["seeker"].id_mask in text
    assert SecurityEvent.objects.filter(kind="pi_exported", detail__contains="placements").exists()


def test_detail_timeline_and_forms(world: dict[str, Any], client_for: Any, users: Any) -> None:
    url = reverse("employment:placement-detail", args=[world["mine"].pk])
    page = client_for(world["rsj"]).get(url).content.decode()
    assert 'id="placement-timeline"' in page and "2022-02-10" in page
    for action in ("interview", "hire", "drop"):
        assert f'id="action-{action}"' in page
    assert 'id="action-start"' not in page
    # The enterprise: only its steps, and the name masked.
    page = client_for(users["qiye"]).get(url).content.decode()
    assert "王小红" not in page and 'id="action-hire"' in page and 'id="action-drop"' not in page
    # Other town: not found.
    assert client_for(users["yuxi"]).get(url).status_code == 404


def test_post_a_step(world: dict[str, Any], client_for: Any) -> None:
    p = world["mine"]
    url = reverse("employment:placement-action", args=[p.pk, "hire"])
    response = client_for(world["rsj"]).post(url, {"hire-on": "2022-02-12", "hire-version": p.version})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == S.HIRED and p.hired_on == date(2022, 2, 12)


def test_post_errors_shown_on_the_form(world: dict[str, Any], client_for: Any) -> None:
    p = world["mine"]
    client = client_for(world["rsj"])
    response = client.post(
        reverse("employment:placement-action", args=[p.pk, "hire"]), {"hire-on": "2022-02-01"}
    )
    assert response.status_code == 422
    assert "日期不能早于上一步的日期" in response.content.decode()
    response = client.post(
        reverse("employment:placement-action", args=[p.pk, "drop"]), {"drop-on": "2022-02-11"}
    )
    assert response.status_code == 422 and "请选择原因" in response.content.decode()
    # Not allowed from the state: the message, nothing changed.
    response = client.post(
        reverse("employment:placement-action", args=[p.pk, "start"]), {"start-on": "2022-02-11"}
    )
    assert response.status_code == 409 and "不能执行“入职”" in response.content.decode()
    # A stale page loses.
    outcomes.advance(world["rsj"], p, "interview", on=DAY)
    response = client.post(
        reverse("employment:placement-action", args=[p.pk, "hire"]),
        {"hire-on": "2022-02-12", "hire-version": 1},
    )
    assert response.status_code == 409 and "该记录已被他人修改" in response.content.decode()
    p.refresh_from_db()
    assert p.state == S.INTERVIEWED
    assert client.post(reverse("employment:placement-action", args=[p.pk, "fly"]), {}).status_code == 404


def test_enterprise_may_not_post_a_follow_up(world: dict[str, Any], client_for: Any, users: Any) -> None:
    p = outcomes.record_result(
        world["rsj"], jobseeker=world["seeker"], vacancy=world["own_job"], result="入职", on=DAY
    )
    url = reverse("employment:placement-action", args=[p.pk, "check_30"])
    response = client_for(users["qiye"]).post(url, {"check_30-on": (DAY + timedelta(days=31)).isoformat()})
    assert response.status_code == 403
    p.refresh_from_db()
    assert p.state == S.EMPLOYED
    # Another enterprise's placement: not found.
    url = reverse("employment:placement-action", args=[world["theirs"].pk, "hire"])
    assert client_for(users["qiye"]).post(url, {"hire-on": "2022-02-12"}).status_code == 404


def test_follow_ups_page_and_quick_check(world: dict[str, Any], client_for: Any) -> None:
    p = outcomes.record_result(
        world["rsj"], jobseeker=world["seeker"], vacancy=world["own_job"], result="入职", on=DAY
    )
    client = client_for(world["rsj"])
    url = reverse("employment:follow-ups")
    on = DAY + timedelta(days=40)
    page = client.get(url, {"on": on.isoformat()}).content.decode()
    assert f'data-placement="{p.pk}"' in page and 'data-action="check_30"' in page
    assert f'data-placement="{world["theirs"].pk}"' not in page
    page = client.get(url, {"on": (DAY + timedelta(days=10)).isoformat()}).content.decode()
    assert f'data-placement="{p.pk}"' not in page
    assert "日期格式有误" in client.get(url, {"on": "2022-13-45"}).content.decode()
    response = client.post(
        reverse("employment:placement-action", args=[p.pk, "check_30"]),
        {"check_30-on": on.isoformat(), "check_30-version": p.version, "back": "follow-ups"},
    )
    assert response.status_code == 302 and response["Location"] == url
    p.refresh_from_db()
    assert p.state == S.CHECKED_30 and p.employed_30 is True


def test_open_a_placement_from_the_page(world: dict[str, Any], client_for: Any, users: Any) -> None:
    client = client_for(world["rsj"])
    url = reverse("employment:placement-create")
    page = client.get(url, {"jobseeker": world["seeker"].pk, "vacancy": world["job"].pk}).content.decode()
    assert "缝纫工" in page and world["seeker"].id_mask in page
    response = client.post(
        url, {"jobseeker": world["seeker"].pk, "vacancy": world["job"].pk, "on": "2022-03-01"}
    )
    assert response.status_code == 302
    created = Placement.objects.get(jobseeker=world["seeker"], vacancy=world["job"])
    assert created.intended_on == date(2022, 3, 1)
    # A town may not open one for another township's jobseeker; an enterprise has no such page.
    assert client_for(users["yuxi"]).get(url, {"jobseeker": world["seeker"].pk}).status_code == 404
    assert client_for(users["qiye"]).get(url, {"jobseeker": world["seeker"].pk}).status_code == 403
