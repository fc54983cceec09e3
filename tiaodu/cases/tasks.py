from __future__ import annotations

from django_tasks import task

from tiaodu.cases.sweep import sweep


@task()
def sweep_cards() -> dict[str, int]:
    """The daily 红黄牌 sweep as a background task."""
    result = sweep()
    return {"yellow": result.yellow, "red": result.red, "lifted": result.lifted}
