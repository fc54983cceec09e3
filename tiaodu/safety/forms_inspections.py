"""Inspection and hazard forms and list filters (lane screens).

- :class:`SafetyInspectionFilter` / :class:`SafetyHazardFilter`: the list filters the HTML lists, their
  exports and the API share.
- :class:`InspectionForm` with one checklist field per item of the unit's sector, and the
  :data:`HazardFormSet` of the hazards found: the mobile inspection form (and 企业自查).
- :class:`HazardPlanForm` (治理方案), :class:`PhotoForm`, :class:`StepForm`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.cases.choices import Card
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import StyledForm
from tiaodu.core.permissions import NOTHING
from tiaodu.core.resolve import actor_district
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code
from tiaodu.safety.choices import HazardGrade, HazardState, InspectionKind, PhotoStage, RectifyMode
from tiaodu.safety.models import Campaign, ChecklistItem, Inspector, JointTeam, Sector, Unit

# Results of one checklist line (Inspection.checklist's "result").
RESULT_OK, RESULT_HAZARD, RESULT_NA = "ok", "hazard", "na"
RESULT_CHOICES = [(RESULT_OK, _("合格")), (RESULT_HAZARD, _("有隐患")), (RESULT_NA, _("不适用"))]
ITEM_PREFIX = "item-"
INSPECTING_KINDS = (OrgKind.DEPARTMENT, OrgKind.TOWN, OrgKind.GOVERNMENT)
IMAGE_ACCEPT = "image/*"


# --- list filters (HTML lists, exports and API) -------------------------------------------------


def _township_q(lookup: str, value: str | None) -> Q:
    if not value:
        return Q()
    path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
    return Q(**{f"{lookup}__path__startswith": path}) if path else NOTHING


class SafetyInspectionFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="检查编号或单位名称包含")
    kind: InspectionKind | None = Field(None, description="检查类型")
    sector: int | None = Field(None, ge=1, le=2**62, description="行业领域编号")
    township: str | None = Field(None, max_length=12, description="区划代码:该地区及其下级的检查")
    department: int | None = Field(None, ge=1, le=2**62, description="检查部门(机构编号)")
    campaign: int | None = Field(None, ge=1, le=2**62, description="专项行动编号")
    unit: int | None = Field(None, ge=1, le=2**62, description="单位编号")
    date_from: date | None = Field(None, description="检查日期起(含)")
    date_to: date | None = Field(None, description="检查日期止(含)")

    def filter_q(self, value: str | None) -> Q:
        return Q(number__contains=value) | Q(unit__name__contains=value) if value else Q()

    def filter_kind(self, value: InspectionKind | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_sector(self, value: int | None) -> Q:
        return Q(sector_id=value) if value else Q()

    def filter_township(self, value: str | None) -> Q:
        return _township_q("township", value)

    def filter_department(self, value: int | None) -> Q:
        return Q(department_id=value) if value else Q()

    def filter_campaign(self, value: int | None) -> Q:
        return Q(campaign_id=value) if value else Q()

    def filter_unit(self, value: int | None) -> Q:
        return Q(unit_id=value) if value else Q()

    def filter_date_from(self, value: date | None) -> Q:
        return Q(inspected_on__gte=value) if value else Q()

    def filter_date_to(self, value: date | None) -> Q:
        return Q(inspected_on__lte=value) if value else Q()


class SafetyHazardFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="隐患描述或单位名称包含")
    state: HazardState | None = Field(None, description="状态:pending、rectifying、awaiting、accepted")
    grade: HazardGrade | None = Field(None, description="隐患等级")
    mode: RectifyMode | None = Field(None, description="整改方式")
    sector: int | None = Field(None, ge=1, le=2**62, description="行业领域编号")
    township: str | None = Field(None, max_length=12, description="区划代码:该地区及其下级的隐患")
    department: int | None = Field(None, ge=1, le=2**62, description="检查部门(机构编号)")
    unit: int | None = Field(None, ge=1, le=2**62, description="单位编号")
    inspection: int | None = Field(None, ge=1, le=2**62, description="检查记录编号")
    is_open: bool | None = Field(None, description="是否未销号")
    overdue: bool | None = Field(None, description="是否已超过期限且未销号")
    card: str | None = Field(None, max_length=8, description="督办牌:red、yellow,或 any(红黄牌)")
    supervised: bool | None = Field(None, description="是否挂牌督办")
    found_from: date | None = Field(None, description="发现日期起(含)")
    found_to: date | None = Field(None, description="发现日期止(含)")

    def filter_q(self, value: str | None) -> Q:
        return Q(description__contains=value) | Q(unit__name__contains=value) if value else Q()

    def filter_state(self, value: HazardState | None) -> Q:
        return Q(case__state=value) if value else Q()

    def filter_grade(self, value: HazardGrade | None) -> Q:
        return Q(grade=value) if value else Q()

    def filter_mode(self, value: RectifyMode | None) -> Q:
        return Q(mode=value) if value else Q()

    def filter_sector(self, value: int | None) -> Q:
        return Q(sector_id=value) if value else Q()

    def filter_township(self, value: str | None) -> Q:
        return _township_q("township", value)

    def filter_department(self, value: int | None) -> Q:
        return Q(department_id=value) if value else Q()

    def filter_unit(self, value: int | None) -> Q:
        return Q(unit_id=value) if value else Q()

    def filter_inspection(self, value: int | None) -> Q:
        return Q(inspection_id=value) if value else Q()

    def filter_is_open(self, value: bool | None) -> Q:
        return Q() if value is None else Q(case__is_open=value)

    def filter_overdue(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        late = Q(case__is_open=True, case__due_on__lt=timezone.localdate())
        return late if value else ~late

    def filter_card(self, value: str | None) -> Q:
        if not value:
            return Q()
        if value == "any":
            return Q(case__card__in=[Card.RED, Card.YELLOW])
        return Q(case__card=value) if value in (Card.RED, Card.YELLOW) else NOTHING

    def filter_supervised(self, value: bool | None) -> Q:
        return Q() if value is None else Q(is_supervised=value)

    def filter_found_from(self, value: date | None) -> Q:
        return Q(found_on__gte=value) if value else Q()

    def filter_found_to(self, value: date | None) -> Q:
        return Q(found_on__lte=value) if value else Q()


# --- choices within the user's district --------------------------------------------------------


def district_sectors(user: Any) -> QuerySet[Sector]:
    """The active sectors of the user's district (administrators: every district's)."""
    sectors = Sector.objects.restrict(user).filter(is_active=True).select_related("region")
    district = actor_district(user)
    if district is not None and user.role != "admin" and not user.is_superuser:
        sectors = sectors.filter(region=district)
    return sectors.order_by("region", "order", "pk")


def inspecting_orgs(user: Any, district: Region) -> QuerySet[Organization]:
    """Departments, towns and the government of ``district`` that the user can see."""
    return (
        Organization.objects.restrict(user)
        .filter(kind__in=INSPECTING_KINDS, is_active=True, region__path__startswith=district.path)
        .order_by("kind", "name")
    )


def units_for(user: Any, query: str = "", *, limit: int = 20) -> list[Unit]:
    """Active units the user may see, matched by name or credit code (the form's unit search)."""
    units = Unit.objects.restrict(user).filter(is_active=True).select_related("township", "sector")
    query = query.strip()
    if query:
        units = units.filter(Q(name__contains=query) | Q(credit_code__startswith=query.upper()))
    return list(units.order_by("name", "pk")[:limit])


# --- the inspection form ------------------------------------------------------------------------


class InspectionForm(StyledForm):
    """One inspection of ``unit`` (chosen beforehand, so the checklist is its sector's).

    Enterprise users file 企业自查 only (``self_inspection``): no type, department or inspectors."""

    inspected_on = forms.DateField(
        label=_("检查日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label=_("检查类型"), choices=[])
    department = forms.TypedChoiceField(label=_("检查部门"), coerce=int, choices=[])
    campaign = forms.TypedChoiceField(label=_("专项行动"), coerce=int, required=False, empty_value=None)
    team = forms.TypedChoiceField(label=_("联合检查组"), coerce=int, required=False, empty_value=None)
    inspectors = forms.TypedMultipleChoiceField(
        label=_("执法人员"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    findings = forms.CharField(
        label=_("检查情况"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    plan_visit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    longitude = forms.DecimalField(
        max_digits=10, decimal_places=6, required=False, widget=forms.HiddenInput(attrs={"data-geo": "lon"})
    )
    latitude = forms.DecimalField(
        max_digits=10, decimal_places=6, required=False, widget=forms.HiddenInput(attrs={"data-geo": "lat"})
    )

    def __init__(
        self, *args: Any, user: Any, unit: Unit, self_inspection: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.unit, self.self_inspection = user, unit, self_inspection
        self.initial.setdefault("inspected_on", timezone.localdate())
        district = unit.district
        if self_inspection:
            for name in ("kind", "department", "campaign", "team", "inspectors"):
                del self.fields[name]
        else:
            kinds = [(k, lbl) for k, lbl in InspectionKind.choices if k != InspectionKind.SELF]
            self.choice("kind").choices = kinds
            self.initial.setdefault("kind", InspectionKind.ENFORCEMENT)
            orgs = [(o.pk, o.name) for o in inspecting_orgs(user, district)]
            self.choice("department").choices = [("", "—"), *orgs]
            self.initial.setdefault("department", user.organization_id)
            campaigns = Campaign.objects.restrict(user).filter(region=district).order_by("-starts_on", "pk")
            self.choice("campaign").choices = [("", _("无")), *((c.pk, c.name) for c in campaigns)]
            teams = JointTeam.objects.restrict(user).filter(region=district, is_active=True)
            self.choice("team").choices = [("", _("无")), *((t.pk, t.name) for t in teams.order_by("name"))]
            inspectors = Inspector.objects.restrict(user).filter(region=district, is_active=True)
            if user.organization_id and inspectors.filter(organization_id=user.organization_id).exists():
                inspectors = inspectors.filter(organization_id=user.organization_id)
            inspectors = inspectors.order_by("name", "pk")
            self.choice("inspectors").choices = [(i.pk, i.name) for i in inspectors]
            if not self.choice("inspectors").choices:
                del self.fields["inspectors"]
            else:
                self.fields["inspectors"].widget.attrs["class"] = "form-check-input"
                # The user's own 执法证 holder record is ticked.
                self.initial.setdefault("inspectors", [i.pk for i in inspectors if i.user_id == user.pk])
        self.items = list(
            ChecklistItem.objects.filter(sector_id=unit.sector_id, is_active=True).order_by("order", "pk")
        )
        for item in self.items:
            self.fields[f"{ITEM_PREFIX}{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=RESULT_CHOICES,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input", "data-item": item.pk}),
            )

    def choice(self, name: str) -> forms.ChoiceField:
        return cast("forms.ChoiceField", self.fields[name])

    def checklist_fields(self) -> list[tuple[ChecklistItem, Any]]:
        return [(item, self[f"{ITEM_PREFIX}{item.pk}"]) for item in self.items]

    def general_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if not f.name.startswith(ITEM_PREFIX)]

    def checklist(self, hazard_items: set[Any]) -> list[dict[str, Any]]:
        """The checklist as gone through; an item a hazard was recorded against is ``hazard``."""
        rows = []
        for item in self.items:
            result = self.cleaned_data.get(f"{ITEM_PREFIX}{item.pk}") or ""
            if item.pk in hazard_items:
                result = RESULT_HAZARD
            if result:
                rows.append({"item": item.pk, "result": result})
        return rows

    def clean_inspected_on(self) -> date:
        value: date = self.cleaned_data["inspected_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("检查日期不能晚于今天"))
        return value

    def related(self) -> dict[str, Any]:
        """The chosen department, campaign, team and inspectors, looked up through the user's scope."""
        data = self.cleaned_data
        if self.self_inspection:
            return {"department": self.user.organization, "plan_visit": data.get("plan_visit")}
        district = self.unit.district
        found: dict[str, Any] = {
            "department": inspecting_orgs(self.user, district).filter(pk=data["department"]).first(),
            "campaign": Campaign.objects.restrict(self.user).filter(pk=data.get("campaign") or 0).first(),
            "team": JointTeam.objects.restrict(self.user).filter(pk=data.get("team") or 0).first(),
            # A 双随机 task (the plan's page links here with ?visit=): the service checks it is the unit's.
            "plan_visit": data.get("plan_visit"),
        }
        if "inspectors" in self.fields:
            found["inspectors"] = list(
                Inspector.objects.restrict(self.user).filter(pk__in=data.get("inspectors") or [])
            )
        return found


class HazardForm(StyledForm):
    """One hazard found in the inspection (a block of the mobile form)."""

    description = forms.CharField(
        label=_("隐患描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    checklist_item = forms.TypedChoiceField(
        label=_("对应检查项"), coerce=int, required=False, empty_value=None, choices=[]
    )
    grade = forms.ChoiceField(
        label=_("隐患等级"),
        required=False,
        choices=[("", _("按检查项自动判定")), *HazardGrade.choices],
        widget=forms.Select(attrs={"data-grade": "1"}),
    )
    major_reason = forms.CharField(
        label=_("认定重大隐患的理由"), required=False, max_length=255, help_text=_("自行认定为重大隐患时必填")
    )
    mode = forms.ChoiceField(label=_("整改方式"), choices=RectifyMode.choices, initial=RectifyMode.DEADLINE)
    deadline = forms.DateField(
        label=_("整改期限"),
        required=False,
        help_text=_("不填按默认工作日期限"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    responsible_person = forms.CharField(label=_("整改责任人"), required=False, max_length=32)
    photo = forms.FileField(
        label=_("隐患照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT, "capture": "environment"}),
    )

    def __init__(self, *args: Any, items: list[ChecklistItem] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        cast("forms.ChoiceField", self.fields["checklist_item"]).choices = [
            ("", "—"),
            *((i.pk, f"{i.code} {i.text}{' ★' if i.is_major_criterion else ''}") for i in items),
        ]
        self.fields["checklist_item"].widget.attrs["data-hazard-item"] = "1"


class BaseHazardFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, items: list[ChecklistItem] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        self.items = list(items)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"items": self.items}


HazardFormSet: Any = forms.formset_factory(
    HazardForm, formset=BaseHazardFormSet, extra=1, max_num=50, absolute_max=50, validate_max=True
)
HAZARD_PREFIX = "hazard"


# --- hazard detail forms ------------------------------------------------------------------------


class HazardPlanForm(StyledForm):
    """治理方案 of a 重大隐患 (目标, 措施, 经费, 人员, 时限, 应急预案)."""

    goal = forms.CharField(
        label=_("治理目标和任务"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    measures = forms.CharField(
        label=_("采取的方法和措施"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    funds = forms.DecimalField(label=_("经费(万元)"), min_value=0, max_digits=12, decimal_places=2)
    personnel = forms.CharField(label=_("负责治理的机构和人员"), max_length=255)
    due_on = forms.DateField(
        label=_("治理时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    emergency_plan = forms.CharField(
        label=_("安全措施和应急预案"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIELDS = ("goal", "measures", "funds", "personnel", "due_on", "emergency_plan")


class PhotoForm(StyledForm):
    photo = forms.FileField(
        label=_("照片"),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT, "capture": "environment"}),
    )
    stage = forms.ChoiceField(label=_("阶段"), choices=PhotoStage.choices, initial=PhotoStage.BEFORE)


class StepForm(StyledForm):
    """One workflow action on a hazard; 提请验收 may carry the after-rectification photo."""

    note = forms.CharField(
        label=_("说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(
        label=_("整改后照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT, "capture": "environment"}),
    )

    NOTE_LABELS = {
        "start": _("整改说明"),
        "submit": _("整改情况"),
        "accept": _("验收意见"),
        "reject": _("验收不通过的理由"),
    }

    def __init__(self, *args: Any, action: str, needs_note: bool, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        note = self.fields["note"]
        note.label = self.NOTE_LABELS.get(action, _("说明"))
        note.required = needs_note
        note.error_messages["required"] = gettext("请填写%(label)s") % {"label": note.label}
        if action != "submit":
            del self.fields["photo"]
