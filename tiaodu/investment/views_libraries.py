"""Pages of the libraries (企业库, 资源库 with its map, 政策库) and of the district's investment
settings (产业链, 重点区域, 招商组, 招商管理设置).

Lists, details and maps start from :func:`tiaodu.investment.libraries.rows` (the models' scope
plus "the district's rows for the district's users"); writes go through the library services.
A list shows one district: ``?district=CODE``, by default the user's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.gzip import gzip_page

from tiaodu.core.errors import Forbidden, NotFound, ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.views import Column, ObjectListView, ScopedView, ServicePageView, apply_service_error
from tiaodu.enterprises.models import ServiceRecord
from tiaodu.investment import libraries
from tiaodu.investment.choices import EnterpriseSize, ResourceKind, ResourceStatus, TargetKind
from tiaodu.investment.forms_libraries import (
    ChainForm,
    FocusAreaForm,
    PipelineForm,
    PolicyFilter,
    PolicyForm,
    ResourceFilter,
    ResourceForm,
    TargetFilter,
    TargetForm,
    TeamForm,
    chain_choices,
    district_choices,
    township_choices,
)
from tiaodu.investment.models import (
    FocusArea,
    IndustryChain,
    PipelineSettings,
    Policy,
    Resource,
    TargetCompany,
    Team,
)
from tiaodu.investment.services import ensure_defaults, stage_label
from tiaodu.regions.boundaries import outline
from tiaodu.regions.models import Region

SIZE_LABELS = dict(EnterpriseSize.choices)


def page_district(request: HttpRequest) -> Region:
    """The district a page is about: ``?district=`` (or the form's), else the user's own; an
    unknown code falls back to the user's own (the list's filter reports it)."""
    code = request.GET.get("district") or request.POST.get("district") or None
    try:
        return libraries.district_for(request.user, code)
    except ServiceError:
        return libraries.district_for(request.user)


def with_district(url: str, district: Region, request: HttpRequest) -> str:
    """``url`` keeping the district when it is not the user's own."""
    own = libraries.district_for(request.user)
    return url if district.pk == own.pk else f"{url}?district={district.code}"


class LinkColumn(Column):
    """A first column linking to the row's page (the library models have no get_absolute_url);
    exports get the plain value (``plain=True``)."""

    def __init__(self, label: Any, attr: str, url_name: str, plain: bool = False) -> None:
        super().__init__(label, attr)
        self.url_name, self.plain = url_name, plain

    def value(self, obj: Any) -> Any:
        text = super().value(obj)
        if self.plain:
            return text
        return format_html('<a href="{}">{}</a>', reverse(self.url_name, args=[obj.pk]), text)


class LibraryListView(ObjectListView):
    """A library list of one district, with its district switch and a link to each row's page."""

    create_url_name: ClassVar[str]
    detail_name: ClassVar[str]
    link_label: ClassVar[Any]
    link_attr: ClassVar[str]
    other_columns: ClassVar[list[Column]] = []

    @property
    def district(self) -> Region:
        return page_district(self.request)

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]
        plain = self.request.GET.get("export") in ("xlsx", "csv")
        return [LinkColumn(self.link_label, self.link_attr, self.detail_name, plain), *self.other_columns]

    @property
    def add_url(self) -> str | None:  # type: ignore[override]
        if not libraries.can_keep(self.request.user, self.model, self.district):
            return None
        return with_district(reverse(self.create_url_name), self.district, self.request)

    def district_field(self) -> tuple[str, Any, Any]:
        own = libraries.district_for(self.request.user)
        others = [(code, name) for code, name in district_choices(self.request.user) if code != own.code]
        return ("district", gettext_lazy("区县"), [("", own.name), *others])

    def get_queryset(self) -> Any:
        qs = libraries.rows(self.model, self.request.user)
        if not self.request.GET.get("district"):
            qs = qs.filter(region=libraries.district_for(self.request.user))
        return qs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().get(request)


# --- 企业库 ----------------------------------------------------------------------------------------


class TargetListView(LibraryListView):
    model = TargetCompany
    filterset = TargetFilter
    title = gettext_lazy("企业库")
    export_name = "investment-targets"
    template_name = "investment/libraries/targets.html"
    create_url_name = "investment:target-create"
    detail_name = "investment:target-detail"
    link_label = gettext_lazy("企业名称")
    link_attr = "investor_name"
    other_columns = [
        Column(gettext_lazy("统一社会信用代码"), "investor_credit_code"),
        Column(gettext_lazy("类别"), "kind"),
        Column(gettext_lazy("总部所在地"), "home_region.name"),
        Column(gettext_lazy("产业链"), "chain.name"),
        Column(gettext_lazy("行业代码"), "industry_code"),
        Column(gettext_lazy("对接招商组"), "team.name"),
        Column(gettext_lazy("区内注册企业"), "enterprise.name"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        return [
            self.district_field(),
            ("q", gettext_lazy("企业名称或信用代码"), None),
            ("kind", gettext_lazy("类别"), [("", gettext_lazy("全部类别")), *TargetKind.choices]),
            (
                "chain",
                gettext_lazy("产业链"),
                [("", gettext_lazy("全部产业链")), *chain_choices(self.district)],
            ),
            (
                "linked",
                gettext_lazy("区内注册"),
                [
                    ("", gettext_lazy("是否已注册")),
                    ("true", gettext_lazy("已在区内注册")),
                    ("false", gettext_lazy("未注册")),
                ],
            ),
        ]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("home_region", "chain", "team", "enterprise")


class TargetsLinkView(ServicePageView):
    """POST: link the district's target companies that have registered to the enterprise registry."""

    def post(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        linked = libraries.link_targets(current_user(request), district)
        if linked:
            messages.success(request, _("已关联%(n)d家已在区内注册的目标企业") % {"n": linked})
        else:
            messages.info(request, _("没有新的目标企业在区内注册"))
        return HttpResponseRedirect(with_district(reverse("investment:targets"), district, request))


# --- 资源库 ----------------------------------------------------------------------------------------


def _area(r: Resource) -> Any:
    return r.area_mu if r.area_mu is not None else ""


def _price(r: Resource) -> str:
    return f"{r.price}{r.price_unit}" if r.price is not None else ""


class ResourceListView(LibraryListView):
    model = Resource
    filterset = ResourceFilter
    title = gettext_lazy("资源库")
    export_name = "investment-resources"
    template_name = "investment/libraries/resources.html"
    create_url_name = "investment:resource-create"
    detail_name = "investment:resource-detail"
    link_label = gettext_lazy("名称/地块编号")
    link_attr = "name"
    other_columns = [
        Column(gettext_lazy("类型"), "kind"),
        Column(gettext_lazy("所在镇街"), "township.name"),
        Column(gettext_lazy("面积(亩)"), _area, sort="area_mu"),
        Column(gettext_lazy("建筑面积(平方米)"), "floor_area"),
        Column(gettext_lazy("价格"), _price, sort="price"),
        Column(gettext_lazy("用地性质/规划用途"), "zoning"),
        Column(gettext_lazy("可供日期"), "available_from"),
        Column(gettext_lazy("状态"), "status"),
        Column(gettext_lazy("意向/落地项目"), "project.name"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        return [
            self.district_field(),
            ("q", gettext_lazy("名称、位置或用途"), None),
            ("kind", gettext_lazy("类型"), [("", gettext_lazy("全部类型")), *ResourceKind.choices]),
            ("status", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *ResourceStatus.choices]),
            (
                "township",
                gettext_lazy("镇街"),
                [("", gettext_lazy("全部镇街")), *township_choices(self.district)],
            ),
            ("available_on", gettext_lazy("可供日期不晚于"), "date"),
        ]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("township", "project")


# The map reuses the key projects' map script and pins: a resource's kind picks one of the
# projects' pin colours, its status rides in the "level" slot of the popup card.
PIN: dict[str, str] = {ResourceKind.LAND: "landed", ResourceKind.FACTORY: "building"}
MAP_COLUMNS = ["id", "name", "stage", "level", "township", "investment", "lon", "lat", "card"]
_ID = 987654321


class ResourceMapView(ScopedView):
    """The page: the available resources of the district on the map (Leaflet, vendored)."""

    model = Resource

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        status = request.GET.get("status", ResourceStatus.AVAILABLE)
        fields = [
            ("status", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *ResourceStatus.choices]),
            ("kind", gettext_lazy("类型"), [("", gettext_lazy("全部类型")), *ResourceKind.choices]),
        ]
        values = {"status": status} | {k: v for k, v in request.GET.items() if k == "kind" and v}
        context = {
            "title": _("资源库一张图"),
            "district": district,
            "filter_fields": fields,
            "filter_values": values,
            "pins": [(PIN[code], label) for code, label in ResourceKind.choices],
            "map_urls": {
                "page": "investment:resources-map",
                "data": "investment:resources-map-data",
                "outline": "investment:resources-map-outline",
                "list": "investment:resources",
            },
        }
        from tiaodu.projects.views_map import render_map_page

        return render_map_page(request, "investment/libraries/resource_map.html", context)


def _json(payload: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(payload), content_type="application/json", status=status)


@method_decorator(gzip_page, name="dispatch")
class ResourceMapDataView(ScopedView):
    """The located resources of the district after the filters, as the project map's rows."""

    model = Resource

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        params: dict[str, Any] = {
            k: v for k, v in request.GET.items() if k in ResourceFilter.model_fields and v != ""
        }
        try:
            qs = ResourceFilter(**params).filter(
                libraries.rows(Resource, request.user).filter(region=district)
            )
        except ServiceError as exc:
            return _json({"code": exc.code, "message": exc.message, "errors": []}, 400)
        except ValueError:
            return _json({"code": "invalid_filter", "message": _("筛选条件有误:"), "errors": []}, 400)
        located = qs.filter(longitude__isnull=False, latitude__isnull=False).order_by("pk")
        rows = [
            [
                r.pk,
                r.name,
                PIN.get(r.kind, r.kind),
                r.status,
                r.township.name if r.township else "",
                float(r.area_mu if r.area_mu is not None else r.floor_area or 0),
                float(r.longitude or 0),
                float(r.latitude or 0),
                "",
            ]
            for r in located.select_related("township")
        ]
        unlocated = qs.filter(longitude__isnull=True).count()
        detail = reverse("investment:resource-detail", args=[_ID]).replace(str(_ID), "{id}")
        summary = (
            _("地图上%(shown)s处资源,另有%(unlocated)s处未填写坐标")
            if unlocated
            else _("地图上%(shown)s处资源")
        ) % {"shown": len(rows), "unlocated": unlocated}
        return _json(
            {
                "count": len(rows),
                "unlocated": unlocated,
                "columns": MAP_COLUMNS,
                "rows": rows,
                "stages": {PIN[code]: str(label) for code, label in ResourceKind.choices},
                "levels": {code: str(label) for code, label in ResourceStatus.choices},
                "cards": {},
                "detail_url": detail,
                "labels": {
                    "stage": _("类型"),
                    "level": _("状态"),
                    "township": _("所在镇街"),
                    "investment": _("面积(亩)/建筑面积(平方米)"),
                    "card": "",
                    "open": _("查看资源"),
                },
                "summary": summary,
            }
        )


@method_decorator(gzip_page, name="dispatch")
class ResourceMapOutlineView(ScopedView):
    """The district's official outline (GeoJSON), the map's base layer."""

    model = Resource

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        shape = outline(district.code)
        features = (
            [
                {
                    "type": "Feature",
                    "properties": {"code": district.code, "name": district.name},
                    "geometry": shape,
                }
            ]
            if shape
            else []
        )
        return _json({"type": "FeatureCollection", "features": features})


# --- 政策库 ----------------------------------------------------------------------------------------


def _valid(p: Policy) -> str:
    start = p.valid_from.isoformat() if p.valid_from else ""
    until = p.valid_until.isoformat() if p.valid_until else _("长期")
    return f"{start}—{until}" if start else until


def _sizes(p: Policy) -> str:
    return "、".join(str(SIZE_LABELS.get(s, s)) for s in p.sizes) or _("不限")


class PolicyListView(LibraryListView):
    model = Policy
    filterset = PolicyFilter
    title = gettext_lazy("政策库")
    export_name = "investment-policies"
    template_name = "investment/libraries/policies.html"
    create_url_name = "investment:policy-create"
    detail_name = "investment:policy-detail"
    link_label = gettext_lazy("政策名称")
    link_attr = "title"
    other_columns = [
        Column(gettext_lazy("文号"), "doc_number"),
        Column(gettext_lazy("发文机关"), "issuer"),
        Column(gettext_lazy("发文日期"), "issued_on"),
        Column(gettext_lazy("有效期"), _valid, sort="valid_until"),
        Column(gettext_lazy("适用企业规模"), _sizes, sort=False),
        Column(gettext_lazy("适用行业代码"), "industry_codes"),
        Column(gettext_lazy("有效"), "is_active"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        return [
            self.district_field(),
            ("q", gettext_lazy("名称、文号、摘要或条款"), None),
            (
                "chain",
                gettext_lazy("产业链"),
                [("", gettext_lazy("全部产业链")), *chain_choices(self.district)],
            ),
            ("industry_code", gettext_lazy("行业代码"), None),
            ("size", gettext_lazy("企业规模"), [("", gettext_lazy("全部规模")), *EnterpriseSize.choices]),
            ("valid_on", gettext_lazy("有效日期"), "date"),
        ]


class PolicyDetailView(ScopedView):
    """A policy with its clauses and the 政策兑现 service records citing it that the viewer may see."""

    model = Policy

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        policy = libraries.get_row(Policy, user, pk=pk)
        district: Region = policy.region  # type: ignore[assignment]
        records = (
            ServiceRecord.objects.restrict(user)
            .filter(policy=policy)
            .select_related("enterprise", "org")
            .order_by("-served_on", "-pk")
        )
        context = {
            "object": policy,
            "title": policy.title,
            "clauses": policy.clauses.order_by("order", "pk"),
            "industries": policy.industries.order_by("order", "name"),
            "sizes": _sizes(policy),
            "valid": _valid(policy),
            "records": records[:500],
            "record_count": records.count(),
            "can_change": libraries.can_keep(user, Policy, district),
        }
        return render(request, "investment/libraries/policy_detail.html", context)


# --- Detail pages of a target and a resource ------------------------------------------------------


def _facts(obj: models.Model, fields: list[str]) -> list[tuple[Any, Any]]:
    out = []
    for name in fields:
        field = obj._meta.get_field(name)
        display = getattr(obj, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(obj, name)
        if isinstance(value, bool):
            value = _("是") if value else _("否")
        out.append((field.verbose_name, "" if value is None else value))  # type: ignore[union-attr]
    return out


class RowDetailView(ScopedView):
    fields: ClassVar[list[str]]
    edit_name: ClassVar[str]
    list_name: ClassVar[str]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        obj: Any = libraries.get_row(self.model, user, pk=pk)
        context = {
            "object": obj,
            "title": str(obj),
            "facts": [(_("所属区县"), obj.region.name), *_facts(obj, self.fields)],
            "list_url": with_district(reverse(self.list_name), obj.region, request),
            "edit_url": reverse(self.edit_name, args=[obj.pk])
            if libraries.can_keep(user, self.model, obj.region)
            else None,
            "delete_url": reverse(self.edit_name.replace("-edit", "-delete"), args=[obj.pk])
            if libraries.can_keep(user, self.model, obj.region)
            else None,
        }
        return render(request, "investment/libraries/detail.html", context)


class TargetDetailView(RowDetailView):
    model = TargetCompany
    fields = [*libraries.TARGET_FIELDS, "enterprise"]
    edit_name = "investment:target-edit"
    list_name = "investment:targets"


class ResourceDetailView(RowDetailView):
    model = Resource
    fields = list(libraries.RESOURCE_FIELDS)
    edit_name = "investment:resource-edit"
    list_name = "investment:resources"


# --- Create / edit / delete -----------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    model: type[models.Model]
    form: type[Any]
    save: Callable[..., Any]
    title: Any
    back: Callable[[Any], str]  # where to go after saving (the row's page or the list)
    delete: Callable[..., Any] | None = None
    extra: tuple[str, ...] = ()  # form keyword arguments besides the district: "user"


def _detail(name: str) -> Callable[[Any], str]:
    return lambda obj: reverse(name, args=[obj.pk])


def _settings(obj: Any) -> str:
    return reverse("investment:settings") + f"?district={obj.region.code}"


KINDS: dict[str, Kind] = {
    "target": Kind(
        TargetCompany,
        TargetForm,
        libraries.save_target,
        gettext_lazy("目标企业"),
        _detail("investment:target-detail"),
        libraries.delete_target,
    ),
    "resource": Kind(
        Resource,
        ResourceForm,
        libraries.save_resource,
        gettext_lazy("载体资源"),
        _detail("investment:resource-detail"),
        libraries.delete_resource,
        ("user",),
    ),
    "policy": Kind(
        Policy,
        PolicyForm,
        libraries.save_policy,
        gettext_lazy("政策"),
        _detail("investment:policy-detail"),
        libraries.delete_policy,
    ),
    "chain": Kind(IndustryChain, ChainForm, libraries.save_chain, gettext_lazy("产业链"), _settings),
    "area": Kind(FocusArea, FocusAreaForm, libraries.save_focus_area, gettext_lazy("重点区域"), _settings),
    "team": Kind(
        Team, TeamForm, libraries.save_team, gettext_lazy("招商组"), _settings, libraries.delete_team
    ),
}
LIST_NAMES = {
    "target": "investment:targets",
    "resource": "investment:resources",
    "policy": "investment:policies",
}


class EditView(ServicePageView):
    """Create (no pk) or change a library or settings row through its service."""

    kind: str = ""

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.spec = KINDS[kwargs.get("kind") or self.kind]

    def _target(self, request: HttpRequest, pk: int | None) -> tuple[Any, Region]:
        user = current_user(request)
        model = self.spec.model
        if pk is not None:
            obj: Any = libraries.get_row(model, user, pk=pk)
            if not libraries.rows(model, user, "change").filter(pk=pk).exists():
                raise Forbidden(audit=f"change {model._meta.label_lower} pk={pk}")
            return obj, obj.region
        district = page_district(request)
        if not libraries.can_keep(user, model, district):
            raise Forbidden(audit=f"add {model._meta.label_lower} region={district.code}")
        ensure_defaults(district)  # the chains and focus areas the form offers
        return None, district

    def _form(self, request: HttpRequest, district: Region, data: Any = None, initial: Any = None) -> Any:
        kwargs: dict[str, Any] = {"district": district}
        if "user" in self.spec.extra:
            kwargs["user"] = request.user
        return self.spec.form(data, initial=initial, **kwargs)

    def get(self, request: HttpRequest, pk: int | None = None, **_kw: Any) -> HttpResponse:
        obj, district = self._target(request, pk)
        initial = self.spec.form.initial_for(obj) if obj is not None else None
        return self._render(request, self._form(request, district, initial=initial), obj, district)

    def post(self, request: HttpRequest, pk: int | None = None, **_kw: Any) -> HttpResponse:
        obj, district = self._target(request, pk)
        form = self._form(request, district, data=request.POST)
        if form.is_valid():
            try:
                extra = {} if pk is not None else {"region": district}
                saved = self.spec.save(current_user(request), pk, **extra, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                messages.success(
                    request, _("已保存%(what)s“%(name)s”") % {"what": self.spec.title, "name": saved}
                )
                return HttpResponseRedirect(self.spec.back(saved))
        return self._render(request, form, obj, district, status=422)

    def _render(
        self, request: HttpRequest, form: Any, obj: Any, district: Region, status: int = 200
    ) -> HttpResponse:
        verb = _("编辑") if obj is not None else _("新增")
        back = self.spec.back(obj) if obj is not None else None
        if back is None:
            back = (
                with_district(reverse(LIST_NAMES[self.kind_name]), district, request)
                if self.kind_name in LIST_NAMES
                else _settings_url(district)
            )
        context = {
            "form": form,
            "object": obj,
            "district": district,
            "title": f"{verb}{self.spec.title}",
            "back_url": back,
        }
        return render(request, "investment/libraries/form.html", context, status=status)

    @property
    def kind_name(self) -> str:
        return next(name for name, spec in KINDS.items() if spec is self.spec)


def _settings_url(district: Region) -> str:
    return reverse("investment:settings") + f"?district={district.code}"


class DeleteView(ServicePageView):
    """POST: remove a row (the services refuse rows still in use)."""

    kind: str = ""

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        spec = KINDS[kwargs.get("kind") or self.kind]
        user = current_user(request)
        obj: Any = libraries.get_row(spec.model, user, pk=pk)
        back = reverse(LIST_NAMES[self.kind]) if self.kind in LIST_NAMES else _settings_url(obj.region)
        assert spec.delete is not None
        try:
            spec.delete(user, pk)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
            return HttpResponseRedirect(spec.back(obj))
        messages.success(request, _("已删除%(what)s“%(name)s”") % {"what": spec.title, "name": obj})
        return HttpResponseRedirect(back)


# --- Settings of the district ---------------------------------------------------------------------


class SettingsView(ScopedView):
    """产业链 (with 产业链长), 重点区域, 招商组 and the pipeline rules of a district: editable by its
    departments and administrators, read-only for the district's other users."""

    model = IndustryChain

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        district = page_district(request)
        if not libraries.can_read(user, PipelineSettings, district):
            raise NotFound(audit=f"view investment.pipelinesettings region={district.code}")
        data = libraries.settings_of(district)
        pipeline = data["pipeline"]
        context = {
            "title": _("招商管理设置"),
            "district": district,
            "districts": district_choices(user),
            "chains": data["chains"],
            "areas": data["areas"],
            "teams": data["teams"],
            "pipeline": pipeline,
            "by_stage": [
                (stage_label(stage), days) for stage, days in (pipeline.follow_up_days_by_stage or {}).items()
            ],
            "probabilities": [
                (stage_label(stage), p) for stage, p in (pipeline.default_probabilities or {}).items()
            ],
            "can_change": libraries.can_keep(user, IndustryChain, district),
            "can_pipeline": libraries.can_keep(user, PipelineSettings, district),
        }
        return render(request, "investment/libraries/settings.html", context)


class PipelineEditView(ServicePageView):
    def _district(self, request: HttpRequest) -> tuple[Region, PipelineSettings]:
        district = page_district(request)
        if not libraries.can_keep(request.user, PipelineSettings, district):
            raise Forbidden(audit=f"change investment.pipelinesettings region={district.code}")
        return district, libraries.settings_of(district)["pipeline"]

    def get(self, request: HttpRequest) -> HttpResponse:
        district, row = self._district(request)
        return self._render(request, PipelineForm(initial=PipelineForm.initial_for(row)), district)

    def post(self, request: HttpRequest) -> HttpResponse:
        district, _row = self._district(request)
        form = PipelineForm(request.POST)
        if form.is_valid():
            try:
                libraries.save_pipeline_settings(current_user(request), district, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已保存招商管理设置"))
                return HttpResponseRedirect(_settings_url(district))
        return self._render(request, form, district, status=422)

    def _render(self, request: HttpRequest, form: Any, district: Region, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "district": district,
            "title": _("招商管理设置"),
            "back_url": _settings_url(district),
        }
        return render(request, "investment/libraries/form.html", context, status=status)
