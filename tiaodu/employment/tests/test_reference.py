"""Reference data (lane A): the shipped 职业分类大典 catalogue, codes and their levels, proposing
an occupation from a job title, a district's settings and its employment staff, township seats
and 赶场 rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tiaodu.core.errors import Forbidden, ServiceError
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU
from tiaodu.employment import reference
from tiaodu.employment.choices import CalendarKind, OccupationLevel
from tiaodu.employment.models import EmploymentSettings, MarketRule, Occupation, TownshipSeat
from tiaodu.employment.tests.factories import rsj, staff
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

GUXI, YUXI = "500152103", "500152107"


def _region(code: str) -> Region:
    return Region.objects.get(code=code)


def _code(found: Occupation | None) -> str:
    return found.code if found is not None else ""


# --- the catalogue ----------------------------------------------------------------------------------


def test_migration_ships_the_major_and_middle_classes() -> None:
    shipped = Occupation.objects.filter(is_shipped=True)
    majors = shipped.filter(level=OccupationLevel.MAJOR)
    assert sorted(majors.values_list("code", flat=True)) == list("12345678")
    assert majors.get(code="6").name == "生产制造及有关人员"
    assert majors.get(code="7").name == "军队人员"
    middles = shipped.filter(level=OccupationLevel.MIDDLE)
    assert middles.count() == 79
    counts = {m: middles.filter(parent__code=m).count() for m in "12345678"}
    assert counts == {"1": 6, "2": 11, "3": 4, "4": 15, "5": 6, "6": 32, "7": 4, "8": 1}
    assert Occupation.objects.get(code="6-05").name == "纺织品、服装和皮革、毛皮制品加工制作人员"
    assert Occupation.objects.get(code="4-02").name == "交通运输、仓储物流和邮政业服务人员"
    # Every row hangs under the row its code names, at the level its shape says.
    for occ in Occupation.objects.select_related("parent"):
        assert occ.level == occ.code.count("-") + 1, occ.code
        assert _code(occ.parent) == reference.parent_code(occ.code), occ.code
    assert 100 <= shipped.count() <= 160
    sewing = Occupation.objects.get(code="6-05-01-03")
    assert (sewing.name, sewing.level, _code(sewing.parent)) == (
        "缝纫工",
        OccupationLevel.OCCUPATION,
        "6-05-01",
    )
    assert "平车工" in sewing.keywords


def test_codes_levels_and_ancestors() -> None:
    assert reference.ancestors("6-05-01-01") == ["6", "6-05", "6-05-01", "6-05-01-01"]
    assert reference.ancestors("4") == ["4"]
    assert reference.ancestors("6-5") == []
    assert [reference.level_of(c) for c in ("6", "6-05", "6-05-01", "6-14-02-00")] == [1, 2, 3, 4]
    for bad in ("", "60", "6-5", "6-05-1", "6-05-01-01-01", "A-01"):
        with pytest.raises(ServiceError) as caught:
            reference.level_of(bad)
        assert caught.value.errors[0].code == "occupation_code_format"
    assert _code(reference.occupation("6-05-01-03")) == "6-05-01-03"
    assert reference.occupation("9-99") is None
    assert reference.occupation("not a code") is None


@pytest.mark.parametrize(
    ("title", "text", "code"),
    [
        ("缝纫工", "", "6-05-01-03"),
        ("平车工(计件)", "", "6-05-01-03"),
        ("服装车工", "", "6-05-01-03"),  # the longer term wins over 车工 (machining), same level
        ("数控车工", "", "6-18-01-01"),
        ("叉车司机", "", "6-30-05-01"),
        ("货车司机", "", "4-02-02-02"),
        ("司机", "", "4-02-02"),
        ("电焊工", "", "6-18-02-04"),
        ("仓库管理员", "", "4-02-06-01"),
        ("养老院护工", "", "4-10-01-05"),
        ("电子厂普工", "", "6-25"),  # 电子厂 (中类) is more specific than 普工 (大类)
        ("普工", "", "6"),
        ("招聘若干名", "在玩具厂从事毛绒玩具缝制", "6-05-01-03"),
        ("招聘若干名", "毛绒玩具厂流水线", "6-09"),
    ],
)
def test_propose_occupation(title: str, text: str, code: str) -> None:
    found = reference.propose_occupation(title, text)
    assert found is not None and found.code == code


def test_propose_nothing_and_short_terms_need_whole_words() -> None:
    assert reference.propose_occupation("", "") is None
    assert reference.propose_occupation("abcdef", "") is None
    # 电子 is a keyword of 6-25 but 电子商务 is one word, not an electronics job.
    found = reference.propose_occupation("电子商务运营", "")
    assert found is None or found.code != "6-25"


def test_propose_follows_catalogue_changes() -> None:
    assert _code(reference.propose_occupation("毛绒玩具充棉工")) == "6-09"
    parent = Occupation.objects.get(code="6-09")
    Occupation.objects.create(
        code="6-09-99", name="其他玩具制作人员", level=3, parent=parent, keywords="充棉工"
    )
    assert _code(reference.propose_occupation("毛绒玩具充棉工")) == "6-09-99"


def test_load_is_idempotent_and_keeps_imported_codes() -> None:
    before = Occupation.objects.count()
    extra = Occupation.objects.create(
        code="6-05-99", name="其他纺织品加工人员", level=3, parent=Occupation.objects.get(code="6-05")
    )
    reference.load_occupations()
    assert Occupation.objects.count() == before + 1
    assert Occupation.objects.filter(pk=extra.pk, is_shipped=False).exists()


# --- settings and staff ---------------------------------------------------------------------------


def test_settings_for_picks_the_employment_departments() -> None:
    tongnan = _region(TONGNAN)
    EmploymentSettings.objects.filter(region=tongnan).delete()
    hr = rsj(TONGNAN)
    centre = Organization.objects.create(
        name="潼南区就业服务中心", short_name="就业中心", kind=OrgKind.DEPARTMENT, region=tongnan
    )
    renli = Organization.objects.create(
        name="重庆市潼南区人力资源和社会保障局",
        short_name="区人力社保",
        kind=OrgKind.DEPARTMENT,
        region=tongnan,
    )
    Organization.objects.create(name="人力资源服务有限公司", kind=OrgKind.ENTERPRISE, region=tongnan)
    row = reference.settings_for(tongnan)
    assert set(row.departments.all()) == {hr, centre, renli}
    # Existing settings are kept as they are.
    row.departments.remove(centre)
    assert reference.settings_for(tongnan).pk == row.pk
    assert set(reference.settings_for(tongnan).departments.all()) == {hr, renli}
    # A township resolves to its district.
    assert reference.settings_for(_region(GUXI)).pk == row.pk


def test_is_employment_staff(users: dict) -> None:
    tongnan, dadukou = _region(TONGNAN), _region(DADUKOU)
    officer = staff(TONGNAN, "rsj_a")
    assert reference.is_employment_staff(officer, tongnan)
    assert not reference.is_employment_staff(officer, dadukou)
    assert not reference.is_employment_staff(users["jxw"], tongnan)  # a department, not employment
    assert not reference.is_employment_staff(users["guxi"], tongnan)
    assert not reference.is_employment_staff(users["leader"], tongnan)
    assert not reference.is_employment_staff(None, tongnan)
    row = reference.settings_for(tongnan)
    row.departments.remove(rsj(TONGNAN))
    assert not reference.is_employment_staff(officer, tongnan)


def test_update_settings(users: dict) -> None:
    tongnan = _region(TONGNAN)
    officer = staff(TONGNAN, "rsj_b")
    centre = Organization.objects.create(name="就业服务中心", kind=OrgKind.DEPARTMENT, region=tongnan)
    row = reference.update_settings(
        officer,
        tongnan,
        departments=[officer.organization_id, centre.pk],
        retention_days=730,
        consent_purpose="用于就业服务",
    )
    assert set(row.departments.all()) == {officer.organization, centre}
    assert (row.retention_days, row.consent_purpose) == (730, "用于就业服务")
    other = Organization.objects.create(name="大渡口某局", kind=OrgKind.DEPARTMENT, region=_region(DADUKOU))
    with pytest.raises(ServiceError) as caught:
        reference.update_settings(officer, tongnan, departments=[other.pk], retention_days=5)
    assert {e.code for e in caught.value.errors} == {"organization_unknown", "number_out_of_range"}
    assert EmploymentSettings.objects.get(pk=row.pk).retention_days == 730
    with pytest.raises(ServiceError):
        reference.update_settings(users["guxi"], tongnan, retention_days=800)
    with pytest.raises(ServiceError):
        reference.update_settings(staff(DADUKOU, "rsj_ddk"), tongnan, retention_days=800)
    assert EmploymentSettings.objects.get(pk=row.pk).retention_days == 730


# --- seats and market rules ------------------------------------------------------------------------


def test_seats(users: dict) -> None:
    guxi = _region(GUXI)
    assert reference.seat_of(guxi) is None
    officer = staff(TONGNAN, "rsj_c")
    seat = reference.save_seat(officer, "古溪镇", Decimal("105.85"), Decimal("30.28"))
    assert reference.seat_of(guxi) == seat and seat.district.code == TONGNAN
    moved = reference.save_seat(users["guxi"], guxi, Decimal("105.86"), Decimal("30.29"))
    assert moved.pk == seat.pk and TownshipSeat.objects.count() == 1
    with pytest.raises(ServiceError) as caught:
        reference.save_seat(officer, guxi, Decimal("116.4"), None)
    assert caught.value.errors[0].code == "required"
    with pytest.raises(ServiceError) as caught:
        reference.save_seat(officer, "500101001", Decimal("108.4"), Decimal("30.8"))  # 万州区
    assert caught.value.errors[0].code == "township_unknown"


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("1、4、7", "147"),
        ("147", "147"),
        (147, "147"),
        ("2,5,8", "258"),
        ("逢三六九", "369"),
        ("0 5", "05"),
        ("7,4,1,1", "147"),
    ],
)
def test_parse_digits(raw: object, digits: str) -> None:
    assert reference.parse_digits(raw) == digits


@pytest.mark.parametrize("raw", ["", None, "1、4、x", "每周三", "11号"])
def test_parse_digits_refuses(raw: object) -> None:
    if raw == "11号":
        assert reference.parse_digits("11") == "1"
        return
    with pytest.raises(ServiceError) as caught:
        reference.parse_digits(raw)
    assert caught.value.errors[0].code == "market_digits"


def test_save_market_rule(users: dict) -> None:
    rule = reference.save_market_rule(
        users["guxi"], township="古溪镇", digits="1、4、7", calendar="农历", place="古溪场"
    )
    assert (rule.township.code, rule.district.code, rule.digits, rule.calendar) == (
        GUXI,
        TONGNAN,
        "147",
        CalendarKind.LUNAR,
    )
    same = reference.save_market_rule(
        users["guxi"], township=GUXI, digits="258", calendar="公历", place="古溪场"
    )
    assert same.pk == rule.pk and (same.digits, same.calendar) == ("258", CalendarKind.SOLAR)
    assert MarketRule.objects.count() == 1
    with pytest.raises(ServiceError) as caught:
        reference.save_market_rule(users["guxi"], township="万州区太安镇", digits="147x")
    assert {e.code for e in caught.value.errors} >= {"market_digits"}
    with pytest.raises((Forbidden, ServiceError)):
        reference.save_market_rule(users["leader"], township=YUXI, digits="369")
    assert MarketRule.objects.count() == 1
    with pytest.raises(ServiceError) as caught:
        reference.save_market_rule(staff(TONGNAN, "rsj_d"), township=WANZHOU + "001", digits="369")
    assert caught.value.errors[0].code in ("township_unknown",)
