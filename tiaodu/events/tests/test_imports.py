"""``import event-projects`` through the permission scope (issue 13: no oracle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tiaodu.audit.choices import EventKind
from tiaodu.audit.models import SecurityEvent
from tiaodu.core.imports import run_import, write_xlsx
from tiaodu.events.models import EventProject
from tiaodu.projects.tests.factories import GUXI, project

pytestmark = pytest.mark.django_db

HEADERS = ["活动名称", "活动日期", "项目代码", "项目名称", "活动类型"]


def test_project_outside_the_scope_is_answered_like_an_unknown_one(users: dict, tmp_path: Path) -> None:
    """A district leader naming another district's project got permission_denied (项目不在您的管辖
    范围内) where an unknown code gets project_unknown: any code could be confirmed. Both now get
    the same answer, and the refused row is in the security log."""
    banan = project("500113003", name="巴南保密活动项目", code="2201-500113-04-01-880001")
    own = project(GUXI, name="潼南活动项目", code="2201-500152-04-01-880002")
    unknown = "2201-500113-04-01-880009"
    path = tmp_path / "events.xlsx"
    write_xlsx(
        path,
        [
            HEADERS,
            ["集中开工活动", "2025-04-03", own.code, "", "开工"],
            ["集中开工活动", "2025-04-03", banan.code, "", "开工"],
            ["集中开工活动", "2025-04-03", unknown, "", "开工"],
            ["集中开工活动", "2025-04-03", "", banan.name, "开工"],
        ],
    )
    denied = SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED).count()
    result = run_import("event-projects", path, actor=users["leader"])
    assert not result.ok
    found: dict[int, Any] = {e.row: e for e in result.errors}
    assert set(found) == {3, 4, 5}
    assert {e.code for e in found.values()} == {"project_unknown"}
    assert found[3].message.replace(banan.code, "X") == found[4].message.replace(unknown, "X")
    assert found[3].field == found[4].field == "项目代码"
    assert all(banan.name not in e.message or e.row == 5 for e in found.values())  # row 5 gave the name
    assert SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED).count() == denied + 1
    assert not EventProject.objects.filter(project__in=(own, banan)).exists()
