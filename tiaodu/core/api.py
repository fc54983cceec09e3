"""The /api/v1/ application: authentication, error bodies, pagination; apps add routers."""

import contextlib
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from ninja.security import HttpBearer
from pydantic import Field

from tiaodu.core.errors import ServiceError

# --- Error bodies -------------------------------------------------------------------------------


class ErrorItem(Schema):
    field: str = Field(description="出错的字段(点分路径)")
    code: str = Field(description="稳定的错误代码")
    message: str = Field(description="中文说明")
    row: int | None = None


class ErrorOut(Schema):
    code: str = Field(description="稳定的错误代码,例如 validation_error、permission_denied")
    message: str = Field(description="中文说明")
    errors: list[ErrorItem] = []


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

STATUS_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("not_authenticated", "请先登录或提供有效的API令牌"),
    403: ("permission_denied", "您没有执行此操作的权限"),
    404: ("not_found", "记录不存在或您无权查看"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与现有数据冲突"),
    422: ("validation_error", "提交的数据有误,请检查后重试"),
    429: ("too_many_requests", "请求过于频繁,请稍后再试"),
}

PYDANTIC_MESSAGES = {
    "missing": ("required", "此项为必填项"),
    "string_too_long": ("too_long", "内容过长"),
    "string_too_short": ("too_short", "内容过短"),
    "int_parsing": ("not_an_integer", "应为整数"),
    "int_type": ("not_an_integer", "应为整数"),
    "float_parsing": ("not_a_number", "应为数字"),
    "bool_parsing": ("not_a_boolean", "应为 true 或 false"),
    "bool_type": ("not_a_boolean", "应为 true 或 false"),
    "string_type": ("not_a_string", "应为文本"),
    "literal_error": ("invalid_choice", "不是可选的值"),
    "enum": ("invalid_choice", "不是可选的值"),
    "greater_than_equal": ("too_small", "数值过小"),
    "less_than_equal": ("too_large", "数值过大"),
    "string_pattern_mismatch": ("invalid_format", "格式不正确"),
    "string_nul": ("invalid_characters", "不能包含控制字符"),
    "json_invalid": ("invalid_json", "不是有效的JSON"),
    "model_attributes_type": ("invalid_body", "请求体格式不正确"),
    "dict_type": ("invalid_body", "请求体应为JSON对象"),
    "extra_forbidden": ("field_unknown", "不允许的字段"),
}


def error_response(api: NinjaAPI, request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    return api.create_response(request, body, status=status)


def _status_body(status: int, message: str | None = None) -> dict[str, Any]:
    code, default = STATUS_CODES.get(status, ("error", "请求失败"))
    return {"code": code, "message": message or default, "errors": []}


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


# --- Authentication -----------------------------------------------------------------------------


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer TOKEN`` with a token from ``tiaodu token create``."""

    openapi_description = "API令牌:tiaodu token create USERNAME 签发,请求头 Authorization: Bearer TOKEN"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from tiaodu.accounts.services import authenticate_token

        user = authenticate_token(token)
        request.user = user
        set_audit_actor(user)
        return user


class SessionAuth:
    """The browser's login session; unsafe methods need the CSRF token as forms do."""

    openapi_type = "apiKey"

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            reason = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})  # type: ignore[arg-type]
            if reason is not None:
                raise PermissionDenied("CSRF")
        return user


def set_audit_actor(user: Any) -> None:
    """Attribute this request's audit entries to a token-authenticated user."""
    from auditlog.context import auditlog_value

    with contextlib.suppress(LookupError):
        auditlog_value.get()["actor"] = user


# --- Pagination ---------------------------------------------------------------------------------


class PageNumber(PaginationBase):
    """``?page=N&page_size=M`` (default 50, at most 200); the body carries ``count``."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100000, description="页码,从1开始")
        page_size: int = Field(50, ge=1, le=200, description="每页条数,最多200")

    class Output(Schema):
        count: int
        page: int
        page_size: int
        results: list[Any]

    items_attribute = "results"

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest | None = None, **params: Any
    ) -> Any:
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "results": list(queryset[offset : offset + pagination.page_size]),
        }


# --- The API ------------------------------------------------------------------------------------


def _nul_fields(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Where a parsed request holds a NUL character (PostgreSQL text cannot store one)."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nul_fields(v, (*path, str(k)))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_fields(v, (*path, str(i)))]
    return []


class TextSafeParser(Parser):
    """Refuses NUL characters anywhere in a JSON body, query or form with a 422 naming the field,
    for every endpoint at once, instead of a database error (500) on PostgreSQL."""

    @staticmethod
    def _checked(data: Any, source: str) -> Any:
        bad = _nul_fields(data)
        if bad:
            raise NinjaValidationError(
                [{"loc": (source, *p), "type": "string_nul", "msg": "不能包含控制字符"} for p in bad]
            )
        return data

    def parse_body(self, request: HttpRequest) -> Any:
        return self._checked(super().parse_body(request), "body")

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        return self._checked(super().parse_querydict(data, list_fields, request), "query")


api = NinjaAPI(
    title="tiaodu 区县经济运行调度平台 API",
    version="1",
    description="所有列表、详情与写操作均按当前用户的角色与数据范围过滤。错误响应统一为 "
    '{"code": ..., "message": ..., "errors": [...]}。',
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuth()],
    renderer=ORJSONRenderer(),
    parser=TextSafeParser(),
    docs_url="/docs",
)


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    if exc.audit:
        from tiaodu.audit.services import record_permission_denied

        record_permission_denied(getattr(request, "auth", None) or request.user, exc.audit)
    if exc.status == 401:
        from tiaodu.audit.choices import EventKind
        from tiaodu.audit.services import record_event

        record_event(EventKind.TOKEN_REJECTED, detail=exc.code, request=request)
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    items = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload", "filters")]
        code, message = PYDANTIC_MESSAGES.get(err.get("type", ""), ("invalid", ""))
        items.append(
            {"field": ".".join(loc), "code": code, "message": message or str(err.get("msg", "格式不正确"))}
        )
    body = _status_body(422)
    body["errors"] = items
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, _status_body(401), status=401)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    from tiaodu.audit.services import record_permission_denied

    record_permission_denied(request.user, f"api {request.method} {request.path} {exc}")
    return api.create_response(request, _status_body(403), status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, _status_body(404), status=404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, NinjaValidationError):  # ninja wraps what the body parser raised
        return on_validation_error(request, exc.__cause__)
    return api.create_response(request, _status_body(exc.status_code), status=exc.status_code)


def register_routers() -> None:
    from tiaodu.accounts.api import router as accounts_router
    from tiaodu.accounts.api import tokens_router
    from tiaodu.audit.api import router as audit_router
    from tiaodu.cases.api import router as cases_router
    from tiaodu.dispatch.api import router as dispatch_router
    from tiaodu.enterprises.api import router as enterprises_router
    from tiaodu.events.api import router as events_router
    from tiaodu.monitoring.api import router as monitoring_router
    from tiaodu.orgs.api import router as orgs_router
    from tiaodu.projects.api import router as projects_router
    from tiaodu.regions.api import router as regions_router
    from tiaodu.reporting.api import router as reporting_router
    from tiaodu.targets.api import router as targets_router

    api.add_router("/regions", regions_router)
    api.add_router("/organizations", orgs_router)
    api.add_router("/users", accounts_router)
    api.add_router("/tokens", tokens_router)
    api.add_router("/audit", audit_router)
    api.add_router("/enterprises", enterprises_router)
    api.add_router("/cases", cases_router)
    api.add_router("/projects", projects_router)
    api.add_router("/dispatch", dispatch_router)
    api.add_router("/events", events_router)
    api.add_router("/monitoring", monitoring_router)
    api.add_router("/reporting", reporting_router)
    api.add_router("/targets", targets_router)


register_routers()
