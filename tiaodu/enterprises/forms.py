from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.accounts.models import User
from tiaodu.cases.forms import township_choices
from tiaodu.cases.models import Case, CaseCategory
from tiaodu.core.forms import StyledForm
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.choices import NeedKind, OutputTier, ServiceKind
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization

GOVERNMENT_ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT, Role.TOWN, Role.SQUAD)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def appeal_categories() -> list[tuple[str, str]]:
    rows = CaseCategory.objects.filter(workflow=WORKFLOW, is_active=True).order_by("sort_order", "code")
    return [(c.code, c.name) for c in rows]


def with_current(choices: list[tuple[Any, str]], current: Any) -> list[tuple[Any, str]]:
    """Keep a saved value selectable even when it is outside the editor's own scope."""
    if current is not None and current.pk not in {pk for pk, _label in choices}:
        label = current.display_name if isinstance(current, User) else str(current)
        choices = [*choices, (current.pk, label)]
    return [("", "—"), *choices]


def _pick(model: type[Any], pk: Any) -> Any:
    return model.objects.filter(pk=pk).first() if pk else None


class EnterpriseForm(StyledForm):
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=18, min_length=18, help_text=_("18位,含校验位")
    )
    name = forms.CharField(label=_("企业名称"), max_length=128)
    township_code = forms.ChoiceField(label=_("所属镇街"))
    industry_code = forms.CharField(
        label=_("行业代码"), max_length=5, required=False, help_text=_("GB/T 4754-2017 门类字母或2至4位数字")
    )
    is_above_scale = forms.BooleanField(label=_("规上企业"), required=False)
    is_key = forms.BooleanField(label=_("重点企业"), required=False)
    output_tier = forms.ChoiceField(label=_("产值规模"), choices=OutputTier.choices, required=False)
    is_leading = forms.BooleanField(label=_("龙头企业"), required=False)
    is_shuangbai = forms.BooleanField(label=_("“双百”企业"), required=False)
    is_specialized = forms.BooleanField(label=_("专精特新"), required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    liaison_leader_id = forms.TypedChoiceField(
        label=_("联系领导"), coerce=int, required=False, empty_value=None
    )
    liaison_department_id = forms.TypedChoiceField(
        label=_("联系科室"), coerce=int, required=False, empty_value=None
    )
    squad_id = forms.TypedChoiceField(label=_("服务专班"), coerce=int, required=False, empty_value=None)
    resident_officer_id = forms.TypedChoiceField(
        label=_("驻厂服务专员"), coerce=int, required=False, empty_value=None
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, instance: Enterprise | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["township_code"].choices = township_choices(user)  # type: ignore[attr-defined]
        if instance is not None:
            self.fields["credit_code"].disabled = True
            self.fields["credit_code"].help_text = _("统一社会信用代码登记后不能修改")
        staff = (
            User.objects.restrict(user)
            .filter(is_active=True, role__in=GOVERNMENT_ROLES)
            .order_by("role", "username")
        )
        people = [(u.pk, u.display_name) for u in staff]
        orgs = Organization.objects.restrict(user).filter(is_active=True).order_by("name")
        departments = [(o.pk, o.name) for o in orgs.filter(kind__in=(OrgKind.DEPARTMENT, OrgKind.GOVERNMENT))]
        squads = [(o.pk, o.name) for o in orgs.filter(kind=OrgKind.SQUAD)]
        self.fields["liaison_leader_id"].choices = with_current(  # type: ignore[attr-defined]
            people, instance.liaison_leader if instance else None
        )
        self.fields["resident_officer_id"].choices = with_current(  # type: ignore[attr-defined]
            people, instance.resident_officer if instance else None
        )
        self.fields["liaison_department_id"].choices = with_current(  # type: ignore[attr-defined]
            departments, instance.liaison_department if instance else None
        )
        self.fields["squad_id"].choices = with_current(  # type: ignore[attr-defined]
            squads, instance.squad if instance else None
        )

    @staticmethod
    def initial_for(e: Enterprise) -> dict[str, Any]:
        return {
            "credit_code": e.credit_code,
            "name": e.name,
            "township_code": e.township.code,
            "industry_code": e.industry_code,
            "is_above_scale": e.is_above_scale,
            "is_key": e.is_key,
            "output_tier": e.output_tier,
            "is_leading": e.is_leading,
            "is_shuangbai": e.is_shuangbai,
            "is_specialized": e.is_specialized,
            "contact_name": e.contact_name,
            "contact_phone": e.contact_phone,
            "address": e.address,
            "liaison_leader_id": e.liaison_leader_id,
            "liaison_department_id": e.liaison_department_id,
            "squad_id": e.squad_id,
            "resident_officer_id": e.resident_officer_id,
            "notes": e.notes,
        }

    def service_fields(self) -> dict[str, Any]:
        """``save_enterprise`` keyword arguments (the credit code and township are passed apart)."""
        data = dict(self.cleaned_data)
        for name in ("credit_code", "township_code"):
            data.pop(name, None)
        data["liaison_leader"] = _pick(User, data.pop("liaison_leader_id"))
        data["resident_officer"] = _pick(User, data.pop("resident_officer_id"))
        data["liaison_department"] = _pick(Organization, data.pop("liaison_department_id"))
        data["squad"] = _pick(Organization, data.pop("squad_id"))
        return data


def visiting_org_choices(user: Any) -> list[tuple[int, str]]:
    kinds = (OrgKind.GOVERNMENT, OrgKind.DEPARTMENT, OrgKind.TOWN, OrgKind.SQUAD)
    orgs = Organization.objects.restrict(user).filter(kind__in=kinds, is_active=True)
    if user.organization_id:
        orgs = orgs | Organization.objects.filter(pk=user.organization_id)
    squads = Organization.objects.squads_of(user).values("pk")
    orgs = orgs | Organization.objects.filter(pk__in=squads)
    return [(o.pk, o.name) for o in orgs.distinct().order_by("kind", "name")]


class VisitForm(StyledForm):
    visited_on = forms.DateField(label=_("走访日期"), widget=DateInput())
    visiting_org_id = forms.TypedChoiceField(
        label=_("走访单位"), coerce=int, required=False, empty_value=None
    )
    visitors = forms.CharField(label=_("走访人"), max_length=255, help_text=_("多人用顿号分隔"))
    record = forms.CharField(label=_("情况记录"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visiting_org_id"].choices = [("", "—"), *visiting_org_choices(user)]  # type: ignore[attr-defined]
        self.initial.setdefault("visited_on", timezone.localdate())
        self.initial.setdefault("visiting_org_id", user.organization_id)
        self.initial.setdefault("visitors", user.display_name)


class DifficultyForm(StyledForm):
    """One difficulty raised during a visit: it becomes an appeal linked to the visit."""

    category = forms.ChoiceField(label=_("类别"), required=False)
    content = forms.CharField(
        label=_("困难或诉求"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("困难或诉求内容")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *appeal_categories()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category, content = data.get("category"), (data.get("content") or "").strip()
        if content and not category:
            self.add_error("category", _("请选择类别"))
        if category and not content:
            self.add_error("content", _("请填写困难或诉求内容"))
        return data


DifficultyFormSet = forms.formset_factory(DifficultyForm, extra=3, max_num=30, validate_max=True)


def case_choices(user: Any, enterprise: Enterprise) -> list[tuple[Any, str]]:
    cases = Case.objects.restrict(user).filter(submitter_org_id=enterprise.organization_id)
    return [
        ("", "—"),
        *((c.pk, f"{c.number} {c.title[:30]}") for c in cases.order_by("-raised_on", "-pk")[:200]),
    ]


class NeedForm(StyledForm):
    kind = forms.ChoiceField(label=_("需求类型"), choices=NeedKind.choices)
    raised_on = forms.DateField(label=_("提出日期"), widget=DateInput())
    people = forms.IntegerField(label=_("用工人数"), min_value=0, required=False)
    job_types = forms.CharField(label=_("工种"), max_length=255, required=False)
    amount_wan = forms.DecimalField(
        label=_("金额(万元)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    case_id = forms.TypedChoiceField(label=_("对应诉求"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, user: Any, enterprise: Enterprise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_id"].choices = case_choices(user, enterprise)  # type: ignore[attr-defined]
        self.initial.setdefault("raised_on", timezone.localdate())


class ServiceForm(StyledForm):
    kind = forms.ChoiceField(label=_("服务类型"), choices=ServiceKind.choices)
    served_on = forms.DateField(label=_("日期"), widget=DateInput())
    org_id = forms.TypedChoiceField(label=_("服务单位"), coerce=int, required=False, empty_value=None)
    counterpart = forms.CharField(
        label=_("合作方"), max_length=128, required=False, help_text=_("银行、配套企业等")
    )
    amount_wan = forms.DecimalField(
        label=_("金额(万元)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    quantity = forms.IntegerField(
        label=_("数量"), min_value=0, required=False, help_text=_("笔数、家次、张数、批次等")
    )
    unit = forms.CharField(label=_("单位"), max_length=8, required=False, help_text=_("如:笔、家次、张"))
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    case_id = forms.TypedChoiceField(label=_("对应诉求"), coerce=int, required=False, empty_value=None)
    policy_id = forms.TypedChoiceField(
        label=_("兑现政策"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("服务类型为“政策兑现”时选择,链接政策库(本区县现行有效的政策)"),
    )

    def __init__(self, *args: Any, user: Any, enterprise: Enterprise, **kwargs: Any) -> None:
        from tiaodu.investment.libraries import enterprise_district, policy_choices

        super().__init__(*args, **kwargs)
        self.fields["org_id"].choices = [("", "—"), *visiting_org_choices(user)]  # type: ignore[attr-defined]
        self.fields["case_id"].choices = case_choices(user, enterprise)  # type: ignore[attr-defined]
        policies = policy_choices(enterprise_district(enterprise))
        self.fields["policy_id"].choices = [("", "—"), *((p.pk, str(p)) for p in policies[:500])]  # type: ignore[attr-defined]
        self.initial.setdefault("served_on", timezone.localdate())
        self.initial.setdefault("org_id", user.organization_id)


class AppealForm(StyledForm):
    """The portal: an enterprise submits an appeal (raised today)."""

    category = forms.ChoiceField(label=_("类别"))
    title = forms.CharField(
        label=_("标题"), max_length=60, required=False, help_text=_("可留空,取内容第一行")
    )
    content = forms.CharField(
        label=_("困难或诉求内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *appeal_categories()]  # type: ignore[attr-defined]


def scoped_case(user: Any, enterprise: Enterprise, pk: int | None) -> Case | None:
    if not pk:
        return None
    return (
        Case.objects.restrict(user).filter(Q(pk=pk) & Q(submitter_org_id=enterprise.organization_id)).first()
    )
