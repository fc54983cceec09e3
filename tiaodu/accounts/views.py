from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from tiaodu.accounts import services
from tiaodu.accounts.choices import Role
from tiaodu.accounts.filters import UserFilter
from tiaodu.accounts.forms import LoginForm, PasswordChangeForm, TokenForm, UserForm
from tiaodu.accounts.lockout import address_throttled
from tiaodu.accounts.models import ApiToken, Language, User
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import client_address, current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import (
    Column,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: a signed-in user's choice is kept on the user (every later
    session, on any browser, speaks it); the cookie Django's view sets serves the login page and
    anonymous visitors. An unknown language changes nothing."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if language in Language.values and isinstance(user, User) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """Shown by django-axes instead of the login page while an account (for this address) is
    locked, or while this address is throttled for failures across usernames."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    address_wide = address_throttled(client_address(request))
    failures = settings.LOGIN_ADDRESS_FAILURE_LIMIT if address_wide else settings.AXES_FAILURE_LIMIT
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "failures": failures, "address_wide": address_wide},
        status=429,
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                current_user(request), form.cleaned_data["old_password"], form.cleaned_data["new_password"]
            )
        except ServiceError as exc:
            for err in exc.errors:
                form.add_error(err.field if err.field in form.fields else "new_password", err.message)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, _("密码已修改"))
            return redirect("dashboard:home")
    return render(
        request, "accounts/password_change.html", {"form": form}, status=422 if form.errors else 200
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """My API tokens: issue (the key is shown once) and revoke."""
    form = TokenForm(request.POST or None, initial={"days": settings.API_TOKEN_DEFAULT_DAYS})
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.create_token(
                current_user(request),
                current_user(request),
                form.cleaned_data["name"],
                form.cleaned_data["days"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            form = TokenForm(initial={"days": settings.API_TOKEN_DEFAULT_DAYS})
    context = {"form": form, "issued": issued, "tokens": ApiToken.objects.filter(user=current_user(request))}
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user=current_user(request)).first()
    if token is None:
        return render(request, "404.html", status=404)
    services.revoke_token(request.user, token)  # type: ignore[arg-type]
    return redirect_with_message(
        request, reverse("accounts:tokens"), _("令牌 %(prefix)s… 已吊销") % {"prefix": token.prefix}
    )


class UserListView(ObjectListView):
    model = User
    filterset = UserFilter
    title = gettext_lazy("用户管理")
    export_name = "users"
    columns = [
        Column(gettext_lazy("用户名"), "username", link=True),
        Column(gettext_lazy("姓名"), "full_name"),
        Column(gettext_lazy("角色"), "role"),
        Column(gettext_lazy("所属地区"), "region.name"),
        Column(gettext_lazy("所属单位"), "organization.name"),
        Column(gettext_lazy("启用"), "is_active"),
        Column(gettext_lazy("最近登录"), "last_login"),
    ]
    filter_fields = [
        ("q", gettext_lazy("用户名或姓名"), None),
        ("role", gettext_lazy("角色"), [("", gettext_lazy("全部")), *Role.choices]),
        ("region", gettext_lazy("区划代码"), None),
    ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("accounts:user_create")

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("region", "organization").order_by("username")


class UserDetailView(ScopedView):
    model = User

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = get_scoped(User, request.user, pk=pk)
        can_change = request.user.has_perm("accounts.change_user")
        return render(
            request,
            "accounts/user_detail.html",
            {
                "object": target,
                "can_change": can_change,
                "login_locks": services.login_locks(target.username) if can_change else [],
            },
        )


class UserUnlockView(ScopedView):
    """An administrator lifts a login lockout early (every address the account is locked for)."""

    model = User
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = get_scoped(User, request.user, pk=pk)
        services.unlock_login(current_user(request), username=target.username)
        return redirect_with_message(
            request, target.get_absolute_url(), _("已解除 %(u)s 的登录锁定") % {"u": target.username}
        )


class UserEditView(ScopedView):
    model = User
    action = "add"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.action = "add" if kwargs.get("pk") is None else "change"  # type: ignore[misc,assignment]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        target = get_scoped(User, request.user, pk=pk) if pk else None
        initial: dict[str, Any] = {"is_active": True}
        if target is not None:
            initial = {
                "username": target.username,
                "full_name": target.full_name,
                "role": target.role,
                "region_code": target.region.code if target.region else "",
                "org": str(target.organization_id or ""),
                "phone": target.phone,
                "email": target.email,
                "is_active": target.is_active,
            }
        form = UserForm(initial=initial, user=request.user, editing=target is not None)
        return render(request, "accounts/user_form.html", {"form": form, "object": target})

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        target = get_scoped(User, request.user, pk=pk) if pk else None
        form = UserForm(
            request.POST,
            user=request.user,
            editing=target is not None,
            initial={"username": target.username if target else ""},
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                if target is None:
                    created = services.create_user(
                        request.user,  # type: ignore[arg-type]
                        username=data["username"],
                        role=data["role"],
                        region_code=data["region_code"] or None,
                        org=data["org"] or None,
                        full_name=data["full_name"],
                        phone=data["phone"],
                        email=data["email"],
                        must_change_password=True,
                    )
                    messages.success(
                        request,
                        _("已新增用户 %(u)s,初始密码:%(p)s(仅显示一次,请妥善转交)")
                        % {"u": created.user.username, "p": created.password},
                    )
                    return redirect(created.user.get_absolute_url())
                updated = services.update_user(
                    request.user,  # type: ignore[arg-type]
                    target,
                    role=data["role"],
                    region_code=data["region_code"] or None,
                    org=data["org"] or None,
                    full_name=data["full_name"],
                    phone=data["phone"],
                    email=data["email"],
                    is_active=data["is_active"],
                )
                return redirect_with_message(request, updated.get_absolute_url(), _("已保存"))
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
        return render(request, "accounts/user_form.html", {"form": form, "object": target}, status=422)


class UserResetPasswordView(ScopedView):
    model = User
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = get_scoped(User, request.user, pk=pk)
        password = services.reset_password(request.user, target)  # type: ignore[arg-type]
        messages.success(
            request, _("已重置 %(u)s 的密码,新密码:%(p)s(仅显示一次)") % {"u": target.username, "p": password}
        )
        return redirect(target.get_absolute_url())


class UserHistoryView(ObjectHistoryView):
    model = User
