"""Enforcement documents (执法文书) and their penalties.

A document is a 责令限期整改指令书, an 整改复查意见书 or an 行政处罚决定书; its 文号 is unique in the
district. A 处罚决定书 carries one or more penalty kinds of 《安全生产违法行为行政处罚办法》第五条
(警告, 罚款, 没收违法所得, 责令停产停业(整顿), 暂扣或者吊销有关许可证, 关闭, 移送拘留); 罚款 and 没收违法
所得 carry an amount in 元, the others none. The document keeps the unit's township and sector as
they were when it was issued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from tiaodu.core.errors import FieldError, InvalidInput, invalid
from tiaodu.core.permissions import ensure_added, ensure_permitted, get_scoped
from tiaodu.core.resolve import district_of
from tiaodu.safety.choices import AMOUNT_KINDS, DocumentKind, PenaltyKind
from tiaodu.safety.models import EnforcementDocument, Inspection, PenaltyItem, Unit

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.orgs.models import Organization

# A penalty as given: (kind code, label or wording; amount in 元 as Decimal, number or text, or None).
PenaltyInput = tuple[str, Decimal | int | str | None]
MAX_AMOUNT = Decimal("999999999999.99")
PENALTY_LABELS = {str(kind): str(label) for kind, label in PenaltyKind.choices}
DOCUMENT_LABELS = {str(kind): str(label) for kind, label in DocumentKind.choices}

# What people write for a penalty kind besides its code and its label (imports, the API).
PENALTY_ALIASES = {
    "责令停产停业": PenaltyKind.SUSPENSION,
    "责令停产停业整顿": PenaltyKind.SUSPENSION,
    "责令停产整顿": PenaltyKind.SUSPENSION,
    "停产停业": PenaltyKind.SUSPENSION,
    "暂扣或吊销证照": PenaltyKind.LICENSE,
    "暂扣/吊销证照": PenaltyKind.LICENSE,
    "暂扣证照": PenaltyKind.LICENSE,
    "吊销证照": PenaltyKind.LICENSE,
    "暂扣许可证": PenaltyKind.LICENSE,
    "吊销许可证": PenaltyKind.LICENSE,
    "没收": PenaltyKind.CONFISCATION,
    "没收违法所得、非法开采的煤炭产品、采掘设备": PenaltyKind.CONFISCATION,
    "拘留": PenaltyKind.DETENTION,
    "关闭取缔": PenaltyKind.CLOSURE,
}
DOCUMENT_ALIASES = {
    "指令书": DocumentKind.ORDER,
    "复查意见书": DocumentKind.REVIEW,
    "处罚决定书": DocumentKind.DECISION,
}


def _lookup(ref: str, labels: dict[str, str], aliases: dict[str, Any]) -> str | None:
    ref = (ref or "").strip().replace("(", "(").replace(")", ")")
    if ref in labels:
        return ref
    for code, label in labels.items():
        if ref == label:
            return code
    found = aliases.get(ref)
    return str(found) if found is not None else None


def penalty_kind(ref: str, field: str = "penalties") -> str:
    """A penalty kind by code (``fine``), label (罚款) or a usual wording (责令停产整顿);
    ``penalty_kind_unknown`` listing the kinds otherwise."""
    found = _lookup(ref, PENALTY_LABELS, PENALTY_ALIASES)
    if found is None:
        raise invalid(
            field, "penalty_kind_unknown", f"处罚种类“{ref}”不存在,可选:{'、'.join(PENALTY_LABELS.values())}"
        )
    return found


def document_kind(ref: str, field: str = "kind") -> str:
    """A document kind by code, label or short name (处罚决定书); ``document_kind_unknown``."""
    found = _lookup(ref, DOCUMENT_LABELS, DOCUMENT_ALIASES)
    if found is None:
        raise invalid(
            field,
            "document_kind_unknown",
            f"文书种类“{ref}”不存在,可选:{'、'.join(DOCUMENT_LABELS.values())}",
        )
    return found


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise invalid("penalties", "number_invalid", f"金额“{value}”不是数字") from None


def check_penalties(kind: str, penalties: Sequence[PenaltyInput]) -> list[tuple[str, Decimal | None]]:
    """The penalty rules (第五条): only a 处罚决定书 carries penalties and it carries at least one;
    each kind once; 罚款 / 没收违法所得 need a positive amount (``fine_amount_required``), the other
    kinds carry none (``amount_without_fine``). Returns the normalised ``(code, amount)`` pairs;
    raises ``InvalidInput`` with every problem."""
    errors: list[FieldError] = []
    out: list[tuple[str, Decimal | None]] = []
    if kind != DocumentKind.DECISION:
        if penalties:
            errors.append(
                FieldError(
                    "penalties", "penalty_not_allowed", f"{DOCUMENT_LABELS.get(kind, kind)}不能载明处罚种类"
                )
            )
        if errors:
            raise InvalidInput(errors)
        return out
    if not penalties:
        raise invalid("penalties", "penalty_required", "行政处罚决定书至少载明一种处罚")
    seen: set[str] = set()
    for ref, raw in penalties:
        try:
            code = penalty_kind(ref)
            amount = _amount(raw)
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        label = PENALTY_LABELS[code]
        if code in seen:
            errors.append(FieldError("penalties", "penalty_duplicate", f"处罚种类“{label}”重复"))
            continue
        seen.add(code)
        if amount is not None and amount < 0:
            errors.append(FieldError("penalties", "value_negative", f"{label}金额不能为负数"))
        elif amount is not None and amount > MAX_AMOUNT:
            errors.append(FieldError("penalties", "number_too_large", f"{label}金额超出范围"))
        elif code in AMOUNT_KINDS and not amount:
            errors.append(FieldError("penalties", "fine_amount_required", f"{label}须填写金额(元)"))
        elif code not in AMOUNT_KINDS and amount is not None:
            errors.append(
                FieldError(
                    "penalties", "amount_without_fine", f"“{label}”不涉及金额,金额只用于罚款或没收违法所得"
                )
            )
        out.append((code, amount if code in AMOUNT_KINDS else None))
    if errors:
        raise InvalidInput(errors)
    return out


def check_number(district_id: int, number: str, exclude: int | None = None) -> str:
    """The 文号, stripped; ``document_number_duplicate`` when the district already has it."""
    number = (number or "").strip()
    if not number:
        raise invalid("number", "required", "文号不能为空")
    if len(number) > 64:
        raise invalid("number", "too_long", "文号不能超过64个字符")
    taken = EnforcementDocument.objects.filter(district_id=district_id, number=number)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise invalid("number", "document_number_duplicate", f"文号“{number}”已被本区县的其他执法文书使用")
    return number


def _check_refs(
    unit: Unit, department: Organization | None, inspection: Inspection | None, issued_on: Any
) -> list[FieldError]:
    errors: list[FieldError] = []
    if department is None:
        errors.append(FieldError("department", "department_unknown", "请选择执法部门"))
    elif district_of(department.region).pk != unit.district_id:
        errors.append(
            FieldError("department", "department_unknown", f"执法部门“{department}”不属于单位所在区县")
        )
    if inspection is not None and inspection.unit_id != unit.pk:
        errors.append(
            FieldError(
                "inspection", "inspection_unit_mismatch", f"检查记录“{inspection.number}”不是对该单位的检查"
            )
        )
    if not isinstance(issued_on, date):
        errors.append(FieldError("issued_on", "required", "请填写文书日期"))
    elif issued_on > timezone.localdate():
        errors.append(FieldError("issued_on", "date_in_future", "文书日期不能晚于今天"))
    elif inspection is not None and issued_on < inspection.inspected_on:
        errors.append(FieldError("issued_on", "issued_before_inspection", "文书日期不能早于检查日期"))
    return errors


@transaction.atomic
def create_document(
    actor: User | None,
    *,
    kind: str,
    number: str,
    unit: Unit,
    department: Organization | None,
    issued_on: date,
    inspection: Inspection | None = None,
    content: str = "",
    penalties: Sequence[PenaltyInput] = (),
) -> EnforcementDocument:
    """Issue an enforcement document (``actor`` None: the operator, an import, the demo).

    Errors: ``document_kind_unknown``, ``document_number_duplicate`` (文号 unique per district),
    ``penalty_not_allowed`` (penalties only on a 决定书), ``penalty_required``,
    ``fine_amount_required``, ``amount_without_fine``, ``penalty_kind_unknown``,
    ``penalty_duplicate``, ``department_unknown``, ``inspection_unit_mismatch``, dates.
    """
    if actor is not None:
        unit = get_scoped(Unit, actor, "view", pk=unit.pk)
    code = document_kind(kind)
    errors = _check_refs(unit, department, inspection, issued_on)
    try:
        number = check_number(unit.district_id, number)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    try:
        items = check_penalties(code, penalties)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if errors or department is None:
        raise InvalidInput(errors)
    document = EnforcementDocument.objects.create(
        district_id=unit.district_id,
        township_id=unit.township_id,
        kind=code,
        number=number,
        unit=unit,
        sector_id=unit.sector_id,
        department=department,
        inspection=inspection,
        issued_on=issued_on,
        content=(content or "").strip(),
        created_by=actor,
    )
    PenaltyItem.objects.bulk_create(PenaltyItem(document=document, kind=k, amount=a) for k, a in items)
    if actor is not None:
        ensure_added(actor, document)
    return document


@transaction.atomic
def update_document(
    actor: User | None,
    pk: int,
    *,
    number: str | None = None,
    issued_on: date | None = None,
    content: str | None = None,
    penalties: Sequence[PenaltyInput] | None = None,
) -> EnforcementDocument:
    """Correct a document's 文号, date, content or penalties (its kind, unit and department stay)."""
    if actor is not None:
        document = get_scoped(EnforcementDocument, actor, "change", pk=pk)
    else:
        document = EnforcementDocument.objects.select_for_update().get(pk=pk)
    errors = _check_refs(
        document.unit, document.department, document.inspection, issued_on or document.issued_on
    )
    items: list[tuple[str, Decimal | None]] | None = None
    try:
        if number is not None:
            document.number = check_number(document.district_id, number, exclude=document.pk)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    try:
        if penalties is not None:
            items = check_penalties(document.kind, penalties)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if errors:
        raise InvalidInput(errors)
    if issued_on is not None:
        document.issued_on = issued_on
    if content is not None:
        document.content = content.strip()
    document.save()
    if items is not None:
        document.penalties.all().delete()
        PenaltyItem.objects.bulk_create(PenaltyItem(document=document, kind=k, amount=a) for k, a in items)
    if actor is not None:
        ensure_permitted(actor, "change", document)
    return document


def fine_total(document: EnforcementDocument) -> Decimal:
    """The 罚款 of a decision in 元 (没收违法所得 is not a fine)."""
    return sum(
        (p.amount or Decimal(0) for p in document.penalties.all() if p.kind == PenaltyKind.FINE), Decimal(0)
    )
