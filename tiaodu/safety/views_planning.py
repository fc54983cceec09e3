"""Planning pages: 双随机 plans (list, new, the drawn list with draw / publish / verify),
campaigns, joint teams, inspectors, 综合查一次 and the coverage of each sector."""

from __future__ import annotations

import abc
from datetime import date
from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.accounts.choices import Role
from tiaodu.core.concurrency import parse_version
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.resolve import actor_district
from tiaodu.core.views import (
    Column,
    EditView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    query_without,
    redirect_with_message,
)
from tiaodu.safety import campaigns, planning
from tiaodu.safety.choices import ENFORCEMENT_KINDS, PlanStatus
from tiaodu.safety.forms_planning import (
    CampaignFilter,
    CampaignForm,
    CoverageForm,
    DrawForm,
    InspectorFilter,
    InspectorForm,
    JointVisitFilter,
    MergeForm,
    PlanFilter,
    PlanForm,
    TeamFilter,
    TeamForm,
    org_choices,
)
from tiaodu.safety.models import (
    Campaign,
    Inspection,
    InspectionPlan,
    Inspector,
    JointTeam,
    JointVisit,
    PlanVisit,
    Unit,
)

FORM_TEMPLATE = "safety/planning/form.html"
# Roles outside the government's work: they see their own units, not a district's coverage.
OUTSIDE_ROLES = (Role.ENTERPRISE, Role.OWNER, Role.SQUAD)


def unit_url(pk: int) -> str:
    """The unit's profile page ("" while the units pages are not installed)."""
    try:
        return reverse("safety:unit-detail", args=[pk])
    except NoReverseMatch:
        return ""


class Linked(Column):
    """A first column linking to ``url_name`` (for rows without ``get_absolute_url``); exported as
    plain text."""

    def __init__(self, label: Any, attr: str, url_name: str) -> None:
        super().__init__(label, attr)
        self.url_name = url_name

    def value(self, obj: Any) -> Any:
        return format_html('<a href="{}">{}</a>', reverse(self.url_name, args=[obj.pk]), super().value(obj))

    def plain(self) -> Column:
        assert isinstance(self.attr, str)
        return Column(self.label, self.attr)


class PlanningListView(ObjectListView):
    def export(self, queryset: Any, kind: str) -> HttpResponse:
        self.columns = [c.plain() if isinstance(c, Linked) else c for c in self.columns]  # type: ignore[misc]
        return super().export(queryset, kind)


def _form_page(
    request: HttpRequest, form: Any, title: str, cancel: str, status: int = 200, submit: str = ""
) -> HttpResponse:
    context = {"form": form, "title": title, "cancel_url": cancel, "submit": submit or _("保存")}
    return render(request, FORM_TEMPLATE, context, status=status)


class FormPageView(EditView, abc.ABC):
    """A page with one form that adds a row (no ``pk``) or changes one (``pk``) through one
    service function; on success, to the next page with a message, else the form again with the
    service's errors (422)."""

    form_class: ClassVar[Any]
    title: ClassVar[Any]
    edit_title: ClassVar[Any] = ""
    cancel_url_name: ClassVar[str]

    def initial(self, obj: Any) -> dict[str, Any]:
        return {}

    @abc.abstractmethod
    def save(self, user: Any, form: Any, obj: Any) -> tuple[str, str]:
        """Call the service; (the URL to go to, the message)."""

    def _page(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        title = str(self.edit_title if obj is not None else self.title)
        return _form_page(self.request, form, title, reverse(self.cancel_url_name), status=status)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.instance(request, pk)
        return self._page(self.form_class(user=request.user, initial=self.initial(obj)), obj)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        obj = self.instance(request, pk)
        form = self.form_class(request.POST, user=user)
        if form.is_valid():
            try:
                url, message = self.save(user, form, obj)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(request, url, message)
        return self._page(form, obj, status=422)


# --- plans -----------------------------------------------------------------------------------


class PlanListView(PlanningListView):
    model = InspectionPlan
    filterset = PlanFilter
    title = gettext_lazy("双随机抽查计划")
    export_name = "safety-plans"
    columns = [
        Column(gettext_lazy("计划名称"), "name", link=True),
        Column(gettext_lazy("抽查部门"), "department.name"),
        Column(gettext_lazy("年度"), "year"),
        Column(gettext_lazy("开始日期"), "starts_on"),
        Column(gettext_lazy("结束日期"), "ends_on"),
        Column(gettext_lazy("抽查比例(%)"), "sample_percent"),
        Column(gettext_lazy("抽取户数"), "visit_count", sort="visit_count"),
        Column(gettext_lazy("状态"), "status"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        user = self.request.user
        return [
            ("q", gettext_lazy("计划名称"), None),
            ("status", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *PlanStatus.choices]),
            ("year", gettext_lazy("年度"), None),
            (
                "department",
                gettext_lazy("抽查部门"),
                [("", gettext_lazy("全部部门")), *org_choices(user)],
            ),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("safety:plan-create")

    def get_queryset(self) -> Any:
        plans = super().get_queryset().select_related("department").annotate(visit_count=Count("visits"))
        return plans.order_by("-year", "-starts_on", "pk")


class PlanCreateView(FormPageView):
    model = InspectionPlan
    form_class = PlanForm
    title = gettext_lazy("新建双随机抽查计划")
    cancel_url_name = "safety:plan-list"

    def initial(self, obj: Any) -> dict[str, Any]:
        today = timezone.localdate()
        district = actor_district(self.request.user)
        settings = planning.settings_of(district) if district is not None else None
        values: dict[str, Any] = {"starts_on": today, "sample_percent": 5}
        if settings is not None:
            values.update(
                recent_days=settings.recent_days,
                yearly_cap=settings.yearly_cap,
                inspectors_per_visit=settings.inspectors_per_visit,
            )
        return values

    def save(self, user: Any, form: Any, obj: Any) -> tuple[str, str]:
        plan = planning.create_plan(user, **form.service_fields())
        return plan.get_absolute_url(), _("抽查计划已创建,请抽取")


class PlanDetailView(ScopedView):
    model = InspectionPlan

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, pk)

    def page(
        self,
        request: HttpRequest,
        pk: int,
        status: int = 200,
        draw_form: Any = None,
        result: planning.VerifyResult | None = None,
    ) -> HttpResponse:
        user = current_user(request)
        get_scoped(InspectionPlan, user, pk=pk)
        plan = InspectionPlan.objects.select_related("region", "department", "campaign", "created_by").get(
            pk=pk
        )
        visits = list(
            PlanVisit.objects.filter(plan=plan)
            .select_related("unit__township", "unit__sector", "joint_visit__lead_department")
            .order_by("order")
        )
        names = dict(
            Inspector.objects.filter(pk__in={i for v in visits for i in v.inspector_ids}).values_list(
                "pk", "name"
            )
        )
        rows = [
            {
                "visit": v,
                "unit_url": unit_url(v.unit_id),
                "inspectors": "、".join(names.get(i, str(i)) for i in v.inspector_ids),
            }
            for v in visits
        ]
        may_change = InspectionPlan.objects.restrict(user, "change").filter(pk=pk).exists()
        draft = plan.status == PlanStatus.DRAFT
        context = {
            "object": plan,
            "sectors": list(plan.sectors.all()),
            "rows": rows,
            "inputs": plan.inputs or {},
            "can_draw": may_change and draft,
            "can_publish": may_change and draft and bool(visits),
            "draw_form": draw_form or DrawForm(),
            "result": result,
        }
        return render(request, "safety/planning/plan_detail.html", context, status=status)


def _version(request: HttpRequest) -> int | None:
    return parse_version(request.POST.get("version"))


class PlanDrawView(PlanDetailView):
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        form = DrawForm(request.POST)
        if form.is_valid():
            try:
                plan = planning.draw(
                    user, pk, seed=form.cleaned_data["seed"] or None, version=_version(request)
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                message = _("已抽取%(n)s户,随机种子 %(seed)s") % {
                    "n": plan.inputs["count"],
                    "seed": plan.seed,
                }
                return redirect_with_message(request, plan.get_absolute_url(), message)
        return self.page(request, pk, status=422, draw_form=form)


class PlanPublishView(PlanDetailView):
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        url = reverse("safety:plan-detail", args=[pk])
        try:
            plan = planning.publish(user, pk, version=_version(request))
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
            return HttpResponseRedirect(url)
        return redirect_with_message(request, url, _("已公布,摘要 SHA-256:%(d)s") % {"d": plan.digest})


class PlanVerifyView(PlanDetailView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:  # type: ignore[override]
        plan = get_scoped(InspectionPlan, current_user(request), pk=pk)
        return self.page(request, pk, result=planning.verify(plan))


# --- campaigns, teams, inspectors ------------------------------------------------------------


class CampaignListView(PlanningListView):
    model = Campaign
    filterset = CampaignFilter
    title = gettext_lazy("专项行动")
    export_name = "safety-campaigns"
    columns = [
        Linked(gettext_lazy("名称"), "name", "safety:campaign-detail"),
        Column(gettext_lazy("开始日期"), "starts_on"),
        Column(gettext_lazy("结束日期"), "ends_on"),
        Column(gettext_lazy("牵头部门"), "lead_department.name"),
    ]
    filter_fields = [
        ("q", gettext_lazy("名称"), None),
        ("active_on", gettext_lazy("进行中日期"), "date"),
    ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("safety:campaign-create")

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("lead_department")


class CampaignCreateView(FormPageView):
    model = Campaign
    form_class = CampaignForm
    title = gettext_lazy("新建专项行动")
    edit_title = gettext_lazy("修改专项行动")
    cancel_url_name = "safety:campaign-list"

    def initial(self, obj: Any) -> dict[str, Any]:
        if obj is None:
            return {}
        return {
            "name": obj.name,
            "starts_on": obj.starts_on,
            "ends_on": obj.ends_on,
            "sector_ids": [s.pk for s in obj.sectors.all()],
            "lead_department_id": obj.lead_department_id,
            "department_ids": [o.pk for o in obj.departments.all()],
            "description": obj.description,
        }

    def save(self, user: Any, form: Any, obj: Any) -> tuple[str, str]:
        if obj is not None:
            campaign = campaigns.update_campaign(user, obj.pk, **form.service_fields())
            return reverse("safety:campaign-detail", args=[campaign.pk]), _("专项行动已修改")
        campaign = campaigns.create_campaign(user, **form.service_fields())
        return reverse("safety:campaign-detail", args=[campaign.pk]), _("专项行动已创建")


class CampaignDetailView(ScopedView):
    model = Campaign

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        campaign = get_scoped(Campaign, user, pk=pk)
        inspections = Inspection.objects.restrict(user).filter(campaign=campaign)
        context = {
            "object": campaign,
            "sectors": list(campaign.sectors.all()),
            "departments": list(campaign.departments.order_by("kind", "name")),
            "teams": list(JointTeam.objects.restrict(user).filter(campaign=campaign)),
            "plans": list(InspectionPlan.objects.restrict(user).filter(campaign=campaign)),
            "inspections": inspections.count(),
            "enforcement": inspections.filter(kind__in=ENFORCEMENT_KINDS).count(),
            "can_change": Campaign.objects.restrict(user, "change").filter(pk=pk).exists(),
        }
        return render(request, "safety/planning/campaign_detail.html", context)


class TeamListView(PlanningListView):
    model = JointTeam
    filterset = TeamFilter
    title = gettext_lazy("联合检查组")
    export_name = "safety-teams"
    columns = [
        Column(gettext_lazy("名称"), "name"),
        Column(gettext_lazy("专项行动"), "campaign.name"),
        Column(gettext_lazy("牵头单位"), "lead_org.name"),
        Column(
            gettext_lazy("成员单位"), lambda t: "、".join(o.name for o in t.organizations.all()), sort=False
        ),
        Column(gettext_lazy("启用"), "is_active"),
    ]
    filter_fields = [("q", gettext_lazy("名称"), None)]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("safety:team-create")

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("campaign", "lead_org").prefetch_related("organizations")


class TeamCreateView(FormPageView):
    model = JointTeam
    form_class = TeamForm
    title = gettext_lazy("新建联合检查组")
    cancel_url_name = "safety:team-list"

    def save(self, user: Any, form: Any, obj: Any) -> tuple[str, str]:
        team = campaigns.create_team(user, **form.service_fields())
        return reverse("safety:team-list"), _("联合检查组“%(name)s”已创建") % {"name": team.name}


def _certificate(inspector: Inspector) -> str:
    until = inspector.certificate_valid_until
    if not inspector.certificate_no:
        return _("无执法证")
    if until is None or until < timezone.localdate():
        return _("已过期")
    return _("有效")


class InspectorListView(PlanningListView):
    model = Inspector
    filterset = InspectorFilter
    title = gettext_lazy("执法人员")
    export_name = "safety-inspectors"
    columns = [
        Linked(gettext_lazy("姓名"), "name", "safety:inspector-edit"),
        Column(gettext_lazy("所属部门"), "organization.name"),
        Column(gettext_lazy("执法证号"), "certificate_no"),
        Column(gettext_lazy("执法证有效期至"), "certificate_valid_until"),
        Column(gettext_lazy("执法证"), _certificate, sort=False),
        Column(
            gettext_lazy("回避单位"), lambda i: "、".join(u.name for u in i.related_units.all()), sort=False
        ),
        Column(gettext_lazy("在岗"), "is_active"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        return [
            ("q", gettext_lazy("姓名或执法证号"), None),
            (
                "organization",
                gettext_lazy("所属部门"),
                [("", gettext_lazy("全部部门")), *org_choices(self.request.user)],
            ),
            ("valid_on", gettext_lazy("执法证有效日期"), "date"),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("safety:inspector-create")

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("organization").prefetch_related("related_units")


class InspectorCreateView(FormPageView):
    model = Inspector
    form_class = InspectorForm
    title = gettext_lazy("登记执法人员")
    edit_title = gettext_lazy("修改执法人员")
    cancel_url_name = "safety:inspector-list"

    def initial(self, obj: Any) -> dict[str, Any]:
        if obj is None:
            return {}
        return {
            "name": obj.name,
            "organization_id": obj.organization_id,
            "certificate_no": obj.certificate_no,
            "certificate_valid_until": obj.certificate_valid_until,
            "related_units": "\n".join(u.credit_code or u.name for u in obj.related_units.all()),
            "is_active": obj.is_active,
        }

    def save(self, user: Any, form: Any, obj: Any) -> tuple[str, str]:
        if obj is not None:
            inspector = campaigns.update_inspector(user, obj.pk, **form.service_fields())
            return reverse("safety:inspector-list"), _("执法人员“%(name)s”已修改") % {"name": inspector.name}
        inspector = campaigns.create_inspector(user, **form.service_fields())
        return reverse("safety:inspector-list"), _("执法人员“%(name)s”已登记") % {"name": inspector.name}


# --- 综合查一次 and coverage -----------------------------------------------------------------


class JointVisitListView(PlanningListView):
    model = JointVisit
    filterset = JointVisitFilter
    title = gettext_lazy("综合查一次")
    export_name = "safety-joint-visits"
    template_name = "safety/planning/joint_visit_list.html"
    columns = [
        Column(gettext_lazy("单位"), "unit.name"),
        Column(gettext_lazy("开始日期"), "starts_on"),
        Column(gettext_lazy("结束日期"), "ends_on"),
        Column(gettext_lazy("牵头部门"), "lead_department.name"),
        Column(
            gettext_lazy("参加部门"),
            lambda j: "、".join(sorted({str(v.plan.department) for v in j.visits.all()})),
            sort=False,
        ),
    ]
    filter_fields = [("active_on", gettext_lazy("进行中日期"), "date")]

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .select_related("unit", "lead_department")
            .prefetch_related("visits__plan__department")
        )


class JointVisitMergeView(ScopedView):
    """POST start, end: merge the published plans' visits of that period (综合查一次)."""

    model = JointVisit
    action = "add"

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        url = reverse("safety:joint-visit-list")
        form = MergeForm(request.POST)
        district = actor_district(user)
        if not form.is_valid() or district is None:
            messages.error(request, _("请填写开始日期和结束日期"))
            return HttpResponseRedirect(url)
        try:
            merged = planning.merge_joint_visits(
                district, form.cleaned_data["start"], form.cleaned_data["end"], actor=user
            )
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
            return HttpResponseRedirect(url)
        return redirect_with_message(request, url, _("已合并为%(n)s次综合检查") % {"n": len(merged)})


class CoverageView(ScopedView):
    """Per sector: units, inspected this year (执法/联合), not inspected; ``?sector=ID`` lists
    the units of one sector not inspected."""

    model = Unit

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        if user.role in OUTSIDE_ROLES:
            raise PermissionDenied  # a government figure, not an enterprise's
        today = timezone.localdate()
        data = request.GET if "year" in request.GET else {"year": str(today.year)}
        form = CoverageForm(data)
        rows: list[planning.CoverageRow] = []
        chosen = None
        district = actor_district(user)
        if form.is_valid() and district is not None:
            year = form.cleaned_data["year"]
            as_of: date | None = form.cleaned_data.get("as_of")
            rows = planning.coverage(district, year, as_of, user=user)
            wanted = request.GET.get("sector", "")
            chosen = next((r for r in rows if r.sector is not None and str(r.sector.pk) == wanted), None)
        listed = []
        if chosen is not None:
            never = {u.id for u in chosen.never_inspected}
            listed = [(u, unit_url(u.id), u.id in never) for u in chosen.not_inspected[:500]]
        context = {
            "form": form,
            "rows": rows,
            "chosen": chosen,
            "listed": listed,
            "district": district,
            "query": query_without(request, "sector"),
            "can_merge": can(user, "add", JointVisit),
        }
        status = 200 if form.is_valid() else 422
        return render(request, "safety/planning/coverage.html", context, status=status)
