"""首报制 matching: investor keys, near keys, the thresholds, the blocking index, districts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tiaodu.investment.dedupe import FUZZY_CUTOFF, InvestorIndex, _max_edits
from tiaodu.investment.names import normalise, place_names
from tiaodu.investment.tests import factories

PLACES = ("广东省", "深圳市", "重庆市", "潼南区", "广东", "深圳", "重庆", "潼南")


def index_of(*names: str, codes: tuple[str, ...] = ()) -> InvestorIndex:
    """An index over ``names`` (no database: the place names are given)."""
    index = InvestorIndex(None, places=PLACES)
    for n, name in enumerate(names, 1):
        code = codes[n - 1] if n <= len(codes) else ""
        index.add("lead", n, name, code, f"单位{n}", date(2022, 1, 1) + timedelta(days=n))
    return index


def test_same_key_is_an_exact_match_of_the_first_report() -> None:
    index = index_of("重庆潼南某某科技股份有限公司")
    found = index.find("某某科技(深圳)有限公司")
    assert found is not None
    assert (found.kind, found.pk, found.exact, found.score) == ("lead", 1, True, 100.0)
    assert found.reporter == "单位1" and found.reported_on == date(2022, 1, 2)


def test_the_earliest_report_of_a_key_is_the_first_even_when_added_later() -> None:
    index = InvestorIndex(None, places=PLACES)
    index.add("lead", 7, "某某科技有限公司", "", "玉溪镇", date(2022, 4, 1))
    index.add("project", 3, "某某科技集团", "", "古溪镇", date(2022, 1, 10))
    found = index.find("某某科技股份有限公司")
    assert found is not None and (found.kind, found.pk, found.reporter) == ("project", 3, "古溪镇")


def test_credit_code_matches_whatever_the_name() -> None:
    index = index_of("甲乙丙丁有限公司", codes=("91500152MA5U00001F",))
    found = index.find("完全不同的名字有限公司", "91500152ma5u00001f")
    assert found is not None and found.exact and found.pk == 1


def test_near_key_matches_with_its_score() -> None:
    index = index_of("海康威视数字技术股份有限公司", "中科曙光信息产业研究院有限公司")
    found = index.find("海康威视数字技有限公司")  # one character less in eight: 93
    assert found is not None and not found.exact and found.pk == 1
    assert FUZZY_CUTOFF <= found.score < 100
    found = index.find("中科曙光信息产业研究所有限公司")  # one substituted in eleven: 90.9
    assert found is not None and not found.exact and found.pk == 2
    assert index.find("海康威视数字科技有限公司") is None  # one substituted in eight: 87.5


@pytest.mark.parametrize(
    ("known", "asked"),
    [
        ("华为有限公司", "华光有限公司"),  # short keys match only exactly
        ("宏达化工有限公司", "宏大化工有限公司"),  # four characters: one change is 75
        ("测试投资1有限公司", "测试投资11有限公司"),  # the numbers differ
        ("中铁十一局集团有限公司", "中铁十二局集团有限公司"),
        ("中建三局第一建设工程有限公司", "中建三局第二建设工程有限公司"),  # 90 but a numeral changed
        ("比亚迪汽车有限公司", "比亚迪汽车工业有限公司"),  # 83: below the cutoff
    ],
)
def test_no_match_below_the_rules(known: str, asked: str) -> None:
    assert index_of(known).find(asked) is None


def test_a_numeral_word_dropped_is_still_near() -> None:
    found = index_of("润力精汽车零部件有限公司").find("润力精汽车部件有限公司")
    assert found is not None and not found.exact


def test_two_credit_codes_are_two_investors_unless_the_key_is_the_same() -> None:
    index = index_of("海康威视数字技术有限公司", codes=("91500152MA5U00001F",))
    assert index.find("海康威视数字技有限公司", "91500152MA5U00002J") is None
    assert index.find("海康威视数字技术有限公司", "91500152MA5U00002J") is not None
    assert index.find("海康威视数字技有限公司") is not None


def test_blank_name_matches_nothing() -> None:
    assert index_of("某某科技有限公司").find("") is None


def test_blocking_probe_bounds_the_edits() -> None:
    # ratio ≥ 90 allows one insert/delete on 5–9 characters, two from 9, …
    assert [_max_edits(n) for n in (4, 5, 9, 10, 20)] == [0, 1, 2, 2, 4]


def test_many_keys_sharing_common_bigrams_still_find_the_near_one() -> None:
    names = [f"{a}{b}科技有限公司" for a in "东南西北中" for b in "甲乙丙丁戊己庚辛壬癸子丑寅卯"]
    index = index_of(*names, "长江存储半导体科技有限公司")
    found = index.find("长江存储半导科技有限公司")
    assert found is not None and found.pk == len(names) + 1


@pytest.mark.django_db
def test_index_of_a_district_holds_its_leads_and_projects_only() -> None:
    from tiaodu.investment import leads

    tongnan = factories.district(factories.TONGNAN)
    dadukou = factories.district(factories.DADUKOU)
    factories.project(factories.TONGNAN, investor_name="重庆星河动力科技有限公司")
    factories.project(factories.DADUKOU, investor_name="北京蓝箭航天技术有限公司")
    leads.report_lead(
        None,
        region=tongnan,
        investor_name="广东大疆创新科技有限公司",
        content="拟投资",
        reported_on=date(2022, 3, 1),
    )
    index = InvestorIndex.for_district(tongnan)
    assert index.find("星河动力科技") is not None
    assert index.find("大疆创新科技(深圳)有限公司") is not None
    assert index.find("蓝箭航天技术有限公司") is None
    assert InvestorIndex.for_district(dadukou).find("蓝箭航天技术") is not None


@pytest.mark.django_db
def test_narrowed_index_agrees_with_the_full_one() -> None:
    tongnan = factories.district(factories.TONGNAN)
    for name in (
        "海康威视数字技术股份有限公司",
        "宁德时代新能源科技股份有限公司",
        "隆基绿能科技股份有限公司",
    ):
        factories.project(factories.TONGNAN, investor_name=name)
    full = InvestorIndex.for_district(tongnan)
    for asked in ("海康威视数字技有限公司", "宁德时代新能源科技有限公司", "隆基绿能科技", "通威股份", ""):
        one = InvestorIndex.for_name(tongnan, asked)
        assert one.find(asked) == full.find(asked)


@pytest.mark.django_db
def test_enterprises_are_found_separately() -> None:
    tongnan = factories.district(factories.TONGNAN)
    index = InvestorIndex.for_district(tongnan)
    assert index.find("重庆潼南古溪食品有限公司") is None
    found = index.find_enterprise("古溪食品有限公司")
    assert found is not None and found.kind == "enterprise" and found.exact
    by_code = index.find_enterprise("别的名字", "91500152MA5U00003M")
    assert by_code is not None and by_code.investor_name == "重庆玉溪新材料有限公司"
    assert (
        InvestorIndex.for_district(factories.district(factories.DADUKOU)).find_enterprise("古溪食品") is None
    )


@pytest.mark.django_db
def test_places_strip_region_prefixes() -> None:
    places = place_names()
    assert normalise("重庆市潼南区某某科技股份有限公司", places) == normalise(
        "某某科技(重庆)有限公司", places
    )


def test_blocking_finds_what_scoring_every_key_finds() -> None:
    """The blocked search agrees with scoring the query against every key (complete recall)."""
    import random

    from rapidfuzz import fuzz, process

    rng = random.Random(7)
    chars = "安宝昌辰诚达德鼎恩发丰福刚海浩和恒宏华辉佳嘉建江金锦精凯康科蓝乐力利隆龙茂美明南宁鹏普齐强青清瑞润森盛泰通拓维伟欣信星雄扬耀益英盈永源远云泽长振正志中众卓"
    words = [
        "新材料",
        "电子",
        "智能装备",
        "生物医药",
        "汽车零部件",
        "信息技术",
        "医疗器械",
        "精密机械制造研究",
    ]
    keys = sorted(
        {
            "".join(rng.choice(chars) for _ in range(rng.choice((2, 3, 4)))) + rng.choice(words)
            for _ in range(3000)
        }
    )
    index = InvestorIndex(None, places=())
    for n, key in enumerate(keys):
        index.add("lead", n, key, "", "", date(2022, 1, 1))
    queries = []
    for key in rng.sample(keys, 300):
        i = rng.randrange(len(key))
        queries += [
            key[:i] + key[i + 1 :],
            key[:i] + rng.choice(chars) + key[i:],
            key[:i] + rng.choice(chars) + key[i + 1 :],
        ]
    checked = 0
    for query in queries:
        if query in index._pipeline.by_key or len(query) < 4:
            continue
        best = process.extractOne(query, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        found = index.find(query)
        assert (found is None) == (best is None), query
        if best is not None and found is not None:
            assert found.score == pytest.approx(best[1])
        checked += 1
    assert checked > 500
