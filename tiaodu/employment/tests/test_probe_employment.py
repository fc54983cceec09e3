"""The probe's matrix (issue 13) over the employment objects (issue 16): every role × vacancies,
jobseekers, fairs, buses and placements × HTML list, API list, CSV/xlsx export and details, with
0 leaks — and no full ID number or phone anywhere.

The world is the probe's (:func:`tiaodu.core.tests.probe_support.build_world`: 潼南区 and 大渡口区
of the demo plus 万州区, one user of every role in each), with a 人社局 user added per district
and, in each district, the same small employment slice: a vacancy of the enterprise user's
enterprise and one of another, four jobseekers in the two town users' townships, a fair with both
enterprises' booths, a bus and two placements (one with the enterprise user's vacancy). The
matrix's own machinery (:mod:`tiaodu.core.tests.test_probe_matrix`: lists, exports, details and
their "does not exist" oracle) checks the surfaces; this module only adds the employment rows
to its district table (:data:`DISTRICT_OF`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from itertools import count
from typing import Any

import pytest
from django.db import models, transaction
from stdnum.cn import uscc

from tiaodu.accounts.models import User
from tiaodu.core.tests import test_probe_matrix as matrix
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU
from tiaodu.core.tests.probe_support import MARK, World, _user, build_world
from tiaodu.employment import idcard
from tiaodu.employment.models import BusTrip, JobFair, Jobseeker, Placement, Vacancy
from tiaodu.employment.tests import factories
from tiaodu.enterprises.models import Enterprise
from tiaodu.regions.models import Region

EMPLOYMENT_DISTRICT: dict[type[models.Model], str] = {
    Vacancy: "district__code",
    Jobseeker: "district__code",
    JobFair: "district__code",
    BusTrip: "district__code",
    Placement: "district__code",
}
matrix.DISTRICT_OF.update(EMPLOYMENT_DISTRICT)
API = "/api/v1/employment"
Surface = matrix.Surface
SURFACES = [
    Surface(Vacancy, lambda o: f"/employment/vacancies/{o.pk}/", lambda o: f"{API}/vacancies/{o.pk}",
            "/employment/vacancies/", f"{API}/vacancies", lambda o: o.title,
            r'href="/employment/vacancies/(\d+)/"'),
    Surface(Jobseeker, lambda o: f"/employment/jobseekers/{o.pk}/", lambda o: f"{API}/jobseekers/{o.pk}",
            "/employment/jobseekers/", f"{API}/jobseekers", lambda o: o.id_mask,
            r'href="/employment/jobseekers/(\d+)/"'),
    Surface(JobFair, lambda o: f"/employment/fairs/{o.pk}/", lambda o: f"{API}/fairs/{o.pk}",
            "/employment/fairs/", f"{API}/fairs", lambda o: o.name, r'href="/employment/fairs/(\d+)/"'),
    Surface(BusTrip, lambda o: f"/employment/buses/{o.pk}/", lambda o: f"{API}/buses/{o.pk}",
            "/employment/buses/", f"{API}/buses", lambda o: o.name, r'href="/employment/buses/(\d+)/"'),
    Surface(Placement, lambda o: f"/employment/placements/{o.pk}/", lambda o: f"{API}/placements/{o.pk}",
            "/employment/placements/", f"{API}/placements", None, r'href="/employment/placements/(\d+)/"'),
    # The pages hanging off them.
    Surface(JobFair, lambda o: f"/employment/fairs/{o.pk}/counts/", lambda o: f"{API}/fairs/{o.pk}/counts",
            None, None),
    Surface(Placement, lambda o: f"/employment/placements/{o.pk}/changes/", None, None, None),
    Surface(Jobseeker, lambda o: f"/employment/matching/jobseekers/{o.pk}/", None, None, None),
    Surface(Vacancy, lambda o: f"/employment/matching/vacancies/{o.pk}/", None, None, None),
    Surface(Placement, None, None, "/employment/placements/follow-ups/", f"{API}/placements/follow-ups",
            None, r'href="/employment/placements/(\d+)/"'),
]  # fmt: skip

_serial = count(600)


def _credit(code: str, n: int) -> str:
    base = f"91{code}MA7P{n + 90:05d}"
    return base + uscc.calc_check_digit(base)


def employment_slice(code: str, firm: Enterprise, towns: tuple[Region, Region]) -> dict[str, Any]:
    """Vacancies, jobseekers (full ID numbers and phones kept for the leak check), a fair, a bus
    and two placements in one district."""
    from tiaodu.employment import buses, fairs, outcomes
    from tiaodu.enterprises import services as enterprises

    district = Region.objects.get(code=code)
    factories.settings_for(code)
    other = enterprises.save_enterprise(
        None, _credit(code, 1), towns[1], name=f"重庆{MARK}就业电子有限公司", industry_code="C3989"
    )[0]
    vacancies = [
        factories.vacancy(firm, f"{MARK}缝纫工{code}", published_on=date(2026, 9, 1)),
        factories.vacancy(other, f"{MARK}装配工{code}", published_on=date(2026, 9, 1)),
    ]
    people, secrets = [], []
    for k, name in enumerate(("张探针", "李探针", "王探针", "赵探针")):
        number = idcard.make(code, date(1988, 3, 3), next(_serial))
        phone = f"1370{code}{k}"[:11]
        secrets += [number, phone]
        people.append(factories.jobseeker(towns[k % 2].code, name, number=number, phone=phone))
    fair = fairs.create_fair(
        None, district=district, township=towns[0], name=f"{MARK}春风行动{code}", kind="spring",
        held_on=date(2026, 9, 10),
    )  # fmt: skip
    fairs.add_booth(None, fair, firm, vacancies=[vacancies[0]])
    fairs.add_booth(None, fair, other, vacancies=[vacancies[1]])
    fairs.sign_in(None, fair, people[2])
    trip = buses.create_trip(
        None, district=district, name=f"{MARK}求职专车{code}", run_on=date(2026, 9, 12), seats=5,
        stops=[(towns[1], "场镇")], enterprises=[other],
    )  # fmt: skip
    buses.add_rider(None, trip, people[1])
    placements = [
        outcomes.open_placement(None, jobseeker=people[0], vacancy=vacancies[0], on=fair.held_on, fair=fair),
        outcomes.open_placement(None, jobseeker=people[1], vacancy=vacancies[1], on=trip.run_on, trip=trip),
    ]
    outcomes.advance(None, placements[0], "hire", on=date(2026, 9, 13))
    outcomes.advance(None, placements[0], "start", on=date(2026, 9, 15))
    return {"objects": [*vacancies, *people, fair, trip, *placements], "secrets": secrets}


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            made = build_world()
            users = made.users
            firms = {code: Enterprise.objects.get(organization=users[f"{code}/{who}"].organization)
                     for code, who in ((TONGNAN, "qiye"), (DADUKOU, "enterprise"), (WANZHOU, "enterprise"))}  # fmt: skip
            towns = {
                TONGNAN: (users[f"{TONGNAN}/guxi"].region, users[f"{TONGNAN}/yuxi"].region),
                DADUKOU: (users[f"{DADUKOU}/town-taian"].region, users[f"{DADUKOU}/town"].region),
                WANZHOU: (users[f"{WANZHOU}/town-taian"].region, users[f"{WANZHOU}/town"].region),
            }
            objects, secrets = [], []
            for code in (TONGNAN, DADUKOU, WANZHOU):
                piece = employment_slice(code, firms[code], towns[code])  # type: ignore[arg-type]
                objects += piece["objects"]
                secrets += piece["secrets"]
                rsj = _user(f"probe-rsj{code}", "department", region=Region.objects.get(code=code),
                            org=factories.rsj(code))  # fmt: skip
                users[f"{code}/rsj"] = User.objects.select_related("region", "organization").get(pk=rsj.pk)
            made.made["employment"] = objects
            made.made["employment_secrets"] = secrets
            yield made
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_employment_matrix(world: World, db: Any) -> None:
    leaks: list[matrix.Leak] = []
    logged_in = matrix.clients(world)
    nothings: dict[tuple[str, str], tuple[int, str]] = {}
    for surface in SURFACES:
        model = surface.model
        seen = {who: matrix.visible(user, model) for who, user in world.users.items()}
        if surface.api_list or surface.html_list:
            for who, user in world.users.items():
                leaks += matrix.scope_sanity(who, user, model, seen[who])
        idents = matrix.export_idents(surface)
        objs = matrix.samples(world, model, seen)
        path = matrix.DISTRICT_OF[model]
        district_of = dict(model._base_manager.filter(pk__in=[o.pk for o in objs]).values_list("pk", path))
        for who, user in world.users.items():
            if user.role != "admin":
                leaks += _list_leaks(surface, who, user, logged_in[who], seen[who], idents)
            chosen = matrix.picks(objs, district_of, user, seen[who])
            leaks += matrix.detail_leaks(surface, who, user, logged_in[who], chosen, seen[who], nothings)
    matrix.verdict(leaks)


def _list_leaks(
    surface: Any, who: str, user: User, c: Any, seen: set[Any], idents: dict[str, list[Any]]
) -> list[matrix.Leak]:
    """The matrix's list check; the jobseeker list exports xlsx only (``?export=csv`` gives the
    same masked xlsx: one format for personal data), so its export is read as xlsx here."""
    if surface.model is not Jobseeker or not surface.html_list:
        return matrix.list_leaks(surface, who, user, c, seen, idents)
    leaks = matrix.list_leaks(dataclasses.replace(surface, ident=None), who, user, c, seen, {})
    if not matrix.can(user, "view", Jobseeker):
        return leaks
    cells, status = matrix.export_cells(c, surface.html_list, "xlsx")
    url = f"{surface.html_list}?export=xlsx"
    matrix.check_status(leaks, who, "employment.Jobseeker", None, url, status)
    for key, pks in idents.items():
        if len(pks) == 1 and pks[0] not in seen and key in cells:
            leaks.append(matrix.Leak("export", who, "employment.Jobseeker", pks[0], url, f"names {key}"))
    return leaks


def test_no_full_personal_data_on_any_surface(world: World, db: Any) -> None:
    """Every list, export, detail and API answer of the matrix, for every user: no full ID number
    or phone of any jobseeker (the full values only come from the audited reveal)."""
    secrets: list[str] = world.made["employment_secrets"]
    found: list[str] = []
    for who, c in matrix.clients(world).items():
        urls: list[str] = []
        for surface in SURFACES:
            urls += [u for u in (surface.html_list, surface.api_list) if u]
            if surface.html_list and surface.ident is not None:
                urls += [f"{surface.html_list}?export=csv", f"{surface.html_list}?export=xlsx"]
            for obj in world.made["employment"]:
                if isinstance(obj, surface.model):
                    urls += [f(obj) for f in (surface.html_detail, surface.api_detail) if f is not None]
        urls.append("/employment/jobseekers/export.xlsx")
        for url in urls:
            r = c.get(url)
            if r.status_code != 200:
                continue
            body = r.content.decode("utf-8", "replace") if "xlsx" not in url else _xlsx_text(r.content)
            found += [f"{who} {url} {s[:4]}…" for s in secrets if s in body]
    assert not found, found[:20]


def _xlsx_text(content: bytes) -> str:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


def test_the_probe_sees_a_planted_leak(world: World, db: Any, monkeypatch: Any) -> None:
    """Not blind: a jobseeker list that forgets the scope is caught (its page and its export)."""
    from tiaodu.employment import views_jobseekers

    monkeypatch.setattr(
        views_jobseekers.JobseekerListView, "get_queryset", lambda self: Jobseeker.objects.order_by("pk")
    )
    who = f"{WANZHOU}/rsj"
    user = world.users[who]
    (surface,) = [s for s in SURFACES if s.model is Jobseeker and s.html_list]
    seen = matrix.visible(user, Jobseeker)
    found = _list_leaks(surface, who, user, matrix.clients(world)[who], seen, matrix.export_idents(surface))
    assert {leak.kind for leak in found} >= {"list", "export"}, found
