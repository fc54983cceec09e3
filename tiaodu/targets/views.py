"""Target pages: the list (filters, Excel/CSV export), a target with its versions, setting and
revising targets, the progress of a region (月通报), the quarterly supervision list (季督办) and
the annual evaluation (年评估), both exported in the leader layout; the progress and the
supervision list also as official documents (公文, docx / PDF, :mod:`tiaodu.targets.document`);
the import page."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from tiaodu.core import exports, views_import
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.views import (
    Column,
    EditView,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)
from tiaodu.core.views_report import document_export, export_params
from tiaodu.monitoring.computations import value_text
from tiaodu.monitoring.models import Indicator, StatPeriod
from tiaodu.monitoring.periods import MONTH_KINDS, Period
from tiaodu.targets import multiyear, services
from tiaodu.targets.document import build_document
from tiaodu.targets.filters import TargetFilter
from tiaodu.targets.forms import (
    EvaluationForm,
    MultiYearTargetForm,
    ProgressForm,
    SupervisionForm,
    TargetForm,
    default_region,
    region_choices,
)
from tiaodu.targets.models import MultiYearTarget, Target

RELATED = ("region", "indicator", "responsible", "set_by")


def _value(t: Target) -> str:
    return services.target_text(t.indicator, t.value, None) if t.value is not None else ""


def _growth(t: Target) -> str:
    return "" if t.growth is None else f"{services.num(t.growth)}%"


def _set_by(t: Target) -> str:
    return t.set_by.display_name if t.set_by else _("系统")


def default_year(user: Any) -> int:
    """The latest year with targets the user may see, else this year."""
    year = Target.objects.restrict(user).order_by("-year").values_list("year", flat=True).first()
    return year or timezone.localdate().year


def default_period(year: int) -> str:
    """The latest cumulative period of ``year`` with figures (1月—2月 …), else the first quarter."""
    row = (
        StatPeriod.objects.filter(year=year, first=1, kind__in=MONTH_KINDS)
        .order_by("-last")
        .values_list("last", flat=True)
        .first()
    )
    return Period.months(year, 1, row).full_label if row else Period.quarter(year, 1).full_label


class TargetListView(ObjectListView):
    model = Target
    filterset = TargetFilter
    title = gettext_lazy("年度目标")
    export_name = "targets"
    template_name = "targets/target_list.html"
    columns = [
        Column(gettext_lazy("地区"), "region.name", link=True),
        Column(gettext_lazy("年度"), "year"),
        Column(gettext_lazy("指标"), "indicator.name"),
        Column(gettext_lazy("目标值"), _value),
        Column(gettext_lazy("目标增速"), _growth),
        Column(gettext_lazy("责任单位"), "responsible.name"),
        Column(gettext_lazy("版本"), "version"),
        Column(gettext_lazy("设定人"), _set_by),
        Column(
            gettext_lazy("设定时间"),
            lambda t: timezone.localtime(t.set_at).strftime("%Y-%m-%d %H:%M"),
            sort="set_at",
        ),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        user = self.request.user
        visible = Target.objects.restrict(user)
        years = sorted(set(visible.values_list("year", flat=True)), reverse=True)
        regions = [
            (code, name)
            for _group, options in region_choices(user, with_city=False)
            for code, name in options
        ]
        indicators = Indicator.objects.filter(pk__in=visible.values("indicator")).order_by("order", "code")
        return [
            ("year", gettext_lazy("年度"), [("", gettext_lazy("全部年度")), *((y, f"{y}") for y in years)]),
            ("region", gettext_lazy("地区"), [("", gettext_lazy("全部地区")), *regions]),
            (
                "indicator",
                gettext_lazy("指标"),
                [("", gettext_lazy("全部指标")), *((i.code, i.name) for i in indicators)],
            ),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("targets:create")

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .select_related(*RELATED)
            .order_by("-year", "region__code", "indicator__order", "indicator__code")
        )


class TargetDetailView(ScopedView):
    """The target, its progress on the latest figures of its year, and every version."""

    model = Target

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        target = get_scoped(Target, user, pk=pk)
        target = Target.objects.select_related(*RELATED, "indicator__share_of").get(pk=target.pk)
        progress = services.assess([target], Period.whole_year(target.year), user)[0]
        context = {
            "object": target,
            "target_text": services.target_text(target.indicator, target.value, target.growth),
            "progress": progress,
            "revisions": target.revisions.select_related("responsible", "set_by").order_by("-version"),
            "can_change": Target.objects.restrict(user, "change").filter(pk=target.pk).exists(),
            "can_delete": Target.objects.restrict(user, "delete").filter(pk=target.pk).exists(),
        }
        return render(request, "targets/target_detail.html", context)


class TargetEditView(EditView):
    """Set a target (no pk) or revise one through the services (a change is a new version)."""

    model = Target

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        target = self.instance(request, pk)
        if target is not None:
            initial = TargetForm.initial_for(target)
        else:
            initial = {"region": default_region(user), "year": default_year(user)}
        return self._render(request, TargetForm(initial=initial, user=user, instance=target), target)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        target = self.instance(request, pk)
        initial = TargetForm.initial_for(target) if target is not None else None
        form = TargetForm(request.POST, initial=initial, user=user, instance=target)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if target is None:
                    saved = services.create_target(
                        user,
                        data["region"],
                        data["indicator"],
                        data["year"],
                        value=data["value"],
                        growth=data["growth"],
                        responsible=data["responsible"],
                        note=data["note"],
                    )
                    message = _("已设定%(target)s") % {"target": saved}
                else:
                    saved, outcome = services.revise_target(
                        user,
                        target.pk,
                        value=data["value"],
                        growth=data["growth"],
                        responsible=data["responsible"],
                        note=data["note"],
                        reason=data.get("reason") or "",
                    )
                    message = (
                        _("已调整%(target)s(第%(version)d版)") % {"target": saved, "version": saved.version}
                        if outcome == "updated"
                        else _("目标未作改动")
                    )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(request, saved.get_absolute_url(), message)
        return self._render(request, form, target, status=422)

    def _render(
        self, request: HttpRequest, form: TargetForm, target: Target | None, status: int = 200
    ) -> HttpResponse:
        return render(request, "targets/target_form.html", {"form": form, "object": target}, status=status)


class TargetDeleteView(ScopedView):
    model = Target
    action = "delete"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        target = get_scoped(Target, user, "view", pk=pk)
        label = str(target)
        services.delete_target(user, pk)
        return redirect_with_message(
            request, reverse("targets:list"), _("已删除%(target)s") % {"target": label}
        )


class TargetHistoryView(ObjectHistoryView):
    model = Target


# --- multi-year targets ---------------------------------------------------------------------------


class MultiYearListView(ScopedView):
    """The multi-year targets with their progress: GET ?region=&indicator=&period=."""

    model = MultiYearTarget

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params = {k: request.GET.get(k) or None for k in ("region", "indicator", "period")}
        error = ""
        try:
            rows = multiyear.rows_for(
                user, region=params["region"], indicator=params["indicator"], period=params["period"]
            )
        except ServiceError as exc:
            error, rows = exc.message, multiyear.rows_for(user, region=params["region"])
        regions = [
            (code, name)
            for _group, options in region_choices(user, with_city=False)
            for code, name in options
        ]
        context = {
            "title": _("多年目标"),
            "rows": rows,
            "params": params,
            "regions": regions,
            "error": error,
            "can_import": can(user, "add", MultiYearTarget),
        }
        return render(request, "targets/multiyear_list.html", context)


class MultiYearDetailView(ScopedView):
    """A multi-year target, its progress as of ?period= (default the latest figures), its yearly
    parts and every version."""

    model = MultiYearTarget

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        target = get_scoped(MultiYearTarget, user, pk=pk)
        target = MultiYearTarget.objects.select_related(*RELATED).get(pk=target.pk)
        period = request.GET.get("period") or None
        error = ""
        try:
            progress = multiyear.progress(target, period, user)
        except ServiceError as exc:
            error, progress = exc.message, multiyear.progress(target, None, user)
        parts = progress.parts_sum
        context = {
            "object": target,
            "progress": progress,
            "period": period,
            "error": error,
            "parts_sum_text": "—" if parts is None else value_text(parts, target.indicator),
            "revisions": target.revisions.select_related("responsible", "set_by").order_by("-version"),
            "can_change": MultiYearTarget.objects.restrict(user, "change").filter(pk=target.pk).exists(),
        }
        return render(request, "targets/multiyear_detail.html", context)


class MultiYearEditView(EditView):
    """Set a multi-year target (no pk) or revise one (a change is a new version)."""

    model = MultiYearTarget

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        target = self.instance(request, pk)
        initial = (
            MultiYearTargetForm.initial_for(target)
            if target is not None
            else {"region": default_region(user)}
        )
        return self._render(request, MultiYearTargetForm(initial=initial, user=user, instance=target), target)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        target = self.instance(request, pk)
        initial = MultiYearTargetForm.initial_for(target) if target is not None else None
        form = MultiYearTargetForm(request.POST, initial=initial, user=user, instance=target)
        if form.is_valid():
            d = form.cleaned_data
            fields = {"value": d["value"], "responsible": d["responsible"], "note": d["note"]}
            try:
                if target is None:
                    saved = multiyear.create_multiyear_target(
                        user, d["region"], d["indicator"], d["first_year"], d["last_year"], **fields
                    )
                    message = _("已设定%(target)s") % {"target": saved}
                else:
                    saved, outcome = multiyear.revise_multiyear_target(
                        user, target.pk, reason=d.get("reason") or "", **fields
                    )
                    message = (
                        _("已调整%(target)s(第%(version)d版)") % {"target": saved, "version": saved.version}
                        if outcome == "updated"
                        else _("目标未作改动")
                    )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(request, saved.get_absolute_url(), message)
        return self._render(request, form, target, status=422)

    def _render(
        self,
        request: HttpRequest,
        form: MultiYearTargetForm,
        target: MultiYearTarget | None,
        status: int = 200,
    ) -> HttpResponse:
        context = {"form": form, "object": target, "multiyear": True}
        return render(request, "targets/target_form.html", context, status=status)


# --- assessment pages -----------------------------------------------------------------------------


def _query(params: dict[str, Any], names: Sequence[str]) -> str:
    return urlencode({k: params[k] for k in names if params.get(k) not in (None, "")})


class ProgressView(ScopedView):
    """月通报 (targets): GET ?region=&period= [&export=docx|pdf [&number=&signed_on=]]."""

    model = Target

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        year = default_year(user)
        params: dict[str, Any] = {"region": default_region(user), "period": default_period(year)}
        params.update({k: v for k, v in request.GET.items() if v})
        form = ProgressForm(params, user=user)
        table = None
        if form.is_valid():
            try:
                table = services.progress_table(
                    form.cleaned_data["region"], form.cleaned_data["period"], user
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
        if table is not None:
            found = table
            stem = f"targets-progress-{found.region_code}-{found.period_key}"
            document = document_export(request, form, partial(build_document, found, user), stem)
            if document is not None:
                return document
        context = {
            "title": _("目标完成进度"),
            "form": form,
            "table": table,
            "export_params": export_params(params, ("region", "period")),
        }
        return render(request, "targets/progress.html", context)


class SupervisionView(ScopedView):
    """季督办: GET ?region=&year=&quarter= [&export=xlsx|docx|pdf [&number=&signed_on=]]."""

    model = Target

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params: dict[str, Any] = {"region": default_region(user), "year": default_year(user), "quarter": 1}
        params.update({k: v for k, v in request.GET.items() if v})
        form = SupervisionForm(params, user=user)
        result = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.supervision_list(
                    data["region"], Period.quarter(data["year"], data["quarter"]), user
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
        if result is not None and request.GET.get("export") == "xlsx":
            title = _("%(region)s%(year)d年%(quarter)s目标任务滞后督办清单") % {
                "region": result.region_name,
                "year": result.year,
                "quarter": result.quarter_label,
            }
            return _download(supervision_workbook(title, result), f"{title}.xlsx")
        if result is not None:
            stem = f"targets-supervision-{result.region_code}-{result.quarter_key}"
            document = document_export(request, form, partial(build_document, result, user), stem)
            if document is not None:
                return document
        context = {
            "title": _("季督办"),
            "form": form,
            "result": result,
            "query": _query(params, ("region", "year", "quarter")),
            "export_params": export_params(params, ("region", "year", "quarter")),
        }
        return render(request, "targets/supervision.html", context)


class EvaluationView(ScopedView):
    """年评估: GET ?region=&year= [&export=xlsx]."""

    model = Target

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params: dict[str, Any] = {"region": default_region(user), "year": default_year(user)}
        params.update({k: v for k, v in request.GET.items() if v})
        form = EvaluationForm(params, user=user)
        result = None
        if form.is_valid():
            try:
                result = services.evaluation_table(
                    form.cleaned_data["region"], form.cleaned_data["year"], user
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
        if result is not None and request.GET.get("export") == "xlsx":
            title = _("%(region)s%(year)d年度目标任务完成情况评估表") % {
                "region": result.region_name,
                "year": result.year,
            }
            return _download(evaluation_workbook(title, result), f"{title}.xlsx")
        context = {
            "title": _("年评估"),
            "form": form,
            "result": result,
            "rule": services.SCORING_RULE,
            "grid": [(r, [r.item(code) for code, _name, _unit in result.indicators]) for r in result.rows]
            if result
            else [],
            "colspan": 4 + 3 * len(result.indicators) if result else 4,
            "query": _query(params, ("region", "year")),
        }
        return render(request, "targets/evaluation.html", context)


# --- the leader layout ---------------------------------------------------------------------------

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _download(content: bytes, filename: str) -> HttpResponse:
    return exports.xlsx_response(content, filename)


def _sheet(title: str, width: int) -> tuple[Workbook, Any]:
    """A workbook whose sheet has the title row and the date line, across ``width`` columns."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = exports.sheet_title(title)
    exports.append(ws, [title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    exports.append(ws, [_("制表日期:%(date)s") % {"date": timezone.localdate().strftime("%Y年%m月%d日")}])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1).alignment = Alignment(horizontal="right")
    return wb, ws


def _header(ws: Any, row: int, labels: Sequence[Any], widths: Sequence[int] | None = None) -> None:
    for col, label in enumerate(labels, start=1):
        cell = exports.cell(ws, row, col, str(label) if label is not None else None)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        if widths:
            ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]


def _finish(wb: Workbook, ws: Any, first_data_row: int, wrap: Sequence[int] = ()) -> bytes:
    for row in ws.iter_rows(min_row=first_data_row, max_row=ws.max_row):
        for cell in row:
            cell.border = BORDER
            cell.alignment = Alignment(vertical="center", wrap_text=cell.column in wrap)
    ws.print_title_rows = f"3:{first_data_row - 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    return exports.workbook_bytes(wb)


def _n(value: Any) -> Any:
    """A decimal as a number cell (float), or the text given."""
    if value is None:
        return ""
    return float(value) if not isinstance(value, str) else value


def supervision_workbook(title: str, result: services.SupervisionList) -> bytes:
    labels = [
        _("序号"),
        _("地区"),
        _("指标"),
        _("年度目标"),
        _("累计完成"),
        _("完成率(%)"),
        _("序时进度(%)"),
        _("差距(百分点)"),
        _("责任单位"),
        _("情况"),
    ]
    wb, ws = _sheet(title, len(labels))
    exports.append(ws, [result.summary])
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(labels))
    _header(ws, 4, labels, [6, 12, 22, 16, 14, 10, 10, 10, 20, 48])
    n = 0
    for n, c in enumerate([*result.rows, *result.missing], start=1):
        exports.append(
            ws,
            [
                n,
                c.region_name,
                c.indicator_name,
                c.target_text,
                c.done_text,
                _n(c.completion),
                _n(c.time_progress),
                _n(c.gap),
                c.responsible or "—",
                ";".join([c.sentence, *c.notes]),
            ],
        )
    exports.append(
        ws,
        [
            _("合计"),
            _("滞后%(behind)d项,数据缺失%(missing)d项")
            % {"behind": len(result.rows), "missing": len(result.missing)},
        ],
    )
    ws.freeze_panes = "C5"
    return _finish(wb, ws, 5, wrap=(3, 10))


def evaluation_workbook(title: str, result: services.Evaluation) -> bytes:
    per = 3  # 目标, 完成, 完成情况
    width = 2 + per * len(result.indicators) + 3
    wb, ws = _sheet(title, width)
    top: list[Any] = [_("序号"), _("地区")]
    for _code, name, unit in result.indicators:
        top += [f"{name}({unit})", None, None]
    top += [_("得分"), _("排名"), _("说明")]
    _header(ws, 3, top)
    sub: list[Any] = ["", ""]
    for _i in result.indicators:
        sub += [_("目标"), _("完成"), _("完成率/差距")]
    sub += ["", "", ""]
    _header(ws, 4, sub)
    for col in (1, 2, width - 2, width - 1, width):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    for k in range(len(result.indicators)):
        start = 3 + per * k
        ws.merge_cells(start_row=3, start_column=start, end_row=3, end_column=start + per - 1)
    widths = [6, 14, *([12, 12, 12] * len(result.indicators)), 8, 6, 40]
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    for n, row in enumerate(result.rows, start=1):
        cells: list[Any] = [n, row.region_name]
        for code, _name, _unit in result.indicators:
            item = row.item(code)
            if item is None:
                cells += ["—", "—", "—"]
                continue
            cells += [item.target_text, item.done_text, _assessment(item)]
        cells += [_n(row.score) if row.score is not None else "—", row.rank or "—", ";".join(row.notes)]
        exports.append(ws, cells)
    totals: list[Any] = [_("合计"), _("%(n)d个地区") % {"n": len(result.rows)}]
    by_code = {t.indicator_code: t for t in result.totals}
    for code, _name, _unit in result.indicators:
        t = by_code.get(code)
        if t is None:
            totals += ["", "", ""]
        else:
            totals += [
                _n(t.target),
                _n(t.actual),
                f"{services.pct(t.completion)}%" if t.completion is not None else "",
            ]
    scores = [r.score for r in result.rows if r.score is not None]
    average = services.round1(sum(scores, Decimal(0)) / len(scores)) if scores else None
    totals += [_n(average) if average is not None else "", "", _("平均得分") if average is not None else ""]
    exports.append(ws, totals)
    ws.freeze_panes = "C5"
    return _finish(wb, ws, 5, wrap=(width,))


def _assessment(item: services.Completion) -> str:
    if item.status == "missing":
        return _("数据缺失")
    if item.completion is not None:
        return f"{services.pct(item.completion)}%"
    return f"{item.status_text}"


# --- import -----------------------------------------------------------------------------------------


class TargetImportView(views_import.ImportView):
    kinds = ("targets", "targets-multiyear")
    template_name = "targets/import.html"


class TemplateDownloadView(views_import.TemplateDownloadView):
    kinds = ("targets", "targets-multiyear")
