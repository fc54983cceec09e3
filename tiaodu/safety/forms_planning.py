"""Forms and list filters of the planning pages (plans, campaigns, joint teams, inspectors,
coverage). They collect input; the rules are in ``tiaodu.safety.planning`` and ``campaigns``.
The filters are shared by the pages, their exports and the API lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import FieldError, InvalidInput
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import SearchSelectMultiple, StyledForm
from tiaodu.core.resolve import actor_district, credit_code
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects.forms import DateInput
from tiaodu.regions.models import Region
from tiaodu.safety.choices import PlanStatus
from tiaodu.safety.models import Campaign, Sector, Unit

# Who takes part in joint teams and campaigns: departments, towns, the government and utilities
# (a gas company is an enterprise of the registry).
MEMBER_KINDS = (OrgKind.DEPARTMENT, OrgKind.TOWN, OrgKind.GOVERNMENT, OrgKind.ENTERPRISE)


def _blank(choices: Any) -> list[tuple[Any, Any]]:
    return [("", "—"), *choices]


def _district(user: Any) -> Region | None:
    return actor_district(user)


def org_choices(user: Any, kinds: tuple[str, ...] = (OrgKind.DEPARTMENT,)) -> list[tuple[int, str]]:
    district = _district(user)
    if district is None:
        return []
    orgs = Organization.objects.filter(
        is_active=True, kind__in=kinds, region__path__startswith=district.path
    ).order_by("kind", "name")
    return [(o.pk, o.name) for o in orgs]


def sector_choices(user: Any) -> list[tuple[int, str]]:
    district = _district(user)
    sectors = Sector.objects.restrict(user).filter(region=district, is_active=True).order_by("order", "pk")
    return [(s.pk, s.name) for s in sectors]


def campaign_choices(user: Any) -> list[tuple[int, str]]:
    district = _district(user)
    return [(c.pk, c.name) for c in Campaign.objects.restrict(user).filter(region=district)]


def _rows(model: Any, user: Any, ids: Any) -> list[Any]:
    """Rows by id within the user's reach (ids the user cannot see are dropped)."""
    wanted = [int(i) for i in ids or () if i not in (None, "")]
    if not wanted:
        return []
    return list(model.objects.restrict(user).filter(pk__in=wanted).order_by("pk"))


def _row(model: Any, user: Any, pk: Any) -> Any:
    found = _rows(model, user, [pk]) if pk not in (None, "") else []
    return found[0] if found else None


class _DistrictForm(StyledForm):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


# --- plans -----------------------------------------------------------------------------------


class PlanForm(_DistrictForm):
    name = forms.CharField(label=_("计划名称"), max_length=128)
    department_id = forms.TypedChoiceField(label=_("抽查部门"), coerce=int)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    sector_ids = forms.TypedMultipleChoiceField(
        label=_("抽查行业"),
        coerce=int,
        required=False,
        widget=SearchSelectMultiple(attrs={"size": 8}),
        help_text=_("不选则为本部门监管的行业"),
    )
    campaign_id = forms.TypedChoiceField(label=_("专项行动"), coerce=int, required=False, empty_value=None)
    sample_percent = forms.DecimalField(label=_("抽查比例(%)"), max_digits=5, decimal_places=2)
    recent_days = forms.IntegerField(
        label=_("近期已检查单位排除天数"), min_value=0, max_value=3660, required=False
    )
    yearly_cap = forms.IntegerField(label=_("每年计划检查上限"), min_value=1, max_value=366, required=False)
    inspectors_per_visit = forms.IntegerField(
        label=_("每次检查执法人员数"), min_value=2, max_value=20, required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["department_id"].choices = _blank(org_choices(user))  # type: ignore[attr-defined]
        self.fields["sector_ids"].choices = sector_choices(user)  # type: ignore[attr-defined]
        self.fields["campaign_id"].choices = _blank(campaign_choices(user))  # type: ignore[attr-defined]
        if user.role == Role.DEPARTMENT:
            del self.fields["department_id"]  # a department plans for itself

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "name": data["name"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "sectors": _rows(Sector, self.user, data.get("sector_ids")),
            "campaign": _row(Campaign, self.user, data.get("campaign_id")),
            "sample_percent": data["sample_percent"],
        }
        if "department_id" in self.fields:
            values["department"] = Organization.objects.filter(pk=data["department_id"]).first()
        for name in ("recent_days", "yearly_cap", "inspectors_per_visit"):
            if data.get(name) is not None:
                values[name] = data[name]
        return values


class DrawForm(StyledForm):
    seed = forms.CharField(
        label=_("随机种子"),
        max_length=64,
        required=False,
        help_text=_("留空则随机生成;相同的种子和输入得到相同的名单"),
    )


class PlanFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="计划名称包含")
    status: PlanStatus | None = Field(None, description="状态:draft(草稿)、published(已公布)")
    year: int | None = Field(None, ge=2000, le=2100, description="年度")
    department: int | None = Field(None, ge=1, le=2**62, description="抽查部门编号")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) if value else Q()

    def filter_status(self, value: PlanStatus | None) -> Q:
        return Q(status=value) if value else Q()

    def filter_year(self, value: int | None) -> Q:
        return Q(year=value) if value else Q()

    def filter_department(self, value: int | None) -> Q:
        return Q(department_id=value) if value else Q()


# --- campaigns and teams ---------------------------------------------------------------------


class CampaignForm(_DistrictForm):
    name = forms.CharField(label=_("名称"), max_length=128)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput(), required=False)
    sector_ids = forms.TypedMultipleChoiceField(
        label=_("涉及行业"), coerce=int, required=False, widget=SearchSelectMultiple(attrs={"size": 8})
    )
    lead_department_id = forms.TypedChoiceField(
        label=_("牵头部门"), coerce=int, required=False, empty_value=None
    )
    department_ids = forms.TypedMultipleChoiceField(
        label=_("参与单位"), coerce=int, required=False, widget=SearchSelectMultiple(attrs={"size": 8})
    )
    description = forms.CharField(
        label=_("工作要求"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["sector_ids"].choices = sector_choices(user)  # type: ignore[attr-defined]
        self.fields["lead_department_id"].choices = _blank(org_choices(user))  # type: ignore[attr-defined]
        self.fields["department_ids"].choices = org_choices(user, MEMBER_KINDS)  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "starts_on": data["starts_on"],
            "ends_on": data.get("ends_on"),
            "sectors": _rows(Sector, self.user, data.get("sector_ids")),
            "lead_department": _row(Organization, self.user, data.get("lead_department_id")),
            "departments": _rows(Organization, self.user, data.get("department_ids")),
            "description": data.get("description") or "",
        }


class CampaignFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="名称包含")
    active_on: date | None = Field(None, description="在该日期进行中的专项行动")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) if value else Q()

    def filter_active_on(self, value: date | None) -> Q:
        if not value:
            return Q()
        return Q(starts_on__lte=value) & (Q(ends_on__isnull=True) | Q(ends_on__gte=value))


class TeamForm(_DistrictForm):
    name = forms.CharField(label=_("名称"), max_length=128)
    campaign_id = forms.TypedChoiceField(label=_("专项行动"), coerce=int, required=False, empty_value=None)
    lead_org_id = forms.TypedChoiceField(label=_("牵头单位"), coerce=int, required=False, empty_value=None)
    organization_ids = forms.TypedMultipleChoiceField(
        label=_("成员单位"),
        coerce=int,
        required=False,
        widget=SearchSelectMultiple(attrs={"size": 8}),
        help_text=_("部门、镇街和燃气等公用企业,连同牵头单位至少两个"),
    )
    note = forms.CharField(label=_("备注"), max_length=255, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        members = org_choices(user, MEMBER_KINDS)
        self.fields["campaign_id"].choices = _blank(campaign_choices(user))  # type: ignore[attr-defined]
        self.fields["lead_org_id"].choices = _blank(members)  # type: ignore[attr-defined]
        self.fields["organization_ids"].choices = members  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "campaign": _row(Campaign, self.user, data.get("campaign_id")),
            "lead_org": _row(Organization, self.user, data.get("lead_org_id")),
            "organizations": _rows(Organization, self.user, data.get("organization_ids")),
            "note": data.get("note") or "",
        }


class TeamFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="名称包含")
    campaign: int | None = Field(None, ge=1, le=2**62, description="专项行动编号")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) if value else Q()

    def filter_campaign(self, value: int | None) -> Q:
        return Q(campaign_id=value) if value else Q()


# --- inspectors ------------------------------------------------------------------------------


def units_by_reference(user: Any, district: Region | None, text: str) -> list[Unit]:
    """回避单位 typed one per line (or separated by 、): a credit code or a unit name of the
    district; ``unit_unknown`` / ``unit_ambiguous`` name the line."""
    found: list[Unit] = []
    errors: list[FieldError] = []
    refs = [r.strip() for line in (text or "").splitlines() for r in line.split("、") if r.strip()]
    units = Unit.objects.restrict(user).filter(district=district)
    for ref in refs:
        try:
            matches = list(units.filter(credit_code=credit_code(ref, "related_units"))[:2])
        except InvalidInput:
            matches = list(units.filter(name=ref).select_related("township")[:2])
        if not matches:
            errors.append(FieldError("related_units", "unit_unknown", f"单位“{ref}”不存在"))
        elif len(matches) > 1:
            errors.append(
                FieldError("related_units", "unit_ambiguous", f"单位名称“{ref}”不唯一,请填写统一社会信用代码")
            )
        else:
            found.append(matches[0])
    if errors:
        raise InvalidInput(errors)
    return found


class InspectorForm(_DistrictForm):
    name = forms.CharField(label=_("姓名"), max_length=32)
    organization_id = forms.TypedChoiceField(label=_("所属部门"), coerce=int)
    certificate_no = forms.CharField(label=_("执法证号"), max_length=32, required=False)
    certificate_valid_until = forms.DateField(label=_("执法证有效期至"), widget=DateInput(), required=False)
    related_units = forms.CharField(
        label=_("回避单位"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("每行一个单位名称或统一社会信用代码;抽查时不会派往这些单位"),
    )
    is_active = forms.BooleanField(label=_("在岗"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["organization_id"].choices = _blank(org_choices(user))  # type: ignore[attr-defined]
        if user.role == Role.DEPARTMENT:
            del self.fields["organization_id"]  # a department keeps its own inspectors

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "name": data["name"],
            "certificate_no": data.get("certificate_no") or "",
            "certificate_valid_until": data.get("certificate_valid_until"),
            "related_units": units_by_reference(
                self.user, _district(self.user), data.get("related_units", "")
            ),
        }
        if "organization_id" in self.fields:
            values["organization"] = Organization.objects.filter(pk=data["organization_id"]).first()
        else:
            values["organization"] = self.user.organization
        return values


class InspectorFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="姓名或执法证号包含")
    organization: int | None = Field(None, ge=1, le=2**62, description="所属部门编号")
    valid_on: date | None = Field(None, description="在该日期持有有效执法证且在岗")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) | Q(certificate_no__contains=value) if value else Q()

    def filter_organization(self, value: int | None) -> Q:
        return Q(organization_id=value) if value else Q()

    def filter_valid_on(self, value: date | None) -> Q:
        if not value:
            return Q()
        return Q(is_active=True, certificate_valid_until__gte=value) & ~Q(certificate_no="")


# --- coverage and 综合查一次 -----------------------------------------------------------------


class CoverageForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    as_of = forms.DateField(label=_("截至日期"), widget=DateInput(), required=False)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        year, as_of = data.get("year"), data.get("as_of")
        if year and as_of and as_of.year != year:
            self.add_error("as_of", _("截至日期应在所选年度内"))
        return data


def default_year() -> int:
    return timezone.localdate().year


class JointVisitFilter(TextSafeFilterSchema):
    active_on: date | None = Field(None, description="在该日期进行中的综合检查")

    def filter_active_on(self, value: date | None) -> Q:
        return Q(starts_on__lte=value, ends_on__gte=value) if value else Q()


class MergeForm(StyledForm):
    start = forms.DateField(label=_("开始日期"), widget=DateInput())
    end = forms.DateField(label=_("结束日期"), widget=DateInput())
