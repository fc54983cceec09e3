"""Open311 GeoReport v2 on top of the appeal workflow: services are the appeal categories,
service requests are appeal cases.

Everything here returns plain dicts in the GeoReport field names; ``render.py`` writes them as
JSON or XML. Failures raise :class:`Open311Error`, a list of ``(code, message)`` pairs with one
HTTP status, shown to clients in the spec's error format with our stable code at the start of
each ``description``.

Privacy (ADR 0012): without an ``api_key`` every appeal is listed with its public fields only
(category, status, dates, responsible department). With a key the list is the key's scope — the
bound enterprise's own appeals, or the appeals of the enterprises an organisation may see — with
every field, including the enterprise's description and location.
"""

from __future__ import annotations

import copy
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from tiaodu.accounts.models import hash_token
from tiaodu.audit.choices import EventKind
from tiaodu.audit.services import record_event
from tiaodu.cases.models import Case, CaseCategory, CaseEvent
from tiaodu.cases.workflow import get_workflow
from tiaodu.core.errors import ServiceError, invalid
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.models import Enterprise
from tiaodu.enterprises.services import by_credit_code, check_credit_code, raise_appeal
from tiaodu.open311.models import Open311Key, Open311Request
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.orgs.services import resolve_org
from tiaodu.regions.models import Region

DESCRIPTION_MAX = 4000  # request.json: description maxLength
MAX_DATE_SPAN = timedelta(days=90)  # GeoReport v2: start_date..end_date may not span more
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000  # GeoReport v2's default query limit
MAX_IDS = 1000
SOURCE = "Open311"
GROUP = "企业诉求"
# Organisation kinds whose keys reach every enterprise in the organisation's region subtree,
# as the matching user roles do (town 镇街, department 部门 and the government's leaders).
REGION_KINDS = {OrgKind.TOWN, OrgKind.DEPARTMENT, OrgKind.GOVERNMENT}


class Open311Error(Exception):
    """One HTTP status and the errors to list: ``[{"code": status, "description": "code: message"}]``."""

    def __init__(self, status: int, errors: Iterable[tuple[str, str]]) -> None:
        self.status = status
        self.errors = list(errors)
        super().__init__("; ".join(f"{c}: {m}" for c, m in self.errors))

    def as_list(self) -> list[dict[str, Any]]:
        return [{"code": self.status, "description": f"{code}: {message}"} for code, message in self.errors]


def fail(status: int, code: str, message: str) -> Open311Error:
    return Open311Error(status, [(code, message)])


def _from_service_error(exc: ServiceError) -> Open311Error:
    status = exc.status if exc.status in (403, 404) else 400
    if exc.errors:
        return Open311Error(status, [(e.code, e.message) for e in exc.errors])
    return fail(status, exc.code, exc.message)


# --- Keys ------------------------------------------------------------------------------------


@dataclass
class IssuedKey:
    key: Open311Key
    secret: str  # shown once; only its hash is stored

    @property
    def binding(self) -> str:
        return describe_binding(self.key)


def describe_binding(key: Open311Key) -> str:
    if key.enterprise is not None:
        return f"企业 {key.enterprise.name}({key.enterprise.credit_code})"
    assert key.organization is not None
    return f"{key.organization.get_kind_display()} {key.organization.name}"


@transaction.atomic
def issue_key(name: str, *, enterprise: str | None = None, org: str | None = None) -> IssuedKey:
    """A new key bound to an enterprise (by credit code) or an organisation (id, code or name)."""
    name = (name or "").strip()
    if not name:
        raise invalid("name", "required", "请填写密钥名称")
    if len(name) > 64:
        raise invalid("name", "too_long", "密钥名称不能超过64个字符")
    if bool(enterprise) == bool(org):
        raise invalid("binding", "binding_required", "请指定且只指定一个绑定对象:--enterprise 或 --org")
    bound_enterprise: Enterprise | None = None
    bound_org: Organization | None = None
    if enterprise:
        bound_enterprise = by_credit_code(check_credit_code(enterprise))
    else:
        bound_org = resolve_org(org or "")
        if bound_org.kind == OrgKind.ENTERPRISE:
            # An enterprise's organisation record: bind the enterprise itself.
            bound_enterprise = Enterprise.objects.filter(organization=bound_org).first()
            if bound_enterprise is None:
                raise invalid("organization", "enterprise_not_registered", f"企业“{bound_org.name}”尚未登记")
            bound_org = None
        elif not bound_org.is_active:
            raise invalid("organization", "organization_inactive", f"单位“{bound_org.name}”已停用")
    secret = Open311Key.new_key()
    key = Open311Key.objects.create(
        name=name,
        prefix=Open311Key.prefix_of(secret),
        key_hash=hash_token(secret),
        enterprise=bound_enterprise,
        organization=bound_org,
    )
    record_event(
        EventKind.TOKEN_CREATED, detail=f"Open311 密钥 {key.prefix}… {name},绑定{describe_binding(key)}"
    )
    return IssuedKey(key, secret)


@transaction.atomic
def revoke_key(prefix: str) -> Open311Key:
    matches = list(Open311Key.objects.select_for_update().filter(prefix=(prefix or "").strip())[:2])
    if len(matches) != 1:
        raise ServiceError("key_unknown", "没有唯一匹配该前缀的 Open311 密钥", status=404)
    key = matches[0]
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_event(EventKind.TOKEN_REVOKED, detail=f"Open311 密钥 {key.prefix}… {key.name}")
    return key


def _log_rejection(request: HttpRequest | None, detail: str) -> None:
    # The security log records the path; an api_key in the query string must not land there.
    if request is not None:
        request = copy.copy(request)
        path = request.path
        request.get_full_path = lambda *a, **k: path  # type: ignore[method-assign]
    record_event(EventKind.TOKEN_REJECTED, detail=detail, request=request)


def authenticate(raw: str | None, request: HttpRequest | None = None, *, required: bool) -> Open311Key | None:
    """The key an ``api_key`` parameter names; an invalid key is refused, never ignored."""
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise fail(403, "api_key_missing", "缺少 api_key:提交诉求须提供有效的 API 密钥")
        return None
    key = (
        Open311Key.objects.select_related(
            "enterprise__organization", "enterprise__township", "organization__region"
        )
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if key is None:
        _log_rejection(request, f"Open311 api_key 无效(前缀 {Open311Key.prefix_of(raw)[:8]!r})")
        raise fail(403, "api_key_invalid", "api_key 无效")
    if key.revoked_at is not None:
        _log_rejection(request, f"Open311 密钥 {key.prefix}… 已吊销")
        raise fail(403, "api_key_revoked", "api_key 已吊销")
    bound = key.enterprise.organization if key.enterprise is not None else key.organization
    if bound is not None and not bound.is_active:
        _log_rejection(request, f"Open311 密钥 {key.prefix}… 绑定单位已停用")
        raise fail(403, "api_key_inactive", "api_key 绑定的单位已停用")
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def case_scope(key: Open311Key) -> Q:
    """The appeals a key may read in full (and, with its key, list)."""
    if key.enterprise is not None:
        return Q(submitter_org_id=key.enterprise.organization_id)
    org = key.organization
    assert org is not None
    co_handled = Case.co_orgs.through.objects.filter(organization_id=org.pk).values("case_id")
    q = Q(submitter_org_id=org.pk) | Q(handling_org_id=org.pk) | Q(pk__in=co_handled)
    if org.kind in REGION_KINDS:
        # A subquery rather than a join: the plan stays on the case table's own indexes.
        q |= Q(region_id__in=Region.objects.filter(path__startswith=org.region.path).values("pk"))
    if org.kind == OrgKind.SQUAD:
        q |= Q(submitter_org__enterprise__squad_id=org.pk)
    return q


def _enterprise_for(key: Open311Key, code: str) -> Enterprise:
    """The enterprise with this (checked) credit code, if the key may file for it.

    An unknown code and a code the key may not file for get the same answer, which names no
    enterprise: otherwise any credit code could be turned into a name (or its existence
    confirmed) with any key.
    """
    try:
        enterprise = by_credit_code(code)
    except ServiceError:
        enterprise = None
    if enterprise is None or not may_file_for(key, enterprise):
        raise invalid(
            "credit_code",
            "enterprise_unknown",
            f"统一社会信用代码“{code}”对应的企业不存在,或不在该密钥可代为提交诉求的范围内",
        )
    return enterprise


def may_file_for(key: Open311Key, enterprise: Enterprise) -> bool:
    """Whether the key may file an appeal on behalf of this enterprise."""
    if key.enterprise_id is not None:
        return enterprise.pk == key.enterprise_id
    org = key.organization
    assert org is not None
    if org.kind in REGION_KINDS:
        return enterprise.township.path.startswith(org.region.path)
    if org.kind == OrgKind.SQUAD:
        return enterprise.squad_id == org.pk
    return False


# --- Services (appeal categories) -----------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """An appeal category as Open311 shows it (read with ``values()``: lists stay cheap)."""

    pk: int
    code: str
    name: str
    department: str
    time_limit_days: int

    @property
    def notice(self) -> str:
        return f"由{self.department}办理,办理时限{self.time_limit_days}个工作日;逾期亮黄牌,再逾期亮红牌。"


def _categories(active_only: bool) -> list[Service]:
    qs = CaseCategory.objects.filter(workflow=WORKFLOW)
    if active_only:
        qs = qs.filter(is_active=True)
    rows = qs.order_by("sort_order", "code").values_list(
        "pk", "code", "name", "department__name", "time_limit_days"
    )
    return [Service(pk, code, name, dept or "区级责任部门", days) for pk, code, name, dept, days in rows]


def service_item(cat: Service) -> dict[str, Any]:
    return {
        "service_code": cat.code,
        "service_name": cat.name,
        "description": f"企业{cat.name}方面的困难和诉求。{cat.notice}",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(dict.fromkeys([cat.name, cat.code, GROUP, "企业服务"])),
        "group": GROUP,
    }


def list_services() -> list[dict[str, Any]]:
    return [service_item(cat) for cat in _categories(active_only=True)]


ATTRIBUTES: list[dict[str, Any]] = [
    {
        "variable": True,
        "code": "credit_code",
        "datatype": "string",
        "required": False,
        "datatype_description": "18位统一社会信用代码(GB 32100-2015)",
        "order": 1,
        "description": "代为提交诉求的企业。绑定机构(如镇街)的密钥必填,也可用 account_id 传递;"
        "绑定企业的密钥可省略。",
    },
    {
        "variable": True,
        "code": "title",
        "datatype": "string",
        "required": False,
        "datatype_description": "不超过200个字符",
        "order": 2,
        "description": "诉求标题;省略时取描述的第一行。",
    },
]


def service_definition(code: str) -> dict[str, Any]:
    cat = next((c for c in _categories(active_only=True) if c.code == code), None)
    if cat is None:
        raise fail(404, "service_code_unknown", f"服务代码“{code}”不存在")
    return {"service_code": cat.code, "attributes": ATTRIBUTES}


# --- Dates -----------------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def w3c(value: datetime | None, tz: tzinfo | None = None) -> str | None:
    if value is None:
        return None
    return value.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds")


def requested_at(raised_on: date, accepted_at: datetime | None, tz: tzinfo | None = None) -> datetime:
    """When the appeal was made: its acceptance time when that falls on the day it was raised,
    otherwise the start of that day (history imported later only knows the date)."""
    tz = tz or timezone.get_current_timezone()
    if accepted_at is not None:
        local = accepted_at.astimezone(tz)
        if local.date() == raised_on:
            return local
    return datetime.combine(raised_on, time.min, tzinfo=tz)


def _start_q(start: datetime) -> Q:
    """requested_at(row) >= start, in SQL (exactly, with the rule above)."""
    day = timezone.localtime(start).date()
    if start == _midnight(day):
        return Q(raised_on__gte=day)
    next_day = _midnight(day + timedelta(days=1))
    return Q(raised_on__gte=day) & (
        Q(raised_on__gt=day) | Q(raised_on=day, accepted_at__gte=start, accepted_at__lt=next_day)
    )


def _end_q(end: datetime) -> Q:
    """requested_at(row) <= end, in SQL."""
    day = timezone.localtime(end).date()
    next_day = _midnight(day + timedelta(days=1))
    return Q(raised_on__lte=day) & (
        Q(raised_on__lt=day) | (Q(raised_on=day) & ~Q(accepted_at__gt=end, accepted_at__lt=next_day))
    )


_TZ_SPACE = re.compile(r" (\d\d(:?\d\d)?)$")


def parse_w3c(name: str, raw: str) -> datetime:
    """A W3C datetime (or a date); naive values are local time. An unencoded '+' arrives as ' '."""
    text = _TZ_SPACE.sub(r"+\1", raw.strip())
    try:
        value = parse_datetime(text)
        if value is None:
            day = parse_date(text)
            value = datetime.combine(day, time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise fail(400, "date_invalid", f"{name} 应为 W3C 日期时间,例如 2025-01-31T08:00:00+08:00")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


# --- Listing and reading requests ------------------------------------------------------------


@dataclass
class RequestQuery:
    ids: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _csv(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _positive(params: Mapping[str, Any], name: str, default: int, upper: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        value = 0
    if not 1 <= value <= upper:
        raise fail(400, f"{name}_invalid", f"{name} 应为1至{upper}之间的整数")
    return value


def parse_query(params: Mapping[str, Any]) -> RequestQuery:
    q = RequestQuery(
        ids=_csv(params.get("service_request_id")),
        codes=_csv(params.get("service_code")),
        statuses={s.lower() for s in _csv(params.get("status"))},
        page=_positive(params, "page", 1, 1_000_000),
        page_size=_positive(params, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )
    if len(q.ids) > MAX_IDS:
        raise fail(400, "service_request_id_too_many", f"service_request_id 一次最多{MAX_IDS}个")
    if q.statuses - {"open", "closed"}:
        raise fail(400, "status_invalid", "status 只能是 open 或 closed(可用逗号分隔)")
    if params.get("start_date"):
        q.start = parse_w3c("start_date", str(params["start_date"]))
    if params.get("end_date"):
        q.end = parse_w3c("end_date", str(params["end_date"]))
    if q.start and q.end:
        if q.end < q.start:
            raise fail(400, "date_range_invalid", "end_date 不能早于 start_date")
        if q.end - q.start > MAX_DATE_SPAN:
            raise fail(400, "date_range_too_long", "start_date 与 end_date 之间不能超过90天")
    return q


PUBLIC_FIELDS = (
    "pk",
    "number",
    "state",
    "is_open",
    "category_id",
    "handling_org__name",
    "raised_on",
    "accepted_at",
    "updated_at",
    "resolved_at",
    "due_on",
)
PRIVATE_FIELDS = (
    "description",
    "last_note",
    "open311__lat",
    "open311__long",
    "open311__address_string",
    "open311__address_id",
    "open311__media_url",
    "submitter_org__enterprise__address",
)


def _appeals() -> QuerySet[Case]:
    return Case.objects.filter(workflow=WORKFLOW)


def _rows(qs: QuerySet[Case], private: bool) -> QuerySet[Case, dict[str, Any]]:
    if not private:
        return qs.values(*PUBLIC_FIELDS)
    last_note = (
        CaseEvent.objects.filter(case=OuterRef("pk"))
        .exclude(note="")
        .order_by("-created_at", "-pk")
        .values("note")
    )
    return qs.annotate(last_note=Subquery(last_note[:1])).values(*PUBLIC_FIELDS, *PRIVATE_FIELDS)


class _Items:
    """Turns rows into GeoReport request dicts; looks up categories, states and the zone once."""

    def __init__(self, private: bool) -> None:
        self.private = private
        self.cats = {c.pk: c for c in _categories(active_only=False)}
        self.states = get_workflow(WORKFLOW).states
        self.tz = timezone.get_current_timezone()

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        cat, tz = self.cats[row["category_id"]], self.tz
        state_label = self.states.get(row["state"], row["state"])
        closed_at = row["resolved_at"] if not row["is_open"] else None
        due = row["due_on"]
        expected = datetime.combine(due, time(23, 59, 59), tzinfo=tz) if due else None
        item: dict[str, Any] = {
            "service_request_id": row["number"],
            "status": "open" if row["is_open"] else "closed",
            "status_notes": state_label,
            "service_name": cat.name,
            "service_code": cat.code,
            "description": None,
            "agency_responsible": row["handling_org__name"],
            "service_notice": cat.notice,
            "requested_datetime": w3c(requested_at(row["raised_on"], row["accepted_at"], tz), tz),
            "updated_datetime": w3c(closed_at or row["updated_at"], tz),
            "expected_datetime": w3c(expected, tz),
            "address": None,
            "address_id": None,
            "zipcode": None,
            "lat": None,
            "long": None,
            "media_url": None,
        }
        if self.private:
            note = (row["last_note"] or "").strip()
            item["status_notes"] = f"{state_label}:{note}" if note else state_label
            item["description"] = (row["description"] or "")[:DESCRIPTION_MAX]
            item["address"] = (
                row["open311__address_string"] or row["submitter_org__enterprise__address"] or None
            )
            item["address_id"] = row["open311__address_id"] or None
            item["lat"] = row["open311__lat"]
            item["long"] = row["open311__long"]
            item["media_url"] = row["open311__media_url"] or None
        return item


@dataclass
class Page:
    items: list[dict[str, Any]]
    has_next: bool


def list_requests(key: Open311Key | None, query: RequestQuery) -> Page:
    private = key is not None
    to_item = _Items(private)
    cats = to_item.cats
    qs = _appeals()
    if key is not None:
        qs = qs.filter(case_scope(key))
    if query.ids:
        # "This overrides all other arguments" (GeoReport v2).
        qs = qs.filter(number__in=query.ids)
    else:
        if query.codes:
            by_code = {c.code: pk for pk, c in cats.items()}
            unknown = [code for code in query.codes if code not in by_code]
            if unknown:
                raise fail(400, "service_code_unknown", f"服务代码“{'、'.join(unknown)}”不存在")
            qs = qs.filter(category_id__in=[by_code[c] for c in query.codes])
        if len(query.statuses) == 1:
            qs = qs.filter(is_open=("open" in query.statuses))
        if query.start is not None:
            qs = qs.filter(_start_q(query.start))
        if query.end is not None:
            qs = qs.filter(_end_q(query.end))
    offset = (query.page - 1) * query.page_size
    rows = list(_rows(qs.order_by("-raised_on", "-pk"), private)[offset : offset + query.page_size + 1])
    has_next = len(rows) > query.page_size
    return Page([to_item(r) for r in rows[: query.page_size]], has_next)


def get_request(key: Open311Key | None, request_id: str) -> dict[str, Any]:
    """One request; with a key, a request outside its scope is not found (ADR 0003)."""
    qs = _appeals().filter(number=request_id)
    if key is not None:
        qs = qs.filter(case_scope(key))
    row = _rows(qs, key is not None).first()
    if row is None:
        raise fail(404, "request_not_found", f"服务请求“{request_id}”不存在")
    return _Items(key is not None)(row)


def resolve_token(token: str) -> dict[str, Any]:
    number = Open311Request.objects.filter(token=token).values_list("case__number", flat=True).first()
    if number is None:
        raise fail(404, "token_not_found", f"令牌“{token}”不存在")
    return {"service_request_id": number, "token": token}


# --- Creating requests -----------------------------------------------------------------------

LIMITS = {
    "address_string": 255,
    "address_id": 64,
    "device_id": 64,
    "account_id": 64,
    "first_name": 64,
    "last_name": 64,
    "phone": 32,
    "email": 254,
    "media_url": 500,
    "attribute[title]": 200,
    "attribute[credit_code]": 32,
}
_URL = URLValidator(schemes=["http", "https"])


def _coordinate(raw: str, low: float, high: float) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def create_request(key: Open311Key, data: Mapping[str, Any]) -> dict[str, Any]:
    """POST requests: file an appeal for the key's enterprise (or, for an organisation's key, the
    enterprise it names) through ``raise_appeal``. Nothing is saved unless everything is valid."""
    text = {name: str(data.get(name) or "").strip() for name in (*LIMITS, "service_code", "lat", "long")}
    description = str(data.get("description") or "").strip()
    errors: list[tuple[str, str]] = [
        (f"{name.removeprefix('attribute[').rstrip(']')}_too_long", f"{name} 不能超过{limit}个字符")
        for name, limit in LIMITS.items()
        if len(text[name]) > limit
    ]

    code = text["service_code"]
    cat = next((c for c in _categories(active_only=True) if c.code == code), None)
    if not code:
        errors.append(("service_code_missing", "缺少 service_code"))
    elif cat is None:
        errors.append(("service_code_unknown", f"服务代码“{code}”不存在"))

    lat = long = None
    if text["lat"] or text["long"]:
        lat = _coordinate(text["lat"], -90, 90)
        long = _coordinate(text["long"], -180, 180)
        if lat is None or long is None:
            errors.append(("location_invalid", "lat 与 long 须同时提供,分别在 ±90 与 ±180 之内"))
    elif not text["address_string"] and not text["address_id"]:
        errors.append(("location_missing", "缺少位置:请提供 lat 与 long、address_string 或 address_id"))

    if not description:
        errors.append(("description_missing", "缺少 description(诉求内容)"))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(("description_too_long", f"description 不能超过{DESCRIPTION_MAX}个字符"))
    if text["email"]:
        try:
            validate_email(text["email"])
        except ValidationError:
            errors.append(("email_invalid", "email 格式不正确"))
    if text["media_url"]:
        try:
            _URL(text["media_url"])
        except ValidationError:
            errors.append(("media_url_invalid", "media_url 应为 http 或 https 网址"))

    enterprise: Enterprise | None = None
    credit_code = text["attribute[credit_code]"]
    if key.enterprise_id is None:
        credit_code = credit_code or text["account_id"]
        if not credit_code:
            errors.append(
                (
                    "enterprise_required",
                    "绑定机构的密钥须用 attribute[credit_code] 或 account_id 指明企业的统一社会信用代码",
                )
            )
    if credit_code:
        try:
            enterprise = _enterprise_for(key, check_credit_code(credit_code))
        except ServiceError as exc:
            errors.extend(_from_service_error(exc).errors)
    elif key.enterprise_id is not None:
        enterprise = key.enterprise
    if errors:
        raise Open311Error(400, errors)
    assert enterprise is not None and cat is not None

    try:
        with transaction.atomic():
            case = raise_appeal(
                None,
                enterprise,
                cat.code,
                description,
                timezone.localdate(),
                source=SOURCE,
                title=text["attribute[title]"],
            )
            side = Open311Request.objects.create(
                case=case,
                key=key,
                token=uuid.uuid4().hex,
                lat=lat,
                long=long,
                address_string=text["address_string"],
                address_id=text["address_id"],
                email=text["email"],
                device_id=text["device_id"],
                account_id=text["account_id"],
                first_name=text["first_name"],
                last_name=text["last_name"],
                phone=text["phone"],
                media_url=text["media_url"],
            )
    except ServiceError as exc:
        raise _from_service_error(exc) from exc
    notice = f"已受理,编号{case.number}。{cat.notice}"
    if case.due_on:
        notice += f"预计{case.due_on:%Y-%m-%d}前办结。"
    return {
        "service_request_id": case.number,
        "token": side.token,
        "service_notice": notice,
        "account_id": side.account_id or None,
    }
