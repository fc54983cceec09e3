"""Jobseeker forms and the list filter (shared by the page, the export and the API). Lane B.

The forms only shape input: every rule is in :mod:`tiaodu.employment.jobseekers`, which the views
call with ``form.service_fields()``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.core import pii
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import StyledForm, VersionedEditForm
from tiaodu.employment.choices import Education, PriorityGroup
from tiaodu.employment.jobseekers import ID_LIKE_RE, PHONE_RE
from tiaodu.employment.models import Jobseeker
from tiaodu.enterprises.forms import DateInput
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region


def township_choices(district: Region, user: Any = None) -> list[tuple[int, str]]:
    """The district's townships; a town user only their own."""
    towns = Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP).order_by("code")
    if user is not None and getattr(user, "role", "") == "town" and user.region_id:
        towns = towns.filter(pk=user.region_id)
    return [(t.pk, t.name) for t in towns]


class JobseekerFilter(TextSafeFilterSchema):
    q: str | None = Field(
        None, max_length=32, description="姓名包含,或完整的身份证号/手机号(按检索码精确查找)"
    )
    township: int | None = Field(None, ge=1, le=2**62, description="所属镇街编号")
    group: PriorityGroup | None = Field(None, description="重点群体")
    education: Education | None = Field(None, description="文化程度")
    anonymised: bool | None = Field(None, description="已匿名化")

    def filter_q(self, value: str | None) -> Q:
        value = "".join((value or "").split())
        if not value:
            return Q()
        if ID_LIKE_RE.fullmatch(value):
            return Q(id_hash=pii.blind_index(value, field="id"))
        if PHONE_RE.fullmatch(value):
            return Q(phone_hash=pii.blind_index(value, field="phone"))
        return Q(name__contains=value)

    def filter_township(self, value: int | None) -> Q:
        return Q(township_id=value) if value else Q()

    def filter_group(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(groups__regex=rf"(^| ){value}( |$)")

    def filter_education(self, value: str | None) -> Q:
        return Q(education=value) if value else Q()

    def filter_anonymised(self, value: bool | None) -> Q:
        return Q() if value is None else Q(anonymised_on__isnull=not value)


class _Fields(StyledForm):
    """The fields a registration and an edit share."""

    name = forms.CharField(label=_("姓名"), max_length=32)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    village = forms.CharField(label=_("村(社区)"), max_length=64, required=False)
    education = forms.ChoiceField(label=_("文化程度"), choices=Education.choices, required=False)
    experience = forms.CharField(
        label=_("工作经历"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如:在制衣厂做过三年缝纫工,在玩具厂做过包装"),
    )
    skills = forms.CharField(label=_("技能"), max_length=255, required=False)
    certificates = forms.CharField(label=_("证书"), max_length=255, required=False)
    desired_text = forms.CharField(label=_("求职意向"), max_length=255, required=False)
    desired_occupations = forms.CharField(
        label=_("意向职业编码"),
        max_length=255,
        required=False,
        help_text=_("职业分类大典编码,多个用空格分隔,例如 6-05-01-03"),
    )
    wage_expected = forms.IntegerField(
        label=_("期望月薪(元)"), min_value=1, max_value=1_000_000, required=False
    )
    max_commute_minutes = forms.IntegerField(
        label=_("最长通勤(分钟)"), min_value=1, max_value=600, required=False
    )
    needs_dorm = forms.BooleanField(label=_("需要住宿"), required=False)
    groups = forms.MultipleChoiceField(
        label=_("重点群体"),
        choices=PriorityGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].widget.attrs["class"] = "form-check-input"
        for name in ("wage_expected", "max_commute_minutes"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["desired_occupations"] = (data.get("desired_occupations") or "").split()
        return data


class RegisterForm(_Fields):
    township = forms.TypedChoiceField(label=_("所属镇街"), coerce=int)
    id_number = forms.CharField(
        label=_("居民身份证号"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    registered_on = forms.DateField(label=_("登记日期"), required=False, widget=DateInput())
    consent = forms.BooleanField(label=_("本人已同意个人信息处理"), required=False)

    field_order = ["township", "name", "id_number", "phone"]

    def __init__(
        self, *args: Any, district: Region, user: Any = None, purpose: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        township = self.fields["township"]
        assert isinstance(township, forms.ChoiceField)
        township.choices = township_choices(district, user)
        if purpose:
            self.fields["consent"].help_text = _("处理目的:%(p)s") % {"p": purpose}

    def service_fields(self) -> dict[str, Any]:
        data = super().service_fields()
        data["id_number"] = data["id_number"].strip()
        township = Region.objects.get(pk=data.pop("township"))
        data["township"] = township
        return data


class EditForm(_Fields, VersionedEditForm):
    """Edit a jobseeker (the ID number and the township stay)."""

    def __init__(self, *args: Any, instance: Jobseeker, **kwargs: Any) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(row: Jobseeker) -> dict[str, Any]:
        return {
            "name": row.name,
            "village": row.village,
            "education": row.education,
            "experience": row.experience,
            "skills": row.skills,
            "certificates": row.certificates,
            "desired_text": row.desired_text,
            "desired_occupations": " ".join(row.desired_occupations.values_list("code", flat=True)),
            "wage_expected": row.wage_expected,
            "max_commute_minutes": row.max_commute_minutes,
            "needs_dorm": row.needs_dorm,
            "groups": row.group_codes,
        }

    def service_fields(self) -> dict[str, Any]:
        data = super().service_fields()
        if not data.get("phone"):
            data.pop("phone", None)  # blank: the phone stays (it is never shown in the form)
        return data
