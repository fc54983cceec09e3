"""Pages of the occupation catalogue, market rules, township seats and settings. Lane A.

- employment:occupation-list — the 职业分类大典 catalogue as a tree, searchable (a match shows
  with the codes above it);
- employment:market-list — the district's 赶场 rules per township and a month calendar of
  market days; employment:market-create / employment:market-edit;
- employment:settings — the district's employment departments, retention period, consent text;
- employment:seat-list — township seats (经纬度), editable by the district's keepers.

Every list starts from ``Model.objects.restrict(user)``; writes go through
:mod:`tiaodu.employment.reference`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.core.errors import Forbidden, ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import Action, can, get_scoped
from tiaodu.core.resolve import actor_district
from tiaodu.core.views import ScopedView, apply_service_error, redirect_with_message
from tiaodu.employment import markets, reference
from tiaodu.employment.forms_reference import (
    MarketRuleForm,
    MonthForm,
    OccupationSearchForm,
    SeatForm,
    SettingsForm,
)
from tiaodu.employment.models import EmploymentSettings, MarketRule, Occupation, TownshipSeat
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


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
    return reference.district_of(district)


def may_keep(user: Any, model: type[Any], district: Region, action: Action = "change") -> bool:
    try:
        reference.ensure_keeper(user, action, model, district)
    except Forbidden:
        return False
    return True


# --- the catalogue ---------------------------------------------------------------------------------


class OccupationListView(ScopedView):
    """The catalogue as an indented tree; a search keeps the matches and the codes above them."""

    model = Occupation

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        form = OccupationSearchForm(request.GET or None)
        qs = Occupation.objects.restrict(user).order_by("code")
        matches: set[str] = set()
        q, level = "", None
        if form.is_valid():
            q, level = (form.cleaned_data.get("q") or "").strip(), form.cleaned_data.get("level")
        if q or level:
            found = qs
            if q:
                found = found.filter(Q(code__startswith=q) | Q(name__contains=q) | Q(keywords__contains=q))
            if level:
                found = found.filter(level=level)
            matches = set(found.values_list("code", flat=True))
            wanted = {a for code in matches for a in reference.ancestors(code)}
            qs = qs.filter(code__in=wanted)
        rows = [
            {"occupation": o, "match": o.code in matches, "keywords": reference.split_keywords(o.keywords)}
            for o in qs
        ]
        proposal = reference.propose_occupation(q) if q and not matches else None
        context = {
            "title": _("职业分类"),
            "form": form,
            "rows": rows,
            "searching": bool(q or level),
            "match_count": len(matches),
            "proposal": proposal,
            "tab": "occupations",
        }
        return render(request, "employment/reference/occupations.html", context)


# --- market rules -----------------------------------------------------------------------------------


def _month(request: HttpRequest) -> date:
    raw = request.GET.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-", 1))
        return date(year, month, 1)
    except (TypeError, ValueError):
        today = date.today()
        return today.replace(day=1)


class MarketListView(ScopedView):
    """The district's 赶场 rules per township and the month's market days."""

    model = MarketRule

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        district = page_district(request)
        rules = list(
            MarketRule.objects.restrict(user)
            .filter(district=district)
            .select_related("township")
            .order_by("township__code", "place", "pk")
        )
        month = _month(request)
        towns = {r.township_id: r.township for r in rules}
        weeks = markets.month_calendar(district, month.year, month.month, towns.values())
        previous = (month - timedelta(days=1)).replace(day=1)
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        context = {
            "title": _("赶场规则与赶场日"),
            "district": district,
            "rules": rules,
            "weeks": weeks,
            "weekdays": WEEKDAYS,
            "month": month,
            "month_form": MonthForm(initial={"month": month.strftime("%Y-%m")}),
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m"),
            "may_add": may_keep(user, MarketRule, district, "add"),
            "may_change": may_keep(user, MarketRule, district, "change"),
            "tab": "markets",
        }
        return render(request, "employment/reference/markets.html", context)


class MarketEditView(ScopedView):
    """Add a township's 赶场 rule (no ``pk``) or change one."""

    model = MarketRule

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.action = "add" if kwargs.get("pk") is None else "change"  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)

    def _target(self, request: HttpRequest, pk: int | None) -> tuple[MarketRule | None, Region]:
        user = current_user(request)
        if pk is None:
            district = page_district(request)
            reference.ensure_keeper(user, "add", MarketRule, district)
            return None, district
        rule = get_scoped(MarketRule, user, "change", pk=pk)
        reference.ensure_keeper(user, "change", MarketRule, rule.district)
        return rule, rule.district

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rule, district = self._target(request, pk)
        initial = MarketRuleForm.initial_for(rule) if rule is not None else None
        return self._render(request, MarketRuleForm(initial=initial, district=district), rule, district)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        rule, district = self._target(request, pk)
        form = MarketRuleForm(request.POST, district=district)
        if form.is_valid():
            try:
                saved = reference.save_market_rule(user, pk=pk, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                url = reverse("employment:market-list") + f"?district={saved.district.code}"
                return redirect_with_message(request, url, _("已保存赶场规则:%(rule)s") % {"rule": saved})
        return self._render(request, form, rule, district, status=422)

    def _render(
        self,
        request: HttpRequest,
        form: MarketRuleForm,
        rule: MarketRule | None,
        district: Region,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "title": _("赶场规则"),
            "form": form,
            "object": rule,
            "district": district,
            "back_url": reverse("employment:market-list") + f"?district={district.code}",
            "tab": "markets",
        }
        return render(request, "employment/reference/form.html", context, status=status)


# --- settings ---------------------------------------------------------------------------------------


class SettingsView(ScopedView):
    """The district's employment settings: shown to its users, kept by its departments."""

    model = EmploymentSettings

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        row = self._row(request, district)
        form = SettingsForm(initial=SettingsForm.initial_for(row), district=district)
        return self._render(request, form, row, district)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        district = page_district(request)
        row = self._row(request, district)
        reference.ensure_keeper(user, "change", EmploymentSettings, district)
        form = SettingsForm(request.POST, district=district)
        if form.is_valid():
            try:
                reference.update_settings(user, district, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                url = reverse("employment:settings") + f"?district={district.code}"
                return redirect_with_message(request, url, _("已保存就业服务设置"))
        return self._render(request, form, row, district, status=422)

    def _row(self, request: HttpRequest, district: Region) -> EmploymentSettings:
        row = EmploymentSettings.objects.restrict(request.user).filter(region=district).first()
        if row is None:
            if not EmploymentSettings.objects.filter(region=district).exists() and can(
                request.user, "view", EmploymentSettings
            ):
                made = reference.settings_for(district)
                return get_scoped(EmploymentSettings, request.user, "view", pk=made.pk)
            return get_scoped(EmploymentSettings, request.user, "view", pk=0)  # 404
        return row

    def _render(
        self,
        request: HttpRequest,
        form: SettingsForm,
        row: EmploymentSettings,
        district: Region,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "title": _("就业服务设置"),
            "district": district,
            "form": form,
            "departments": list(row.departments.order_by("name")),
            "object": row,
            "may_change": may_keep(current_user(request), EmploymentSettings, district),
            "tab": "settings",
        }
        return render(request, "employment/reference/settings.html", context, status=status)


# --- township seats ---------------------------------------------------------------------------------


class SeatListView(ScopedView):
    """The district's townships with their seats; keepers set a seat with the form."""

    model = TownshipSeat

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        return self._render(request, SeatForm(district=district), district)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        district = page_district(request)
        reference.ensure_keeper(user, "add", TownshipSeat, district)
        form = SeatForm(request.POST, district=district)
        if form.is_valid():
            try:
                seat = reference.save_seat(user, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                url = reverse("employment:seat-list") + f"?district={district.code}"
                return redirect_with_message(
                    request, url, _("已保存%(town)s驻地") % {"town": seat.township.name}
                )
        return self._render(request, form, district, status=422)

    def _render(
        self, request: HttpRequest, form: SeatForm, district: Region, status: int = 200
    ) -> HttpResponse:
        user = current_user(request)
        seats = {s.township_id: s for s in TownshipSeat.objects.restrict(user).filter(district=district)}
        towns = Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP).order_by("code")
        context = {
            "title": _("镇街驻地"),
            "district": district,
            "rows": [{"township": t, "seat": seats.get(t.pk)} for t in towns],
            "form": form,
            "may_change": may_keep(user, TownshipSeat, district, "add"),
            "tab": "seats",
        }
        return render(request, "employment/reference/seats.html", context, status=status)
