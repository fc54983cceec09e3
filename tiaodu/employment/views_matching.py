"""Matching pages. Lane F.

- employment:matching-jobseeker (pk): the open vacancies ranked for a jobseeker, each with its
  reasons and points; the jobseeker through the user's scope (``get_scoped``), shown masked;
  enterprises are refused.
- employment:matching-vacancy (pk): the candidates ranked for a vacancy, masked (姓名 and ID
  number); staff only (employment departments and towns, within the jobseekers they may view):
  enterprises never see candidates who have not applied to or met them.

``?top=N`` (1–50, default 10), ``?on=YYYY-MM-DD`` (the day the vacancies must be open on).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import ScopedView
from tiaodu.employment import matching
from tiaodu.employment.models import Jobseeker, Vacancy

MAX_TOP = 50


def page_options(request: HttpRequest) -> tuple[int, date | None]:
    try:
        top = max(1, min(int(request.GET.get("top") or 10), MAX_TOP))
    except ValueError:
        top = 10
    try:
        on = date.fromisoformat(request.GET["on"]) if request.GET.get("on") else None
    except ValueError:
        on = None
    return top, on


class JobseekerMatchView(ScopedView):
    model = Jobseeker

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        seeker = get_scoped(Jobseeker, user, "view", pk=pk)
        top, on = page_options(request)
        matches = matching.ranked_vacancies(user, seeker, top=top, on=on)
        context: dict[str, Any] = {
            "title": _("岗位推荐:%(name)s") % {"name": seeker.masked_name},
            "seeker": seeker,
            "matches": matches,
            "top": top,
            "on": on,
        }
        return render(request, "employment/matching/jobseeker.html", context)


class VacancyMatchView(ScopedView):
    model = Vacancy

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        vacancy = get_scoped(Vacancy, user, "view", pk=pk)
        top, on = page_options(request)
        matches = matching.ranked_candidates(user, vacancy, top=top, on=on)
        context: dict[str, Any] = {
            "title": _("推荐求职者:%(title)s") % {"title": vacancy.title},
            "vacancy": vacancy,
            "matches": matches,
            "top": top,
            "on": on,
        }
        return render(request, "employment/matching/vacancy.html", context)
