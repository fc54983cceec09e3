from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.accounts import services
from tiaodu.accounts.choices import Role
from tiaodu.accounts.filters import UserFilter
from tiaodu.accounts.models import ApiToken, User
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped

router = Router(tags=["用户"])
tokens_router = Router(tags=["API令牌"])


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    region_code: str | None
    organization_id: int | None
    phone: str
    email: str
    is_active: bool
    must_change_password: bool = Field(description="初始密码或重置后的密码尚未修改:登录后须先修改密码")
    last_login: datetime | None

    @staticmethod
    def resolve_role_label(obj: User) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_region_code(obj: User) -> str | None:
        return obj.region.code if obj.region else None


class UserIn(Schema):
    username: str = Field(..., min_length=3, max_length=150, pattern=r"^[A-Za-z0-9_.@-]+$")
    role: Role
    region_code: str | None = Field(None, min_length=2, max_length=12)
    organization_id: int | None = Field(None, ge=1, le=2**62)
    full_name: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    password: str | None = Field(None, min_length=1, max_length=128, description="留空则自动生成")


class UserPatch(Schema):
    role: Role | None = None
    region_code: str | None = Field(None, min_length=2, max_length=12)
    organization_id: int | None = Field(None, ge=1, le=2**62)
    full_name: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    is_active: bool | None = None


class UserCreatedOut(Schema):
    user: UserOut
    password: str | None = Field(None, description="自动生成的初始密码,仅显示一次")


def _queryset(request: HttpRequest) -> Any:
    return User.objects.restrict(request.user).select_related("region")


@router.get("", response={200: list[UserOut], **READ_ERRORS}, summary="用户列表")
@paginate(PageNumber)
def list_users(request: HttpRequest, filters: Query[UserFilter]) -> Any:
    return filters.filter(_queryset(request)).order_by("username")


@router.post("", response={201: UserCreatedOut, **ERRORS}, summary="新增用户(管理员)")
def create_user(request: HttpRequest, payload: UserIn) -> Any:
    created = services.create_user(
        request.user,  # type: ignore[arg-type]
        username=payload.username,
        role=payload.role.value,
        region_code=payload.region_code,
        org=str(payload.organization_id) if payload.organization_id else None,
        full_name=payload.full_name,
        phone=payload.phone,
        email=payload.email,
        password=payload.password,
        must_change_password=True,
    )
    return Status(201, {"user": created.user, "password": created.password})


@router.get("/me", response={200: UserOut, **READ_ERRORS}, summary="当前用户")
def me(request: HttpRequest) -> Any:
    return request.user


@router.get("/{user_id}", response={200: UserOut, **READ_ERRORS}, summary="用户详情")
def get_user(request: HttpRequest, user_id: int) -> Any:
    return get_scoped(User, request.user, pk=user_id)


@router.patch("/{user_id}", response={200: UserOut, **ERRORS}, summary="修改用户(管理员)")
def update_user(request: HttpRequest, user_id: int, payload: UserPatch) -> Any:
    target = get_scoped(User, request.user, pk=user_id)
    data = payload.dict(exclude_unset=True)
    if "role" in data and data["role"] is not None:
        data["role"] = Role(data["role"]).value
    if "organization_id" in data:
        org_id = data.pop("organization_id")
        data["org"] = str(org_id) if org_id else None
    for key in ("role", "full_name", "phone", "email", "is_active", "region_code"):
        if key in data and data[key] is None:
            data.pop(key)
    return services.update_user(request.user, target, **data)  # type: ignore[arg-type]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    username: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    is_active: bool

    @staticmethod
    def resolve_username(obj: ApiToken) -> str:
        return obj.user.username


class TokenIn(Schema):
    name: str = Field("", max_length=64)
    days: int | None = Field(None, ge=0, le=3650, description="有效天数,0表示永不过期")


class TokenCreatedOut(Schema):
    token: TokenOut
    key: str = Field(..., description="令牌明文,仅显示一次")


@tokens_router.get("", response={200: list[TokenOut], **READ_ERRORS}, summary="我的API令牌")
@paginate(PageNumber)
def list_tokens(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=current_user(request)).select_related("user")


@tokens_router.post("", response={201: TokenCreatedOut, **ERRORS}, summary="签发API令牌")
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    issued = services.create_token(request.user, request.user, name=payload.name, days=payload.days)  # type: ignore[arg-type]
    return Status(201, {"token": issued.token, "key": issued.key})


@tokens_router.delete("/{token_id}", response={200: TokenOut, **ERRORS}, summary="吊销API令牌")
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    token = ApiToken.objects.filter(pk=token_id, user=current_user(request)).select_related("user").first()
    if token is None:
        from tiaodu.core.errors import NotFound

        raise NotFound()
    return services.revoke_token(request.user, token)  # type: ignore[arg-type]
