from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.models import User
from tiaodu.core.forms import SearchSelectMultiple, StyledForm
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region


def region_choices(user: Any) -> list[tuple[str, str]]:
    """Regions a user may place things in: their own subtree (admins: the home district's)."""
    base = user.region if getattr(user, "region", None) is not None and user.role != "admin" else None
    if base is None:
        base = Region.objects.filter(code=settings.HOME_REGION_CODE).first()
    if base is None:
        return []
    regions = Region.objects.filter(path__startswith=base.path, level__lte=4).order_by("code")
    return [(r.code, f"{r.code} {r.name}") for r in regions]


class OrganizationForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=128)
    short_name = forms.CharField(label=_("简称"), max_length=32, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=OrgKind.choices)
    code = forms.CharField(label=_("机构代码"), max_length=32, required=False)
    region_code = forms.ChoiceField(label=_("所属地区"))
    parent_id = forms.TypedChoiceField(label=_("上级机构"), coerce=int, required=False, empty_value=None)
    leader_id = forms.TypedChoiceField(label=_("负责人"), coerce=int, required=False, empty_value=None)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    member_ids = forms.TypedMultipleChoiceField(
        label=_("专班成员"),
        coerce=int,
        required=False,
        help_text=_("仅服务专班适用;可多选,输入姓名搜索"),
        widget=SearchSelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = region_choices(user)  # type: ignore[attr-defined]
        orgs = Organization.objects.restrict(user).order_by("kind", "name").values_list("pk", "name")
        self.fields["parent_id"].choices = [("", "—"), *orgs]  # type: ignore[attr-defined]
        users = User.objects.restrict(user).filter(is_active=True).order_by("username")
        self.fields["leader_id"].choices = [("", "—"), *((u.pk, u.display_name) for u in users)]  # type: ignore[attr-defined]
        self.fields["member_ids"].choices = [(u.pk, u.display_name) for u in users]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(org: Organization) -> dict[str, Any]:
        return {
            "name": org.name,
            "short_name": org.short_name,
            "kind": org.kind,
            "code": org.code,
            "region_code": org.region.code,
            "parent_id": org.parent_id,
            "leader_id": org.leader_id,
            "phone": org.phone,
            "address": org.address,
            "is_active": org.is_active,
            "notes": org.notes,
            "member_ids": list(org.members.values_list("pk", flat=True)),
        }
