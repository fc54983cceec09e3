from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core.errors import ServiceError
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import (
    Column,
    EditView,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)
from tiaodu.orgs import services
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.filters import OrganizationFilter
from tiaodu.orgs.forms import OrganizationForm
from tiaodu.orgs.models import Organization


class OrganizationListView(ObjectListView):
    model = Organization
    filterset = OrganizationFilter
    title = _("组织机构")
    export_name = "organizations"
    detail_url_name = "orgs:detail"
    columns = [
        Column(_("名称"), "name", link=True),
        Column(_("类型"), "kind"),
        Column(_("所属地区"), "region.name"),
        Column(_("机构代码"), "code"),
        Column(_("负责人"), "leader"),
        Column(_("联系电话"), "phone"),
        Column(_("启用"), "is_active"),
    ]
    filter_fields = [
        ("q", _("关键词"), None),
        ("kind", _("类型"), [("", _("全部")), *OrgKind.choices]),
        ("region", _("区划代码"), None),
    ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("orgs:create")

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("region", "leader").order_by("kind", "name", "pk")


class OrganizationDetailView(ScopedView):
    model = Organization

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        org = get_scoped(Organization, request.user, pk=pk)
        context = {
            "object": org,
            "members": org.members.order_by("username") if org.kind == OrgKind.SQUAD else None,
            "children": Organization.objects.restrict(request.user).filter(parent=org).order_by("name"),
            "users": org.users.restrict(request.user).order_by("username"),  # type: ignore[attr-defined]
            "can_change": Organization.objects.restrict(request.user, "change").filter(pk=org.pk).exists(),
        }
        return render(request, "orgs/organization_detail.html", context)


class OrganizationEditView(EditView):
    """Create (no pk) or change an organisation through the service functions."""

    model = Organization

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        org = self.instance(request, pk)
        initial = OrganizationForm.initial_for(org) if org else {"is_active": True}
        form = OrganizationForm(initial=initial, user=request.user)
        return self._render(request, form, org)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        form = OrganizationForm(request.POST, user=request.user)
        org = None
        if form.is_valid():
            try:
                if pk is None:
                    org = services.create_organization(request.user, **form.cleaned_data)  # type: ignore[arg-type]
                    message = _("已新增机构“%(name)s”") % {"name": org.name}
                else:
                    org = services.update_organization(request.user, pk, **form.cleaned_data)  # type: ignore[arg-type]
                    message = _("已保存机构“%(name)s”") % {"name": org.name}
                return redirect_with_message(request, reverse("orgs:detail", args=[org.pk]), message)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
        if pk is not None:
            org = get_scoped(Organization, request.user, pk=pk)
        return self._render(request, form, org, status=422)

    def _render(
        self, request: HttpRequest, form: OrganizationForm, org: Organization | None, status: int = 200
    ) -> HttpResponse:
        return render(request, "orgs/organization_form.html", {"form": form, "object": org}, status=status)


class OrganizationHistoryView(ObjectHistoryView):
    model = Organization
