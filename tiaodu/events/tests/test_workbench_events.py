"""The events line of the workbench: collective events of the coming two weeks, for leaders and
departments, linking to the event list filtered to those dates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tiaodu.core import workbench
from tiaodu.events.models import CollectiveEvent
from tiaodu.regions.models import Region

LABEL = "两周内集中活动"


def lines(user: Any) -> dict[str, workbench.Task]:
    return {t.label: t for s in workbench.collect(user) if s.module == "events" for t in s.tasks}


def test_upcoming_events(users: Any, client_for: Any) -> None:
    today = date.today()
    tongnan = Region.objects.get(code="500152")
    CollectiveEvent.objects.filter(held_on__range=(today, today + timedelta(days=14))).delete()
    assert LABEL not in lines(users["leader"])
    soon = CollectiveEvent.objects.create(
        name="第四季度重点项目集中开工", held_on=today + timedelta(days=5), region=tongnan
    )
    CollectiveEvent.objects.create(name="明年集中签约", held_on=today + timedelta(days=40), region=tongnan)
    elsewhere = CollectiveEvent.objects.create(
        name="大渡口区集中签约", held_on=today + timedelta(days=3), region=Region.objects.get(code="500104")
    )
    line = lines(users["leader"])[LABEL]
    assert line.count == 1 and soon.name in line.hint
    page = client_for(users["leader"]).get(line.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert soon.name in html and "明年集中签约" not in html and elsewhere.name not in html
    assert lines(users["jxw"])[LABEL].count == 1
    for name in ("qiye", "yezhu", "guxi"):
        assert lines(users[name]) == {}, name
