"""The employment lines of the workbench on the 稳就业 demo: fairs to prepare and the 30/90-day
follow-ups due, for the district's employment department; nothing for other departments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from tiaodu.accounts.models import User
from tiaodu.core import workbench
from tiaodu.employment import demo
from tiaodu.employment.models import JobFair, Placement


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[bool]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield demo.load_employment_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def lines(user: Any) -> dict[str, workbench.Task]:
    return {t.label: t for s in workbench.collect(user) if s.module == "employment" for t in s.tasks}


def test_the_employment_bureau(loaded: bool, db: Any, client_for: Any) -> None:
    rsj = User.objects.get(username="rsj")
    today = date.today()
    got = lines(rsj)
    due = (
        Placement.objects.filter(district__code="500152")
        .filter(state="employed", checked_30_on__isnull=True, started_on__lte=today - timedelta(days=30))
        .count()
        + Placement.objects.filter(district__code="500152")
        .filter(state="checked_30", checked_90_on__isnull=True, started_on__lte=today - timedelta(days=90))
        .count()
    )
    line = got.get("待回访求职对接（30/90天）")
    assert (line.count if line else 0) == due
    if line:
        assert client_for(rsj).get(line.url).status_code == 200
    # a fair a week from now appears in the fairs to prepare, and the link lists it
    fair = JobFair.objects.filter(district__code="500152").first()
    assert fair is not None
    JobFair.objects.filter(pk=fair.pk).update(held_on=today + timedelta(days=7))
    upcoming = JobFair.objects.filter(
        district__code="500152", held_on__range=(today, today + timedelta(days=14))
    ).count()
    line = lines(rsj)["两周内待筹备招聘会"]
    assert line.count == upcoming >= 1
    page = client_for(rsj).get(line.url)
    assert page.status_code == 200 and fair.name in page.content.decode()


def test_other_departments_have_no_employment_lines(loaded: bool, db: Any) -> None:
    for name in ("jxw", "zsj", "leader", "qiye", "yezhu", "squad1"):
        assert lines(User.objects.get(username=name)) == {}, name
