"""Forms and list filters of the libraries (企业库, 资源库, 政策库) and the district's settings.

The forms only shape input: every rule is in :mod:`tiaodu.investment.libraries`, which the views
call with ``form.service_fields()``. The filters are shared by the lists, their exports and the API.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.core.errors import invalid
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import SearchSelectMultiple, StyledForm
from tiaodu.core.permissions import NOTHING
from tiaodu.enterprises.forms import DateInput
from tiaodu.investment import libraries
from tiaodu.investment.choices import (
    OPEN_STAGES,
    EnterpriseSize,
    ResourceKind,
    ResourceStatus,
    TargetKind,
    TeamKind,
)
from tiaodu.investment.models import (
    FocusArea,
    IndustryChain,
    InvestmentProject,
    PipelineSettings,
    Policy,
    Resource,
    TargetCompany,
    Team,
)
from tiaodu.investment.services import stage_label
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

EMPTY = [("", "—")]
_Q = TypeVar("_Q", bound=QuerySet)  # type: ignore[type-arg]


def chain_choices(district: Region) -> list[tuple[Any, str]]:
    """The district's key industries, each followed by its chains (indented)."""
    chains = list(IndustryChain.objects.filter(region=district).order_by("order", "name", "pk"))
    out: list[tuple[Any, str]] = []
    for top in (c for c in chains if c.parent_id is None):
        out.append((top.pk, top.name))
        out.extend((c.pk, f"— {c.name}") for c in chains if c.parent_id == top.pk)
    return out


def township_choices(district: Region) -> list[tuple[Any, str]]:
    towns = Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP).order_by("code")
    return [(t.pk, t.name) for t in towns]


class DistrictFilter(TextSafeFilterSchema):
    """The district whose library is listed (6-digit code; default: the user's own)."""

    district: str | None = Field(None, max_length=12, description="区县代码,默认为本人所在区县")

    def filter_district(self, value: str | None) -> Q:
        if not value:
            return Q()
        if not Region.objects.filter(code=value, level=Level.COUNTY).exists():
            raise invalid("district", "district_unknown", f"区县“{value}”不存在")
        return Q(region__code=value)


# --- 企业库 ----------------------------------------------------------------------------------------


class TargetFilter(DistrictFilter):
    q: str | None = Field(None, max_length=64, description="企业名称或信用代码包含")
    kind: TargetKind | None = Field(None, description="类别")
    chain: int | None = Field(None, ge=1, le=2**62, description="产业链编号")
    linked: bool | None = Field(None, description="是否已在区内注册(已关联企业库)")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(investor_name__contains=value) | Q(investor_credit_code__contains=value.upper())

    def filter_kind(self, value: str | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_chain(self, value: int | None) -> Q:
        return Q(chain_id=value) | Q(chain__parent_id=value) if value else Q()

    def filter_linked(self, value: bool | None) -> Q:
        return Q() if value is None else Q(enterprise__isnull=not value)


class TargetForm(StyledForm):
    investor_name = forms.CharField(label=_("企业名称"), max_length=128)
    investor_credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=18, required=False, help_text=_("有则填写,18位,含校验位")
    )
    kind = forms.ChoiceField(label=_("类别"), choices=TargetKind.choices)
    home_region = forms.CharField(
        label=_("总部所在地"), max_length=64, required=False, help_text=_("省、市或区县的名称或区划代码")
    )
    chain = forms.TypedChoiceField(label=_("产业链"), coerce=int, required=False, empty_value=None)
    industry_code = forms.CharField(
        label=_("行业代码"), max_length=5, required=False, help_text=_("GB/T 4754-2017")
    )
    team = forms.TypedChoiceField(label=_("对接招商组"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(
        label=_("企业简介"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chain"].choices = EMPTY + chain_choices(district)  # type: ignore[attr-defined]
        teams = Team.objects.filter(region=district, is_active=True).order_by("kind", "name")
        self.fields["team"].choices = EMPTY + [(t.pk, t.name) for t in teams]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(t: TargetCompany) -> dict[str, Any]:
        return {
            "investor_name": t.investor_name,
            "investor_credit_code": t.investor_credit_code,
            "kind": t.kind,
            "home_region": t.home_region.code if t.home_region_id else "",  # type: ignore[union-attr]
            "chain": t.chain_id,
            "industry_code": t.industry_code,
            "team": t.team_id,
            "description": t.description,
        }

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["home_region"] = data.get("home_region") or None
        return data


# --- 资源库 ----------------------------------------------------------------------------------------


class ResourceFilter(DistrictFilter):
    q: str | None = Field(None, max_length=64, description="名称、位置或用途包含")
    kind: ResourceKind | None = Field(None, description="类型:land 土地、factory 标准厂房")
    status: ResourceStatus | None = Field(None, description="状态")
    township: int | None = Field(None, ge=1, le=2**62, description="所在镇街编号")
    available_on: date | None = Field(None, description="在该日期前可供")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(name__contains=value) | Q(location__contains=value) | Q(zoning__contains=value)

    def filter_kind(self, value: str | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_status(self, value: str | None) -> Q:
        return Q(status=value) if value else Q()

    def filter_township(self, value: int | None) -> Q:
        return Q(township_id=value) if value else Q()

    def filter_available_on(self, value: date | None) -> Q:
        if value is None:
            return Q()
        return Q(available_from__isnull=True) | Q(available_from__lte=value)


class ResourceForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"), choices=EMPTY + list(ResourceKind.choices))
    name = forms.CharField(label=_("名称/地块编号"), max_length=128)
    township = forms.TypedChoiceField(label=_("所在镇街"), coerce=int, required=False, empty_value=None)
    location = forms.CharField(label=_("位置"), max_length=255, required=False)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=8, decimal_places=6, required=False)
    area_mu = forms.DecimalField(label=_("面积(亩)"), max_digits=10, decimal_places=2, required=False)
    floor_area = forms.DecimalField(
        label=_("建筑面积(平方米)"), max_digits=12, decimal_places=2, required=False
    )
    price = forms.DecimalField(label=_("价格"), max_digits=12, decimal_places=2, required=False)
    price_unit = forms.CharField(
        label=_("价格单位"), max_length=16, required=False, help_text=_("如 万元/亩、元/平方米·月")
    )
    zoning = forms.CharField(label=_("用地性质/规划用途"), max_length=64, required=False)
    available_from = forms.DateField(label=_("可供日期"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("状态"), choices=ResourceStatus.choices)
    project = forms.TypedChoiceField(label=_("意向/落地项目"), coerce=int, required=False, empty_value=None)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, district: Region, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = EMPTY + township_choices(district)  # type: ignore[attr-defined]
        projects = InvestmentProject.objects.restrict(user).filter(region=district).order_by("name")
        self.fields["project"].choices = EMPTY + [(p.pk, p.name) for p in projects[:1000]]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(r: Resource) -> dict[str, Any]:
        fields = [f for f in libraries.RESOURCE_FIELDS if f not in ("township", "project")]
        return {f: getattr(r, f) for f in fields} | {"township": r.township_id, "project": r.project_id}

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["township"] = (
            Region.objects.filter(pk=data["township"]).first() if data.get("township") else None
        )
        return data


# --- 政策库 ----------------------------------------------------------------------------------------


class PolicyFilter(DistrictFilter):
    q: str | None = Field(None, max_length=64, description="政策名称、文号、发文机关、摘要或条款内容包含")
    chain: int | None = Field(None, ge=1, le=2**62, description="适用于该产业链(含不限产业的政策)")
    industry_code: str | None = Field(
        None, max_length=5, description="适用于该行业代码(GB/T 4754,含不限行业的政策)"
    )
    size: EnterpriseSize | None = Field(None, description="适用于该规模的企业(含不限规模的政策)")
    valid_on: date | None = Field(None, description="在该日期有效")

    def filter_q(self, value: str | None) -> Q:
        return libraries.text_match(value or "")

    def filter_chain(self, value: int | None) -> Q:
        if not value:
            return Q()
        chain = IndustryChain.objects.filter(pk=value).first()
        return libraries.applies_to_chain(chain) if chain else NOTHING

    def filter_industry_code(self, value: str | None) -> Q:
        return libraries.applies_to_industry(value) if value else Q()

    def filter_size(self, value: str | None) -> Q:
        return Q()  # applied in filter(): it needs an annotation

    def filter_valid_on(self, value: date | None) -> Q:
        return libraries.valid_on(value) if value else Q()

    def filter(self, queryset: _Q) -> _Q:
        queryset = super().filter(queryset)
        if self.size:
            return libraries.applies_to_size(queryset, self.size)  # type: ignore[return-value]
        return queryset


_CLAUSE_NUMBER = re.compile(
    r"^\s*(第[一二三四五六七八九十百零〇\d]+条|[一二三四五六七八九十]+、|\(?[\d一二三四五六七八九十]+[).、.])\s*"
)


def parse_clauses(text: str) -> list[tuple[str, str]]:
    """One clause per line; a leading 第X条 / 一、 / 1. is its number, else it is numbered by order."""
    out: list[tuple[str, str]] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = _CLAUSE_NUMBER.match(line)
        if match and line[match.end() :].strip():
            out.append((re.sub(r"[().、.]", "", match.group(1)), line[match.end() :].strip()))
        else:
            out.append((f"第{len(out) + 1}条", line))
    return out


class PolicyForm(StyledForm):
    title = forms.CharField(label=_("政策名称"), max_length=255)
    issuer = forms.CharField(label=_("发文机关"), max_length=128)
    doc_number = forms.CharField(label=_("文号"), max_length=64, required=False)
    issued_on = forms.DateField(label=_("发文日期"), required=False, widget=DateInput())
    valid_from = forms.DateField(label=_("有效期起"), required=False, widget=DateInput())
    valid_until = forms.DateField(label=_("有效期止"), required=False, widget=DateInput())
    industries = forms.TypedMultipleChoiceField(
        label=_("适用产业"),
        coerce=int,
        required=False,
        help_text=_("不选表示不限产业"),
        widget=SearchSelectMultiple(),
    )
    industry_codes = forms.CharField(
        label=_("适用行业代码"),
        max_length=255,
        required=False,
        help_text=_("GB/T 4754 门类或大类代码,逗号分隔;空表示不限"),
    )
    sizes = forms.MultipleChoiceField(
        label=_("适用企业规模"),
        choices=EnterpriseSize.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限"),
    )
    summary = forms.CharField(label=_("摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    clauses = forms.CharField(
        label=_("条款"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一条,如“第一条 对新落户企业给予……”"),
    )
    is_active = forms.BooleanField(label=_("有效"), required=False, initial=True)

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industries"].choices = chain_choices(district)  # type: ignore[attr-defined]
        self.fields["industries"].widget.attrs["size"] = "8"
        self.fields["sizes"].widget.attrs["class"] = "form-check-input"

    @staticmethod
    def initial_for(p: Policy) -> dict[str, Any]:
        fields = (
            "title",
            "issuer",
            "doc_number",
            "issued_on",
            "valid_from",
            "valid_until",
            "summary",
            "is_active",
        )
        return {f: getattr(p, f) for f in fields} | {
            "industries": list(p.industries.values_list("pk", flat=True)),
            "industry_codes": p.industry_codes,
            "sizes": list(p.sizes),
            "clauses": "\n".join(f"{c.number} {c.text}" for c in p.clauses.order_by("order", "pk")),
        }

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["clauses"] = parse_clauses(data.get("clauses") or "")
        return data


# --- Settings: chains, focus areas, teams, pipeline rules --------------------------------------------


class ChainForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=64)
    parent = forms.TypedChoiceField(
        label=_("所属重点产业"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("留空表示重点产业本身"),
    )
    chain_leader_name = forms.CharField(label=_("产业链长(姓名职务)"), max_length=64, required=False)
    chain_leader = forms.CharField(
        label=_("产业链长(系统用户)"), max_length=64, required=False, help_text=_("用户名或姓名,可留空")
    )
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tops = IndustryChain.objects.filter(region=district, parent__isnull=True).order_by("order", "name")
        self.fields["parent"].choices = EMPTY + [(c.pk, c.name) for c in tops]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(c: IndustryChain) -> dict[str, Any]:
        return {
            "name": c.name,
            "parent": c.parent_id,
            "chain_leader_name": c.chain_leader_name,
            "chain_leader": getattr(c.chain_leader, "username", ""),
            "order": c.order,
            "is_active": c.is_active,
        }

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class FocusAreaForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=32)
    region_codes = forms.CharField(
        label=_("包含地区代码"),
        max_length=500,
        help_text=_("省级或地市级区划代码,逗号分隔,如 440000、310000"),
    )
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, required=False)

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(a: FocusArea) -> dict[str, Any]:
        return {"name": a.name, "region_codes": ",".join(a.region_codes or []), "order": a.order}

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TeamForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=64)
    kind = forms.ChoiceField(label=_("类型"), choices=EMPTY + list(TeamKind.choices))
    township = forms.TypedChoiceField(
        label=_("所属镇街"), coerce=int, required=False, empty_value=None, help_text=_("镇街招商小分队填写")
    )
    focus_area = forms.TypedChoiceField(label=_("负责区域"), coerce=int, required=False, empty_value=None)
    chain = forms.TypedChoiceField(label=_("负责产业链"), coerce=int, required=False, empty_value=None)
    organization = forms.CharField(
        label=_("对应专班/单位"), max_length=128, required=False, help_text=_("单位名称、简称或代码")
    )
    leader_name = forms.CharField(label=_("组长(姓名职务)"), max_length=64, required=False)
    leader = forms.CharField(
        label=_("组长(系统用户)"), max_length=64, required=False, help_text=_("用户名或姓名,可留空")
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = EMPTY + township_choices(district)  # type: ignore[attr-defined]
        areas = FocusArea.objects.filter(region=district).order_by("order", "name")
        self.fields["focus_area"].choices = EMPTY + [(a.pk, a.name) for a in areas]  # type: ignore[attr-defined]
        self.fields["chain"].choices = EMPTY + chain_choices(district)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(t: Team) -> dict[str, Any]:
        return {
            "name": t.name,
            "kind": t.kind,
            "township": t.township_id,
            "focus_area": t.focus_area_id,
            "chain": t.chain_id,
            "organization": t.organization.name if t.organization_id else "",  # type: ignore[union-attr]
            "leader_name": t.leader_name,
            "leader": getattr(t.leader, "username", ""),
            "is_active": t.is_active,
        }

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["township"] = (
            Region.objects.filter(pk=data["township"]).first() if data.get("township") else None
        )
        return data


class PipelineForm(StyledForm):
    """The overall follow-up days and signing months, then one field per stage."""

    follow_up_days = forms.IntegerField(label=_("未跟进挂牌天数"), min_value=1, max_value=365)
    not_started_months = forms.IntegerField(label=_("签约后未开工挂牌月数"), min_value=1, max_value=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for stage in libraries.FOLLOW_UP_STAGES:
            self.fields[f"days_{stage}"] = forms.IntegerField(
                label=_("%(stage)s阶段未跟进天数") % {"stage": stage_label(stage)},
                min_value=1,
                max_value=365,
                required=False,
                help_text=_("留空则用统一天数"),
            )
        for stage in OPEN_STAGES:
            self.fields[f"prob_{stage}"] = forms.DecimalField(
                label=_("%(stage)s默认签约概率") % {"stage": stage_label(stage)},
                min_value=0,
                max_value=1,
                decimal_places=3,
                required=False,
                help_text=_("0至1之间,留空则由预测自定"),
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    @staticmethod
    def initial_for(s: PipelineSettings) -> dict[str, Any]:
        data: dict[str, Any] = {
            "follow_up_days": s.follow_up_days,
            "not_started_months": s.not_started_months,
        }
        data.update({f"days_{k}": v for k, v in (s.follow_up_days_by_stage or {}).items()})
        data.update({f"prob_{k}": v for k, v in (s.default_probabilities or {}).items()})
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "follow_up_days": data["follow_up_days"],
            "not_started_months": data["not_started_months"],
            "follow_up_days_by_stage": {
                s: data[f"days_{s}"] for s in libraries.FOLLOW_UP_STAGES if data.get(f"days_{s}") is not None
            },
            "default_probabilities": {
                str(s): float(data[f"prob_{s}"]) for s in OPEN_STAGES if data.get(f"prob_{s}") is not None
            },
        }


def district_choices(user: Any) -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in libraries.visible_districts(user).order_by("code")]
