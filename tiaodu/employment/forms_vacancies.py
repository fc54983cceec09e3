"""Vacancy forms and the board's filters. Lane C.

The forms only shape input: every rule is in :mod:`tiaodu.employment.vacancies`, which the views
call with ``form.service_fields()``. The filter is shared by the board, its export and the API.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.core.errors import invalid
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import StyledForm, VersionedEditForm
from tiaodu.employment.choices import Education, Shift, VacancyStatus
from tiaodu.employment.models import Vacancy
from tiaodu.enterprises.forms import DateInput
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

EMPTY = [("", "—")]


def township_choices(district: Region) -> list[tuple[Any, str]]:
    towns = Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP).order_by("code")
    return [(t.pk, t.name) for t in towns]


# --- the board's filters (HTML list, export, API) ----------------------------------------------------


class VacancyFilter(TextSafeFilterSchema):
    district: str | None = Field(None, max_length=12, description="区县代码")
    q: str | None = Field(None, max_length=64, description="岗位名称、企业名称或技能要求包含")
    occupation: str | None = Field(
        None, max_length=16, description="职业编码;填大类或中类(如 6-05)时含其下各职业"
    )
    township: int | None = Field(None, ge=1, le=2**62, description="工作地点所在镇街编号")
    enterprise: int | None = Field(None, ge=1, le=2**62, description="企业编号")
    wage: int | None = Field(
        None, ge=0, le=1_000_000, description="期望月薪(元):月薪上限(或下限)不低于此数的岗位"
    )
    open_on: date | None = Field(None, description="在该日期招聘中的岗位(已发布、未过有效期、未关闭)")
    status: VacancyStatus | None = Field(None, description="状态:open 招聘中、filled 已招满、closed 已关闭")
    housing: bool | None = Field(None, description="提供住宿")
    proposed: bool | None = Field(None, description="职业编码为平台推荐")

    def filter_district(self, value: str | None) -> Q:
        if not value:
            return Q()
        if not Region.objects.filter(code=value, level=Level.COUNTY).exists():
            raise invalid("district", "district_unknown", f"区县“{value}”不存在")
        return Q(district__code=value)

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(title__contains=value) | Q(enterprise__name__contains=value) | Q(skills__contains=value)

    def filter_occupation(self, value: str | None) -> Q:
        if not value:
            return Q()
        code = value.strip()
        return Q(occupation__code=code) | Q(occupation__code__startswith=f"{code}-")

    def filter_township(self, value: int | None) -> Q:
        return Q(township_id=value) if value else Q()

    def filter_enterprise(self, value: int | None) -> Q:
        return Q(enterprise_id=value) if value else Q()

    def filter_wage(self, value: int | None) -> Q:
        if value is None:
            return Q()
        return Q(wage_max__gte=value) | Q(wage_max__isnull=True, wage_min__gte=value)

    def filter_open_on(self, value: date | None) -> Q:
        if value is None:
            return Q()
        return Q(status=VacancyStatus.OPEN, published_on__lte=value) & (
            Q(valid_until__isnull=True) | Q(valid_until__gte=value)
        )

    def filter_status(self, value: str | None) -> Q:
        return Q(status=value) if value else Q()

    def filter_housing(self, value: bool | None) -> Q:
        return Q() if value is None else Q(housing=value)

    def filter_proposed(self, value: bool | None) -> Q:
        return Q() if value is None else Q(occupation_proposed=value)


# --- the vacancy form -----------------------------------------------------------------------------------


class VacancyForm(VersionedEditForm):
    enterprise = forms.CharField(
        label=_("企业"), max_length=128, help_text=_("统一社会信用代码或企业名称(须在企业名录中)")
    )
    title = forms.CharField(label=_("岗位名称"), max_length=64)
    occupation = forms.CharField(
        label=_("职业编码"),
        max_length=16,
        required=False,
        help_text=_("《职业分类大典(2022年版)》编码,如 6-05-01-03;留空由平台根据岗位名称推荐"),
    )
    headcount = forms.IntegerField(label=_("招聘人数"), min_value=1, max_value=100_000)
    wage_min = forms.IntegerField(label=_("月薪下限(元)"), min_value=0, max_value=1_000_000, required=False)
    wage_max = forms.IntegerField(label=_("月薪上限(元)"), min_value=0, max_value=1_000_000, required=False)
    shift = forms.ChoiceField(label=_("班制"), choices=EMPTY + list(Shift.choices), required=False)
    housing = forms.BooleanField(label=_("提供住宿"), required=False)
    meals = forms.BooleanField(label=_("提供工作餐"), required=False)
    education = forms.ChoiceField(label=_("学历要求"), choices=Education.choices, required=False)
    skills = forms.CharField(label=_("技能要求"), max_length=255, required=False)
    certificates = forms.CharField(label=_("证书要求"), max_length=255, required=False)
    requirements = forms.CharField(
        label=_("岗位要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不得含有性别、民族、地域(户籍)等歧视性要求(《就业促进法》)"),
    )
    age_min = forms.IntegerField(label=_("年龄下限"), min_value=0, max_value=100, required=False)
    age_max = forms.IntegerField(label=_("年龄上限"), min_value=0, max_value=100, required=False)
    age_ground = forms.CharField(
        label=_("年龄限制依据"),
        max_length=255,
        required=False,
        help_text=_("设置年龄上限或18岁以上的下限时必须说明依据"),
    )
    work_place = forms.CharField(
        label=_("工作地点"), max_length=128, required=False, help_text=_("园区或地址")
    )
    township = forms.TypedChoiceField(
        label=_("工作地点所在镇街"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("留空为企业所在镇街"),
    )
    published_on = forms.DateField(label=_("发布日期"), widget=DateInput())
    valid_until = forms.DateField(label=_("有效期至"), required=False, widget=DateInput())
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=8, decimal_places=6, required=False)

    FIELDS = (
        "title",
        "occupation",
        "headcount",
        "wage_min",
        "wage_max",
        "shift",
        "housing",
        "meals",
        "education",
        "skills",
        "certificates",
        "requirements",
        "age_min",
        "age_max",
        "age_ground",
        "work_place",
        "township",
        "published_on",
        "valid_until",
        "longitude",
        "latitude",
    )

    def __init__(
        self,
        *args: Any,
        district: Region,
        instance: Vacancy | None = None,
        fixed_enterprise: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fixed_enterprise = fixed_enterprise
        if instance is not None or fixed_enterprise is not None:
            del self.fields["enterprise"]  # an enterprise posts its own; a vacancy keeps its enterprise
        self.fields["township"].choices = EMPTY + township_choices(district)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, vacancy: Vacancy) -> dict[str, Any]:
        initial = {
            name: getattr(vacancy, name) for name in cls.FIELDS if name not in ("township", "occupation")
        }
        initial["township"] = vacancy.township_id
        initial["occupation"] = (
            "" if vacancy.occupation_proposed or vacancy.occupation is None else vacancy.occupation.code
        )
        return initial

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        values = {name: data.get(name) for name in self.FIELDS}
        town: Any = values.get("township")
        values["township"] = Region.objects.get(pk=town) if town else None
        values["occupation"] = values.get("occupation") or None
        for name in (
            "skills",
            "certificates",
            "requirements",
            "age_ground",
            "work_place",
            "shift",
            "education",
        ):
            values[name] = values.get(name) or ""
        if "enterprise" in self.fields:
            values["enterprise"] = data["enterprise"]
        elif self.fixed_enterprise is not None:
            values["enterprise"] = self.fixed_enterprise
        return values

    def changed_fields(self, vacancy: Vacancy) -> dict[str, Any]:
        """The values that differ from the vacancy's (a blank occupation on a proposed one is no change)."""
        values = self.service_fields()
        values.pop("enterprise", None)
        changed: dict[str, Any] = {}
        for name, value in values.items():
            if name == "occupation":
                current = (
                    None
                    if vacancy.occupation_proposed or vacancy.occupation is None
                    else vacancy.occupation.code
                )
                if value != current:
                    changed[name] = value
            elif name == "township":
                if value is not None and value.pk != vacancy.township_id:
                    changed[name] = value
            elif getattr(vacancy, name) != value:
                changed[name] = value
        return changed


class CloseForm(StyledForm):
    status = forms.ChoiceField(label=_("状态"), choices=VacancyStatus.choices)


# --- a labour need into vacancies ----------------------------------------------------------------------


class NeedRowForm(StyledForm):
    """One vacancy made from a labour need (a blank row is ignored)."""

    title = forms.CharField(label=_("岗位名称"), max_length=64, required=False)
    headcount = forms.IntegerField(label=_("招聘人数"), min_value=1, max_value=100_000, required=False)
    occupation = forms.CharField(
        label=_("职业编码"), max_length=16, required=False, help_text=_("留空由平台推荐")
    )
    wage_min = forms.IntegerField(label=_("月薪下限(元)"), min_value=0, max_value=1_000_000, required=False)
    wage_max = forms.IntegerField(label=_("月薪上限(元)"), min_value=0, max_value=1_000_000, required=False)
    requirements = forms.CharField(label=_("岗位要求"), max_length=2000, required=False)
    housing = forms.BooleanField(label=_("提供住宿"), required=False)
    meals = forms.BooleanField(label=_("提供工作餐"), required=False)
    valid_until = forms.DateField(label=_("有效期至"), required=False, widget=DateInput())

    def row(self) -> dict[str, Any] | None:
        """The service values of the row, or None for a blank one."""
        data = getattr(self, "cleaned_data", {}) or {}
        if not data.get("title") and not data.get("headcount"):
            return None
        values = {name: data.get(name) for name in self.base_fields}
        values["title"] = values.get("title") or ""
        values["requirements"] = values.get("requirements") or ""
        values["occupation"] = values.get("occupation") or None
        return values


NeedRowFormSet = forms.formset_factory(NeedRowForm, extra=1, max_num=30, validate_max=True)


class NeedConvertForm(StyledForm):
    published_on = forms.DateField(
        label=_("发布日期"), widget=DateInput(), help_text=_("默认为用工需求的提出日期")
    )
