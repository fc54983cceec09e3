"""The hazard (隐患) workflow on the case engine: 待整改 → 整改中 → 待验收 → 已验收(销号), and
验收不通过 back to 整改中.

Parties: the unit's enterprise (``submitter``; a unit that is not a registered enterprise is
rectified on its behalf by the handling department) starts and reports the rectification; the
accepting department (``handler``: the inspecting department for a 一般隐患, the sector's
supervising department for a 重大隐患) accepts or rejects. The module's own rules — a 重大隐患
needs its 治理方案 before it starts; only the supervising department closes it; the dated history
of the hazard — run in :func:`tiaodu.safety.hazards.on_step`.
"""

from __future__ import annotations

from typing import Any

from tiaodu.cases.workflow import Transition, Workflow, register
from tiaodu.safety.choices import WORKFLOW
from tiaodu.safety.choices import HazardState as S

RECTIFIER = "submitter handler"


def _on_step(actor: Any, case: Any, move: Transition, step: Any) -> None:
    from tiaodu.safety.hazards import on_step

    on_step(actor, case, move, step)


def _t(
    action: str, label: str, source: set[str], target: str, party: str, needs_note: bool = False
) -> Transition:
    return Transition(action, label, frozenset(source), target, party, needs_note)


HAZARD = register(
    Workflow(
        code=WORKFLOW,
        name="隐患整改",
        states={s.value: str(s.label) for s in S},
        initial=S.PENDING,
        transitions=(
            _t("start", "开始整改", {S.PENDING}, S.RECTIFYING, RECTIFIER),
            _t("submit", "整改完成,提请验收", {S.RECTIFYING}, S.AWAITING, RECTIFIER, needs_note=True),
            _t("accept", "验收通过(销号)", {S.AWAITING}, S.ACCEPTED, "handler"),
            _t("reject", "验收不通过", {S.AWAITING}, S.RECTIFYING, "handler", needs_note=True),
        ),
        open_states=frozenset({S.PENDING, S.RECTIFYING, S.AWAITING}),
        resolved_states=frozenset({S.ACCEPTED}),
        timestamps={S.RECTIFYING: "started_at", S.ACCEPTED: "resolved_at"},
        on_step=_on_step,
    )
)
