"""Monitoring pages: the dashboard (indicator cards, the index with its rank interval, trends, rank
history, the choropleth), the indicator catalogue and the figures with their versions and sources."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page

from tiaodu.core.errors import NotFound, ServiceError, invalid
from tiaodu.core.forms import StyledForm
from tiaodu.core.http import current_user
from tiaodu.core.views import Column, ObjectListView, ScopedView, apply_service_error
from tiaodu.monitoring import charts
from tiaodu.monitoring.cache import data_version, remember
from tiaodu.monitoring.confidentiality import NOTE, Viewer, Withheld
from tiaodu.monitoring.dashboard import build_dashboard, choropleth, county_of, region_options
from tiaodu.monitoring.filters import FigureFilter, IndicatorFilter
from tiaodu.monitoring.models import IndexValue, Indicator, IndicatorValue
from tiaodu.monitoring.periods import parse_period


class DashboardForm(StyledForm):
    region = forms.ChoiceField(label=_("地区"))
    period = forms.CharField(label=_("期别"), required=False, max_length=32)

    def __init__(self, *args: Any, regions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]  # type: ignore[attr-defined]

    def clean_period(self) -> str:
        raw = (self.cleaned_data.get("period") or "").strip()
        if raw:
            try:
                parse_period(raw)
            except ServiceError as exc:
                raise forms.ValidationError(exc.message) from exc
        return raw


class DashboardView(ScopedView):
    """GET ?region=&period= — the monitoring dashboard (government roles).

    What the page computes (the region choices, the cards, the indices, the SVG trends) is kept
    in the cache per region, period, scope, language and data version (:mod:`monitoring.cache`):
    an import or an edit gives new keys, a user of another scope never reads another's entry."""

    model = IndexValue

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        version = data_version()
        # the choices follow the user's own region (administrators share a scope, not a home)
        home = {"home": user.region.path if user.region is not None else ""}
        regions, home_code = remember(
            "dashboard-regions", user, home, lambda: _region_choices(user), version=version
        )
        params: dict[str, Any] = {"region": home_code or (regions[0].code if regions else "")}
        params.update({k: v for k, v in request.GET.items() if v})
        form = DashboardForm(params, regions=regions)
        context: dict[str, Any] = {"title": _("经济运行监测"), "form": form, "board": None}
        if form.is_valid():
            region, period = form.cleaned_data["region"], form.cleaned_data["period"] or None
            try:
                context |= remember(
                    "dashboard",
                    user,
                    {"region": region, "period": period or ""},
                    lambda: _board_context(region, period, user),
                    version=version,
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
        return render(request, "monitoring/dashboard.html", context)


def _region_choices(user: Any) -> tuple[list[Any], str]:
    """The regions the dashboard offers and the user's own county unit (the default)."""
    home = county_of(user.region)
    return region_options(user), home.code if home else ""


def _board_context(region: str, period: str | None, user: Any) -> dict[str, Any]:
    """The computed part of the dashboard: the board, its SVG charts and the mapped index."""
    board = build_dashboard(region, period, user)
    published = next((i for i in board.indices if i.origin == "imported"), None)
    return {
        "board": board,
        "trend_svgs": [charts.line_svg(card.trend, card.comparison.indicator_name) for card in board.cards],
        "rank_svgs": [charts.rank_svg(index.history, index.ranked) for index in board.indices],
        "map_index": published or (board.indices[0] if board.indices else None),
    }


@method_decorator(gzip_page, name="dispatch")  # outlines of 38 units: ~125 KB, ~40 KB compressed
class ChoroplethView(ScopedView):
    """GET ?index=&period= — GeoJSON of the index over the compared county units."""

    model = IndexValue

    def get(self, request: HttpRequest) -> HttpResponse:
        code, period = request.GET.get("index", ""), request.GET.get("period", "")
        try:
            if not code or not period:
                raise invalid(
                    "index" if not code else "period",
                    "choropleth_params_missing",
                    "请指定指数(index)和期别(period)",
                )
            data = choropleth(code, period, current_user(request))
        except ServiceError as exc:  # what the script asked for: a JSON error it can show
            if exc.status == 403:
                raise
            status = 404 if exc.status == 404 else 422
            return JsonResponse(exc.as_dict(), status=status, json_dumps_params={"ensure_ascii": False})
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


class IndicatorListView(ObjectListView):
    model = Indicator
    filterset = IndicatorFilter
    title = _("监测指标目录")
    export_name = "indicators"
    template_name = "monitoring/indicator_list.html"
    columns = [
        Column(_("指标代码"), "code"),
        Column(_("指标名称"), "name"),
        Column(_("计量单位"), "unit"),
        Column(_("指标类型"), "kind"),
        Column(_("方向"), "direction"),
        Column(_("排名依据"), "rank_by"),
        Column(_("可跨地区加总"), "additive"),
        Column(_("可为负数"), "may_be_negative"),
        Column(_("数据来源"), "source"),
    ]
    filter_fields = [("q", _("指标名称或代码"), None)]

    def get_queryset(self) -> Any:
        return Indicator.objects.restrict(self.request.user).order_by("order", "code")


class FigureListView(ObjectListView):
    """Current figures with where each came from; a row opens its versions."""

    model = IndicatorValue
    filterset = FigureFilter
    title = _("指标数据")
    export_name = "indicator-values"
    template_name = "monitoring/figure_list.html"
    detail_url_name = "monitoring:figure"
    columns = [
        Column(_("地区"), "region.name", link=True),
        Column(_("期别"), "period.label"),
        Column(_("指标"), "indicator.name"),
        Column(_("数值"), "value"),
        Column(_("计量单位"), "indicator.unit"),
        Column(_("版本"), "version"),
        Column(_("来源"), "source"),
    ]
    filter_fields = [
        ("indicator", _("指标代码"), None),
        ("region", _("地区代码"), None),
        ("period", _("期别代码"), None),
    ]

    def get(self, request: HttpRequest) -> HttpResponse:
        # 统计保密 (ADR 0033): a small rolled-up cell reads "—" on the page and in the export
        # (and is not sortable by a reader it is withheld from: the order would bound it)
        withheld = Withheld(Viewer(current_user(request)))
        sort: str | bool = "value" if withheld.viewer.sees_all else False
        self.columns = [  # type: ignore[misc]
            Column(c.label, withheld.text, sort=sort) if c.attr == "value" else c for c in type(self).columns
        ]
        return super().get(request)

    def get_queryset(self) -> Any:
        return (
            IndicatorValue.objects.restrict(self.request.user)
            .filter(is_current=True)
            .select_related("region", "period", "indicator", "source")
            .order_by("-period__end", "indicator__order", "region__code")
        )


class FigureDetailView(ScopedView):
    """Every version of one figure, newest first, with its source (file, person, time)."""

    model = IndicatorValue

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        figure = (
            IndicatorValue.objects.restrict(user)
            .select_related("region", "period", "indicator")
            .filter(pk=pk)
            .first()
        )
        if figure is None:
            raise NotFound()
        versions = list(
            IndicatorValue.objects.restrict(user)
            .filter(region=figure.region, indicator=figure.indicator, period=figure.period)
            .select_related("source", "source__user", "region")
            .order_by("-version")
        )
        # 统计保密 (ADR 0033): a withheld figure reads "—" with the note, in every version
        withheld = Withheld(Viewer(user))
        hidden = withheld(figure) if figure.is_current else False
        for v in versions:
            v.shown_value = "—" if hidden or withheld(v) else v.value  # type: ignore[attr-defined]
        return render(
            request,
            "monitoring/figure_detail.html",
            {
                "object": figure,
                "shown_value": "—" if hidden or withheld(figure) else figure.value,
                "withheld_note": f"{figure.indicator.name}{NOTE}" if hidden or withheld(figure) else "",
                "versions": versions,
                "title": f"{figure.region.name}{figure.period.label}{figure.indicator.name}",
            },
        )
