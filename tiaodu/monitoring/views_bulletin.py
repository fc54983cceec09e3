"""The monthly bulletin (月通报) on the web: preview and download as docx, PDF, xlsx or text.

``GET /monitoring/bulletin/?region=&period=[&index=]`` shows the form (the county units of the user's city,
the periods that have figures, optionally an index computed here to state beside the city's
published one), the text, the notes, the charts (SVG images, drawn on the server:
no script, no CDN) and the tables. ``GET /monitoring/bulletin/download/?region=&period=&format=``
returns the file at once. The page's download buttons ``POST`` the same parameters to that URL
instead, which starts a background job (``tiaodu.core.file_jobs``, ADR 0034) and redirects to its
page: a progress bar while the worker draws the charts and renders the file, then the download
(also listed under 我的导出). The job's producer, :func:`produce_bulletin`, runs the same form
check, ``build_bulletin`` and ``render`` as the synchronous download, as the user who asked.
All read the figures within the signed-in user's scope
(:func:`tiaodu.monitoring.bulletin.build_bulletin` with ``user``), so the page, the files and
``tiaodu bulletin`` agree. Government roles only (``IndicatorValue.scope``): enterprise and
project-owner users get 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tiaodu.core.errors import Forbidden, ServiceError
from tiaodu.core.forms import StyledForm
from tiaodu.core.http import current_user
from tiaodu.core.officialdoc.profiles import export_options
from tiaodu.core.permissions import can
from tiaodu.core.views import ScopedView, apply_service_error
from tiaodu.monitoring.bulletin import Bulletin, build_bulletin, county_units, periods_with_data
from tiaodu.monitoring.bulletin_render import CONTENT_TYPES, EXTENSIONS, FORMATS, content_disposition
from tiaodu.monitoring.bulletin_render import render as render_bulletin
from tiaodu.monitoring.models import IndicatorValue
from tiaodu.monitoring.periods import parse_period
from tiaodu.monitoring.services import ranking_parent
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.core.file_jobs import Output
    from tiaodu.core.jobs import ProgressFile
    from tiaodu.core.models import Job

TEMPLATE = "monitoring/bulletin.html"
FORMAT_LABELS = {"docx": "Word", "pdf": "PDF", "xlsx": "Excel", "text": _("文本")}
BULLETIN_STEPS = 2  # the figures, then the file (charts included)


def home_county(user: Any) -> Region | None:
    """The county unit a user's bulletin defaults to: their own district (a township user's
    district), else the platform's home region."""
    region = user.region
    while region is not None and region.level > Level.COUNTY:
        region = region.parent
    if region is not None and region.level == Level.COUNTY:
        return region  # type: ignore[no-any-return]
    return Region.objects.filter(code=settings.HOME_REGION_CODE).first()


def region_choices(user: Any) -> list[tuple[str, str]]:
    """The county units of the user's city (every government role reads their published figures)."""
    county = home_county(user)
    city = ranking_parent(county) if county is not None else None
    if city is None:
        return []
    return [(u.code, u.name) for u in county_units(city)]


def period_choices(user: Any, requested: str) -> list[tuple[str, str]]:
    """The periods with county-unit figures, newest first, and the requested one (normalised to
    its key) even without data, so that the service can say why there is no bulletin."""
    choices = [(p.key, p.label) for p in periods_with_data(user)]
    if requested and requested not in {key for key, _label in choices}:
        choices.append((requested, requested))
    return choices


def normalise_period(raw: str) -> str:
    try:
        return parse_period(raw).key
    except ServiceError:
        return raw


def index_choices(user: Any) -> list[tuple[str, Any]]:
    """The indices computed here that compare the county units of the user's city (the city's
    published index is already a clause of its own)."""
    from tiaodu.monitoring.models import CompositeIndex

    county = home_county(user)
    city = ranking_parent(county) if county is not None else None
    if city is None:
        return []
    indices = CompositeIndex.objects.restrict(user).filter(indicator__isnull=True).order_by("code")
    return [("", _("不列入"))] + [
        (i.code, i.name) for i in indices if str(i.spec.get("compare")) == city.code
    ]


class BulletinForm(StyledForm):
    region = forms.ChoiceField(label=_("地区"))
    period = forms.ChoiceField(label=_("期别"))
    index = forms.ChoiceField(label=_("测算指数"), required=False)

    def __init__(self, *args: Any, user: Any, requested_period: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user)  # type: ignore[attr-defined]
        self.fields["period"].choices = period_choices(user, requested_period)  # type: ignore[attr-defined]
        indices = index_choices(user)
        if len(indices) > 1:
            self.fields["index"].choices = indices  # type: ignore[attr-defined]
        else:
            del self.fields["index"]


def _params(data: QueryDict, user: Any) -> dict[str, str]:
    params = {
        k: str(v).strip() for k, v in data.items() if k in ("region", "period", "index") and str(v).strip()
    }
    if "region" not in params:
        county = home_county(user)
        if county is not None:
            params["region"] = county.code
    if "period" in params:
        params["period"] = normalise_period(params["period"])
    else:
        latest = periods_with_data(user)
        if latest:
            params["period"] = latest[0].key
    return params


def _bulletin(request: HttpRequest) -> tuple[BulletinForm, Bulletin | None, dict[str, str]]:
    user = current_user(request)
    params = _params(request.GET, user)
    form = BulletinForm(params, user=user, requested_period=params.get("period", ""))
    bulletin = None
    if form.is_valid():
        try:
            bulletin = _build(form, user)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            apply_service_error(form, exc)
    return form, bulletin, params


def _build(form: BulletinForm, user: Any) -> Bulletin:
    index = form.cleaned_data.get("index")
    return build_bulletin(
        form.cleaned_data["region"],
        form.cleaned_data["period"],
        user=user,
        indices=[index] if index else (),
    )


def _page(
    request: HttpRequest,
    form: BulletinForm,
    bulletin: Bulletin | None,
    params: dict[str, str],
    status: int | None = None,
    parts: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page; ``parts``: the bulletin with its tables and charts as the page shows them
    (:mod:`tiaodu.monitoring.bulletin_page`), when already made."""
    from tiaodu.monitoring.bulletin_page import page_parts

    context: dict[str, Any] = {
        "title": _("月通报"),
        "form": form,
        "bulletin": bulletin,
        "index": params.get("index", ""),
    }
    if parts is not None:
        context |= parts
    elif bulletin is not None:
        context |= page_parts(bulletin, params)
    # 422 for what the user asked; opening the page with nothing to report yet is not an error
    refused = bool(request.GET) and form.is_bound and not form.is_valid()
    return render(request, TEMPLATE, context, status=status or (422 if refused else 200))


class BulletinView(ScopedView):
    """GET ?region=&period= — the bulletin of a county unit for a period. The bulletin, its
    tables and charts come from the cache while the monitoring data is unchanged
    (:mod:`tiaodu.monitoring.cache`: keyed by region, period, index, scope and data version)."""

    model = IndicatorValue

    def get(self, request: HttpRequest) -> HttpResponse:
        from tiaodu.monitoring.bulletin_page import cached_parts

        user = current_user(request)
        params = _params(request.GET, user)
        form = BulletinForm(params, user=user, requested_period=params.get("period", ""))
        parts = None
        if form.is_valid():
            try:
                parts = cached_parts(lambda: _build(form, user), user, form.cleaned_data, params)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
        bulletin = parts["bulletin"] if parts is not None else None
        return _page(request, form, bulletin, params, parts=parts)


class BulletinDownloadView(ScopedView):
    """GET ?region=&period=&format=docx|pdf|xlsx|text — the bulletin as a file, at once;
    POST the same fields — the bulletin as a background job (303 to the job's page)."""

    model = IndicatorValue

    def get(self, request: HttpRequest) -> HttpResponse:
        fmt = request.GET.get("format", "docx")
        form, bulletin, params = _bulletin(request)
        if bulletin is not None:
            try:
                # Word and PDF are official documents: ?number= (发文字号序号) and ?signed_on= (成文日期)
                content = render_bulletin(bulletin, fmt, export_options(request.GET))
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_error(None, exc.message)
            else:
                response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
                response["Content-Disposition"] = content_disposition(bulletin, fmt)
                return response
        return _page(request, form, None, params)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        fmt = request.POST.get("format", "docx")
        params = _params(request.POST, user)
        form = BulletinForm(params, user=user, requested_period=params.get("period", ""))
        if form.is_valid() and fmt not in FORMATS:
            form.add_error(None, gettext("不支持的通报格式“%(format)s”") % {"format": fmt})
        try:
            options = export_options(request.POST)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        if not form.is_valid():
            return _page(request, form, None, params, status=422)
        from tiaodu.core.file_jobs import start_job

        region = dict(form.fields["region"].choices).get(form.cleaned_data["region"], "")  # type: ignore[attr-defined]
        period = dict(form.fields["period"].choices).get(form.cleaned_data["period"], "")  # type: ignore[attr-defined]
        job = start_job(
            "bulletin",
            actor=user,
            title=gettext("%(region)s%(period)s月通报(%(format)s)")
            % {"region": region, "period": period, "format": FORMAT_LABELS[fmt]},
            params={
                "region": form.cleaned_data["region"],
                "period": form.cleaned_data["period"],
                "index": form.cleaned_data.get("index") or "",
                "format": fmt,
            }
            # the official document's 发文字号序号 and 成文日期, when the exporter gave them
            | ({"number": options.number} if options.number else {})
            | ({"signed_on": options.signed_on.isoformat()} if options.signed_on else {}),
            total=BULLETIN_STEPS,
        )
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]), status=303)


def produce_bulletin(job: Job, user: User, progress: ProgressFile) -> Output:
    """The producer of ``bulletin`` jobs (run by the worker as the job's owner): the same check,
    ``build_bulletin`` and ``render`` as :class:`BulletinDownloadView`'s GET."""
    from tiaodu.core.file_jobs import PHASE_BUILD, PHASE_RENDER, Output

    if not can(user, "view", IndicatorValue):
        raise Forbidden(audit="bulletin job")
    params, fmt = job.params, str(job.params.get("format", "docx"))
    data = {k: str(params[k]) for k in ("region", "period", "index") if params.get(k)}
    progress(PHASE_BUILD, 0, BULLETIN_STEPS)
    form = BulletinForm(data, user=user, requested_period=data.get("period", ""))
    if not form.is_valid():
        errors = next(iter(form.errors.values()))
        raise ServiceError("bulletin_params_invalid", str(errors[0]), status=422)
    bulletin = _build(form, user)
    progress(PHASE_RENDER, 1, BULLETIN_STEPS)
    content = render_bulletin(bulletin, fmt, export_options(params))
    progress(PHASE_RENDER, BULLETIN_STEPS, BULLETIN_STEPS)
    return Output(
        content_type=CONTENT_TYPES[fmt],
        file_name=f"{bulletin.title}.{EXTENSIONS[fmt]}",
        chunks=[content],
        rows=BULLETIN_STEPS,
    )
