from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tiaodu.cases.models import CaseCategory
from tiaodu.core.forms import StyledForm
from tiaodu.dispatch.choices import DEFAULT_PROBLEM_CATEGORY, PeriodKind
from tiaodu.dispatch.problems import WORKFLOW
from tiaodu.projects.forms import DateInput


class RoundForm(StyledForm):
    period_kind = forms.ChoiceField(label=_("调度周期"), choices=PeriodKind.choices, initial=PeriodKind.XUN)
    period_label = forms.CharField(label=_("期次"), max_length=32, help_text=_("如“2022年第3旬”“2022年3月”"))
    period_start = forms.DateField(label=_("开始日期"), widget=DateInput())
    period_end = forms.DateField(label=_("结束日期"), widget=DateInput())
    due_on = forms.DateField(label=_("填报截止日期"), widget=DateInput())
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(StyledForm):
    investment = forms.DecimalField(label=_("本期完成投资(万元)"), max_digits=14, decimal_places=2)
    progress = forms.DecimalField(label=_("形象进度(%)"), max_digits=4, decimal_places=1)
    workers_required = forms.IntegerField(label=_("应到岗人数"))
    workers_on_site = forms.IntegerField(label=_("实到岗人数"))
    confirmed_over_required = forms.BooleanField(label=_("确认实到岗超出应到岗"), required=False)
    problems = forms.CharField(
        label=_("存在问题"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个问题,每个问题将登记为一件项目问题并交办"),
    )
    problem_category = forms.ChoiceField(label=_("问题类别"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = CaseCategory.objects.filter(workflow=WORKFLOW, is_active=True).order_by("sort_order")
        self.fields["problem_category"].choices = [(c.code, c.name) for c in categories]  # type: ignore[attr-defined]
        self.fields["problem_category"].initial = DEFAULT_PROBLEM_CATEGORY
