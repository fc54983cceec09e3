"""Pipeline pages (项目库): the list with its exports (CSV, xlsx and the leader layout grouped by
stage), a project's page (stage history and moves, follow-ups, funds, cards, leads, the hand-off
to the key-project library), the create/edit form and the board by stage.

A town user reaches the projects its town reported (``Scope.town_region``) and sees their stage,
never their amounts, notes, follow-ups or cards: every surface asks
:func:`tiaodu.investment.filters.hidden_fields`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When
from django.forms import HiddenInput
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.styles import Font, PatternFill
from pydantic import ValidationError as PydanticValidationError

from tiaodu.core import exports, figures
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
    filter_error_text,
    redirect_with_message,
)
from tiaodu.investment import handoff, leads, services, tracking
from tiaodu.investment.choices import (
    SIGNED_STAGES,
    STAGE_CHAIN,
    DuplicateStatus,
    FollowLevel,
    Source,
    Stage,
    TerminationReason,
)
from tiaodu.investment.filters import InvestmentProjectFilter, filter_for, hidden_fields
from tiaodu.investment.forms import FollowUpForm, FundsForm, ProjectForm, StageForm, TakeOverForm
from tiaodu.investment.models import (
    FocusArea,
    FollowUp,
    FundsInPlace,
    IndustryChain,
    InvestmentCard,
    InvestmentProject,
    InvestmentStageChange,
    Lead,
    Team,
)
from tiaodu.investment.queries import current_on
from tiaodu.projects.models import Project
from tiaodu.regions.models import Region

RELATED = (
    "chain",
    "chain__parent",
    "team",
    "investor_region",
    "first_reporter",
    "first_township",
    "lead_unit",
)
BOARD_STAGES = [*STAGE_CHAIN, Stage.TERMINATED]
BOARD_CARDS = 30  # projects shown per column of the board (the list has them all)
YI = Decimal(10_000)


def stage_order() -> Case:
    """The stage's position in the chain (终止 last), for sorting by stage."""
    return Case(
        *(When(stage=s, then=Value(i)) for i, s in enumerate(BOARD_STAGES)),
        default=Value(len(BOARD_STAGES)),
        output_field=IntegerField(),
    )


def projects_for(user: Any) -> QuerySet[InvestmentProject]:
    """The user's projects with what the pages show of them."""
    return (
        InvestmentProject.objects.restrict(user).select_related(*RELATED).annotate(stage_order=stage_order())
    )


def _hides(column: Column, hidden: frozenset[str]) -> bool:
    return isinstance(column.attr, str) and column.attr.split(".")[0] in hidden


def _chain(p: InvestmentProject) -> str:
    if p.chain is None:
        return ""
    return f"{p.chain.parent.name}·{p.chain.name}" if p.chain.parent else p.chain.name


COLUMNS = [
    Column(gettext_lazy("项目名称"), "name", link=True),
    Column(gettext_lazy("投资方"), "investor_name"),
    Column(gettext_lazy("阶段"), "stage", sort="stage_order"),
    Column(gettext_lazy("进入阶段日期"), "stage_on"),
    Column(gettext_lazy("产业链"), _chain, sort="chain__name"),
    Column(gettext_lazy("计划投资额(万元)"), "planned_investment"),
    Column(gettext_lazy("协议投资额(万元)"), "agreed_investment"),
    Column(gettext_lazy("招商组"), "team.name"),
    Column(gettext_lazy("来源"), "source"),
    Column(gettext_lazy("投资方所在地"), "investor_region.name"),
    Column(gettext_lazy("跟进级别"), "follow_level"),
    Column(gettext_lazy("重点"), "is_key"),
    Column(gettext_lazy("首报单位"), "first_reporter.name"),
    Column(gettext_lazy("首报镇街"), "first_township.name"),
    Column(gettext_lazy("首报日期"), "first_reported_on"),
    Column(gettext_lazy("计划签约日期"), "planned_signing_on"),
    Column(gettext_lazy("最近跟进日期"), "last_follow_up_on"),
    Column(gettext_lazy("督办牌"), "card"),
    Column(gettext_lazy("查重裁定"), "duplicate_status"),
]


def filter_fields(user: Any) -> list[tuple[str, Any, Any]]:
    """The list's and the board's filters (the amount and card filters only for those who may
    see amounts and cards)."""
    district = actor_district(user)
    chains = IndustryChain.objects.restrict(user).filter(is_active=True).select_related("parent")
    teams = Team.objects.restrict(user).filter(is_active=True)
    areas = FocusArea.objects.restrict(user)
    if district is not None and user.role != "admin":
        chains, teams, areas = (
            chains.filter(region=district),
            teams.filter(region=district),
            areas.filter(region=district),
        )
    hidden = hidden_fields(user)
    fields: list[tuple[str, Any, Any]] = [
        ("q", gettext_lazy("项目名称或投资方"), None),
        ("stage", gettext_lazy("阶段"), [("", gettext_lazy("全部阶段")), *Stage.choices]),
        (
            "chain",
            gettext_lazy("产业链"),
            [("", gettext_lazy("全部产业链")), *((c.pk, _chain_label(c)) for c in chains)],
        ),
        (
            "team",
            gettext_lazy("招商组"),
            [("", gettext_lazy("全部招商组")), *((t.pk, t.name) for t in teams)],
        ),
        ("source", gettext_lazy("来源"), [("", gettext_lazy("全部来源")), *Source.choices]),
        (
            "focus_area",
            gettext_lazy("重点区域"),
            [("", gettext_lazy("全部区域")), *((a.pk, a.name) for a in areas)],
        ),
        ("origin", gettext_lazy("投资方所在地(区划代码)"), None),
        (
            "follow_level",
            gettext_lazy("跟进级别"),
            [("", gettext_lazy("全部跟进级别")), *FollowLevel.choices],
        ),
        (
            "is_key",
            gettext_lazy("重点"),
            [
                ("", gettext_lazy("重点与一般")),
                ("true", gettext_lazy("重点项目")),
                ("false", gettext_lazy("一般项目")),
            ],
        ),
        (
            "duplicate",
            gettext_lazy("查重"),
            [("", gettext_lazy("全部查重状态")), *((v, lbl) for v, lbl in DuplicateStatus.choices if v)],
        ),
    ]
    if "planned_investment" not in hidden:
        fields += [
            ("amount_min", gettext_lazy("投资额下限(万元)"), None),
            ("amount_max", gettext_lazy("投资额上限(万元)"), None),
        ]
    if "card" not in hidden:
        fields.append(
            (
                "card",
                gettext_lazy("督办牌"),
                [
                    ("", gettext_lazy("全部")),
                    ("any", gettext_lazy("红黄牌")),
                    ("red", gettext_lazy("红牌")),
                    ("yellow", gettext_lazy("黄牌")),
                ],
            )
        )
    return fields


def _chain_label(c: IndustryChain) -> str:
    return f"{c.parent.name}·{c.name}" if c.parent else c.name


class ProjectListView(ObjectListView):
    model = InvestmentProject
    filterset = InvestmentProjectFilter
    title = gettext_lazy("招商项目库")
    export_name = "investment-projects"
    template_name = "investment/project_list.html"
    columns = COLUMNS

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        hidden = hidden_fields(request.user)
        self.columns = [c for c in self.columns if not _hides(c, hidden)]  # type: ignore[misc]
        self.filterset = filter_for(request.user)  # type: ignore[misc]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        return filter_fields(self.request.user)

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("investment:create")

    def get_queryset(self) -> Any:
        return projects_for(self.request.user).order_by("name", "pk")

    def export(self, queryset: QuerySet[Any], kind: str) -> HttpResponse:
        if kind != "xlsx" or self.request.GET.get("layout") != "leader":
            return super().export(queryset, kind)
        today = timezone.localdate()
        on: date | None = None
        if self.request.GET.get("as_of"):
            try:
                on = date.fromisoformat(self.request.GET["as_of"])
            except ValueError:
                return HttpResponse(_("截至日期格式应为 YYYY-MM-DD"), status=422, content_type="text/plain")
            if on > today:
                return HttpResponse(_("截至日期不能晚于今天"), status=422, content_type="text/plain")
        title = _("招商引资项目推进情况表")
        content = leader_workbook(title, queryset, hidden_fields(self.request.user), on)
        return exports.xlsx_response(content, f"{title}-{(on or today):%Y%m%d}.xlsx")


# --- The leader layout ------------------------------------------------------------------------------


def _yi(wan: Decimal | None) -> float | None:
    """万元 → 亿元 (4 decimals kept; the cell shows 2)."""
    return None if wan is None else float(round(Decimal(wan) / YI, 4))


LeaderColumn = tuple[Any, int, str, Callable[[InvestmentProject], Any]]
LEADER_COLUMNS: list[LeaderColumn] = [
    (gettext_lazy("项目名称"), 34, "", lambda p: p.name),
    (gettext_lazy("投资方"), 30, "", lambda p: p.investor_name),
    (gettext_lazy("投资方所在地"), 12, "", lambda p: p.investor_region.name if p.investor_region else ""),
    (gettext_lazy("产业链"), 18, "", _chain),
    (gettext_lazy("计划投资额(亿元)"), 12, "planned_investment", lambda p: _yi(p.planned_investment)),
    (gettext_lazy("协议投资额(亿元)"), 12, "agreed_investment", lambda p: _yi(p.agreed_investment)),
    (gettext_lazy("招商组"), 16, "", lambda p: p.team.name if p.team else ""),
    (gettext_lazy("跟进级别"), 10, "", lambda p: p.get_follow_level_display()),
    (gettext_lazy("进入阶段日期"), 12, "", lambda p: p.stage_on.isoformat() if p.stage_on else ""),
    (
        gettext_lazy("计划签约日期"),
        12,
        "",
        lambda p: p.planned_signing_on.isoformat() if p.planned_signing_on else "",
    ),
    (gettext_lazy("首报单位"), 16, "", lambda p: p.first_reporter.name if p.first_reporter else ""),
    (gettext_lazy("备注"), 24, "notes", lambda p: p.notes),
]


def leader_workbook(
    title: str, queryset: QuerySet[Any], hidden: frozenset[str], on: date | None = None
) -> bytes:
    """One sheet: title row, as-of line, header, then the projects grouped by stage (in the
    chain's order), each group closed by a subtotal (count, 计划/协议投资额 in 亿元), and a total.

    ``on``: the pipeline as of that date, from the stage history (a project's stage that day;
    projects entered later are left out, 协议投资额 only for those signed by then)."""
    columns = [c for c in LEADER_COLUMNS if c[2] not in hidden]
    money = [i for i, c in enumerate(columns, start=2) if c[2] in ("planned_investment", "agreed_investment")]
    width = len(columns) + 1
    wb, ws = exports.leader_sheet(
        title,
        _("截至%(date)s") % {"date": figures.cn_date(on or timezone.localdate())},
        [_("序号"), *(str(c[0]) for c in columns)],
        [6, *(c[1] for c in columns)],
    )
    bold = Font(bold=True)
    subtotal_fill = PatternFill("solid", fgColor="F2F2F2")

    def sums(rows: list[InvestmentProject]) -> list[float | None]:
        planned = sum((p.planned_investment or Decimal(0) for p in rows), Decimal(0))
        agreed = sum((p.agreed_investment or Decimal(0) for p in rows), Decimal(0))
        return [_yi(planned), _yi(agreed)]

    def total_row(label: str, rows: list[InvestmentProject]) -> None:
        values: list[Any] = [label, _("%(n)d个项目") % {"n": len(rows)}] + [""] * (width - 2)
        for index, value in zip(money, sums(rows), strict=False):
            values[index - 1] = value
        exports.append(ws, values)
        for cell in ws[ws.max_row]:
            cell.font = bold
            cell.fill = subtotal_fill

    held: dict[int, str] | None = None
    if on is not None:
        rows_then = InvestmentStageChange.objects.filter(current_on(on), project__in=queryset.values("pk"))
        held = dict(rows_then.values_list("project_id", "to_stage"))
    by_stage: dict[str, list[InvestmentProject]] = {}
    for p in queryset.order_by("stage_order", "name", "pk").iterator(2000):
        stage = p.stage if held is None else held.get(p.pk)
        if stage is None:
            continue  # not yet in the pipeline on that date
        if stage not in SIGNED_STAGES:
            p.agreed_investment = None
        by_stage.setdefault(stage, []).append(p)
    everything: list[InvestmentProject] = []
    for stage in BOARD_STAGES:
        rows = by_stage.get(stage)
        if not rows:
            continue
        exports.append(ws, [f"{services.stage_label(stage)}({len(rows)}个)"])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        ws.cell(ws.max_row, 1).font = bold
        for n, p in enumerate(rows, start=1):
            exports.append(ws, [n, *(c[3](p) for c in columns)])
        total_row(_("小计"), rows)
        everything += rows
    total_row(_("合计"), everything)
    return exports.finish_leader_sheet(wb, ws, money_columns=money)


# --- A project's page -----------------------------------------------------------------------------


class ProjectDetailView(ScopedView):
    model = InvestmentProject

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, pk)

    def page(self, request: HttpRequest, pk: int, status: int = 200, **forms: Any) -> HttpResponse:
        user = current_user(request)
        project = get_scoped(InvestmentProject, user, pk=pk)
        project = projects_for(user).get(pk=project.pk)
        hidden = hidden_fields(user)
        can_change = InvestmentProject.objects.restrict(user, "change").filter(pk=project.pk).exists()
        today = timezone.localdate()
        allowed = services.allowed_targets(project.stage) if can_change else ()
        follow_ups = FollowUp.objects.restrict(user).filter(project=project).select_related("created_by")
        funds = list(FundsInPlace.objects.restrict(user).filter(project=project).order_by("month", "source"))
        key_project = (
            Project.objects.restrict(user).filter(pk=project.key_project_id).first()
            if project.key_project_id
            else None
        )
        first = None
        if project.duplicate_of_id and project.duplicate_status:
            first = InvestmentProject.objects.restrict(user).filter(pk=project.duplicate_of_id).first()
        context = {
            "object": project,
            "hidden": hidden,
            "sees_amounts": "planned_investment" not in hidden,
            "sees_notes": "notes" not in hidden,
            "sees_follow_ups": "last_follow_up_on" not in hidden and can(user, "view", FollowUp),
            "chain_label": _chain(project),
            "stage_changes": InvestmentStageChange.objects.restrict(user)
            .filter(project=project)
            .select_related("actor")
            .order_by("on", "pk"),
            "can_change": can_change,
            "allowed": [(s, services.stage_label(s)) for s in allowed],
            "stage_form": forms.get("stage_form")
            or StageForm(allowed=allowed, initial={"on": today, "to": allowed[0] if allowed else ""}),
            "follow_up_form": forms.get("follow_up_form") or FollowUpForm(initial={"on": today}),
            "funds_form": forms.get("funds_form") or FundsForm(initial={"month": today.replace(day=1)}),
            "take_over_form": forms.get("take_over_form") or TakeOverForm(user=user),
            "follow_ups": follow_ups[:100],
            "funds": funds,
            "funds_total": sum((f.amount for f in funds), Decimal(0)),
            "cards": InvestmentCard.objects.restrict(user).filter(project=project)[:50],
            "leads": Lead.objects.restrict(user).filter(project=project).order_by("-reported_on", "-pk"),
            "key_project": key_project,
            "first": first,
            "can_take_over": can_change
            and project.stage in SIGNED_STAGES
            and project.key_project_id is None
            and can(user, "add", Project),
            "is_signed": project.stage in SIGNED_STAGES,
        }
        return render(request, "investment/project_detail.html", context, status=status)


class _ProjectPostView(ProjectDetailView):
    """A POST on a project: the service call, then back to the project with what happened, or the
    page again with the refusal on its form (status of the refusal: 409, 422)."""

    action = "change"

    def refused(self, request: HttpRequest, pk: int, form: Any, name: str, exc: ServiceError) -> HttpResponse:
        if exc.status in (403, 404):
            raise exc
        if exc.status == 409 and all(e.message != exc.message for e in exc.errors):
            form.add_error(None, exc.message)  # a refusal's own sentence (e.g. the forbidden move)
        apply_service_error(form, exc)
        return self.page(request, pk, status=exc.status if exc.status >= 400 else 422, **{name: form})


class StageChangeView(_ProjectPostView):
    """POST a move of the stage table; from the board (``next=board``) back to the board."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        project = get_scoped(InvestmentProject, user, pk=pk)
        form = StageForm(request.POST, allowed=services.allowed_targets(project.stage))
        board = request.POST.get("next") == "board"
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.change_stage(
                    user,
                    project,
                    data["to"],
                    data["on"],
                    reason=data["reason"] or "",
                    note=data["note"],
                    agreed_investment=data["agreed_investment"],
                    version=parse_version(request.POST.get("version")),
                )
            except ServiceError as exc:
                if board and exc.status not in (403, 404):
                    messages.error(request, _service_text(exc))
                    board_page = BoardView.as_view()(_as_get(request), status=exc.status)
                    return cast(HttpResponse, board_page)
                return self.refused(request, pk, form, "stage_form", exc)
            text = _("“%(name)s”已变更为“%(stage)s”") % {
                "name": project.name,
                "stage": services.stage_label(data["to"]),
            }
            url = reverse("investment:board") if board else project.get_absolute_url()
            return redirect_with_message(request, url, text)
        if board:
            messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
            return HttpResponseRedirect(reverse("investment:board"))
        return self.page(request, pk, status=422, stage_form=form)


def _service_text(exc: ServiceError) -> str:
    details = [e.message for e in exc.errors if e.message != exc.message]
    return exc.message + ("(" + ";".join(details) + ")" if details else "")


def _as_get(request: HttpRequest) -> HttpRequest:
    request.method = "GET"
    return request


class _FormPostView(_ProjectPostView, ABC):
    """A POST of one form on a project: valid → the service call → back to the project's
    section with a message; invalid or refused → the project's page with the form's errors."""

    form_name: str  # the page's context name of the form

    @abstractmethod
    def form(self, request: HttpRequest) -> Any:
        """The bound form of the POST."""

    @abstractmethod
    def call(self, user: Any, project: InvestmentProject, data: dict[str, Any]) -> str:
        """The service call; returns the message to show."""

    anchor = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        project = get_scoped(InvestmentProject, user, pk=pk)
        form = self.form(request)
        if not form.is_valid():
            return self.page(request, pk, status=422, **{self.form_name: form})
        try:
            message = self.call(user, project, form.cleaned_data)
        except ServiceError as exc:
            return self.refused(request, pk, form, self.form_name, exc)
        return redirect_with_message(request, project.get_absolute_url() + self.anchor, message)


class FollowUpView(_FormPostView):
    """POST a follow-up (跟进记录) through ``tracking.record_follow_up``."""

    form_name, anchor = "follow_up_form", "#follow-ups"

    def form(self, request: HttpRequest) -> Any:
        return FollowUpForm(request.POST)

    def call(self, user: Any, project: InvestmentProject, data: dict[str, Any]) -> str:
        tracking.record_follow_up(user, project, **data)
        return _("已登记跟进记录")


class FundsView(_FormPostView):
    """POST funds in place (到位资金) of a month through ``tracking.record_funds``."""

    form_name, anchor = "funds_form", "#funds"

    def form(self, request: HttpRequest) -> Any:
        return FundsForm(request.POST)

    def call(self, user: Any, project: InvestmentProject, data: dict[str, Any]) -> str:
        tracking.record_funds(user, project, **data)
        return _("已登记到位资金")


class TakeOverView(_FormPostView):
    """POST 转入重点项目库 through ``handoff.take_over``: the key project, linked both ways."""

    form_name = "take_over_form"

    def form(self, request: HttpRequest) -> Any:
        return TakeOverForm(request.POST, user=request.user)

    def call(self, user: Any, project: InvestmentProject, data: dict[str, Any]) -> str:
        values: dict[str, Any] = {k: v for k, v in data.items() if v}
        if "township_code" in values:
            values["township"] = values.pop("township_code")
        key = handoff.take_over(user, project, **values)
        return _("已转入重点项目库:“%(name)s”") % {"name": key.name}


# --- Create and edit ------------------------------------------------------------------------------


class ProjectEditView(EditView):
    """登记 (no pk: through 首报制, ``leads.create_project_checked``) or 编辑 a project."""

    model = InvestmentProject

    def _form(self, request: HttpRequest, project: InvestmentProject | None, **kwargs: Any) -> ProjectForm:
        district = cast(Region, project.region) if project else actor_district(request.user)
        return ProjectForm(user=request.user, district=district, instance=project, **kwargs)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        project = self.instance(request, pk)
        initial = ProjectForm.initial_for(project) if project else {"on": timezone.localdate()}
        return self._render(request, self._form(request, project, initial=initial), project)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        project = self.instance(request, pk)
        form = self._form(request, project, data=request.POST)
        duplicate, status = False, 422
        if form.is_valid():
            values = form.service_fields()
            try:
                if project is None:
                    saved = create_checked(user, **values)
                else:
                    version = form.expected_version
                    saved = services.update_project(user, project.pk, version, **values)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                duplicate = exc.code == "duplicate_investor" or any(
                    e.code == "duplicate_investor" for e in exc.errors
                )
                apply_service_error(form, exc)
                status = exc.status if exc.status >= 400 else 422
            else:
                text = _("已登记招商项目“%(name)s”") if project is None else _("已保存招商项目“%(name)s”")
                return redirect_with_message(request, saved.get_absolute_url(), text % {"name": saved.name})
        return self._render(request, form, project, status=status, duplicate=duplicate)

    def _render(
        self,
        request: HttpRequest,
        form: ProjectForm,
        project: InvestmentProject | None,
        status: int = 200,
        duplicate: bool = False,
    ) -> HttpResponse:
        field = form.fields.get("submit_as_duplicate")
        if field is not None and not duplicate and not form["submit_as_duplicate"].value():
            field.widget = HiddenInput()  # offered once the duplicate check has named the first report
        context = {"form": form, "object": project, "duplicate": duplicate}
        return render(request, "investment/project_form.html", context, status=status)


def create_checked(
    actor: Any, *, stage: str, on: Any, submit_as_duplicate: bool = False, **values: Any
) -> Any:
    """A new project through 首报制 (lane A's ``leads.create_project_checked``)."""
    return leads.create_project_checked(
        actor, submit_as_duplicate=submit_as_duplicate, stage=stage, on=on, **values
    )


# --- The board ----------------------------------------------------------------------------------


class BoardView(ScopedView):
    """The pipeline by stage: a column per stage with its count and amounts, a card per project
    (the first ``BOARD_CARDS``), and a form per allowed move on the projects the user may change."""

    model = InvestmentProject

    def get(self, request: HttpRequest, status: int = 200) -> HttpResponse:
        user = current_user(request)
        hidden = hidden_fields(user)
        schema = filter_for(user)
        params: dict[str, Any] = {
            k: v for k, v in request.GET.items() if k in schema.model_fields and v != "" and k != "stage"
        }
        errors: list[str] = []
        queryset = projects_for(user)
        try:
            queryset = schema(**params).filter(queryset)
        except ServiceError as exc:
            errors, queryset = [exc.message], queryset.none()
        except PydanticValidationError as exc:
            fields = filter_fields(user)
            errors, queryset = [filter_error_text(fields, e) for e in exc.errors()], queryset.none()
        totals = {
            row["stage"]: row
            for row in queryset.order_by()
            .values("stage")
            .annotate(n=Count("pk"), planned=Sum("planned_investment"), agreed=Sum("agreed_investment"))
        }
        changeable: set[int] = set()
        columns = []
        for stage in BOARD_STAGES:
            row = totals.get(stage, {})
            cards = list(queryset.filter(stage=stage).order_by("-is_key", "name", "pk")[:BOARD_CARDS])
            columns.append(
                {
                    "stage": stage,
                    "label": services.stage_label(stage),
                    "count": row.get("n", 0),
                    "planned": figures.amount(row.get("planned") or 0),
                    "agreed": figures.amount(row.get("agreed") or 0) if stage in SIGNED_STAGES else "",
                    "projects": cards,
                    "more": max(row.get("n", 0) - len(cards), 0),
                    "targets": [(t, services.stage_label(t)) for t in services.allowed_targets(stage)],
                }
            )
        shown = [p.pk for c in columns for p in c["projects"]]
        if shown and can(user, "change", InvestmentProject):
            changeable = set(
                InvestmentProject.objects.restrict(user, "change")
                .filter(pk__in=shown)
                .values_list("pk", flat=True)
            )
        context = {
            "title": _("招商项目推进看板"),
            "columns": columns,
            "changeable": changeable,
            "sees_amounts": "planned_investment" not in hidden,
            "sees_cards": "card" not in hidden,
            "filter_fields": [f for f in filter_fields(user) if f[0] != "stage"],
            "filter_values": params,
            "filter_errors": errors,
            "today": timezone.localdate(),
            "reasons": TerminationReason.choices,
            "signed": Stage.SIGNED,
            "terminated": Stage.TERMINATED,
            "query": request.GET.urlencode(),
        }
        return render(request, "investment/board.html", context, status=status)
