"""The safety lines of the workbench on the 潼南 safety demo: the enterprise's hazards to rectify,
the bureau's hazards to accept and past their deadline; each link lists exactly those."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from tiaodu.accounts.models import User
from tiaodu.core import workbench
from tiaodu.safety import demo
from tiaodu.safety.models import Hazard


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[bool]:
    """The safety demo, loaded once for the module (rolled back at its end)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield demo.load_safety_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def lines(user: Any) -> dict[str, workbench.Task]:
    return {t.label: t for s in workbench.collect(user) if s.module == "safety" for t in s.tasks}


def listed(client: Any, task: workbench.Task, hazards: list[Hazard]) -> None:
    page = client.get(task.url)
    assert page.status_code == 200, task.url
    html = page.content.decode()
    for h in hazards[:5]:
        assert h.description[:20] in html, (task.label, h.description)


def test_the_enterprise_rectifies_its_own(loaded: bool, db: Any, client_for: Any) -> None:
    qiye = User.objects.get(username="qiye")
    own = Hazard.objects.filter(unit__enterprise__organization=qiye.organization_id)
    pending = list(own.filter(case__state="pending"))
    assert pending  # the demo leaves one for the enterprise (OPEN_HAZARD)
    got = lines(qiye)
    assert got["待整改隐患"].count == len(pending)
    assert got["待整改隐患"].url == "/safety/hazards/?state=pending"
    listed(client_for(qiye), got["待整改隐患"], pending)
    assert "待验收隐患" not in got  # the enterprise does not accept its own


def test_the_bureau_accepts_what_it_found(loaded: bool, db: Any, client_for: Any) -> None:
    yjj = User.objects.get(username="yjj")
    found = Hazard.objects.filter(department=yjj.organization_id)
    got = lines(yjj)
    awaiting = list(found.filter(case__state="awaiting"))
    assert (got["待验收隐患"].count if "待验收隐患" in got else 0) == len(awaiting)
    late = list(found.filter(case__is_open=True, case__due_on__lt=date.today()))
    assert late
    task = got["超期未销号隐患"]
    assert task.count == len(late) and task.severity == "danger"
    assert f"department={yjj.organization_id}" in task.url
    listed(client_for(yjj), task, late)
    red = found.filter(case__is_open=True, case__card="red").count()
    assert (got["红牌督办隐患"].count if "红牌督办隐患" in got else 0) == red


def test_roles_without_hazards(loaded: bool, db: Any) -> None:
    for name in ("yezhu", "squad1"):
        assert lines(User.objects.get(username=name)) == {}
    leader = User.objects.get(username="leader")
    assert "待验收隐患" not in lines(leader)  # leaders follow, they do not accept
