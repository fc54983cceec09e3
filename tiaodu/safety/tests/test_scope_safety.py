"""Who sees which safety rows: three districts sharing names (each has a 区应急管理局, a 区住房城乡建委,
a 太安镇 and units called 太安镇农贸市场, 太安镇安置房项目工地 and 综合商场), and in each a leader,
two department users (应急管理局, 住建委), two town users (太安镇 and another township) and an
enterprise user.

The expected slices are written here from the roles' rules in words (ADR 0037), not from the
models' ``Scope`` declarations:

- leader and department users read every safety row of their district, nothing of the others;
- a department keeps (change) only what its organisation inspected, supervises (its sectors) or
  co-inspected; a 住建委 user never changes the 应急管理局's decision of the same name elsewhere;
- a town user reads the units, inspections, hazards, decisions and accidents of its township, and
  no 双随机 plan;
- an enterprise user reads its own unit, its inspections, hazards and decisions; no accident, no
  plan.

The same slices are then checked on every surface: the HTML list (detail links), the list's CSV
and xlsx exports, the API list, and the detail pages (a row outside the slice answers 404).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models, transaction
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from openpyxl import load_workbook

from tiaodu.accounts.models import User
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU
from tiaodu.core.tests.probe_support import (
    SAFETY_UNIT_NAMES,
    SafetySlice,
    _town_gov,
    _user,
    build_safety,
)
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.safety.models import (
    Accident,
    EnforcementDocument,
    Hazard,
    Inspection,
    InspectionPlan,
    Unit,
)

CODES = (TONGNAN, DADUKOU, WANZHOU)
ROLES = ("leader", "yjj", "zjw", "town-taian", "town-other", "enterprise")
MODELS: tuple[type[models.Model], ...] = (
    Unit,
    Inspection,
    Hazard,
    EnforcementDocument,
    Accident,
    InspectionPlan,
)


@dataclass
class World:
    slices: dict[str, SafetySlice]
    users: dict[tuple[str, str], User]  # (district code, role) → user


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _build() -> World:
    slices = build_safety()
    users: dict[tuple[str, str], User] = {}
    for code, s in slices.items():
        gov = Organization.objects.filter(region=s.district, kind=OrgKind.GOVERNMENT).first()
        made = {
            "leader": _user(f"sf{code}-leader", "leader", region=s.district, org=gov),
            "yjj": _user(f"sf{code}-yjj", "department", region=s.district, org=s.departments["应急管理局"]),
            "zjw": _user(f"sf{code}-zjw", "department", region=s.district, org=s.departments["住建委"]),
            "town-taian": _user(f"sf{code}-taian", "town", org=_town_gov(s.taian)),
            "town-other": _user(f"sf{code}-other", "town", org=_town_gov(s.other)),
            "enterprise": _user(f"sf{code}-qiye", "enterprise", org=s.enterprise.organization),
        }
        for role, user in made.items():
            users[code, role] = User.objects.select_related("region", "organization").get(pk=user.pk)
    return World(slices, users)


# --- the slices, in words ------------------------------------------------------------------------


def objects_of(s: SafetySlice, model: type[models.Model]) -> list[Any]:
    return [o for o in s.all() if isinstance(o, model)]


def township_of(obj: Any) -> Any:
    return getattr(obj, "township", None)


def expected(world: World, code: str, role: str, model: type[models.Model]) -> set[int]:
    """The rows of ``model`` the user of ``role`` in ``code`` reads."""
    s = world.slices[code]
    rows = objects_of(s, model)
    if role in ("leader", "yjj", "zjw"):
        return {o.pk for o in rows}
    if role.startswith("town"):
        if model is InspectionPlan:
            return set()
        township = s.taian if role == "town-taian" else s.other
        return {o.pk for o in rows if township_of(o) == township}
    # The enterprise: its own unit and what hangs off it, but no accident and no plan.
    if model in (Accident, InspectionPlan):
        return set()
    own = s.units["enterprise"]
    return {o.pk for o in rows if (o == own if model is Unit else o.unit_id == own.pk)}


def seen(user: User, model: type[models.Model], action: str = "view") -> set[int]:
    return set(model.objects.restrict(user, action).values_list("pk", flat=True))  # type: ignore[attr-defined]


def world_pks(world: World, model: type[models.Model]) -> set[int]:
    return {o.pk for s in world.slices.values() for o in objects_of(s, model)}


@pytest.mark.parametrize("role", ROLES)
def test_view_slices(world: World, db: Any, role: str) -> None:
    """Each role's slice of every safety model, in each of the three districts; of the world
    made here nothing else is visible (the shared names never reach across a district)."""
    for code in CODES:
        user = world.users[code, role]
        for model in MODELS:
            mine = seen(user, model) & world_pks(world, model)
            assert mine == expected(world, code, role, model), (code, role, model.__name__)


def test_the_three_districts_share_the_names(world: World, db: Any) -> None:
    for name in SAFETY_UNIT_NAMES:
        assert Unit.objects.filter(name=name, pk__in=world_pks(world, Unit)).count() == 3
    for short in ("应急管理局", "住建委"):
        names = {s.departments[short].name for s in world.slices.values()}
        assert len(names) == 1  # 区应急管理局 / 区住房城乡建委 in each district
    assert len({s.taian.name for s in world.slices.values()}) == 1


def test_department_changes_what_it_inspects_or_supervises(world: World, db: Any) -> None:
    """The 住建委 keeps the building site (its sector) and its own decision and inspection; the
    应急管理局 keeps its inspections, the joint one it led — and the 住建委 the joint inspection it
    took part in —, never the 住建委's decision. Nothing of another district, same names or not."""
    for code in CODES:
        s = world.slices[code]
        yjj, zjw = world.users[code, "yjj"], world.users[code, "zjw"]
        assert s.units["site"].pk in seen(zjw, Unit, "change")
        assert s.units["market"].pk not in seen(zjw, Unit, "change")
        assert s.documents["site"].pk in seen(zjw, EnforcementDocument, "change")
        assert s.documents["site"].pk not in seen(yjj, EnforcementDocument, "change")
        assert s.documents["enterprise"].pk in seen(yjj, EnforcementDocument, "change")
        assert s.documents["enterprise"].pk not in seen(zjw, EnforcementDocument, "change")
        assert s.inspections["joint"].pk in seen(zjw, Inspection, "change")
        assert s.inspections["market"].pk not in seen(zjw, Inspection, "change")
        assert s.hazards["site"].pk in seen(zjw, Hazard, "change")
        assert s.hazards["enterprise"].pk not in seen(zjw, Hazard, "change")
        assert s.plans["住建委"].pk in seen(zjw, InspectionPlan, "change")
        assert s.plans["应急管理局"].pk not in seen(zjw, InspectionPlan, "change")
        for other in CODES:
            if other == code:
                continue
            theirs = world.slices[other]
            for model in MODELS:
                pks = {o.pk for o in objects_of(theirs, model)}
                for user in (yjj, zjw):
                    assert not pks & seen(user, model, "change"), (code, other, model.__name__)


def test_town_and_enterprise_change_nothing_of_others(world: World, db: Any) -> None:
    for code in CODES:
        s = world.slices[code]
        town = world.users[code, "town-taian"]
        assert seen(town, EnforcementDocument, "change") & world_pks(world, EnforcementDocument) == set()
        assert seen(town, InspectionPlan, "view") & world_pks(world, InspectionPlan) == set()
        changed = seen(town, Unit, "change") & world_pks(world, Unit)
        assert changed == {u.pk for u in s.units.values() if u.township == s.taian}
        firm = world.users[code, "enterprise"]
        assert seen(firm, Hazard, "change") & world_pks(world, Hazard) == {s.hazards["enterprise"].pk}
        assert seen(firm, Unit, "change") & world_pks(world, Unit) == set()


# --- the surfaces ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Surface:
    model: type[models.Model]
    list_name: str  # URL name of the HTML list
    detail_name: str  # URL name of the detail (pk)
    api_list: str
    ident: Callable[[Any], str]  # what names the row in an export (unique in the world)


SURFACES = (
    Surface(Unit, "safety:unit-list", "safety:unit-detail", "/api/v1/safety/units", lambda o: str(o.pk)),
    Surface(
        Inspection,
        "safety:inspection-list",
        "safety:inspection-detail",
        "/api/v1/safety/inspections",
        lambda o: o.number,
    ),
    Surface(
        Hazard,
        "safety:hazard-list",
        "safety:hazard-detail",
        "/api/v1/safety/hazards",
        lambda o: o.description,
    ),
    Surface(
        EnforcementDocument,
        "safety:document-list",
        "safety:document-detail",
        "/api/v1/safety/documents",
        lambda o: o.number,
    ),
    Surface(
        Accident,
        "safety:accident-list",
        "safety:accident-detail",
        "/api/v1/safety/accidents",
        lambda o: o.summary,
    ),
    Surface(
        InspectionPlan, "safety:plan-list", "safety:plan-detail", "/api/v1/safety/plans", lambda o: o.name
    ),
)


def url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        pytest.skip(f"{name} is not there yet")


def api_route(path: str) -> str:
    """The API path, once the lane that serves it has landed (else the test is skipped)."""
    try:
        resolve(path)
    except Resolver404:
        pytest.skip(f"{path} is not there yet")
    return path


def client(user: User) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def linked(html: str, detail_name: str) -> set[int]:
    """The pks of the detail links in a page (the pattern of the detail URL with any pk)."""
    probe = url(detail_name, 987654321)
    pattern = re.escape(probe).replace("987654321", r"(\d+)")
    return {int(pk) for pk in re.findall(f'href="{pattern}"', html)}


def cells(response: Any, kind: str) -> set[str]:
    if kind == "csv":
        rows: Any = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    else:
        wb = load_workbook(io.BytesIO(response.content), read_only=True)
        rows = (row for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    return {str(v).lstrip("'") for row in rows for v in row if v is not None}


def _users_of(world: World) -> list[tuple[str, str, User]]:
    return [(code, role, world.users[code, role]) for code in CODES for role in ROLES]


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.model.__name__)
def test_html_lists_and_exports(world: World, db: Any, surface: Surface) -> None:
    """The HTML list links exactly the slice's rows of the world; its exports name no row outside
    it (units by their detail link only: their names are shared on purpose)."""
    list_url = url(surface.list_name)
    everything = world_pks(world, surface.model)
    by_pk = {o.pk: o for s in world.slices.values() for o in objects_of(s, surface.model)}
    for code, role, user in _users_of(world):
        c = client(user)
        want = expected(world, code, role, surface.model)
        r = c.get(list_url, {"per_page": 200})
        if not want and r.status_code in (403, 404):
            continue  # the role has no such list at all
        assert r.status_code == 200, (code, role, r.status_code)
        assert linked(r.content.decode(), surface.detail_name) & everything == want, (code, role)
        if surface.model is Unit:
            continue
        for kind in ("csv", "xlsx"):
            r = c.get(list_url, {"export": kind})
            assert r.status_code == 200 and "attachment" in r.get("Content-Disposition", ""), (
                code,
                role,
                kind,
            )
            shown = cells(r, kind)
            named = {pk for pk, obj in by_pk.items() if surface.ident(obj) in shown}
            assert named == want, (code, role, kind)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.model.__name__)
def test_api_lists(world: World, db: Any, surface: Surface) -> None:
    everything = world_pks(world, surface.model)
    api_list = api_route(surface.api_list)
    for code, role, user in _users_of(world):
        c = client(user)
        r = c.get(api_list, {"page_size": 200})
        want = expected(world, code, role, surface.model)
        if not want and r.status_code == 403:
            continue
        assert r.status_code == 200, (code, role, r.status_code)
        data = r.json()
        rows = data["results"] if isinstance(data, dict) else data
        assert {row["id"] for row in rows} & everything == want, (code, role)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.model.__name__)
def test_details(world: World, db: Any, surface: Surface) -> None:
    """A row of the slice opens (HTML and API); one outside answers 404 — as a row that does not
    exist —, the same-named row of the neighbouring district included."""
    objs = [o for s in world.slices.values() for o in objects_of(s, surface.model)]
    url(surface.detail_name, objs[0].pk)  # skips until the page is there
    api_detail = api_route(f"{surface.api_list}/{objs[0].pk}") and f"{surface.api_list}/{{}}"
    # Every role of one district, and the department users of the other two (whose own rows,
    # same names, open while 万州区's answer 404).
    users = [(c_, r, u) for c_, r, u in _users_of(world) if c_ == WANZHOU or r == "yjj"]
    for code, role, user in users:
        c = client(user)
        want = expected(world, code, role, surface.model)
        # A role without any such row may be refused the page altogether (403).
        refused = {404} if want else {403, 404}
        for obj in objs:
            page = c.get(url(surface.detail_name, obj.pk))
            api = c.get(api_detail.format(obj.pk))
            if obj.pk in want:
                assert (page.status_code, api.status_code) == (200, 200), (code, role, obj.pk)
            else:
                assert page.status_code in refused, (code, role, obj.pk, page.status_code)
                assert api.status_code in refused, (code, role, obj.pk, api.status_code)
