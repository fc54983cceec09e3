from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.accounts.models import User
from tiaodu.cases.forms import township_choices
from tiaodu.core.forms import StyledForm, VersionedEditForm
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects import services
from tiaodu.projects.choices import (
    BondField,
    Funding,
    MilestoneKind,
    ProjectCategory,
    ProjectKind,
    ProjectLevel,
    Stage,
)
from tiaodu.projects.models import Project

GOVERNMENT_ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT, Role.TOWN, Role.SQUAD)
LINKS = ("owner", "responsible_unit", "leader", "squad")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def with_current(choices: list[tuple[Any, str]], current: Any) -> list[tuple[Any, str]]:
    """Keep a saved value selectable even when it is outside the editor's own scope."""
    if current is not None and current.pk not in {pk for pk, _label in choices}:
        label = current.display_name if isinstance(current, User) else str(current)
        choices = [*choices, (current.pk, label)]
    return [("", "—"), *choices]


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, required=False, initial=0)


class ProjectForm(VersionedEditForm):
    name = forms.CharField(label=_("项目名称"), max_length=128)
    code = forms.CharField(label=_("项目代码"), max_length=64, required=False)
    level = forms.ChoiceField(
        label=_("项目级别"), choices=ProjectLevel.choices, initial=ProjectLevel.DISTRICT
    )
    kind = forms.ChoiceField(label=_("项目类型"), choices=ProjectKind.choices)
    category = forms.ChoiceField(label=_("项目类别"), choices=ProjectCategory.choices)
    industry_code = forms.CharField(label=_("行业代码"), max_length=5, required=False)
    township_code = forms.ChoiceField(label=_("所属镇街"))
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=8, decimal_places=6, required=False)
    owner_id = forms.TypedChoiceField(label=_("业主单位"), coerce=int, required=False, empty_value=None)
    responsible_unit_id = forms.TypedChoiceField(
        label=_("责任单位"), coerce=int, required=False, empty_value=None
    )
    leader_id = forms.TypedChoiceField(label=_("包保领导"), coerce=int, required=False, empty_value=None)
    squad_id = forms.TypedChoiceField(label=_("服务专班"), coerce=int, required=False, empty_value=None)
    total_investment = _money(_("总投资(万元)"))
    annual_plan = _money(_("年度计划投资(万元)"))
    investment_completed = _money(_("累计完成投资(万元)"))
    funding = forms.ChoiceField(label=_("资金来源"), choices=Funding.choices, initial=Funding.SOCIAL)
    bond_field = forms.ChoiceField(label=_("专项债领域"), choices=BondField.choices, required=False)
    is_intelligent_upgrade = forms.BooleanField(label=_("智能化改造"), required=False)
    stage = forms.ChoiceField(
        label=_("阶段"),
        choices=[(s.value, s.label) for s in Stage if s != Stage.SUSPENDED],
        help_text=_("登记时的阶段;之后通过“变更阶段”流转"),
    )
    planned_start = forms.DateField(label=_("计划开工日期"), required=False, widget=DateInput())
    planned_completion = forms.DateField(label=_("计划竣工日期"), required=False, widget=DateInput())
    outline = forms.CharField(
        label=_("项目范围"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("GeoJSON 面要素,可留空"),
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, instance: Project | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["township_code"].choices = township_choices(user)  # type: ignore[attr-defined]
        if instance is not None:
            del self.fields["stage"]
        staff = (
            User.objects.restrict(user)
            .filter(is_active=True, role__in=GOVERNMENT_ROLES)
            .order_by("role", "username")
        )
        orgs = Organization.objects.restrict(user).filter(is_active=True).order_by("name")
        choices = {
            "leader": [(u.pk, u.display_name) for u in staff],
            "owner": [(o.pk, o.name) for o in orgs.filter(kind=OrgKind.OWNER)],
            "responsible_unit": [
                (o.pk, o.name)
                for o in orgs.filter(kind__in=(OrgKind.DEPARTMENT, OrgKind.GOVERNMENT, OrgKind.TOWN))
            ],
            "squad": [(o.pk, o.name) for o in orgs.filter(kind=OrgKind.SQUAD)],
        }
        for link in LINKS:
            current = getattr(instance, link) if instance else None
            self.fields[f"{link}_id"].choices = with_current(choices[link], current)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(p: Project) -> dict[str, Any]:
        data = {f: getattr(p, f) for f in services.FIELDS if f not in ("township", "stage", *LINKS)}
        data["township_code"] = p.township.code
        for link in LINKS:
            data[f"{link}_id"] = getattr(p, f"{link}_id")
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["township"] = data.pop("township_code")
        for link in LINKS:
            pk = data.pop(f"{link}_id")
            model = User if link == "leader" else Organization
            data[link] = model.objects.filter(pk=pk).first() if pk else None
        if self.instance is not None:
            data["version"] = self.expected_version
        return data


class StageForm(StyledForm):
    to = forms.ChoiceField(label=_("新阶段"))
    on = forms.DateField(label=_("日期"), widget=DateInput())
    note = forms.CharField(label=_("说明"), max_length=255, required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Stage.choices)
        self.fields["to"].choices = [(s, labels[Stage(s)]) for s in services.allowed_targets(project)]  # type: ignore[attr-defined]


class ScheduleForm(StyledForm):
    target_kind = forms.ChoiceField(
        label=_("目标节点"), choices=MilestoneKind.choices, initial=MilestoneKind.START
    )
    target_date = forms.DateField(label=_("目标日期"), widget=DateInput())


class MilestoneForm(StyledForm):
    milestone = forms.IntegerField(widget=forms.HiddenInput())
    actual_on = forms.DateField(label=_("实际完成日期"), required=False, widget=DateInput())
