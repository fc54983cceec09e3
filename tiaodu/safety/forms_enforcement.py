"""Enforcement documents and accidents: the list filters (shared by the pages, their exports and the
API lists) and the entry forms (they collect input; the rules are in :mod:`tiaodu.safety.enforcement`
and :mod:`tiaodu.safety.accidents`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.cases.forms import township_choices
from tiaodu.core.errors import invalid
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import StyledForm
from tiaodu.core.permissions import NOTHING, get_scoped
from tiaodu.core.resolve import Resolver, actor_district, looks_like_code
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects.forms import DateInput
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code
from tiaodu.safety.choices import AMOUNT_KINDS, SERIOUS_GRADES, AccidentGrade, DocumentKind, PenaltyKind
from tiaodu.safety.models import Inspection, Sector, Unit

# --- filters -------------------------------------------------------------------------------------


def _township_q(value: str | None, lookup: str = "township") -> Q:
    if not value:
        return Q()
    path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
    return Q(**{f"{lookup}__path__startswith": path}) if path else NOTHING


class DocumentFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="文号或当事单位名称包含")
    kind: DocumentKind | None = Field(None, description="文书种类:order、review、decision")
    penalty: PenaltyKind | None = Field(None, description="含某一处罚种类的决定书")
    township: str | None = Field(None, max_length=12, description="所属镇街区划代码")
    sector: int | None = Field(None, ge=1, le=2**62, description="行业领域编号")
    department: int | None = Field(None, ge=1, le=2**62, description="执法部门编号")
    unit: int | None = Field(None, ge=1, le=2**62, description="当事单位编号")
    issued_from: date | None = Field(None, description="文书日期起")
    issued_to: date | None = Field(None, description="文书日期止")

    def filter_q(self, value: str | None) -> Q:
        return Q(number__contains=value) | Q(unit__name__contains=value) if value else Q()

    def filter_kind(self, value: DocumentKind | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_penalty(self, value: PenaltyKind | None) -> Q:
        if not value:
            return Q()
        from tiaodu.safety.models import PenaltyItem

        return Q(pk__in=PenaltyItem.objects.filter(kind=value).values("document_id"))

    def filter_township(self, value: str | None) -> Q:
        return _township_q(value)

    def filter_sector(self, value: int | None) -> Q:
        return Q(sector_id=value) if value else Q()

    def filter_department(self, value: int | None) -> Q:
        return Q(department_id=value) if value else Q()

    def filter_unit(self, value: int | None) -> Q:
        return Q(unit_id=value) if value else Q()

    def filter_issued_from(self, value: date | None) -> Q:
        return Q(issued_on__gte=value) if value else Q()

    def filter_issued_to(self, value: date | None) -> Q:
        return Q(issued_on__lte=value) if value else Q()


class AccidentFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="单位名称或事故简况包含")
    grade: AccidentGrade | None = Field(None, description="事故等级:general、larger、major、extraordinary")
    serious: bool | None = Field(None, description="true:较大及以上事故")
    township: str | None = Field(None, max_length=12, description="所属镇街区划代码")
    sector: int | None = Field(None, ge=1, le=2**62, description="行业领域编号")
    unit: int | None = Field(None, ge=1, le=2**62, description="事故单位编号")
    occurred_from: date | None = Field(None, description="发生日期起")
    occurred_to: date | None = Field(None, description="发生日期止")

    def filter_q(self, value: str | None) -> Q:
        return Q(unit_name__contains=value) | Q(summary__contains=value) if value else Q()

    def filter_grade(self, value: AccidentGrade | None) -> Q:
        return Q(grade=value) if value else Q()

    def filter_serious(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        return Q(grade__in=SERIOUS_GRADES) if value else ~Q(grade__in=SERIOUS_GRADES)

    def filter_township(self, value: str | None) -> Q:
        return _township_q(value)

    def filter_sector(self, value: int | None) -> Q:
        return Q(sector_id=value) if value else Q()

    def filter_unit(self, value: int | None) -> Q:
        return Q(unit_id=value) if value else Q()

    def filter_occurred_from(self, value: date | None) -> Q:
        return Q(occurred_on__gte=value) if value else Q()

    def filter_occurred_to(self, value: date | None) -> Q:
        return Q(occurred_on__lte=value) if value else Q()


# --- choices --------------------------------------------------------------------------------------


def _blank(choices: Any) -> list[tuple[Any, Any]]:
    return [("", "—"), *choices]


def sector_choices(user: Any) -> list[tuple[int, str]]:
    """The sectors of the user's district that the user may see."""
    sectors = Sector.objects.restrict(user).filter(region=actor_district(user), is_active=True)
    return [(s.pk, s.name) for s in sectors.order_by("order", "pk")]


def department_choices(user: Any) -> list[tuple[int, str]]:
    """The departments of the user's district (执法部门)."""
    district = actor_district(user)
    if district is None:
        return []
    orgs = Organization.objects.filter(
        region__path__startswith=district.path, kind=OrgKind.DEPARTMENT, is_active=True
    ).order_by("name")
    return [(o.pk, o.short_name or o.name) for o in orgs]


def find_unit_for(user: Any, ref: str, township_code: str = "", field: str = "unit") -> Unit:
    """A unit the user may see, named by 统一社会信用代码 or by name (within the township when
    given) in the user's district; ``unit_unknown`` otherwise."""
    from tiaodu.safety.units import find_unit

    ref = (ref or "").strip()
    district = actor_district(user)
    township = Resolver(user).township(township_code) if township_code else None
    found = None
    if ref and district is not None:
        code = ref if looks_like_code(ref) else ""
        found = find_unit(district, credit_code=code, name="" if code else ref, township=township)
    if found is None or not Unit.objects.restrict(user).filter(pk=found.pk).exists():
        raise invalid(field, "unit_unknown", f"单位“{ref}”未登记或不在您的管辖范围内(可填写统一社会信用代码)")
    return found


# --- documents ------------------------------------------------------------------------------------


class DocumentCorrectionForm(StyledForm):
    """The parts of a document that may be corrected (its kind, unit and department stay), and the
    penalty check boxes with their amounts."""

    number = forms.CharField(
        label=_("文号"), max_length=64, help_text=_("如“(潼)应急罚〔2022〕12号”,本区县内唯一")
    )
    issued_on = forms.DateField(label=_("文书日期"), widget=DateInput())
    penalties = forms.MultipleChoiceField(
        label=_("处罚种类"),
        choices=PenaltyKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("仅行政处罚决定书填写,可多选"),
    )
    fine_amount = forms.DecimalField(label=_("罚款金额(元)"), max_digits=14, decimal_places=2, required=False)
    confiscation_amount = forms.DecimalField(
        label=_("没收违法所得(元)"), max_digits=14, decimal_places=2, required=False
    )
    content = forms.CharField(label=_("主要内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    AMOUNT_FIELDS = {PenaltyKind.FINE: "fine_amount", PenaltyKind.CONFISCATION: "confiscation_amount"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Bootstrap's form-control does not suit a list of check boxes.
        self.fields["penalties"].widget.attrs["class"] = "form-check-input me-1"

    @classmethod
    def initial_for(cls, document: Any) -> dict[str, Any]:
        items = list(document.penalties.all())
        initial: dict[str, Any] = {
            "number": document.number,
            "issued_on": document.issued_on,
            "content": document.content,
            "penalties": [p.kind for p in items],
        }
        for item in items:
            if item.kind in cls.AMOUNT_FIELDS:
                initial[cls.AMOUNT_FIELDS[item.kind]] = item.amount
        return initial

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        checked = self.cleaned_data.get("penalties") or []
        for kind, name in self.AMOUNT_FIELDS.items():
            if self.cleaned_data.get(name) is not None and kind not in checked:
                label = PenaltyKind(kind).label
                self.add_error(name, _("未勾选“%(kind)s”,不应填写金额") % {"kind": label})
        return cleaned

    def penalty_pairs(self) -> list[tuple[str, Decimal | None]]:
        """The checked kinds, 罚款 / 没收违法所得 with their amounts."""
        data = self.cleaned_data
        return [
            (kind, data.get(self.AMOUNT_FIELDS[kind]) if kind in AMOUNT_KINDS else None)
            for kind in data.get("penalties") or []
        ]

    def correction_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``enforcement.update_document``."""
        data = self.cleaned_data
        return {
            "number": data["number"],
            "issued_on": data["issued_on"],
            "content": data.get("content") or "",
            "penalties": self.penalty_pairs(),
        }


class DocumentForm(DocumentCorrectionForm):
    kind = forms.ChoiceField(label=_("文书种类"), choices=DocumentKind.choices, initial=DocumentKind.DECISION)
    unit_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit = forms.CharField(
        label=_("当事单位"), max_length=128, required=False, help_text=_("统一社会信用代码或单位名称")
    )
    township_code = forms.ChoiceField(
        label=_("所属镇街"), required=False, help_text=_("按名称查找单位时选择")
    )
    department_id = forms.TypedChoiceField(label=_("执法部门"), coerce=int, empty_value=None)
    inspection = forms.CharField(label=_("检查编号"), max_length=32, required=False, help_text=_("可选"))

    field_order = [
        "kind",
        "number",
        "unit_id",
        "unit",
        "township_code",
        "department_id",
        "issued_on",
        "inspection",
        "penalties",
        "fine_amount",
        "confiscation_amount",
        "content",
    ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["township_code"].choices = _blank(township_choices(user))  # type: ignore[attr-defined]
        self.fields["department_id"].choices = _blank(department_choices(user))  # type: ignore[attr-defined]
        if user.organization_id and not self.initial.get("department_id"):
            self.initial["department_id"] = user.organization_id

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``enforcement.create_document`` (units, departments and the
        inspection looked up through the user's scope; ServiceError for unknown ones)."""
        data = self.cleaned_data
        user = self.user
        if data.get("unit_id"):
            unit = get_scoped(Unit, user, "view", pk=data["unit_id"])
        else:
            unit = find_unit_for(user, data.get("unit") or "", data.get("township_code") or "")
        department = None
        if data.get("department_id"):
            department = Organization.objects.filter(pk=data["department_id"]).first()
        inspection = None
        if data.get("inspection"):
            inspection = (
                Inspection.objects.restrict(user)
                .filter(district=unit.district, number=data["inspection"])
                .first()
            )
            if inspection is None:
                raise invalid("inspection", "inspection_unknown", f"检查编号“{data['inspection']}”不存在")
        return {
            "kind": data["kind"],
            "number": data["number"],
            "unit": unit,
            "department": department,
            "issued_on": data["issued_on"],
            "inspection": inspection,
            "content": data.get("content") or "",
            "penalties": self.penalty_pairs(),
        }


# --- accidents -----------------------------------------------------------------------------------


class AccidentForm(StyledForm):
    occurred_on = forms.DateField(label=_("发生日期"), widget=DateInput())
    township_code = forms.ChoiceField(label=_("所属镇街"))
    unit = forms.CharField(
        label=_("登记单位"),
        max_length=128,
        required=False,
        help_text=_("已登记的生产经营单位:统一社会信用代码或单位名称;未登记的留空"),
    )
    unit_name = forms.CharField(
        label=_("单位名称"), max_length=128, required=False, help_text=_("未登记单位填写;登记单位默认其名称")
    )
    sector_id = forms.TypedChoiceField(
        label=_("行业领域"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("登记单位默认其行业领域"),
    )
    deaths = forms.IntegerField(label=_("死亡人数"), initial=0)
    serious_injuries = forms.IntegerField(label=_("重伤人数"), initial=0, help_text=_("含急性工业中毒"))
    direct_loss = forms.DecimalField(
        label=_("直接经济损失(万元)"), max_digits=12, decimal_places=2, initial=0
    )
    summary = forms.CharField(label=_("事故简况"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["township_code"].choices = _blank(township_choices(user))  # type: ignore[attr-defined]
        self.fields["sector_id"].choices = _blank(sector_choices(user))  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(accident: Any) -> dict[str, Any]:
        """The form's values of a registered accident (to correct it)."""
        unit = accident.unit
        return {
            "occurred_on": accident.occurred_on,
            "township_code": accident.township.code,
            "unit": (unit.credit_code or unit.name) if unit is not None else "",
            "unit_name": accident.unit_name,
            "sector_id": accident.sector_id,
            "deaths": accident.deaths,
            "serious_injuries": accident.serious_injuries,
            "direct_loss": accident.direct_loss,
            "summary": accident.summary,
        }

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``accidents.record_accident`` (the grade is computed there)."""
        data = self.cleaned_data
        user = self.user
        township = Resolver(user).township(data["township_code"])
        values: dict[str, Any] = {
            "occurred_on": data["occurred_on"],
            "township": township,
            "deaths": data["deaths"],
            "serious_injuries": data["serious_injuries"],
            "direct_loss": data["direct_loss"],
            "summary": data.get("summary") or "",
        }
        if data.get("unit"):
            values["unit"] = find_unit_for(user, data["unit"], data["township_code"])
        if data.get("unit_name"):
            values["unit_name"] = data["unit_name"]
        if data.get("sector_id"):
            sector = Sector.objects.restrict(user).filter(pk=data["sector_id"]).first()
            if sector is None:
                raise invalid("sector", "sector_unknown", "行业领域不存在")
            values["sector"] = sector
        return values
