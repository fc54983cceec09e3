"""Users, passwords and API tokens. Views, the API and the CLI all call these functions."""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from tiaodu.accounts.backends import is_demo_password
from tiaodu.accounts.choices import DISTRICT_ROLES, EXTERNAL_ROLES, Role
from tiaodu.accounts.lockout import cool_off_start
from tiaodu.accounts.models import ApiToken, User, hash_token
from tiaodu.audit.choices import EventKind
from tiaodu.audit.services import record_event
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, ServiceError, invalid
from tiaodu.core.permissions import can
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.orgs.services import resolve_org
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.regions.services import get_region, is_within

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,150}$")
ROLE_ORG_KINDS = {
    Role.ENTERPRISE: {OrgKind.ENTERPRISE},
    Role.OWNER: {OrgKind.OWNER, OrgKind.ENTERPRISE},
    Role.TOWN: {OrgKind.TOWN},
}


def home_region() -> Region:
    return get_region(settings.HOME_REGION_CODE)


def check_password(password: str, user: User | None = None) -> None:
    messages: list[str] = []
    try:
        validate_password(password, user)
    except ValidationError as exc:
        messages = list(exc.messages)
    if settings.PRODUCTION and is_demo_password(password):
        messages.append("不能使用演示账号的密码。")
    if messages:
        raise InvalidInput([FieldError("password", "password_invalid", m) for m in messages])


def generate_password() -> str:
    """A random password that satisfies the policy (shown once to whoever creates the user)."""
    while True:
        candidate = secrets.token_urlsafe(12) + "-7a"
        if not candidate[0].isalnum():  # "-…" or "_…": Excel reads a leading "-" as a formula
            continue
        try:
            check_password(candidate)
            return candidate
        except InvalidInput:
            continue


def _resolve_placement(
    role: str, region_code: str | None, org_ref: str | None
) -> tuple[Region | None, Organization | None]:
    """Where a user of ``role`` sits, from a region code and an organisation reference."""
    org = resolve_org(org_ref) if org_ref else None
    region = get_region(region_code) if region_code else None
    return check_placement(role, region, org)


def check_placement(
    role: str, region: Region | None, org: Organization | None
) -> tuple[Region | None, Organization | None]:
    """The region and organisation a user of ``role`` gets, with the rules each role implies.

    A missing region is taken from the organisation (or, for district roles, the home region);
    the organisation must be of a kind the role allows and lie within the region. Raises
    :class:`InvalidInput` listing every broken rule (fields ``region`` and ``organization``).
    """
    errors: list[FieldError] = []
    if org is not None and region is None:
        region = org.region if role not in DISTRICT_ROLES else None
    if region is None and role in DISTRICT_ROLES:
        region = home_region()
    allowed_kinds = ROLE_ORG_KINDS.get(Role(role))
    if role in EXTERNAL_ROLES and org is None:
        errors.append(
            FieldError("organization", "organization_required", "企业用户和项目业主用户必须指定所属单位")
        )
    if org is not None and allowed_kinds and org.kind not in allowed_kinds:
        kinds = "、".join(str(OrgKind(k).label) for k in sorted(allowed_kinds))
        errors.append(
            FieldError("organization", "organization_kind_mismatch", f"该角色的所属单位应为{kinds}")
        )
    if role == Role.TOWN and (region is None or region.level != Level.TOWNSHIP):
        errors.append(FieldError("region", "region_level_mismatch", "镇街人员的所属地区必须是镇或街道"))
    if role in DISTRICT_ROLES and region is not None and region.level > Level.COUNTY:
        errors.append(
            FieldError("region", "region_level_mismatch", "区领导、部门和专班人员的所属地区应为区县")
        )
    if (
        org is not None
        and region is not None
        and not (is_within(org.region, region) or is_within(region, org.region))
    ):
        errors.append(
            FieldError("organization", "organization_region_mismatch", "所属单位不在所属地区范围内")
        )
    if errors:
        raise InvalidInput(errors)
    return region, org


@dataclass
class CreatedUser:
    user: User
    password: str | None  # set when the password was generated


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise invalid("username", "username_invalid", "用户名须为3至150位字母、数字或 _ . @ - 字符")
    return username


def check_role(role: str) -> str:
    if role not in Role.values:
        raise invalid("role", "role_invalid", f"角色“{role}”不存在,可选:{', '.join(Role.values)}")
    return role


@transaction.atomic
def create_user(
    actor: User | None,
    *,
    username: str,
    role: str,
    region_code: str | None = None,
    org: str | None = None,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    password: str | None = None,
    region: Region | None = None,
    organization: Organization | None = None,
    must_change_password: bool = False,
) -> CreatedUser:
    """Create a user; ``actor`` None means the command line (a server operator).

    The placement is given either as references (``region_code``, ``org``: id, code or name) or
    as objects already resolved (``region``, ``organization``, as the users import does).
    ``must_change_password``: the password was chosen or seen by someone else (a generated
    one-time password), so the user must replace it at first login.
    """
    if actor is not None and not can(actor, "add", User):
        raise Forbidden(audit="add accounts.user")
    username = check_username(username)
    check_role(role)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            "username_taken",
            f"用户名“{username}”已被使用",
            [FieldError("username", "username_taken", "用户名已存在")],
        )
    if region_code or org:
        region, organization = _resolve_placement(role, region_code, org)
    else:
        region, organization = check_placement(role, region, organization)
    user = User(
        username=username,
        role=role,
        region=region,
        organization=organization,
        full_name=full_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
        is_superuser=False,
        is_staff=role == Role.ADMIN,
        must_change_password=must_change_password,
    )
    generated = None
    if password is None:
        generated = password = generate_password()
    check_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    return CreatedUser(user, generated)


@transaction.atomic
def update_user(actor: User | None, user: User, **changes: Any) -> User:
    """Change a user's placement or profile (administrators only; ``actor`` None is the CLI).

    The placement may be given as references (``region_code``, ``org``) or as resolved objects
    (``region``, ``organization``); the password is never touched here.
    """
    if actor is not None and not can(actor, "change", User):
        raise Forbidden(audit=f"change accounts.user pk={user.pk}")
    user = User.objects.select_for_update().get(pk=user.pk)
    role = changes.get("role", user.role)
    if role not in Role.values:
        raise invalid("role", "role_invalid", f"角色“{role}”不存在")
    if {"region", "organization"} & changes.keys():
        region, organization = check_placement(
            role, changes.get("region", user.region), changes.get("organization", user.organization)
        )
        user.role, user.region, user.organization = role, region, organization
        user.is_staff = role == Role.ADMIN
    elif {"role", "region_code", "org"} & changes.keys():
        region, organization = _resolve_placement(
            role,
            changes.get("region_code", user.region.code if user.region else None),
            changes.get("org", str(user.organization_id) if user.organization_id else None),
        )
        user.role, user.region, user.organization = role, region, organization
        user.is_staff = role == Role.ADMIN
    for name in ("full_name", "phone", "email", "is_active"):
        if name in changes:
            setattr(user, name, changes[name])
    if actor is not None and user.pk == actor.pk and (not user.is_active or user.role != Role.ADMIN):
        raise invalid("role", "cannot_demote_self", "不能停用自己或取消自己的管理员角色")
    user.save()
    return user


@transaction.atomic
def change_password(user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise invalid("old_password", "password_incorrect", "原密码不正确")
    if old_password == new_password:
        raise invalid("new_password", "password_unchanged", "新密码不能与原密码相同")
    check_password(new_password, user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record_event(EventKind.PASSWORD_CHANGED, user=user)


@transaction.atomic
def reset_password(actor: User | None, user: User, new_password: str | None = None) -> str:
    """An administrator sets a new password (generated when none is given) and returns it.

    Someone other than the user now knows the password, so the user must change it at the next
    login (``must_change_password``)."""
    if actor is not None and not can(actor, "change", User):
        raise Forbidden(audit=f"change accounts.user pk={user.pk}")
    password = new_password or generate_password()
    check_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record_event(
        EventKind.PASSWORD_CHANGED, user=user, detail=f"reset by {actor.username if actor else 'cli'}"
    )
    return password


def find_user(username: str) -> User:
    try:
        return User.objects.get(username__iexact=username.strip())
    except User.DoesNotExist:
        raise invalid("username", "user_unknown", f"用户“{username}”不存在") from None


# --- API tokens ----------------------------------------------------------------------------------


@dataclass
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its hash is stored


@transaction.atomic
def create_token(actor: User | None, user: User, name: str = "", days: int | None = None) -> IssuedToken:
    """Issue a token for ``user``: by the user, an administrator, or the command line (actor None)."""
    if actor is not None and actor.pk != user.pk and not can(actor, "change", User):
        raise Forbidden(audit=f"create token for accounts.user pk={user.pk}")
    if not user.is_active:
        raise invalid("username", "user_inactive", "该用户已停用,不能签发令牌")
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if days < 0 or days > 3650:
        raise invalid("days", "days_invalid", "有效天数须在0至3650之间(0表示永不过期)")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:64],
        prefix=key[len(ApiToken.PREFIX) : len(ApiToken.PREFIX) + 8],
        key_hash=hash_token(key),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    record_event(EventKind.TOKEN_CREATED, user=user, detail=f"prefix={token.prefix} name={token.name}")
    return IssuedToken(token, key)


@transaction.atomic
def revoke_token(actor: User | None, token: ApiToken) -> ApiToken:
    if actor is not None and actor.pk != token.user_id and not can(actor, "change", User):
        raise Forbidden(audit=f"revoke token pk={token.pk}")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(EventKind.TOKEN_REVOKED, user=token.user, detail=f"prefix={token.prefix}")
    return token


class TokenError(ServiceError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, [], 401)


TOUCH_INTERVAL = timedelta(minutes=5)


def authenticate_token(key: str) -> User:
    """The active user behind a bearer token, or a TokenError saying why not."""
    token = ApiToken.objects.select_related("user", "user__region").filter(key_hash=hash_token(key)).first()
    if token is None:
        raise TokenError("token_invalid", "令牌无效")
    if token.revoked_at is not None:
        raise TokenError("token_revoked", "令牌已被吊销")
    if token.is_expired:
        raise TokenError("token_expired", "令牌已过期,请重新申请")
    if not token.user.is_active:
        raise TokenError("user_inactive", "该用户已停用")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Login lockout (ADR 0032) --------------------------------------------------------------------

# Until audit.choices has its own kind for it (lead: EventKind.UNLOCKED), the value is written as is.
UNLOCKED = cast(EventKind, getattr(EventKind, "UNLOCKED", "unlocked"))


@dataclass(frozen=True)
class LoginLock:
    """An account locked for one address: ``failures`` wrong passwords, refused until ``until``."""

    address: str | None
    failures: int
    until: datetime


def login_locks(username: str) -> list[LoginLock]:
    """The addresses ``username`` is currently locked for (empty when it can log in from anywhere)."""
    rows = (
        AccessAttempt.objects.filter(username=username, attempt_time__gte=cool_off_start())
        .values("ip_address")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        .order_by("ip_address")
    )
    return [
        LoginLock(row["ip_address"], row["n"], row["last"] + settings.AXES_COOLOFF_TIME)
        for row in rows
        if row["n"] >= settings.AXES_FAILURE_LIMIT
    ]


@transaction.atomic
def unlock_login(actor: User | None, *, username: str | None = None, address: str | None = None) -> int:
    """Lift a lockout early: clear the failed-login counters of ``username`` (every address) or of
    ``address`` (every username; this also lifts the per-address throttle). Returns the number of
    counters cleared. Administrators only; the command line (actor None) may always."""
    if actor is not None and not can(actor, "change", User):
        raise Forbidden(audit=f"unlock login username={username} address={address}")
    if not username and not address:
        raise invalid("username", "unlock_target_missing", "请指定要解锁的用户名或地址")
    if address:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise invalid("address", "address_invalid", f"“{address}”不是有效的IP地址") from None
    attempts = AccessAttempt.objects.all()
    if username:
        attempts = attempts.filter(username=username)
    if address:
        attempts = attempts.filter(ip_address=address)
    cleared, _ = attempts.delete()
    target = " ".join(
        filter(None, [f"username={username}" if username else "", f"address={address}" if address else ""])
    )
    record_event(
        UNLOCKED,
        user=User.objects.filter(username=username).first() if username else None,
        username=username or "",
        detail=f"{target} cleared={cleared} by {actor.username if actor else 'cli'}",
    )
    return cleared
