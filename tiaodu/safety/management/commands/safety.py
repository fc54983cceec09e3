"""``tiaodu safety draw --plan PLAN [--seed SEED]`` and ``tiaodu safety draw --verify PLAN``.

``--plan`` draws a draft 双随机 plan (PLAN: its id or its name; ``--region CODE`` narrows a name
shared by several districts) and prints the drawn list. ``--verify`` re-runs a drawn or published
plan from its stored seed and inputs only and prints "一致" (exit 0) or "不一致" with the
differences (exit 1).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.errors import ServiceError
from tiaodu.safety import planning
from tiaodu.safety.choices import RiskLevel
from tiaodu.safety.models import InspectionPlan, Inspector, PlanVisit

RISK_LABELS = dict(RiskLevel.choices)


def find_plan(ref: str, region: str | None = None) -> InspectionPlan:
    """A plan by id or by name (``plan_unknown`` / ``plan_ambiguous``)."""
    text = (ref or "").strip()
    plans = InspectionPlan.objects.select_related("region", "department")
    if region:
        plans = plans.filter(region__code=region)
    if text.isdigit():
        found = plans.filter(pk=int(text)).first()
        if found is not None:
            return found
    matches = list(plans.filter(name=text).order_by("pk")[:10])
    if not matches:
        raise CommandError(f"plan_unknown: 抽查计划“{text}”不存在")
    if len(matches) > 1:
        where = "、".join(f"{p.pk}({p.region.name}{p.department})" for p in matches)
        raise CommandError(f"plan_ambiguous: 抽查计划“{text}”不唯一:{where},请改用编号或加 --region")
    return matches[0]


def visit_lines(plan: InspectionPlan) -> list[str]:
    visits = PlanVisit.objects.filter(plan=plan).select_related("unit__township", "unit__sector")
    names = dict(
        Inspector.objects.filter(pk__in={i for v in visits for i in v.inspector_ids}).values_list(
            "pk", "name"
        )
    )
    lines = []
    for v in visits.order_by("order"):
        unit = v.unit
        people = "、".join(names.get(i, str(i)) for i in v.inspector_ids)
        risk = RISK_LABELS.get(unit.risk_level, unit.risk_level)
        lines.append(f"{v.order}\t{unit.name}\t{unit.township.name}\t{unit.sector.name}\t{risk}\t{people}")
    return lines


class Command(BaseCommand):
    help = "双随机一公开:tiaodu safety draw --plan PLAN(抽取)或 --verify PLAN(按公布的种子和输入复核)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        draw = sub.add_parser("draw", help="抽取或复核双随机抽查计划")
        which = draw.add_mutually_exclusive_group(required=True)
        which.add_argument("--plan", help="抽取草稿计划:计划编号或名称")
        which.add_argument("--verify", help="复核计划:计划编号或名称")
        draw.add_argument("--seed", help="随机种子(默认随机生成)")
        draw.add_argument("--region", help="区县区划代码(计划名称重名时用)")
        draw.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            self.verify(find_plan(options["verify"], options["region"]), options["format"])
            return
        plan = find_plan(options["plan"], options["region"])
        try:
            plan = planning.draw(None, plan.pk, seed=options["seed"])
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from None
        if options["format"] == "json":
            visits = [v.as_list() for v in planning.stored_visits(plan)]
            self.stdout.write(json.dumps({"plan": plan.pk, "seed": plan.seed, "visits": visits}))
            return
        self.stdout.write(
            f"抽查计划“{plan.name}”({plan.department}):名录库{plan.inputs['population']}户,"
            f"可抽{len(plan.inputs['units'])}户,抽取{plan.inputs['count']}户,随机种子 {plan.seed}"
        )
        for line in visit_lines(plan):
            self.stdout.write(line)

    def verify(self, plan: InspectionPlan, fmt: str) -> None:
        result = planning.verify(plan)
        if fmt == "json":
            self.stdout.write(json.dumps({"plan": plan.pk, **result.as_dict()}, ensure_ascii=False))
        elif result.matches:
            self.stdout.write(f"一致:抽查计划“{plan.name}”按种子 {plan.seed} 重新抽取,结果与名单相同")
            self.stdout.write(f"SHA-256 {result.digest}")
        else:
            self.stdout.write(f"不一致:抽查计划“{plan.name}”")
            for line in result.differences:
                self.stdout.write(f"- {line}")
        if not result.matches:
            raise CommandError("plan_mismatch: 复核结果与名单不一致")
