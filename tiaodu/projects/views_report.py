"""重点项目调度情况 and 竞赛拉练 on the web, computed within the signed-in user's scope (so the page and
``tiaodu report projects --user`` agree); both export to xlsx, the report also as an official
document (公文, docx / PDF, :mod:`tiaodu.projects.document`)."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tiaodu.core import exports
from tiaodu.core.forms import StyledForm
from tiaodu.core.http import current_user
from tiaodu.core.views import ScopedView, period_report
from tiaodu.core.views_report import document_export, export_params
from tiaodu.enterprises.views_report import default_params, region_choices
from tiaodu.projects.document import build_document
from tiaodu.projects.models import Project
from tiaodu.projects.ranking import ranking
from tiaodu.projects.report import project_report
from tiaodu.regions.models import Region


class PeriodForm(StyledForm):
    region = forms.ChoiceField(label=_("地区"))
    date_from = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截至日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: Any, model: Any = Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The districts offered to administrators: those with rows of ``model``.
        self.fields["region"].choices = region_choices(user, model)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data


class RankingForm(PeriodForm):
    by = forms.ChoiceField(label=_("排名对象"), choices=[("unit", _("责任单位")), ("squad", _("服务专班"))])


class ProjectReportView(ScopedView):
    """GET ?region=&date_from=&date_to= [&export=xlsx|docx|pdf [&number=&signed_on=]]."""

    model = Project

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params = {**default_params(user), **{k: v for k, v in request.GET.items() if v}}
        form = PeriodForm(params, user=user)
        report = period_report(form, project_report, user)
        if report is not None and request.GET.get("export") == "xlsx":
            return exports.report_xlsx(
                "重点项目调度情况",
                ["指标", "数值"],
                [list(row) for row in report.key_figures()],
                f"projects-{report.region_code}-{report.date_to:%Y%m%d}.xlsx",
                lead=report.paragraph,
            )
        if report is not None:
            stem = f"projects-{report.region_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"
            document = document_export(request, form, partial(build_document, report, user), stem)
            if document is not None:
                return document
        query = urlencode({k: params[k] for k in ("region", "date_from", "date_to") if k in params})
        context = {
            "title": _("重点项目调度情况"),
            "form": form,
            "report": report,
            "query": query,
            "export_params": export_params(params),
        }
        return render(request, "projects/report.html", context)


class RankingView(ScopedView):
    """GET ?region=&date_from=&date_to=&by=unit|squad [&export=xlsx]."""

    model = Project

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params = {**default_params(user), "by": "unit", **{k: v for k, v in request.GET.items() if v}}
        form = RankingForm(params, user=user)
        rows = None
        if form.is_valid():
            region = Region.objects.get(code=form.cleaned_data["region"])
            rows = ranking(
                region,
                form.cleaned_data["date_from"],
                form.cleaned_data["date_to"],
                by=form.cleaned_data["by"],
                user=user,
            )
        header = [
            "名次",
            "单位",
            "项目数",
            "到期节点",
            "按期完成",
            "节点按期率(%)",
            "年度计划投资(万元)",
            "完成投资(万元)",
            "投资完成率(%)",
            "红牌",
            "黄牌",
            "得分",
        ]
        table = [
            [
                r.rank,
                r.name,
                r.projects,
                r.milestones_due,
                r.on_time,
                r.on_time_rate,
                r.annual_plan,
                r.investment_done,
                r.completion_rate if r.completion_rate is not None else "—",
                r.red,
                r.yellow,
                r.score,
            ]
            for r in rows or []
        ]
        if rows is not None and request.GET.get("export") == "xlsx":
            return exports.report_xlsx("竞赛拉练排名", header, table, "ranking.xlsx")
        query = urlencode({k: params[k] for k in ("region", "date_from", "date_to", "by") if k in params})
        context = {"form": form, "header": header, "table": table, "query": query, "ranked": rows is not None}
        return render(request, "projects/ranking.html", context)
