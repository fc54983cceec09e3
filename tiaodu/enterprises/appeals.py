"""The appeal (诉求) workflow: 已受理 → 已交办 → 办理中 → 已办结 → 已评价, with 退回 and 重新办理."""

from __future__ import annotations

from tiaodu.cases.workflow import Transition, Workflow, register
from tiaodu.enterprises.choices import AppealState as S

WORKFLOW = "appeal"


def _t(
    action: str, label: str, source: set[str], target: str, party: str, needs_note: bool = False
) -> Transition:
    return Transition(action, label, frozenset(source), target, party, needs_note)


APPEAL = register(
    Workflow(
        code=WORKFLOW,
        name="企业诉求",
        states={s.value: str(s.label) for s in S},
        initial=S.ACCEPTED,
        transitions=(
            _t("assign", "交办", {S.ACCEPTED, S.RETURNED}, S.ASSIGNED, "dispatcher"),
            _t("start", "签收办理", {S.ASSIGNED}, S.IN_PROGRESS, "handler"),
            _t("return", "退回", {S.ASSIGNED, S.IN_PROGRESS}, S.RETURNED, "handler", needs_note=True),
            _t("resolve", "办结", {S.IN_PROGRESS}, S.RESOLVED, "handler", needs_note=True),
            _t("rate", "评价", {S.RESOLVED}, S.RATED, "submitter"),
            _t("reopen", "重新办理", {S.RATED}, S.IN_PROGRESS, "dispatcher", needs_note=True),
        ),
        open_states=frozenset({S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.RETURNED}),
        resolved_states=frozenset({S.RESOLVED, S.RATED}),
        timestamps={
            S.ACCEPTED: "accepted_at",
            S.ASSIGNED: "assigned_at",
            S.IN_PROGRESS: "started_at",
            S.RETURNED: "returned_at",
            S.RESOLVED: "resolved_at",
            S.RATED: "rated_at",
        },
    )
)
