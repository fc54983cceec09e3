"""Hazards (隐患) on the case engine (lane hazards).

A hazard is a case of the ``hazard`` workflow (:mod:`tiaodu.safety.workflow`), opened by
:func:`add_hazard` as the contract maps it:

* category ``general`` / ``major`` (the grade), region = the unit's township, submitter = the
  unit's enterprise organisation (None for a unit that is not a registered enterprise);
* handling organisation = the accepting department: the inspecting department for a 一般隐患,
  the sector's supervising department for a 重大隐患 (the inspecting one when the sector has
  none); co-handlers = {inspecting department, sector department} − handling;
* raised on the day found, due on the 整改期限; a 重大隐患 is 挂牌督办 from the day found;
* 即查即改: opened and at once closed as 已验收 (rectified and accepted the day found).

:func:`on_step` holds the workflow's own rules (called by the engine inside each transition):
a 重大隐患 starts only with its 治理方案 (``governance_plan_required``), is accepted only by the
sector's supervising department (``acceptance_by_supervisor``); 提请验收 dates the rectification
and gives the accepting department ``acceptance_days`` working days; acceptance dates the
acceptance; 验收不通过 clears the rectification date and puts the 整改期限 back. Every "as of"
figure reads these dates, never the case's state.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.cases import services as cases
from tiaodu.cases.choices import EventKind
from tiaodu.cases.models import Case
from tiaodu.cases.workdays import add_workdays
from tiaodu.core.errors import FieldError, Forbidden, InvalidInput, ServiceError, invalid
from tiaodu.core.permissions import Action, can, ensure_permitted, get_scoped
from tiaodu.safety.choices import WORKFLOW, HazardGrade, HazardState, PhotoStage, RectifyMode
from tiaodu.safety.models import ChecklistItem, Hazard, HazardPhoto, HazardPlan, Inspection, SafetySettings

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from tiaodu.accounts.models import User
    from tiaodu.cases.workflow import Transition
    from tiaodu.orgs.models import Organization
    from tiaodu.regions.models import Region
    from tiaodu.safety.inspections import HazardInput
    from tiaodu.safety.models import Sector, Unit

TITLE_HEAD = 40  # characters of the description in the case title
PHOTO_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
PHOTO_MAX_SIDE = 2560  # larger photos are scaled down to this many pixels on their long side
PHOTO_MAX_PIXELS = 80_000_000  # beyond this an image is refused before it is decoded (pixel bombs)
RECTIFIER_PARTIES = frozenset({"submitter", "handler"})


# --- checks ------------------------------------------------------------------------------------


def coordinates(
    longitude: Any, latitude: Any, errors: list[FieldError]
) -> tuple[Decimal | None, Decimal | None]:
    """Longitude and latitude as Decimals of six places (``number_invalid`` otherwise)."""
    out: list[Decimal | None] = []
    for name, label, raw in (("longitude", "经度", longitude), ("latitude", "纬度", latitude)):
        if raw is None or raw == "":
            out.append(None)
            continue
        try:
            value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
        except (InvalidOperation, ValueError):
            value = Decimal("NaN")
        if not value.is_finite():
            errors.append(FieldError(name, "number_invalid", f"{label}应为数字"))
            out.append(None)
        else:
            out.append(value.quantize(Decimal("0.000001")))
    return out[0], out[1]


def location_errors(district: Region, township: Region, longitude: Any, latitude: Any) -> list[FieldError]:
    """Both or neither, in China, inside the district (as key projects check them)."""
    from tiaodu.investment.libraries import check_location

    return check_location(district, township, longitude, latitude)


@dataclass
class Checked:
    """A hazard input after :func:`check_input`: its grade, reason, item and deadline."""

    grade: str
    major_reason: str
    item: ChecklistItem | None
    mode: str
    deadline: date | None


def check_input(
    sector: Sector, found_on: date, data: HazardInput, settings: SafetySettings
) -> tuple[Checked | None, list[FieldError]]:
    """The rules of one hazard input, without writing: the description, the checklist item of the
    unit's sector, the grade (重大 by a 判定 item, or given with a reason), the mode and the
    deadline (default ``rectify_days`` working days after the day found)."""
    errors: list[FieldError] = []
    if not (data.description or "").strip():
        errors.append(FieldError("description", "required", "请填写隐患描述"))
    item = None
    if data.checklist_item is not None:
        item_id: Any = getattr(data.checklist_item, "pk", data.checklist_item)
        try:
            item = ChecklistItem.objects.filter(pk=item_id, sector_id=sector.pk).first()
        except (ValueError, TypeError):
            item = None
        if item is None:
            errors.append(
                FieldError(
                    "checklist_item", "checklist_item_unknown", f"检查项不属于{sector.name}行业的检查表"
                )
            )
    reason = (data.major_reason or "").strip()
    if data.grade not in (None, "", *HazardGrade.values):
        errors.append(FieldError("grade", "grade_unknown", f"隐患等级“{data.grade}”无效"))
    if item is not None and item.is_major_criterion:
        grade = HazardGrade.MAJOR
        reason = reason or f"符合重大事故隐患判定标准:{item.text}"
    elif data.grade == HazardGrade.MAJOR:
        grade = HazardGrade.MAJOR
        if not reason:
            errors.append(
                FieldError(
                    "major_reason", "major_reason_required", "认定为重大隐患须说明理由(不属于判定标准项时)"
                )
            )
    else:
        grade = HazardGrade.GENERAL
    if len(reason) > Hazard._meta.get_field("major_reason").max_length:  # type: ignore[operator]
        errors.append(FieldError("major_reason", "too_long", "理由过长"))
    mode = data.mode or RectifyMode.DEADLINE
    deadline = data.deadline
    if mode not in RectifyMode.values:
        errors.append(FieldError("mode", "mode_unknown", f"整改方式“{mode}”无效"))
    elif mode == RectifyMode.IMMEDIATE:
        if grade == HazardGrade.MAJOR:
            errors.append(
                FieldError("mode", "major_not_immediate", "重大隐患须制定治理方案限期整改,不能即查即改")
            )
        deadline = found_on
    elif deadline is None:
        try:
            deadline = add_workdays(found_on, settings.rectify_days)
        except ServiceError as exc:
            errors.append(FieldError("deadline", exc.code, exc.message))
    elif deadline < found_on:
        errors.append(FieldError("deadline", "deadline_before_found", "整改期限不能早于发现日期"))
    if len((data.responsible_person or "").strip()) > 32:
        errors.append(FieldError("responsible_person", "too_long", "整改责任人不能超过32个字符"))
    if errors:
        return None, errors
    return Checked(grade, reason, item, mode, deadline), []


# --- the case mapping ---------------------------------------------------------------------------


def accepting_department_id(grade: str, inspecting_id: int, sector_department_id: int | None) -> int:
    """Who accepts: the inspecting department (一般), the sector's supervising one (重大)."""
    if grade == HazardGrade.MAJOR and sector_department_id is not None:
        return sector_department_id
    return inspecting_id


def co_handler_ids(handling_id: int, inspecting_id: int, sector_department_id: int | None) -> list[int]:
    """{inspecting department, sector department} − the handling one."""
    ids = {inspecting_id, sector_department_id} - {handling_id, None}
    return sorted(i for i in ids if i is not None)


def case_title(unit_name: str, description: str) -> str:
    head = (description.strip().splitlines() or [""])[0][:TITLE_HEAD]
    return f"{unit_name} {head}".strip()[:200]


def _is_enterprise_of(actor: User, unit: Unit) -> bool:
    return (
        actor.role == Role.ENTERPRISE
        and unit.enterprise is not None
        and actor.organization_id is not None
        and unit.enterprise.organization_id == actor.organization_id
    )


@transaction.atomic
def add_hazard(actor: User | None, inspection: Inspection | int, data: HazardInput) -> Hazard:
    """Record a hazard found in ``inspection`` and open its case (see the module's mapping).

    Departments and towns add hazards to the inspections they may see; an enterprise adds them
    to its own self-inspections. Raises ``validation_error`` with the field errors of
    :func:`check_input`.
    """
    from tiaodu.safety.choices import InspectionKind
    from tiaodu.safety.inspections import settings_of

    pk: Any = getattr(inspection, "pk", inspection)
    if actor is None:
        found = Inspection.objects.select_related("unit__enterprise", "sector", "district", "township").get(
            pk=pk
        )
    else:
        found = get_scoped(Inspection, actor, "view", pk=pk)
        own_self_inspection = found.kind == InspectionKind.SELF and _is_enterprise_of(actor, found.unit)
        if not can(actor, "add", Hazard) and not own_self_inspection:
            raise Forbidden(audit=f"add safety.hazard inspection={pk}")
    unit, sector = found.unit, found.sector
    settings = settings_of(found.district)
    checked, errors = check_input(sector, found.inspected_on, data, settings)
    lon, lat = coordinates(data.longitude, data.latitude, errors)
    if lon is not None:
        errors.extend(location_errors(found.district, found.township, lon, lat))
    if errors or checked is None:
        raise InvalidInput(errors)
    found_on = found.inspected_on
    handling_id = accepting_department_id(checked.grade, found.department_id, sector.department_id)
    immediate = checked.mode == RectifyMode.IMMEDIATE
    description = data.description.strip()
    case = cases.open_case(
        actor,
        workflow=WORKFLOW,
        category_ref=checked.grade,
        title=case_title(unit.name, description),
        description=description,
        region=found.township,
        raised_on=found_on,
        submitter_org=unit.enterprise.organization if unit.enterprise is not None else None,
        handling_org=_org(handling_id),
        source=str(found.get_kind_display()),
        initial_state=HazardState.ACCEPTED if immediate else None,
        due_on=checked.deadline,
        co_orgs=[_org(i) for i in co_handler_ids(handling_id, found.department_id, sector.department_id)],
    )
    major = checked.grade == HazardGrade.MAJOR
    hazard = Hazard.objects.create(
        case=case,
        inspection=found,
        district=found.district,
        township=found.township,
        unit=unit,
        sector=sector,
        department_id=found.department_id,
        description=description,
        checklist_item=checked.item,
        grade=checked.grade,
        major_reason=checked.major_reason,
        mode=checked.mode,
        deadline=checked.deadline,
        responsible_person=(data.responsible_person or "").strip(),
        found_on=found_on,
        rectified_on=found_on if immediate else None,
        accepted_on=found_on if immediate else None,
        is_supervised=major,
        supervised_on=found_on if major else None,
        longitude=lon,
        latitude=lat,
    )
    if immediate:
        Case.objects.filter(pk=case.pk).update(resolution="即查即改")
        cases.record_event(case, EventKind.COMMENT, actor, note="即查即改:当场整改完毕并验收销号")
    elif major:
        cases.record_event(case, EventKind.COMMENT, actor, note="重大隐患,挂牌督办")
    if actor is not None:
        ensure_permitted(actor, "add" if can(actor, "add", Hazard) else "view", hazard)
    for upload in data.photos:
        try:
            add_photo(actor, hazard.pk, upload, PhotoStage.BEFORE)
        except InvalidInput as exc:  # the photo's problem, on the input's field
            raise InvalidInput([FieldError("photos", e.code, e.message) for e in exc.errors]) from None
    return hazard


def _org(pk: int) -> Organization:
    from tiaodu.orgs.models import Organization

    return Organization.objects.get(pk=pk)


def hazard_to_change(actor: User, hazard_id: int) -> Hazard:
    """``get_scoped(Hazard, actor, "change")``: locked; not visible: 404; visible but not to change: 403."""
    return get_scoped(Hazard, actor, "change", pk=hazard_id)


# --- the workflow's rules -----------------------------------------------------------------------


def may_accept_major(actor: User | None, hazard: Hazard) -> bool:
    """Only the sector's supervising department (or an administrator) closes a 重大隐患; a sector
    without one leaves it to the handling (inspecting) department."""
    if actor is None or actor.is_superuser or actor.role == Role.ADMIN:
        return True
    supervisor = hazard.sector.department_id or hazard.case.handling_org_id
    return actor.organization_id is not None and actor.organization_id == supervisor


def on_step(actor: Any, case: Any, move: Transition, step: Any) -> None:
    """The hazard workflow's own rules (called by the case engine before the case is saved)."""
    from tiaodu.safety.inspections import settings_of

    hazard = (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("sector", "district")
        .get(case_id=case.pk)
    )
    hazard.case = case
    today = timezone.localdate()
    major = hazard.grade == HazardGrade.MAJOR
    changed: list[str] = []
    if move.action == "start" and major and not HazardPlan.objects.filter(hazard=hazard).exists():
        raise ServiceError(
            "governance_plan_required",
            "重大隐患须先制定治理方案(目标、措施、经费、人员、时限、应急预案)才能开始整改",
            status=409,
        )
    if move.action == "accept" and major and not may_accept_major(actor, hazard):
        raise ServiceError("acceptance_by_supervisor", "重大隐患只能由行业监管部门验收销号", status=403)
    if move.action == "submit":
        hazard.rectified_on = today
        case.due_on = add_workdays(today, settings_of(hazard.district).acceptance_days)
        changed.append("rectified_on")
    elif move.action == "accept":
        hazard.accepted_on = today
        changed.append("accepted_on")
    elif move.action == "reject":
        hazard.rectified_on = None
        case.due_on = hazard.deadline or case.due_on
        changed.append("rectified_on")
    if changed:
        hazard.save(update_fields=[*changed, "updated_at"])


def step(actor: User, hazard_id: int, action: str, note: str = "", version: int | None = None) -> Hazard:
    """Take one workflow action on a hazard (start, submit, accept, reject) through the engine;
    ``version`` is the case's version the actor read."""
    with transaction.atomic():
        hazard = hazard_to_change(actor, hazard_id)
        cases.transition(actor, hazard.case_id, cases.Step(action, note), version)
    return Hazard.objects.select_related("case").get(pk=hazard.pk)


# --- 治理方案 and photos ----------------------------------------------------------------------------

PLAN_TEXTS = {
    "goal": "治理目标和任务",
    "measures": "采取的方法和措施",
    "personnel": "负责治理的机构和人员",
    "emergency_plan": "安全措施和应急预案",
}


def _rectifiers_hazard(actor: User | None, hazard_id: int) -> Hazard:
    if actor is None:
        return Hazard.objects.select_for_update(of=("self",)).select_related("case").get(pk=hazard_id)
    hazard = hazard_to_change(actor, hazard_id)
    if not RECTIFIER_PARTIES & cases.party_of(actor, hazard.case):
        raise Forbidden("只有整改单位或责任部门可以执行此操作", audit=f"change safety.hazard {hazard_id}")
    return hazard


@transaction.atomic
def save_plan(actor: User | None, hazard_id: int, **fields: Any) -> HazardPlan:
    """Write (or rewrite) a hazard's 治理方案: goal, measures, funds (万元), personnel, due_on,
    emergency_plan — all required; not for an accepted hazard (``hazard_closed``)."""
    hazard = _rectifiers_hazard(actor, hazard_id)
    if not hazard.case.is_open:
        raise ServiceError("hazard_closed", "隐患已验收销号,不能再修改治理方案", status=409)
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for name, label in PLAN_TEXTS.items():
        value = str(fields.get(name) or "").strip()
        if not value:
            errors.append(FieldError(name, "required", f"请填写{label}"))
        values[name] = value
    if len(values["personnel"]) > 255:
        errors.append(FieldError("personnel", "too_long", "负责治理的机构和人员不能超过255个字符"))
    funds, funds_errors = _funds(fields.get("funds"))
    errors.extend(funds_errors)
    due_on, due_errors = _plan_due(fields.get("due_on"), hazard.found_on)
    errors.extend(due_errors)
    if errors:
        raise InvalidInput(errors)
    plan, created = HazardPlan.objects.update_or_create(
        hazard=hazard, defaults={**values, "funds": funds, "due_on": due_on, "created_by": actor}
    )
    if hazard.missing_plan:
        Hazard.objects.filter(pk=hazard.pk).update(missing_plan=False)
    cases.record_event(
        hazard.case, EventKind.COMMENT, actor, note="制定治理方案" if created else "修改治理方案"
    )
    return plan


def _plan_due(raw: Any, found_on: date) -> tuple[date | None, list[FieldError]]:
    """治理时限: a date or an ISO date string, not before the day found."""
    if isinstance(raw, str) and raw.strip():
        try:
            raw = date.fromisoformat(raw.strip())
        except ValueError:
            return None, [FieldError("due_on", "date_invalid", "治理时限不是有效日期(如 2022-04-01)")]
    if not isinstance(raw, date):
        return None, [FieldError("due_on", "required", "请填写治理时限")]
    if raw < found_on:
        return None, [FieldError("due_on", "plan_due_before_found", "治理时限不能早于发现日期")]
    return raw, []


def _funds(raw: Any) -> tuple[Decimal | None, list[FieldError]]:
    if raw is None or raw == "":
        return None, [FieldError("funds", "required", "请填写治理经费(万元)")]
    try:
        funds = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None, [FieldError("funds", "number_invalid", "经费应为数字(万元)")]
    if not funds.is_finite():
        return None, [FieldError("funds", "number_invalid", "经费应为数字(万元)")]
    if funds < 0:
        return None, [FieldError("funds", "value_negative", "经费不能为负数")]
    if funds >= Decimal("1e10"):
        return None, [FieldError("funds", "number_too_large", "经费超出范围")]
    return funds.quantize(Decimal("0.01")), []


def _image(upload: UploadedFile) -> tuple[str, bytes | None]:
    """The upload's format (JPEG, PNG or WEBP, verified by decoding it) and, for a very large
    photo, its scaled-down bytes (None when the original is kept). ``photo_not_image``
    otherwise."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    not_image = invalid("file", "photo_not_image", "照片须为 JPG、PNG 或 WebP 格式的图片")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format or ""
            width, height = probe.size
            if kind not in PHOTO_FORMATS:
                raise not_image
            if width * height > PHOTO_MAX_PIXELS:
                raise invalid("file", "photo_too_large", "照片像素过大,请压缩后再上传")
            probe.verify()
        if max(width, height) <= PHOTO_MAX_SIDE:
            return kind, None
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            scaled = ImageOps.exif_transpose(image) or image
            scaled.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            if kind == "JPEG" and scaled.mode not in ("RGB", "L"):
                scaled = scaled.convert("RGB")
            out = io.BytesIO()
            scaled.save(out, format=kind, **({"quality": 85} if kind in ("JPEG", "WEBP") else {}))
            return kind, out.getvalue()
    except ServiceError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    finally:
        upload.seek(0)


@transaction.atomic
def add_photo(actor: User | None, hazard_id: int, upload: UploadedFile, stage: str) -> HazardPhoto:
    """Store a photo of a hazard (整改前 / 整改后): JPEG, PNG or WebP, verified with Pillow
    (``photo_not_image``), at most ``UPLOAD_MAX_BYTES`` (``photo_too_large``); photos larger
    than ``PHOTO_MAX_SIDE`` pixels are scaled down."""
    if stage not in PhotoStage.values:
        raise invalid("stage", "stage_unknown", f"照片阶段“{stage}”无效")
    if actor is None:
        hazard = Hazard.objects.select_related("case").get(pk=hazard_id)
    else:
        hazard = hazard_to_change(actor, hazard_id)
    limit = django_settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise invalid("file", "photo_too_large", f"照片不能超过{limit // (1024 * 1024)}MB")
    kind, scaled = _image(upload)
    content_type, ext = PHOTO_FORMATS[kind]
    name = ((upload.name or "").rsplit("/", 1)[-1] or f"photo{ext}")[:200]
    photo = HazardPhoto(
        hazard=hazard,
        stage=stage,
        name=name,
        size=len(scaled) if scaled is not None else upload.size,
        content_type=content_type,
        uploaded_by=actor,
    )
    photo.file.save(
        f"{uuid.uuid4().hex}{ext}", ContentFile(scaled) if scaled is not None else upload, save=False
    )
    photo.save()
    cases.record_event(
        hazard.case, EventKind.ATTACHMENT, actor, note=f"上传{PhotoStage(stage).label}照片 {name}"
    )
    return photo


# --- reading --------------------------------------------------------------------------------------


def hazards_for(user: User, action: Action = "view") -> Any:
    """The hazards the user may see (or change), with their case and what lists show."""
    return Hazard.objects.restrict(user, action).select_related(  # type: ignore[attr-defined]
        "case", "unit", "sector", "department", "township"
    )


def available_actions(user: User, hazard: Hazard) -> list[Transition]:
    """The actions the user may take on the hazard now: the engine's (state, party, scope), less
    the acceptance of a 重大隐患 by anyone but its supervising department."""
    from tiaodu.cases.queries import available_actions as case_actions

    moves = case_actions(user, hazard.case)
    if hazard.grade == HazardGrade.MAJOR and not may_accept_major(user, hazard):
        moves = [t for t in moves if t.action != "accept"]
    return moves


def open_major(district: Region, as_of: date) -> Any:
    """重大隐患 found by ``as_of`` and not accepted by then (from the dated history)."""
    from django.db.models import Q

    return Hazard.objects.filter(district=district, grade=HazardGrade.MAJOR, found_on__lte=as_of).filter(
        Q(accepted_on__isnull=True) | Q(accepted_on__gt=as_of)
    )
