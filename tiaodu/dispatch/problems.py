"""The project-problem (项目问题) workflow: 已登记 → 已交办 → 办理中 → 已解决, with 退回 and 重新办理.

Problems reported in a dispatch round become cases of this workflow (one per problem line), so
due dates, the 红黄牌 sweep, the inbox and the board work for them as for enterprise appeals.
"""

from __future__ import annotations

from tiaodu.cases.workflow import Transition, Workflow, register
from tiaodu.dispatch.choices import ProblemState as S

WORKFLOW = "project_problem"


def _t(
    action: str, label: str, source: set[str], target: str, party: str, needs_note: bool = False
) -> Transition:
    return Transition(action, label, frozenset(source), target, party, needs_note)


PROJECT_PROBLEM = register(
    Workflow(
        code=WORKFLOW,
        name="项目问题",
        states={s.value: str(s.label) for s in S},
        initial=S.REGISTERED,
        transitions=(
            _t("assign", "交办", {S.REGISTERED, S.RETURNED}, S.ASSIGNED, "dispatcher"),
            _t("start", "签收办理", {S.ASSIGNED}, S.IN_PROGRESS, "handler"),
            _t("return", "退回", {S.ASSIGNED, S.IN_PROGRESS}, S.RETURNED, "handler", needs_note=True),
            _t("resolve", "解决", {S.IN_PROGRESS}, S.RESOLVED, "handler", needs_note=True),
            _t("reopen", "重新办理", {S.RESOLVED}, S.IN_PROGRESS, "dispatcher", needs_note=True),
        ),
        open_states=frozenset({S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS, S.RETURNED}),
        resolved_states=frozenset({S.RESOLVED}),
        timestamps={
            S.REGISTERED: "accepted_at",
            S.ASSIGNED: "assigned_at",
            S.IN_PROGRESS: "started_at",
            S.RETURNED: "returned_at",
            S.RESOLVED: "resolved_at",
        },
    )
)
