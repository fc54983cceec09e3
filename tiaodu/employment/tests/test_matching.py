"""Matching (the occupation catalogue is lane A's, loaded by migration 0002): the ranking and its reasons (occupation hierarchy, text, wage, commute, dorm), the
pool (open vacancies; jobseekers with consent, of the district), the in-process index and its
rebuild, recommend_all agreeing with the one-by-one ranking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.cases.tests.factories import credit_code, enterprise
from tiaodu.employment import matching
from tiaodu.employment.choices import VacancyStatus
from tiaodu.employment.models import Occupation, TownshipSeat
from tiaodu.employment.tests import factories as f
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

GUXI, YUXI, SHANGHE, GUILIN = "500152103", "500152107", "500152101", "500152001"
ON = date(2022, 3, 1)
# Approximate seats (经度, 纬度) of four 潼南 townships.
SEATS = {
    GUILIN: ("105.8400", "30.1900"),
    GUXI: ("105.9500", "30.1000"),
    YUXI: ("105.7700", "30.3000"),
    SHANGHE: ("105.6600", "30.0400"),
}


def seats() -> None:
    for code, (lon, lat) in SEATS.items():
        town = Region.objects.get(code=code)
        TownshipSeat.objects.update_or_create(
            township=town,
            defaults={"district": town.parent, "longitude": Decimal(lon), "latitude": Decimal(lat)},
        )


def occ(code: str) -> Occupation:
    return Occupation.objects.get(code=code)


@pytest.fixture
def scene(db: Any) -> dict[str, Any]:
    matching.clear_cache()
    seats()
    f.settings_for("500152")
    garment = enterprise(credit_code(8_100_001), GUXI, "重庆古溪服饰有限公司")
    toys = enterprise(credit_code(8_100_002), YUXI, "重庆玉溪玩具有限公司")
    far = enterprise(credit_code(8_100_003), SHANGHE, "重庆上和皮具有限公司")
    return {"garment": garment, "toys": toys, "far": far}


def test_occupation_hierarchy_orders_and_explains(scene: dict[str, Any]) -> None:
    g = scene["garment"]
    same = f.vacancy(g, "缝纫工", occupation=occ("6-05-01-03"), wage_min=3500, wage_max=5000)
    minor = f.vacancy(g, "裁剪工", occupation=occ("6-05-01-02"), wage_min=3500, wage_max=5000)
    middle = f.vacancy(g, "服装工", occupation=occ("6-05"), wage_min=3500, wage_max=5000)
    major = f.vacancy(g, "电子装配工", occupation=occ("6-25"), wage_min=3500, wage_max=5000)
    other = f.vacancy(g, "仓管员", occupation=occ("4-02-06-01"), wage_min=3500, wage_max=5000)
    person = f.jobseeker(GUXI, "李秀英", wage_expected=4000)
    person.desired_occupations.add(occ("6-05-01-03"))

    ranked = matching.vacancies_for(person, top=10, on=ON)

    assert [m.vacancy_id for m in ranked] == [same.pk, minor.pk, middle.pk, major.pk, other.pk]
    first = {r.kind: r for r in ranked[0].reasons}
    assert first["occupation"].label == "职业匹配:同一细类(6-05-01-03 缝纫工)"
    assert first["occupation"].points == 40
    assert {r.kind: r for r in ranked[1].reasons}["occupation"].label.startswith("职业匹配:同一小类(6-05-01 ")
    assert {r.kind: r for r in ranked[2].reasons}["occupation"].label.startswith("职业匹配:同一中类(6-05 ")
    assert {r.kind: r for r in ranked[3].reasons}["occupation"].label.startswith("职业匹配:同一大类(6 ")
    assert "occupation" not in {r.kind for r in ranked[4].reasons}
    assert first["wage"].label == "薪资:期望4000元,岗位3500–5000元"
    assert ranked[0].label == "缝纫工 · 重庆古溪服饰有限公司"
    assert ranked[0].score == pytest.approx(sum(r.points for r in ranked[0].reasons), abs=0.2)


def test_text_similarity_names_shared_words(scene: dict[str, Any]) -> None:
    g = scene["garment"]
    sewing = f.vacancy(g, "车位工", skills="缝纫 平车 制衣", requirements="有制衣厂经验")
    f.vacancy(g, "保安", skills="巡逻 值守", requirements="退伍军人")
    person = f.jobseeker(GUXI, "王芳", experience="在东莞制衣厂做平车缝纫五年")

    ranked = matching.vacancies_for(person, top=2, on=ON)

    assert ranked[0].vacancy_id == sewing.pk
    text = next(r for r in ranked[0].reasons if r.kind == "text")
    assert text.label.startswith("经历相近:")
    assert "缝纫" in text.label and "平车" in text.label
    assert text.points == pytest.approx(matching.TEXT_POINTS)
    assert all(r.kind != "text" for r in ranked[1].reasons)


def test_wage_shortfall_lowers_the_score(scene: dict[str, Any]) -> None:
    g = scene["garment"]
    good = f.vacancy(g, "包装工", wage_min=4000, wage_max=5000)
    poor = f.vacancy(g, "包装工", wage_min=2500, wage_max=3000)
    person = f.jobseeker(GUXI, "赵强", wage_expected=4500)

    ranked = {m.vacancy_id: m for m in matching.vacancies_for(person, on=ON)}

    assert ranked[good.pk].score > ranked[poor.pk].score
    wage = {r.kind: r for r in ranked[poor.pk].reasons}["wage"]
    assert wage.label == "薪资:期望4500元,岗位2500–3000元"
    assert wage.points == pytest.approx(15 * (1 - (1500 / 4500) / 0.3), abs=1e-3)  # 3000 is 1/3 short
    assert {r.kind: r for r in ranked[good.pk].reasons}["wage"].points == matching.WAGE_POINTS


def test_commute_limit_penalty_and_dorm(scene: dict[str, Any]) -> None:
    near = f.vacancy(scene["garment"], "普工")  # 古溪: the jobseeker's own township
    far = f.vacancy(scene["far"], "普工")  # 上和, ~30 km away
    far_dorm = f.vacancy(scene["far"], "普工", housing=True)
    stays = f.jobseeker(GUXI, "孙丽", max_commute_minutes=30)
    lodger = f.jobseeker(GUXI, "周明", max_commute_minutes=30, needs_dorm=True)

    for_stays = {m.vacancy_id: m for m in matching.vacancies_for(stays, on=ON)}
    commute = {r.kind: r for r in for_stays[far.pk].reasons}["commute"]
    assert "超过可接受的30分钟" in commute.label
    assert commute.points == matching.COMMUTE_PENALTY
    near_commute = {r.kind: r for r in for_stays[near.pk].reasons}["commute"]
    assert near_commute.label == "通勤约5分钟"
    assert for_stays[near.pk].score > for_stays[far.pk].score

    for_lodger = {m.vacancy_id: m for m in matching.vacancies_for(lodger, on=ON)}
    reasons = {r.kind: r for r in for_lodger[far_dorm.pk].reasons}
    assert reasons["dorm"].label == "提供住宿"
    assert reasons["commute"].points == 0 and "但可住宿舍" in reasons["commute"].label
    assert {r.kind: r for r in for_lodger[near.pk].reasons}["dorm"].points == matching.DORM_PENALTY
    assert for_lodger[far_dorm.pk].score > for_lodger[near.pk].score


def test_commute_minutes_constants() -> None:
    # 1° of latitude ≈ 111.2 km → ×1.3 detour ÷ 35 km/h ≈ 247.8 min + 5
    assert matching.commute_minutes(105.0, 30.0, 105.0, 31.0) == pytest.approx(252.8, abs=0.5)
    assert matching.commute_minutes(105.0, 30.0, 105.0, 30.0) == pytest.approx(5.0)


def test_only_open_vacancies_of_the_district(scene: dict[str, Any]) -> None:
    g = scene["garment"]
    ok = f.vacancy(g, "普工")
    f.vacancy(g, "普工", status=VacancyStatus.CLOSED)
    f.vacancy(g, "普工", valid_until=date(2022, 2, 20))
    f.vacancy(g, "普工", published_on=date(2022, 4, 1))
    wanzhou = enterprise(credit_code(8_100_009, "500101"), "500101001", "重庆万州测试公司")
    f.vacancy(wanzhou, "普工")
    person = f.jobseeker(GUXI, "钱多")

    assert [m.vacancy_id for m in matching.vacancies_for(person, on=ON)] == [ok.pk]


def test_candidates_masked_with_consent_in_district(scene: dict[str, Any]) -> None:
    job = f.vacancy(scene["garment"], "缝纫工", occupation=occ("6-05-01-03"), skills="缝纫")
    good = f.jobseeker(GUXI, "李秀英", experience="制衣厂缝纫")
    good.desired_occupations.add(occ("6-05-01-03"))
    plain = f.jobseeker(YUXI, "王大力", experience="工地搬运")
    f.jobseeker(GUXI, "撤回者", experience="制衣厂缝纫", consent_withdrawn_on=date(2022, 2, 10))
    f.jobseeker(GUXI, "已匿名", experience="制衣厂缝纫", anonymised_on=date(2022, 2, 10))
    f.jobseeker("500101001", "万州人", experience="制衣厂缝纫")

    ranked = matching.candidates_for(job, on=ON)

    assert [m.jobseeker_id for m in ranked] == [good.pk, plain.pk]
    assert ranked[0].label == f"李** {good.id_mask}"
    assert "李秀英" not in ranked[0].label
    assert {r.kind for r in ranked[0].reasons} >= {"occupation", "text"}
    only = matching.candidates_for(job, on=ON, within=[plain.pk])
    assert [m.jobseeker_id for m in only] == [plain.pk]


def test_index_rebuilt_when_rows_change(scene: dict[str, Any]) -> None:
    g = scene["garment"]
    f.vacancy(g, "普工")
    person = f.jobseeker(GUXI, "吴敏", experience="电子厂焊锡")
    assert len(matching.vacancies_for(person, on=ON)) == 1
    added = f.vacancy(g, "焊锡工", skills="焊锡")
    ranked = matching.vacancies_for(person, on=ON)
    assert ranked[0].vacancy_id == added.pk
    added.status = VacancyStatus.FILLED
    added.save()
    assert [m.vacancy_id for m in matching.vacancies_for(person, on=ON)] != [added.pk]


def test_proposed_occupation_used_when_none_desired(scene: dict[str, Any], monkeypatch: Any) -> None:
    from tiaodu.employment import reference

    sewing = f.vacancy(scene["garment"], "缝纫工", occupation=occ("6-05-01-03"))
    f.vacancy(scene["garment"], "仓管员", occupation=occ("4-02-06-01"))
    person = f.jobseeker(GUXI, "陈静", desired_text="想做缝纫")
    calls: list[tuple[str, str]] = []

    def propose(title: str, text: str = "") -> Occupation | None:
        calls.append((title, text))
        return occ("6-05-01-03") if "缝纫" in title else None

    monkeypatch.setattr(reference, "propose_occupation", propose, raising=False)
    ranked = matching.vacancies_for(person, on=ON)
    assert calls and calls[0][0] == "想做缝纫"
    assert ranked[0].vacancy_id == sewing.pk
    assert ranked[0].reasons[0].label == "职业匹配(按求职意向推断):同一细类(6-05-01-03 缝纫工)"


def test_no_proposed_occupation_leaves_the_rest(scene: dict[str, Any], monkeypatch: Any) -> None:
    """A wish the catalogue cannot place: no occupation part, the other parts still rank."""
    from tiaodu.employment import reference

    monkeypatch.setattr(reference, "propose_occupation", lambda title, text="": None)
    f.vacancy(scene["garment"], "缝纫工", occupation=occ("6-05-01-03"))
    person = f.jobseeker(GUXI, "陈静", desired_text="想做缝纫")
    ranked = matching.vacancies_for(person, on=ON)
    assert len(ranked) == 1 and all(r.kind != "occupation" for r in ranked[0].reasons)


def test_education_and_age(scene: dict[str, Any]) -> None:
    g = scene["garment"]
    open_job = f.vacancy(g, "普工")
    strict = f.vacancy(g, "普工", education="college", age_min=18, age_max=30, age_ground="高空作业")
    person = f.jobseeker(GUXI, "郑国", education="junior", number=f.id_number(GUXI, born=date(1970, 5, 1)))
    ranked = {m.vacancy_id: m for m in matching.vacancies_for(person, on=ON)}
    kinds = {r.kind: r for r in ranked[strict.pk].reasons}
    assert kinds["education"].label == "学历低于要求(大专)"
    assert kinds["age"].points == matching.AGE_PENALTY
    assert ranked[open_job.pk].score - ranked[strict.pk].score == pytest.approx(25)


def test_recommend_all_agrees_with_one_by_one(scene: dict[str, Any]) -> None:
    g, t, far = scene["garment"], scene["toys"], scene["far"]
    f.vacancy(g, "缝纫工", occupation=occ("6-05-01-03"), skills="缝纫 平车", wage_min=3500, wage_max=5000)
    f.vacancy(t, "玩具装配工", skills="装配 玩具", wage_min=3000, wage_max=4200, housing=True)
    f.vacancy(far, "皮具车工", occupation=occ("6-05"), skills="皮具 车工", wage_min=4000)
    f.vacancy(g, "仓管员", occupation=occ("4-02-06-01"), skills="仓库 叉车", wage_max=3800)
    people = [
        f.jobseeker(GUXI, "甲", experience="制衣厂平车缝纫", wage_expected=4000),
        f.jobseeker(YUXI, "乙", experience="玩具厂装配", needs_dorm=True, max_commute_minutes=20),
        f.jobseeker(SHANGHE, "丙", experience="皮具厂车工", wage_expected=4500),
        f.jobseeker(GUILIN, "丁", experience="物流仓库叉车"),
    ]
    people[0].desired_occupations.add(occ("6-05-01-03"))

    everyone = matching.recommend_all(Region.objects.get(code="500152"), top=3, on=ON, chunk=2)

    assert set(everyone) == {p.pk for p in people}
    for p in people:
        single = matching.vacancies_for(p, top=3, on=ON)
        assert [(m.vacancy_id, m.score) for m in everyone[p.pk]] == [(m.vacancy_id, m.score) for m in single]


def test_recommend_all_with_reasons(scene: dict[str, Any]) -> None:
    f.vacancy(
        scene["garment"], "缝纫工", occupation=occ("6-05-01-03"), skills="缝纫", wage_min=3500, wage_max=5000
    )
    f.vacancy(scene["toys"], "玩具装配工", skills="装配", housing=True)
    person = f.jobseeker(GUXI, "甲", experience="制衣厂缝纫", wage_expected=4000, needs_dorm=True)

    everyone = matching.recommend_all(Region.objects.get(code="500152"), top=2, on=ON, reasons=True)

    single = matching.vacancies_for(person, top=2, on=ON)
    assert [[r.label for r in m.reasons] for m in everyone[person.pk]] == [
        [r.label for r in m.reasons] for m in single
    ]
    for m in everyone[person.pk]:
        assert m.score == pytest.approx(sum(r.points for r in m.reasons), abs=0.2)
