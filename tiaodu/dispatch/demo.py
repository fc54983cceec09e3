"""Demo dispatch data: the problem categories' departments and one open round for 潼南区.

Called by ``tiaodu demo`` after the projects exist. Idempotent (the round is recognised by its label).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tiaodu.cases.models import CaseCategory
from tiaodu.dispatch import services
from tiaodu.dispatch.choices import PROBLEM_CATEGORIES, PeriodKind
from tiaodu.dispatch.models import DispatchRound
from tiaodu.dispatch.problems import WORKFLOW
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

HOME_DISTRICT = "500152"


def link_problem_departments(district_code: str = HOME_DISTRICT) -> None:
    """Give each project-problem category its default handling department in the district."""
    departments = {
        o.short_name: o
        for o in Organization.objects.filter(kind=OrgKind.DEPARTMENT, region__code=district_code)
    }
    for code, _name, short, _days in PROBLEM_CATEGORIES:
        if short in departments:
            CaseCategory.objects.filter(workflow=WORKFLOW, code=code, department__isnull=True).update(
                department=departments[short]
            )


def xun_label(day: date) -> tuple[str, date, date]:
    """The 旬 containing ``day``: its label (“2022年第7旬”, counted through the year) and dates."""
    part = 0 if day.day <= 10 else 1 if day.day <= 20 else 2
    start = day.replace(day=1 + 10 * part)
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = next_month - timedelta(days=1) if part == 2 else start + timedelta(days=9)
    number = (day.month - 1) * 3 + part + 1
    return f"{day.year}年第{number}旬", start, end


def load_dispatch_demo() -> None:
    link_problem_departments()
    district = Region.objects.filter(code=HOME_DISTRICT).first()
    if district is None:
        return
    label, start, end = xun_label(timezone.localdate())
    if DispatchRound.objects.filter(
        district=district, period_kind=PeriodKind.XUN, period_label=label
    ).exists():
        return
    with transaction.atomic():
        try:
            rnd = services.open_round(
                None,
                district=district,
                period_kind=PeriodKind.XUN,
                period_label=label,
                period_start=start,
                period_end=end,
                due_on=end,
                notes="各责任单位请于截止日期前填报本旬投资完成、形象进度、到岗人数和存在问题。",
            )
        except services.InvalidInput:
            return  # no projects in the district yet
        reports = list(rnd.reports.select_related("project").order_by("project__name")[:2])
        for report, (problems, category) in zip(
            reports, [("", ""), ("钢材运输受限,进场材料不足", "材料运输")], strict=False
        ):
            project = report.project
            room = project.total_investment - project.investment_completed
            investment = max(Decimal(0), min(room, (project.annual_plan / 36).quantize(Decimal("0.01"))))
            services.submit_report(
                None,
                rnd.pk,
                project.pk,
                services.ReportInput(
                    investment=investment,
                    progress=60,
                    workers_required=120,
                    workers_on_site=116,
                    problems=problems,
                    problem_category=category,
                ),
            )
