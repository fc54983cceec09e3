"""Imports of the investment pipeline (招商引资): teams, projects with their stage history, leads
and funds in place (``tiaodu import investment-teams|investment-projects|investment-leads|
investment-funds FILE``, and the page /investment/import/).

Names resolve in the actor's district (:func:`tiaodu.core.resolve.actor_district`; the operator's
is ``settings.HOME_REGION_CODE``; ``tiaodu import --as USER`` imports for another district):
产业链, 招商组 and 负责区域 by their name in the district, 首报单位/报送单位 as a team of the
district or an organisation through the shared :class:`~tiaodu.core.resolve.Resolver`.

Rules of the project import:

* The stage history is built from the stage date columns (线索日期 … 投产日期, 终止日期): the
  stages with a date, in the order of the chain, each entered on its date. Dates may not go
  back (``stage_date_order``) and each step must be allowed by the stage table
  (``transition_not_allowed``); 终止日期 needs a 终止原因; 协议投资额 needs a 签约日期
  (``agreed_before_signing``) and a 签约日期 a 协议投资额.
* 首报日期 defaults to the first stage date.
* Upsert by 项目名称 within the district. A re-import makes the history equal the file: when
  the stored history is the file's (same stages, dates and reason) it is left alone; when the
  file only adds later stages they are appended; otherwise the stored history is replaced by
  the file's. A file without any stage date column leaves an existing project's history alone.
* 首报制: an investor already in the district's pipeline (a lead or another project, by credit
  code or normalised name, :class:`tiaodu.investment.dedupe.InvestorIndex`) is refused with
  ``duplicate_investor`` naming the first report; the rows accepted so far join the index, so
  two rows of one file for the same investor are caught too. A project re-imported under its
  own name is not a duplicate of itself.

All four are all-or-nothing by default, take past dates, and report every bad row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import ServiceError, invalid
from tiaodu.core.imports import (
    PHASE_WRITE,
    AuditEntry,
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    any_date,
    audit_objects,
    boolean,
    choice,
    created_changes,
    decimal_value,
    insert_with_ids,
    past_date,
    refuse_written,
    register,
    text,
    text_of,
)
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.core.resolve import actor_district, resolver_for

# Shared with the enterprise imports (candidates for tiaodu.core.imports): the audit changes of a
# created object, and the scope check of rows as written.
from tiaodu.investment import services, tracking
from tiaodu.investment.choices import (
    STAGE_CHAIN,
    FollowLevel,
    FundSource,
    LeadStatus,
    Source,
    Stage,
    TeamKind,
    TerminationReason,
)
from tiaodu.investment.models import (
    FocusArea,
    FundsInPlace,
    IndustryChain,
    InvestmentProject,
    InvestmentStageChange,
    Lead,
    Team,
)
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.investment.dedupe import InvestorIndex, Match

# The kinds on the import page /investment/import/ (first = default).
INVESTMENT_KINDS = ("investment-projects", "investment-leads", "investment-funds", "investment-teams")
# Organisations that may report a lead or a project first (not enterprises or project owners).
REPORTER_KINDS = tuple(k for k in OrgKind.values if k not in (OrgKind.ENTERPRISE, OrgKind.OWNER))


def labels(choices: Any) -> dict[str, str]:
    """Label → stored value of a TextChoices (its blank choice left out)."""
    return {str(label): value for value, label in choices.choices if value}


def choice_column(
    header: str,
    field_name: str,
    choices: Any,
    *,
    required: bool = False,
    blank: str = "",
    example: str = "",
    note: str = "",
) -> Column:
    """A column taking one of ``choices`` by its label (or code), offered as a drop-down."""
    options = labels(choices)
    return Column(
        header,
        field_name,
        required,
        choice(options, blank),
        example=example,
        note=note,
        options=tuple(options),
    )


def amount_of(model: type[models.Model], field_name: str) -> Callable[[Any], Decimal | None]:
    """万元 that the field can hold (the shared number rule); not negative (``negative_amount``)."""
    model_field = model._meta.get_field(field_name)
    assert isinstance(model_field, models.DecimalField), field_name
    digits, places = int(model_field.max_digits or 14), int(model_field.decimal_places or 2)

    def amount(raw: Any) -> Decimal | None:
        number = decimal_value(raw, max_digits=digits, decimal_places=places, unit="万元")
        if number is not None and number < 0:
            raise CellError("negative_amount", "金额不能为负数")
        return number

    return amount


def year_month(raw: Any) -> date | None:
    """The first day of a month written 2022年3月, 2022-03, 2022/3, 202203 or as an Excel date."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        first = raw.replace(day=1)
    else:
        value = text(raw).replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
        if value.isdigit() and len(value) == 6:
            value = f"{value[:4]}-{value[4:]}"
        parts = value.split("-")
        try:
            if len(parts) not in (2, 3) or len(parts[0]) != 4:
                raise ValueError
            first = date(int(parts[0]), int(parts[1]), 1)
        except ValueError:
            raise CellError(
                "month_invalid", f"年月“{text(raw)}”无法识别,应写作 2022年3月 或 2022-03"
            ) from None
    if first > date.today():
        raise CellError("date_in_future", f"{first.year}年{first.month}月晚于本月")
    return first


# --- the district and its reference data -------------------------------------------------------


def district_of(ctx: ImportContext) -> Region:
    """The district the import writes to: the actor's (the home region for the operator)."""
    found = ctx.cache.get("district")
    if found is None:
        found = actor_district(ctx.actor)
        if found is None:
            raise invalid("region", "region_required", "无法确定导入所属区县")
        ctx.cache["district"] = found
    district: Region = found
    return district


def _by_name(ctx: ImportContext, model: Any) -> dict[str, Any]:
    """The district's chains, teams or focus areas by name, read once per import."""
    table: dict[str, Any] | None = ctx.cache.get(model.__name__)
    if table is None:
        qs = model.objects.filter(region=district_of(ctx))
        table = ctx.cache[model.__name__] = {obj.name: obj for obj in qs}
    return table


REFERENCE = {
    "chain": (IndustryChain, "chain_unknown", "产业链"),
    "team": (Team, "team_unknown", "招商组"),
    "focus_area": (FocusArea, "focus_area_unknown", "重点区域"),
}


def reference(ctx: ImportContext, row: Row, field_name: str, header: str) -> Any:
    """The chain, team or focus area a cell names in the district; None (and the row's error)
    when unknown, None for a blank cell."""
    ref = row.values.get(field_name) or ""
    if not ref:
        return None
    model, code, label = REFERENCE[field_name if field_name in REFERENCE else "team"]
    found = _by_name(ctx, model).get(ref)
    if found is None:
        known = "、".join(list(_by_name(ctx, model))[:12]) or "无"
        ctx.error(row.number, header, code, f"{label}“{ref}”不存在于{district_of(ctx).name}(可选:{known})")
    return found


def _in_district(ctx: ImportContext, region: Region) -> bool:
    return region.path.startswith(district_of(ctx).path)


def township_in_district(ctx: ImportContext, row: Row, ref: str, header: str) -> Region | None:
    """A township of the district by name or code (the district's first, as the resolver does)."""
    try:
        township = resolver_for(ctx).township(ref, field=header, label="镇街")
    except ServiceError as exc:
        ctx.service_error(row.number, exc)
        return None
    if not _in_district(ctx, township):
        ctx.error(
            row.number, header, "township_outside_district", f"镇街“{ref}”不属于{district_of(ctx).name}"
        )
        return None
    return township


@dataclass
class Reporter:
    """Who reported first: a team of the district (a town's 小分队 …) or an organisation."""

    name: str
    organization: Organization | None = None
    team: Team | None = None
    township: Region | None = None


def reporter_of(ctx: ImportContext, row: Row, ref: str, header: str) -> Reporter | None:
    """首报单位 / 报送单位: a team of the district by name (its squad organisation and, for a
    town's 小分队, its town), else an organisation of the district (its township when it is a
    town's); None and the row's error otherwise."""
    team = _by_name(ctx, Team).get(ref)
    if team is not None:
        return Reporter(team.name, team.organization, team, team.township)
    try:
        org = resolver_for(ctx).organization(ref, kinds=REPORTER_KINDS, field=header, label=header)
    except ServiceError as exc:
        ctx.service_error(row.number, exc)
        return None
    if not _in_district(ctx, org.region):
        ctx.error(
            row.number,
            header,
            "organization_outside_district",
            f"{header}“{ref}”不属于{district_of(ctx).name}",
        )
        return None
    township = org.region if org.region.level == Level.TOWNSHIP else None
    return Reporter(org.name, org, None, township)


def investor_index(ctx: ImportContext) -> InvestorIndex:
    """The district's known investors (lane A's index), loaded once per import."""
    found = ctx.cache.get("investor_index")
    if found is None:
        from tiaodu.investment.dedupe import InvestorIndex

        found = ctx.cache["investor_index"] = InvestorIndex.for_district(district_of(ctx))
    index: InvestorIndex = found
    return index


def check_investor(
    ctx: ImportContext,
    row: Row,
    kind: str,
    name: str,
    credit_code: str,
    reporter: str,
    reported_on: date | None,
    own: tuple[str, int] | None = None,
) -> bool:
    """首报制 for one row: refuse an investor already in the pipeline (``duplicate_investor``,
    naming the first report), else add the row to the index so later rows of the file see it.
    ``own``: the (kind, pk) this row updates, which is not a duplicate of itself."""
    from tiaodu.investment.leads import duplicate_error

    index = investor_index(ctx)
    match = index.find(name, credit_code)
    if match is not None and not _itself(match, own):
        ctx.service_error(row.number, duplicate_error(match, row.number))
        return False
    pk = own[1] if own is not None else -row.number  # new rows: a placeholder key for this import
    index.add(kind, pk, name, credit_code, reporter, reported_on)
    return True


def _itself(match: Match, own: tuple[str, int] | None) -> bool:
    return own is not None and (
        (match.kind, match.pk) == own or (match.kind == "lead" and _converted_into(match.pk, own))
    )


def _converted_into(lead_pk: int, own: tuple[str, int]) -> bool:
    """A lead converted into the project being re-imported is that project's own first report."""
    return own[0] == "project" and Lead.objects.filter(pk=lead_pk, project_id=own[1]).exists()


class InvestmentImporter(Importer):
    """The investment imports are run by departments (招商投资局 …) and administrators."""

    roles: ClassVar[tuple[str, ...]] = (Role.ADMIN, Role.DEPARTMENT)

    def allowed(self, actor: User | None) -> bool:
        if actor is None:
            return True
        return (actor.is_superuser or actor.role in self.roles) and can(actor, "add", self.model)

    def prepare(self, ctx: ImportContext) -> None:
        district_of(ctx)


def _first_rows(
    ctx: ImportContext, rows: list[Row], key: Callable[[Row], Any], header: str, what: str
) -> None:
    """A key repeated within the file: the later rows are refused naming the first."""
    seen: dict[Any, int] = {}
    for row in rows:
        value = key(row)
        if value is None:
            continue
        if value in seen:
            ctx.error(row.number, header, "duplicate_row", f"{what}与第{seen[value]}行重复")
        else:
            seen[value] = row.number


# --- teams ----------------------------------------------------------------------------------------


@register
class TeamImporter(InvestmentImporter):
    name = "investment-teams"
    title = "招商组"
    model = Team
    key_field = "name"
    field_headers = {"township": "所属镇街", "focus_area": "负责区域", "leader": "组长"}
    columns = [
        Column("名称", "name", True, text_of(64), example="长三角招商组"),
        choice_column("类型", "kind", TeamKind, required=True, example="区域招商组"),
        Column(
            "所属镇街",
            "township",
            parse=text_of(64),
            example="",
            note="镇街招商小分队必填:镇街名称或区划代码",
        ),
        Column("负责区域", "focus_area", parse=text_of(32), example="长三角", note="本区县的重点区域名称"),
        Column(
            "负责产业链", "chain", parse=text_of(64), example="", note="产业链专班填写:本区县的产业链名称"
        ),
        Column(
            "组长", "leader", parse=text_of(64), example="张三 区政协副主席", note="用户名、姓名或姓名职务"
        ),
    ]
    notes = ["按名称在本区县内新增或更新招商组。"]

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        data: dict[str, Any] = {k: values[k] for k in ("name", "kind") if k in values}
        if "township" in values:
            data["township"] = None
            if values["township"]:
                data["township"] = township_in_district(ctx, row, values["township"], "所属镇街")
        if values.get("kind") == TeamKind.TOWN and not values.get("township"):
            ctx.error(row.number, "所属镇街", "township_required", "镇街招商小分队须填写所属镇街")
        for name, header in (("focus_area", "负责区域"), ("chain", "负责产业链")):
            if name in values:
                data[name] = reference(ctx, row, name, header)
        if "leader" in values:
            data["leader_name"] = values["leader"]
            data["leader"] = None
            if values["leader"]:
                try:
                    data["leader"] = resolver_for(ctx).user(values["leader"], field="leader", label="组长")
                except ServiceError:
                    data["leader"] = None  # a name and title only (组长 need not have an account)
        row.data = data

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        _first_rows(ctx, rows, lambda r: r.values.get("name"), "名称", "名称")

    def save(self, ctx: ImportContext, row: Row) -> str:
        data: dict[str, Any] = row.data
        district = district_of(ctx)
        existing = Team.objects.filter(region=district, name=data["name"]).first()
        if existing is None:
            team = Team(region=district, **data)
            team.save()
            outcome = "created"
        else:
            if ctx.actor is not None:
                existing = get_scoped(Team, ctx.actor, "change", pk=existing.pk)
            changed = [k for k, v in data.items() if getattr(existing, k) != v]
            for k in changed:
                setattr(existing, k, data[k])
            if changed:
                existing.save()
            team, outcome = existing, ("updated" if changed else "unchanged")
        if ctx.actor is not None:
            ensure_permitted(ctx.actor, "add" if outcome == "created" else "change", team)
        return outcome


# --- projects -------------------------------------------------------------------------------------

HISTORY_STAGES = [*STAGE_CHAIN, Stage.TERMINATED]


def _stage_header(stage: str) -> str:
    return f"{services.stage_label(stage)}日期"


def _stage(raw: Any) -> str:
    value = text(raw)
    if not value:
        return ""
    found = labels(Stage).get(value) or (value if value in Stage.values else None)
    if found is None:
        options = "、".join(labels(Stage))
        raise CellError("stage_unknown", f"阶段“{value}”不存在,可选:{options}")
    return found


_STAGE_EXAMPLES = {Stage.LEAD: "2019-03-01", Stage.CONTACT: "2019-05-10", Stage.NEGOTIATING: "2019-09-02"}
_PROJECT_AMOUNTS = ("planned_investment", "agreed_investment", "land_mu", "expected_output", "expected_tax")
_LOOKUPS = ("investor_region", "chain", "team", "first_reporter")
_RELATED = ("investor_region", "chain", "team", "lead_unit", "first_reporter", "first_township", "enterprise")


def _stored(obj: models.Model, values: dict[str, Any]) -> dict[str, Any]:
    """The fields ``values`` names as ``obj`` holds them (a relation by its key: no query)."""
    out = {}
    for name in values:
        model_field = obj._meta.get_field(name)
        out[name] = getattr(obj, f"{name}_id") if model_field.is_relation else getattr(obj, name)
    return out


def _wanted(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.pk if isinstance(v, models.Model) else v) for k, v in values.items()}


@dataclass
class _ProjectRow:
    values: dict[str, Any]  # the EDITABLE fields the file sets
    path: list[tuple[str, date]] | None  # None: the file has no stage date column
    reason: str
    existing: InvestmentProject | None
    reporter: str = ""
    history: list[tuple[str, date, str]] = field(default_factory=list)


@register
class ProjectImporter(InvestmentImporter):
    name = "investment-projects"
    title = "招商项目"
    model = InvestmentProject
    key_field = "name"
    denied_message = "项目不在您的管辖范围内"
    field_headers = {
        "on": "线索日期",
        "stage": "当前阶段",
        "reason": "终止原因",
        "region": "项目名称",
        "investor_key": "投资方",
    }
    columns = [
        Column("项目名称", "name", True, text_of(128), example="某某新材料生产基地项目"),
        Column("投资方", "investor_name", True, text_of(128), example="某某新材料科技(上海)有限公司"),
        Column(
            "投资方信用代码",
            "investor_credit_code",
            parse=text_of(18),
            example="",
            note="统一社会信用代码,有则填写",
        ),
        Column(
            "投资方所在地",
            "investor_region",
            parse=text_of(64),
            example="上海市",
            note="省、市(或区县)名称或区划代码",
        ),
        Column(
            "产业链",
            "chain",
            parse=text_of(64),
            example="绿色化工新材料",
            note="本区县的重点产业或产业链名称",
        ),
        Column("行业代码", "industry_code", parse=text_of(8), example="C2651", note="GB/T 4754-2017"),
        Column(
            "计划投资额(万元)",
            "planned_investment",
            parse=amount_of(InvestmentProject, "planned_investment"),
            example=50000,
            aliases=("计划投资额",),
        ),
        Column(
            "协议投资额(万元)",
            "agreed_investment",
            parse=amount_of(InvestmentProject, "agreed_investment"),
            example="",
            aliases=("协议投资额",),
            note="签约后填写(须同时填写签约日期)",
        ),
        Column(
            "用地需求(亩)", "land_mu", parse=amount_of(InvestmentProject, "land_mu"), aliases=("用地需求",)
        ),
        Column(
            "预计年产值(万元)",
            "expected_output",
            parse=amount_of(InvestmentProject, "expected_output"),
            aliases=("预计年产值",),
        ),
        Column(
            "预计年税收(万元)",
            "expected_tax",
            parse=amount_of(InvestmentProject, "expected_tax"),
            aliases=("预计年税收",),
        ),
        Column("重点项目", "is_key", parse=boolean, example="是"),
        choice_column("跟进级别", "follow_level", FollowLevel, blank=FollowLevel.GENERAL, example="紧密跟进"),
        Column("计划签约日期", "planned_signing_on", parse=any_date, example="2020-06-30", note="可晚于今天"),
        Column("招商组", "team", parse=text_of(64), example="长三角招商组", note="本区县招商组名称"),
        Column(
            "首报单位",
            "first_reporter",
            parse=text_of(128),
            example="古溪镇招商小分队",
            note="招商组或单位名称;镇街招商小分队首报的项目记入该镇街",
        ),
        Column("首报日期", "first_reported_on", parse=past_date, example="2019-03-01"),
        choice_column("来源", "source", Source, blank=Source.OTHER, example="镇街招商小分队"),
        *[
            Column(
                _stage_header(stage),
                f"on_{stage}",
                parse=past_date,
                example=_STAGE_EXAMPLES.get(stage, ""),
                note="进入该阶段的日期;未到该阶段留空",
            )
            for stage in HISTORY_STAGES
        ],
        choice_column("终止原因", "reason", TerminationReason, note="填写终止日期时必填"),
        Column(
            "当前阶段",
            "stage",
            parse=_stage,
            example="在谈",
            note="选填:与最后一个阶段日期所对应的阶段核对",
            options=tuple(labels(Stage)),
        ),
        Column("备注", "notes", example=""),
    ]
    notes = [
        "按项目名称在本区县内新增或更新。金额单位为万元。",
        "阶段历程按各阶段日期生成(按线索→接洽→在谈→意向明显→拟签约→签约→注册落地→开工→投产的顺序,日期不能倒序);"
        "再次导入时阶段历程与文件一致。",
        "同一投资方已在本区县招商项目库或线索中的,按首报制拒绝导入并指明首报单位。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        projects = InvestmentProject.objects.filter(region=district_of(ctx)).order_by()
        ctx.cache["project_ids"] = dict(projects.values_list("name", "pk"))

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        name = values.get("name") or ""
        district = district_of(ctx)
        # The district's project names are read once; a row naming one reads that project by key.
        pk = ctx.cache["project_ids"].get(name) if name else None
        existing = InvestmentProject.objects.get(pk=pk) if pk else None
        data: dict[str, Any] = {
            k: v for k, v in values.items() if k in services.EDITABLE and k not in _LOOKUPS
        }
        ok = True
        if values.get("investor_region"):
            try:
                data["investor_region"] = resolver_for(ctx).region(
                    values["investor_region"],
                    levels=(Level.PROVINCE, Level.CITY, Level.COUNTY),
                    field="investor_region",
                    label="投资方所在地",
                )
            except ServiceError as exc:
                ctx.service_error(row.number, exc)
                ok = False
        elif "investor_region" in values:
            data["investor_region"] = None
        for name_, header in (("chain", "产业链"), ("team", "招商组")):
            if name_ in values:
                data[name_] = reference(ctx, row, name_, header)
                ok = ok and (data[name_] is not None or not values[name_])
        reporter = None
        if values.get("first_reporter"):
            reporter = reporter_of(ctx, row, values["first_reporter"], "首报单位")
            if reporter is None:
                ok = False
            else:
                data["first_reporter"], data["first_township"] = reporter.organization, reporter.township
        elif "first_reporter" in values:
            data["first_reporter"] = data["first_township"] = None
        for money in ("planned_investment",):
            if money in data and data[money] is None:
                data[money] = Decimal(0)
        if "investor_credit_code" in data and data["investor_credit_code"] is None:
            data["investor_credit_code"] = ""
        path, reason = self._path(ctx, row, existing)
        if path is None and existing is None and not self._has_stage_columns(ctx):
            ctx.error(row.number, "线索日期", "stage_dates_required", "新项目须至少填写一个阶段日期")
            return
        if not ok or not name or path == []:
            return
        if path and not data.get("first_reported_on"):
            data["first_reported_on"] = path[0][1]  # 首报日期: by default the day it entered
        # The service's rules on the values the project will have (every bad row is listed).
        # (the stored relations are the district's own: only the file's are checked, no joins)
        merged = {f: getattr(existing, f) for f in services.EDITABLE if f not in _RELATED} if existing else {}
        merged |= {"source": Source.OTHER, "follow_level": FollowLevel.GENERAL} if not existing else {}
        merged |= data | {"region": district}
        signed = (path is not None and any(s == Stage.SIGNED for s, _ in path)) or (
            path is None and existing is not None and existing.signed_on is not None
        )
        for err in services.validate_values(merged, Stage.SIGNED if signed else Stage.LEAD):
            ctx.error(row.number, err.field, err.code, err.message)
        if data.get("investor_credit_code"):
            data["investor_credit_code"] = merged["investor_credit_code"]  # as validated (upper case)
        if signed and merged.get("agreed_investment") is None:
            ctx.error(
                row.number, "协议投资额(万元)", "agreed_investment_required", "签约项目须填写协议投资额(万元)"
            )
        row.data = _ProjectRow(data, path, reason, existing, reporter.name if reporter else "")

    @staticmethod
    def _has_stage_columns(ctx: ImportContext) -> bool:
        return any(f"on_{s}" in ctx.present_fields for s in HISTORY_STAGES)

    def _path(
        self, ctx: ImportContext, row: Row, existing: InvestmentProject | None
    ) -> tuple[list[tuple[str, date]] | None, str]:
        """The dated stage path of the row (None when the file has no stage date column), with
        its errors recorded; [] when the row is refused."""
        values = row.values
        reason = values.get("reason") or ""
        if not self._has_stage_columns(ctx):
            if reason:
                ctx.error(row.number, "终止原因", "reason_not_allowed", "只有填写终止日期时才填写终止原因")
                return [], reason
            return None, reason
        path: list[tuple[str, date]] = [
            (str(s), values[f"on_{s}"]) for s in HISTORY_STAGES if values.get(f"on_{s}")
        ]
        if not path:
            if row.number not in ctx.bad_rows:  # else a date cell was refused already
                ctx.error(
                    row.number, _stage_header(Stage.LEAD), "stage_dates_required", "须至少填写一个阶段日期"
                )
            return [], reason
        ok = True
        if path[0][0] == Stage.TERMINATED:
            ctx.error(row.number, "终止日期", "stage_dates_required", "终止前须填写项目到达的阶段及其日期")
            ok = False
        for previous, current in pairwise(path):
            for err in services.check_path([previous, current], field=_stage_header(current[0])):
                ctx.error(row.number, err.field, err.code, err.message)
                ok = False
        terminated = values.get(f"on_{Stage.TERMINATED}") is not None
        if terminated and not reason:
            ctx.error(
                row.number,
                "终止原因",
                "termination_reason_required",
                "填写终止日期须选择终止原因:" + "、".join(labels(TerminationReason)),
            )
            ok = False
        elif reason and not terminated:
            ctx.error(row.number, "终止原因", "reason_not_allowed", "只有填写终止日期时才填写终止原因")
            ok = False
        stage = values.get("stage")
        if stage and stage != path[-1][0]:
            ctx.error(
                row.number,
                "当前阶段",
                "stage_mismatch",
                f"当前阶段“{services.stage_label(stage)}”与阶段日期不符(最后填写的是"
                f"{_stage_header(path[-1][0])})",
            )
            ok = False
        return (path if ok else []), reason

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        _first_rows(ctx, rows, lambda r: r.values.get("name"), "项目名称", "项目名称")
        for row in rows:
            data: _ProjectRow | None = row.data
            if data is None or row.number in ctx.bad_rows:
                continue
            existing = data.existing
            investor = data.values.get("investor_name") or (existing.investor_name if existing else "")
            code = data.values.get("investor_credit_code", existing.investor_credit_code if existing else "")
            reported_on = data.values.get("first_reported_on") or (
                existing.first_reported_on if existing else None
            )
            own = ("project", existing.pk) if existing is not None else None
            check_investor(ctx, row, "project", investor, code or "", data.reporter, reported_on, own)

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        """New projects in bulk (the rules were checked by ``clean``); existing ones row by row
        through the services (their history synced, their fields through ``update_project``)."""
        new = [r for r in rows if r.data.existing is None]
        if new:
            self._insert(ctx, new)
        super().write(ctx, [r for r in rows if r.data.existing is not None])

    def _insert(self, ctx: ImportContext, rows: list[Row]) -> None:
        """What :func:`services.create_project` and :func:`services.append_stage` write, set-based:
        the projects, their history rows (each closed by the next: ``ended_on``), one audit
        entry per object, and the scope of the rows as written checked in one query."""
        district, actor = district_of(ctx), ctx.actor
        actor_id = actor.pk if actor is not None else None
        lead_unit = services.default_lead_unit(district)
        index = investor_index(ctx)
        meta = InvestmentProject._meta
        projects: list[dict[str, Any]] = []
        for row in rows:
            data: _ProjectRow = row.data
            assert data.path is not None
            values: dict[str, Any] = {}
            for name, value in data.values.items():
                model_field = meta.get_field(name)
                if model_field.is_relation:
                    values[f"{name}_id"] = value.pk if value is not None else None
                else:
                    values[name] = value
            stage, stage_on = data.path[-1]
            values |= {
                "region_id": district.pk,
                "investor_key": index.key(values["investor_name"]),
                "investor_credit_code": values.get("investor_credit_code") or "",
                "planned_investment": values.get("planned_investment") or Decimal(0),
                "source": values.get("source") or Source.OTHER,
                "follow_level": values.get("follow_level") or FollowLevel.GENERAL,
                "industry_code": values.get("industry_code") or "",
                "notes": values.get("notes") or "",
                "is_key": bool(values.get("is_key")),
                "lead_unit_id": lead_unit.pk if lead_unit is not None else None,
                "stage": stage,
                "stage_on": stage_on,
                "signed_on": next((on for s, on in data.path if s == Stage.SIGNED), None),
                "termination_reason": data.reason if stage == Stage.TERMINATED else "",
                "created_by_id": actor_id,
            }
            projects.append(values)
        ids = insert_with_ids(InvestmentProject, projects)
        refused = refuse_written(ctx, InvestmentProject, "add", dict(zip(ids, rows, strict=True)))
        changes: list[dict[str, Any]] = []
        for pk, row in zip(ids, rows, strict=True):
            if pk in refused:
                continue
            path = row.data.path
            for i, (stage, on) in enumerate(path):
                changes.append(
                    {
                        "project_id": pk,
                        "from_stage": path[i - 1][0] if i else "",
                        "to_stage": stage,
                        "on": on,
                        "ended_on": path[i + 1][1] if i + 1 < len(path) else None,
                        "reason": row.data.reason if stage == Stage.TERMINATED else "",
                        "actor_id": actor_id,
                        "note": "导入",
                    }
                )
        change_ids = insert_with_ids(InvestmentStageChange, changes)
        audit_objects(
            ctx,
            InvestmentProject,
            [
                AuditEntry(pk, values["name"], created_changes(values))
                for pk, values in zip(ids, projects, strict=True)
                if pk not in refused
            ],
        )
        names = {pk: values["name"] for pk, values in zip(ids, projects, strict=True)}
        audit_objects(
            ctx,
            InvestmentStageChange,
            [
                AuditEntry(
                    pk,
                    f"{names[c['project_id']]} {c['from_stage']}→{c['to_stage']} {c['on']}",
                    created_changes(c),
                )
                for pk, c in zip(change_ids, changes, strict=True)
            ],
        )
        ctx.counts["created"] += len(ids) - len(refused)
        ctx.report(PHASE_WRITE, len(rows), len(rows))

    def save(self, ctx: ImportContext, row: Row) -> str:
        """An existing project: its history made the file's, its fields updated."""
        data: _ProjectRow = row.data
        actor = ctx.actor
        values = dict(data.values)
        assert data.existing is not None  # new projects go out in bulk (``_insert``)
        if actor is not None:
            project = get_scoped(InvestmentProject, actor, "change", pk=data.existing.pk)
        else:
            project = InvestmentProject.objects.select_for_update().get(pk=data.existing.pk)
        before = _stored(project, values)
        history_changed = data.path is not None and self._sync_history(actor, project, data)
        if history_changed and data.path:
            project.save()
            from tiaodu.investment import hooks

            # What follows a move (cards lifted …), for the stage the project stands at now.
            hooks.stage_changed(actor, project, project.stage, data.path[-1][1])
        fields_changed = before != _wanted(values)
        if fields_changed:
            services.update_project(actor, project.pk, **values)
        return "updated" if history_changed or fields_changed else "unchanged"

    @staticmethod
    def _reason(stage: str, data: _ProjectRow) -> str:
        return data.reason if stage == Stage.TERMINATED else ""

    def _sync_history(self, actor: User | None, project: InvestmentProject, data: _ProjectRow) -> bool:
        """Make the project's history the file's: unchanged, extended, or replaced."""
        assert data.path is not None
        wanted = [(s, on, self._reason(s, data)) for s, on in data.path]
        stored = list(project.stage_changes.order_by("on", "pk").values_list("to_stage", "on", "reason"))
        if stored == wanted:
            return False
        if stored and wanted[: len(stored)] == stored:
            todo = wanted[len(stored) :]
        else:
            project.stage_changes.all().delete()
            project.signed_on, project.termination_reason = None, ""
            todo = wanted
        for stage, on, reason in todo:
            services.append_stage(project, stage, on, actor, reason=reason, note="导入")
        return True


# --- leads ----------------------------------------------------------------------------------------


@dataclass
class _LeadRow:
    values: dict[str, Any]
    reporter: Reporter | None


@register
class LeadImporter(InvestmentImporter):
    name = "investment-leads"
    title = "招商线索"
    model = Lead
    key_field = "investor_name"
    field_headers = {"reporter": "报送单位", "township": "所属镇街", "team": "接收招商组", "chain": "产业链"}
    columns = [
        Column("投资方", "investor_name", True, text_of(128), example="某某电子科技(深圳)有限公司"),
        Column("投资方信用代码", "investor_credit_code", parse=text_of(18), note="统一社会信用代码,有则填写"),
        Column("线索内容", "content", True, example="拟在西部布局电子元器件生产基地,用地约100亩"),
        choice_column(
            "来源",
            "source",
            Source,
            blank=Source.TOWN_TEAM,
            example="镇街招商小分队",
            note="空白为镇街招商小分队",
        ),
        Column(
            "报送单位",
            "reporter",
            parse=text_of(128),
            example="古溪镇招商小分队",
            note="招商组、小分队或单位名称",
        ),
        Column("所属镇街", "township", parse=text_of(64), example="古溪镇", note="空白时按报送单位确定"),
        Column("报送日期", "reported_on", True, past_date, example="2020-04-15"),
        Column("接收招商组", "team", parse=text_of(64), example="粤港澳大湾区招商组"),
        Column("产业链", "chain", parse=text_of(64), example="电子信息"),
        Column(
            "预计投资额(万元)",
            "estimated_investment",
            parse=amount_of(Lead, "estimated_investment"),
            example=20000,
            aliases=("预计投资额",),
        ),
    ]
    notes = [
        "每行为一条线索;填写接收招商组的线索记为已分派。",
        "投资方已在本区县招商项目库或线索中的,按首报制拒绝导入并指明首报单位。",
    ]

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = dict(row.values)
        if values.get("investor_credit_code"):
            try:
                from tiaodu.core.resolve import credit_code

                values["investor_credit_code"] = credit_code(
                    values["investor_credit_code"], "investor_credit_code"
                )
            except ServiceError as exc:
                ctx.error(row.number, "投资方信用代码", exc.errors[0].code, exc.errors[0].message)
        reporter = None
        if values.get("reporter"):
            reporter = reporter_of(ctx, row, values["reporter"], "报送单位")
        township = None
        if values.get("township"):
            township = township_in_district(ctx, row, values["township"], "所属镇街")
        elif reporter is not None:
            township = reporter.township
        values["township"] = township
        values["team"] = reference(ctx, row, "team", "接收招商组")
        values["chain"] = reference(ctx, row, "chain", "产业链")
        row.data = _LeadRow(values, reporter)

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        for row in rows:
            if row.number in ctx.bad_rows or row.data is None:
                continue
            values, reporter = row.data.values, row.data.reporter
            check_investor(
                ctx,
                row,
                "lead",
                values["investor_name"],
                values.get("investor_credit_code") or "",
                reporter.name if reporter else "",
                values.get("reported_on"),
            )

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        actor = ctx.actor
        district = district_of(ctx)
        index = investor_index(ctx)  # its keys of the file's names are memoised
        new: list[tuple[Row, dict[str, Any]]] = []
        for row in rows:
            values, reporter = row.data.values, row.data.reporter
            team = values["team"]
            new.append(
                (
                    row,
                    {
                        "region_id": district.pk,
                        "investor_name": values["investor_name"],
                        "investor_key": index.key(values["investor_name"]),
                        "investor_credit_code": values.get("investor_credit_code") or "",
                        "content": values["content"],
                        "source": values.get("source") or Source.TOWN_TEAM,
                        "reporter_id": reporter.organization.pk
                        if reporter and reporter.organization
                        else None,
                        "reporting_team_id": reporter.team.pk if reporter and reporter.team else None,
                        "township_id": values["township"].pk if values["township"] else None,
                        "reported_on": values["reported_on"],
                        "team_id": team.pk if team else None,
                        "chain_id": values["chain"].pk if values["chain"] else None,
                        "estimated_investment": values.get("estimated_investment"),
                        "status": LeadStatus.ASSIGNED if team else LeadStatus.NEW,
                        "created_by_id": actor.pk if actor is not None else None,
                    },
                )
            )
        ids = insert_with_ids(Lead, [values for _row, values in new])
        written = {pk: row for pk, (row, _values) in zip(ids, new, strict=True)}
        refused = refuse_written(ctx, Lead, "add", written)
        audit_objects(
            ctx,
            Lead,
            [
                AuditEntry(
                    pk,
                    f"{values['investor_name']}({values['reported_on']:%Y-%m-%d})",
                    created_changes(values),
                )
                for pk, (_row, values) in zip(ids, new, strict=True)
                if pk not in refused
            ],
        )
        ctx.counts["created"] += len(ids) - len(refused)
        ctx.report(PHASE_WRITE, len(rows), len(rows))


# --- funds in place -------------------------------------------------------------------------------


@register
class FundsImporter(InvestmentImporter):
    name = "investment-funds"
    title = "到位资金"
    model = FundsInPlace
    key_field = "project"
    denied_message = "项目不在您的管辖范围内"
    field_headers = {"month": "年月", "amount": "到位资金(万元)", "source": "资金来源", "project": "项目名称"}
    columns = [
        Column("项目名称", "project", True, text_of(128), example="某某新材料生产基地项目"),
        Column("年月", "month", True, year_month, example="2021年3月", note="如 2021年3月、2021-03"),
        Column(
            "到位资金(万元)",
            "amount",
            True,
            amount_of(FundsInPlace, "amount"),
            example=5000,
            aliases=("到位资金",),
        ),
        choice_column("资金来源", "source", FundSource, required=True, example="市外境内"),
    ]
    notes = [
        "项目须已在本区县招商项目库中,且该月底前已签约(按阶段历程);同一项目、年月和来源已有数据的按文件更新。",
        "导入后按月更新本区县“招商引资到位资金”监测指标(当年1月至该月累计)。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        district = district_of(ctx)
        qs = InvestmentProject.objects.filter(region=district)
        if ctx.actor is not None:
            qs = InvestmentProject.objects.restrict(ctx.actor, "change").filter(region=district)
        ctx.cache["projects"] = {p.name: p for p in qs}

    def clean(self, ctx: ImportContext, row: Row) -> None:
        name, month = row.values.get("project") or "", row.values.get("month")
        project = ctx.cache["projects"].get(name)
        if name and project is None:
            ctx.error(row.number, "项目名称", "project_unknown", f"招商项目“{name}”不存在")
            return
        if project is None or month is None:
            return
        try:
            tracking.check_funds(project, month)
        except ServiceError as exc:
            ctx.service_error(row.number, exc)
            return
        row.data = project

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        _first_rows(
            ctx,
            rows,
            lambda r: (r.values.get("project"), r.values.get("month"), r.values.get("source")),
            "项目名称",
            "同一项目、年月和资金来源",
        )

    def save(self, ctx: ImportContext, row: Row) -> str:
        project: InvestmentProject = row.data
        month, amount, source = row.values["month"], row.values["amount"], row.values["source"]
        before = (
            FundsInPlace.objects.filter(project=project, month=month, source=source)
            .values_list("amount", flat=True)
            .first()
        )
        tracking.record_funds(ctx.actor, project.pk, month=month, amount=amount, source=source, feed=False)
        affected: dict[tuple[int, int], date] = ctx.cache.setdefault("affected", {})
        key = (project.region_id, month.year)
        affected[key] = min(affected.get(key, month), month)
        if before is None:
            return "created"
        return "unchanged" if before == amount else "updated"

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        super().write(ctx, rows)
        if ctx.errors and not ctx.partial:
            return  # rolled back: nothing to feed
        districts = {
            d.pk: d for d in Region.objects.filter(pk__in={k[0] for k in ctx.cache.get("affected", {})})
        }
        for (district_pk, _year), first in sorted(ctx.cache.get("affected", {}).items()):
            tracking.feed_from(districts[district_pk], first)
