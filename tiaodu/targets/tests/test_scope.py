"""Who sees and changes which targets (scoped to this test's own rows)."""

from __future__ import annotations

from typing import Any

import pytest

from tiaodu.core.errors import Forbidden, NotFound
from tiaodu.targets import services
from tiaodu.targets.models import Target, TargetRevision
from tiaodu.targets.tests.data import DADUKOU, GUXI, TONGNAN, YEAR, YUXI

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_leader(db: Any) -> Any:
    """A leader of 大渡口区, another district."""
    from tiaodu.accounts.services import create_user

    return create_user(None, username="ddk-leader", role="leader", region_code=DADUKOU).user


def regions(user: Any, action: str = "view") -> set[str]:
    return set(Target.objects.restrict(user, action).values_list("region__code", flat=True))


def test_the_scope_matrix(scenario: Any, users: dict, other_leader: Any) -> None:
    tongnan_all = {TONGNAN, GUXI, YUXI}
    assert regions(users["admin"]) >= tongnan_all | {DADUKOU}
    for name in ("leader", "jxw"):
        assert regions(users[name]) == tongnan_all
        assert regions(users[name], "change") == tongnan_all
        assert regions(users[name], "add") == tongnan_all
    assert regions(users["guxi"]) == {GUXI}
    assert regions(users["guxi"], "change") == set()
    assert regions(users["yuxi"]) == {YUXI}
    assert regions(other_leader) == {DADUKOU}
    assert regions(users["qiye"]) == regions(users["yezhu"]) == set()
    assert regions(users["squad1"]) == set()  # no target names the squad
    assert set(
        TargetRevision.objects.restrict(users["guxi"]).values_list("target__region__code", flat=True)
    ) == {GUXI}


def test_a_squad_sees_what_it_is_responsible_for(scenario: Any, users: dict) -> None:
    from tiaodu.orgs.models import Organization

    squad = Organization.objects.squads_of(users["squad1"]).first()
    target, _o = services.set_target(None, TONGNAN, "工业投资", YEAR, value="100", responsible=squad.pk)
    assert list(Target.objects.restrict(users["squad1"])) == [target]
    with pytest.raises(Forbidden):
        services.revise_target(users["squad1"], target.pk, value="120")


def test_a_town_cannot_change_even_its_own(scenario: Any, users: dict) -> None:
    guxi_target = scenario[(GUXI, "招商引资到位资金")]
    yuxi_target = scenario[(YUXI, "招商引资到位资金")]
    with pytest.raises(Forbidden):
        services.revise_target(users["guxi"], guxi_target, value="30")
    with pytest.raises(NotFound):
        services.revise_target(users["guxi"], yuxi_target, value="30")
    with pytest.raises(Forbidden):
        services.set_target(users["guxi"], GUXI, "工业投资", YEAR, value="5")
    assert not Target.objects.filter(region__code=GUXI, indicator__code="gy_tz").exists()


def test_another_districts_leader_cannot_change_them(scenario: Any, users: dict, other_leader: Any) -> None:
    pk = scenario[(TONGNAN, "招商引资到位资金")]
    with pytest.raises(NotFound):
        services.revise_target(other_leader, pk, value="1")
    with pytest.raises(NotFound):
        services.delete_target(other_leader, pk)
    with pytest.raises(NotFound):
        services.set_target(other_leader, TONGNAN, "招商引资到位资金", YEAR, value="1")
    with pytest.raises(NotFound):  # not "already exists": its existence is not revealed
        services.create_target(other_leader, TONGNAN, "招商引资到位资金", YEAR, value="1")
    with pytest.raises(Forbidden):  # a new target in 潼南: saved, re-checked, rolled back
        services.set_target(other_leader, TONGNAN, "工业投资", YEAR, value="1")
    target = Target.objects.get(pk=pk)
    assert (target.value, target.version) == (1000, 1)
    assert not Target.objects.filter(region__code=TONGNAN, indicator__code="gy_tz").exists()
    # Their own district they set.
    own, outcome = services.set_target(other_leader, DADUKOU, "工业投资", YEAR, value="80")
    assert outcome == "created" and own.set_by == other_leader


def test_departments_set_targets_for_the_district_and_townships(scenario: Any, users: dict) -> None:
    jxw = users["jxw"]
    target, outcome = services.set_target(
        jxw, GUXI, "工业投资", YEAR, value="5", responsible="古溪镇人民政府"
    )
    assert outcome == "created" and target.set_by == jxw
    revised, outcome = services.revise_target(jxw, scenario[(TONGNAN, "固定资产投资")], growth="8")
    assert outcome == "updated" and revised.version == 2
    with pytest.raises(Forbidden):
        services.set_target(jxw, DADUKOU, "工业投资", YEAR, value="5")


def test_assessments_only_count_visible_targets(scenario: Any, users: dict, other_leader: Any) -> None:
    assert [
        r.region_code for r in services.supervision_list(TONGNAN, "2030年一季度", users["guxi"]).rows
    ] == [
        GUXI,
        GUXI,
    ]
    assert services.supervision_list(TONGNAN, "2030年一季度", other_leader).assessed == 0
    ev = services.evaluation_table("500000", YEAR, users["leader"])
    assert [r.region_code for r in ev.rows] == [TONGNAN]
