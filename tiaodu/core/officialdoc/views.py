"""公文发文设置: the issuing profiles of the user's district, one per report kind (ADR 0039).

``GET /documents/profiles/`` lists every kind with the profile in force (the district's row or
the defaults derived from the region); ``?kind=`` opens its form, which administrators save with
``POST``. Every government role of the district reads the page; only administrators change it.
Mounted by ``tiaodu.core.officialdoc.urls`` (namespace ``officialdoc``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.template import engines
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core.errors import ServiceError
from tiaodu.core.forms import StyledForm
from tiaodu.core.http import current_user
from tiaodu.core.models import DocumentKind, IssuingProfile
from tiaodu.core.officialdoc.profiles import Profile, district_of, issuing_profile, save_profile
from tiaodu.core.permissions import can
from tiaodu.core.views import ScopedView, apply_service_error, redirect_with_message

TEMPLATE = Path(__file__).resolve().parent / "templates" / "profiles.html"


@lru_cache(maxsize=1)
def _template() -> Any:
    # the template lives beside the module (officialdoc is no app of its own)
    return engines["django"].from_string(TEMPLATE.read_text(encoding="utf-8"))


class ProfileForm(StyledForm):
    issuer = forms.CharField(
        label=_("发文机关"), max_length=64, help_text=_("全称,例如:重庆市潼南区经济和信息化委员会")
    )
    mark = forms.CharField(
        label=_("发文机关标志"), max_length=64, help_text=_("例如:重庆市潼南区经济和信息化委员会文件")
    )
    number_prefix = forms.CharField(
        label=_("发文字号机关代字"),
        max_length=16,
        required=False,
        help_text=_("例如:潼经信;空则不标发文字号"),
    )
    addressee = forms.CharField(label=_("主送机关"), max_length=255, required=False)
    cc = forms.CharField(
        label=_("抄送机关"), required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=_("每行一个")
    )
    printer = forms.CharField(
        label=_("印发机关"), max_length=64, required=False, help_text=_("空则为发文机关办公室")
    )

    @staticmethod
    def initial_for(profile: Profile) -> dict[str, str]:
        return {
            "issuer": profile.issuer,
            "mark": profile.mark,
            "number_prefix": profile.number_prefix,
            "addressee": profile.addressee,
            "cc": "\n".join(profile.cc),
            "printer": profile.printer,
        }


class IssuingProfileView(ScopedView):
    model = IssuingProfile

    def get(self, request: HttpRequest) -> HttpResponse:
        kind = self._kind(request.GET.get("kind", ""))
        district = self._district(request)
        form = ProfileForm(initial=ProfileForm.initial_for(issuing_profile(kind, district))) if kind else None
        return self._render(request, district, kind, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        kind = self._kind(request.POST.get("kind", ""))
        district = self._district(request)
        if not kind:
            raise Http404
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                save_profile(current_user(request), district, kind, **form.cleaned_data)
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                url = reverse("officialdoc:profiles")
                return redirect_with_message(request, url, str(_("已保存公文发文设置")))
        return self._render(request, district, kind, form, status=422)

    @staticmethod
    def _kind(raw: str) -> str:
        if raw and raw not in DocumentKind.values:
            raise Http404
        return raw

    @staticmethod
    def _district(request: HttpRequest) -> Any:
        district = district_of(getattr(current_user(request), "region", None))
        if district is None:
            raise Http404
        return district

    def _render(
        self, request: HttpRequest, district: Any, kind: str, form: ProfileForm | None, status: int = 200
    ) -> HttpResponse:
        user = current_user(request)
        saved = set(
            IssuingProfile.objects.restrict(user).filter(region=district).values_list("kind", flat=True)
        )
        rows = [
            {
                "kind": value,
                "label": label,
                "profile": issuing_profile(value, district),
                "saved": value in saved,
            }
            for value, label in DocumentKind.choices
        ]
        context = {
            "title": _("公文发文设置"),
            "district": district,
            "rows": rows,
            "kind": kind,
            "kind_label": dict(DocumentKind.choices).get(kind, ""),
            "form": form,
            "may_change": can(user, "change", IssuingProfile),
        }
        return HttpResponse(_template().render(context, request), status=status)
