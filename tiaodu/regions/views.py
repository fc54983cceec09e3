from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import Column, ObjectListView, ScopedView
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.filters import RegionFilter
from tiaodu.regions.models import Region
from tiaodu.regions.services import ancestors, normalize_code, peer_group_of


class RegionListView(ObjectListView):
    model = Region
    filterset = RegionFilter
    title = _("行政区划")
    export_name = "regions"
    detail_url_name = "regions:detail"
    columns = [
        Column(_("区划代码"), "code", link=True),
        Column(_("名称"), "name"),
        Column(_("级别"), "level"),
        Column(_("上级"), "parent.name"),
    ]
    filter_fields = [
        ("q", _("名称或代码"), None),
        ("level", _("级别"), [("", _("全部")), *((str(v), label) for v, label in Level.choices)]),
        ("within", _("所属区划代码"), None),
    ]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return super().get_queryset().select_related("parent").order_by("code")


class RegionDetailView(ScopedView):
    model = Region

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        region = get_scoped(Region, request.user, code=normalize_code(code))
        context = {
            "object": region,
            "ancestors": ancestors(region),
            "children": region.children.order_by("code"),
            "peer_group": peer_group_of(region),
            "organizations": Organization.objects.restrict(request.user)
            .filter(region=region)
            .order_by("kind", "name"),
        }
        return render(request, "regions/region_detail.html", context)
