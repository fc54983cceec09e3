"""Forms of the reporting pages: they collect input; the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tiaodu.core.forms import SearchSelectMultiple, StyledForm
from tiaodu.monitoring.models import VALUE_DECIMALS, VALUE_DIGITS, Indicator
from tiaodu.projects.forms import DateInput
from tiaodu.reporting.choices import DEFAULT_ALERT_INDICATOR, AlertAction, UnitFilter, UnitKind
from tiaodu.reporting.services import default_threshold

WEB_FILTERS = [(f.value, f.label) for f in UnitFilter if f != UnitFilter.SELECTED]


class RoundForm(StyledForm):
    unit_kind = forms.ChoiceField(
        label=_("报送单位类型"), choices=UnitKind.choices, initial=UnitKind.ENTERPRISE
    )
    unit_filter = forms.ChoiceField(
        label=_("报送范围"),
        choices=WEB_FILTERS,
        initial=UnitFilter.ABOVE_SCALE,
        help_text=_("企业报送选规上企业、重点企业或全部企业;部门报送选全部区级部门"),
    )
    period = forms.CharField(
        label=_("期别"), max_length=32, help_text=_("如“2022年2月”“2022年3月上旬”“2022年第10周”")
    )
    cumulative = forms.BooleanField(
        label=_("月报按累计值报送"),
        required=False,
        initial=True,
        help_text=_("勾选时填报1月至本月的累计值(如1月—2月),与上年同期累计值比较"),
    )
    indicators = forms.MultipleChoiceField(
        label=_("报送指标"), widget=SearchSelectMultiple(attrs={"size": 8}), help_text=_("可多选")
    )
    due_on = forms.DateField(label=_("报送截止日期"), widget=DateInput())
    alert_threshold = forms.DecimalField(
        label=_("预警阈值(%)"), required=False, max_digits=5, decimal_places=1
    )
    assignments = forms.CharField(
        label=_("指标分工"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("部门报送时可按部门分工,每行“部门名称:指标、指标”;不填则各部门报送全部指标"),
    )
    title = forms.CharField(label=_("任务名称"), required=False, max_length=64, help_text=_("不填则自动生成"))
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = [  # type: ignore[attr-defined]
            (i.code, f"{i.name}({i.unit})") for i in Indicator.objects.order_by("order", "code")
        ]
        self.fields["indicators"].initial = [DEFAULT_ALERT_INDICATOR]
        self.fields["alert_threshold"].help_text = _(
            "重点企业产值同比增速低于该值时预警,不填则为%(default)s%%"
        ) % {"default": default_threshold()}


class SlotForm(StyledForm):
    """One number per indicator of the round, named by the indicator's code."""

    def __init__(self, *args: Any, indicators: list[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for indicator in indicators:
            self.fields[indicator.code] = forms.DecimalField(
                label=f"{indicator.name}({indicator.unit})",
                max_digits=VALUE_DIGITS,
                decimal_places=VALUE_DECIMALS,
            )
        # StyledForm styled the fields present when it ran; style the new ones too.
        for name in self.fields:
            self.fields[name].widget.attrs.setdefault("class", "form-control")


class AlertForm(StyledForm):
    action = forms.ChoiceField(label=_("操作"), choices=AlertAction.choices)
    note = forms.CharField(
        label=_("处置情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("处置时必填:走访了解的原因、采取的帮扶措施等"),
    )
