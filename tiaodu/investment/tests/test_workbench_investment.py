"""The investment lines of the workbench on the 招商 demo: 红黄牌 projects and leads to handle for
招商投资局, nothing for a township or a department outside the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tiaodu.accounts.models import User
from tiaodu.core import workbench
from tiaodu.investment import demo
from tiaodu.investment.cards import sweep_investment
from tiaodu.investment.models import InvestmentProject, Lead


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo.load_investment_demo()
            sweep_investment()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def lines(user: Any) -> dict[str, workbench.Task]:
    return {t.label: t for s in workbench.collect(user) if s.module == "investment" for t in s.tasks}


def test_the_bureau_sees_cards_and_leads(loaded: None, db: Any, client_for: Any) -> None:
    zsj = User.objects.get(username="zsj")
    got = lines(zsj)
    district = InvestmentProject.objects.filter(region__code="500152")
    for card, label in (("red", "红牌督办招商项目"), ("yellow", "黄牌督办招商项目")):
        carded = list(district.filter(card=card))
        assert (got[label].count if label in got else 0) == len(carded), label
        if carded:
            page = client_for(zsj).get(got[label].url)
            assert page.status_code == 200
            for p in carded[:5]:
                assert p.name in page.content.decode()
    assert sum(got[k].count for k in got if "督办" in k) > 0  # the demo's pipeline has cards
    new = Lead.objects.restrict(zsj).filter(status="new").count()
    assert (got["待分派招商线索"].count if "待分派招商线索" in got else 0) == new
    if "待分派招商线索" in got:
        assert client_for(zsj).get(got["待分派招商线索"].url).status_code == 200


def test_outside_the_pipeline_no_lines(loaded: None, db: Any) -> None:
    for name in ("guxi", "jxw", "qiye", "yezhu"):
        assert lines(User.objects.get(username=name)) == {}, name
    leader = lines(User.objects.get(username="leader"))
    assert "待分派招商线索" not in leader  # leaders follow the pipeline, they do not assign leads
