"""Issue 13, "done when": the probe's matrix is a test — every role × every object × HTML, API,
export, map and report, with 0 leaks.

The world (:mod:`tiaodu.core.tests.probe_support`): 潼南区 and 大渡口区 of the demo plus 万州区, three
districts sharing department and township names, one user of every role in each. What a user may
see is what ``Model.objects.restrict(user, "view")`` gives (the scope of ADR 0003); independently of
that, no user but the administrator may see anything of another district (:func:`scope_sanity`).

A leak is
- an object the user may not see that appears in a list (HTML or API), an export (CSV, xlsx), the
  project map, the choropleth or a report;
- a detail (HTML or API) of such an object answering anything but 404 (or a redirect to login; 403
  only where the role may not do the page's action at all), or answering otherwise than for an
  object that does not exist (an oracle: status and body compared);
- a figure computed over objects outside the user's scope (a round's totals, its alert count);
- any 5xx; an export that is not a file.

Run against the tree before the fixes of L2, L3 and the oracles (8af1b89^), the matrix reports
them: dispatch and reporting totals for town, squad, owner and enterprise users, 500 for a dispatch
report or reporting slot outside the round, the project report naming an event the user cannot
open.

The world is built once per module; each test collects every leak into a list and asserts at the
end, printing a readable report. Findings still being fixed are allowed in ``KNOWN_OPEN_FINDINGS``
(with the issue's finding id) until their fix lands.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import models, transaction
from django.http import HttpResponse
from django.test import Client
from openpyxl import load_workbook

from tiaodu.accounts.models import User
from tiaodu.cases.models import Case
from tiaodu.core.permissions import Action, can
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.core.tests.probe_support import INVESTMENT_SECRETS, World, build_world
from tiaodu.dispatch.models import DispatchReport, DispatchRound
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.events.models import CollectiveEvent
from tiaodu.investment.models import InvestmentProject
from tiaodu.monitoring.models import IndexValue, IndicatorValue
from tiaodu.orgs.models import Organization
from tiaodu.projects.filters import FIVE_LISTS
from tiaodu.projects.models import Project
from tiaodu.regions.choices import Level
from tiaodu.reporting.models import OutputAlert, ReportingRound, ReportSlot
from tiaodu.safety.models import Accident, EnforcementDocument, Hazard, Inspection, InspectionPlan, Unit
from tiaodu.targets.models import Target

# Findings of issue 13 that other changes are fixing right now: (finding id, leak kind, model
# label, URL prefix). A leak matching one is printed but does not fail the test. Empty this list
# as the fixes land (the test prints the entries nothing matched any more).
KNOWN_OPEN_FINDINGS: list[tuple[str, str, str, str]] = []

MISSING_PK = 2_000_000_000  # no object has it


# --- The world, built once ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@dataclass(frozen=True)
class Leak:
    kind: str  # detail, oracle, list, export, map, report, aggregate, scope, error
    user: str  # the world's label, e.g. "500101/town"
    model: str
    pk: Any
    url: str
    detail: str = ""

    def __str__(self) -> str:
        return f"[{self.kind}] {self.user} {self.model}#{self.pk} {self.url} {self.detail}".rstrip()


def known(leak: Leak) -> str | None:
    for finding, kind, model, surface in KNOWN_OPEN_FINDINGS:
        if leak.kind == kind and leak.model == model and leak.url.startswith(surface):
            return finding
    return None


def verdict(leaks: list[Leak]) -> None:
    """Fail with a readable report of the leaks no open finding explains (and of stale entries)."""
    unexplained = [leak for leak in leaks if known(leak) is None]
    used = {finding for leak in leaks if (finding := known(leak)) is not None}
    lines = [str(leak) for leak in unexplained[:200]]
    if len(unexplained) > 200:
        lines.append(f"… and {len(unexplained) - 200} more")
    explained = len(leaks) - len(unexplained)
    if explained:
        print(f"{explained} leaks of open findings {sorted(used)}")
    stale = sorted({f for f, *_ in KNOWN_OPEN_FINDINGS} - used)
    if stale:
        print(f"KNOWN_OPEN_FINDINGS matched nothing here: {stale}")
    assert not unexplained, f"{len(unexplained)} leaks:\n" + "\n".join(lines)


# --- What each user may see ---------------------------------------------------------------------


def label(model: type[models.Model]) -> str:
    return model._meta.label


def visible(user: User, model: type[models.Model]) -> set[Any]:
    return set(model.objects.restrict(user, "view").values_list("pk", flat=True))  # type: ignore[attr-defined]


DISTRICT_OF: dict[type[models.Model], str] = {
    # ORM path to a region whose code starts with the district's code.
    Organization: "region__code",
    User: "region__code",
    Enterprise: "township__code",
    Visit: "enterprise__township__code",
    Case: "region__code",
    Project: "township__code",
    DispatchRound: "district__code",
    DispatchReport: "project__township__code",
    CollectiveEvent: "region__code",
    IndicatorValue: "region__code",
    IndexValue: "region__code",
    ReportingRound: "district__code",
    ReportSlot: "region__code",
    OutputAlert: "district__code",
    Target: "region__code",
    Need: "enterprise__township__code",
    ServiceRecord: "enterprise__township__code",
    InvestmentProject: "region__code",
    Unit: "district__code",
    Inspection: "district__code",
    Hazard: "district__code",
    EnforcementDocument: "district__code",
    Accident: "district__code",
    InspectionPlan: "region__code",
}


def scope_sanity(label_: str, user: User, model: type[models.Model], seen: set[Any]) -> list[Leak]:
    """Independently of the scope definitions: nobody but the administrator sees rows of another
    district, and an enterprise user sees one enterprise."""
    if user.role == "admin" or user.region is None:
        return []
    district = user.region.code[:6]
    path = DISTRICT_OF[model]
    outside = model._base_manager.filter(pk__in=seen).exclude(**{f"{path}__startswith": district})
    if model in (IndicatorValue, IndexValue):
        # Figures of county units and above are published statistics every county is ranked by
        # (ADR 0021): every government role reads them.
        outside = outside.exclude(region__level__lte=Level.COUNTY)
    leaks = [
        Leak("scope", label_, label(model), pk, "restrict()", f"of region {code}")
        for pk, code in outside.values_list("pk", path)
        # Government organisations above the district (the city) are public knowledge.
        if not (model is Organization and code is not None and len(code) < 6)
    ]
    if user.role == "enterprise" and model is Enterprise and len(seen) > 1:
        leaks.append(
            Leak("scope", label_, label(model), sorted(seen), "restrict()", "more than one enterprise")
        )
    return leaks


# --- Surfaces -------------------------------------------------------------------------------------


@dataclass
class Surface:
    model: type[models.Model]
    html_detail: Callable[[Any], str] | None
    api_detail: Callable[[Any], str] | None
    html_list: str | None
    api_list: str | None
    ident: Callable[[Any], str | None] | None = None  # what names the object in an export
    html_link: str | None = None  # regex of the detail link in the HTML list (group 1: pk)
    html_action: Action = "view"  # what the HTML detail page is for (a fill-in form: "change")
    only: str = ""  # a further view of a list checked above: for this district's users only


SURFACES = [
    Surface(Organization, lambda o: f"/orgs/{o.pk}/", lambda o: f"/api/v1/organizations/{o.pk}",
            "/orgs/", "/api/v1/organizations", lambda o: o.code or None, r'href="/orgs/(\d+)/"'),
    Surface(User, lambda o: f"/accounts/users/{o.pk}/", lambda o: f"/api/v1/users/{o.pk}",
            "/accounts/users/", "/api/v1/users", lambda o: o.username, r'href="/accounts/users/(\d+)/"'),
    Surface(Enterprise, lambda o: f"/enterprises/{o.pk}/", lambda o: f"/api/v1/enterprises/{o.pk}",
            "/enterprises/", "/api/v1/enterprises", lambda o: o.credit_code, r'href="/enterprises/(\d+)/"'),
    Surface(Visit, None, lambda o: f"/api/v1/enterprises/visits/{o.pk}", None, "/api/v1/enterprises/visits"),
    Surface(Case, lambda o: f"/cases/{o.pk}/", lambda o: f"/api/v1/cases/{o.pk}",
            "/cases/", "/api/v1/cases", lambda o: o.number, r'href="/cases/(\d+)/"'),
    Surface(Project, lambda o: f"/projects/{o.pk}/", lambda o: f"/api/v1/projects/{o.pk}",
            "/projects/", "/api/v1/projects", lambda o: o.code or None, r'href="/projects/(\d+)/"'),
    Surface(DispatchRound, lambda o: f"/dispatch/{o.pk}/", lambda o: f"/api/v1/dispatch/rounds/{o.pk}",
            "/dispatch/", "/api/v1/dispatch/rounds", lambda o: o.period_label, r'href="/dispatch/(\d+)/"'),
    Surface(DispatchReport, lambda o: f"/dispatch/{o.round_id}/report/{o.project_id}/", None, None, None,
            html_action="change"),
    Surface(CollectiveEvent, lambda o: f"/events/{o.pk}/", lambda o: f"/api/v1/events/{o.pk}",
            "/events/", "/api/v1/events", lambda o: o.name, r'href="/events/(\d+)/"'),
    Surface(IndicatorValue, lambda o: f"/monitoring/figures/{o.pk}/", None,
            "/monitoring/figures/", None, None, r'href="/monitoring/figures/(\d+)/"'),
    Surface(ReportingRound, lambda o: f"/reporting/{o.pk}/", lambda o: f"/api/v1/reporting/rounds/{o.pk}",
            "/reporting/", "/api/v1/reporting/rounds", lambda o: o.title, r'href="/reporting/(\d+)/"'),
    Surface(ReportSlot, lambda o: f"/reporting/{o.round_id}/slots/{o.pk}/", None, None, None,
            html_action="change"),
    Surface(OutputAlert, lambda o: f"/reporting/alerts/{o.pk}/", lambda o: f"/api/v1/reporting/alerts/{o.pk}",
            "/reporting/alerts/", "/api/v1/reporting/alerts", None, r'href="/reporting/alerts/(\d+)/"'),
    Surface(Target, lambda o: f"/targets/{o.pk}/", lambda o: f"/api/v1/targets/{o.pk}",
            "/targets/", "/api/v1/targets", None, r'href="/targets/(\d+)/"'),
    Surface(InvestmentProject, lambda o: f"/investment/{o.pk}/", lambda o: f"/api/v1/investment/projects/{o.pk}",
            "/investment/", "/api/v1/investment/projects", lambda o: o.name, r'href="/investment/(\d+)/"'),
    # Work safety (issue 15). Unit names are shared by the three districts: a unit is named in an
    # export by its credit code only.
    Surface(Unit, lambda o: f"/safety/units/{o.pk}/", lambda o: f"/api/v1/safety/units/{o.pk}",
            "/safety/units/", "/api/v1/safety/units", lambda o: o.credit_code or None,
            r'href="/safety/units/(\d+)/"'),
    Surface(Inspection, lambda o: f"/safety/inspections/{o.pk}/", lambda o: f"/api/v1/safety/inspections/{o.pk}",
            "/safety/inspections/", "/api/v1/safety/inspections", lambda o: o.number,
            r'href="/safety/inspections/(\d+)/"'),
    Surface(Hazard, lambda o: f"/safety/hazards/{o.pk}/", lambda o: f"/api/v1/safety/hazards/{o.pk}",
            "/safety/hazards/", "/api/v1/safety/hazards", lambda o: o.description,
            r'href="/safety/hazards/(\d+)/"'),
    Surface(EnforcementDocument, lambda o: f"/safety/enforcement/documents/{o.pk}/",
            lambda o: f"/api/v1/safety/documents/{o.pk}", "/safety/enforcement/documents/",
            "/api/v1/safety/documents", lambda o: o.number, r'href="/safety/enforcement/documents/(\d+)/"'),
    Surface(Accident, lambda o: f"/safety/enforcement/accidents/{o.pk}/",
            lambda o: f"/api/v1/safety/accidents/{o.pk}", "/safety/enforcement/accidents/",
            "/api/v1/safety/accidents", lambda o: o.summary, r'href="/safety/enforcement/accidents/(\d+)/"'),
    Surface(InspectionPlan, lambda o: f"/safety/planning/plans/{o.pk}/", lambda o: f"/api/v1/safety/plans/{o.pk}",
            "/safety/planning/plans/", "/api/v1/safety/plans", lambda o: o.name,
            r'href="/safety/planning/plans/(\d+)/"'),
    # The pages hanging off an object: its change history, its dispatch reports, its appeals.
    Surface(Organization, lambda o: f"/orgs/{o.pk}/changes/", lambda o: f"/api/v1/organizations/{o.pk}/changes",
            None, None),
    Surface(User, lambda o: f"/accounts/users/{o.pk}/changes/", None, None, None),
    Surface(Enterprise, lambda o: f"/enterprises/{o.pk}/changes/", lambda o: f"/api/v1/enterprises/{o.pk}/appeals",
            None, None),
    Surface(Case, lambda o: f"/cases/{o.pk}/changes/", None, None, None),
    Surface(Project, lambda o: f"/projects/{o.pk}/changes/", None, None, None),
    Surface(Project, lambda o: f"/dispatch/project/{o.pk}/", None, None, None),
    Surface(Target, lambda o: f"/targets/{o.pk}/changes/", None, None, None),
    Surface(InvestmentProject, lambda o: f"/investment/{o.pk}/edit/", None, None, None, html_action="change"),
    Surface(InvestmentProject, None, lambda o: f"/api/v1/investment/projects/{o.pk}/follow-ups", None, None),
    Surface(InvestmentProject, None, lambda o: f"/api/v1/investment/projects/{o.pk}/funds", None, None),
    Surface(EnforcementDocument, lambda o: f"/safety/enforcement/documents/{o.pk}/changes/", None, None, None),
    Surface(Accident, lambda o: f"/safety/enforcement/accidents/{o.pk}/changes/", None, None, None),
    # Further lists of the same objects.
    Surface(Need, None, None, None, "/api/v1/enterprises/needs"),
    Surface(ServiceRecord, None, None, None, "/api/v1/enterprises/services"),
    Surface(IndicatorValue, None, None, None, "/api/v1/monitoring/figures", only=TONGNAN),  # thousands
    Surface(Case, None, None, "/cases/inbox/", None, None, r'href="/cases/(\d+)/"', only=TONGNAN),
    Surface(Case, None, None, "/cases/board/", None, None, r'href="/cases/(\d+)/"', only=TONGNAN),
    Surface(InvestmentProject, None, None, "/investment/board/", None, None, r'href="/investment/(\d+)/"'),
    Surface(Hazard, None, None, "/safety/hazards/overdue/", None, None, r'href="/safety/hazards/(\d+)/"'),
    *(
        Surface(Project, None, None, f"/projects/lists/{name}/", None, lambda o: o.code or None,
                r'href="/projects/(\d+)/"', only=TONGNAN)
        for name in FIVE_LISTS
    ),
]  # fmt: skip


def clients(world: World) -> dict[str, Client]:
    made = {}
    for key, user in world.users.items():
        c = Client(raise_request_exception=False)
        c.force_login(user)
        made[key] = c
    return made


def samples(world: World, model: type[models.Model], seen: dict[str, set[Any]]) -> list[Any]:
    """The objects whose details are requested: for every user the first it may see, the first of
    every district, and everything made for 万州区 (a detail per user and object would be slow)."""
    pks: set[Any] = set()
    for pks_seen in seen.values():
        if pks_seen:
            pks.add(min(pks_seen))
    path = DISTRICT_OF[model]
    for code in ("500152", "500104", "500101"):
        first = model._base_manager.filter(**{f"{path}__startswith": code}).order_by("pk").first()
        if first is not None:
            pks.add(first.pk)
    for value in world.made.values():
        for obj in value if isinstance(value, list | tuple) else [value]:
            if isinstance(obj, model):
                pks.add(obj.pk)
    return list(model._base_manager.filter(pk__in=pks).order_by("pk"))


NORMALISE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r'"X-CSRFToken": "[^"]*"'), '"X-CSRFToken": ""'),
    (re.compile(r'name="next" value="[^"]*"'), 'name="next"'),
]


def body_of(response: Any, url: str) -> str:
    text = response.content.decode("utf-8", "replace").replace(url, "URL")
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return text


def missing_url(url: str, pk: Any) -> str:
    """The same URL with a primary key no object has."""
    return re.sub(rf"/{pk}(/|$)", rf"/{MISSING_PK}\1", url, count=1)


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response.get("Location", "")


# --- The matrix ---------------------------------------------------------------------------------


def api_ids(c: Client, url: str) -> tuple[set[Any], int | None]:
    ids: set[Any] = set()
    page = 1
    while True:
        r = c.get(url, {"page": page, "page_size": 200})
        if r.status_code != 200:
            return ids, r.status_code
        data = r.json()
        ids |= {row["id"] for row in data["results"]}
        if page * 200 >= data["count"]:
            return ids, None
        page += 1


def html_ids(c: Client, url: str, link: str) -> tuple[set[Any], int | None]:
    """The objects linked from the first page of the HTML list (the API list and the export, which
    start from the same queryset, are read whole)."""
    r = c.get(url, {"per_page": 200})
    if r.status_code != 200:
        return set(), r.status_code
    return {int(pk) for pk in re.findall(link, r.content.decode())}, None


def export_cells(c: Client, url: str, kind: str) -> tuple[set[str], int | None]:
    """The cells of the list's export (a cell may be neutralised with a leading apostrophe)."""
    r = c.get(url, {"export": kind})
    if r.status_code != 200:
        return set(), r.status_code
    if "attachment" not in r.get("Content-Disposition", ""):
        # Not the file (a background export job, say): the probe would be blind here.
        return set(), 599
    if kind == "csv":
        rows: Any = csv.reader(io.StringIO(r.content.decode("utf-8-sig")))
    else:
        wb = load_workbook(io.BytesIO(r.content), read_only=True)
        rows = (row for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    return {str(v).lstrip("'") for row in rows for v in row if v is not None}, None


def check_status(leaks: list[Leak], who: str, model: str, pk: Any, url: str, status: int | None) -> None:
    if status is not None and status >= 500:
        leaks.append(Leak("error", who, model, pk, url, f"HTTP {status}"))


def export_idents(surface: Surface) -> dict[str, list[Any]]:
    """Identifier → objects carrying it (only identifiers of one object prove a leak)."""
    idents: dict[str, list[Any]] = {}
    if surface.ident is not None:
        for obj in surface.model._base_manager.all():
            key = surface.ident(obj)
            if key:
                idents.setdefault(str(key), []).append(obj.pk)
    return idents


def list_leaks(
    surface: Surface, who: str, user: User, c: Client, seen: set[Any], idents: dict[str, list[Any]]
) -> list[Leak]:
    """The objects outside ``seen`` in the API list (all pages), the HTML list and the exports."""
    leaks: list[Leak] = []
    model, name = surface.model, label(surface.model)
    may_view = can(user, "view", model)
    if surface.api_list:
        listed, status = api_ids(c, surface.api_list)
        check_status(leaks, who, name, None, surface.api_list, status)
        leaks += [Leak("list", who, name, pk, surface.api_list) for pk in sorted(listed - seen)]
    if surface.html_list and surface.html_link and may_view:
        listed, status = html_ids(c, surface.html_list, surface.html_link)
        check_status(leaks, who, name, None, surface.html_list, status)
        leaks += [Leak("list", who, name, pk, surface.html_list) for pk in sorted(listed - seen)]
    if surface.html_list and idents and may_view:
        # xlsx goes through the same queryset and columns: read for one district's users.
        for kind in ("csv", "xlsx") if who.startswith(TONGNAN) else ("csv",):
            cells, status = export_cells(c, surface.html_list, kind)
            url = f"{surface.html_list}?export={kind}"
            check_status(leaks, who, name, None, url, status)
            for key, pks in idents.items():
                if len(pks) == 1 and pks[0] not in seen and key in cells:
                    leaks.append(Leak("export", who, name, pks[0], url, f"names {key}"))
    return leaks


def detail_leaks(
    surface: Surface,
    who: str,
    user: User,
    c: Client,
    objs: list[Any],
    seen: set[Any],
    nothings: dict[tuple[str, str], tuple[int, str]],
) -> list[Leak]:
    """The details of ``objs``: one the user may see must not fail; one it may not see must answer
    exactly as an object that does not exist (404, or 403 where the role may not do the page's
    action at all, or a redirect to login)."""
    leaks: list[Leak] = []
    model, name = surface.model, label(surface.model)
    for obj in objs:
        html_url = surface.html_detail(obj) if surface.html_detail else None
        for url in (f(obj) for f in (surface.html_detail, surface.api_detail) if f is not None):
            r = c.get(url)
            check_status(leaks, who, name, obj.pk, url, r.status_code)
            if obj.pk in seen or is_login_redirect(r):
                continue
            nothing_url = missing_url(url, obj.project_id if model is DispatchReport else obj.pk)
            if (who, nothing_url) not in nothings:
                nothing = c.get(nothing_url)
                check_status(leaks, who, name, None, nothing_url, nothing.status_code)
                nothings[who, nothing_url] = (nothing.status_code, body_of(nothing, nothing_url))
            status, body = nothings[who, nothing_url]
            action = surface.html_action if url == html_url else "view"
            allowed = {404, 403} if not can(user, action, model) else {404}
            if r.status_code not in allowed:
                leaks.append(Leak("detail", who, name, obj.pk, url, f"HTTP {r.status_code}"))
            elif (status, body) != (r.status_code, body_of(r, url)):
                detail = f"answer differs from {nothing_url} (HTTP {status})"
                leaks.append(Leak("oracle", who, name, obj.pk, url, detail))
    return leaks


def picks(objs: list[Any], district_of: dict[Any, str], user: User, seen: set[Any]) -> list[Any]:
    """Of the sampled objects: the first the user may not see in its own district, the first in
    another district, and (to catch errors) the first it may see."""
    home = user.region.code[:6] if user.region is not None else ""
    hidden = [o for o in objs if o.pk not in seen]
    chosen = [
        next((o for o in hidden if (district_of[o.pk] or "").startswith(home)), None),
        next((o for o in hidden if not (district_of[o.pk] or "").startswith(home)), None),
        next((o for o in objs if o.pk in seen), None),
    ]
    return [o for o in chosen if o is not None]


def test_role_object_matrix(world: World, db: Any) -> None:
    leaks: list[Leak] = []
    logged_in = clients(world)
    nothings: dict[tuple[str, str], tuple[int, str]] = {}
    started = time.monotonic()
    took: list[tuple[float, str]] = []
    for surface in SURFACES:
        begun = time.monotonic()
        model = surface.model
        seen = {who: visible(user, model) for who, user in world.users.items()}
        if surface.api_list or surface.html_list:  # once per kind of object
            for who, user in world.users.items():
                leaks += scope_sanity(who, user, model, seen[who])
        idents = export_idents(surface)
        objs = samples(world, model, seen)
        path = DISTRICT_OF[model]
        district_of = dict(model._base_manager.filter(pk__in=[o.pk for o in objs]).values_list("pk", path))
        for who, user in world.users.items():
            if user.role != "admin" and who.startswith(surface.only):  # admin sees everything
                leaks += list_leaks(surface, who, user, logged_in[who], seen[who], idents)
            chosen = picks(objs, district_of, user, seen[who])
            leaks += detail_leaks(surface, who, user, logged_in[who], chosen, seen[who], nothings)
        took.append((time.monotonic() - begun, surface.html_list or surface.api_list or label(model)))
    slowest = ", ".join(f"{what} {t:.1f} s" for t, what in sorted(took, reverse=True)[:8])
    print(
        f"matrix: {len(world.users)} users, {len(SURFACES)} surfaces, {time.monotonic() - started:.1f} s ({slowest})"
    )
    verdict(leaks)


def test_the_probe_sees_a_planted_leak(world: World, db: Any, monkeypatch: Any) -> None:
    """The matrix is not blind: an enterprise list that forgets the scope, and a detail page that
    answers 403 where it should say 404, are found."""
    from tiaodu.enterprises import views

    monkeypatch.setattr(views.EnterpriseListView, "get_queryset", lambda self: Enterprise.objects.all())
    who = "500101/enterprise"
    user = world.users[who]
    c = clients(world)[who]
    (surface,) = [s for s in SURFACES if s.model is Enterprise and s.html_list]
    seen = visible(user, Enterprise)
    found = list_leaks(surface, who, user, c, seen, export_idents(surface))
    assert {leak.url for leak in found} >= {"/enterprises/", "/enterprises/?export=csv"}
    other = Enterprise.objects.exclude(pk__in=seen).order_by("pk").first()
    monkeypatch.setattr(views.EnterpriseDetailView, "get", lambda self, request, pk: HttpResponse(status=403))
    found = detail_leaks(surface, who, user, c, [other], seen, {})
    assert [leak.kind for leak in found] == ["detail"]


# --- Figures over objects outside the viewer's scope -------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", "").rstrip("%"))
    except ArithmeticError:
        return None


def _compare(
    leaks: list[Leak], who: str, model: str, pk: Any, url: str, shown: dict[str, Any], figures: dict[str, Any]
) -> None:
    """``figures``: name → (visible value, whole value). A shown value that equals the whole
    object's figure where that differs from the viewer's slice is a leak."""
    for key, (mine, whole) in figures.items():
        value = _number(shown.get(key))
        if value is None or Decimal(mine) == Decimal(whole):
            continue
        if value == Decimal(whole) and value != Decimal(mine):
            leaks.append(
                Leak("aggregate", who, model, pk, url, f"{key}={value} is the whole figure (yours: {mine})")
            )


def csv_rows(c: Client, url: str) -> list[dict[str, str]]:
    r = c.get(url, {"export": "csv"})
    if r.status_code != 200:
        return []
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def dispatch_figures(reports: Any) -> dict[str, Any]:
    submitted = [r for r in reports if r.submitted_at is not None]
    return {
        "expected": len(reports),
        "reported": len(submitted),
        "investment": sum((r.investment for r in submitted), Decimal(0)),
        "workers_required": sum(r.workers_required for r in submitted),
        "workers_on_site": sum(r.workers_on_site for r in submitted),
    }


def reporting_figures(slots: Any, alerts: int) -> dict[str, Any]:
    return {
        "expected": len(slots),
        "reported": sum(1 for s in slots if s.submitted_at is not None),
        "alerts": alerts,
    }


def test_figures_within_scope(world: World, db: Any) -> None:
    """L2 and L3: a round's totals, counts and alert count are the viewer's slice (or not shown)."""
    leaks: list[Leak] = []
    logged_in = clients(world)
    for who, user in world.users.items():
        c = logged_in[who]
        # Dispatch rounds: API detail and list, CSV export of the list.
        rows = {row.get("期次"): row for row in csv_rows(c, "/dispatch/")}
        api_rows = {}
        if can(user, "view", DispatchRound):
            r = c.get("/api/v1/dispatch/rounds", {"page_size": 200})
            api_rows = {row["id"]: row for row in r.json()["results"]} if r.status_code == 200 else {}
        for rnd in DispatchRound.objects.restrict(user):
            mine = dispatch_figures(list(DispatchReport.objects.restrict(user).filter(round=rnd)))
            whole = dispatch_figures(list(DispatchReport.objects.filter(round=rnd)))
            pairs = {k: (mine[k], whole[k]) for k in mine}
            name = label(DispatchRound)
            url = f"/api/v1/dispatch/rounds/{rnd.pk}"
            r = c.get(url)
            check_status(leaks, who, name, rnd.pk, url, r.status_code)
            if r.status_code == 200:
                data = r.json()
                _compare(leaks, who, name, rnd.pk, url, data.get("totals") or {}, pairs)
                flat = {
                    "expected": data.get("expected_count"),
                    "reported": data.get("reported_count"),
                    "investment": data.get("investment_total"),
                    "workers_required": data.get("workers_required_total"),
                    "workers_on_site": data.get("workers_on_site_total"),
                }
                _compare(leaks, who, name, rnd.pk, url + " (round fields)", flat, pairs)
            if rnd.pk in api_rows:
                row = api_rows[rnd.pk]
                flat = {
                    "expected": row.get("expected_count"),
                    "reported": row.get("reported_count"),
                    "investment": row.get("investment_total"),
                    "workers_required": row.get("workers_required_total"),
                    "workers_on_site": row.get("workers_on_site_total"),
                }
                _compare(leaks, who, name, rnd.pk, "/api/v1/dispatch/rounds", flat, pairs)
            row = rows.get(rnd.period_label)
            if row is not None:
                flat = {
                    "expected": row.get("应报项目数"),
                    "reported": row.get("已报项目数"),
                    "investment": row.get("本期完成投资(万元)"),
                }
                _compare(leaks, who, name, rnd.pk, "/dispatch/?export=csv", flat, pairs)
            # The round's page: the whole round's investment (a figure with cents is distinctive).
            invest_mine, invest_whole = pairs["investment"]
            whole_text = f"{Decimal(invest_whole):.2f}"
            if invest_mine != invest_whole and not whole_text.endswith(".00"):
                page = f"/dispatch/{rnd.pk}/"
                r = c.get(page)
                check_status(leaks, who, name, rnd.pk, page, r.status_code)
                if r.status_code == 200 and whole_text in r.content.decode():
                    leaks.append(
                        Leak("aggregate", who, name, rnd.pk, page, f"shows the whole investment {whole_text}")
                    )

        # Reporting rounds: API detail and list, CSV export of the list.
        rows = {row.get("报送任务"): row for row in csv_rows(c, "/reporting/")}
        api_rows = {}
        if can(user, "view", ReportingRound):
            r = c.get("/api/v1/reporting/rounds", {"page_size": 200})
            api_rows = {row["id"]: row for row in r.json()["results"]} if r.status_code == 200 else {}
        for rrnd in ReportingRound.objects.restrict(user):
            mine = reporting_figures(
                list(ReportSlot.objects.restrict(user).filter(round=rrnd)),
                OutputAlert.objects.restrict(user).filter(round=rrnd).count(),
            )
            whole = reporting_figures(
                list(ReportSlot.objects.filter(round=rrnd)), OutputAlert.objects.filter(round=rrnd).count()
            )
            pairs = {k: (mine[k], whole[k]) for k in mine}
            name = label(ReportingRound)
            url = f"/api/v1/reporting/rounds/{rrnd.pk}"
            r = c.get(url)
            check_status(leaks, who, name, rrnd.pk, url, r.status_code)
            if r.status_code == 200:
                data = r.json()
                _compare(leaks, who, name, rrnd.pk, url + " (totals)", data.get("totals") or {}, pairs)
                flat = {
                    "expected": data.get("expected_count"),
                    "reported": data.get("reported_count"),
                    "alerts": data.get("alert_count"),
                }
                _compare(leaks, who, name, rrnd.pk, url, flat, pairs)
            if rrnd.pk in api_rows:
                row = api_rows[rrnd.pk]
                flat = {
                    "expected": row.get("expected_count"),
                    "reported": row.get("reported_count"),
                    "alerts": row.get("alert_count"),
                }
                _compare(leaks, who, name, rrnd.pk, "/api/v1/reporting/rounds", flat, pairs)
            row = rows.get(rrnd.title)
            if row is not None:
                flat = {
                    "expected": row.get("应报单位数"),
                    "reported": row.get("已报单位数"),
                    "alerts": row.get("预警数"),
                }
                _compare(leaks, who, name, rrnd.pk, "/reporting/?export=csv", flat, pairs)
    verdict(leaks)


# --- Map, choropleth, reports, home page ---------------------------------------------------------


def unique_names(model: type[models.Model], attr: str = "name") -> dict[str, Any]:
    names: dict[str, list[Any]] = {}
    for pk, name in model._base_manager.values_list("pk", attr):
        if name and len(name) >= 6:
            names.setdefault(name, []).append(pk)
    return {name: pks[0] for name, pks in names.items() if len(pks) == 1}


def test_maps_and_reports(world: World, db: Any) -> None:
    """The project map, the choropleth, the project and enterprise-service reports and the home page
    name nothing the user may not see."""
    leaks: list[Leak] = []
    logged_in = clients(world)
    registered = set(Enterprise._base_manager.values_list("name", flat=True))
    names = {
        Project: unique_names(Project),
        Enterprise: unique_names(Enterprise),
        CollectiveEvent: unique_names(CollectiveEvent),
        InvestmentProject: unique_names(InvestmentProject),
        # Safety units: the shared names (太安镇农贸市场 …) prove nothing, nor do the names of the
        # registry enterprises a unit stands for (the enterprise's own pages carry them).
        Unit: {n: pk for n, pk in unique_names(Unit).items() if n not in registered},
    }
    index_value = IndexValue.objects.select_related("index", "period").order_by("pk").first()
    pages = ["/", "/projects/report/", "/enterprises/report/", "/enterprises/portal/"]
    # Pages of district-wide figures, the same for every user of a role: 潼南区's users read them.
    more = [
        "/projects/map/",
        "/projects/ranking/",
        "/monitoring/",
        "/targets/progress/",
        "/reporting/alerts/",
        "/safety/report/",
        "/safety/hazards/board/",
    ]
    for who, user in world.users.items():
        if user.role == "admin":
            continue
        c = logged_in[who]
        seen = {model: visible(user, model) for model in names}
        # The project map's data.
        r = c.get("/projects/map/data.json")
        check_status(leaks, who, label(Project), None, "/projects/map/data.json", r.status_code)
        if r.status_code == 200:
            for row in r.json()["rows"]:
                if row[0] not in seen[Project]:
                    leaks.append(Leak("map", who, label(Project), row[0], "/projects/map/data.json"))
        # The safety map of each district: units (and their open hazards) the user may see.
        if can(user, "view", Unit):
            for code in ("500152", "500104", "500101"):
                url = f"/safety/units/map/data.json?district={code}"
                r = c.get(url)
                check_status(leaks, who, label(Unit), None, url, r.status_code)
                if r.status_code == 200:
                    for row in r.json()["rows"]:
                        if row[0] not in seen[Unit]:
                            leaks.append(Leak("map", who, label(Unit), row[0], url))
        # The choropleth: values only for units whose index value the user may see.
        if index_value is not None:
            url = (
                f"/monitoring/choropleth.json?index={index_value.index.code}&period={index_value.period.key}"
            )
            r = c.get(url)
            check_status(leaks, who, label(IndexValue), None, url, r.status_code)
            if r.status_code == 200:
                allowed = set(
                    IndexValue.objects.restrict(user)
                    .filter(index=index_value.index, period=index_value.period)
                    .values_list("region__code", flat=True)
                )
                for feature in r.json().get("features", []):
                    props = feature["properties"]
                    if props.get("value") is not None and props["code"] not in allowed:
                        leaks.append(Leak("map", who, label(IndexValue), props["code"], url, "value shown"))
        # The OC4IDS package: no project the user may not see (ids are <prefix>-<database id>).
        url = "/api/v1/projects/oc4ids.json"
        r = c.get(url, {"limit": 5000})
        check_status(leaks, who, label(Project), None, url, r.status_code)
        if r.status_code == 200:
            listed = {int(p["id"].rsplit("-", 1)[1]) for p in r.json().get("projects", [])}
            leaks += [Leak("list", who, label(Project), pk, url) for pk in sorted(listed - seen[Project])]
        # The audit trail is the administrator's.
        for url in (
            "/audit/",
            "/audit/events/",
            "/audit/tasks/",
            "/api/v1/audit/changes",
            "/api/v1/audit/events",
        ):
            r = c.get(url)
            if r.status_code == 200:
                leaks.append(Leak("list", who, "audit", None, url, "HTTP 200 for a non-administrator"))
        # Reports and pages: no name of an object the user may not see (one pattern of them all).
        hidden = {
            name: (model, pk)
            for model, by_name in names.items()
            for name, pk in by_name.items()
            if pk not in seen[model]
        }
        pattern = re.compile("|".join(re.escape(n) for n in sorted(hidden, key=len, reverse=True)))
        # The pages of objects the user may see: the first project, enterprise and case of its slice
        # (each lists related objects: events, visits, appeals, reports).
        own = [
            f"/projects/{min(seen[Project])}/" if seen[Project] else "",
            f"/enterprises/{min(seen[Enterprise])}/" if seen[Enterprise] else "",
            f"/cases/{min(cases)}/" if (cases := visible(user, Case)) else "",
            f"/investment/{min(seen[InvestmentProject])}/" if seen[InvestmentProject] else "",
            # A unit's profile: its inspections, hazards, decisions and accidents.
            f"/safety/units/{min(seen[Unit])}/" if seen[Unit] else "",
        ]
        for enterprise in sorted(seen[Enterprise])[:2]:
            # An enterprise's appeals: only cases the user may see.
            url = f"/api/v1/enterprises/{enterprise}/appeals"
            r = c.get(url, {"page_size": 200})
            check_status(leaks, who, label(Case), None, url, r.status_code)
            if r.status_code == 200:
                data = r.json()
                ids = {row["id"] for row in (data["results"] if isinstance(data, dict) else data)}
                leaks += [Leak("list", who, label(Case), pk, url) for pk in sorted(ids - cases)]
        for url in [*pages, *(more if who.startswith(TONGNAN) else []), *filter(None, own)]:
            r = c.get(url)
            check_status(leaks, who, "page", None, url, r.status_code)
            if r.status_code != 200 or not hidden:
                continue
            for name in sorted(set(pattern.findall(r.content.decode()))):
                model, pk = hidden[name]
                leaks.append(Leak("report", who, label(model), pk, url, f"names {name}"))
    verdict(leaks)


# --- Commercial secrets of the investment pipeline -----------------------------------------------


def investment_secret_leaks(who: str, user: User, c: Client) -> list[Leak]:
    """What a town user's investment pages, exports and API show of :data:`INVESTMENT_SECRETS`."""
    leaks: list[Leak] = []
    name = label(InvestmentProject)
    seen = visible(user, InvestmentProject)
    urls = ["/investment/", "/investment/?export=csv", "/investment/?export=xlsx", "/investment/board/"]
    urls += ["/investment/?export=xlsx&layout=leader", "/api/v1/investment/projects"]
    urls += [f"/investment/{pk}/" for pk in sorted(seen)]
    urls += [f"/api/v1/investment/projects/{pk}" for pk in sorted(seen)]
    for url in urls:
        r = c.get(url)
        check_status(leaks, who, name, None, url, r.status_code)
        if r.status_code != 200:
            continue
        if "export=xlsx" in url:
            wb = load_workbook(io.BytesIO(r.content), read_only=True)
            text = " ".join(
                str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
            )
        else:
            text = r.content.decode("utf-8-sig", "replace")
        leaks += [Leak("secret", who, name, None, url, f"shows {s}") for s in INVESTMENT_SECRETS if s in text]
    return leaks


def test_town_users_see_no_investment_secrets(world: World, db: Any) -> None:
    """Issue 14 item 10: a town user sees the stage of the investment projects its town reported,
    never their amounts, notes or follow-ups — on the list, its exports, the board, the project
    page and the API."""
    leaks: list[Leak] = []
    logged_in = clients(world)
    towns = [who for who, user in world.users.items() if user.role == "town"]
    assert all(visible(world.users[who], InvestmentProject) for who in towns)  # each reaches one
    for who in towns:
        leaks += investment_secret_leaks(who, world.users[who], logged_in[who])
    verdict(leaks)


def test_the_secret_probe_sees_a_planted_leak(world: World, db: Any, monkeypatch: Any) -> None:
    """Not blind: with nothing confidential, the town user's surfaces show the amounts."""
    from tiaodu.investment import filters

    monkeypatch.setattr(filters, "CONFIDENTIAL", frozenset())
    who = f"{TONGNAN}/guxi"
    found = investment_secret_leaks(who, world.users[who], clients(world)[who])
    assert {leak.url.split("?")[0] for leak in found} >= {
        "/investment/",
        "/investment/board/",
        "/api/v1/investment/projects",
    }
