"""The public phone page of a fair, reached by its QR code (lane D). No login and no personal data:

- ``employment:fair-public`` (``/employment/p/fair/<key>/``): the fair's name, date, place and the
  open vacancies its enterprises brought (title, enterprise, headcount, wage, shift, housing and
  meals, work place), sized for a 360 px wide phone;
- ``employment:fair-public-register`` (``…/register/``): the jobseeker registers themself
  (:func:`fairs.register_at_fair` → :func:`jobseekers.register` with ``via=SELF`` and the fair)
  and, on the fair's day, signed in by QR (before it: registered only; after it the address leads
  back to the fair's page); the answer shows only a confirmation with the masked ID number.

The key is the fair's random ``public_key`` (a UUID): an unknown key is a plain 404, the same for
every address, so fairs cannot be enumerated. Registrations from one client address are limited
(``PUBLIC_REGISTER_LIMIT`` per ``PUBLIC_REGISTER_WINDOW`` seconds, 429 beyond) so that the page
cannot be used to test ID numbers in bulk.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from tiaodu.core.errors import ServiceError
from tiaodu.core.http import client_address
from tiaodu.employment import fairs
from tiaodu.employment.forms_fairs import PublicRegisterForm
from tiaodu.employment.models import EmploymentSettings, JobFair

PUBLIC_REGISTER_LIMIT = 30
PUBLIC_REGISTER_WINDOW = 600  # seconds
# Service fields the public form has (other errors are shown above the form).
FORM_FIELDS = frozenset(PublicRegisterForm.base_fields)


def _fair(key: Any) -> JobFair:
    fair = fairs.fair_by_key(key)
    if fair is None:
        raise Http404
    return fair


def _purpose(fair: JobFair) -> str:
    settings = EmploymentSettings.objects.filter(region=fair.district).first()
    from tiaodu.employment.choices import DEFAULT_CONSENT_PURPOSE

    return settings.consent_purpose if settings is not None else DEFAULT_CONSENT_PURPOSE


def _over_limit(request: HttpRequest) -> bool:
    key = f"employment:public-register:{client_address(request) or 'unknown'}"
    added = cache.add(key, 1, PUBLIC_REGISTER_WINDOW)
    if added:
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, PUBLIC_REGISTER_WINDOW)
        return False
    return count > PUBLIC_REGISTER_LIMIT


class FairPublicView(View):
    def get(self, request: HttpRequest, key: Any) -> HttpResponse:
        fair = _fair(key)
        vacancies = list(fairs.open_vacancies_at(fair))
        context = {
            "fair": fair,
            "vacancies": vacancies,
            "enterprise_count": len({v.enterprise_id for v in vacancies}),
            "positions": sum(v.headcount for v in vacancies),
            "is_past": fair.held_on < timezone.localdate(),
        }
        return render(request, "employment/public/fair.html", context)


class FairPublicRegisterView(View):
    template_name = "employment/public/register.html"

    def get(self, request: HttpRequest, key: Any) -> HttpResponse:
        fair = _fair(key)
        if fair.held_on < timezone.localdate():
            return HttpResponseRedirect(reverse("employment:fair-public", args=[fair.public_key]))
        form = PublicRegisterForm(district=fair.district, purpose=_purpose(fair))
        return self.render_form(request, fair, form)

    def post(self, request: HttpRequest, key: Any) -> HttpResponse:
        fair = _fair(key)
        if fair.held_on < timezone.localdate():
            return HttpResponseRedirect(reverse("employment:fair-public", args=[fair.public_key]))
        form = PublicRegisterForm(request.POST, district=fair.district, purpose=_purpose(fair))
        if _over_limit(request):
            form.is_valid()
            form.add_error(None, _("提交过于频繁,请稍后再试或到登记台办理"))
            return self.render_form(request, fair, form, status=429)
        if form.is_valid():
            data = dict(form.cleaned_data)
            from tiaodu.regions.models import Region

            town = Region.objects.filter(pk=data.pop("township")).first()
            try:
                person, attendance, _created = fairs.register_at_fair(
                    fair,
                    township=town if town is not None else "",
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    village=data.get("village") or "",
                    education=data.get("education") or "",
                    experience=data.get("experience") or "",
                    desired_text=data.get("desired_text") or "",
                    wage_expected=data.get("wage_expected"),
                    needs_dorm=bool(data.get("needs_dorm")),
                    consent=bool(data.get("consent")),
                )
            except ServiceError as exc:
                for err in exc.errors or []:
                    form.add_error(err.field if err.field in FORM_FIELDS else None, err.message)
                if not exc.errors:
                    form.add_error(None, exc.message)
            else:
                context = {"fair": fair, "id_mask": person.id_mask, "attendance": attendance}
                return render(request, "employment/public/registered.html", context)
        return self.render_form(request, fair, form, status=422)

    def render_form(self, request: HttpRequest, fair: JobFair, form: Any, status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"fair": fair, "form": form}, status=status)
