"""Pages of the units and the reference data: the unit list, 登记/编辑, the unit profile (its
inspections, hazards, penalties and accidents), the units' map (coloured by risk, ringed when they
have hazards not yet accepted), the sectors with their checklists, and the district's settings.

Every list, profile section and map row starts from ``Model.objects.restrict(user)``; writes go
through :mod:`tiaodu.safety.units` and :mod:`tiaodu.safety.reference`.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import orjson
from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.gzip import gzip_page
from pydantic import ValidationError as PydanticValidationError

from tiaodu.core.errors import Forbidden, ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.resolve import actor_district
from tiaodu.core.views import (
    Column,
    EditView,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    filter_error_text,
    redirect_with_message,
)
from tiaodu.projects.views_map import render_map_page
from tiaodu.regions.boundaries import outline
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.safety import reference, units
from tiaodu.safety.choices import (
    RISK_COLOUR_LABELS,
    RISK_COLOURS,
    TWO_LISTS_TWO_CARDS,
    DocumentKind,
    HazardGrade,
    RiskLevel,
    UnitType,
)
from tiaodu.safety.forms_units import (
    ChecklistItemForm,
    SectorForm,
    SettingsForm,
    UnitFilter,
    UnitForm,
    open_hazards,
    sector_choices,
    township_choices,
)
from tiaodu.safety.models import (
    Accident,
    ChecklistItem,
    EnforcementDocument,
    Hazard,
    Inspection,
    SafetySettings,
    Sector,
    Unit,
)

PROFILE_ROWS = 50  # rows of each section of the unit profile (the counts are of all)
_ID = 987654321


def page_district(request: HttpRequest) -> Region:
    """The district a page is about: ``?district=CODE`` (a county), else the user's own."""
    code = request.GET.get("district") or request.POST.get("district") or ""
    if code:
        found = Region.objects.filter(code=code, level=Level.COUNTY).first()
        if found is not None:
            return found
    district = actor_district(request.user)
    if district is None:
        district = Region.objects.get(code=settings.HOME_REGION_CODE)
    return reference.district_of(district)


def url_of(obj: Any) -> str:
    """The object's page, or "" while its page is not there (another module's URL)."""
    try:
        return str(obj.get_absolute_url())
    except NoReverseMatch:
        return ""


def district_choices(user: Any) -> list[tuple[str, str]]:
    """The districts whose sectors the user sees (the districts set up for work safety)."""
    ids = Sector.objects.restrict(user).order_by().values("region_id").distinct()
    return [(r.code, r.name) for r in Region.objects.filter(pk__in=ids).order_by("code")]


def risk_badge(level: str) -> str:
    colour = RISK_COLOURS.get(level, "blue")  # type: ignore[call-overload]
    return f"{RISK_COLOUR_LABELS[colour]} · {dict(RiskLevel.choices).get(level, level)}"


def _cards(unit: Unit) -> str:
    done = unit.two_lists_two_cards_done
    return _("齐全") if done == 4 else _("%(n)d/4") % {"n": done}


# --- the list ---------------------------------------------------------------------------------------


class UnitListView(ObjectListView):
    model = Unit
    filterset = UnitFilter
    title = gettext_lazy("生产经营单位")
    export_name = "safety-units"
    template_name = "safety/units/list.html"
    columns = [
        Column(gettext_lazy("单位名称"), "name"),
        Column(gettext_lazy("统一社会信用代码"), "credit_code"),
        Column(gettext_lazy("所属镇街"), "township.name"),
        Column(gettext_lazy("行业领域"), "sector.name"),
        Column(gettext_lazy("单位类型"), "unit_type"),
        Column(gettext_lazy("风险等级"), lambda u: risk_badge(u.risk_level), sort="risk_level"),
        Column(gettext_lazy("两单两卡"), _cards, sort=False),
        Column(gettext_lazy("在营"), "is_active"),
    ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("safety:unit-create")

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        district = page_district(self.request)
        fields: list[tuple[str, Any, Any]] = []
        districts = district_choices(self.request.user)
        if len(districts) > 1:  # users who see several districts (administrators) choose one
            fields.append(("district", gettext_lazy("区县"), [("", gettext_lazy("全部区县")), *districts]))
        return [
            *fields,
            ("q", gettext_lazy("单位名称或信用代码"), None),
            ("sector", gettext_lazy("行业领域"), [("", gettext_lazy("全部行业")), *sector_choices(district)]),
            ("unit_type", gettext_lazy("单位类型"), [("", gettext_lazy("全部类型")), *UnitType.choices]),
            (
                "risk_level",
                gettext_lazy("风险等级"),
                [("", gettext_lazy("全部风险等级")), *RiskLevel.choices],
            ),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(district)]),
            (
                "cards",
                gettext_lazy("两单两卡"),
                [
                    ("", gettext_lazy("两单两卡")),
                    ("complete", gettext_lazy("四项齐全")),
                    ("incomplete", gettext_lazy("有缺项")),
                ],
            ),
            (
                "open_hazards",
                gettext_lazy("隐患"),
                [
                    ("", gettext_lazy("隐患")),
                    ("true", gettext_lazy("有未销号隐患")),
                    ("false", gettext_lazy("无未销号隐患")),
                ],
            ),
        ]

    def get_queryset(self) -> Any:
        return units.units_for(self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().get(request)


# --- add and change ---------------------------------------------------------------------------------


class UnitEditView(EditView):
    """登记 (no pk) or 编辑 a unit."""

    model = Unit

    def _district(self, request: HttpRequest, unit: Unit | None) -> Region:
        district = unit.district if unit is not None else page_district(request)
        if not Sector.objects.filter(region=district).exists():
            reference.ensure_defaults(district)  # the sectors the form offers
        return district

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        unit = self.instance(request, pk)
        district = self._district(request, unit)
        initial = UnitForm.initial_for(unit) if unit is not None else None
        return self._render(request, UnitForm(district=district, instance=unit, initial=initial), unit)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        unit = self.instance(request, pk)
        district = self._district(request, unit)
        form = UnitForm(request.POST, district=district, instance=unit)
        status = 422
        if form.is_valid():
            try:
                if unit is None:
                    saved = units.create_unit(user, **form.service_fields())
                else:
                    saved = units.update_unit(user, unit.pk, form.expected_version, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
                status = exc.status if exc.status >= 400 else 422
            else:
                text = _("已登记单位“%(name)s”") if unit is None else _("已保存单位“%(name)s”")
                return redirect_with_message(request, saved.get_absolute_url(), text % {"name": saved.name})
        return self._render(request, form, unit, status=status)

    def _render(
        self, request: HttpRequest, form: UnitForm, unit: Unit | None, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "object": unit, "title": _("编辑单位") if unit else _("登记生产经营单位")}
        return render(request, "safety/units/form.html", context, status=status)


# --- the unit profile -------------------------------------------------------------------------------


def _section(user: Any, model: type[Any], unit: Unit, related: tuple[str, ...] = ()) -> dict[str, Any]:
    """One section of the profile: the rows of ``model`` about the unit the user may see."""
    if not can(user, "view", model):
        return {"visible": False, "count": 0, "rows": []}
    qs = model.objects.restrict(user).filter(unit=unit)
    if related:
        qs = qs.select_related(*related)
    rows = list(qs[:PROFILE_ROWS])
    for row in rows:
        row.url = url_of(row)
    return {"visible": True, "count": qs.count() if len(rows) == PROFILE_ROWS else len(rows), "rows": rows}


class UnitDetailView(ScopedView):
    """The unit profile (单位档案)."""

    model = Unit

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        unit = get_scoped(Unit, user, "view", pk=pk)
        facts = [
            (_("统一社会信用代码"), unit.credit_code),
            (_("所属镇街"), unit.township.name),
            (_("行业领域"), unit.sector.name),
            (_("监管部门"), unit.sector.department.name if unit.sector.department else ""),
            (_("单位类型"), unit.get_unit_type_display()),
            (_("风险等级"), risk_badge(unit.risk_level)),
            (_("对应企业"), unit.enterprise.name if unit.enterprise else ""),
            (_("对应重点项目"), unit.project.name if unit.project else ""),
            (_("地址"), unit.address),
            (_("安全负责人"), unit.contact_name),
            (_("坐标"), f"{unit.longitude}, {unit.latitude}" if unit.longitude is not None else ""),
            (_("在营"), _("是") if unit.is_active else _("否")),
        ]
        cards = [(label, getattr(unit, name)) for name, label in TWO_LISTS_TWO_CARDS.items()]
        hazards = _section(user, Hazard, unit, ("case", "department"))
        documents = _section(user, EnforcementDocument, unit, ("department",))
        if documents["visible"]:
            for doc in documents["rows"]:
                doc.penalty_list = list(doc.penalties.all()) if doc.kind == DocumentKind.DECISION else []
        open_count = major_open = 0
        if hazards["visible"]:
            visible_open = open_hazards(user).filter(unit=unit)
            counts = visible_open.aggregate(
                n=Count("pk"), major=Count("pk", filter=Q(grade=HazardGrade.MAJOR))
            )
            open_count, major_open = counts["n"], counts["major"]
        context = {
            "object": unit,
            "title": unit.name,
            "facts": facts,
            "cards": cards,
            "risk_colour": unit.risk_colour,
            "inspections": _section(user, Inspection, unit, ("department", "campaign")),
            "hazards": hazards,
            "documents": documents,
            "accidents": _section(user, Accident, unit),
            "open_hazards": open_count,
            "major_open": major_open,
            "edit_url": reverse("safety:unit-edit", args=[unit.pk])
            if Unit.objects.restrict(user, "change").filter(pk=unit.pk).exists()
            else "",
        }
        return render(request, "safety/units/detail.html", context)


class UnitHistoryView(ObjectHistoryView):
    """变更记录 of a unit (the audit log; ``?export=xlsx``)."""

    model = Unit


# --- the map ----------------------------------------------------------------------------------------

MAP_COLUMNS = ["id", "name", "stage", "level", "township", "investment", "lon", "lat", "card"]


def map_filter_fields(district: Region) -> list[tuple[str, Any, Any]]:
    return [
        ("sector", gettext_lazy("行业领域"), [("", gettext_lazy("全部行业")), *sector_choices(district)]),
        ("risk_level", gettext_lazy("风险等级"), [("", gettext_lazy("全部风险等级")), *RiskLevel.choices]),
        ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(district)]),
        (
            "open_hazards",
            gettext_lazy("隐患"),
            [
                ("", gettext_lazy("隐患")),
                ("true", gettext_lazy("有未销号隐患")),
                ("false", gettext_lazy("无未销号隐患")),
            ],
        ),
    ]


def _json(payload: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(payload), content_type="application/json", status=status)


class UnitMapView(ScopedView):
    """The page: filters, legend and the map container (static/tiaodu/project-map.js draws it)."""

    model = Unit

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        fields = map_filter_fields(district)
        names = {name for name, _label, _choices in fields}
        context = {
            "title": _("安全生产一张图"),
            "district": district,
            "filter_fields": fields,
            "filter_values": {k: v for k, v in request.GET.items() if k in names and v != ""},
            "pins": [
                (f"risk-{RISK_COLOURS[RiskLevel(code)]}", risk_badge(code)) for code in RiskLevel.values
            ],
            "map_urls": {
                "page": "safety:map",
                "data": "safety:map-data",
                "outline": "safety:map-outline",
                "list": "safety:unit-list",
            },
        }
        return render_map_page(request, "safety/units/map.html", context)


@method_decorator(gzip_page, name="dispatch")
class UnitMapDataView(ScopedView):
    """The located units of the district after the filters, as the project map's rows: the pin's
    colour is the risk level; a red ring marks a unit with a 重大隐患 not yet accepted, a yellow
    ring one with other hazards not yet accepted (the hazards the user may see)."""

    model = Unit

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        district = page_district(request)
        params: dict[str, Any] = {
            k: v
            for k, v in request.GET.items()
            if k in UnitFilter.model_fields and v != "" and k != "district"
        }
        try:
            qs = UnitFilter(**params).filter(Unit.objects.restrict(user).filter(district=district))
        except PydanticValidationError as exc:
            errors = [filter_error_text(map_filter_fields(district), e) for e in exc.errors()]
            return _json({"code": "invalid_filter", "message": _("筛选条件有误:"), "errors": errors}, 400)
        except ServiceError as exc:
            return _json({"code": exc.code, "message": exc.message, "errors": []}, 400)
        located = qs.filter(longitude__isnull=False, latitude__isnull=False).order_by("pk")
        counts: dict[int, tuple[int, int]] = {}
        if can(user, "view", Hazard):
            visible = open_hazards(user).filter(district=district)
            for unit_id, n, major in (
                visible.order_by()
                .values("unit_id")
                .annotate(n=Count("pk"), major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)))
                .values_list("unit_id", "n", "major")
            ):
                counts[unit_id] = (n, major)
        rows = []
        for pk, name, risk, kind, town, lon, lat in located.values_list(
            "pk", "name", "risk_level", "unit_type", "township__name", "longitude", "latitude"
        ):
            n, major = counts.get(pk, (0, 0))
            ring = "red" if major else "yellow" if n else ""
            colour = RISK_COLOURS.get(risk, "blue")  # type: ignore[call-overload]
            rows.append([pk, name, f"risk-{colour}", kind, town, n, float(lon or 0), float(lat or 0), ring])
        unlocated = qs.filter(Q(longitude__isnull=True) | Q(latitude__isnull=True)).count()
        detail = reverse("safety:unit-detail", args=[_ID]).replace(str(_ID), "{id}")
        summary = (
            _("地图上%(shown)s家单位,另有%(unlocated)s家未填写坐标")
            if unlocated
            else _("地图上%(shown)s家单位")
        ) % {"shown": len(rows), "unlocated": unlocated}
        return _json(
            {
                "count": len(rows),
                "unlocated": unlocated,
                "columns": MAP_COLUMNS,
                "rows": rows,
                "stages": {f"risk-{RISK_COLOURS[RiskLevel(c)]}": risk_badge(c) for c in RiskLevel.values},
                "levels": {code: str(label) for code, label in UnitType.choices},
                "cards": {"red": _("有重大隐患未销号"), "yellow": _("有隐患未销号")},
                "detail_url": detail,
                "labels": {
                    "stage": _("风险等级"),
                    "level": _("单位类型"),
                    "township": _("所属镇街"),
                    "investment": _("未销号隐患(条)"),
                    "card": _("隐患"),
                    "open": _("查看单位档案"),
                },
                "summary": summary,
            }
        )


@method_decorator(gzip_page, name="dispatch")
class UnitMapOutlineView(ScopedView):
    """The district's official outline (GeoJSON), the map's base layer."""

    model = Unit

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        shape = outline(district.code)
        feature = {
            "type": "Feature",
            "properties": {"code": district.code, "name": district.name},
            "geometry": shape,
        }
        return _json({"type": "FeatureCollection", "features": [feature] if shape else []})


# --- sectors and checklists -------------------------------------------------------------------------


class SectorListView(ScopedView):
    """The district's sectors with their supervising departments and checklist sizes."""

    model = Sector

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        district = page_district(request)
        if not Sector.objects.filter(region=district).exists():
            reference.ensure_defaults(district)
        sectors = (
            Sector.objects.restrict(user)
            .filter(region=district)
            .select_related("department")
            .annotate(
                item_count=Count("items", filter=Q(items__is_active=True)),
                major_count=Count("items", filter=Q(items__is_active=True, items__is_major_criterion=True)),
            )
        )
        context = {
            "title": _("行业领域与检查表"),
            "district": district,
            "sectors": sectors,
            "may_add": _may_keep(user, Sector, district, "add"),
        }
        return render(request, "safety/reference/sectors.html", context)


def _may_keep(user: Any, model: type[Any], district: Region, action: Any = "change") -> bool:
    try:
        reference.ensure_keeper(user, action, model, district)
    except Forbidden:
        return False
    return True


class SectorDetailView(ScopedView):
    """One sector and its checklist, with the form that adds an item."""

    model = Sector

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, pk, ChecklistItemForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        form = ChecklistItemForm(request.POST)
        if form.is_valid():
            try:
                item = reference.save_checklist_item(user, sector_id=pk, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                url = reverse("safety:sector-detail", args=[pk])
                return redirect_with_message(request, url, _("已添加检查项“%(code)s”") % {"code": item.code})
        return self._render(request, pk, form, status=422)

    def _render(
        self, request: HttpRequest, pk: int, form: ChecklistItemForm, status: int = 200
    ) -> HttpResponse:
        user = current_user(request)
        sector = get_scoped(Sector, user, "view", pk=pk)
        items = ChecklistItem.objects.restrict(user).filter(sector=sector)
        context = {
            "title": sector.name,
            "object": sector,
            "items": items,
            "form": form,
            "may_change": _may_keep(user, Sector, sector.region),
            "may_add_item": _may_keep(user, ChecklistItem, sector.region, "add"),
        }
        return render(request, "safety/reference/sector_detail.html", context, status=status)


class _ReferenceEditView(ScopedView, abc.ABC):
    """Add or change one row of reference data through its service (a small form page)."""

    template_name: ClassVar[str] = "safety/reference/form.html"

    @abc.abstractmethod
    def form_for(self, request: HttpRequest, obj: Any, data: Any = None) -> Any:
        """The page's form for ``obj`` (None: a new row), bound to ``data`` when posted."""

    @abc.abstractmethod
    def target(self, request: HttpRequest, pk: int | None) -> tuple[Any, Region]:
        """The row to change (None to add) and its district, through the user's scope."""

    @abc.abstractmethod
    def save(self, user: Any, obj: Any, pk: int | None, values: dict[str, Any], district: Region) -> Any:
        """Write through the reference service; the saved row."""

    @abc.abstractmethod
    def back(self, obj: Any, district: Region) -> str:
        """Where the page goes after saving."""

    title_text: ClassVar[Any] = ""

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj, district = self.target(request, pk)
        return self._render(request, self.form_for(request, obj), obj, district)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        obj, district = self.target(request, pk)
        form = self.form_for(request, obj, request.POST)
        if form.is_valid():
            try:
                saved = self.save(user, obj, pk, form.service_fields(), district)
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(request, self.back(saved, district), _("已保存"))
        return self._render(request, form, obj, district, status=422)

    def _render(
        self, request: HttpRequest, form: Any, obj: Any, district: Region, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "object": obj,
            "district": district,
            "title": self.title_text,
            "back_url": self.back(obj, district) if obj is not None else reverse("safety:sector-list"),
        }
        return render(request, self.template_name, context, status=status)


class SectorEditView(_ReferenceEditView):
    model = Sector
    title_text = gettext_lazy("行业领域")

    def target(self, request: HttpRequest, pk: int | None) -> tuple[Any, Region]:
        user = current_user(request)
        if pk is None:
            district = page_district(request)
            reference.ensure_keeper(user, "add", Sector, district)
            return None, district
        sector = get_scoped(Sector, user, "change", pk=pk)
        return sector, sector.region

    def form_for(self, request: HttpRequest, obj: Any, data: Any = None) -> Any:
        district = obj.region if obj is not None else page_district(request)
        initial = SectorForm.initial_for(obj) if obj is not None and data is None else None
        return SectorForm(data, district=district, initial=initial)

    def save(self, user: Any, obj: Any, pk: int | None, values: dict[str, Any], district: Region) -> Any:
        return reference.save_sector(user, district=district if pk is None else None, pk=pk, **values)

    def back(self, obj: Any, district: Region) -> str:
        return (
            reverse("safety:sector-detail", args=[obj.pk])
            if obj is not None
            else reverse("safety:sector-list")
        )


class ChecklistItemEditView(_ReferenceEditView):
    model = ChecklistItem
    title_text = gettext_lazy("检查项")

    def target(self, request: HttpRequest, pk: int | None) -> tuple[Any, Region]:
        item = get_scoped(ChecklistItem, current_user(request), "change", pk=pk)
        return item, item.sector.region

    def form_for(self, request: HttpRequest, obj: Any, data: Any = None) -> Any:
        initial = None
        if data is None:
            initial = {name: getattr(obj, name) for name in ChecklistItemForm.base_fields}
        return ChecklistItemForm(data, initial=initial)

    def save(self, user: Any, obj: Any, pk: int | None, values: dict[str, Any], district: Region) -> Any:
        return reference.save_checklist_item(user, pk=pk, **values)

    def back(self, obj: Any, district: Region) -> str:
        return reverse("safety:sector-detail", args=[obj.sector_id])


# --- settings ---------------------------------------------------------------------------------------


class SettingsView(ScopedView):
    """The district's work-safety settings: shown to its users, kept by its departments."""

    model = SafetySettings

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        row = self._row(request, district)
        return self._render(request, SettingsForm(initial=SettingsForm.initial_for(row)), district)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        district = page_district(request)
        self._row(request, district)  # 404 outside the user's reach
        reference.ensure_keeper(user, "change", SafetySettings, district)
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                reference.update_settings(user, district, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                url = reverse("safety:settings") + f"?district={district.code}"
                return redirect_with_message(request, url, _("已保存安全生产设置"))
        return self._render(request, form, district, status=422)

    def _row(self, request: HttpRequest, district: Region) -> SafetySettings:
        row = SafetySettings.objects.restrict(request.user).filter(region=district).first()
        if row is None:
            if not SafetySettings.objects.filter(region=district).exists() and can(
                request.user, "view", SafetySettings
            ):
                row = reference.settings_for(district)
                return get_scoped(SafetySettings, request.user, "view", pk=row.pk)
            return get_scoped(SafetySettings, request.user, "view", pk=0)  # 404
        return row

    def _render(
        self, request: HttpRequest, form: SettingsForm, district: Region, status: int = 200
    ) -> HttpResponse:
        context = {
            "title": _("安全生产设置"),
            "district": district,
            "form": form,
            "may_change": _may_keep(current_user(request), SafetySettings, district),
        }
        return render(request, "safety/reference/settings.html", context, status=status)
