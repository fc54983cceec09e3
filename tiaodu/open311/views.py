"""Open311 GeoReport v2 endpoints. Every failure answers in the spec's error format."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from tiaodu.open311 import services
from tiaodu.open311.render import respond, respond_errors
from tiaodu.open311.services import Open311Error, fail

View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """Format, allowed methods and errors for one endpoint.

    Machine clients POST without a session, so there is no CSRF token to check: the api_key is
    the credential, and a browser session is never used here (no ambient authority).
    """

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)
            if request.method not in allowed:
                error = fail(405, "method_not_allowed", f"不支持 {request.method} 方法")
                return respond_errors(fmt, 405, error.as_list(), {"Allow": ", ".join(sorted(allowed))})
            try:
                _refuse_nul(request, kwargs)
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return respond_errors(fmt, exc.status, exc.as_list())

        return wrapper

    return decorate


def _refuse_nul(request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """NUL cannot be stored or compared in PostgreSQL text: refuse it as bad input, not a 500."""
    values = [*kwargs.values(), *(v for _, vs in request.GET.lists() for v in vs)]
    if request.method == "POST":
        values += [v for _, vs in request.POST.lists() for v in vs]
    if any("\x00" in str(v) for v in values):
        raise fail(400, "invalid_character", "参数中不能含有 NUL 字符")


def _key(request: HttpRequest, *, required: bool = False) -> services.Open311Key | None:
    raw = request.POST.get("api_key") if request.method == "POST" else None
    return services.authenticate(raw or request.GET.get("api_key"), request, required=required)


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(fmt, "services", services.list_services())


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    return respond(fmt, "service_definition", services.service_definition(code))


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        key = _key(request, required=True)
        assert key is not None
        return respond(fmt, "service_requests", [services.create_request(key, request.POST)])
    key = _key(request)
    query = services.parse_query(request.GET)
    page = services.list_requests(key, query)
    headers = {}
    if page.has_next:
        params = request.GET.copy()
        params.pop("api_key", None)  # never echo a secret
        params["page"] = str(query.page + 1)
        params["page_size"] = str(query.page_size)
        headers["Link"] = (
            f'<{request.build_absolute_uri(request.path)}?{urlencode(params, doseq=True)}>; rel="next"'
        )
    return respond(fmt, "service_requests", page.items, headers=headers)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    return respond(fmt, "service_requests", [services.get_request(_key(request), request_id)])


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    return respond(fmt, "service_requests", [services.resolve_token(token)])
