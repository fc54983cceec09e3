"""The targets line of the workbench: the 季督办 list of the latest quarter with figures, on the
2030 test figures (tiaodu.targets.tests.data)."""

from __future__ import annotations

from typing import Any

from tiaodu.core import workbench
from tiaodu.monitoring.periods import Period
from tiaodu.targets import services
from tiaodu.targets.tests.data import TONGNAN, YEAR
from tiaodu.targets.workbench import latest_quarter

LABEL = "进度滞后的目标任务"


def lines(user: Any) -> dict[str, workbench.Task]:
    return {t.label: t for s in workbench.collect(user) if s.module == "targets" for t in s.tasks}


def test_leader_and_responsible_departments(scenario: Any, users: Any, client_for: Any) -> None:
    leader = users["leader"]
    found = latest_quarter(leader)
    assert found is not None and found[0] == YEAR
    year, quarter = found
    behind = services.supervision_list(TONGNAN, Period.quarter(year, quarter), leader).rows
    assert behind  # the test figures leave targets behind their time schedule
    line = lines(leader)[LABEL]
    assert line.count == len(behind)
    assert line.url == f"/targets/supervision/?region={TONGNAN}&year={year}&quarter={quarter}"
    page = client_for(leader).get(line.url)
    assert page.status_code == 200
    for row in behind:
        assert row.indicator_name in page.content.decode()

    # the line is cached with the monitoring data version: removing a lagging target shows at once
    services.delete_target(None, behind[-1].target_id)  # a township's
    assert lines(leader)[LABEL].count == len(behind) - 1 if len(behind) > 1 else LABEL not in lines(leader)
    behind = behind[:-1]

    # 区招商投资局 answers for one of the district's targets: it gets the line, with its own share
    zsj = users["zsj"]
    own = sum(
        1
        for r in services.supervision_list(TONGNAN, Period.quarter(year, quarter), zsj).rows
        if r.responsible_id == zsj.organization_id
    )
    assert f"其中本单位负责{own}项" in lines(zsj)[LABEL].hint


def test_no_line_without_targets_or_for_other_roles(scenario: Any, users: Any) -> None:
    for name in ("jxw", "qiye", "yezhu", "squad1", "guxi"):
        got = lines(users[name])
        if name == "jxw":  # responsible for a target: it may have the line; never more than the leader
            assert got.get(LABEL) is None or got[LABEL].count <= lines(users["leader"])[LABEL].count
        else:
            assert got == {}, name


def test_nothing_without_targets(no_targets: Any, users: Any) -> None:
    assert lines(users["leader"]) == {}
