"""Units: registering and changing them (credit code, registry link, sector, township, key
project, coordinates, duplicates, scope) and finding them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU, shared_township
from tiaodu.enterprises.demo import credit_code
from tiaodu.enterprises.models import Enterprise
from tiaodu.projects.models import Project
from tiaodu.regions.models import Region
from tiaodu.safety import units
from tiaodu.safety.models import Unit

pytestmark = pytest.mark.django_db
GUXI = "500152103"


def code(n: int, district: str = TONGNAN) -> str:
    return credit_code(district, "MA7R", n)


def _error(exc: pytest.ExceptionInfo[ServiceError]) -> str:
    return exc.value.errors[0].code if exc.value.errors else exc.value.code


def test_create_unit_with_names_and_labels(users: dict) -> None:
    unit = units.create_unit(
        users["admin"],
        name=" 古溪加油站 ",
        township="古溪镇",
        sector="商贸",
        unit_type="加油站",
        risk_level="橙",
        credit_code=code(1).lower(),
        has_risk_list=True,
        longitude="105.84",
        latitude="30.19",
    )
    assert unit.name == "古溪加油站" and unit.township.code == GUXI and unit.district.code == TONGNAN
    assert (unit.sector.code, unit.unit_type, unit.risk_level) == ("commerce", "gas_station", "large")
    assert unit.credit_code == code(1) and unit.enterprise is None
    assert unit.two_lists_two_cards_done == 1 and unit.risk_colour == "orange"
    assert unit.created_by == users["admin"]


def test_linked_to_registry_enterprise_by_code_or_name(users: dict) -> None:
    enterprise = (
        Enterprise.objects.select_related("township").filter(township__code__startswith=TONGNAN).first()
    )
    assert enterprise is not None
    by_code = units.create_unit(
        None, name="某单位", township=enterprise.township, sector="工贸", credit_code=enterprise.credit_code
    )
    assert by_code.enterprise == enterprise
    by_code.delete()
    by_name = units.create_unit(None, name=enterprise.name, township=enterprise.township, sector="工贸")
    assert by_name.enterprise == enterprise and by_name.credit_code == enterprise.credit_code


def test_all_errors_at_once_and_nothing_written(users: dict) -> None:
    before = Unit.objects.count()
    with pytest.raises(ServiceError) as exc:
        units.create_unit(
            users["admin"],
            name="",
            township="没有这个镇",
            sector="煤矿",
            unit_type="工厂",
            credit_code="123",
            longitude="200",
            latitude="30",
        )
    codes = {e.code for e in exc.value.errors}
    assert {
        "required",
        "township_unknown",
        "invalid_choice",
        "credit_code_length",
        "coordinate_out_of_range",
    } <= codes
    with pytest.raises(ServiceError) as exc:
        units.create_unit(users["admin"], name="X", township=GUXI, sector="煤矿")
    assert _error(exc) == "sector_unknown" and "危险化学品" in exc.value.errors[0].message
    with pytest.raises(ServiceError) as exc:
        units.create_unit(users["admin"], name="X", township=GUXI, sector="工贸", longitude="105.8")
    assert _error(exc) == "coordinates_incomplete"
    assert Unit.objects.count() == before


def test_duplicates_refused() -> None:
    units.create_unit(None, name="码头一", township=GUXI, sector="水上交通", credit_code=code(2))
    with pytest.raises(ServiceError) as exc:
        units.create_unit(None, name="码头一", township=GUXI, sector="水上交通")
    assert exc.value.code == "unit_duplicate"
    with pytest.raises(ServiceError) as exc:
        units.create_unit(None, name="码头二", township=GUXI, sector="水上交通", credit_code=code(2))
    assert exc.value.code == "unit_duplicate"
    # The same name in another township is another unit.
    units.create_unit(None, name="码头一", township="500152107", sector="水上交通")


def test_site_links_its_key_project_only() -> None:
    project = Project.objects.filter(township__code__startswith=TONGNAN).first()
    assert project is not None
    site = units.create_unit(
        None,
        name="工地一",
        township=project.township,
        sector="建筑施工",
        unit_type="建筑工地",
        project=project.pk,
    )
    assert site.project == project
    with pytest.raises(ServiceError) as exc:
        units.create_unit(None, name="工厂一", township=project.township, sector="工贸", project=project)
    assert _error(exc) == "project_not_site"
    with pytest.raises(ServiceError) as exc:
        units.create_unit(
            None,
            name="工地二",
            township="500104990" if False else _dadukou_town(),
            sector="建筑施工",
            unit_type="建筑工地",
            project=project,
        )
    assert _error(exc) == "project_unknown"


def _dadukou_town() -> Region:
    return Region.objects.filter(code__startswith=DADUKOU, level=4).first()  # type: ignore[return-value]


def test_township_names_resolve_in_the_actors_district(users: dict) -> None:
    towns = shared_township()
    unit = units.create_unit(users["admin"], name="太安商场", township="太安镇", sector="商贸")
    assert unit.township == towns[TONGNAN]
    unit = units.create_unit(None, name="太安商场", township=towns[WANZHOU], sector="商贸")
    assert unit.district.code == WANZHOU and unit.sector.region.code == WANZHOU


def test_scope_of_writes(users: dict) -> None:
    # A town adds in its own township only; an enterprise may not add.
    town = units.create_unit(
        users["guxi"], name="古溪市场", township=GUXI, sector="商贸", unit_type="商贸市场"
    )
    assert town.created_by == users["guxi"]
    with pytest.raises(ServiceError) as exc:
        units.create_unit(users["guxi"], name="玉溪市场", township="500152107", sector="商贸")
    assert exc.value.status == 403
    with pytest.raises(ServiceError) as exc:
        units.create_unit(users["qiye"], name="企业自己", township=GUXI, sector="工贸")
    assert exc.value.status == 403
    # A department of 潼南区 does not register units of 大渡口区.
    with pytest.raises(ServiceError) as exc:
        units.create_unit(users["jxw"], name="大渡口工厂", township=_dadukou_town(), sector="工贸")
    assert exc.value.status == 403
    assert not Unit.objects.filter(name__in=["玉溪市场", "企业自己", "大渡口工厂"]).exists()


def test_update_with_version_and_relink(users: dict) -> None:
    unit = units.create_unit(None, name="燃气站", township=GUXI, sector="城镇燃气", risk_level="一般")
    updated = units.update_unit(
        users["admin"], unit.pk, version=unit.version, risk_level="red", has_duty_list=True
    )
    assert updated.risk_level == "major" and updated.has_duty_list and updated.version == unit.version + 1
    with pytest.raises(ServiceError) as exc:
        units.update_unit(users["admin"], unit.pk, version=unit.version, risk_level="low")
    assert exc.value.code == "stale_write"
    with pytest.raises(ServiceError) as exc:
        units.update_unit(users["admin"], unit.pk, township=_dadukou_town())
    assert _error(exc) == "township_unknown"
    with pytest.raises(ServiceError) as exc:
        units.update_unit(users["admin"], unit.pk, colour="red")
    assert _error(exc) == "field_not_editable"
    enterprise = Enterprise.objects.filter(township__code=GUXI).first()
    assert enterprise is not None
    relinked = units.update_unit(None, unit.pk, credit_code=enterprise.credit_code)
    assert relinked.enterprise == enterprise
    assert Unit.objects.get(pk=unit.pk).risk_level == "major"


def test_find_unit_by_code_then_name_in_township() -> None:
    towns = shared_township()
    tongnan, wanzhou = Region.objects.get(code=TONGNAN), Region.objects.get(code=WANZHOU)
    a = units.create_unit(None, name="同名厂", township=towns[TONGNAN], sector="工贸", credit_code=code(3))
    b = units.create_unit(None, name="同名厂", township=towns[WANZHOU], sector="工贸")
    c = units.create_unit(None, name="同名厂", township=GUXI, sector="工贸")
    assert units.find_unit(tongnan, credit_code=code(3).lower()) == a
    assert units.find_unit(wanzhou, credit_code=code(3)) is None  # 潼南区's unit
    assert units.find_unit(wanzhou, name="同名厂", township=towns[WANZHOU]) == b
    assert units.find_unit(tongnan, name="同名厂", township=Region.objects.get(code=GUXI)) == c
    assert units.find_unit(tongnan, name="同名厂") is None  # two in 潼南区: ambiguous
    assert units.find_unit(wanzhou, name="同名厂") == b
    assert units.find_unit(tongnan, credit_code=code(9), name="同名厂", township=towns[TONGNAN]) == a
    index = units.UnitIndex()
    assert index.find(tongnan, credit_code=code(3)) == a
    assert index.find(wanzhou, name="同名厂", township=towns[WANZHOU]) == b
    assert index.find(tongnan, name="同名厂") is None
    assert index.find(wanzhou, name="同名厂") == b
    assert index.find(wanzhou, credit_code=code(3)) is None


def test_coordinates_outside_the_district_refused() -> None:
    with pytest.raises(ServiceError) as exc:
        units.create_unit(
            None,
            name="远方",
            township=GUXI,
            sector="工贸",
            longitude=Decimal("116.4"),
            latitude=Decimal("39.9"),
        )
    assert _error(exc) == "coordinates_outside_region"
