"""Workflows as data: states, the transition table, and which timestamp each state stamps.

A module (appeals, project problems, safety hazards) defines one :class:`Workflow` and registers
it; the case engine checks every state change against the table *before* anything is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tiaodu.core.errors import ServiceError


@dataclass(frozen=True)
class Transition:
    action: str  # stable code used by the API and CLI, e.g. "assign"
    label: str  # 交办
    source: frozenset[str]
    target: str
    # Who may take it: "dispatcher" (district staff who route cases), "handler" (the responsible
    # or co-handling organisation), "submitter" (the enterprise / unit that raised the case).
    # Several parties separated by spaces ("submitter handler") mean any of them.
    party: str = "handler"
    needs_note: bool = False

    @property
    def parties(self) -> frozenset[str]:
        return frozenset(self.party.split())


@dataclass(frozen=True)
class Workflow:
    code: str
    name: str
    states: dict[str, str]  # code → Chinese label, in display order
    initial: str
    transitions: tuple[Transition, ...]
    open_states: frozenset[str]  # the clock runs and cards apply
    resolved_states: frozenset[str]  # counts as 解决; cards are lifted
    timestamps: dict[str, str] = field(default_factory=dict)  # state → Case datetime field
    # The module's own rules and side effects of a step: called as on_step(actor, case, move, step)
    # inside the transition's transaction, after the engine's checks and before the case is saved.
    # It raises a ServiceError to refuse the step (nothing is saved) and may change the case (its
    # due date …) and the module's own rows (a hazard's rectification date …).
    on_step: Callable[[Any, Any, Transition, Any], None] | None = None

    def transition(self, state: str, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action and state in t.source:
                return t
        allowed = "、".join(t.label for t in self.available(state)) or "无"
        raise ServiceError(
            "transition_not_allowed",
            f"当前状态“{self.states.get(state, state)}”不能执行该操作(可执行:{allowed})",
            status=409,
        )

    def available(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.source]


_REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _REGISTRY[workflow.code] = workflow
    return workflow


def get_workflow(code: str) -> Workflow:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise ServiceError("workflow_unknown", f"未知的办理流程“{code}”") from None


def all_workflows() -> list[Workflow]:
    return list(_REGISTRY.values())
