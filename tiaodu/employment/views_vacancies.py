"""Vacancy board, detail, form; need conversion. Lane C.

The board (employment:vacancy-list) is the generic list — cards on a phone, filters shared with
the export and the API — started from ``Vacancy.objects.restrict(user)``: the district's
government users see the district's vacancies, an enterprise its own. Writes go through
:mod:`tiaodu.employment.vacancies`. The export holds no personal data (vacancies have none).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.resolve import actor_district, district_of
from tiaodu.core.views import (
    Column,
    EditView,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)
from tiaodu.employment import vacancies
from tiaodu.employment.choices import VacancyStatus
from tiaodu.employment.forms_vacancies import (
    CloseForm,
    NeedConvertForm,
    NeedRowFormSet,
    VacancyFilter,
    VacancyForm,
    township_choices,
)
from tiaodu.employment.models import Vacancy
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

PAGE = 50


def wage_text(vacancy: Vacancy) -> str:
    low, high = vacancy.wage_min, vacancy.wage_max
    if low is not None and high is not None:
        return (
            _("%(low)s–%(high)s元") % {"low": low, "high": high} if low != high else _("%(n)s元") % {"n": low}
        )
    if low is not None:
        return _("%(n)s元起") % {"n": low}
    if high is not None:
        return _("最高%(n)s元") % {"n": high}
    return _("面议")


def occupation_text(vacancy: Vacancy) -> str:
    if vacancy.occupation is None:
        return ""
    text = f"{vacancy.occupation.code} {vacancy.occupation.name}"
    return f"{text}({_('推荐')})" if vacancy.occupation_proposed else text


def place_text(vacancy: Vacancy) -> str:
    return " ".join(p for p in (vacancy.township.name, vacancy.work_place) if p)


def perks_text(vacancy: Vacancy) -> str:
    perks = [str(label) for flag, label in ((vacancy.housing, _("包住")), (vacancy.meals, _("包吃"))) if flag]
    return "、".join(perks)


def own_enterprise(user: Any) -> Any:
    """The enterprise of an enterprise user (None for others)."""
    from tiaodu.enterprises.models import Enterprise

    if getattr(user, "role", None) != Role.ENTERPRISE or not user.organization_id:
        return None
    return Enterprise.objects.select_related("township").filter(organization_id=user.organization_id).first()


def page_district(request: HttpRequest) -> Region:
    """The district a page is about: ``?district=CODE``, else the user's (an enterprise's own)."""
    code = request.GET.get("district") or request.POST.get("district") or ""
    if code:
        found = Region.objects.filter(code=code, level=Level.COUNTY).first()
        if found is not None:
            return found
    firm = own_enterprise(request.user)
    if firm is not None:
        return district_of(firm.township)
    district = actor_district(request.user)
    if district is None:
        district = Region.objects.get(code=settings.HOME_REGION_CODE)
    return district_of(district)


# --- the board ----------------------------------------------------------------------------------------


class VacancyListView(ObjectListView):
    model = Vacancy
    filterset = VacancyFilter
    title = gettext_lazy("岗位信息")
    export_name = "vacancies"
    template_name = "employment/vacancies/list.html"
    columns = [
        Column(gettext_lazy("岗位名称"), "title"),
        Column(gettext_lazy("企业"), "enterprise.name"),
        Column(gettext_lazy("职业"), occupation_text, sort="occupation__code"),
        Column(gettext_lazy("招聘人数"), "headcount"),
        Column(gettext_lazy("月薪"), wage_text, sort="wage_max"),
        Column(gettext_lazy("工作地点"), place_text, sort="township__code"),
        Column(gettext_lazy("班制"), "shift"),
        Column(gettext_lazy("食宿"), perks_text, sort=False),
        Column(gettext_lazy("发布日期"), "published_on"),
        Column(gettext_lazy("有效期至"), "valid_until"),
        Column(gettext_lazy("状态"), "status"),
    ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("employment:vacancy-create")

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        district = page_district(self.request)
        fields: list[tuple[str, Any, Any]] = []
        user = self.request.user
        if getattr(user, "role", None) == Role.ADMIN or getattr(user, "is_superuser", False):
            codes = Vacancy.objects.restrict(user).order_by().values("district_id").distinct()
            districts = [(r.code, r.name) for r in Region.objects.filter(pk__in=codes).order_by("code")]
            if len(districts) > 1:
                fields.append(
                    ("district", gettext_lazy("区县"), [("", gettext_lazy("全部区县")), *districts])
                )
        return [
            *fields,
            ("q", gettext_lazy("岗位、企业或技能"), None),
            ("occupation", gettext_lazy("职业编码(如 6-05)"), None),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(district)]),
            ("wage", gettext_lazy("期望月薪(元)"), None),
            ("open_on", gettext_lazy("招聘中的日期"), "date"),
            ("status", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *VacancyStatus.choices]),
            (
                "housing",
                gettext_lazy("住宿"),
                [
                    ("", gettext_lazy("住宿")),
                    ("true", gettext_lazy("提供住宿")),
                    ("false", gettext_lazy("不提供住宿")),
                ],
            ),
        ]

    def get_queryset(self) -> Any:
        return vacancies.vacancies_for(self.request.user)


# --- detail ---------------------------------------------------------------------------------------------


class VacancyDetailView(ScopedView):
    model = Vacancy

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        vacancy = get_scoped(Vacancy, user, "view", pk=pk)
        facts = [
            (_("企业"), vacancy.enterprise.name),
            (_("职业"), occupation_text(vacancy)),
            (_("招聘人数"), vacancy.headcount),
            (_("月薪"), wage_text(vacancy)),
            (_("班制"), vacancy.get_shift_display() if vacancy.shift else ""),
            (_("食宿"), perks_text(vacancy)),
            (_("学历要求"), vacancy.get_education_display() if vacancy.education else _("不限")),
            (_("技能要求"), vacancy.skills),
            (_("证书要求"), vacancy.certificates),
            (_("岗位要求"), vacancy.requirements),
            (_("年龄要求"), _age(vacancy)),
            (_("年龄限制依据"), vacancy.age_ground),
            (_("工作地点"), place_text(vacancy)),
            (_("坐标"), f"{vacancy.longitude}, {vacancy.latitude}" if vacancy.longitude is not None else ""),
            (_("发布日期"), vacancy.published_on),
            (_("有效期至"), vacancy.valid_until or ""),
            (_("状态"), vacancy.get_status_display()),
        ]
        may_change = Vacancy.objects.restrict(user, "change").filter(pk=vacancy.pk).exists()
        need = vacancy.need
        context = {
            "object": vacancy,
            "title": vacancy.title,
            "facts": facts,
            "proposed": vacancy.occupation_proposed,
            "need": need,
            "need_text": _("%(day)s提出用工需求%(people)s人(%(types)s)")
            % {"day": need.raised_on, "people": need.people or "—", "types": need.job_types or "—"}
            if need is not None
            else "",
            "may_change": may_change,
            "statuses": [(code, label) for code, label in VacancyStatus.choices if code != vacancy.status],
            "matching_url": reverse("employment:matching-vacancy", args=[vacancy.pk])
            if getattr(user, "role", None) in (Role.ADMIN, Role.DEPARTMENT, Role.TOWN)
            else "",
        }
        return render(request, "employment/vacancies/detail.html", context)


def _age(vacancy: Vacancy) -> str:
    low, high = vacancy.age_min, vacancy.age_max
    if low is not None and high is not None:
        return _("%(low)s–%(high)s岁") % {"low": low, "high": high}
    if low is not None:
        return _("%(n)s岁以上") % {"n": low}
    if high is not None:
        return _("%(n)s岁以下") % {"n": high}
    return _("不限")


class VacancyHistoryView(ObjectHistoryView):
    """变更记录 of a vacancy."""

    model = Vacancy


# --- add and change --------------------------------------------------------------------------------------


class VacancyEditView(EditView):
    """发布 (no pk) or 编辑 a vacancy."""

    model = Vacancy

    def _form(self, request: HttpRequest, vacancy: Vacancy | None, data: Any = None) -> VacancyForm:
        firm = own_enterprise(request.user)
        district = vacancy.district if vacancy is not None else page_district(request)
        initial = VacancyForm.initial_for(vacancy) if vacancy is not None and data is None else None
        if vacancy is None and data is None:
            from django.utils import timezone

            initial = {"published_on": timezone.localdate()}
        return VacancyForm(data, district=district, instance=vacancy, fixed_enterprise=firm, initial=initial)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        vacancy = self.instance(request, pk)
        return self._render(request, self._form(request, vacancy), vacancy)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        vacancy = self.instance(request, pk)
        form = self._form(request, vacancy, request.POST)
        status = 422
        if form.is_valid():
            try:
                if vacancy is None:
                    saved = vacancies.create_vacancy(user, **form.service_fields())
                else:
                    saved = vacancies.update_vacancy(
                        user, vacancy.pk, form.expected_version, **form.changed_fields(vacancy)
                    )
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
                status = exc.status if exc.status >= 400 else 422
            else:
                text = _("已发布岗位“%(title)s”") if vacancy is None else _("已保存岗位“%(title)s”")
                return redirect_with_message(request, saved.get_absolute_url(), text % {"title": saved.title})
        return self._render(request, form, vacancy, status=status)

    def _render(
        self, request: HttpRequest, form: VacancyForm, vacancy: Vacancy | None, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "object": vacancy, "title": _("编辑岗位") if vacancy else _("发布岗位")}
        return render(request, "employment/vacancies/form.html", context, status=status)


class VacancyCloseView(ScopedView):
    """招满 / 关闭 / 重新开放 a vacancy (POST)."""

    model = Vacancy
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from tiaodu.core.concurrency import parse_version

        user = current_user(request)
        form = CloseForm(request.POST)
        vacancy = get_scoped(Vacancy, user, "view", pk=pk)
        if not form.is_valid():
            return redirect_with_message(request, vacancy.get_absolute_url(), _("请选择岗位状态"))
        try:
            saved = vacancies.close_vacancy(
                user,
                vacancy.pk,
                form.cleaned_data["status"],
                version=parse_version(request.POST.get("version")),
            )
        except ServiceError as exc:
            if exc.status in (403, 404) and not exc.errors:
                raise
            return redirect_with_message(request, vacancy.get_absolute_url(), exc.message)
        text = _("岗位状态已改为“%(status)s”") % {"status": saved.get_status_display()}
        return redirect_with_message(request, saved.get_absolute_url(), text)


# --- labour needs into vacancies ------------------------------------------------------------------------


def _labour_needs(user: Any) -> Any:
    from tiaodu.enterprises.choices import NeedKind
    from tiaodu.enterprises.models import Need

    return (
        Need.objects.restrict(user)
        .filter(kind=NeedKind.LABOUR)
        .select_related("enterprise__township")
        .annotate(converted=Coalesce(Sum("vacancies__headcount"), 0))
        .order_by("-raised_on", "-pk")
    )


class NeedListView(ScopedView):
    """The labour needs of the enterprise service the user sees, with what is already a vacancy."""

    model = Vacancy
    action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        needs = _labour_needs(user)
        if request.GET.get("pending") == "1":
            needs = needs.filter(Q(people__isnull=True) | Q(converted__lt=F("people")))
        page = Paginator(needs, PAGE).get_page(request.GET.get("page"))
        context = {"title": _("企业用工需求"), "page": page, "pending": request.GET.get("pending") == "1"}
        return render(request, "employment/vacancies/needs.html", context)


class NeedConvertView(ScopedView):
    """A labour need into vacancies: the need's job types and people prefill the rows."""

    model = Vacancy
    action = "add"

    def _need(self, request: HttpRequest, pk: int) -> Any:
        from tiaodu.enterprises.models import Need

        return get_scoped(Need, current_user(request), "view", pk=pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        need = self._need(request, pk)
        rows = vacancies.prefill_rows(need)
        for row in rows:
            row.pop("published_on", None)
        formset = NeedRowFormSet(initial=rows, prefix="v")
        form = NeedConvertForm(initial={"published_on": need.raised_on})
        return self._render(request, need, form, formset)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        need = self._need(request, pk)
        form = NeedConvertForm(request.POST)
        formset = NeedRowFormSet(request.POST, prefix="v")
        if form.is_valid() and formset.is_valid():
            indexed = [(i, f.row()) for i, f in enumerate(formset.forms)]
            given = [(i, r) for i, r in indexed if r is not None]
            for _i, row in given:
                row["published_on"] = form.cleaned_data["published_on"]
            try:
                made = vacancies.vacancies_from_need(user, need, [r for _i, r in given])
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                self._errors(exc, form, formset, [i for i, _r in given])
            else:
                text = _("已将用工需求转为%(n)s个岗位") % {"n": len(made)}
                return redirect_with_message(
                    request, reverse("employment:vacancy-list") + f"?enterprise={need.enterprise_id}", text
                )
        return self._render(request, need, form, formset, status=422)

    @staticmethod
    def _errors(exc: ServiceError, form: Any, formset: Any, positions: list[int]) -> None:
        import re

        placed = False
        for err in exc.errors:
            match = re.fullmatch(r"rows\[(\d+)\]\.(\w+)", err.field)
            if match and int(match.group(1)) < len(positions):
                target = formset.forms[positions[int(match.group(1))]]
                name = match.group(2)
                target.add_error(name if name in target.fields else None, err.message)
                placed = True
            elif err.field == "published_on":
                form.add_error("published_on", err.message)
                placed = True
        if not placed:
            form.add_error(None, exc.errors[0].message if exc.errors else exc.message)

    def _render(
        self, request: HttpRequest, need: Any, form: Any, formset: Any, status: int = 200
    ) -> HttpResponse:
        context = {
            "title": _("用工需求转为岗位"),
            "need": need,
            "form": form,
            "formset": formset,
            "converted": vacancies.converted_headcount(need),
            "may_add": can(request.user, "add", Vacancy),
        }
        return render(request, "employment/vacancies/need_convert.html", context, status=status)
