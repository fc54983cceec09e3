"""Hand-off of signed investment projects to the key-project library (重点项目, issue 4).

:func:`take_over` registers a signed (or later) investment project as a key project in one action
and links the two (``InvestmentProject.key_project`` / ``Project.investment_project``); a project
is taken over once. What the key project is given:

- name, 行业代码 and the 协议投资额 as 总投资 (万元), category 产业, investment source 社会投资 —
  each may be overridden by ``key_project_values`` (any field :func:`tiaodu.projects.services.
  save_project` accepts, except the stage);
- **所属镇街** (the key-project library requires one): given in ``key_project_values`` (a township
  region, code or name, resolved in the project's district), else the township of the 资源库
  parcel or building the project took (a resource linked to it with status 已落地, then any
  linked resource), else the 首报镇街; none of these → ``required`` on ``township``. It must lie
  in the investment project's district;
- the stage: the investment stage's counterpart on its date from the stage history — 签约 → 签约,
  注册落地 → 落地, 开工 → 开工, 投产 → 投产 (the key project's history starts there).

After the hand-off the key project leads: when it reaches 开工 or 投产 (:func:`follow_key_project`,
called at the end of :func:`tiaodu.projects.services.change_stage`), the investment project moves
to 开工 / 投产 on the same date through the investment stage table, as the server operator (注册落地
may be skipped; a project still at 签约 or 注册落地 whose key project reaches 投产 moves to 开工 and
then 投产 on that date). An investment project already there, terminated, or whose current stage
is dated after the key project's move is left as it is.

Who may take a project over: a user who sees the investment project, whose role may change
investment projects (department and squad users; not towns or leaders) and who may add the key
project (its scope is checked by ``save_project``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction

from tiaodu.core.errors import Conflict, Forbidden, invalid
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.resolve import township_of
from tiaodu.investment import services
from tiaodu.investment.choices import SIGNED_STAGES, ResourceStatus, Stage
from tiaodu.investment.models import InvestmentProject, InvestmentStageChange
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.projects.models import Project

# The key-project stage a taken-over project is registered in, by its investment stage.
KEY_STAGE = {
    Stage.SIGNED: "signed",
    Stage.REGISTERED: "landed",
    Stage.STARTED: "started",
    Stage.PRODUCING: "operating",
}
# The key-project stages the investment project follows, and where they take it.
FOLLOWED = {"started": Stage.STARTED, "operating": Stage.PRODUCING}


def _township(obj: InvestmentProject, actor: User | None, ref: Any) -> Region:
    district = cast(Region, obj.region)
    if ref in (None, ""):
        resources = obj.resources.filter(township__isnull=False).order_by("pk")
        resource = resources.filter(status=ResourceStatus.TAKEN).first() or resources.first()
        ref = resource.township if resource is not None else obj.first_township
    if ref is None:
        raise invalid(
            "township",
            "required",
            "请指定重点项目所属镇街(项目未关联载体资源,也没有首报镇街)",
        )
    township = township_of(ref, actor, district=district)
    if not township.path.startswith(district.path):
        raise invalid(
            "township", "township_outside_district", f"所属镇街“{township.name}”不在{district.name}"
        )
    return township


def _stage_date(obj: InvestmentProject, stage: str) -> date:
    found = (
        InvestmentStageChange.objects.filter(project=obj, to_stage=stage)
        .order_by("-on", "-pk")
        .values_list("on", flat=True)
        .first()
    )
    return found or obj.stage_on or obj.signed_on  # type: ignore[return-value]


@transaction.atomic
def take_over(actor: User | None, project: InvestmentProject | int, **key_project_values: Any) -> Project:
    """Register a signed investment project as a key project and link the two (see the module)."""
    from tiaodu.projects.choices import Funding, ProjectCategory
    from tiaodu.projects.services import save_project

    pk = project if isinstance(project, int) else project.pk
    if actor is not None:
        get_scoped(InvestmentProject, actor, "view", pk=pk)
        if not can(actor, "change", InvestmentProject):
            raise Forbidden(audit=f"take_over investment.investmentproject pk={pk}")
    obj = InvestmentProject.objects.select_for_update().select_related("region").get(pk=pk)
    if obj.key_project_id is not None:
        raise Conflict(
            "already_taken_over",
            f"招商项目“{obj.name}”已转入重点项目库(重点项目“{obj.key_project}”),不能重复转入",
        )
    if obj.stage not in SIGNED_STAGES:
        raise Conflict(
            "not_signed",
            f"招商项目“{obj.name}”当前阶段为“{services.stage_label(obj.stage)}”,签约后才能转入重点项目库",
        )
    for name in ("stage", "stage_on"):
        if name in key_project_values:
            raise invalid(name, "field_not_allowed", "转入重点项目的阶段按招商项目的阶段确定,不能另行指定")
    values: dict[str, Any] = {
        "name": obj.name,
        "industry_code": obj.industry_code,
        "total_investment": obj.agreed_investment or obj.planned_investment,
        "category": ProjectCategory.INDUSTRY,
        "funding": Funding.SOCIAL,
        **key_project_values,
    }
    values["township"] = _township(obj, actor, key_project_values.get("township"))
    key, _created = save_project(
        actor,
        None,
        stage=KEY_STAGE[Stage(obj.stage)],
        stage_on=_stage_date(obj, obj.stage),
        **values,
    )
    obj.key_project = key
    obj.save(update_fields=["key_project", "updated_at"])
    return key


def follow_key_project(key_project: Project, to: str, on: date) -> InvestmentProject | None:
    """Called when a key project moved to ``to`` on ``on``: its investment project follows
    开工 and 投产 (see the module). Returns the investment project when it moved."""
    target = FOLLOWED.get(to)
    if target is None:
        return None
    obj = InvestmentProject.objects.select_for_update().filter(key_project=key_project).first()
    if obj is None or obj.stage == Stage.TERMINATED:
        return None
    if services.stage_index(obj.stage) >= services.stage_index(target):
        return None
    if obj.stage_on is not None and on < obj.stage_on:
        return None
    note = f"随重点项目“{key_project.name}”{services.stage_label(target)}"
    if target == Stage.PRODUCING and obj.stage != Stage.STARTED:
        obj = services.change_stage(None, obj, Stage.STARTED, on, note=note)
    return services.change_stage(None, obj, target, on, note=note)
