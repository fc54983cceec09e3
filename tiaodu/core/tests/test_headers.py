"""Security headers, the Content-Security-Policy, request ids, caching and inline-script freedom."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DEMO_USERS = ["admin", "leader", "jxw", "guxi", "yuxi", "squad1", "qiye", "yezhu"]


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


class InlineCodeFinder(HTMLParser):
    """Collects everything a strict CSP would block: inline scripts, handlers, styles, js: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script_bodies: list[str] = []
        self.handlers: list[str] = []
        self.style_attrs: list[str] = []
        self.style_tags = 0
        self.js_urls: list[str] = []
        self._in_script = False
        self.json_blocks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name == "style":
                self.style_attrs.append(f"<{tag} style>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.js_urls.append(f"<{tag} {name}={value}>")
        if tag == "script" and dict(attrs).get("type") == "application/json":
            self.json_blocks += 1  # data for a static script ({{ x|json_script }}): never executed
        elif tag == "script":
            self.scripts.append(dict(attrs))
            self._in_script = True
        if tag == "style":
            self.style_tags += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script_bodies.append(data.strip()[:80])


def assert_no_inline_code(response) -> InlineCodeFinder:
    assert response.status_code == 200
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    assert finder.scripts, "pages load their behaviour from static scripts"
    for attrs in finder.scripts:
        assert attrs.get("src", "").startswith("/static/"), attrs
    assert finder.inline_script_bodies == []
    assert finder.handlers == []
    assert finder.style_attrs == []
    assert finder.style_tags == 0
    assert finder.js_urls == []
    return finder


# --- Content-Security-Policy --------------------------------------------------------------------


def test_csp_forbids_inline_script(client):
    response = client.get("/accounts/login/")
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "http:" not in header and "https:" not in header and "*" not in header


def test_csp_on_authenticated_pages_and_api(client_for, users):
    client = client_for(users["leader"])
    for path in ["/", "/accounts/tokens/", "/api/v1/users/me"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert csp_directives(response)["script-src"] == ["'self'"], path
        assert "unsafe-inline" not in response["Content-Security-Policy"]


# --- Other security headers ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/api/v1/openapi.json", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_request_id_is_unique_per_request(client):
    ids = {client.get("/accounts/login/")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_request_id_from_proxy_is_kept_when_well_formed(client):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert response["X-Request-ID"] == "nginx-0123456789abcdef"


@pytest.mark.parametrize("bad", ["short", "has space in it!", "x" * 65, "<script>alert(1)</script>"])
def test_malformed_request_id_is_replaced(client, bad):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_request_id_reaches_the_security_log(client_for, users):
    from tiaodu.audit.models import SecurityEvent

    client = client_for(users["guxi"])
    response = client.get("/accounts/users/new/", HTTP_X_REQUEST_ID="req-0000000000000042")
    assert response.status_code == 403
    event = SecurityEvent.objects.filter(kind="permission_denied", user=users["guxi"]).latest("id")
    assert event.request_id == "req-0000000000000042"


def test_session_and_csrf_cookies_are_httponly_and_samesite(users):
    client = Client()
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    from tiaodu.core.demo import demo_password

    response = client.post("/accounts/login/", {"username": "leader", "password": demo_password()})
    assert response.status_code == 302
    session = client.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


def test_login_requires_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "leader", "password": "whatever-1A"})
    assert response.status_code == 403


def test_session_api_writes_require_csrf(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["leader"])
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# --- Caching ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/accounts/tokens/", "/orgs/", "/regions/", "/api/v1/users/me"])
def test_authenticated_pages_are_not_cached(client_for, users, path):
    response = client_for(users["leader"]).get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_token_authenticated_api_is_not_cached(client, users, bearer):
    response = client.get("/api/v1/users/me", **bearer(users["jxw"]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_login_page_is_never_cached(client):
    response = client.get("/accounts/login/")
    assert "no-store" in response["Cache-Control"]


# --- No inline code in rendered pages -------------------------------------------------------------


def test_login_page_has_no_inline_script(client):
    finder = assert_no_inline_code(client.get("/accounts/login/"))
    assert {s["src"] for s in finder.scripts} >= {"/static/tiaodu/app.js"}


def test_error_page_has_no_inline_script(client_for, users):
    response = client_for(users["guxi"]).get("/accounts/users/new/")
    assert response.status_code == 403
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    assert finder.inline_script_bodies == [] and finder.handlers == []


@pytest.mark.parametrize("username", DEMO_USERS)
def test_dashboard_has_no_inline_script_for_every_role(client_for, users, username):
    assert_no_inline_code(client_for(users[username]).get("/"))


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/tokens/",
        "/accounts/password/",
        "/accounts/users/",
        "/accounts/users/new/",
        "/orgs/",
        "/regions/",
        "/regions/500152/",
        "/audit/events/",
    ],
)
def test_admin_pages_have_no_inline_script(client_for, users, path):
    assert_no_inline_code(client_for(users["admin"]).get(path))


def test_static_scripts_exist(client):
    for path in [
        "/static/tiaodu/app.js",
        "/static/vendor/htmx.min.js",
        "/static/vendor/bootstrap.bundle.min.js",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
