"""Forms and list filters of the units and the reference data (行业领域, 检查表, 设置).

The forms only shape input: every rule is in :mod:`tiaodu.safety.units` and
:mod:`tiaodu.safety.reference`, which the views call with ``form.service_fields()``. The unit
filter is shared by the list, its export, the map and the API.
"""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.core.errors import invalid
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import StyledForm, VersionedEditForm
from tiaodu.enterprises.forms import DateInput
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.safety.choices import TWO_LISTS_TWO_CARDS, RiskLevel, UnitType
from tiaodu.safety.models import SafetySettings, Sector, Unit
from tiaodu.safety.reference import DEPARTMENT_KINDS

EMPTY = [("", "—")]
ALL_FOUR = Q(**{name: True for name in TWO_LISTS_TWO_CARDS})


def township_choices(district: Region) -> list[tuple[Any, str]]:
    towns = Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP).order_by("code")
    return [(t.pk, t.name) for t in towns]


def sector_choices(district: Region) -> list[tuple[Any, str]]:
    return [(s.pk, s.name) for s in Sector.objects.filter(region=district, is_active=True)]


def department_choices(district: Region) -> list[tuple[Any, str]]:
    orgs = Organization.objects.filter(
        region__path__startswith=district.path, kind__in=DEPARTMENT_KINDS, is_active=True
    ).order_by("kind", "name")
    return [(o.pk, o.name) for o in orgs]


# --- the unit list's filters (HTML list, export, map, API) -----------------------------------------


class UnitFilter(TextSafeFilterSchema):
    district: str | None = Field(None, max_length=12, description="区县代码")
    q: str | None = Field(None, max_length=64, description="单位名称或统一社会信用代码包含")
    sector: int | None = Field(None, ge=1, le=2**62, description="行业领域编号")
    unit_type: UnitType | None = Field(None, description="单位类型")
    risk_level: RiskLevel | None = Field(
        None, description="风险等级:major 重大、large 较大、general 一般、low 低"
    )
    township: int | None = Field(None, ge=1, le=2**62, description="所属镇街编号")
    cards: Literal["complete", "incomplete"] | None = Field(
        None, description="两单两卡:complete 四项齐全、incomplete 有缺项"
    )
    open_hazards: bool | None = Field(None, description="有未销号隐患")
    is_active: bool | None = Field(None, description="在营")

    def filter_district(self, value: str | None) -> Q:
        if not value:
            return Q()
        if not Region.objects.filter(code=value, level=Level.COUNTY).exists():
            raise invalid("district", "district_unknown", f"区县“{value}”不存在")
        return Q(district__code=value)

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(name__contains=value) | Q(credit_code__contains=value.upper())

    def filter_sector(self, value: int | None) -> Q:
        return Q(sector_id=value) if value else Q()

    def filter_unit_type(self, value: str | None) -> Q:
        return Q(unit_type=value) if value else Q()

    def filter_risk_level(self, value: str | None) -> Q:
        return Q(risk_level=value) if value else Q()

    def filter_township(self, value: int | None) -> Q:
        return Q(township_id=value) if value else Q()

    def filter_cards(self, value: str | None) -> Q:
        if not value:
            return Q()
        return ALL_FOUR if value == "complete" else ~ALL_FOUR

    def filter_open_hazards(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        found = Exists(open_hazards().filter(unit_id=OuterRef("pk")))
        return Q(found) if value else ~Q(found)

    def filter_is_active(self, value: bool | None) -> Q:
        return Q() if value is None else Q(is_active=value)


def open_hazards(user: Any = None) -> Any:
    """Hazards not accepted (销号) yet — by their own dated history, not the case state — of
    those ``user`` may see (all without a user)."""
    from tiaodu.safety.models import Hazard

    qs = Hazard.objects.restrict(user) if user is not None else Hazard.objects.all()
    return qs.filter(accepted_on__isnull=True)


# --- the unit form ----------------------------------------------------------------------------------


class UnitForm(VersionedEditForm):
    name = forms.CharField(label=_("单位名称"), max_length=128)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=_("有则填写;企业名录中的企业自动关联"),
    )
    township = forms.TypedChoiceField(label=_("所属镇街"), coerce=int)
    sector = forms.TypedChoiceField(label=_("行业领域"), coerce=int)
    unit_type = forms.ChoiceField(label=_("单位类型"), choices=UnitType.choices, initial=UnitType.ENTERPRISE)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices, initial=RiskLevel.LOW)
    project = forms.CharField(
        label=_("对应重点项目"),
        max_length=128,
        required=False,
        help_text=_("建筑工地是重点项目时填写项目代码或名称"),
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("安全负责人"), max_length=32, required=False)
    has_risk_list = forms.BooleanField(label=TWO_LISTS_TWO_CARDS["has_risk_list"], required=False)
    has_duty_list = forms.BooleanField(label=TWO_LISTS_TWO_CARDS["has_duty_list"], required=False)
    has_operation_card = forms.BooleanField(label=TWO_LISTS_TWO_CARDS["has_operation_card"], required=False)
    has_emergency_card = forms.BooleanField(label=TWO_LISTS_TWO_CARDS["has_emergency_card"], required=False)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=8, decimal_places=6, required=False)
    is_active = forms.BooleanField(label=_("在营"), required=False, initial=True)

    FIELDS = (
        "name",
        "credit_code",
        "township",
        "sector",
        "unit_type",
        "risk_level",
        "project",
        "address",
        "contact_name",
        *TWO_LISTS_TWO_CARDS,
        "longitude",
        "latitude",
        "is_active",
    )

    def __init__(self, *args: Any, district: Region, instance: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["township"].choices = EMPTY + township_choices(district)  # type: ignore[attr-defined]
        self.fields["sector"].choices = EMPTY + sector_choices(district)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, unit: Unit) -> dict[str, Any]:
        initial = {
            name: getattr(unit, name) for name in cls.FIELDS if name not in ("township", "sector", "project")
        }
        initial["township"] = unit.township_id
        initial["sector"] = unit.sector_id
        initial["project"] = unit.project.code or unit.project.name if unit.project_id else ""  # type: ignore[union-attr]
        return initial

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        values = {name: data[name] for name in self.FIELDS if name in data}
        values["township"] = Region.objects.get(pk=values["township"])
        values["project"] = values.get("project") or None
        return values


class SectorForm(StyledForm):
    code = forms.CharField(label=_("代码"), max_length=32, help_text=_("英文字母或拼音,如 industry"))
    name = forms.CharField(label=_("名称"), max_length=32)
    department = forms.TypedChoiceField(
        label=_("监管部门"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("三管三必须:负责该行业安全监管的部门"),
    )
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = EMPTY + department_choices(district)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, sector: Sector) -> dict[str, Any]:
        return {
            "code": sector.code,
            "name": sector.name,
            "department": sector.department_id,
            "order": sector.order,
            "is_active": sector.is_active,
        }

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ChecklistItemForm(StyledForm):
    code = forms.CharField(label=_("编号"), max_length=16)
    text = forms.CharField(label=_("检查内容"), max_length=255, widget=forms.Textarea(attrs={"rows": 2}))
    basis = forms.CharField(label=_("依据"), max_length=255, required=False)
    is_major_criterion = forms.BooleanField(
        label=_("重大事故隐患判定项"), required=False, help_text=_("按此项发现的隐患即为重大隐患")
    )
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SettingsForm(StyledForm):
    record_start = forms.DateField(
        label=SafetySettings._meta.get_field("record_start").verbose_name,
        required=False,
        widget=DateInput(),
        help_text=_("事故登记从该月起完整;连续无事故月数不早于此月计算"),
    )
    recent_days = forms.IntegerField(
        label=SafetySettings._meta.get_field("recent_days").verbose_name, min_value=0, max_value=3660
    )
    yearly_cap = forms.IntegerField(
        label=SafetySettings._meta.get_field("yearly_cap").verbose_name, min_value=1, max_value=365
    )
    inspectors_per_visit = forms.IntegerField(
        label=SafetySettings._meta.get_field("inspectors_per_visit").verbose_name, min_value=2, max_value=20
    )
    rectify_days = forms.IntegerField(
        label=SafetySettings._meta.get_field("rectify_days").verbose_name, min_value=1, max_value=365
    )
    acceptance_days = forms.IntegerField(
        label=SafetySettings._meta.get_field("acceptance_days").verbose_name, min_value=1, max_value=365
    )

    @classmethod
    def initial_for(cls, row: SafetySettings) -> dict[str, Any]:
        return {name: getattr(row, name) for name in cls.base_fields}

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
