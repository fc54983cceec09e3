"""Jobseeker pages: the list (masked; filters township, group, education, name or full ID number
by keyed hash), the profile (masked; 查看完整信息 reveals one value once, audited), the phone-sized
registration form, edit, consent withdrawal, the xlsx export (masked; ``?full=1`` only for a user
who may reveal every exported row). Lane B.

Every list, profile and export starts from ``Jobseeker.objects.restrict(user)``; writes go
through :mod:`tiaodu.employment.jobseekers`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError as PydanticValidationError

from tiaodu.core import exports, pii
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.resolve import actor_district, district_of
from tiaodu.core.views import (
    Column,
    EditView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)
from tiaodu.employment import jobseekers
from tiaodu.employment.choices import Education, PriorityGroup, RegisteredVia
from tiaodu.employment.forms_jobseekers import EditForm, JobseekerFilter, RegisterForm, township_choices
from tiaodu.employment.models import Jobseeker
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

GROUP_LABELS = dict(PriorityGroup.choices)


def page_district(request: HttpRequest) -> Region:
    """The district a page is about: ``?district=CODE`` (a county), else the user's own."""
    code = request.GET.get("district") or request.POST.get("district") or ""
    if code:
        found = Region.objects.filter(code=code, level=Level.COUNTY).first()
        if found is not None:
            return found
    district = actor_district(request.user)
    if district is None:
        district = Region.objects.get(code=settings.HOME_REGION_CODE)
    return district_of(district)


def group_labels(row: Jobseeker) -> str:
    return "、".join(str(GROUP_LABELS.get(code, code)) for code in row.group_codes)


def _name_column(user: Any) -> Column:
    if jobseekers.shows_names(user):
        return Column(gettext_lazy("姓名"), "name", link=True)
    return Column(gettext_lazy("姓名"), lambda r: r.masked_name, link=True, sort="name", kind="name")


def export_rows(user: Any, queryset: Any, full: bool) -> tuple[list[str], Any]:
    """The export's header and rows: masked, or (``full``) with the decrypted numbers."""
    header = [
        _("姓名"),
        _("身份证号"),
        _("性别"),
        _("出生年份"),
        _("手机号"),
        _("所属镇街"),
        _("村(社区)"),
        _("文化程度"),
        _("工作经历"),
        _("技能"),
        _("证书"),
        _("求职意向"),
        _("期望月薪"),
        _("最长通勤(分钟)"),
        _("需要住宿"),
        _("重点群体"),
        _("登记日期"),
        _("登记方式"),
        _("最近求职活动日期"),
        _("匿名化日期"),
    ]
    names = jobseekers.shows_names(user)

    def rows() -> Any:
        for r in queryset.select_related("township").iterator(2000):
            yield [
                r.name if names else r.masked_name,
                pii.decrypt(r.id_enc, field="id") if full and r.id_enc else r.id_mask,
                r.get_sex_display(),
                r.birth_date.year if r.birth_date else "",
                pii.decrypt(r.phone_enc, field="phone") if full and r.phone_enc else r.phone_mask,
                r.township.name,
                r.village,
                r.get_education_display(),
                r.experience,
                r.skills,
                r.certificates,
                r.desired_text,
                r.wage_expected if r.wage_expected is not None else "",
                r.max_commute_minutes if r.max_commute_minutes is not None else "",
                _("是") if r.needs_dorm else _("否"),
                group_labels(r),
                r.registered_on.isoformat(),
                r.get_registered_via_display(),
                r.last_active_on.isoformat() if r.last_active_on else "",
                r.anonymised_on.isoformat() if r.anonymised_on else "",
            ]

    return [str(h) for h in header], rows()


def xlsx_export(user: Any, queryset: Any, *, full: bool) -> HttpResponse:
    """The xlsx of these rows, audited (masked, or in full for a user who may reveal every row;
    otherwise ``pi_reveal_forbidden``, audited)."""
    count = queryset.count()
    what = f"employment.Jobseeker x{count}"
    if full and not jobseekers.can_reveal_all(user, queryset):
        jobseekers.refuse_export(user, what)
    pii.audit_export(user, what, revealed=full)
    header, rows = export_rows(user, queryset, full)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return exports.xlsx_response(
        exports.table_workbook(_("求职者"), header, rows), f"jobseekers{'-full' if full else ''}-{stamp}.xlsx"
    )


class JobseekerListView(ObjectListView):
    model = Jobseeker
    filterset = JobseekerFilter
    title = gettext_lazy("求职者")
    export_name = "jobseekers"
    template_name = "employment/jobseekers/list.html"
    columns = []  # per user: see ``get``

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("employment:jobseeker-register")

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        district = page_district(self.request)
        return [
            ("q", gettext_lazy("姓名或完整身份证号/手机号"), None),
            (
                "township",
                gettext_lazy("镇街"),
                [("", gettext_lazy("全部镇街")), *township_choices(district, self.request.user)],
            ),
            ("group", gettext_lazy("重点群体"), [("", gettext_lazy("全部重点群体")), *PriorityGroup.choices]),
            (
                "education",
                gettext_lazy("文化程度"),
                [("", gettext_lazy("全部文化程度")), *[c for c in Education.choices if c[0]]],
            ),
        ]

    def get_queryset(self) -> Any:
        return Jobseeker.objects.restrict(self.request.user).select_related("township")

    def get(self, request: HttpRequest) -> HttpResponse:  # type: ignore[override]
        self.columns = [  # type: ignore[misc]
            _name_column(request.user),
            Column(gettext_lazy("身份证号"), "id_mask"),
            Column(gettext_lazy("性别"), "sex"),
            Column(gettext_lazy("手机号"), "phone_mask", kind="code"),
            Column(gettext_lazy("所属镇街"), "township.name"),
            Column(gettext_lazy("文化程度"), "education"),
            Column(gettext_lazy("求职意向"), "desired_text"),
            Column(gettext_lazy("重点群体"), group_labels, sort=False),
            Column(gettext_lazy("登记日期"), "registered_on"),
        ]
        return super().get(request)

    def export(self, queryset: Any, kind: str) -> HttpResponse:
        """The list's own export links: masked, audited (CSV as xlsx: one format for PI)."""
        return xlsx_export(self.request.user, queryset, full=False)


class JobseekerExportView(ScopedView):
    """employment:jobseeker-export — the filtered list as xlsx; ``?full=1`` with full numbers."""

    model = Jobseeker

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params: dict[str, Any] = {
            k: v for k, v in request.GET.items() if k in JobseekerFilter.model_fields and v != ""
        }
        try:
            queryset = JobseekerFilter(**params).filter(Jobseeker.objects.restrict(user))
        except PydanticValidationError:
            queryset = Jobseeker.objects.none()
        full = request.GET.get("full") in ("1", "true", "yes")
        try:
            return xlsx_export(user, queryset.order_by("township__code", "pk"), full=full)
        except pii.PIRevealRefused as exc:
            return refused(request, exc)


def refused(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """403 with the stable code: JSON for clients that ask for it, else the 403 page."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(exc.as_dict(), status=403)
    return render(request, "403.html", {"message": f"{exc.message}({exc.code})"}, status=403)


# --- the profile and the reveal ------------------------------------------------------------------


def _facts(user: Any, row: Jobseeker) -> list[tuple[Any, Any]]:
    occupations = "、".join(str(o) for o in row.desired_occupations.all())
    return [
        (_("姓名"), jobseekers.display_name(user, row)),
        (_("身份证号"), row.id_mask),
        (_("性别"), row.get_sex_display()),
        (_("出生年份"), row.birth_date.year if row.birth_date else ""),
        (_("手机号"), row.phone_mask),
        (_("所属镇街"), row.township.name),
        (_("村(社区)"), row.village if jobseekers.shows_names(user) else ""),
        (_("文化程度"), row.get_education_display()),
        (_("工作经历"), row.experience),
        (_("技能"), row.skills),
        (_("证书"), row.certificates),
        (_("意向职业"), occupations),
        (_("求职意向"), row.desired_text),
        (_("期望月薪(元)"), row.wage_expected if row.wage_expected is not None else ""),
        (_("最长通勤(分钟)"), row.max_commute_minutes if row.max_commute_minutes is not None else ""),
        (_("需要住宿"), _("是") if row.needs_dorm else _("否")),
        (_("重点群体"), group_labels(row)),
        (_("登记日期"), row.registered_on),
        (_("登记方式"), row.get_registered_via_display()),
        (_("同意的处理目的"), row.consent_purpose),
        (_("最近求职活动日期"), row.last_active_on or ""),
        (_("撤回同意日期"), row.consent_withdrawn_on or ""),
        (_("匿名化日期"), row.anonymised_on or ""),
    ]


def render_detail(
    request: HttpRequest, row: Jobseeker, revealed: dict[str, str] | None = None
) -> HttpResponse:
    user = current_user(request)
    changeable = Jobseeker.objects.restrict(user, "change").filter(pk=row.pk).exists()
    context = {
        "object": row,
        "title": jobseekers.display_name(user, row),
        "facts": _facts(user, row),
        "revealed": revealed or {},
        "may_reveal": row.anonymised_on is None and jobseekers.can_reveal(user, row),
        "has_phone": bool(row.phone_enc),
        "edit_url": reverse("employment:jobseeker-edit", args=[row.pk])
        if changeable and row.anonymised_on is None
        else "",
        "withdraw_url": reverse("employment:jobseeker-withdraw", args=[row.pk])
        if changeable and row.anonymised_on is None
        else "",
        # The service's recommendations (staff; an enterprise never gets them).
        "matching_url": reverse("employment:matching-jobseeker", args=[row.pk])
        if user.role != "enterprise" and row.anonymised_on is None
        else "",
    }
    return render(request, "employment/jobseekers/detail.html", context)


class JobseekerDetailView(ScopedView):
    model = Jobseeker

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = get_scoped(Jobseeker, current_user(request), "view", pk=pk)
        return render_detail(request, row)


class JobseekerRevealView(ScopedView):
    """POST field=id|phone: the profile with that value shown once (audited); refused → 403."""

    model = Jobseeker

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        row = get_scoped(Jobseeker, user, "view", pk=pk)
        field = request.POST.get("field", "")
        try:
            value = jobseekers.reveal(user, row, field)
        except pii.PIRevealRefused as exc:
            return refused(request, exc)
        except ServiceError as exc:
            return render(request, "403.html", {"message": exc.message}, status=exc.status)
        response = render_detail(request, row, {field: value})
        response["Cache-Control"] = "no-store"
        return response


# --- registration, edit, withdrawal --------------------------------------------------------------


class JobseekerRegisterView(EditView):
    """The phone-sized registration form (staff)."""

    model = Jobseeker

    def _form(self, request: HttpRequest, data: Any = None) -> RegisterForm:
        district = page_district(request)
        purpose = jobseekers.settings_for(district).consent_purpose
        return RegisterForm(data, district=district, user=request.user, purpose=purpose)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        if request.user.role == "town" and request.user.region_id:  # type: ignore[union-attr]
            form.initial["township"] = request.user.region_id  # type: ignore[union-attr]
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        form = self._form(request, request.POST)
        status = 422
        if form.is_valid():
            try:
                row, created = jobseekers.register(user, via=RegisteredVia.STAFF, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
                status = exc.status if exc.status >= 400 else 422
            else:
                visible = Jobseeker.objects.restrict(user).filter(pk=row.pk).exists()
                url = row.get_absolute_url() if visible else reverse("employment:jobseeker-list")
                if created:
                    text = _("已登记求职者%(name)s(%(id)s)")
                else:
                    text = _("该身份证号已登记(%(name)s,%(id)s),本次信息已合并,未重复登记")
                return redirect_with_message(
                    request, url, text % {"name": row.masked_name, "id": row.id_mask}
                )
        return self._render(request, form, status)

    def _render(self, request: HttpRequest, form: RegisterForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "title": _("求职登记"), "object": None}
        return render(request, "employment/jobseekers/form.html", context, status=status)


class JobseekerEditView(EditView):
    model = Jobseeker

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = self.instance(request, pk)
        form = EditForm(instance=row, initial=EditForm.initial_for(row))
        return self._render(request, form, row)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        row = self.instance(request, pk)
        form = EditForm(request.POST, instance=row)
        status = 422
        if form.is_valid():
            try:
                saved = jobseekers.update_jobseeker(
                    user, row.pk, form.expected_version, **form.service_fields()
                )
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
                status = exc.status if exc.status >= 400 else 422
            else:
                return redirect_with_message(request, saved.get_absolute_url(), _("已保存"))
        return self._render(request, form, row, status)

    def _render(
        self, request: HttpRequest, form: EditForm, row: Jobseeker, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "title": _("编辑求职者"), "object": row}
        return render(request, "employment/jobseekers/form.html", context, status=status)


class JobseekerWithdrawView(EditView):
    """撤回同意: a confirmation page, then the jobseeker's personal data is anonymised."""

    model = Jobseeker

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = self.instance(request, pk)
        context = {"object": row, "title": _("撤回个人信息处理同意"), "today": timezone.localdate()}
        return render(request, "employment/jobseekers/withdraw.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        row = self.instance(request, pk)
        try:
            jobseekers.withdraw_consent(user, row.pk)
        except ServiceError as exc:
            if exc.status in (403, 404) and not exc.errors:
                raise
            context = {"object": row, "title": _("撤回个人信息处理同意"), "error": exc.message}
            return render(request, "employment/jobseekers/withdraw.html", context, status=exc.status)
        return redirect_with_message(
            request, reverse("employment:jobseeker-detail", args=[row.pk]), _("已撤回同意,个人信息已匿名化")
        )
