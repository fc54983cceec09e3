"""The one map (一张图) of key projects: the page, its data and the district outline under it.

* ``/projects/map/`` — the page (Leaflet + markercluster, ``static/tiaodu/project-map.js``).
* ``/projects/map/data.json`` — the user's projects that have coordinates, after the same filters
  as the project list (plus 督办牌), as compact rows: one query for the rows, one for the count of
  projects without coordinates. Labels come with the data, so the script holds no UI text.
* ``/projects/map/outline.json`` — the official outline(s) of the user's district(s) as a GeoJSON
  FeatureCollection (``regions.boundaries``): the base layer when no tile server is configured.

Both JSON responses are gzip-compressed when the browser accepts it.

Every row starts from ``Project.objects.restrict(user, "view")``.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.gzip import gzip_page
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from tiaodu.cases.forms import township_choices
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import NOTHING
from tiaodu.core.views import ScopedView, filter_error_text
from tiaodu.projects.choices import ProjectLevel, Stage
from tiaodu.projects.filters import ProjectFilter
from tiaodu.projects.models import Project
from tiaodu.regions.boundaries import county_code, outline
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

CARDS = ("red", "yellow")
MAX_OUTLINES = 12
COLUMNS = ["id", "name", "stage", "level", "township", "investment", "lon", "lat", "card"]
_ID_PLACEHOLDER = 987654321


def has_card_field() -> bool:
    """Whether projects carry a 督办牌 (``Project.card``: "yellow", "red", or none: "" / "none")."""
    return any(f.name == "card" for f in Project._meta.concrete_fields)


class MapFilter(ProjectFilter):
    """The project-list filters plus the 督办牌 a project carries (any = red or yellow)."""

    card: Literal["red", "yellow", "any"] | None = Field(None, description="督办牌:red、yellow、any")

    def filter_card(self, value: str | None) -> Q:
        if not value:
            return Q()
        if not has_card_field():
            return NOTHING
        return Q(card__in=CARDS) if value == "any" else Q(card=value)


def filter_fields(user: Any) -> list[tuple[str, Any, Any]]:
    """(name, label, choices) of the map's filter form; the data endpoint accepts every list filter."""
    return [
        ("stage", gettext_lazy("阶段"), [("", gettext_lazy("全部阶段")), *Stage.choices]),
        ("level", gettext_lazy("项目级别"), [("", gettext_lazy("全部级别")), *ProjectLevel.choices]),
        ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(user)]),
        (
            "card",
            gettext_lazy("督办牌"),
            [
                ("", gettext_lazy("全部督办牌")),
                ("red", gettext_lazy("红牌")),
                ("yellow", gettext_lazy("黄牌")),
                ("any", gettext_lazy("红牌或黄牌")),
            ],
        ),
    ]


def _json(payload: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(payload), content_type="application/json", status=status)


def tile_origin(url: str) -> str | None:
    """The origin a tile URL template loads images from, for the CSP (``{s}`` subdomains → ``*``);
    ``None`` for same-origin (relative) templates."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def render_map_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A map page (the projects' 一张图, the resource map, the safety map): the configured tile
    server in the context, and its origin allowed for images (django-csp)."""
    tile_url = str(getattr(settings, "TIAODU_MAP_TILE_URL", "") or "")
    attribution = str(getattr(settings, "TIAODU_MAP_TILE_ATTRIBUTION", "") or "")
    response = render(request, template, {**context, "tile_url": tile_url, "tile_attribution": attribution})
    origin = tile_origin(tile_url)
    if origin:
        response._csp_update = {"img-src": [origin]}  # type: ignore[attr-defined]
    return response


class ProjectMapView(ScopedView):
    """The page: filters, legend and the map container; everything else is fetched by the script."""

    model = Project

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        fields = filter_fields(user)
        names = {name for name, _label, _choices in fields}
        context = {
            "title": _("重点项目一张图"),
            "filter_fields": fields,
            "filter_values": {k: v for k, v in request.GET.items() if k in names and v != ""},
            "stages": Stage.choices,
        }
        return render_map_page(request, "projects/map.html", context)


# The data and the outline are compressed for browsers that accept gzip: 10,000 projects are about
# 900 KB of JSON, 10× less compressed, which matters on a town's intranet link. Both carry data,
# no secret (no CSRF token), so compression reveals nothing (BREACH).
@method_decorator(gzip_page, name="dispatch")
class ProjectMapDataView(ScopedView):
    """The user's located projects after the list filters, as rows of ``COLUMNS``."""

    model = Project

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params: dict[str, Any] = {
            k: v for k, v in request.GET.items() if k in MapFilter.model_fields and v != ""
        }
        try:
            queryset: QuerySet[Project] = MapFilter(**params).filter(Project.objects.restrict(user, "view"))
        except PydanticValidationError as exc:
            fields = filter_fields(user)
            errors = [filter_error_text(fields, e) for e in exc.errors()]
            return _json({"code": "invalid_filter", "message": _("筛选条件有误:"), "errors": errors}, 400)
        except ServiceError as exc:
            return _json({"code": exc.code, "message": exc.message, "errors": []}, 400)

        located = queryset.filter(longitude__isnull=False, latitude__isnull=False).order_by("pk")
        values = [
            "pk",
            "name",
            "stage",
            "level",
            "township__name",
            "total_investment",
            "longitude",
            "latitude",
        ]
        if has_card_field():
            values.append("card")
        rows = []
        for pk, name, stage, level, town, money, lon, lat, *card in located.values_list(*values):
            shown = card[0] if card and card[0] in CARDS else ""  # "" and "none" are no card
            rows.append([pk, name, stage, level, town, float(money), float(lon), float(lat), shown])
        unlocated = queryset.filter(Q(longitude__isnull=True) | Q(latitude__isnull=True)).count()
        detail = reverse("projects:detail", args=[_ID_PLACEHOLDER]).replace(str(_ID_PLACEHOLDER), "{id}")
        payload = {
            "count": len(rows),
            "unlocated": unlocated,
            "columns": COLUMNS,
            "rows": rows,
            "stages": {code: str(label) for code, label in Stage.choices},
            "levels": {code: str(label) for code, label in ProjectLevel.choices},
            "cards": {"red": _("红牌"), "yellow": _("黄牌")},
            "detail_url": detail,
            "labels": {
                "stage": _("阶段"),
                "level": _("项目级别"),
                "township": _("所属镇街"),
                "investment": _("总投资(万元)"),
                "card": _("督办牌"),
                "open": _("查看项目"),
            },
            "summary": (
                _("地图上%(shown)s个项目,另有%(unlocated)s个未填写坐标")
                if unlocated
                else _("地图上%(shown)s个项目")
            )
            % {"shown": len(rows), "unlocated": unlocated},
        }
        return _json(payload)


def outline_codes(user: Any) -> list[str]:
    """The districts to outline: the user's own (when it has one at district level or below), then
    those of the projects the user can see on the map, else the home district."""
    codes: list[str] = []
    region = getattr(user, "region", None)
    if region is not None and region.level >= Level.COUNTY:
        code = county_code(region.code)
        if code:
            codes.append(code)
    towns = (
        Project.objects.restrict(user, "view")
        .filter(longitude__isnull=False)
        .order_by()
        .values_list("township__code", flat=True)
        .distinct()
    )
    for town in towns:
        code = county_code(town)
        if code and code not in codes:
            codes.append(code)
    if not codes:
        codes.append(settings.HOME_REGION_CODE[:6])
    return codes[:MAX_OUTLINES]


@method_decorator(gzip_page, name="dispatch")
class ProjectMapOutlineView(ScopedView):
    """The outline of each of the user's districts as a GeoJSON FeatureCollection."""

    model = Project

    def get(self, request: HttpRequest) -> HttpResponse:
        codes = outline_codes(current_user(request))
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        features = [
            {
                "type": "Feature",
                "properties": {"code": code, "name": names.get(code, code)},
                "geometry": shape,
            }
            for code in codes
            if (shape := outline(code)) is not None
        ]
        return _json({"type": "FeatureCollection", "features": features})
