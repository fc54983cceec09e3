"""Dispatch rounds (调度任务): a round per period, one report slot per project, reminders.

A dispatcher opens a round for a set of projects; the round holds one :class:`DispatchReport` per
project from the start (an empty slot until the responsible unit submits it), so the missing list
(催报) is ``submitted_at IS NULL`` and closing freezes the totals from one aggregate query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core.concurrency import VersionedModel
from tiaodu.core.models import ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Action, Scope, ScopedQuerySet
from tiaodu.core.rounds import ReminderBase, RoundBase, district_rounds_q, round_scope
from tiaodu.dispatch.choices import PeriodKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tiaodu.accounts.models import User


class DispatchRoundQuerySet(ScopedQuerySet["DispatchRound"]):
    def restrict(
        self, user: User | AnonymousUser, action: Action = "view", *, authored: bool = True
    ) -> DispatchRoundQuerySet:
        """The scope's rows, plus the rounds of the district the user works in (township, squad
        and owner users sit below the district whose rounds they fill in): see
        :func:`tiaodu.core.rounds.district_rounds_q`."""
        q = district_rounds_q(user, self.model, action)
        return self if q is None else self.filter(q)


class DispatchRound(RoundBase):
    period_kind = models.CharField(_("调度周期"), max_length=8, choices=PeriodKind.choices)
    period_label = models.CharField(_("期次"), max_length=32, help_text=_("如“2022年第3旬”“2022年3月”"))
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    # Frozen on close (expected_count is set when the round opens).
    expected_count = models.PositiveIntegerField(_("应报项目数"), default=0)
    reported_count = models.PositiveIntegerField(_("已报项目数"), default=0)
    investment_total = models.DecimalField(
        _("本期完成投资(万元)"), max_digits=16, decimal_places=2, default=0
    )
    workers_required_total = models.PositiveIntegerField(_("应到岗人数"), default=0)
    workers_on_site_total = models.PositiveIntegerField(_("实到岗人数"), default=0)
    attendance_rate = models.DecimalField(
        _("到岗率(%)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    problem_count = models.PositiveIntegerField(_("反映问题数"), default=0)

    objects = DispatchRoundQuerySet.as_manager()  # type: ignore[assignment,misc]

    scope = round_scope("town", "squad", "owner")

    class Meta:
        ordering = ["-period_start", "-pk"]
        verbose_name = _("调度任务")
        verbose_name_plural = _("调度任务")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "period_kind", "period_label"], name="dispatchround_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="dispatchround_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_label}({self.get_period_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("dispatch:detail", args=[self.pk])


def _via_project(actions: dict[str, str]) -> Scope:
    return Scope(
        region="project__township",
        orgs=("project__owner", "project__responsible_unit"),
        squads=("project__squad",),
        users=("project__leader",),
        actions=actions,
    )


REPORT_ACTIONS = {
    "leader": "view change",
    "department": "view change",
    "town": "view change",
    "squad": "view change",
    "owner": "view change",
}


class DispatchReport(TimeStampedModel, ScopedModel, VersionedModel):
    """One project's report in one round: an empty slot until ``submitted_at`` is set. Writers
    check its ``version`` (:mod:`tiaodu.core.concurrency`), so two people correcting the same
    report cannot silently overwrite each other."""

    round = models.ForeignKey(
        DispatchRound, verbose_name=_("调度任务"), on_delete=models.CASCADE, related_name="reports"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), on_delete=models.CASCADE, related_name="dispatch_reports"
    )
    investment = models.DecimalField(_("本期完成投资(万元)"), max_digits=14, decimal_places=2, default=0)
    progress = models.DecimalField(_("形象进度(%)"), max_digits=4, decimal_places=1, null=True, blank=True)
    workers_required = models.PositiveIntegerField(_("应到岗人数"), default=0)
    workers_on_site = models.PositiveIntegerField(_("实到岗人数"), default=0)
    confirmed_over_required = models.BooleanField(_("确认实到岗超出应到岗"), default=False)
    problems = models.TextField(_("存在问题"), blank=True)
    problem_category = models.CharField(_("问题类别"), max_length=32, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("填报时间"), null=True, blank=True)
    reminded_count = models.PositiveSmallIntegerField(_("催报次数"), default=0)
    last_reminded_at = models.DateTimeField(_("最近催报时间"), null=True, blank=True)
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("问题办理事项"), blank=True, related_name="dispatch_reports"
    )

    scope = _via_project(REPORT_ACTIONS)

    class Meta:
        ordering = ["round", "project__name", "pk"]
        verbose_name = _("调度填报")
        verbose_name_plural = _("调度填报")
        constraints = [
            models.UniqueConstraint(fields=["round", "project"], name="dispatchreport_round_project"),
            models.CheckConstraint(condition=Q(investment__gte=0), name="dispatchreport_investment_nonneg"),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | (Q(progress__gte=0) & Q(progress__lte=100)),
                name="dispatchreport_progress_range",
            ),
        ]
        indexes = [models.Index(fields=["round", "submitted_at"], name="dispatchreport_round_sub")]

    def __str__(self) -> str:
        return f"{self.round} {self.project_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def attendance_rate(self) -> float | None:
        if not self.workers_required:
            return None
        return round(self.workers_on_site * 100 / self.workers_required, 1)

    def problem_lines(self) -> list[str]:
        from tiaodu.dispatch.services import problem_lines

        return problem_lines(self.problems)


class Reminder(ReminderBase):
    """One 催报: who reminded which round, and which projects were still missing."""

    round = models.ForeignKey(
        DispatchRound, verbose_name=_("调度任务"), on_delete=models.CASCADE, related_name="reminders"
    )
    missing_count = models.PositiveIntegerField(_("未报项目数"))
    # [{"slot": report id, "unit": project name}] as it was when reminded.
    missing = models.JSONField(_("未报项目"), default=list, blank=True)

    class Meta(ReminderBase.Meta):
        verbose_name = _("催报记录")
        verbose_name_plural = _("催报记录")
