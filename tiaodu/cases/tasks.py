from __future__ import annotations

from django_tasks import task

from tiaodu.cases.sweep import sweep_all


@task()
def sweep_cards() -> dict[str, int]:
    """The daily 红黄牌 sweep (cases, then the registered hooks) as a background task."""
    results = sweep_all()
    return {key: sum(int(getattr(item, key, 0)) for item in results) for key in ("yellow", "red", "lifted")}
