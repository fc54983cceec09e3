"""新增诉求: staff (departments, townships, administrators) register an enterprise's appeal from
the appeal list or their inbox, not only during a visit.

The appeal is opened by the same service as the visit and portal flows
(:func:`tiaodu.enterprises.services.raise_appeal`), its files go through the case attachment
service, all in one transaction: a refused file leaves no half-registered appeal behind.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.accounts.choices import Role
from tiaodu.cases import queries
from tiaodu.cases import services as case_services
from tiaodu.cases.forms import HANDLER_KINDS
from tiaodu.cases.models import Case, CaseCategory
from tiaodu.core.errors import ServiceError
from tiaodu.core.forms import MultipleFileInput, SearchSelect, SearchSelectMultiple, StyledForm
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can
from tiaodu.core.views import ScopedView, apply_service_error, redirect_with_message
from tiaodu.enterprises import services
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.forms import DateInput
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

# Who registers appeals for enterprises here; enterprises use their portal (我的企业).
REGISTRAR_ROLES = (Role.ADMIN, Role.DEPARTMENT, Role.TOWN)
STAFF_SOURCE = "部门登记"
MAX_FILES = 10


def may_register(user: Any) -> bool:
    """Whether ``user`` may open 新增诉求 (the list and inbox show the button only to them)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool((user.is_superuser or user.role in REGISTRAR_ROLES) and can(user, "add", Case))


def _district_of(region: Region | None) -> Region | None:
    while region is not None and region.level > Level.COUNTY:
        region = region.parent
    return region


def user_district(user: Any) -> Region | None:
    """The district whose departments route the appeal (administrators: the home district)."""
    if user.role != Role.ADMIN and user.region is not None:
        district = _district_of(user.region)
        if district is not None:
            return district
    return Region.objects.filter(code=settings.HOME_REGION_CODE).first()


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [f for f in (single(d, initial) for d in data) if f]
        cleaned = single(data, initial)
        return [cleaned] if cleaned else []


class NewAppealForm(StyledForm):
    enterprise = forms.TypedChoiceField(
        label=gettext_lazy("企业"),
        coerce=int,
        widget=SearchSelect(placeholder=gettext_lazy("输入企业名称或信用代码搜索")),
        help_text=gettext_lazy("仅列出您负责范围内的企业"),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("类别"),
        help_text=gettext_lazy("办结时限按类别的办理时限(工作日)自动计算"),
    )
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("可留空,取内容第一行"),
    )
    content = forms.CharField(
        label=gettext_lazy("困难或诉求内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    raised_on = forms.DateField(label=gettext_lazy("提出日期"), widget=DateInput())
    attachments = MultipleFileField(
        label=gettext_lazy("附件"),
        required=False,
        help_text=gettext_lazy("可选多个文件:PDF、图片(JPG/PNG)、Word 或 Excel"),
        widget=MultipleFileInput(attrs={"accept": ",".join(case_services.ALLOWED_UPLOADS)}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        rows = (
            Enterprise.objects.restrict(user)
            .select_related("township")
            .only("pk", "name", "credit_code", "township__name")
            .order_by("name", "pk")
        )
        self.fields["enterprise"].choices = [  # type: ignore[attr-defined]
            ("", ""),
            *((e.pk, f"{e.name}({e.township.name} {e.credit_code})") for e in rows),
        ]
        categories = CaseCategory.objects.filter(workflow=WORKFLOW, is_active=True).order_by(
            "sort_order", "code"
        )
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *(
                (c.code, _("%(name)s(%(days)d个工作日)") % {"name": c.name, "days": c.time_limit_days})
                for c in categories
            ),
        ]
        self.initial.setdefault("raised_on", timezone.localdate())
        self.routing = queries.is_dispatcher(user)
        if self.routing:
            district = user_district(user)
            orgs = Organization.objects.restrict(user).filter(kind__in=HANDLER_KINDS, is_active=True)
            if district is not None:
                orgs = orgs.filter(region__path__startswith=district.path)
            choices = [(o.pk, o.name) for o in orgs.order_by("kind", "name")]
            self.fields["handling_org"] = forms.TypedChoiceField(
                label=gettext_lazy("责任部门"),
                coerce=int,
                required=False,
                empty_value=None,
                choices=[("", _("按类别默认")), *choices],
                widget=SearchSelect(attrs={"class": "form-select"}),
                help_text=gettext_lazy("不选则交类别的默认责任部门;受理后仍可在交办时改派"),
            )
            self.fields["co_orgs"] = forms.TypedMultipleChoiceField(
                label=gettext_lazy("配合部门"),
                coerce=int,
                required=False,
                choices=choices,
                widget=SearchSelectMultiple(
                    attrs={"class": "form-select", "size": 6}, placeholder=gettext_lazy("输入名称搜索,可多选")
                ),
                help_text=gettext_lazy("可多选;责任部门不能同时作为配合部门"),
            )
            self.order_fields(
                ["enterprise", "category", "title", "content", "raised_on", "handling_org", "co_orgs"]
            )

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("一次最多上传%(n)d个附件") % {"n": MAX_FILES})
        limit = settings.UPLOAD_MAX_BYTES
        for upload in files:
            ext = PurePosixPath(upload.name or "").suffix.lower()
            if ext not in case_services.ALLOWED_UPLOADS:
                raise forms.ValidationError(
                    _("“%(name)s”:只能上传 PDF、图片(JPG/PNG)、Word 或 Excel 文件") % {"name": upload.name}
                )
            if upload.size is None or upload.size > limit:
                raise forms.ValidationError(
                    _("“%(name)s”:文件不能超过%(mb)dMB") % {"name": upload.name, "mb": limit // (1024 * 1024)}
                )
        return list(files)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pk = data.get("enterprise")
        self.chosen_enterprise = (
            Enterprise.objects.restrict(self.user)
            .select_related("township", "organization")
            .filter(pk=pk)
            .first()
            if pk
            else None
        )
        if pk and self.chosen_enterprise is None:
            self.add_error("enterprise", _("企业不存在或不在您的负责范围内"))
        if self.routing and self.chosen_enterprise is not None:
            # Departments route the appeals of their own district (an administrator may see several).
            district = _district_of(self.chosen_enterprise.township)
            for name in ("handling_org", "co_orgs"):
                picked = data.get(name)
                ids = picked if isinstance(picked, list) else [picked] if picked else []
                outside = Organization.objects.filter(pk__in=ids).exclude(
                    region__path__startswith=district.path if district else ""
                )
                if district is not None and outside.exists():
                    self.add_error(name, _("只能选择该企业所在区县的部门和镇街"))
        return data

    def organisations(self) -> tuple[Organization | None, list[Organization]]:
        """The chosen responsible department (None: the category's) and co-handlers."""
        if not self.routing:
            return None, []
        pk = self.cleaned_data.get("handling_org")
        handler = Organization.objects.filter(pk=pk).first() if pk else None
        co_ids = self.cleaned_data.get("co_orgs") or []
        return handler, list(Organization.objects.filter(pk__in=co_ids).order_by("name"))


class AppealCreateView(ScopedView):
    """新增诉求 (``?enterprise=<id>`` preselects the enterprise)."""

    model = Case
    action = "add"
    template_name = "enterprises/appeal_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and getattr(user, "role", None) == Role.ENTERPRISE:
            return redirect("enterprises:portal")  # an enterprise raises its own appeals there
        if user.is_authenticated and not may_register(user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {}
        ref = request.GET.get("enterprise", "")
        if ref.isdigit():
            initial["enterprise"] = int(ref)
        return self.render_form(request, NewAppealForm(user=request.user, initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        form = NewAppealForm(request.POST, request.FILES, user=user)
        if form.is_valid() and form.chosen_enterprise is not None:
            handler, co_orgs = form.organisations()
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    case = services.raise_appeal(
                        user,
                        form.chosen_enterprise,
                        data["category"],
                        data["content"],
                        raised_on=data["raised_on"],
                        source=STAFF_SOURCE,
                        title=data["title"].strip(),
                        handling_org=handler,
                        co_orgs=co_orgs,
                    )
                    for upload in data["attachments"]:
                        case_services.attach(user, case.pk, upload)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                for err in exc.errors:
                    err.field = {"description": "content", "file": "attachments"}.get(err.field, err.field)
                apply_service_error(form, exc)
            else:
                message = _("已受理诉求%(number)s,办结时限%(due)s") % {
                    "number": case.number,
                    "due": f"{case.due_on:%Y-%m-%d}" if case.due_on else "—",
                }
                return redirect_with_message(request, case.get_absolute_url(), message)
        return self.render_form(request, form, status=422)

    def render_form(self, request: HttpRequest, form: NewAppealForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "title": _("新增诉求")}
        return render(request, self.template_name, context, status=status)
