"""Enterprise registry, visits, needs, services delivered, and appeals (through the case engine)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from tiaodu.cases import services as cases
from tiaodu.cases.models import Case
from tiaodu.core import pii
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.industries import check_code
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.core.resolve import Resolver, credit_code, township_of
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.choices import VISIT_SOURCE
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User


def check_credit_code(code: str) -> str:
    """A unified social credit code (GB 32100-2015), upper-cased, with its check digit verified."""
    return credit_code(code)


def township(ref: str | Region, within: Region | None = None, actor: User | None = None) -> Region:
    """A township by code or name (names resolve in ``within``, else the actor's district, first;
    see :mod:`tiaodu.core.resolve`)."""
    return township_of(ref, actor, within)


FIELDS = {
    "name",
    "industry_code",
    "is_above_scale",
    "is_key",
    "output_tier",
    "is_leading",
    "is_shuangbai",
    "is_specialized",
    "contact_name",
    "contact_phone",
    "address",
    "liaison_leader",
    "liaison_department",
    "squad",
    "resident_officer",
    "notes",
}


_validate_industry = check_code


@transaction.atomic
def save_enterprise(
    actor: User | None, credit_code: str, township_ref: str | Region, **fields: Any
) -> tuple[Enterprise, bool]:
    """Create or update (upsert by credit code) an enterprise and its organisation record."""
    code = check_credit_code(credit_code)
    unknown = set(fields) - FIELDS
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", "不能设置该字段")
    town = township(township_ref, actor=actor)
    name = (fields.get("name") or "").strip()
    existing = Enterprise.objects.select_for_update().filter(credit_code=code).first()
    if existing is None and not name:
        raise invalid("name", "required", "企业名称不能为空")
    _validate_industry(fields.get("industry_code", "") or "")
    if existing is None:
        if actor is not None and not can(actor, "add", Enterprise):
            raise Forbidden(audit="add enterprises.enterprise")
        enterprise = Enterprise(credit_code=code, organization=_organization(code, name, town), township=town)
    else:
        if actor is not None:
            get_scoped(Enterprise, actor, "change", pk=existing.pk)
        enterprise = existing
        enterprise.township = town
    for key, value in fields.items():
        setattr(enterprise, key, value.strip() if isinstance(value, str) else value)
    enterprise.save()
    org = enterprise.organization
    if (org.name, org.region_id) != (enterprise.name, town.pk):
        _check_name_free(enterprise.name, town, exclude=org.pk)
        org.name, org.region = enterprise.name, town
        org.save(update_fields=["name", "region", "updated_at"])
    if actor is not None:
        ensure_permitted(actor, "change" if existing else "add", enterprise)
    return enterprise, existing is None


CODE_UNAVAILABLE = "credit_code_unavailable"
CODE_UNAVAILABLE_MESSAGE = "该统一社会信用代码不能由您登记。请核对代码;如该企业确属您的辖区(例如从其他镇街或区县迁入),请联系区级系统管理员"


def ensure_registrable(actor: User | None, credit_code: str) -> str:
    """Check, before a form or the API registers a *new* enterprise, that ``actor`` may register
    this credit code; return the checked code.

    The code is unique in the whole deployment (``Enterprise.credit_code`` and
    ``Organization.code`` are unique, and the code is the national key that imports, monitoring
    data and Open311 look enterprises up by), so a code someone else holds cannot be registered
    again. The answer must not disclose records outside the actor's scope, though:

    - a role that may not add enterprises is refused before the code is looked at (403);
    - a code held by an enterprise the actor may see: ``enterprise_exists`` (the actor can open it);
    - a code held by an enterprise or an organisation the actor may not see (another township,
      another district): one answer, ``credit_code_unavailable``, that names nothing and says
      neither "registered" nor where; the attempt is written to the security log.

    The upserting import (``save_enterprise``) is not changed by this.
    """
    code = check_credit_code(credit_code)
    if actor is not None and not can(actor, "add", Enterprise):
        raise Forbidden(audit="add enterprises.enterprise")
    held = Enterprise.objects.filter(credit_code=code).values_list("pk", flat=True).first()
    if held is not None:
        if actor is None or Enterprise.objects.restrict(actor).filter(pk=held).exists():
            raise Conflict(
                "enterprise_exists",
                f"统一社会信用代码“{code}”的企业已登记",
                [FieldError("credit_code", "enterprise_exists", "该企业已登记")],
            )
        raise _code_unavailable(code)
    org = Organization.objects.filter(code=code).values_list("pk", flat=True).first()
    if (
        org is not None
        and actor is not None
        and not Organization.objects.restrict(actor).filter(pk=org).exists()
    ):
        raise _code_unavailable(code)
    return code


def _code_unavailable(code: str) -> Conflict:
    error = Conflict(
        CODE_UNAVAILABLE,
        CODE_UNAVAILABLE_MESSAGE,
        [FieldError("credit_code", CODE_UNAVAILABLE, CODE_UNAVAILABLE_MESSAGE)],
    )
    error.audit = f"add enterprises.enterprise credit_code={code} (held outside the scope)"
    return error


def _organization(code: str, name: str, town: Region) -> Organization:
    """The organisation record for a newly registered enterprise.

    An enterprise organisation of the same name in the township that is not registered yet (entered
    as an organisation before, without a valid credit code) is taken over rather than duplicated.
    """
    org = Organization.objects.filter(code=code).first()
    if org is not None:
        if org.kind != OrgKind.ENTERPRISE or Enterprise.objects.filter(organization=org).exists():
            raise Conflict("credit_code_taken", f"统一社会信用代码“{code}”已被其他机构使用")
        return org
    same = Organization.objects.filter(kind=OrgKind.ENTERPRISE, region=town, name=name).first()
    if same is None:
        return Organization.objects.create(name=name, kind=OrgKind.ENTERPRISE, code=code, region=town)
    if Enterprise.objects.filter(organization=same).exists() or uscc.is_valid(same.code):
        _check_name_free(name, town)
    same.code = code
    same.save(update_fields=["code", "updated_at"])
    return same


def _check_name_free(name: str, town: Region, exclude: int | None = None) -> None:
    clash = Organization.objects.filter(kind=OrgKind.ENTERPRISE, region=town, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise Conflict(
            "enterprise_name_taken",
            f"{town.name}已有名为“{name}”的企业",
            [FieldError("name", "enterprise_name_taken", "同一镇街已有同名企业")],
        )


def by_credit_code(code: str) -> Enterprise:
    """The registered enterprise with this credit code (``enterprise_unknown`` otherwise)."""
    return Resolver().enterprise(code, field="credit_code")


@transaction.atomic
def record_visit(
    actor: User | None,
    enterprise: Enterprise,
    visited_on: date,
    visitors: str,
    record: str = "",
    visiting_org: Organization | None = None,
) -> Visit:
    errors = []
    if visited_on > timezone.localdate():
        errors.append(FieldError("visited_on", "date_in_future", "走访日期不能晚于今天"))
    if not visitors.strip():
        errors.append(FieldError("visitors", "required", "请填写走访人"))
    if errors:
        raise InvalidInput(errors)
    if actor is not None:
        get_scoped(Enterprise, actor, "view", pk=enterprise.pk)
    visit = Visit.objects.create(
        enterprise=enterprise,
        visited_on=visited_on,
        visitors=visitors.strip(),
        record=record.strip(),
        visiting_org=visiting_org or (actor.organization if actor else None),
        created_by=actor,
    )
    if actor is not None:
        ensure_permitted(actor, "add", visit)
    return visit


@transaction.atomic
def raise_appeal(
    actor: User | None,
    enterprise: Enterprise,
    category: str,
    content: str,
    raised_on: date,
    source: str = "",
    visit: Visit | None = None,
    title: str = "",
    handling_org: Organization | None = None,
    co_orgs: Iterable[Organization] = (),
) -> Case:
    """An enterprise's difficulty or appeal becomes a closed-loop case (受理).

    ``handling_org`` (default: the category's department) and ``co_orgs`` route it at once when
    a dispatcher registers it (新增诉求); the responsible one cannot also be a co-handler."""
    if actor is not None:
        get_scoped(Enterprise, actor, "view", pk=enterprise.pk)
    case = cases.open_case(
        actor,
        workflow=WORKFLOW,
        category_ref=category,
        title=title or (content.strip().splitlines()[0][:60] if content.strip() else ""),
        description=content,
        region=enterprise.township,
        raised_on=raised_on,
        submitter_org=enterprise.organization,
        source=source or (VISIT_SOURCE if visit else ""),
        handling_org=handling_org,
        co_orgs=co_orgs,
    )
    if visit is not None:
        visit.cases.add(case)
    return case


def enterprise_of(case: Case) -> Enterprise | None:
    if case.submitter_org_id is None:
        return None
    return Enterprise.objects.filter(organization_id=case.submitter_org_id).first()


@dataclass
class NeedInput:
    kind: str
    raised_on: date
    people: int | None = None
    job_types: str = ""
    amount_wan: Decimal | None = None
    description: str = ""


@transaction.atomic
def record_need(
    actor: User | None, enterprise: Enterprise, need: NeedInput, case: Case | None = None
) -> Need:
    from tiaodu.enterprises.choices import NeedKind

    if need.kind not in NeedKind.values:
        raise invalid("kind", "need_kind_invalid", f"需求类型“{need.kind}”不存在")
    if need.raised_on > timezone.localdate():
        raise invalid("raised_on", "date_in_future", "提出日期不能晚于今天")
    if need.amount_wan is not None and need.amount_wan < 0:
        raise invalid("amount_wan", "amount_negative", "金额不能为负数")
    if actor is not None:
        # The row names its creator, so the scope re-check alone would let anyone add to any enterprise.
        get_scoped(Enterprise, actor, "view", pk=enterprise.pk)
    row = Need.objects.create(
        enterprise=enterprise,
        kind=need.kind,
        raised_on=need.raised_on,
        people=need.people,
        job_types=need.job_types,
        amount_wan=need.amount_wan,
        description=need.description,
        case=case,
        created_by=actor,
    )
    if actor is not None:
        ensure_permitted(actor, "add", row)
    return row


@transaction.atomic
def record_service(actor: User | None, enterprise: Enterprise, **data: Any) -> ServiceRecord:
    from tiaodu.enterprises.choices import ServiceKind

    if data.get("kind") not in ServiceKind.values:
        raise invalid("kind", "service_kind_invalid", f"服务类型“{data.get('kind')}”不存在")
    if data.get("served_on") is None or data["served_on"] > timezone.localdate():
        raise invalid("served_on", "date_in_future", "服务日期不能为空或晚于今天")
    if data.get("amount_wan") is not None and data["amount_wan"] < 0:
        raise invalid("amount_wan", "amount_negative", "金额不能为负数")
    if actor is not None:
        get_scoped(Enterprise, actor, "view", pk=enterprise.pk)
    # 政策兑现: the policy cited (form: ``policy_id``), of the enterprise's district's 政策库.
    from tiaodu.investment.libraries import check_service_policy

    ref = data.pop("policy_id", None) or data.pop("policy", None)
    data["policy"] = check_service_policy(enterprise, data["kind"], data["served_on"], ref)
    row = ServiceRecord.objects.create(enterprise=enterprise, created_by=actor, **data)
    if actor is not None:
        ensure_permitted(actor, "add", row)
    return row


def may_reveal_contact(user: Any, enterprise: Enterprise) -> bool:
    """Whether ``user`` may see the full contact phone: those who keep the enterprise (its
    township, its liaison department, the enterprise itself, administrators) — the roles whose
    work is to call it. Everyone else sees the mask."""
    return bool(
        getattr(user, "is_authenticated", False)
        and Enterprise.objects.restrict(user, "change").filter(pk=enterprise.pk).exists()
    )


def reveal_contact_phone(user: Any, enterprise: Enterprise) -> str:
    """The full contact phone for a user who may see it; the reveal (or the refusal) is written
    to the security log (个人信息保护法)."""
    return pii.reveal(user, enterprise, "contact_phone", allowed=may_reveal_contact, label=enterprise.name)
