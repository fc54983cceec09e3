from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tiaodu.cases.models import Case
from tiaodu.cases.workflow import Transition
from tiaodu.core.forms import SearchSelect, SearchSelectMultiple, StyledForm
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

NOTE_LABELS = {
    "assign": _("交办意见"),
    "start": _("签收说明"),
    "return": _("退回理由"),
    "resolve": _("办理结果"),
    "rate": _("评价意见"),
    "reopen": _("重新办理原因"),
}
RATING_CHOICES = [
    (5, _("5分 非常满意")),
    (4, _("4分 满意")),
    (3, _("3分 基本满意")),
    (2, _("2分 不满意")),
    (1, _("1分 非常不满意")),
]


def township_choices(user: Any) -> list[tuple[str, str]]:
    """Townships inside the user's region (admins and users without one: the home district)."""
    base = user.region if getattr(user, "region", None) is not None and user.role != "admin" else None
    if base is None:
        base = Region.objects.filter(code=settings.HOME_REGION_CODE).first()
    if base is None:
        return []
    towns = Region.objects.filter(path__startswith=base.path, level=Level.TOWNSHIP).order_by("code")
    return [(r.code, r.name) for r in towns]


HANDLER_KINDS = (OrgKind.DEPARTMENT, OrgKind.TOWN, OrgKind.GOVERNMENT)


def handler_choices(user: Any, case: Case) -> list[tuple[int, str]]:
    """Departments and townships of the case's district that the user can see."""
    district = (
        case.region.parent if case.region.level == Level.TOWNSHIP and case.region.parent else case.region
    )
    orgs = (
        Organization.objects.restrict(user)
        .filter(kind__in=HANDLER_KINDS, is_active=True, region__path__startswith=district.path)
        .order_by("kind", "name")
    )
    return [(o.pk, o.name) for o in orgs]


class ActionForm(StyledForm):
    """One workflow action on one case; the fields depend on the action.

    Field names carry the action as prefix (``assign-note``); the action itself is posted as
    ``action`` by the template.
    """

    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, transition: Transition, user: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", transition.action)
        super().__init__(*args, **kwargs)
        self.transition = transition
        note = self.fields["note"]
        note.label = NOTE_LABELS.get(transition.action, _("说明"))
        note.required = transition.needs_note
        if transition.action == "assign":
            choices = handler_choices(user, case)
            self.fields["handling_org"] = forms.TypedChoiceField(
                label=_("责任部门"), coerce=int, choices=[("", "—"), *choices], widget=SearchSelect()
            )
            self.fields["co_orgs"] = forms.TypedMultipleChoiceField(
                label=_("配合部门"),
                coerce=int,
                required=False,
                choices=choices,
                help_text=_("可多选,输入名称搜索;责任部门不能同时作为配合部门"),
                widget=SearchSelectMultiple(attrs={"size": 4}),
            )
            current = case.handling_org_id or case.category.department_id
            self.initial.setdefault("handling_org", current)
            self.initial.setdefault("co_orgs", list(case.co_orgs.values_list("pk", flat=True)))
            self.order_fields(["handling_org", "co_orgs", "note"])
        if transition.action == "rate":
            self.fields["rating"] = forms.TypedChoiceField(
                label=_("满意度"), coerce=int, choices=[("", "—"), *RATING_CHOICES]
            )
            self.order_fields(["rating", "note"])
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")

    def org(self, name: str) -> Organization | None:
        pk = self.cleaned_data.get(name)
        return Organization.objects.filter(pk=pk).first() if pk else None

    def co_orgs(self) -> list[Organization] | None:
        if "co_orgs" not in self.fields:
            return None
        return list(Organization.objects.filter(pk__in=self.cleaned_data.get("co_orgs") or []))


class CommentForm(StyledForm):
    note = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class AttachmentForm(StyledForm):
    file = forms.FileField(
        label=_("附件"),
        help_text=_("PDF、图片(JPG/PNG)、Word 或 Excel"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"}),
    )
