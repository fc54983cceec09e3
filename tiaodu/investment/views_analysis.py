"""The pipeline's analysis pages and the 招商引资工作情况 report on the web.

* ``investment:analysis`` — the funnel of a period (inline SVG, no script), conversion rates and
  median days per stage, and the rates on the period's last day;
* ``investment:analysis-forecast`` — next quarter's signings by stage ("默认" where the district has
  fewer than 20 closed projects of the stage) and the slipped bucket;
* ``investment:analysis-ranking`` — the teams ranked on leads, signings, 协议投资额, 到位资金 (xlsx);
* ``investment:report`` — the report's sentences and tables (xlsx), and the report as an official
  document (公文, docx / PDF, :mod:`tiaodu.investment.document`).

Every figure is computed within the signed-in user's scope (:mod:`tiaodu.investment.queries`), so
the pages and ``tiaodu report investment --user`` agree; a town user sees counts only.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tiaodu.core import figures as fig
from tiaodu.core.errors import ServiceError
from tiaodu.core.exports import report_xlsx
from tiaodu.core.forms import StyledForm
from tiaodu.core.http import current_user
from tiaodu.core.resolve import actor_district
from tiaodu.core.views import ScopedView, apply_service_error, period_report
from tiaodu.core.views_report import document_export, export_params
from tiaodu.investment import forecast as forecasting
from tiaodu.investment import queries
from tiaodu.investment.choices import TeamKind
from tiaodu.investment.document import build_document
from tiaodu.investment.models import InvestmentProject
from tiaodu.investment.report import investment_report
from tiaodu.regions.models import Region

TEAM_KINDS = dict(TeamKind.choices)


def district_choices(user: Any) -> list[tuple[str, str]]:
    """Administrators: every district with a pipeline, and the home district; others: their own."""
    if user.is_superuser or user.role == "admin":
        found = Region.objects.filter(
            Q(pk__in=InvestmentProject.objects.values("region")) | Q(code=settings.HOME_REGION_CODE)
        ).order_by("code")
        return [(r.code, r.name) for r in found]
    district = actor_district(user)
    return [(district.code, district.name)] if district is not None else []


class PeriodForm(StyledForm):
    region = forms.ChoiceField(label=_("区县"))
    date_from = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截至日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = district_choices(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data


class DayForm(StyledForm):
    region = forms.ChoiceField(label=_("区县"))
    on = forms.DateField(label=_("统计日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = district_choices(user)  # type: ignore[attr-defined]


def _params(request: HttpRequest, user: Any) -> dict[str, str]:
    today = timezone.localdate()
    district = actor_district(user)
    defaults = {
        "region": district.code if district is not None else settings.HOME_REGION_CODE,
        "date_from": f"{today:%Y}-01-01",
        "date_to": today.isoformat(),
        "on": today.isoformat(),
    }
    return {**defaults, **{k: str(v) for k, v in request.GET.items() if v}}


def _query(params: dict[str, str], *names: str) -> str:
    return urlencode({k: params[k] for k in names if k in params})


def _wan(value: Decimal | None) -> str:
    return "—" if value is None else fig.number(value)


# --- The funnel chart ----------------------------------------------------------------------------

BAR_WIDTH, ROW_HEIGHT, LABEL_WIDTH = 360, 26, 72


def funnel_svg(steps: list[queries.FunnelStep]) -> SafeString:
    """Centred bars, one per stage, as wide as the number of projects that reached it, labelled
    with the count and (when shown) the amount."""
    top = max((s.count for s in steps), default=0) or 1
    width, height = LABEL_WIDTH + BAR_WIDTH + 8, ROW_HEIGHT * len(steps) + 4
    body = []
    for i, step in enumerate(steps):
        w = max(step.count / top * BAR_WIDTH, 2 if step.count else 0)
        x, y = LABEL_WIDTH + (BAR_WIDTH - w) / 2, 2 + i * ROW_HEIGHT
        money = f" / {fig.amount(step.amount)}" if step.amount is not None else ""
        text = escape(f"{step.count}个{money}")
        body.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 16:.1f}" font-size="12" text-anchor="end">{escape(step.label)}</text>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{ROW_HEIGHT - 4}" fill="#0d6efd" '
            f'fill-opacity="{0.9 - i * 0.06:.2f}"><title>{escape(step.label)}:{text}</title></rect>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH / 2:.1f}" y="{y + 16:.1f}" font-size="11" text-anchor="middle" '
            f'fill="#212529" class="td-funnel-figure">{text}</text>'
        )
    return mark_safe(  # noqa: S308 — every text inside is escaped, numbers are formatted here
        f'<svg class="td-chart td-funnel" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(_("招商项目漏斗"))}" xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>'
    )


# --- Pages -----------------------------------------------------------------------------------------


class AnalysisView(ScopedView):
    """GET ?region=&date_from=&date_to=: the funnel, conversion and median days, the rates."""

    model = InvestmentProject

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params = _params(request, user)
        form = PeriodForm(params, user=user)
        context: dict[str, Any] = {"form": form, "amounts": queries.shows_amounts(user)}
        if form.is_valid():
            region = form.cleaned_data["region"]
            date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
            try:
                funnel = queries.funnel(region, date_from, date_to, user=user)
                rates = queries.rates(region, date_to, user=user)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                context.update(
                    funnel=funnel,
                    chart=funnel_svg(funnel.steps),
                    rows=[
                        [
                            s.label,
                            s.count,
                            _wan(s.amount),
                            fig.percent(s.conversion),
                            "—" if s.median_days is None else fig.number(s.median_days, 1),
                            s.stays,
                        ]
                        for s in funnel.steps
                    ],
                    rates=list(rates.values()),
                )
        context["query"] = _query(params, "region", "date_from", "date_to")
        return render(request, "investment/analysis/analysis.html", context)


class ForecastView(ScopedView):
    """GET ?region=&on=: next quarter's signings and the slipped bucket."""

    model = InvestmentProject

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params = _params(request, user)
        form = DayForm(params, user=user)
        context: dict[str, Any] = {"form": form, "amounts": queries.shows_amounts(user)}
        if form.is_valid():
            result = forecasting.forecast(form.cleaned_data["region"], form.cleaned_data["on"], user=user)
            context.update(
                forecast=result,
                rows=[
                    [
                        s.label,
                        s.open_count,
                        _wan(s.open_amount),
                        fig.percent(s.probability),
                        s.basis,
                        fig.number(s.expected_count, 1),
                        _wan(s.expected_amount),
                    ]
                    for s in result.stages
                ],
                expected_count=fig.number(result.expected_count, 1),
                expected_amount=_wan(result.expected_amount),
                slipped_amount=_wan(result.slipped_amount),
                min_closed=forecasting.MIN_CLOSED,
            )
        return render(request, "investment/analysis/forecast.html", context)


RANKING_HEADER = [
    "名次",
    "招商组",
    "类型",
    "报送线索",
    "接收线索",
    "签约项目",
    "协议投资额(万元)",
    "到位资金(万元)",
]


class RankingView(ScopedView):
    """GET ?region=&date_from=&date_to= [&export=xlsx]."""

    model = InvestmentProject

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params = _params(request, user)
        form = PeriodForm(params, user=user)
        table: list[list[Any]] | None = None
        if form.is_valid():
            rows = queries.team_ranking(
                form.cleaned_data["region"],
                form.cleaned_data["date_from"],
                form.cleaned_data["date_to"],
                user=user,
            )
            table = [
                [
                    r.rank,
                    r.name,
                    str(TEAM_KINDS.get(r.kind, r.kind)),
                    r.leads_reported,
                    r.leads_received,
                    r.signings,
                    _wan(r.agreed),
                    _wan(r.funds),
                ]
                for r in rows
            ]
            if request.GET.get("export") == "xlsx":
                return report_xlsx("招商组排名", RANKING_HEADER, table, "investment-ranking.xlsx")
        context = {
            "form": form,
            "header": RANKING_HEADER,
            "table": table,
            "query": _query(params, "region", "date_from", "date_to"),
        }
        return render(request, "investment/analysis/ranking.html", context)


class ReportView(ScopedView):
    """GET ?region=&date_from=&date_to= [&export=xlsx|docx|pdf [&number=&signed_on=]]: 招商引资工作情况."""

    model = InvestmentProject

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params = _params(request, user)
        form = PeriodForm(params, user=user)
        report = period_report(form, investment_report, user)
        if report is not None and request.GET.get("export") == "xlsx":
            rows: list[list[Any]] = [list(row) for row in report.key_figures()]
            rows += [
                [],
                ["阶段", "项目数", "金额(万元)", "重点项目数", "重点项目金额(万元)"],
                *report.stage_rows(),
            ]
            rows += [[], ["拟签约(计划签约季度)", "项目数", "计划投资额(万元)"], *report.quarter_rows()]
            return report_xlsx(
                report.title,
                ["指标", "数值"],
                rows,
                f"investment-{report.region_code}-{report.date_to:%Y%m%d}.xlsx",
                lead=report.paragraph,
            )
        if report is not None:
            stem = f"investment-{report.region_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"
            document = document_export(request, form, partial(build_document, report, user), stem)
            if document is not None:
                return document
        context = {
            "form": form,
            "report": report,
            "query": _query(params, "region", "date_from", "date_to"),
            "export_params": export_params(params),
        }
        return render(request, "investment/analysis/report.html", context)
