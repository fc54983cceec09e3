"""Setting and revising targets: the rules, the versions, the change log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from auditlog.models import LogEntry

from tiaodu.core.errors import Conflict, InvalidInput
from tiaodu.targets import services
from tiaodu.targets.models import Target, TargetRevision
from tiaodu.targets.tests.data import DADUKOU, GUXI, TONGNAN, YEAR

pytestmark = pytest.mark.django_db


def codes(exc: InvalidInput) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.errors]


def test_a_revised_target_keeps_its_versions(no_targets: Any, users: dict) -> None:
    leader = users["leader"]
    target, outcome = services.set_target(
        leader, TONGNAN, "招商引资到位资金", YEAR, value="1000", responsible="招商投资局"
    )
    assert (outcome, target.version, target.set_by) == ("created", 1, leader)
    again, outcome = services.set_target(
        leader, TONGNAN, "到位资金", YEAR, value=Decimal("1000.00"), responsible="区招商投资局"
    )
    assert (again.pk, outcome, again.version) == (target.pk, "unchanged", 1)
    revised, outcome = services.revise_target(leader, target.pk, value="1200", reason="区委全会调整")
    assert (outcome, revised.version, revised.value) == ("updated", 2, Decimal("1200"))
    history = list(TargetRevision.objects.filter(target=target).order_by("version"))
    assert [(r.version, r.value, r.reason, r.set_by) for r in history] == [
        (1, Decimal("1000"), "", leader),
        (2, Decimal("1200"), "区委全会调整", leader),
    ]
    assert history[0].responsible.name == "区招商投资局"
    entries = LogEntry.objects.get_for_object(target)
    assert entries.filter(action=LogEntry.Action.UPDATE).exists()
    with pytest.raises(ValueError, match="never changed"):
        history[0].save()


def test_create_refuses_an_existing_target(no_targets: Any) -> None:
    services.create_target(None, TONGNAN, "工业投资", YEAR, value="100")
    with pytest.raises(Conflict) as err:
        services.create_target(None, TONGNAN, "工业投资", YEAR, value="120")
    assert err.value.code == "target_exists" and err.value.status == 409


@pytest.mark.parametrize(
    ("indicator", "fields", "expected"),
    [
        ("招商引资到位资金", {"value": "-5"}, [("value", "target_negative")]),
        ("招商引资到位资金", {"value": "0"}, [("value", "target_zero")]),
        ("招商引资到位资金", {}, [("value", "required")]),
        ("规模以上工业增加值增速", {"value": "800"}, [("value", "level_for_rate"), ("growth", "required")]),
        ("工业技改投资占工业投资比重", {"value": "120"}, [("value", "share_over_100")]),
        ("工业经济运行综合指数", {"value": "80", "growth": "5"}, [("growth", "growth_not_applicable")]),
        ("工业投资", {"growth": "-100"}, [("growth", "growth_invalid")]),
        ("工业投资", {"value": "abc"}, [("value", "number_invalid")]),
        (
            "工业投资",
            {"value": "1e30", "growth": "1e16"},
            [("value", "number_too_large"), ("growth", "number_too_large")],
        ),
        ("没有这个指标", {"value": "1"}, [("indicator", "indicator_unknown")]),
    ],
)
def test_rules(no_targets: Any, indicator: str, fields: dict, expected: list) -> None:
    with pytest.raises(InvalidInput) as err:
        services.set_target(None, TONGNAN, indicator, YEAR, **fields)
    assert codes(err.value) == expected
    assert not Target.objects.exists()


def test_year_region_and_responsible_unit(no_targets: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        services.set_target(None, "999999", "工业投资", 1990, value="1", responsible="区经济信息委")
    assert codes(err.value) == [("region", "region_unknown"), ("year", "year_invalid")]
    with pytest.raises(InvalidInput) as err:
        services.set_target(None, "500100", "工业投资", YEAR, value="1")
    assert codes(err.value) == [("region", "region_grouping_node")]
    # 大渡口's 经信委 cannot answer for a 潼南 township; the short name is unique within 潼南.
    with pytest.raises(InvalidInput) as err:
        services.set_target(None, GUXI, "工业投资", YEAR, value="1", responsible="龙形镇人民政府")
    assert codes(err.value) == [("responsible", "organization_out_of_region")]
    with pytest.raises(InvalidInput) as err:
        services.set_target(None, GUXI, "工业投资", YEAR, value="1", responsible="不存在的单位")
    assert codes(err.value) == [("responsible", "organization_unknown")]
    from tiaodu.orgs.models import Organization

    other = Organization.objects.get(name="区经济信息委", region__code=DADUKOU)
    with pytest.raises(InvalidInput) as err:
        services.set_target(None, GUXI, "工业投资", YEAR, value="1", responsible=other.pk)
    assert codes(err.value) == [("responsible", "organization_out_of_region")]
    target, _o = services.set_target(None, GUXI, "工业投资", YEAR, value="1", responsible="经信委")
    assert target.responsible is not None and target.responsible.region.code == TONGNAN


def test_delete(no_targets: Any, users: dict) -> None:
    target, _o = services.set_target(None, TONGNAN, "工业投资", YEAR, value="100")
    services.revise_target(None, target.pk, value="110")
    services.delete_target(users["jxw"], target.pk)
    assert not Target.objects.filter(pk=target.pk).exists()
    assert not TargetRevision.objects.filter(target_id=target.pk).exists()
