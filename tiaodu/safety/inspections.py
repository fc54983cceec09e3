"""Recording inspections (检查记录) and the hazards found in them (lane hazards).

:func:`record_inspection` writes one inspection of one unit with its checklist, inspectors and
hazards, all-or-nothing: every hazard is checked before anything is written (its errors carry
the field ``hazards.N.field``), then the inspection is saved and each hazard opened on the case
engine by :func:`tiaodu.safety.hazards.add_hazard`. The inspection keeps the township and the
sector its unit had on the day (a unit moved later does not rewrite history).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import Action, can, ensure_added, get_scoped
from tiaodu.orgs.models import Organization
from tiaodu.safety import hazards as hazard_services
from tiaodu.safety.choices import InspectionKind, RectifyMode
from tiaodu.safety.models import (
    Campaign,
    ChecklistItem,
    Inspection,
    Inspector,
    JointTeam,
    PlanVisit,
    SafetySettings,
    Unit,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region

NUMBER_PREFIX = "JC"  # generated numbers: JC + year + six digits, unique in the district
CHECKLIST_RESULTS = {"ok": "符合", "hazard": "存在隐患", "na": "不适用"}
_NUMBER_ATTEMPTS = 5


@dataclass
class HazardInput:
    """A hazard as an inspector reports it (the mobile form, the API, the demo).

    ``grade`` is 重大 when ``checklist_item`` is a 重大事故隐患判定 item whatever is given; given
    as 重大 otherwise it needs ``major_reason``. ``deadline`` defaults to the district's
    ``rectify_days`` working days after the inspection (限期整改); a 即查即改 hazard is closed at
    once. ``photos``: uploads stored as 整改前 photos.
    """

    description: str
    checklist_item: ChecklistItem | int | None = None
    grade: str | None = None
    major_reason: str = ""
    mode: str = RectifyMode.DEADLINE
    deadline: date | None = None
    responsible_person: str = ""
    longitude: Decimal | float | str | None = None
    latitude: Decimal | float | str | None = None
    photos: Sequence[UploadedFile] = ()


def settings_of(district: Region) -> SafetySettings:
    """The district's SafetySettings (created with the defaults when missing)."""
    from tiaodu.safety.reference import settings_for

    return settings_for(district)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _unit(actor: User | None, unit: Unit | int) -> Unit:
    pk = _pk(unit)
    if actor is None:
        try:
            return Unit.objects.select_related("district", "township", "sector", "enterprise").get(pk=pk)
        except (Unit.DoesNotExist, ValueError, TypeError):
            raise invalid("unit", "unit_unknown", "被检查单位不存在") from None
    found: Unit = get_scoped(Unit, actor, "view", pk=pk)
    return found


def _ids(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(_pk(v) for v in values))


def _checklist(unit: Unit, entries: Iterable[Any], errors: list[FieldError]) -> list[dict[str, Any]]:
    """The checklist as gone through: [{"item": id, "result": ok|hazard|na}], items of the unit's
    sector only (``checklist_item_unknown``), known results (``checklist_result_invalid``)."""
    rows: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, Mapping):
            item, result = entry.get("item"), entry.get("result", "ok")
        else:
            item, result = entry
        rows.append({"item": _pk(item), "result": str(result or "ok")})
    ids = {r["item"] for r in rows}
    try:
        known = set(
            ChecklistItem.objects.filter(sector_id=unit.sector_id, pk__in=ids).values_list("pk", flat=True)
        )
    except (ValueError, TypeError):
        known = set()
    for index, row in enumerate(rows):
        if row["item"] not in known:
            errors.append(
                FieldError(
                    f"checklist.{index}.item",
                    "checklist_item_unknown",
                    f"检查项“{row['item']}”不属于{unit.sector.name}行业的检查表",
                )
            )
        if row["result"] not in CHECKLIST_RESULTS:
            errors.append(
                FieldError(
                    f"checklist.{index}.result",
                    "checklist_result_invalid",
                    f"检查结果“{row['result']}”无效,可选:{'、'.join(CHECKLIST_RESULTS.values())}",
                )
            )
    return rows


def next_number(district: Region, year: int) -> str:
    """The next generated number of the district's year (JC2022000123)."""
    prefix = f"{NUMBER_PREFIX}{year}"
    last = (
        Inspection.objects.filter(district=district, number__regex=rf"^{prefix}[0-9]{{6}}$")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last[len(prefix) :]) if last else 0
    return f"{prefix}{serial + 1:06d}"


def _save_numbered(inspection: Inspection, given: bool) -> None:
    """Save with the given number (``inspection_number_duplicate`` when taken) or a generated
    one (retried when a concurrent inspection took it first)."""
    for _attempt in range(_NUMBER_ATTEMPTS):
        if not given:
            inspection.number = next_number(inspection.district, inspection.inspected_on.year)
        try:
            with transaction.atomic():
                inspection.save()
            return
        except IntegrityError:
            if given:
                break
    raise invalid("number", "inspection_number_duplicate", f"检查编号“{inspection.number}”已存在")


def _check_links(
    district: Region,
    unit: Unit,
    campaign: Any,
    team: Any,
    plan_visit: Any,
    errors: list[FieldError],
) -> tuple[Campaign | None, JointTeam | None, PlanVisit | None]:
    found_campaign = found_team = found_visit = None
    if campaign is not None:
        found_campaign = Campaign.objects.filter(pk=_pk(campaign), region=district).first()
        if found_campaign is None:
            errors.append(FieldError("campaign", "campaign_unknown", f"专项行动不存在于{district.name}"))
    if team is not None:
        found_team = JointTeam.objects.filter(pk=_pk(team), region=district).first()
        if found_team is None:
            errors.append(FieldError("team", "team_unknown", f"联合检查组不存在于{district.name}"))
    if plan_visit is not None:
        found_visit = PlanVisit.objects.filter(pk=_pk(plan_visit), plan__region=district).first()
        if found_visit is None or found_visit.unit_id != unit.pk:
            errors.append(FieldError("plan_visit", "plan_visit_mismatch", "双随机抽查任务不是该单位的"))
            found_visit = None
    return found_campaign, found_team, found_visit


def _department(actor: User | None, unit: Unit, department: Organization | int | None) -> Organization:
    if department is None and actor is not None and actor.organization_id is not None:
        department = actor.organization_id
    if department is None:
        raise invalid("department", "required", "请选择检查部门")
    found = Organization.objects.filter(pk=_pk(department)).first()
    if found is None:
        raise invalid("department", "department_unknown", "检查部门不存在")
    return found


@transaction.atomic
def record_inspection(
    actor: User | None,
    *,
    unit: Unit | int,
    inspected_on: date,
    department: Organization | int | None,
    kind: str,
    campaign: Campaign | int | None = None,
    team: JointTeam | int | None = None,
    plan_visit: PlanVisit | int | None = None,
    co_departments: Iterable[Organization | int] = (),
    inspectors: Iterable[Inspector | int] = (),
    checklist: Iterable[Any] = (),
    findings: str = "",
    number: str = "",
    longitude: Decimal | float | str | None = None,
    latitude: Decimal | float | str | None = None,
    hazards: Sequence[HazardInput] = (),
) -> Inspection:
    """Record one inspection with its hazards (all-or-nothing).

    Enterprise users record only self-inspections (企业自查) of their own unit, the enterprise
    being the inspecting party. ``number`` is generated when blank; a given one must be new in
    the district. The date may not be in the future.
    """
    if actor is not None and not can(actor, "add", Inspection):
        raise Forbidden(audit="add safety.inspection")
    target = _unit(actor, unit)
    district = target.district
    errors: list[FieldError] = []
    if actor is not None and actor.role == Role.ENTERPRISE and not actor.is_superuser:
        if kind != InspectionKind.SELF:
            raise Forbidden("企业用户只能填报企业自查记录", audit=f"add safety.inspection kind={kind}")
        department = actor.organization_id
    dept = _department(actor, target, department)
    if kind not in InspectionKind.values:
        errors.append(FieldError("kind", "kind_unknown", f"检查类型“{kind}”无效"))
    if inspected_on is None:
        errors.append(FieldError("inspected_on", "required", "请填写检查日期"))
    elif inspected_on > timezone.localdate():
        errors.append(FieldError("inspected_on", "date_in_future", "检查日期不能晚于今天"))
    found_campaign, found_team, found_visit = _check_links(
        district, target, campaign, team, plan_visit, errors
    )
    rows = _checklist(target, checklist, errors)
    inspector_ids = _ids(inspectors)
    if inspector_ids:
        known = set(
            Inspector.objects.filter(region=district, pk__in=inspector_ids).values_list("pk", flat=True)
        )
        if set(inspector_ids) - known:
            errors.append(FieldError("inspectors", "inspector_unknown", f"执法人员不属于{district.name}"))
    co_ids = [i for i in _ids(co_departments) if i != dept.pk]
    if (
        actor is not None
        and actor.role == Role.DEPARTMENT
        and actor.organization_id not in (dept.pk, *co_ids)
    ):
        # A department records the inspections it takes part in, not another one's.
        raise Forbidden("只能填报本单位参加的检查", audit=f"add safety.inspection department={dept.pk}")
    if co_ids and Organization.objects.filter(pk__in=co_ids).count() != len(co_ids):
        errors.append(FieldError("co_departments", "department_unknown", "参加单位不存在"))
    lon, lat = hazard_services.coordinates(longitude, latitude, errors)
    if lon is not None:
        errors.extend(hazard_services.location_errors(district, target.township, lon, lat))
    number = (number or "").strip()
    if len(number) > Inspection._meta.get_field("number").max_length:  # type: ignore[operator]
        errors.append(FieldError("number", "too_long", "检查编号过长"))
    if inspected_on is not None and inspected_on <= timezone.localdate():
        settings = settings_of(district)
        for index, data in enumerate(hazards):
            for err in hazard_services.check_input(target.sector, inspected_on, data, settings)[1]:
                errors.append(FieldError(f"hazards.{index}.{err.field}", err.code, err.message))
    if errors:
        raise InvalidInput(errors)

    inspection = Inspection(
        district=district,
        township=target.township,
        number=number,
        inspected_on=inspected_on,
        unit=target,
        sector=target.sector,
        department=dept,
        kind=kind,
        campaign=found_campaign,
        team=found_team,
        plan_visit=found_visit,
        checklist=rows,
        findings=(findings or "").strip(),
        longitude=lon,
        latitude=lat,
        created_by=actor,
    )
    _save_numbered(inspection, given=bool(number))
    if co_ids:
        inspection.co_departments.set(co_ids)
    if inspector_ids:
        inspection.inspectors.set(inspector_ids)
    if actor is not None:
        ensure_added(actor, inspection)
    for index, data in enumerate(hazards):
        try:
            hazard_services.add_hazard(actor, inspection, data)
        except InvalidInput as exc:  # e.g. a photo that is not an image: nothing is kept
            raise InvalidInput(
                [FieldError(f"hazards.{index}.{e.field}", e.code, e.message) for e in exc.errors]
            ) from None
    return inspection


def inspections_for(user: User, action: Action = "view") -> Any:
    """The inspections the user may see (or change), with what lists show."""
    return Inspection.objects.restrict(user, action).select_related(  # type: ignore[attr-defined]
        "unit", "sector", "department", "township", "campaign"
    )
