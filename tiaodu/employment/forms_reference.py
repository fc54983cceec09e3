"""Forms of the reference pages (赶场规则, 就业服务设置, 镇街驻地). Lane A.

The forms only shape input; the rules are in :mod:`tiaodu.employment.reference`, which the views
call with ``form.service_fields()``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tiaodu.core.forms import SearchSelectMultiple, StyledForm
from tiaodu.employment import reference
from tiaodu.employment.choices import CalendarKind, OccupationLevel
from tiaodu.employment.models import EmploymentSettings, MarketRule
from tiaodu.regions.models import Region


class OccupationSearchForm(StyledForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=64)
    level = forms.TypedChoiceField(
        label=_("层级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部层级")), *OccupationLevel.choices],
    )


class MarketRuleForm(StyledForm):
    township = forms.TypedChoiceField(label=_("所属镇街"), coerce=int, choices=())
    place = forms.CharField(
        label=MarketRule._meta.get_field("place").verbose_name, required=False, max_length=64
    )
    calendar = forms.ChoiceField(
        label=MarketRule._meta.get_field("calendar").verbose_name,
        choices=CalendarKind.choices,
        initial=CalendarKind.LUNAR,
    )
    digits = forms.CharField(
        label=MarketRule._meta.get_field("digits").verbose_name,
        max_length=20,
        help_text=_("日期末位数字,例如“1、4、7”或“147”;0表示逢十"),
    )

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = reference.township_choices(district)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, rule: MarketRule) -> dict[str, Any]:
        return {
            "township": rule.township_id,
            "place": rule.place,
            "calendar": rule.calendar,
            "digits": rule.digits,
        }

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["township"] = Region.objects.get(pk=data["township"])
        return data


class MonthForm(StyledForm):
    month = forms.CharField(
        label=_("月份"), required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )


class SettingsForm(StyledForm):
    departments = forms.TypedMultipleChoiceField(
        label=_("就业服务部门"),
        coerce=int,
        choices=(),
        required=False,
        help_text=_("这些部门的工作人员可查看本区县求职者的完整身份证号和手机号(每次查看均记录)"),
        widget=SearchSelectMultiple(attrs={"size": 8}),
    )
    retention_days = forms.IntegerField(
        label=EmploymentSettings._meta.get_field("retention_days").verbose_name,
        min_value=30,
        max_value=36500,
        help_text=EmploymentSettings._meta.get_field("retention_days").help_text,
    )
    consent_purpose = forms.CharField(
        label=EmploymentSettings._meta.get_field("consent_purpose").verbose_name, max_length=255
    )
    default_commute_minutes = forms.IntegerField(
        label=EmploymentSettings._meta.get_field("default_commute_minutes").verbose_name,
        min_value=5,
        max_value=300,
    )

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = [  # type: ignore[attr-defined]
            (o.pk, o.name) for o in reference.department_candidates(district)
        ]

    @classmethod
    def initial_for(cls, row: EmploymentSettings) -> dict[str, Any]:
        return {
            "departments": list(row.departments.values_list("pk", flat=True)),
            "retention_days": row.retention_days,
            "consent_purpose": row.consent_purpose,
            "default_commute_minutes": row.default_commute_minutes,
        }

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SeatForm(StyledForm):
    township = forms.TypedChoiceField(label=_("镇街"), coerce=int, choices=())
    longitude = forms.DecimalField(
        label=_("经度"), max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )
    latitude = forms.DecimalField(
        label=_("纬度"), max_digits=8, decimal_places=6, min_value=-90, max_value=90
    )

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = reference.township_choices(district)  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["township"] = Region.objects.get(pk=data["township"])
        return data
