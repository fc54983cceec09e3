"""Who sees which employment rows: three districts sharing names (each has a 区人力社保局 with the
short name 人社局, a 区经济信息委, a 太安镇, enterprises called 重庆太安制衣有限公司 and
重庆琼江电子有限公司, jobseekers called 张太安 …), and in each a leader, the 人社局 user, a
经信委 user, two town users (太安镇 and another township) and the user of the 太安镇 enterprise.

The expected slices are written here from the roles' rules in words (issue 16), not from the
models' ``Scope`` declarations:

- vacancies, fairs and buses: the district's for the leader, the department and town users;
  an enterprise reads its own vacancies and the fairs it has a booth at, no bus;
- jobseekers and placements (personal data): the 人社局 (the district's employment department)
  reads all of its district; a town user those of its township; an enterprise only the
  candidates who applied to or met it (a placement with it) — never before; the leader and the
  经信委 none;
- personal data is masked in every list, detail, API answer and export (ID 5001**********1234,
  phone 138****5678); the enterprise sees masked names; the full number only through the audited
  reveal, which the 人社局 and the registering town may do and anybody else is refused (403
  ``pi_reveal_forbidden``, the refusal in the security log).

The same slices are then checked on every surface: the HTML list (detail links), the API list,
the details (a row outside the slice answers 404, the same-named row of the neighbouring
district included) and the jobseeker export.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.db import models, transaction
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from openpyxl import load_workbook
from stdnum.cn import uscc

from tiaodu.accounts.models import User
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU, shared_township, three_districts
from tiaodu.core.tests.probe_support import _org, _town_gov, _user
from tiaodu.employment import idcard
from tiaodu.employment.models import BusTrip, JobFair, Jobseeker, Placement, Vacancy
from tiaodu.employment.tests import factories
from tiaodu.orgs.choices import OrgKind
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

CODES = (TONGNAN, DADUKOU, WANZHOU)
ROLES = ("leader", "rsj", "jxw", "town-taian", "town-other", "enterprise")
MODELS: tuple[type[models.Model], ...] = (Vacancy, Jobseeker, JobFair, BusTrip, Placement)
STAFF_ROLES = ("leader", "rsj", "jxw", "town-taian", "town-other")
NAMES = ("张太安", "李其他", "王应聘", "赵乘车")


@dataclass
class Slice:
    district: Region
    taian: Region
    other: Region
    enterprises: dict[str, Any] = field(default_factory=dict)  # "own" (太安镇) / "other"
    vacancies: dict[str, Vacancy] = field(default_factory=dict)
    jobseekers: dict[str, Jobseeker] = field(default_factory=dict)  # taian, other, applied, rider
    numbers: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (ID number, phone)
    fair: JobFair | None = None
    trip: BusTrip | None = None
    placements: dict[str, Placement] = field(default_factory=dict)  # applied, rider

    def all(self) -> list[Any]:
        return [
            *self.vacancies.values(),
            *self.jobseekers.values(),
            self.fair,
            self.trip,
            *self.placements.values(),
        ]


@dataclass
class World:
    slices: dict[str, Slice]
    users: dict[tuple[str, str], User]


_serial = iter(range(100, 999))


def _credit(code: str, n: int) -> str:
    base = f"91{code}MA7R{n:05d}"
    return base + uscc.calc_check_digit(base)


def _number(code: str) -> str:
    """A valid ID number whose last four characters no other jobseeker of the world has."""
    return idcard.make(code, date(1986, 5, 6), next(_serial))


def _build_slice(code: str, taian: Region, k: int) -> Slice:
    from tiaodu.employment import buses, fairs, outcomes
    from tiaodu.enterprises import services as enterprises

    district = Region.objects.get(code=code)
    other = (
        Region.objects.filter(parent=district, level=Level.TOWNSHIP)
        .exclude(pk=taian.pk)
        .order_by("code")
        .first()
    )
    assert other is not None
    factories.settings_for(code)
    s = Slice(district, taian, other)
    s.enterprises["own"] = enterprises.save_enterprise(
        None, _credit(code, 1), taian, name="重庆太安制衣有限公司", industry_code="C1810"
    )[0]
    s.enterprises["other"] = enterprises.save_enterprise(
        None, _credit(code, 2), other, name="重庆琼江电子有限公司", industry_code="C3989"
    )[0]
    s.vacancies["own"] = factories.vacancy(s.enterprises["own"], "缝纫工", published_on=date(2023, 2, 1))
    s.vacancies["other"] = factories.vacancy(
        s.enterprises["other"], "电子装配工", published_on=date(2023, 2, 1)
    )
    for key, name, township in (
        ("taian", NAMES[0], taian),
        ("other", NAMES[1], other),
        ("applied", NAMES[2], taian),
        ("rider", NAMES[3], other),
    ):
        number, phone = _number(code), f"139{k}{len(s.numbers)}{code}0"[:11]
        s.numbers[key] = (number, phone)
        s.jobseekers[key] = factories.jobseeker(township.code, name, number=number, phone=phone)
    s.fair = fairs.create_fair(
        None,
        district=district,
        township=taian,
        name="春风行动太安镇专场",
        kind="spring",
        held_on=date(2023, 2, 10),
    )
    fairs.add_booth(None, s.fair, s.enterprises["own"], vacancies=[s.vacancies["own"]])
    fairs.add_booth(None, s.fair, s.enterprises["other"], vacancies=[s.vacancies["other"]])
    fairs.sign_in(None, s.fair, s.jobseekers["taian"])
    s.placements["applied"] = outcomes.open_placement(
        None, jobseeker=s.jobseekers["applied"], vacancy=s.vacancies["own"], on=date(2023, 2, 10), fair=s.fair
    )
    s.trip = buses.create_trip(
        None,
        district=district,
        name="求职专车琼江线",
        run_on=date(2023, 2, 12),
        seats=10,
        stops=[(other, "场镇车站")],
        enterprises=[s.enterprises["other"]],
    )
    buses.add_rider(None, s.trip, s.jobseekers["rider"])
    s.placements["rider"] = outcomes.open_placement(
        None, jobseeker=s.jobseekers["rider"], vacancy=s.vacancies["other"], on=date(2023, 2, 12), trip=s.trip
    )
    return s


def _build() -> World:
    departments = three_districts()
    taians = shared_township()
    slices: dict[str, Slice] = {}
    users: dict[tuple[str, str], User] = {}
    for k, code in enumerate(CODES):
        s = _build_slice(code, taians[code], k)
        slices[code] = s
        gov = _org(f"{s.district.name}人民政府", OrgKind.GOVERNMENT, s.district, short_name="区政府")
        made = {
            "leader": _user(f"em{code}-leader", "leader", region=s.district, org=gov),
            "rsj": _user(f"em{code}-rsj", "department", region=s.district, org=factories.rsj(code)),
            "jxw": _user(
                f"em{code}-jxw", "department", region=s.district, org=departments[code]["区经济信息委"]
            ),
            "town-taian": _user(f"em{code}-taian", "town", org=_town_gov(s.taian)),
            "town-other": _user(f"em{code}-other", "town", org=_town_gov(s.other)),
            "enterprise": _user(f"em{code}-qiye", "enterprise", org=s.enterprises["own"].organization),
        }
        for role, user in made.items():
            users[code, role] = User.objects.select_related("region", "organization").get(pk=user.pk)
    return World(slices, users)


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


# --- the slices, in words ------------------------------------------------------------------------


def objects_of(s: Slice, model: type[models.Model]) -> list[Any]:
    return [o for o in s.all() if isinstance(o, model)]


def expected(world: World, code: str, role: str, model: type[models.Model]) -> set[int]:
    s = world.slices[code]
    rows = objects_of(s, model)
    everything = {o.pk for o in rows}
    if model in (Vacancy, JobFair, BusTrip):
        if role in STAFF_ROLES:
            return everything
        if model is Vacancy:
            return {s.vacancies["own"].pk}
        return {s.fair.pk} if model is JobFair and s.fair is not None else set()
    # Personal data: jobseekers and placements.
    if role == "rsj":
        return everything
    if role in ("leader", "jxw"):
        return set()
    if role.startswith("town"):
        township = s.taian if role == "town-taian" else s.other
        return {o.pk for o in rows if o.township_id == township.pk}
    # The enterprise: the candidate who applied to it, and that placement.
    if model is Jobseeker:
        return {s.jobseekers["applied"].pk}
    return {s.placements["applied"].pk}


def seen(user: User, model: type[models.Model], action: str = "view") -> set[int]:
    return set(model.objects.restrict(user, action).values_list("pk", flat=True))  # type: ignore[attr-defined]


def world_pks(world: World, model: type[models.Model]) -> set[int]:
    return {o.pk for s in world.slices.values() for o in objects_of(s, model)}


def _users_of(world: World) -> list[tuple[str, str, User]]:
    return [(code, role, world.users[code, role]) for code in CODES for role in ROLES]


@pytest.mark.parametrize("role", ROLES)
def test_view_slices(world: World, db: Any, role: str) -> None:
    for code in CODES:
        user = world.users[code, role]
        for model in MODELS:
            mine = seen(user, model) & world_pks(world, model)
            assert mine == expected(world, code, role, model), (code, role, model.__name__)


def test_the_three_districts_share_the_names(world: World, db: Any) -> None:
    for name in NAMES:
        assert Jobseeker.objects.filter(name=name, pk__in=world_pks(world, Jobseeker)).count() == 3
    assert len({s.taian.name for s in world.slices.values()}) == 1
    assert len({s.enterprises["own"].name for s in world.slices.values()}) == 1
    offices = {factories.rsj(code).short_name for code in CODES}
    assert offices == {"人社局"}


def test_enterprise_sees_a_candidate_only_after_applied(world: World, db: Any) -> None:
    """The 太安镇 enterprise does not see 张太安 (at the same fair, no placement with it) until
    the 人社局 records an intention for its vacancy; then it sees her, masked."""
    from tiaodu.employment import outcomes

    s = world.slices[WANZHOU]
    firm = world.users[WANZHOU, "enterprise"]
    person = s.jobseekers["taian"]
    assert person.pk not in seen(firm, Jobseeker)
    sid = transaction.savepoint()
    try:
        outcomes.open_placement(
            world.users[WANZHOU, "rsj"], jobseeker=person, vacancy=s.vacancies["own"], on=date(2023, 2, 10)
        )
        assert person.pk in seen(firm, Jobseeker)
        page = client(firm).get(url("employment:jobseeker-detail", person.pk))
        assert page.status_code == 200
        body = page.content.decode()
        assert person.name not in body and person.masked_name in body
        # The other districts' 张太安 stay out of sight.
        for code in (TONGNAN, DADUKOU):
            assert world.slices[code].jobseekers["taian"].pk not in seen(firm, Jobseeker)
    finally:
        transaction.savepoint_rollback(sid)


# --- the surfaces ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Surface:
    model: type[models.Model]
    list_name: str
    detail_name: str
    api_list: str


SURFACES = (
    Surface(Vacancy, "employment:vacancy-list", "employment:vacancy-detail", "/api/v1/employment/vacancies"),
    Surface(
        Jobseeker, "employment:jobseeker-list", "employment:jobseeker-detail", "/api/v1/employment/jobseekers"
    ),
    Surface(JobFair, "employment:fair-list", "employment:fair-detail", "/api/v1/employment/fairs"),
    Surface(BusTrip, "employment:bus-list", "employment:bus-detail", "/api/v1/employment/buses"),
    Surface(
        Placement, "employment:placement-list", "employment:placement-detail", "/api/v1/employment/placements"
    ),
)


def url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        pytest.skip(f"{name} is not there yet")


def api_route(path: str) -> str:
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
    probe = url(detail_name, 987654321)
    pattern = re.escape(probe).replace("987654321", r"(\d+)")
    return {int(pk) for pk in re.findall(f'href="{pattern}"', html)}


def api_rows(c: Client, path: str) -> tuple[int, list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        r = c.get(path, {"page": page, "page_size": 100})
        if r.status_code != 200:
            return r.status_code, rows
        data = r.json()
        items = data["items"] if isinstance(data, dict) and "items" in data else data
        items = items["results"] if isinstance(items, dict) and "results" in items else items
        rows += items
        total = data.get("count", len(rows)) if isinstance(data, dict) else len(rows)
        if len(rows) >= total or not items:
            return 200, rows
        page += 1


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.model.__name__)
def test_html_lists(world: World, db: Any, surface: Surface) -> None:
    list_url = url(surface.list_name)
    everything = world_pks(world, surface.model)
    for code, role, user in _users_of(world):
        want = expected(world, code, role, surface.model)
        r = client(user).get(list_url, {"per_page": 200})
        if not want and r.status_code in (403, 404):
            continue  # the role has no such list at all
        assert r.status_code == 200, (code, role, r.status_code)
        assert linked(r.content.decode(), surface.detail_name) & everything == want, (code, role)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.model.__name__)
def test_api_lists(world: World, db: Any, surface: Surface) -> None:
    api_list = api_route(surface.api_list)
    everything = world_pks(world, surface.model)
    for code, role, user in _users_of(world):
        want = expected(world, code, role, surface.model)
        status, rows = api_rows(client(user), api_list)
        if not want and status == 403:
            continue
        assert status == 200, (code, role, status)
        assert {row["id"] for row in rows} & everything == want, (code, role)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.model.__name__)
def test_details(world: World, db: Any, surface: Surface) -> None:
    """A row of the slice opens (HTML and API); one outside answers 404 (403 where the role may
    not see any such row) — the same-named row of the neighbouring district included."""
    objs = [o for s in world.slices.values() for o in objects_of(s, surface.model)]
    url(surface.detail_name, objs[0].pk)
    api_detail = api_route(f"{surface.api_list}/{objs[0].pk}") and f"{surface.api_list}/{{}}"
    users = [(c_, r, u) for c_, r, u in _users_of(world) if c_ == WANZHOU or r == "rsj"]
    for code, role, user in users:
        c = client(user)
        want = expected(world, code, role, surface.model)
        refused = {404} if want else {403, 404}
        for obj in objs:
            page = c.get(url(surface.detail_name, obj.pk))
            api = c.get(api_detail.format(obj.pk))
            if obj.pk in want:
                assert (page.status_code, api.status_code) == (200, 200), (code, role, obj.pk)
            else:
                assert page.status_code in refused, (code, role, obj.pk, page.status_code)
                assert api.status_code in refused, (code, role, obj.pk, api.status_code)


# --- personal data ----------------------------------------------------------------------------------


def secrets_of(world: World) -> list[str]:
    """Every full ID number and phone of the world's jobseekers."""
    return [v for s in world.slices.values() for pair in s.numbers.values() for v in pair]


def pi_pages(world: World, code: str, role: str) -> list[str]:
    """The pages and API answers that show jobseekers to this user (lists and the details of the
    rows it sees)."""
    s = world.slices[code]
    pages = []
    for name in (
        "employment:jobseeker-list",
        "employment:placement-list",
        "employment:fair-detail",
        "employment:bus-detail",
    ):
        try:
            if name.endswith("detail"):
                obj = s.fair if "fair" in name else s.trip
                pages.append(reverse(name, args=[obj.pk]))  # type: ignore[union-attr]
            else:
                pages.append(reverse(name))
        except NoReverseMatch:
            continue
    pages += ["/api/v1/employment/jobseekers", "/api/v1/employment/placements"]
    for _key, person in s.jobseekers.items():
        if person.pk in expected(world, code, role, Jobseeker):
            pages += [
                reverse("employment:jobseeker-detail", args=[person.pk]),
                f"/api/v1/employment/jobseekers/{person.pk}",
            ]
    for placement in s.placements.values():
        if placement.pk in expected(world, code, role, Placement):
            pages.append(f"/api/v1/employment/placements/{placement.pk}")
            with contextlib.suppress(NoReverseMatch):
                pages.append(reverse("employment:placement-detail", args=[placement.pk]))
    return pages


def test_personal_data_is_masked_everywhere(world: World, db: Any) -> None:
    """No page, API answer or export shows a full ID number or phone, to anybody (the 人社局
    included: full values only through the audited reveal); the enterprise sees masked names;
    the rows a user sees carry their masked ID."""
    secrets = secrets_of(world)
    all_names = set(NAMES)
    for code, role, user in _users_of(world):
        c = client(user)
        for page in pi_pages(world, code, role):
            r = c.get(page)
            if r.status_code in (403, 404):
                continue
            assert r.status_code == 200, (code, role, page, r.status_code)
            body = r.content.decode()
            leaked = [v for v in secrets if v in body]
            assert not leaked, (code, role, page, leaked)
            if role == "enterprise":
                assert not [n for n in all_names if n in body], (code, role, page)
        visible = expected(world, code, role, Jobseeker)
        if visible:
            r = c.get(reverse("employment:jobseeker-list"), {"per_page": 200})
            for person in world.slices[code].jobseekers.values():
                if person.pk in visible:
                    assert person.id_mask in r.content.decode(), (code, role, person.pk)


def _xlsx_cells(content: bytes) -> set[str]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    }


def test_jobseeker_export_masked_scoped_and_full_only_for_keepers(world: World, db: Any) -> None:
    from tiaodu.audit.models import SecurityEvent

    export = url("employment:jobseeker-export")
    secrets = secrets_of(world)
    masks = {p.pk: p.id_mask for s in world.slices.values() for p in s.jobseekers.values()}
    for code, role, user in _users_of(world):
        c = client(user)
        want = expected(world, code, role, Jobseeker)
        r = c.get(export)
        if not want and r.status_code in (403, 404):
            continue
        assert r.status_code == 200 and "attachment" in r.get("Content-Disposition", ""), (
            code,
            role,
            r.status_code,
        )
        cells = _xlsx_cells(r.content)
        assert not [v for v in secrets if v in cells], (code, role)
        assert {pk for pk, mask in masks.items() if mask in cells} == want, (code, role)
    # In full: the 人社局 gets the numbers of its district (and the export is audited); the
    # enterprise is refused and the refusal recorded.
    rsj = world.users[WANZHOU, "rsj"]
    before = SecurityEvent.objects.filter(user=rsj, kind="pi_exported_full").count()
    r = client(rsj).get(export, {"full": "1"})
    assert r.status_code == 200
    cells = _xlsx_cells(r.content)
    assert {n for n, _p in world.slices[WANZHOU].numbers.values()} <= cells
    assert not {n for n, _p in world.slices[TONGNAN].numbers.values()} & cells
    assert SecurityEvent.objects.filter(user=rsj, kind="pi_exported_full").count() == before + 1
    firm = world.users[WANZHOU, "enterprise"]
    r = client(firm).get(export, {"full": "1"})
    assert r.status_code == 403
    assert SecurityEvent.objects.filter(user=firm, kind="pi_reveal_refused").exists()


def test_reveal_allowed_and_refused(world: World, db: Any) -> None:
    """The 人社局 and the registering town reveal (audited); the enterprise that sees its
    candidate is refused with ``pi_reveal_forbidden`` and the refusal is in the security log;
    another town does not even find the row; a leader is refused."""
    from tiaodu.audit.models import SecurityEvent

    api_route("/api/v1/employment/jobseekers/1/reveal")
    s = world.slices[WANZHOU]
    applied = s.jobseekers["applied"]
    number, phone = s.numbers["applied"]
    path = f"/api/v1/employment/jobseekers/{applied.pk}/reveal"

    def post(role: str, field_: str = "id") -> Any:
        return client(world.users[WANZHOU, role]).post(
            path, {"field": field_}, content_type="application/json"
        )

    for role, value, kind in (("rsj", number, "id"), ("town-taian", phone, "phone")):
        user = world.users[WANZHOU, role]
        before = SecurityEvent.objects.filter(user=user, kind="pi_revealed").count()
        r = post(role, kind)
        assert r.status_code == 200 and r.json()["value"] == value, (role, r.content)
        assert SecurityEvent.objects.filter(user=user, kind="pi_revealed").count() == before + 1
    firm = world.users[WANZHOU, "enterprise"]
    r = post("enterprise")
    assert r.status_code == 403 and r.json()["code"] == "pi_reveal_forbidden"
    assert number not in r.content.decode()
    assert SecurityEvent.objects.filter(user=firm, kind="pi_reveal_refused").exists()
    assert post("town-other").status_code == 404
    assert post("leader").status_code in (403, 404)
    # The same-named jobseeker of 潼南区 is out of reach of 万州区's 人社局.
    other = world.slices[TONGNAN].jobseekers["applied"]
    r = client(world.users[WANZHOU, "rsj"]).post(
        f"/api/v1/employment/jobseekers/{other.pk}/reveal", {"field": "id"}, content_type="application/json"
    )
    assert r.status_code == 404
