"""Leads (信息线索) and first-report protection (首报制).

Towns' 小分队, groups and squads report leads; 招商投资局 assigns them to a group, and the
group converts them into projects. A lead or project whose investor is already in the
district's pipeline (:mod:`tiaodu.investment.dedupe`) is refused at entry with
``duplicate_investor`` naming the first report, unless the reporter submits it anyway: it is
then saved as a duplicate waiting for 招商投资局 (``duplicate_status`` pending), who confirms it
(the credit stays with the first report, the duplicate is closed) or overrules it (the entry
stands as a new investor).

Every function takes the acting user (``None`` = the server operator), runs in one
transaction, validates before writing and re-checks the scope afterwards.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import ensure_permitted, get_scoped
from tiaodu.core.resolve import actor_district, credit_code
from tiaodu.investment import services
from tiaodu.investment.choices import DuplicateStatus, LeadStatus, Source, Stage, TeamKind
from tiaodu.investment.dedupe import InvestorIndex, Match
from tiaodu.investment.models import IndustryChain, InvestmentProject, Lead, Team
from tiaodu.investment.names import normalise
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

DUPLICATE_INVESTOR = "duplicate_investor"
# Fields a lead takes (report_lead's values).
LEAD_FIELDS = (
    "investor_name",
    "investor_credit_code",
    "content",
    "source",
    "reporter",
    "reporting_team",
    "township",
    "reported_on",
    "team",
    "chain",
    "estimated_investment",
)
# Stages a lead converts into.
CONVERT_STAGES = (Stage.LEAD, Stage.CONTACT)
OPEN_LEAD = (LeadStatus.NEW, LeadStatus.ASSIGNED)
DECISIONS = (DuplicateStatus.CONFIRMED, DuplicateStatus.OVERRULED)


class DuplicateInvestor(InvalidInput):
    """``duplicate_investor`` (409): the investor is already in the pipeline; ``match`` is the
    first report. An :class:`InvalidInput`, so that imports report it as a row error."""

    def __init__(self, match: Match, row: int | None = None, field: str = "investor_name") -> None:
        message = duplicate_message(match)
        super().__init__([FieldError(field, DUPLICATE_INVESTOR, message, row)], message)
        self.code = DUPLICATE_INVESTOR
        self.status = 409
        self.match = match


def duplicate_message(match: Match) -> str:
    when = f"{match.reported_on:%Y-%m-%d}" if match.reported_on else "此前"
    who = match.reporter or "其他单位"
    near = "" if match.exact else ",名称相近"
    return (
        f"投资方“{match.investor_name}”已由{who}于{when}首报"
        f"({match.kind_label}“{match.title or match.investor_name}”{near}),重复报送需由区招商投资局裁定"
    )


def duplicate_error(match: Match, row: int | None = None) -> InvalidInput:
    """The refusal of an entry whose investor is already in the pipeline (see :class:`DuplicateInvestor`)."""
    return DuplicateInvestor(match, row)


# --- who may do what --------------------------------------------------------------------------


def is_investment_bureau(user: Any) -> bool:
    """Staff of the district's 招商投资局: a department user whose organisation's name contains 招商投资."""
    org = getattr(user, "organization", None)
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role == Role.DEPARTMENT
        and org is not None
        and "招商投资" in org.name
    )


def may_decide(user: Any) -> bool:
    """招商投资局 staff, administrators and the operator (``None``) settle duplicates and assign leads."""
    if user is None:
        return True
    return bool(user.is_superuser or user.role == Role.ADMIN or is_investment_bureau(user))


def require_bureau(actor: Any, what: str) -> None:
    if not may_decide(actor):
        raise Forbidden(f"只有区招商投资局可以{what}", audit=f"{what} investment.lead")


def _locked_lead(actor: Any, lead: Lead | int, *, bureau_ok: bool = True) -> Lead:
    """The lead, locked: 招商投资局 staff and administrators reach every lead of the district they
    can see; others need the change scope (their own, their township's, their team's)."""
    pk = lead if isinstance(lead, int) else lead.pk
    if actor is None:
        return Lead.objects.select_for_update().get(pk=pk)
    if bureau_ok and may_decide(actor):
        get_scoped(Lead, actor, "view", pk=pk)
        return Lead.objects.select_for_update().get(pk=pk)
    return get_scoped(Lead, actor, "change", pk=pk)


# --- checking ---------------------------------------------------------------------------------


def lock_district(district: Any) -> None:
    """Serialise 首报制 entries of one district (PostgreSQL: a row lock on the district until the
    transaction ends), so that two towns reporting the same investor at once cannot both be first."""
    Region.objects.select_for_update().filter(pk=district.pk).values_list("pk", flat=True).first()


def check_duplicate(
    district: Any, name: str, code: str = "", exclude: tuple[tuple[str, int], ...] = ()
) -> Match | None:
    """The first report of this investor in ``district``'s pipeline (one entry: a narrowed index)."""
    return InvestorIndex.for_name(district, name, code, exclude).find(name, code)


def check_investor(actor: Any, name: str, code: str = "", region: Any = None) -> dict[str, Any]:
    """What the entry forms and ``/check`` show before saving: the first report of this investor
    (``duplicate``) and the district's registered enterprise it is (``enterprise``, informative)."""
    district = region or actor_district(actor)
    if district is None or not (name or "").strip():
        return {"duplicate": None, "enterprise": None}
    index = InvestorIndex.for_name(district, name, code)
    return {"duplicate": index.find(name, code), "enterprise": index.find_enterprise(name, code)}


def first_report(obj: Lead | InvestmentProject) -> Match | None:
    """The first report a duplicate entry was flagged against (checked again now, leaving the
    entry itself out), for the banner of a lead or project waiting for a decision."""
    kind = "lead" if isinstance(obj, Lead) else "project"
    exclude: list[tuple[str, int]] = [(kind, obj.pk)]
    if isinstance(obj, Lead) and obj.project_id:
        exclude.append(("project", obj.project_id))
    return check_duplicate(obj.region, obj.investor_name, obj.investor_credit_code, tuple(exclude))


# --- leads ------------------------------------------------------------------------------------


def _own_township(actor: Any) -> Region | None:
    region = getattr(actor, "region", None)
    if (
        actor is not None
        and actor.role == Role.TOWN
        and region is not None
        and region.level == Level.TOWNSHIP
    ):
        return region
    return None


def _validate_lead(data: dict[str, Any], district: Region, actor: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    name = (data.get("investor_name") or "").strip()
    data["investor_name"] = name
    if not name:
        errors.append(FieldError("investor_name", "required", "投资方不能为空"))
    elif len(name) > 128:
        errors.append(FieldError("investor_name", "too_long", "投资方不能超过128个字符"))
    elif not normalise(name):
        errors.append(
            FieldError("investor_name", "investor_name_invalid", f"投资方“{name}”不是有效的企业名称")
        )
    data["content"] = (data.get("content") or "").strip()
    if not data["content"]:
        errors.append(FieldError("content", "required", "线索内容不能为空"))
    code = (data.get("investor_credit_code") or "").strip()
    data["investor_credit_code"] = ""
    if code:
        try:
            data["investor_credit_code"] = credit_code(code, "investor_credit_code")
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if data.get("source") not in Source.values:
        errors.append(FieldError("source", "invalid_choice", f"来源“{data.get('source')}”不是可选值"))
    amount = data.get("estimated_investment")
    if amount is not None:
        if amount < 0:
            errors.append(FieldError("estimated_investment", "negative_amount", "预计投资额不能为负数"))
        elif amount > services.MAX_MONEY:
            errors.append(FieldError("estimated_investment", "number_too_large", "预计投资额超出范围"))
    on = data.get("reported_on")
    if on is not None and on > timezone.localdate():
        errors.append(FieldError("reported_on", "date_in_future", "报送日期不能晚于今天"))
    township = data.get("township")
    if township is not None:
        if township.level != Level.TOWNSHIP or not township.path.startswith(district.path):
            errors.append(
                FieldError(
                    "township", "township_unknown", f"所属镇街“{township.name}”不是{district.name}的镇街"
                )
            )
        own = _own_township(actor)
        if own is not None and township.pk != own.pk:
            errors.append(FieldError("township", "township_not_yours", "镇街用户只能报送本镇街的线索"))
    reporter = data.get("reporter")
    if reporter is not None and not reporter.region.path.startswith(district.path):
        errors.append(
            FieldError("reporter", "reporter_unknown", f"报送单位“{reporter}”不属于{district.name}")
        )
    for field, label in (("team", "接收招商组"), ("reporting_team", "报送小分队/组"), ("chain", "产业链")):
        obj = data.get(field)
        if obj is not None and obj.region_id != district.pk:
            errors.append(FieldError(field, f"{field}_unknown", f"{label}“{obj}”不属于{district.name}"))
    return errors


def _lead_defaults(actor: Any, district: Region, values: dict[str, Any]) -> dict[str, Any]:
    """Town users report for their township and organisation (and their township's 小分队);
    everyone else reports for their own organisation unless they name another unit."""
    data = {"source": Source.TOWN_TEAM, **values}
    own = _own_township(actor)
    if own is not None:
        data.setdefault("township", own)
        if data.get("reporting_team") is None:
            data["reporting_team"] = Team.objects.filter(
                region=district, kind=TeamKind.TOWN, township=own, is_active=True
            ).first()
    elif "source" not in values:
        data["source"] = Source.OTHER
    if data.get("reporter") is None and actor is not None:
        data["reporter"] = actor.organization
    if data.get("reported_on") is None:
        data["reported_on"] = timezone.localdate()
    return data


@transaction.atomic
def report_lead(
    actor: User | None, *, region: Region | None = None, submit_as_duplicate: bool = False, **values: Any
) -> Lead:
    """Report a lead. Its investor already in the district's pipeline is refused with
    ``duplicate_investor`` naming the first report, unless ``submit_as_duplicate``: the lead is
    then saved as a duplicate (status 重复线索, 待裁定) linked to the first report."""
    district = region or actor_district(actor)
    if district is None:
        raise invalid("region", "region_required", "请指定所属区县")
    unknown = set(values) - set(LEAD_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", f"未知字段:{'、'.join(sorted(unknown))}")
    data = _lead_defaults(actor, district, values)
    errors = _validate_lead(data, district, actor)
    if errors:
        raise InvalidInput(errors)
    lead = Lead(region=district, created_by=actor, **data)
    lead.investor_key = normalise(lead.investor_name)
    lead.status = LeadStatus.ASSIGNED if lead.team_id else LeadStatus.NEW
    lock_district(district)
    match = check_duplicate(district, lead.investor_name, lead.investor_credit_code)
    if match is not None:
        if not submit_as_duplicate:
            raise DuplicateInvestor(match)
        _flag_lead(lead, match)
    lead.save()
    if actor is not None:
        ensure_permitted(actor, "add", lead)
    return lead


def _flag_lead(lead: Lead, match: Match) -> None:
    lead.duplicate_status = DuplicateStatus.PENDING
    lead.status = LeadStatus.DUPLICATE
    if match.kind == "lead":
        lead.duplicate_of_lead_id = match.pk
    elif match.kind == "project":
        lead.duplicate_of_project_id = match.pk


def _team(district: Any, team: Team | int | None) -> Team | None:
    if team is None or isinstance(team, Team):
        return team
    found = Team.objects.filter(pk=team, region=district).first()
    if found is None:
        raise invalid("team", "team_unknown", "接收招商组不存在")
    return found


@transaction.atomic
def assign_lead(actor: User | None, lead: Lead | int, team: Team | int | None) -> Lead:
    """招商投资局 hands a lead to a group (``team``; ``None`` takes it back)."""
    require_bureau(actor, "分派线索")
    obj = _locked_lead(actor, lead)
    if obj.status not in OPEN_LEAD:
        raise Conflict("lead_not_open", f"线索状态为“{obj.get_status_display()}”,不能分派")
    found = _team(obj.region, team)
    if found is not None and (found.region_id != obj.region_id or not found.is_active):
        raise invalid("team", "team_unknown", f"接收招商组“{found}”不属于本区县或已停用")
    obj.team = found
    obj.status = LeadStatus.ASSIGNED if found else LeadStatus.NEW
    obj.save()
    if actor is not None:
        ensure_permitted(actor, "view", obj)
    return obj


@transaction.atomic
def convert_lead(actor: User | None, lead: Lead | int, **project_values: Any) -> InvestmentProject:
    """Turn a lead into a project at 线索 or 接洽 (``stage``), dated ``on`` (default today).

    The project takes the lead's investor, chain, team and estimated amount unless given, and
    the credit goes to the first report: 首报单位 = the lead's reporter, 首报镇街 = its township,
    首报日期 = its 报送日期. Converting is for 招商投资局 and the group the lead was assigned to.
    """
    if actor is not None and actor.role == Role.TOWN:
        raise Forbidden("镇街用户不能将线索转为项目", audit="convert investment.lead")
    obj = _locked_lead(actor, lead)
    if obj.duplicate_status == DuplicateStatus.PENDING:
        raise Conflict("duplicate_pending", "该线索为疑似重复线索,须由区招商投资局裁定后才能转为项目")
    if obj.status not in OPEN_LEAD or obj.project_id:
        raise Conflict("lead_not_open", f"线索状态为“{obj.get_status_display()}”,不能转为项目")
    values = dict(project_values)
    stage = values.pop("stage", Stage.LEAD)
    on: date = values.pop("on", None) or timezone.localdate()
    if stage not in CONVERT_STAGES:
        raise invalid("stage", "stage_not_allowed", "线索只能转为“线索”或“接洽”阶段的项目")
    if on < obj.reported_on:
        raise invalid("on", "stage_date_order", f"转化日期不能早于线索报送日期({obj.reported_on:%Y-%m-%d})")
    values.setdefault("name", f"{obj.investor_name}投资项目")
    values.setdefault("team", obj.team)
    values.setdefault("chain", obj.chain)
    values.setdefault("source", obj.source)
    if obj.estimated_investment is not None:
        values.setdefault("planned_investment", obj.estimated_investment)
    values.update(
        investor_name=obj.investor_name,
        investor_credit_code=obj.investor_credit_code,
        first_reporter=obj.reporter,
        first_township=obj.township,
        first_reported_on=obj.reported_on,
    )
    district: Region = obj.region  # type: ignore[assignment]  # the stubs' generic ForeignKey
    project = services.create_project(actor, stage=stage, on=on, region=district, **values)
    if obj.duplicate_status != DuplicateStatus.OVERRULED:
        lock_district(district)
        match = check_duplicate(
            obj.region,
            obj.investor_name,
            obj.investor_credit_code,
            (("lead", obj.pk), ("project", project.pk)),
        )
        if match is not None:
            raise DuplicateInvestor(match)
    obj.project = project
    obj.status = LeadStatus.CONVERTED
    obj.save()
    if actor is not None:
        ensure_permitted(actor, "view", obj)
    return project


@transaction.atomic
def create_project_checked(
    actor: User | None, *, submit_as_duplicate: bool = False, **create_project_kwargs: Any
) -> InvestmentProject:
    """:func:`services.create_project` under 首报制: an investor already in the pipeline is refused
    with ``duplicate_investor`` unless ``submit_as_duplicate`` (then the project is saved with
    ``duplicate_of`` and 待裁定). 首报日期 defaults to the entry date and 首报单位 to the actor's
    organisation."""
    kwargs = dict(create_project_kwargs)
    if kwargs.get("first_reported_on") is None:
        kwargs["first_reported_on"] = kwargs.get("on") or timezone.localdate()
    if kwargs.get("first_reporter") is None and actor is not None and actor.organization_id:
        kwargs["first_reporter"] = actor.organization
    project = services.create_project(actor, **kwargs)
    lock_district(project.region)
    match = check_duplicate(
        project.region, project.investor_name, project.investor_credit_code, (("project", project.pk),)
    )
    if match is not None:
        if not submit_as_duplicate:
            raise DuplicateInvestor(match)
        project.duplicate_status = DuplicateStatus.PENDING
        if match.kind == "project":
            project.duplicate_of_id = match.pk
        elif match.kind == "lead":
            project.duplicate_of_id = (
                Lead.objects.filter(pk=match.pk).values_list("project_id", flat=True).first()
            )
        project.save(update_fields=["duplicate_status", "duplicate_of", "updated_at"])
    return project


@transaction.atomic
def decide_duplicate(
    actor: User | None, obj: Lead | InvestmentProject, decision: str, note: str = ""
) -> Lead | InvestmentProject:
    """招商投资局 settles a duplicate waiting for a decision.

    ``confirmed``: it is the same investor; the credit stays with the first report, and the
    duplicate is closed (a lead stays 重复线索; a project is terminated, reason 其他).
    ``overruled``: a different investor; the entry stands as a new one (a lead goes back to
    待分派 / 已分派)."""
    require_bureau(actor, "裁定重复线索")
    if decision not in DECISIONS:
        raise invalid("decision", "invalid_choice", "裁定结果应为“认定重复(归首报)”或“认定不重复”")
    note = (note or "").strip()
    if len(note) > 255:
        raise invalid("note", "too_long", "裁定说明不能超过255个字符")
    if isinstance(obj, Lead):
        return _decide_lead(actor, obj, decision, note)
    return _decide_project(actor, obj, decision, note)


def _not_pending(label: str) -> Conflict:
    return Conflict("duplicate_not_pending", f"该{label}没有待裁定的重复报送")


def _decide_lead(actor: Any, lead: Lead, decision: str, note: str) -> Lead:
    obj = _locked_lead(actor, lead)
    if obj.duplicate_status != DuplicateStatus.PENDING:
        raise _not_pending("线索")
    obj.duplicate_status = decision
    obj.decided_by = actor
    obj.decided_on = timezone.localdate()
    obj.decision_note = note
    if decision == DuplicateStatus.OVERRULED:
        obj.status = LeadStatus.ASSIGNED if obj.team_id else LeadStatus.NEW
    else:
        obj.status = LeadStatus.DUPLICATE
    obj.save()
    if actor is not None:
        ensure_permitted(actor, "view", obj)
    return obj


def _decide_project(actor: Any, project: InvestmentProject, decision: str, note: str) -> InvestmentProject:
    if actor is not None:
        get_scoped(InvestmentProject, actor, "view", pk=project.pk)
    obj: InvestmentProject = InvestmentProject.objects.select_for_update().get(pk=project.pk)
    if obj.duplicate_status != DuplicateStatus.PENDING:
        raise _not_pending("项目")
    obj.duplicate_status = decision
    obj.save(update_fields=["duplicate_status", "updated_at"])
    if decision == DuplicateStatus.CONFIRMED and Stage.TERMINATED in services.allowed_targets(obj.stage):
        mover = actor if actor is None or _may_change(actor, obj) else None
        reason_note = ("认定重复,归首报" + (f":{note}" if note else ""))[:255]
        obj = services.change_stage(mover, obj, Stage.TERMINATED, reason="other", note=reason_note)
    if actor is not None:
        ensure_permitted(actor, "view", obj)
    return obj


def _may_change(actor: Any, project: InvestmentProject) -> bool:
    return InvestmentProject.objects.restrict(actor, "change").filter(pk=project.pk).exists()


def money(value: Any) -> Decimal | None:
    """A form or API amount as Decimal (``None`` stays ``None``)."""
    return None if value is None or value == "" else Decimal(str(value))


def chain_of(district: Region, pk: int | None) -> IndustryChain | None:
    if pk is None:
        return None
    found = IndustryChain.objects.filter(pk=pk, region=district).first()
    if found is None:
        raise invalid("chain", "chain_unknown", "产业链不存在")
    return found
