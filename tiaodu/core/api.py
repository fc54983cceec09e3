"""The /api/v1/ application: authentication, error bodies, pagination; apps add routers."""

import contextlib
import decimal
import functools
import logging
import math
from collections.abc import Callable
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from ninja.security import HttpBearer
from pydantic import Field

from tiaodu.core.dbbusy import BUSY_MESSAGE, DATABASE_BUSY, is_database_busy
from tiaodu.core.errors import ServiceError

log = logging.getLogger(__name__)

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
    current: dict[str, Any] | None = Field(
        None, description="仅 stale_write(409):记录的现行内容,供核对后重新提交"
    )
    version: int | None = Field(None, description="仅 stale_write(409):记录的现行版本号")


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
RETRY_AFTER_SECONDS = 5  # what a 503 database_busy tells the client to wait
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

STATUS_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("not_authenticated", "请先登录或提供有效的API令牌"),
    403: ("permission_denied", "您没有执行此操作的权限"),
    404: ("not_found", "记录不存在或您无权查看"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与现有数据冲突"),
    413: ("body_too_large", "请求体过大"),
    422: ("validation_error", "提交的数据有误,请检查后重试"),
    429: ("too_many_requests", "请求过于频繁,请稍后再试"),
    500: ("server_error", "服务器内部错误,请稍后重试;如仍有问题请联系系统管理员"),
    503: (DATABASE_BUSY, BUSY_MESSAGE),
}
NUMBER_TOO_LARGE = "number_too_large"
MAX_INTEGER = 2**63 - 1  # the largest integer a database column (bigint) holds

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
    "less_than_equal": (NUMBER_TOO_LARGE, "数值超出范围"),
    "less_than": (NUMBER_TOO_LARGE, "数值超出范围"),
    "greater_than": ("too_small", "数值过小"),
    "finite_number": (NUMBER_TOO_LARGE, "数值超出范围"),
    "float_type": ("not_a_number", "应为数字"),
    "int_from_float": ("not_an_integer", "应为整数"),
    "decimal_parsing": ("not_a_number", "应为数字"),
    "decimal_type": ("not_a_number", "应为数字"),
    "decimal_max_digits": (NUMBER_TOO_LARGE, "数值超出范围"),
    "decimal_whole_digits": (NUMBER_TOO_LARGE, "数值超出范围"),
    "decimal_max_places": ("too_many_decimals", "小数位数过多"),
    "string_unicode": ("invalid_characters", "包含无效的字符"),
    "date_parsing": ("invalid_date", "日期格式应为 YYYY-MM-DD"),
    "date_from_datetime_parsing": ("invalid_date", "日期格式应为 YYYY-MM-DD"),
    "date_type": ("invalid_date", "日期格式应为 YYYY-MM-DD"),
    "datetime_parsing": ("invalid_datetime", "时间格式应为 ISO 8601"),
    "datetime_from_date_parsing": ("invalid_datetime", "时间格式应为 ISO 8601"),
    "datetime_type": ("invalid_datetime", "时间格式应为 ISO 8601"),
    "list_type": ("not_a_list", "应为列表"),
    "too_long": ("too_long", "项目过多"),
    "too_short": ("too_short", "项目过少"),
    "json_type": ("invalid_json", "不是有效的JSON"),
    "value_error": ("invalid", "格式不正确"),
    "uuid_parsing": ("invalid_format", "格式不正确"),
    "string_pattern_mismatch": ("invalid_format", "格式不正确"),
    "string_nul": ("invalid_characters", "不能包含控制字符"),
    "json_invalid": ("invalid_json", "不是有效的JSON"),
    "model_attributes_type": ("invalid_body", "请求体格式不正确"),
    "dict_type": ("invalid_body", "请求体应为JSON对象"),
    "extra_forbidden": ("field_unknown", "不允许的字段"),
}


def error_response(api: NinjaAPI, request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    return api.create_response(request, body, status=status)


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    """``{"code", "message", "errors"}`` for a bare HTTP status (its stable code and Chinese text)."""
    return _status_body(status, message)


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


def _bad_text(value: str) -> str | None:
    """Why a text cannot be stored: a NUL (PostgreSQL text cannot hold one) or a lone UTF-16
    surrogate (``"\\ud800"`` in JSON: no UTF-8 encoding, no database or JSON renderer takes it)."""
    if "\x00" in value:
        return "string_nul"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "string_unicode"
    return None


def _bad_values(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Where a parsed request holds something no field may take, and what: bad text (keys
    included), an integer beyond the database's range, a number that is not finite."""
    if isinstance(value, str):
        kind = _bad_text(value)
        return [(path, kind)] if kind else []
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [(path, NUMBER_TOO_LARGE)] if abs(value) > MAX_INTEGER else []
    if isinstance(value, float):
        if math.isnan(value):
            return [(path, "float_parsing")]
        return [] if math.isfinite(value) else [(path, NUMBER_TOO_LARGE)]
    if isinstance(value, dict):
        found = []
        for k, v in value.items():
            key = str(k)
            kind = _bad_text(key)
            # The key is named escaped: the error body must stay valid JSON.
            safe = key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
            found += [((*path, safe), kind)] if kind else _bad_values(v, (*path, key))
        return found
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _bad_values(v, (*path, str(i)))]
    return []


class TextSafeParser(Parser):
    """Refuses, for every endpoint at once and before any field validation, what would fail
    later as a database or encoding error (a 500): NUL characters and lone surrogates in a JSON
    body, query or form, integers beyond 64 bits and numbers that are not finite (``1e400``,
    ``NaN``, ``Infinity``). Each is a 422 naming the field, with a stable code."""

    @staticmethod
    def _checked(data: Any, source: str) -> Any:
        bad = _bad_values(data)
        if bad:
            raise NinjaValidationError(
                [{"loc": (source, *p), "type": kind, "msg": "", "ctx": {}} for p, kind in bad]
            )
        return data

    def parse_body(self, request: HttpRequest) -> Any:
        return self._checked(super().parse_body(request), "body")

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        return self._checked(super().parse_querydict(data, list_fields, request), "query")


def _label_of(info: Any, name: str) -> str:
    """A field's name for people: the start of its title or description (``总投资(万元)`` →
    ``总投资``), else the field's own name."""
    text = str(getattr(info, "title", None) or getattr(info, "description", None) or "")
    for stop in ("(", "(", ",", ",", ":", ":", ";", ";", "。", " "):
        text = text.split(stop, 1)[0]
    return text.strip() or name


def _field_label(model: Any, loc: tuple[Any, ...]) -> str:
    """The label of the field at pydantic location ``loc`` within ``model``."""
    current, info, name = model, None, ""
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if isinstance(part, int) or not fields or part not in fields:
            continue
        info, name = fields[part], str(part)
        current = _inner_model(info.annotation)
    return _label_of(info, name) if info is not None else name


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside ``X``, ``X | None``, ``list[X]`` (or None)."""
    from typing import get_args

    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _limit_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _field_message(err: dict[str, Any], label: str) -> tuple[str, str]:
    """(code, Chinese message) of one validation error; never pydantic's English text."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in ("less_than_equal", "less_than") and ("le" in ctx or "lt" in ctx):
        limit = _limit_text(ctx.get("le", ctx.get("lt")))
        return NUMBER_TOO_LARGE, f"{label}超出范围,不能大于{limit}"
    if kind in ("greater_than_equal", "greater_than") and ("ge" in ctx or "gt" in ctx):
        return "too_small", f"{label}不能小于{_limit_text(ctx.get('ge', ctx.get('gt')))}"
    if kind == NUMBER_TOO_LARGE or kind in ("finite_number", "decimal_max_digits", "decimal_whole_digits"):
        return NUMBER_TOO_LARGE, f"{label}超出范围"
    if kind == "string_unicode":
        return "invalid_characters", f"{label}包含无效的字符(孤立的代理项)"
    code, message = PYDANTIC_MESSAGES.get(kind, ("invalid", ""))
    if not message:
        text = str(err.get("msg", "")).removeprefix("Value error, ")
        message = text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "格式不正确"
    return code, message


class TiaoduAPI(NinjaAPI):
    """NinjaAPI whose every answer is a JSON error body with a stable code and a Chinese
    message, whatever the failure: validation errors name the field (and its label, for
    out-of-range numbers), a wrong method is a JSON 405, and an exception that escapes even the
    exception handlers is a JSON 500."""

    def validation_error_from_error_contexts(self, error_contexts: list[Any]) -> NinjaValidationError:
        labels: list[str] = []
        for context in error_contexts:
            for err in context.pydantic_validation_error.errors(include_url=False):
                labels.append(_field_label(context.model, tuple(err.get("loc", ()))))
        error = super().validation_error_from_error_contexts(error_contexts)
        for err, label in zip(error.errors, labels, strict=False):
            err["label"] = label
        return error

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_errors(pattern.callback)
        return urls


def _json_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = view(request, *args, **kwargs)
        except Exception as exc:  # what escaped ninja's own handlers (one of them failed)
            return on_unexpected_error(request, exc)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = api.create_response(request, _status_body(405), status=405)
            response["Allow"] = allowed
        return response

    return wrapper


api = TiaoduAPI(
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
        field = ".".join(loc)
        code, message = _field_message(err, str(err.get("label") or (loc[-1] if loc else "")))
        items.append({"field": field, "code": code, "message": message})
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
    if isinstance(exc.__cause__, RequestDataTooBig):
        return on_suspicious(request, exc.__cause__)
    return api.create_response(request, _status_body(exc.status_code), status=exc.status_code)


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413 ``body_too_large``; too many fields
    or files, and the other refusals of a malformed request, are 400 ``bad_request``."""
    if isinstance(exc, RequestDataTooBig):
        from django.conf import settings

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"请求体过大,不能超过{limit // (1024 * 1024)}MB" if limit and limit >= 1024 * 1024 else None
        return api.create_response(request, _status_body(413, message), status=413)
    return api.create_response(request, _status_body(400), status=400)


def number_too_large_body(field: str = "", label: str = "") -> dict[str, Any]:
    """The 422 body of a number the database cannot store (no schema bound caught it)."""
    body = _status_body(422)
    message = f"{label}超出范围" if label else "数值超出范围"
    body["errors"] = [{"field": field, "code": NUMBER_TOO_LARGE, "message": message}]
    return body


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    body = _status_body(422)
    items = []
    for field, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
        items += [
            {"field": "" if field == "__all__" else field, "code": "invalid", "message": m} for m in messages
        ]
    body["errors"] = items
    return api.create_response(request, body, status=422)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Whatever else failed: a locked or timed-out database is 503 ``database_busy``; a number
    the database cannot store 422 ``number_too_large``; anything else is logged with its
    traceback and answered 500 ``server_error`` (the body never carries the traceback)."""
    request_id = getattr(request, "request_id", "") or ""
    if is_database_busy(exc):
        log.warning("database busy (request %s %s %s): %s", request_id, request.method, request.path, exc)
        response = api.create_response(request, _status_body(503), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if _is_number_overflow(exc):
        log.warning(
            "number out of range (request %s %s %s): %s", request_id, request.method, request.path, exc
        )
        return api.create_response(request, number_too_large_body(), status=422)
    log.error("unexpected error (request %s %s %s)", request_id, request.method, request.path, exc_info=exc)
    message = f"{STATUS_CODES[500][1]}(请求编号:{request_id})" if request_id else None
    return api.create_response(request, _status_body(500, message), status=500)


def _is_number_overflow(exc: BaseException) -> bool:
    """A number beyond what a column holds: ``decimal.InvalidOperation`` when Django rounds a
    value into a DecimalField, ``OverflowError`` from SQLite's integers, PostgreSQL's
    ``numeric_value_out_of_range`` (SQLSTATE 22003)."""
    if isinstance(exc, decimal.InvalidOperation | OverflowError):
        return True
    if isinstance(exc, DataError):
        cause = exc.__cause__ or exc.__context__
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        return state == "22003" or "out of range" in str(exc).lower()
    return False


def register_routers() -> None:
    from tiaodu.accounts.api import router as accounts_router
    from tiaodu.accounts.api import tokens_router
    from tiaodu.audit.api import router as audit_router
    from tiaodu.cases.api import router as cases_router
    from tiaodu.dispatch.api import router as dispatch_router
    from tiaodu.employment.api import router as employment_router
    from tiaodu.enterprises.api import router as enterprises_router
    from tiaodu.events.api import router as events_router
    from tiaodu.investment.api import router as investment_router
    from tiaodu.monitoring.api import router as monitoring_router
    from tiaodu.orgs.api import router as orgs_router
    from tiaodu.projects.api import router as projects_router
    from tiaodu.regions.api import router as regions_router
    from tiaodu.reporting.api import router as reporting_router
    from tiaodu.safety.api import router as safety_router
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
    api.add_router("/investment", investment_router)
    api.add_router("/monitoring", monitoring_router)
    api.add_router("/reporting", reporting_router)
    api.add_router("/targets", targets_router)
    api.add_router("/safety", safety_router)
    api.add_router("/employment", employment_router)


register_routers()
