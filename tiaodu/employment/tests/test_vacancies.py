"""Vacancy services (lane C): the 就业促进法 checks, create/update/close, open vacancies on a date,
labour needs into vacancies."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tiaodu.cases.tests.factories import credit_code, enterprise, qiye_enterprise
from tiaodu.core.concurrency import StaleWrite
from tiaodu.core.errors import InvalidInput, ServiceError
from tiaodu.core.tests.districts import DADUKOU, TONGNAN
from tiaodu.employment import vacancies
from tiaodu.employment.models import Occupation, Vacancy
from tiaodu.employment.tests.factories import staff
from tiaodu.enterprises.models import Enterprise, Need
from tiaodu.enterprises.services import NeedInput, record_need
from tiaodu.regions.models import Region

GUXI, YUXI = "500152103", "500152107"
db = pytest.mark.django_db


def codes(errors: list[Any]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in errors}


def occupation(code: str, name: str, keywords: str = "") -> Occupation:
    """A catalogue row (the shipped catalogue may have it already)."""
    level = len(code.split("-"))
    parent = None
    if level > 1:
        parent = occupation(code.rsplit("-", 1)[0], f"{name}类")
    row, _made = Occupation.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "keywords": keywords}
    )
    return row


def firm(serial: int = 1, township: str = GUXI, district: str = TONGNAN) -> Enterprise:
    return enterprise(credit_code(8_100_000 + serial, district), township, f"岗位测试企业{serial}")


# --- the 就业促进法 check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("限男性", "性别"),
        ("仅招女工", "性别"),
        ("男性优先", "性别"),
        ("女士优先,有经验者", "性别"),
        ("性别:男", "性别"),
        ("招聘男工10名", "性别"),
        ("已婚已育", "婚育"),
        ("孕妇勿扰", "婚育"),
        ("限汉族", "民族"),
        ("民族:汉", "民族"),
        ("少数民族勿扰", "民族"),
        ("本地户籍优先", "地域或户籍"),
        ("限本地人", "地域或户籍"),
        ("不招外地人", "地域或户籍"),
        ("外省勿扰", "地域或户籍"),
        ("限重庆籍", "地域或户籍"),
        ("籍贯:四川", "地域或户籍"),
        ("乙肝携带者勿扰", "传染病病原携带者"),
    ],
)
def test_discriminatory_requirements_refused(text: str, category: str) -> None:
    errors = vacancies.check_requirements(title="普工", requirements=f"身体健康,{text}")
    assert [(e.field, e.code) for e in errors] == [("requirements", "discriminatory_requirement")]
    message = errors[0].message
    assert f"属于{category}限制" in message and "《就业促进法》" in message and "条" in message


def test_articles_named_per_category() -> None:
    def message(text: str) -> str:
        return vacancies.check_requirements(requirements=text)[0].message

    assert "第二十七条" in message("限男性") and "第三条" in message("限男性")
    assert "第二十八条" in message("限汉族")
    assert "第三十一条" in message("本地户籍") and "第二十六条" in message("本地户籍")
    assert "第三十条" in message("乙肝勿扰")


@pytest.mark.parametrize(
    "text",
    [
        "男装车间缝纫工",
        "女装车间熨烫",
        "男士西装熨烫",
        "女式衬衫车缝",
        "需男装车缝经验",
        "男女不限",
        "性别不限,籍贯不限",
        "婚否不限",
        "少数民族优先,吃苦耐劳",
        "水族馆饲养员",
        "上班族可兼职",
        "持C1驾驶证,熟练车工",
        "保安,夜班",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert vacancies.check_requirements(title=text, requirements=text, skills=text) == []


def test_sex_in_the_title_and_every_text_field() -> None:
    errors = vacancies.check_requirements(
        title="缝纫女工", requirements="", skills="限男性", certificates="本地户籍"
    )
    assert codes(errors) == {
        ("title", "discriminatory_requirement"),
        ("skills", "discriminatory_requirement"),
        ("certificates", "discriminatory_requirement"),
    }
    assert vacancies.check_requirements(title="女装车间普工") == []


def test_age_limits_need_a_ground() -> None:
    check = vacancies.check_requirements
    assert codes(check(age_max=45)) == {("age_ground", "age_limit_without_ground")}
    assert codes(check(age_min=20)) == {("age_ground", "age_limit_without_ground")}
    assert check(age_min=18) == [] and check(age_min=16) == []
    assert check(age_min=20, age_max=45, age_ground="高空作业,体检要求") == []
    # Written in the text instead of the fields.
    assert codes(check(requirements="年龄18-45岁")) == {("age_ground", "age_limit_without_ground")}
    assert codes(check(requirements="45周岁以下")) == {("age_ground", "age_limit_without_ground")}
    assert check(requirements="年满18周岁") == []
    assert check(requirements="18-45岁", age_ground="井下作业") == []
    # Upside down; below the legal working age.
    assert ("age_min", "age_range") in codes(check(age_min=50, age_max=30, age_ground="x"))
    assert codes(check(age_min=15)) == {("age_min", "age_below_legal")}


# --- create / update / close -------------------------------------------------------------------------


@db
def test_create_vacancy_by_employment_staff() -> None:
    user = staff(TONGNAN)
    company = firm(1)
    sewer = occupation("6-05-01-01", "缝纫工")
    row = vacancies.create_vacancy(
        user,
        enterprise=company,
        title="缝纫工",
        headcount=20,
        published_on=date(2022, 2, 10),
        occupation="6-05-01-01",
        wage_min=3500,
        wage_max=5000,
        shift="两班倒",
        housing=True,
        meals=True,
        education="初中",
        skills="熟练使用平缝机",
        requirements="有制衣厂工作经历",
        work_place="潼南高新区",
        valid_until=date(2022, 4, 30),
    )
    row.refresh_from_db()
    assert row.enterprise == company and row.district.code == TONGNAN and row.township.code == GUXI
    assert row.occupation == sewer and row.occupation_proposed is False
    assert (row.shift, row.education, row.housing, row.meals) == ("two", "junior", True, True)
    assert row.status == "open" and row.created_by == user and row.version == 1
    assert "平缝机" in row.tokens.split() and "制衣厂" in row.tokens.split()
    # Another township of the district as the work place; coordinates given together.
    other = vacancies.create_vacancy(
        user,
        enterprise=company.credit_code,
        title="包装工",
        headcount="5",
        published_on="2022-02-11",
        township="玉溪镇",
    )
    assert other.township.code == YUXI and other.headcount == 5 and other.published_on == date(2022, 2, 11)


@db
def test_blank_occupation_is_proposed(monkeypatch: Any) -> None:
    marker = occupation("4-99-99-99", "岗位测试工种甲", keywords="测试岗位甲")
    row = vacancies.create_vacancy(
        None, enterprise=firm(2), title="测试岗位甲", headcount=3, published_on=date(2022, 3, 1)
    )
    assert row.occupation == marker and row.occupation_proposed is True
    # The requirements are the second chance; the proposer gets the title and the texts.
    calls: list[tuple[str, str]] = []

    def fake(title: str, text: str = "") -> Occupation | None:
        calls.append((title, text))
        return None

    monkeypatch.setattr(vacancies.reference, "propose_occupation", fake)
    none = vacancies.create_vacancy(
        None,
        enterprise=firm(2),
        title="杂工",
        headcount=1,
        published_on=date(2022, 3, 1),
        skills="搬运",
        requirements="能上夜班",
    )
    assert none.occupation is None and none.occupation_proposed is False
    assert calls == [("杂工", "搬运  能上夜班")]


@db
def test_bad_input_refused_with_codes_and_nothing_written() -> None:
    user = staff(TONGNAN)
    company = firm(3)
    before = Vacancy.objects.count()
    with pytest.raises(InvalidInput) as caught:
        vacancies.create_vacancy(
            user,
            enterprise=company,
            title="普工",
            headcount=0,
            published_on=date(2022, 3, 1),
            wage_min=6000,
            wage_max=4000,
            valid_until=date(2022, 2, 1),
            requirements="限男性,本地户籍",
            age_max=40,
            occupation="9-99-99-99",
            shift="四班倒",
        )
    found = codes(caught.value.errors)
    assert {
        ("headcount", "number_out_of_range"),
        ("wage_min", "wage_floor_above_ceiling"),
        ("valid_until", "valid_until_before_published"),
        ("requirements", "discriminatory_requirement"),
        ("age_ground", "age_limit_without_ground"),
        ("occupation", "occupation_unknown"),
        ("shift", "invalid_choice"),
    } <= found
    assert len([e for e in caught.value.errors if e.code == "discriminatory_requirement"]) == 2
    with pytest.raises(InvalidInput) as caught:
        vacancies.create_vacancy(
            user, enterprise=company, title="", headcount=1, published_on=None, township="500104001"
        )
    assert {("title", "required"), ("published_on", "required")} <= codes(caught.value.errors)
    assert Vacancy.objects.count() == before


@db
def test_work_place_outside_the_district_refused() -> None:
    ddk_town = Region.objects.filter(code__startswith=DADUKOU, level=4).first()
    assert ddk_town is not None
    with pytest.raises(InvalidInput) as caught:
        vacancies.create_vacancy(
            None,
            enterprise=firm(4),
            title="普工",
            headcount=1,
            published_on=date(2022, 3, 1),
            township=ddk_town,
        )
    assert codes(caught.value.errors) == {("township", "township_unknown")}


@db
def test_who_may_post(users: dict) -> None:
    own = qiye_enterprise()
    other = firm(5)
    # An enterprise posts its own vacancies only.
    row = vacancies.create_vacancy(
        users["qiye"], enterprise=own, title="包装工", headcount=2, published_on=date(2022, 3, 1)
    )
    assert row.enterprise == own
    before = Vacancy.objects.count()
    with pytest.raises(ServiceError) as caught:
        vacancies.create_vacancy(
            users["qiye"], enterprise=other, title="包装工", headcount=2, published_on=date(2022, 3, 1)
        )
    assert caught.value.status in (403, 404)
    # Towns and leaders read vacancies, they do not post them.
    for name in ("guxi", "leader"):
        with pytest.raises(ServiceError) as caught:
            vacancies.create_vacancy(
                users[name], enterprise=other, title="普工", headcount=1, published_on=date(2022, 3, 1)
            )
        assert caught.value.status == 403
    # Another district's employment staff cannot post for 潼南's enterprises.
    with pytest.raises(ServiceError) as caught:
        vacancies.create_vacancy(
            staff(DADUKOU), enterprise=other, title="普工", headcount=1, published_on=date(2022, 3, 1)
        )
    assert caught.value.status in (403, 404)
    assert Vacancy.objects.count() == before


@db
def test_update_vacancy(monkeypatch: Any) -> None:
    user = staff(TONGNAN)
    first = occupation("4-99-99-98", "岗位测试工种乙", keywords="测试岗位乙")
    second = occupation("4-99-99-97", "岗位测试工种丙", keywords="测试岗位丙")
    row = vacancies.create_vacancy(
        user, enterprise=firm(6), title="测试岗位乙", headcount=3, published_on=date(2022, 3, 1)
    )
    assert row.occupation == first and row.occupation_proposed
    # A new title re-proposes the proposed occupation; tokens follow.
    row = vacancies.update_vacancy(user, row, row.version, title="测试岗位丙", skills="叉车")
    assert row.occupation == second and row.occupation_proposed and "叉车" in row.tokens.split()
    assert row.version == 2
    # An occupation chosen stays chosen.
    row = vacancies.update_vacancy(user, row.pk, None, occupation=first.code)
    assert row.occupation == first and not row.occupation_proposed
    row = vacancies.update_vacancy(user, row.pk, None, title="测试岗位丙")
    assert row.occupation == first
    # Stale version, bad values, fields that cannot change.
    with pytest.raises(StaleWrite):
        vacancies.update_vacancy(user, row.pk, 1, headcount=9)
    with pytest.raises(InvalidInput) as caught:
        vacancies.update_vacancy(user, row.pk, None, wage_min=5000, wage_max=3000)
    assert codes(caught.value.errors) == {("wage_min", "wage_floor_above_ceiling")}
    with pytest.raises(InvalidInput) as caught:
        vacancies.update_vacancy(user, row.pk, None, enterprise=firm(7))
    assert codes(caught.value.errors) == {("enterprise", "field_not_editable")}
    row.refresh_from_db()
    assert row.headcount == 3 and row.wage_min is None and row.enterprise.name == "岗位测试企业6"


@db
def test_enterprise_changes_only_its_own(users: dict) -> None:
    own = vacancies.create_vacancy(
        None, enterprise=qiye_enterprise(), title="普工", headcount=1, published_on=date(2022, 3, 1)
    )
    other = vacancies.create_vacancy(
        None, enterprise=firm(8), title="普工", headcount=1, published_on=date(2022, 3, 1)
    )
    assert vacancies.update_vacancy(users["qiye"], own, None, headcount=4).headcount == 4
    with pytest.raises(ServiceError) as caught:
        vacancies.update_vacancy(users["qiye"], other, None, headcount=4)
    assert caught.value.status == 404
    with pytest.raises(ServiceError) as caught:
        vacancies.close_vacancy(users["guxi"], own, "closed")
    assert caught.value.status == 403  # sees it, may not change it


@db
def test_close_and_open_on_a_date() -> None:
    user = staff(TONGNAN)
    company = firm(9)
    district = Region.objects.get(code=TONGNAN)
    a = vacancies.create_vacancy(
        user,
        enterprise=company,
        title="甲",
        headcount=1,
        published_on=date(2022, 2, 1),
        valid_until=date(2022, 2, 28),
    )
    b = vacancies.create_vacancy(
        user, enterprise=company, title="乙", headcount=1, published_on=date(2022, 2, 15)
    )
    c = vacancies.create_vacancy(
        user, enterprise=company, title="丙", headcount=1, published_on=date(2022, 2, 1)
    )

    def open_on(day: date) -> set[int]:
        return set(
            vacancies.open_vacancies(district, day).filter(enterprise=company).values_list("pk", flat=True)
        )

    assert open_on(date(2022, 2, 10)) == {a.pk, c.pk}
    assert open_on(date(2022, 2, 28)) == {a.pk, b.pk, c.pk}
    assert open_on(date(2022, 3, 1)) == {b.pk, c.pk}
    assert vacancies.close_vacancy(user, c, "filled").status == "filled"
    assert open_on(date(2022, 3, 1)) == {b.pk}
    assert vacancies.close_vacancy(user, c.pk, "招聘中").status == "open"
    with pytest.raises(InvalidInput) as caught:
        vacancies.close_vacancy(user, c, "gone")
    assert codes(caught.value.errors) == {("status", "invalid_choice")}
    with pytest.raises(StaleWrite):
        vacancies.close_vacancy(user, c, "closed", version=1)
    assert (
        not vacancies.open_vacancies(Region.objects.get(code=DADUKOU), date(2022, 3, 1))
        .filter(enterprise=company)
        .exists()
    )


# --- labour needs into vacancies ----------------------------------------------------------------------


def need(company: Enterprise, people: int | None, job_types: str, kind: str = "labour") -> Need:
    return record_need(
        None, company, NeedInput(kind=kind, raised_on=date(2022, 1, 20), people=people, job_types=job_types)
    )


@db
def test_parse_job_types_and_prefill() -> None:
    assert vacancies.parse_job_types("普工、焊工") == [("普工", None), ("焊工", None)]
    assert vacancies.parse_job_types("缝纫工20人,包装工10名") == [("缝纫工", 20), ("包装工", 10)]
    assert vacancies.parse_job_types("叉车司机和普工") == [("叉车司机", None), ("普工", None)]
    company = firm(10)
    rows = vacancies.prefill_rows(need(company, 35, "缝纫工20人、包装工、质检员"))
    assert [(r["title"], r["headcount"]) for r in rows] == [("缝纫工", 20), ("包装工", 8), ("质检员", 7)]
    assert {r["published_on"] for r in rows} == {date(2022, 1, 20)}
    assert [(r["title"], r["headcount"]) for r in vacancies.prefill_rows(need(company, 12, ""))] == [
        ("普工", 12)
    ]


@db
def test_vacancies_from_need(users: dict) -> None:
    user = staff(TONGNAN)
    company = firm(11)
    labour = need(company, 30, "普工、焊工")
    made = vacancies.vacancies_from_need(user, labour)
    assert [(v.title, v.headcount, v.published_on, v.need_id, v.enterprise_id) for v in made] == [
        ("普工", 15, date(2022, 1, 20), labour.pk, company.pk),
        ("焊工", 15, date(2022, 1, 20), labour.pk, company.pk),
    ]
    assert vacancies.converted_headcount(labour) == 30
    # Nothing left to convert: more people than the need asked for is refused, nothing written.
    with pytest.raises(ServiceError) as caught:
        vacancies.vacancies_from_need(user, labour.pk, [{"title": "普工", "headcount": 1}])
    assert caught.value.code == "need_headcount_exceeded"
    with pytest.raises(ServiceError) as caught:
        vacancies.vacancies_from_need(user, labour)
    assert caught.value.code == "need_fully_converted" and caught.value.status == 409
    assert Vacancy.objects.filter(need=labour).count() == 2


@db
def test_need_rows_checked_all_or_nothing() -> None:
    user = staff(TONGNAN)
    labour = need(firm(12), 50, "缝纫工")
    rows: list[dict[str, Any]] = [
        {"title": "缝纫工", "headcount": 20, "wage_min": 3500, "wage_max": 5000},
        {"title": "包装工", "headcount": 10, "requirements": "限女性", "published_on": date(2022, 2, 1)},
        {"title": "", "headcount": None},  # blank row: ignored
    ]
    with pytest.raises(InvalidInput) as caught:
        vacancies.vacancies_from_need(user, labour, rows)
    assert codes(caught.value.errors) == {("rows[1].requirements", "discriminatory_requirement")}
    assert caught.value.errors[0].message.startswith("第2个岗位:")
    assert not Vacancy.objects.filter(need=labour).exists()
    rows[1]["requirements"] = "能适应两班倒"
    made = vacancies.vacancies_from_need(user, labour, rows)
    assert [(v.title, v.published_on) for v in made] == [
        ("缝纫工", date(2022, 1, 20)),
        ("包装工", date(2022, 2, 1)),
    ]


@db
def test_only_labour_needs_and_visible_ones(users: dict) -> None:
    company = firm(13)
    money = need(company, None, "", kind="financing")
    with pytest.raises(InvalidInput) as caught:
        vacancies.vacancies_from_need(None, money)
    assert codes(caught.value.errors) == {("need", "need_not_labour")}
    labour = need(company, 5, "普工")
    with pytest.raises(ServiceError) as refused:
        vacancies.vacancies_from_need(users["qiye"], labour)  # another enterprise's need
    assert refused.value.status == 404
    with pytest.raises(InvalidInput) as caught:
        vacancies.create_vacancy(
            None, enterprise=firm(14), title="普工", headcount=1, published_on=date(2022, 3, 1), need=labour
        )
    assert codes(caught.value.errors) == {("need", "need_enterprise_mismatch")}
    assert not Vacancy.objects.filter(need=labour).exists()
