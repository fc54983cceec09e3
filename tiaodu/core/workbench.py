"""The workbench (工作台) registry: each module says what a user has to do today, in one place.

A module contributes through a ``workbench.py`` of its own, with one or more providers::

    from tiaodu.core import workbench

    @workbench.provider("enterprises", order=20)
    def appeals(ctx: workbench.Context) -> Iterable[workbench.Item]:
        if ctx.user.role not in (...):
            return
        yield workbench.Task(_("待受理诉求"), n, "/cases/inbox/?state=submitted")

A provider returns (or yields) :class:`Task` lines — a count and the link to the filtered list
where the work is done — and, for those who look at the district as a whole, :class:`Panel`
charts or tables. It reads everything through the user's own scope (``Model.objects.restrict``),
so the workbench never shows more than the lists behind its links. The dashboard does not know
the modules: :func:`collect` imports every installed app's ``workbench`` module once and runs the
providers in order. A provider that has nothing for the user's role yields nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from django.utils import timezone

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

Severity = Literal["info", "warning", "danger"]


@dataclass(frozen=True)
class Context:
    """What a provider is asked about: the signed-in user and the day (Beijing date)."""

    user: User
    today: date


@dataclass(frozen=True)
class Task:
    """One line of work: "待受理诉求 3" linking to the list filtered to those three.

    ``severity``: "danger" for what is overdue or carries a red card, "warning" for what is due
    soon or yellow, "info" otherwise. ``hint``: a short second line (the oldest due date, …).
    A zero count is shown (greyed) only when ``always`` is set; otherwise it is left out."""

    label: str
    count: int
    url: str
    severity: Severity = "info"
    hint: str = ""
    always: bool = False


@dataclass(frozen=True)
class Panel:
    """A block of the leaders' "district at a glance": an ECharts option (``chart``, a plain
    JSON-serialisable dict, rendered offline by the vendored ECharts) and/or a small table
    (``header`` + ``rows`` of strings), with a link to the full page."""

    key: str
    title: str
    url: str = ""
    chart: dict[str, Any] | None = None
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


Item = Task | Panel
Provider = Callable[[Context], Iterable[Item] | None]


@dataclass(frozen=True)
class Entry:
    module: str  # the app label: shown as the section and used to order sections
    order: int
    func: Provider


_PROVIDERS: list[Entry] = []
_discovered = False


def provider(module: str, order: int = 100) -> Callable[[Provider], Provider]:
    """Register ``func`` as a workbench provider of ``module`` (lower ``order`` comes first)."""

    def register(func: Provider) -> Provider:
        if not any(e.func is func for e in _PROVIDERS):
            _PROVIDERS.append(Entry(module, order, func))
        return func

    return register


def discover() -> list[Entry]:
    """Import every installed app's ``workbench`` module (once) and return the providers in order."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("workbench")
        _discovered = True
    return sorted(_PROVIDERS, key=lambda e: (e.order, e.module, e.func.__name__))


@dataclass
class Section:
    module: str
    tasks: list[Task] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)


def collect(user: User, today: date | None = None) -> list[Section]:
    """Everything the providers have for ``user`` today, grouped by module in registry order.
    Tasks with nothing to do are dropped unless marked ``always``; empty sections are dropped."""
    ctx = Context(user=user, today=today or timezone.localdate())
    sections: dict[str, Section] = {}
    for entry in discover():
        for item in entry.func(ctx) or ():
            section = sections.setdefault(entry.module, Section(entry.module))
            if isinstance(item, Task):
                if item.count or item.always:
                    section.tasks.append(item)
            else:
                section.panels.append(item)
    return [s for s in sections.values() if s.tasks or s.panels]
