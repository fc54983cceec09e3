"""Key-project pages: the list and the “五张清单”, the project page (stages, milestones and their
timeline, history), the edit form, stage changes and backward scheduling."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.cases.forms import township_choices
from tiaodu.core import exports
from tiaodu.core.concurrency import parse_version
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
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
from tiaodu.events.models import EventProject
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects import services
from tiaodu.projects.choices import Funding, ProjectKind, ProjectLevel, Stage
from tiaodu.projects.filters import FIVE_LISTS, ProjectFilter
from tiaodu.projects.forms import MilestoneForm, ProjectForm, ScheduleForm, StageForm
from tiaodu.projects.models import Milestone, Project, ProjectCard

RELATED = ("township", "owner", "responsible_unit", "leader", "squad")


def _leader(p: Project) -> str:
    return p.leader.display_name if p.leader else ""


class ProjectListView(ObjectListView):
    model = Project
    filterset = ProjectFilter
    title = gettext_lazy("重点项目")
    export_name = "projects"
    template_name = "projects/project_list.html"
    columns = [
        Column(gettext_lazy("项目名称"), "name", link=True),
        Column(gettext_lazy("项目代码"), "code"),
        Column(gettext_lazy("项目级别"), "level"),
        Column(gettext_lazy("项目类型"), "kind"),
        Column(gettext_lazy("所属镇街"), "township.name"),
        Column(gettext_lazy("总投资(万元)"), "total_investment"),
        Column(gettext_lazy("年度计划投资(万元)"), "annual_plan"),
        Column(gettext_lazy("累计完成投资(万元)"), "investment_completed"),
        Column(gettext_lazy("资金来源"), "funding"),
        Column(gettext_lazy("阶段"), "stage"),
        Column(gettext_lazy("责任单位"), "responsible_unit.name"),
        Column(gettext_lazy("包保领导"), _leader),
        Column(gettext_lazy("服务专班"), "squad.name"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        user = self.request.user
        orgs = Organization.objects.restrict(user).filter(is_active=True).order_by("name")
        units = orgs.filter(kind__in=(OrgKind.DEPARTMENT, OrgKind.GOVERNMENT, OrgKind.TOWN))
        return [
            ("q", gettext_lazy("项目名称或代码"), None),
            ("stage", gettext_lazy("阶段"), [("", gettext_lazy("全部阶段")), *Stage.choices]),
            ("level", gettext_lazy("项目级别"), [("", gettext_lazy("全部级别")), *ProjectLevel.choices]),
            ("kind", gettext_lazy("项目类型"), [("", gettext_lazy("全部类型")), *ProjectKind.choices]),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(user)]),
            (
                "squad",
                gettext_lazy("服务专班"),
                [("", gettext_lazy("全部专班")), *((o.pk, o.name) for o in orgs.filter(kind=OrgKind.SQUAD))],
            ),
            (
                "responsible_unit",
                gettext_lazy("责任单位"),
                [("", gettext_lazy("全部责任单位")), *((o.pk, o.name) for o in units)],
            ),
            ("funding", gettext_lazy("资金来源"), [("", gettext_lazy("全部资金来源")), *Funding.choices]),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("projects:create")

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related(*RELATED).order_by("name", "pk")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().get(request)


class FiveListView(ProjectListView):
    """One of the “五张清单”: a saved view of the list, exported in the layout handed to leaders."""

    template_name = "projects/project_list.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if kwargs.get("name") not in FIVE_LISTS:
            raise Http404
        self.list_name = kwargs["name"]
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self) -> str:  # type: ignore[override]
        return str(FIVE_LISTS[self.list_name][0])

    @property
    def export_name(self) -> str:  # type: ignore[override]
        return f"projects-{self.list_name}"

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(FIVE_LISTS[self.list_name][1])

    def export(self, queryset: QuerySet[Any], kind: str) -> HttpResponse:
        if kind != "xlsx":
            return super().export(queryset, kind)
        stamp = timezone.localdate().strftime("%Y%m%d")
        return exports.xlsx_response(leader_workbook(str(self.title), queryset), f"{self.title}-{stamp}.xlsx")


LEADER_COLUMNS: list[tuple[Any, int]] = [
    (gettext_lazy("序号"), 6),
    (gettext_lazy("项目名称"), 36),
    (gettext_lazy("所属镇街"), 12),
    (gettext_lazy("总投资(万元)"), 13),
    (gettext_lazy("年度计划(万元)"), 13),
    (gettext_lazy("累计完成(万元)"), 13),
    (gettext_lazy("阶段"), 8),
    (gettext_lazy("计划开工"), 12),
    (gettext_lazy("计划竣工"), 12),
    (gettext_lazy("责任单位"), 18),
    (gettext_lazy("包保领导"), 10),
    (gettext_lazy("服务专班"), 18),
    (gettext_lazy("备注"), 20),
]


def leader_workbook(title: str, queryset: QuerySet[Any]) -> bytes:
    """Title row, date line, header, one row per project (序号 …), and a total row."""
    wb, ws = exports.leader_sheet(
        title,
        _("截至%(date)s") % {"date": timezone.localdate().strftime("%Y年%m月%d日")},
        [str(label) for label, _w in LEADER_COLUMNS],
        [w for _label, w in LEADER_COLUMNS],
    )
    totals = [0.0, 0.0, 0.0]
    n = 0
    for n, p in enumerate(queryset.iterator(2000), start=1):
        money = [float(p.total_investment), float(p.annual_plan), float(p.investment_completed)]
        totals = [a + b for a, b in zip(totals, money, strict=True)]
        exports.append(
            ws,
            [
                n,
                p.name,
                p.township.name,
                *money,
                p.get_stage_display(),
                p.planned_start.isoformat() if p.planned_start else "",
                p.planned_completion.isoformat() if p.planned_completion else "",
                p.responsible_unit.name if p.responsible_unit else "",
                _leader(p),
                p.squad.name if p.squad else "",
                p.notes,
            ],
        )
    exports.append(ws, [_("合计"), _("%(n)d个项目") % {"n": n}, "", *totals])
    return exports.finish_leader_sheet(wb, ws, money_columns=(4, 5, 6), wrap_columns=(2, 13))


class ProjectDetailView(ScopedView):
    """Stages with their dates, milestones with the timeline, the stage and schedule forms."""

    model = Project

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, pk)

    def page(self, request: HttpRequest, pk: int, status: int = 200, **forms: Any) -> HttpResponse:
        user = current_user(request)
        project = get_scoped(Project, user, pk=pk)
        project = Project.objects.select_related(*RELATED).get(pk=project.pk)
        milestones = list(
            Milestone.objects.restrict(user).filter(project=project).order_by("order", "planned_on")
        )
        can_change = Project.objects.restrict(user, "change").filter(pk=project.pk).exists()
        today = timezone.localdate()
        context = {
            "object": project,
            "stage_changes": project.stage_changes.select_related("actor").order_by("on", "pk"),
            "timeline": services.timeline(milestones, today),
            "critical": services.critical_milestone(milestones, today),
            "can_change": can_change,
            "stage_form": forms.get("stage_form") or StageForm(project=project, initial={"on": today}),
            "schedule_form": forms.get("schedule_form") or ScheduleForm(),
            "allowed": services.allowed_targets(project),
            "cards": ProjectCard.objects.restrict(user)
            .filter(project=project)
            .select_related("responsible_unit")
            .order_by("-issued_on", "-pk")[:50],
            "events": EventProject.objects.restrict(user)
            .filter(project=project)
            .select_related("event")
            .order_by("-event__held_on"),
            "completion_rate": (
                round(float(project.investment_completed) * 100 / float(project.total_investment), 1)
                if project.total_investment
                else None
            ),
        }
        return render(request, "projects/project_detail.html", context, status=status)


class StageChangeView(ProjectDetailView):
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        project = get_scoped(Project, user, "change", pk=pk)
        form = StageForm(request.POST, project=project)
        if form.is_valid():
            try:
                services.change_stage(
                    user,
                    project,
                    form.cleaned_data["to"],
                    form.cleaned_data["on"],
                    form.cleaned_data["note"],
                    version=parse_version(request.POST.get("version")),
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                label = services.stage_label(form.cleaned_data["to"])
                return redirect_with_message(
                    request, project.get_absolute_url(), _("项目阶段已变更为“%(stage)s”") % {"stage": label}
                )
        return self.page(request, pk, status=422, stage_form=form)


class ScheduleView(ProjectDetailView):
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        project = get_scoped(Project, user, "change", pk=pk)
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                services.backward_schedule(
                    user, project, form.cleaned_data["target_kind"], form.cleaned_data["target_date"]
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, project.get_absolute_url() + "#milestones", _("已生成倒排工期")
                )
        return self.page(request, pk, status=422, schedule_form=form)


class MilestoneView(ProjectDetailView):
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        form = MilestoneForm(request.POST)
        if form.is_valid():
            milestone = get_scoped(
                Milestone, user, "change", pk=form.cleaned_data["milestone"], project_id=pk
            )
            try:
                services.record_milestone(user, milestone, form.cleaned_data["actual_on"])
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                from django.contrib import messages

                messages.error(request, exc.message + ":" + "; ".join(e.message for e in exc.errors))
            else:
                return redirect_with_message(
                    request, reverse("projects:detail", args=[pk]) + "#milestones", _("已登记节点完成日期")
                )
        return self.page(request, pk, status=422)


class ProjectEditView(EditView):
    """Create (no pk) or change a project through ``services.save_project``."""

    model = Project

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        project = self.instance(request, pk)
        initial = ProjectForm.initial_for(project) if project else {"stage": Stage.RESERVE}
        form = ProjectForm(initial=initial, user=request.user, instance=project)
        return self._render(request, form, project)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        project = self.instance(request, pk)
        form = ProjectForm(request.POST, user=user, instance=project)
        if form.is_valid():
            try:
                saved, created = services.save_project(user, pk, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                message = (_("已登记项目“%(name)s”") if created else _("已保存项目“%(name)s”")) % {
                    "name": saved.name
                }
                return redirect_with_message(request, saved.get_absolute_url(), message)
        return self._render(request, form, project, status=422)

    def _render(
        self, request: HttpRequest, form: ProjectForm, project: Project | None, status: int = 200
    ) -> HttpResponse:
        return render(request, "projects/project_form.html", {"form": form, "object": project}, status=status)


class ProjectHistoryView(ObjectHistoryView):
    model = Project
