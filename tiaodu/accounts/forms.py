from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.forms import StyledForm
from tiaodu.orgs.forms import region_choices
from tiaodu.orgs.models import Organization


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续失败多次后账号将被临时锁定。"),
        "inactive": _("该账号已停用,请联系管理员。"),
    }


class PasswordChangeForm(StyledForm):
    old_password = forms.CharField(
        label=_("原密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class TokenForm(StyledForm):
    name = forms.CharField(label=_("用途"), max_length=64, required=False)
    days = forms.IntegerField(
        label=_("有效天数"), min_value=0, max_value=3650, initial=180, help_text=_("0表示永不过期")
    )


class UserForm(StyledForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    region_code = forms.ChoiceField(label=_("所属地区"), required=False)
    org = forms.ChoiceField(label=_("所属单位"), required=False)
    phone = forms.CharField(label=_("手机号码"), max_length=32, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [("", "—"), *region_choices(user)]  # type: ignore[attr-defined]
        orgs = Organization.objects.restrict(user).order_by("kind", "name").values_list("pk", "name")
        self.fields["org"].choices = [("", "—"), *((str(pk), name) for pk, name in orgs)]  # type: ignore[attr-defined]
        if editing:
            self.fields["username"].disabled = True
        else:
            del self.fields["is_active"]
