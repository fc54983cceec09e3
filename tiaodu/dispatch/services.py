"""Dispatch rounds: open a round for a set of projects, submit reports, 催报, close and freeze.

Every function takes the acting user (``None`` = the server operator: CLI, imports run from the
CLI, the demo loader), runs in one transaction, validates before writing and re-checks the scope
afterwards. Work over a round's projects is set-based: opening is one ``INSERT … SELECT``, the
missing list one query, a reminder one ``UPDATE``, closing one aggregate and one ``UPDATE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tiaodu.cases import services as cases
from tiaodu.cases.models import Case
from tiaodu.core import rounds
from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import Conflict, FieldError, InvalidInput, NotFound, ServiceError, invalid
from tiaodu.core.permissions import ensure_permitted, get_scoped, scope_q
from tiaodu.core.rounds import district_of as district_of
from tiaodu.dispatch.choices import DEFAULT_PROBLEM_CATEGORY, WORKERS_TOLERANCE, PeriodKind, RoundState
from tiaodu.dispatch.models import DispatchReport, DispatchRound, Reminder
from tiaodu.dispatch.problems import WORKFLOW
from tiaodu.monitoring.periods import parse_period
from tiaodu.projects.choices import Stage
from tiaodu.projects.models import Project
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tiaodu.accounts.models import User

MAX_MONEY = Decimal("999999999999.99")
MAX_WORKERS = 1_000_000
# Projects a round takes by default: every project of the district still being prepared or built.
DEFAULT_EXCLUDED_STAGES = (Stage.FULL_PRODUCTION, Stage.CANCELLED)


# --- Opening a round ------------------------------------------------------------------------------


def period_bounds(
    label: str, kind: str | None = None, start: date | None = None, end: date | None = None
) -> tuple[str, date, date]:
    """The period kind and dates of a round, those not given read from its label (期次) as
    statistics write it: 2019年9月, 2022年3月上旬, 2022年第3旬 (of the year), 2022年第10周.
    A label that names no week, 旬 or month needs all three given (``period_unknown``,
    ``period_kind_invalid``)."""
    if kind and start and end:
        return kind, start, end
    try:
        period = parse_period((label or "").strip())
    except ServiceError as exc:
        raise InvalidInput([FieldError("period_label", e.code, e.message) for e in exc.errors]) from None
    if period.kind not in PeriodKind.values:
        raise invalid(
            "period_label",
            "period_kind_invalid",
            f"调度任务的期次须为某一周、旬或月(现为“{period.full_label}”)",
        )
    return kind or period.kind, start or period.start, end or period.end


@transaction.atomic
def open_round(
    actor: User | None,
    *,
    district: Region,
    period_kind: str,
    period_label: str,
    period_start: date,
    period_end: date,
    due_on: date,
    projects: QuerySet[Project] | None = None,
    notes: str = "",
) -> DispatchRound:
    """Open a round and create one empty report slot per project (one ``INSERT … SELECT``).

    ``projects`` defaults to every project of the district except those 达产 or 取消; projects
    given outside the district are refused.
    """
    rounds.ensure_may_open(KIND, actor)
    errors: list[FieldError] = []
    label = (period_label or "").strip()
    if district.level != Level.COUNTY:
        errors.append(FieldError("district", "district_invalid", "调度任务须按区县发起"))
    if period_kind not in PeriodKind.values:
        errors.append(
            FieldError("period_kind", "invalid_choice", f"调度周期“{period_kind}”不是可选值(周、旬、月)")
        )
    if not label:
        errors.append(FieldError("period_label", "required", "期次不能为空"))
    elif len(label) > 32:
        errors.append(FieldError("period_label", "too_long", "期次不能超过32个字符"))
    if period_end < period_start:
        errors.append(FieldError("period_end", "date_order", "结束日期不能早于开始日期"))
    if due_on < period_start:
        errors.append(FieldError("due_on", "date_order", "填报截止日期不能早于开始日期"))
    if len(notes) > 2000:
        errors.append(FieldError("notes", "too_long", "说明不能超过2000个字符"))
    if errors:
        raise InvalidInput(errors)
    if DispatchRound.objects.filter(district=district, period_kind=period_kind, period_label=label).exists():
        raise _round_exists(district, label)
    in_district = Q(township__path__startswith=district.path)
    if projects is None:
        projects = Project.objects.filter(in_district).exclude(stage__in=DEFAULT_EXCLUDED_STAGES)
    else:
        outside = projects.exclude(in_district).values_list("name", flat=True)[:3]
        if outside:
            raise invalid(
                "projects", "project_outside_district", f"项目不在{district.name}:{'、'.join(outside)}"
            )
    fields = {
        "district": district,
        "period_kind": period_kind,
        "period_label": label,
        "period_start": period_start,
        "period_end": period_end,
        "due_on": due_on,
        "notes": notes.strip(),
    }
    return rounds.start(
        KIND,
        actor,
        fields,
        lambda rnd: _insert_slots(rnd, projects),
        ("projects", "round_no_projects", "没有可调度的项目"),
    )


def _round_exists(district: Region, label: str) -> Conflict:
    return Conflict(
        "round_exists",
        f"{district.name}已有“{label}”的调度任务",
        [FieldError("period_label", "round_exists", "该期次的调度任务已存在")],
    )


def _insert_slots(rnd: DispatchRound, projects: QuerySet[Project]) -> int:
    """One empty report per project: ``INSERT … SELECT`` over the projects' ids."""
    now = rounds.now_param()
    return rounds.insert_select(
        DispatchReport,
        [
            "round_id",
            "project_id",
            "investment",
            "progress",
            "workers_required",
            "workers_on_site",
            "confirmed_over_required",
            "problems",
            "problem_category",
            "reminded_count",
            "version",
            "created_at",
            "updated_at",
        ],
        "%s, s.pk, 0, NULL, 0, 0, %s, '', '', 0, 1, %s, %s",
        projects.order_by().values("pk").distinct(),
        [rnd.pk, False, now, now],
    )


# --- Reports --------------------------------------------------------------------------------------

_SPLIT = re.compile(r"[\r\n;;]+")
_NUMBERING = re.compile(r"^\s*(?:[((]\s*\d+\s*[))]|\d+\s*[、.．))]|[一二三四五六七八九十]+\s*[、.．])\s*")


def problem_lines(text: str) -> list[str]:
    """The separate problems of a report's text: one per line (or per ;), numbering removed."""
    lines: list[str] = []
    for part in _SPLIT.split(text or ""):
        line = _NUMBERING.sub("", part).strip()
        if line and line not in ("无", "暂无", "/", "-", "—") and line not in lines:
            lines.append(line)
    return lines


@dataclass
class ReportInput:
    investment: Any
    progress: Any
    workers_required: Any
    workers_on_site: Any
    problems: str = ""
    problem_category: str = ""
    confirmed_over_required: bool = False


def _number(value: Any, field: str, label: str, errors: list[FieldError], places: int) -> Decimal | None:
    if value is None or value == "":
        errors.append(FieldError(field, "required", f"请填写{label}"))
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        errors.append(FieldError(field, "number_invalid", f"{label}应为数字"))
        return None
    if not number.is_finite():
        errors.append(FieldError(field, "number_invalid", f"{label}应为数字"))
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def _count(value: Any, field: str, label: str, errors: list[FieldError]) -> int | None:
    number = _number(value, field, label, errors, 2)
    if number is None:
        return None
    if number != number.to_integral_value():
        errors.append(FieldError(field, "not_an_integer", f"{label}应为整数"))
        return None
    if number < 0:
        errors.append(FieldError(field, "negative_number", f"{label}不能为负数"))
        return None
    if number > MAX_WORKERS:
        errors.append(FieldError(field, "number_too_large", f"{label}超出范围"))
        return None
    return int(number)


def validate_report(
    project: Project, data: ReportInput, historical: bool = False
) -> tuple[dict[str, Any], list[FieldError]]:
    """The cleaned values of a report and every problem with them (nothing is looked up but the
    problem category). A ``historical`` report is not checked against the project's current
    累计完成投资 (the past period's investment is already in it)."""
    errors: list[FieldError] = []
    investment = _number(data.investment, "investment", "本期完成投资", errors, 2)
    if investment is not None:
        if investment < 0:
            errors.append(FieldError("investment", "negative_amount", "本期完成投资不能为负数"))
        elif investment > MAX_MONEY:
            errors.append(FieldError("investment", "number_too_large", "本期完成投资超出范围"))
        elif (
            not historical
            and project.total_investment
            and project.investment_completed + investment > project.total_investment
        ):
            errors.append(
                FieldError(
                    "investment",
                    "investment_exceeds_total",
                    f"累计完成投资将达到{project.investment_completed + investment}万元,"
                    f"超过项目总投资{project.total_investment}万元",
                )
            )
    progress = _number(data.progress, "progress", "形象进度", errors, 1)
    if progress is not None and not Decimal(0) <= progress <= Decimal(100):
        errors.append(FieldError("progress", "progress_out_of_range", "形象进度应在0至100(%)之间"))
    required = _count(data.workers_required, "workers_required", "应到岗人数", errors)
    on_site = _count(data.workers_on_site, "workers_on_site", "实到岗人数", errors)
    confirmed = bool(data.confirmed_over_required)
    if required is not None and on_site is not None and on_site > required * (1 + WORKERS_TOLERANCE):
        if not confirmed:
            errors.append(
                FieldError(
                    "workers_on_site",
                    "workers_over_required",
                    f"实到岗人数({on_site}人)超过应到岗人数({required}人)的{WORKERS_TOLERANCE:.0%}以上,"
                    "请核实;确属实的请勾选“确认实到岗超出应到岗”后再提交",
                )
            )
    else:
        confirmed = False
    problems = (data.problems or "").strip()
    if len(problems) > 4000:
        errors.append(FieldError("problems", "too_long", "存在问题不能超过4000个字符"))
    category_code = ""
    if problem_lines(problems):
        try:
            category_code = cases.category(WORKFLOW, data.problem_category or DEFAULT_PROBLEM_CATEGORY).code
        except ServiceError as exc:
            errors += [FieldError("problem_category", e.code, e.message) for e in exc.errors]
    values = {
        "investment": investment,
        "progress": progress,
        "workers_required": required,
        "workers_on_site": on_site,
        "confirmed_over_required": confirmed,
        "problems": problems,
        "problem_category": category_code,
    }
    return values, errors


def report_slot(rnd: DispatchRound, project_id: int, actor: User | None = None) -> DispatchReport:
    """The round's report for a project. For a user, a project outside the round is 404 like a
    report outside the user's slice, so the answer does not tell which projects a round holds;
    the operator (CLI, imports: ``actor=None``) gets ``project_not_in_round``."""
    slot = DispatchReport.objects.filter(round=rnd, project_id=project_id).first()
    if slot is None:
        if actor is not None:
            raise NotFound()
        raise invalid("project", "project_not_in_round", f"该项目不在“{rnd.period_label}”调度任务中")
    return slot


def _round_closed(rnd: DispatchRound) -> Conflict:
    return rounds.round_closed(KIND, rnd)


REPORT_FIELDS = (
    "investment",
    "progress",
    "workers_required",
    "workers_on_site",
    "confirmed_over_required",
    "problems",
    "problem_category",
)


def report_values(slot: DispatchReport) -> dict[str, Any]:
    """A report's values as a writer sees them (the ``current`` of a 409 ``stale_write``)."""
    values: dict[str, Any] = {}
    for name in REPORT_FIELDS:
        value = getattr(slot, name)
        values[name] = float(value) if isinstance(value, Decimal) else value
    values["submitted"] = slot.submitted_at is not None
    values["submitted_at"] = slot.submitted_at.isoformat() if slot.submitted_at else None
    return values


@transaction.atomic
def submit_report(
    actor: User | None, round_id: int, project_id: int, data: ReportInput, version: int | None = None
) -> DispatchReport:
    """Fill in (or, while the round is open, correct) a project's report.

    ``version`` is the report's version the writer read (the form's hidden field, the API's
    ``version`` or ``If-Match``): when someone else saved the report since, nothing is written and
    the writer gets 409 ``stale_write`` with the current values. ``None``: not checked.

    Problems become cases of the project-problem workflow, one per problem line not reported
    before in this report, with the category's due date; the sweep cards them when late.
    """
    rnd = rounds.lock_for_submit(KIND, actor, round_id)
    slot = report_slot(rnd, project_id, actor)
    if actor is not None:
        slot = get_scoped(DispatchReport, actor, "change", pk=slot.pk)
    project = Project.objects.select_related("township", "responsible_unit").get(pk=project_id)
    values, errors = validate_report(project, data)
    if errors:
        raise InvalidInput(errors)
    claim_version(slot, version, report_values(slot))
    before = problem_lines(slot.problems)
    for key, value in values.items():
        setattr(slot, key, value)
    slot.submitted_by = actor
    slot.submitted_at = timezone.now()
    slot.save()
    new_lines = [line for line in problem_lines(slot.problems) if line not in before]
    if new_lines:
        opened = [_open_problem(actor, rnd, slot, project, line) for line in new_lines]
        slot.cases.add(*opened)
    if actor is not None:
        ensure_permitted(actor, "change", slot)
    return slot


def _open_problem(
    actor: User | None, rnd: DispatchRound, report: DispatchReport, project: Project, line: str
) -> Case:
    """A case for one problem line, registered by the system on the reporter's behalf (the report
    itself was checked against the reporter's scope; squads and leaders may not add cases)."""
    case = cases.open_case(
        None,
        workflow=WORKFLOW,
        category_ref=report.problem_category or DEFAULT_PROBLEM_CATEGORY,
        title=f"{project.name}:{line}"[:200],
        description=f"{rnd.period_label}调度填报反映的问题:{line}",
        region=project.township,
        raised_on=timezone.localdate(),
        submitter_org=project.responsible_unit or getattr(actor, "organization", None),
        source="dispatch",
    )
    if actor is not None:
        case.created_by = actor
        case.save(update_fields=["created_by"])
    return case


def missing(rnd: DispatchRound) -> QuerySet[Project]:
    """The round's projects without a report yet (the 催报 list)."""
    return Project.objects.filter(dispatch_reports__round=rnd, dispatch_reports__submitted_at__isnull=True)


def remind(actor: User | None, round_id: int, note: str = "") -> Reminder:
    """催报: count each missing report's reminder (one UPDATE) and record who reminded whom."""
    reminder: Reminder = rounds.remind(KIND, actor, round_id, note)
    return reminder


# --- Totals and closing --------------------------------------------------------------------------


@dataclass
class Totals:
    expected: int
    reported: int
    investment: Decimal
    workers_required: int
    workers_on_site: int
    problems: int
    # True: the figures of the viewer's slice of the round, not of the whole round
    partial: bool = False

    @property
    def attendance_rate(self) -> Decimal | None:
        """到岗率 = 实到岗 / 应到岗 (%), one decimal."""
        if not self.workers_required:
            return None
        return (Decimal(self.workers_on_site) * 100 / Decimal(self.workers_required)).quantize(Decimal("0.1"))

    @property
    def missing(self) -> int:
        return self.expected - self.reported


def totals(rnd: DispatchRound, reports: QuerySet[DispatchReport] | None = None) -> Totals:
    """The round's figures in one aggregate query (live while open; frozen on close); of
    ``reports`` only (a viewer's slice) when given."""
    submitted = Q(submitted_at__isnull=False)
    case_count = (
        DispatchReport.cases.through.objects.filter(dispatchreport_id=OuterRef("pk"))
        .order_by()
        .values("dispatchreport_id")
        .annotate(n=Count("pk"))
        .values("n")  # type: ignore[misc]
    )
    row = (
        (DispatchReport.objects.all() if reports is None else reports)
        .filter(round=rnd)
        .annotate(n_cases=Coalesce(Subquery(case_count, output_field=IntegerField()), Value(0)))
        .aggregate(
            expected=Count("pk"),
            reported=Count("pk", filter=submitted),
            investment=Sum("investment", filter=submitted),
            required=Sum("workers_required", filter=submitted),
            on_site=Sum("workers_on_site", filter=submitted),
            problems=Sum("n_cases"),
        )
    )
    return Totals(
        expected=row["expected"] or 0,
        reported=row["reported"] or 0,
        investment=Decimal(row["investment"] or 0).quantize(Decimal("0.01")),
        workers_required=int(row["required"] or 0),
        workers_on_site=int(row["on_site"] or 0),
        problems=int(row["problems"] or 0),
    )


def frozen_totals(rnd: DispatchRound) -> Totals:
    """A round's figures: frozen when closed, computed while open."""
    if rnd.state == RoundState.OPEN:
        return totals(rnd)
    return _stored(rnd)


def _visible_reports(user: User | AnonymousUser) -> QuerySet[DispatchReport] | None:
    """The reports ``user`` may see, or ``None`` when the scope does not restrict them."""
    q = scope_q(user, DispatchReport, "view")
    return None if q is None else DispatchReport.objects.filter(q)


def viewer_totals(user: User | AnonymousUser | None, rnd: DispatchRound) -> Totals:
    """The figures of a round as ``user`` may see them (issue 13, L2).

    A viewer who sees every report of the round (a district leader or dispatcher) gets the
    round's figures: frozen when closed, live while open. A viewer who sees only some (a township,
    a squad, a project owner, a department outside the district's region) gets the figures of
    those reports, computed live from them whether the round is open or closed — never the
    district's frozen totals — marked ``partial``. ``None`` is the server operator."""
    visible = None if user is None else _visible_reports(user)
    if visible is None:
        return frozen_totals(rnd)
    mine = visible.filter(round=rnd)
    if mine.count() == DispatchReport.objects.filter(round=rnd).count():
        return frozen_totals(rnd)
    figures = totals(rnd, visible)
    if rnd.is_historical:  # as refreeze_history counts them: problem lines, not cases
        figures.problems = sum(len(problem_lines(text)) for text in mine.values_list("problems", flat=True))
    figures.partial = True
    return figures


def with_viewer_totals(
    rounds_: QuerySet[DispatchRound], user: User | AnonymousUser | None
) -> QuerySet[DispatchRound]:
    """Rounds annotated with the figures of ``user``'s slice of each (one correlated subquery per
    figure, for the page of rounds a list shows): ``seen_expected``, ``seen_reported``,
    ``seen_investment``, ``seen_required``, ``seen_on_site``, and ``seen_all`` (every report of the
    round) to tell a whole view from a partial one. :func:`shown_totals` reads them."""
    visible = None if user is None else _visible_reports(user)
    if visible is None:
        visible = DispatchReport.objects.all()
    submitted = Q(submitted_at__isnull=False)

    def figure(reports: QuerySet[DispatchReport], aggregate: Any, output: Any) -> Any:
        rows = reports.filter(round=OuterRef("pk")).order_by().values("round").annotate(v=aggregate)
        return Coalesce(Subquery(rows.values("v"), output_field=output), Value(0), output_field=output)

    money: DecimalField[Any, Any] = DecimalField(max_digits=16, decimal_places=2)
    return rounds_.annotate(
        seen_all=figure(DispatchReport.objects.all(), Count("pk"), IntegerField()),
        seen_expected=figure(visible, Count("pk"), IntegerField()),
        seen_reported=figure(visible, Count("pk", filter=submitted), IntegerField()),
        seen_investment=figure(visible, Sum("investment", filter=submitted), money),
        seen_required=figure(visible, Sum("workers_required", filter=submitted), IntegerField()),
        seen_on_site=figure(visible, Sum("workers_on_site", filter=submitted), IntegerField()),
    )


def shown_totals(rnd: Any) -> Totals:
    """What a list row (page, export, API) shows of a round annotated by
    :func:`with_viewer_totals`: the frozen figures of a closed round the viewer sees whole, else
    the viewer's slice (live). A round not annotated shows its stored figures. ``problems`` is not
    annotated (0)."""
    cached: Totals | None = getattr(rnd, "_shown_totals", None)
    if cached is not None:
        return cached
    annotated = hasattr(rnd, "seen_expected")
    if not annotated or (rnd.seen_expected == rnd.seen_all and not rnd.is_open):
        shown = _stored(rnd)
    else:
        shown = _seen(rnd, partial=rnd.seen_expected != rnd.seen_all)
    rnd._shown_totals = shown  # type: ignore[attr-defined]
    return shown


def _stored(rnd: DispatchRound) -> Totals:
    return Totals(
        expected=rnd.expected_count,
        reported=rnd.reported_count,
        investment=rnd.investment_total,
        workers_required=rnd.workers_required_total,
        workers_on_site=rnd.workers_on_site_total,
        problems=rnd.problem_count,
    )


def _seen(rnd: Any, partial: bool) -> Totals:
    return Totals(
        expected=int(rnd.seen_expected),
        reported=int(rnd.seen_reported),
        investment=Decimal(rnd.seen_investment or 0).quantize(Decimal("0.01")),
        workers_required=int(rnd.seen_required),
        workers_on_site=int(rnd.seen_on_site),
        problems=0,
        partial=partial,
    )


def close_round(actor: User | None, round_id: int) -> DispatchRound:
    """Close a round: freeze its totals (one aggregate query) and add each report's investment to
    its project's 累计完成投资 (one UPDATE, which django-auditlog does not see per project)."""
    rnd: DispatchRound = rounds.close(KIND, actor, round_id)
    return rnd


def _freeze(rnd: DispatchRound, figures: Totals) -> None:
    rnd.expected_count = figures.expected
    rnd.reported_count = figures.reported
    rnd.investment_total = figures.investment
    rnd.workers_required_total = figures.workers_required
    rnd.workers_on_site_total = figures.workers_on_site
    rnd.attendance_rate = figures.attendance_rate
    rnd.problem_count = figures.problems


class DispatchKind(rounds.RoundKind):
    name = "dispatch"
    noun = "调度任务"
    unit_noun = "项目"
    round_model = DispatchRound
    slot_model = DispatchReport
    reminder_model = Reminder
    nothing_missing_message = "所有项目均已填报,无需催报"

    def title(self, rnd: DispatchRound) -> str:
        return rnd.period_label

    def missing_units(self, rnd: DispatchRound) -> list[dict[str, Any]]:
        rows = self.missing_slots(rnd).order_by("project__name", "pk").values_list("pk", "project__name")
        return [{"slot": pk, "unit": name} for pk, name in rows]

    def freeze(self, rnd: DispatchRound, now: Any) -> None:
        _freeze(rnd, totals(rnd))
        invested = DispatchReport.objects.filter(round=rnd, submitted_at__isnull=False, investment__gt=0)
        Project.objects.filter(pk__in=invested.values("project_id")).update(
            investment_completed=F("investment_completed")
            + Subquery(invested.filter(project_id=OuterRef("pk")).values("investment")[:1]),
            updated_at=now,
        )

    def find(self, district: Region, period: str, **options: Any) -> DispatchRound:
        rnd = DispatchRound.objects.filter(district=district, period_label=str(period).strip()).first()
        if rnd is None:
            raise invalid("period", "round_unknown", f"{district.name}没有期次“{period}”的调度任务")
        return rnd


KIND = rounds.register(DispatchKind())


# --- History: past periods' rounds from files -----------------------------------------------------


def period_has_ended(label: str) -> bool:
    """Whether a label names a week, 旬 or month that is over (only those get historical rounds)."""
    try:
        _kind, _start, end = period_bounds(label)
    except ServiceError:
        return False
    return end < timezone.localdate()


def round_of_period(district: Region, label: str, lock: bool = False) -> DispatchRound | None:
    """The district's round of a 期次: by its label, else by the period the label names (so
    “2019年09月” finds the round of “2019年9月”)."""
    rounds_ = DispatchRound.objects.select_for_update() if lock else DispatchRound.objects.all()
    found = rounds_.filter(district=district, period_label=label.strip()).first()
    if found is None:
        try:
            kind, start, end = period_bounds(label)
        except ServiceError:
            return None
        found = rounds_.filter(
            district=district, period_kind=kind, period_start=start, period_end=end
        ).first()
    return found


@transaction.atomic
def history_round(actor: User | None, district: Region, label: str) -> DispatchRound:
    """The round of a past period whose reports are loaded from a file: the district's historical
    round of that 期次, or a new one — closed and frozen from the start, marked 历史导入, never
    filled in, reminded or counted as to fill. A period with a round opened the ordinary way is
    ``round_closed`` (closed) or filled through it (open); a period not over yet has no history
    (``round_unknown``)."""
    label = (label or "").strip()
    rnd = round_of_period(district, label, lock=True)
    if rnd is not None:
        if not rnd.is_historical:
            raise _round_exists(district, label) if rnd.is_open else rounds.round_closed(KIND, rnd)
        if actor is not None:
            ensure_permitted(actor, "change", rnd)
        return rnd
    kind, start, end = period_bounds(label)
    if end >= timezone.localdate():
        raise invalid(
            "period_label", "round_unknown", f"期次“{label}”的调度任务不存在(尚未结束的期次须先发起调度任务)"
        )
    fields = {
        "district": district,
        "period_kind": kind,
        "period_label": label,
        "period_start": start,
        "period_end": end,
        "due_on": end,
        "notes": "历史导入",
    }
    return rounds.create_historical(KIND, actor, fields)  # type: ignore[no-any-return]


def record_history(actor: User | None, rnd: DispatchRound, project: Project, data: ReportInput) -> str:
    """A project's report in a historical round, from the file: created, or replaced whole when the
    period is imported again (so a figure is never counted twice). No problem becomes a case (the
    problems of a past period are the record, not work to do) and the project's 累计完成投资 is not
    changed (the project file carries it). ``created`` or ``updated``."""
    if not rnd.is_historical:
        raise rounds.round_closed(KIND, rnd)
    values, errors = validate_report(project, data, historical=True)
    if errors:
        raise InvalidInput(errors)
    slot, created = DispatchReport.objects.get_or_create(round=rnd, project=project)
    if not created:
        claim_version(slot, None)  # replaced whole: a writer who read the old report loses
    for key, value in values.items():
        setattr(slot, key, value)
    slot.submitted_by = actor
    slot.submitted_at = rounds.end_of(rnd.period_end)
    slot.save()
    if actor is not None:
        ensure_permitted(actor, "change", slot)
    return "created" if created else "updated"


def refreeze_history(rnd: DispatchRound) -> DispatchRound:
    """Freeze a historical round's totals again from its reports (after an import): the counts
    and sums of the file's rows; problems are the problem lines reported."""
    figures = totals(rnd)
    figures.problems = sum(
        len(problem_lines(text)) for text in rnd.reports.values_list("problems", flat=True)
    )
    _freeze(rnd, figures)
    rnd.save()
    return rnd
