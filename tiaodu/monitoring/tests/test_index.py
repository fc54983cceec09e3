"""The composite index against an independent computation of the documented method.

The reference functions below (``ref_*``) are written from the method as docs/adr/0022 and the
user guide state it, in plain Python loops: exact fractions where the method is rational (min-max,
goalpost, rank, the weighted arithmetic mean) so that a value such as 90.625 is exactly that, and
floats with ``math`` where it is not (z-scores, the geometric mean). They share no code with
tiaodu.monitoring.index.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.monitoring.index import (
    Component,
    IndexSpec,
    compute,
    load_spec,
    parse_spec,
    rank_desc,
    rank_matrix,
    round_half_up,
    round_keys,
)

NAN = float("nan")
CODES = ["500101", "500102", "500103", "500104"]
# 4 regions × 3 components: A higher is better (weight 5), B lower is better (3), C higher (2).
DATA = [
    [37, 3, 30],
    [11, 13, 26],
    [41, 5, 13],
    [43, 8, 18],
]
DIRECTIONS = ["higher", "lower", "higher"]
GOALPOSTS = [(10.0, 40.0), (2.0, 12.0), (15.0, 30.0)]


def make_spec(**changes: object) -> IndexSpec:
    spec = IndexSpec(
        code="t",
        name="测试指数",
        compare="500000",
        components=(
            Component("A", weight=5, goalpost=GOALPOSTS[0]),
            Component("B", measure="growth", weight=3, goalpost=GOALPOSTS[1]),
            Component("C", measure="share", weight=2, goalpost=GOALPOSTS[2]),
        ),
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


# --- The independent reference ------------------------------------------------------------------


def ref_half_up(value: Fraction | float, decimals: int) -> float:
    if isinstance(value, float):
        value = Fraction(Decimal(repr(round(value, 9))))
    scaled = value * 10**decimals
    return math.floor(scaled + Fraction(1, 2)) / 10**decimals


def ref_scores(
    rows: list[list[float]], lower: list[bool], method: str, scale: float = 100
) -> list[list[object]]:
    """Per column over the regions with a value (None = missing)."""
    n, m = len(rows), len(rows[0])
    out: list[list[object]] = [[None] * m for _ in range(n)]
    for j in range(m):
        have = [i for i in range(n) if rows[i][j] is not None and not math.isnan(rows[i][j])]
        col = [Fraction(rows[i][j]) for i in have]
        for i, x in zip(have, col, strict=True):
            if method == "minmax":
                lo, hi = min(col), max(col)
                if hi == lo:
                    s: object = Fraction(scale)
                else:
                    s = ((hi - x) if lower[j] else (x - lo)) / (hi - lo) * Fraction(scale)
            elif method == "goalpost":
                glo, ghi = (Fraction(v) for v in GOALPOSTS[j])
                s = ((ghi - x) if lower[j] else (x - glo)) / (ghi - glo) * Fraction(scale)
                s = min(max(s, Fraction(0)), Fraction(scale))
            elif method == "rank":
                better = sum(1 for y in col if (y < x if lower[j] else y > x))
                equal = sum(1 for y in col if y == x)
                mid = better + Fraction(equal + 1, 2)
                s = Fraction(scale) if len(col) == 1 else (len(col) - mid) / (len(col) - 1) * Fraction(scale)
            else:  # zscore, T-score
                floats = [float(v) for v in col]
                mean = statistics.fmean(floats)
                std = statistics.pstdev(floats)
                z = 0.0 if std == 0 else (float(x) - mean) / std
                s = scale * (0.5 + (-z if lower[j] else z) / 10)
            out[i][j] = s
    return out


def ref_index(
    scores: list[list[object]], weights: list[float], geometric: bool, scale: float = 100
) -> list[object]:
    """Weighted mean over each region's available components (weights renormalised over them)."""
    out: list[object] = []
    for row in scores:
        avail = [(Fraction(w), s) for w, s in zip(weights, row, strict=True) if s is not None and w > 0]
        total = sum(w for w, _ in avail)
        if geometric:
            delta = 0.01 * scale
            prod = 1.0
            for w, s in avail:
                prod *= (max(float(s), 0.0) + delta) ** float(w / total)  # type: ignore[arg-type]
            out.append(prod - delta)
        elif all(isinstance(s, Fraction) for _, s in avail):
            out.append(sum(w * s for w, s in avail) / total)  # type: ignore[operator]
        else:
            out.append(sum(float(w) * float(s) for w, s in avail) / float(total))  # type: ignore[arg-type]
    return out


def ref_ranks(values: list[float | None]) -> list[int | None]:
    return [None if v is None else 1 + sum(1 for u in values if u is not None and u > v) for v in values]


# --- The hand-computed example -------------------------------------------------------------------


def test_default_method_digit_for_digit() -> None:
    result = compute(make_spec(), CODES, np.array(DATA, dtype=float), DIRECTIONS)
    # By hand: A min 11 max 43 → 81.25, 0, 93.75, 100; B (lower) min 3 max 13 → 100, 0, 80, 50;
    # C min 13 max 30 → 100, 76.47…, 0, 29.41…; weights 0.5/0.3/0.2:
    # 90.625, 15.294…, 70.875, 70.882… → 90.63 (half up; banker's rounding gives 90.62),
    # 15.29, 70.88, 70.88 — a tie that exists only after rounding — so ranks 1, 4, 2, 2.
    assert result.values == [90.63, 15.29, 70.88, 70.88]
    assert result.ranks == [1, 4, 2, 2]
    assert round(90.625, 2) == 90.62  # what Python's round() would have published
    assert result.unrounded[2] != result.unrounded[3]
    np.testing.assert_allclose(
        result.normalised,
        [[81.25, 100, 100], [0, 0, 1300 / 17], [93.75, 80, 0], [100, 50, 500 / 17]],
    )
    np.testing.assert_allclose(result.weights, [[0.5, 0.3, 0.2]] * 4)
    assert result.notes == []
    assert result.components == ["A", "B增速", "C占比"]
    assert "四舍五入保留2位小数" in result.method

    exact = ref_index(ref_scores(DATA, [False, True, False], "minmax"), [5, 3, 2], geometric=False)
    assert exact[0] == Fraction(725, 8)  # 90.625 exactly
    assert result.values == [ref_half_up(v, 2) for v in exact]  # type: ignore[arg-type]


@pytest.mark.parametrize("normalisation", ["minmax", "zscore", "rank", "goalpost"])
@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric"])
@pytest.mark.parametrize("decimals", [0, 2, 3])
def test_every_method_matches_the_reference(normalisation: str, aggregation: str, decimals: int) -> None:
    spec = make_spec(normalisation=normalisation, aggregation=aggregation, decimals=decimals)
    result = compute(spec, CODES, np.array(DATA, dtype=float), DIRECTIONS)
    scores = ref_scores(DATA, [False, True, False], normalisation)
    index = ref_index(scores, [5, 3, 2], geometric=aggregation == "geometric")
    expected = [ref_half_up(v, decimals) for v in index]  # type: ignore[arg-type]
    assert result.values == expected
    assert result.ranks == ref_ranks(expected)  # type: ignore[arg-type]
    np.testing.assert_allclose(result.normalised, [[float(s) for s in row] for row in scores])  # type: ignore[arg-type]


def test_each_normalisation_by_hand() -> None:
    values = np.array(DATA, dtype=float)
    # rank: mid-ranks; B (lower) has no ties: 3 < 5 < 8 < 13 → 100, 66.67, 33.33, 0 …
    rank = compute(make_spec(normalisation="rank"), CODES, values, DIRECTIONS)
    np.testing.assert_allclose(rank.normalised[:, 1], [100, 0, 200 / 3, 100 / 3])
    # … and a tie gets the mean of the places it spans: [1, 1, 2, 3] → 1s share places 3 and 4.
    tied = compute(
        replace(make_spec(normalisation="rank"), components=(Component("A"),)),
        CODES,
        [[1], [1], [2], [3]],
        ["higher"],
    )
    np.testing.assert_allclose(tied.normalised[:, 0], [100 / 6, 100 / 6, 200 / 3, 100])
    # zscore: the T-score 50 + 10z; A has mean 33, population std sqrt(166).
    z = compute(make_spec(normalisation="zscore"), CODES, values, DIRECTIONS)
    np.testing.assert_allclose(z.normalised[0, 0], 50 + 10 * (37 - 33) / math.sqrt(166))
    # goalpost: A in [10, 40]: 37 → 90, 11 → 3.33, 41 and 43 are clipped to 100, and noted.
    goal = compute(make_spec(normalisation="goalpost"), CODES, values, DIRECTIONS)
    np.testing.assert_allclose(goal.normalised[:, 0], [90, 100 / 30, 100, 100])
    assert "500103的‘A’(41)超出阈值[10, 40],得分按阈值计" in goal.notes
    # geometric: exp(Σ w ln(s + 1)) − 1 on 0–100; region 2 scores 0, 0, 76.47.
    geo = compute(make_spec(aggregation="geometric"), CODES, values, DIRECTIONS)
    expected = (0 + 1) ** 0.5 * (0 + 1) ** 0.3 * (1300 / 17 + 1) ** 0.2 - 1
    assert geo.values[1] == round_half_up(expected, 2) == 1.39


def test_equal_values_score_full_marks_and_are_noted() -> None:
    data = [[37, 5, 30], [11, 5, 26], [41, 5, 13], [43, 5, 18]]
    result = compute(make_spec(), CODES, np.array(data, dtype=float), DIRECTIONS)
    assert list(result.normalised[:, 1]) == [100, 100, 100, 100]
    assert result.notes == ["各地区‘B增速’数值相同,标准化得分均记为100"]
    z = compute(make_spec(normalisation="zscore", scale=10), CODES, np.array(data, dtype=float), DIRECTIONS)
    assert list(z.normalised[:, 1]) == [5, 5, 5, 5]
    assert z.notes == ["各地区‘B增速’数值相同,标准化得分均记为5"]


def test_spec_direction_wins_over_the_catalogue() -> None:
    spec = make_spec()
    spec = replace(
        spec,
        components=(spec.components[0], replace(spec.components[1], direction="lower"), spec.components[2]),
    )
    a = compute(spec, CODES, np.array(DATA, dtype=float), ["higher", "higher", "higher"])
    b = compute(make_spec(), CODES, np.array(DATA, dtype=float), DIRECTIONS)
    assert a.values == b.values
    assert compute(spec, CODES, np.array(DATA, dtype=float), ["higher", None, "higher"]).values == b.values


# --- Missing values -----------------------------------------------------------------------------


MISSING = [[37, 3, 30], [11, 13, 26], [41, NAN, 13], [43, 8, 18]]


def test_missing_exclude_leaves_the_region_out_and_says_so() -> None:
    names = {"500103": "重庆市大渡口区"}
    result = compute(make_spec(), CODES, np.array(MISSING), DIRECTIONS, region_names=names)
    assert result.values[2] is None and result.ranks[2] is None
    assert result.notes == ["重庆市大渡口区缺少‘B增速’数据,未参与排名"]
    assert np.isnan(result.normalised[2]).all()
    # The others are normalised among themselves, as if the region were not compared.
    rows = [DATA[0], DATA[1], DATA[3]]
    expected = [
        ref_half_up(v, 2)
        for v in ref_index(ref_scores(rows, [False, True, False], "minmax"), [5, 3, 2], False)
    ]  # type: ignore[arg-type]
    assert [result.values[i] for i in (0, 1, 3)] == expected
    assert result.ranks == [1, 3, None, 2]
    # Without names the note uses the code.
    assert compute(make_spec(), CODES, np.array(MISSING), DIRECTIONS).notes == [
        "500103缺少‘B增速’数据,未参与排名"
    ]


def test_missing_reweight_renormalises_the_region_weights() -> None:
    result = compute(make_spec(missing="reweight"), CODES, np.array(MISSING), DIRECTIONS)
    scores = ref_scores(MISSING, [False, True, False], "minmax")  # type: ignore[arg-type]
    exact = ref_index(scores, [5, 3, 2], False)
    # Region 3: A 93.75 and C 0 with weights 5/7 and 2/7: 66.96428… → 66.96.
    assert exact[2] == Fraction(5, 7) * Fraction(375, 4)
    assert result.values == [ref_half_up(v, 2) for v in exact]  # type: ignore[arg-type]
    assert result.values[2] == 66.96
    assert result.ranks == ref_ranks(result.values)
    np.testing.assert_allclose(result.weights[2], [5 / 7, 0, 2 / 7])
    assert result.notes == ["500103缺少‘B增速’数据,其余指标权重按比例放大至合计为1后计算"]
    # B is normalised over the three regions that have it: 3 → 100, 13 → 0, 8 → 50.
    np.testing.assert_allclose(result.normalised[:, 1], [100, 0, NAN, 50])


def test_a_region_with_no_data_at_all_is_left_out_in_both_modes() -> None:
    data = [DATA[0], DATA[1], [NAN, NAN, NAN], DATA[3]]
    for missing in ("exclude", "reweight"):
        result = compute(make_spec(missing=missing), CODES, np.array(data), DIRECTIONS)
        assert result.values[2] is None and result.ranks[2] is None
        assert result.notes == ["500103缺少全部指标数据,未参与排名"]


def test_nobody_complete_is_stated() -> None:
    data = [[NAN, 3, 30], [11, NAN, 26], [41, 5, NAN], [NAN, 8, 18]]
    result = compute(make_spec(), CODES, np.array(data), DIRECTIONS)
    assert result.values == [None] * 4 and result.ranks == [None] * 4
    assert (
        result.notes[-1]
        == "所有地区均缺少部分指标数据,本期没有地区参与排名;可在指数定义中改用 missing: reweight"
    )
    assert None not in compute(make_spec(missing="reweight"), CODES, np.array(data), DIRECTIONS).values


def test_a_component_missing_everywhere() -> None:
    data = [[r[0], NAN, r[2]] for r in DATA]
    with pytest.raises(ServiceError) as exc:
        compute(make_spec(), CODES, np.array(data), DIRECTIONS)
    assert exc.value.code == "index_component_no_data"
    assert "‘B增速’" in exc.value.message and "reweight" in exc.value.message
    result = compute(make_spec(missing="reweight"), CODES, np.array(data), DIRECTIONS)
    assert result.notes == ["所有地区均缺少‘B增速’数据,该指标未参与计算,其余指标权重按比例放大至合计为1"]
    expected = ref_index(ref_scores(data, [False, True, False], "minmax"), [5, 0, 2], False)  # type: ignore[arg-type]
    assert result.values == [ref_half_up(v, 2) for v in expected]  # type: ignore[arg-type]


def test_all_the_weight_on_components_nobody_has_is_an_error() -> None:
    spec = make_spec(missing="reweight")
    spec = replace(
        spec, components=(spec.components[0], spec.components[1], replace(spec.components[2], weight=0.0))
    )
    data = [[NAN, NAN, r[2]] for r in DATA]
    with pytest.raises(ServiceError) as exc:
        compute(spec, CODES, np.array(data), DIRECTIONS)
    assert exc.value.code == "index_no_data"
    assert "‘A’、‘B增速’" in exc.value.message


def test_a_zero_weight_component_does_not_exclude() -> None:
    spec = make_spec()
    spec = replace(spec, components=(*spec.components[:2], replace(spec.components[2], weight=0.0)))
    data = [[*r[:2], NAN] for r in DATA]
    result = compute(spec, CODES, np.array(data), DIRECTIONS)
    assert None not in result.values and result.notes == []


# --- Rounding and ranking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2.675, 2, 2.68),  # the float is 2.67499999…; Chinese statistics publishes 2.68
        (2.665, 2, 2.67),  # banker's rounding would give 2.66
        (1.005, 2, 1.01),
        (0.125, 2, 0.13),
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),  # half away from zero
        (74.405, 2, 74.41),
        (62.12499999999999, 2, 62.13),  # floating-point noise of an exact 62.125
        (62.1249, 2, 62.12),
        (-1e-17, 2, 0.0),
    ],
)
def test_round_half_up(value: float, decimals: int, expected: float) -> None:
    assert round_half_up(value, decimals) == expected
    assert math.copysign(1, round_half_up(value, decimals)) == math.copysign(1, expected)


def test_round_keys_agree_with_round_half_up() -> None:
    values = np.array([2.675, 2.665, -2.665, 90.625, 62.12499999999999, 0.0049, -0.005, 1e-17, 99.995])
    for decimals in (0, 2, 3):
        keys = round_keys(values, decimals)
        assert list(keys / 10**decimals) == [round_half_up(float(v), decimals) for v in values]


def test_rank_desc_competition_ranking() -> None:
    assert rank_desc([70.88, 90.63, 70.88, 15.29]) == [2, 1, 2, 4]
    assert rank_desc([1.0, None, 1.0, 1.0]) == [1, None, 1, 1]
    assert rank_desc([NAN, 3.0]) == [None, 1]
    assert rank_desc([]) == []
    # Ties are decided on the rounded values: 70.875 and 70.8823 both publish as 70.88.
    assert rank_desc([70.875, 70.8823, 90.625], decimals=2) == [2, 2, 1]
    assert rank_desc([70.875, 70.8823, 90.625]) == [3, 2, 1]


def test_rank_matrix_agrees_with_rank_desc() -> None:
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 6, size=(25, 40)).astype(float)
    ranks = rank_matrix(keys)
    for d in range(keys.shape[1]):
        assert list(ranks[:, d]) == rank_desc(list(keys[:, d]))


# --- Bad definitions and bad figures ---------------------------------------------------------------


GOOD = {
    "code": "gyzs",
    "name": "工业经济运行监测指数",
    "compare": "500000",
    "indicators": [
        {"indicator": "规模以上工业增加值增速", "weight": 0.4},
        {"indicator": "规模以上工业总产值", "measure": "growth", "weight": 0.3},
        {"indicator": "工业投资", "measure": "growth", "weight": 0.2},
        {"indicator": "工业技术改造投资", "measure": "share", "weight": 0.1, "direction": "higher"},
    ],
}


def with_changes(path: str, value: object) -> dict[str, object]:
    data = json.loads(json.dumps(GOOD))
    if path.startswith("indicators."):
        index, key = path.split(".")[1:]
        if value is ...:
            del data["indicators"][int(index)][key]
        else:
            data["indicators"][int(index)][key] = value
    elif value is ...:
        del data[path]
    else:
        data[path] = value
    return data  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("path", "value", "code", "field", "words"),
    [
        ("indicators.2.weight", -0.2, "index_weights_invalid", "indicators[2].weight", "工业投资"),
        ("indicators.2.weight", "0.2", "index_weights_invalid", "indicators[2].weight", "应为数字"),
        ("indicators.2.weight", float("nan"), "index_weights_invalid", "indicators[2].weight", "应为数字"),
        ("normalisation", "log", "index_normalisation_unknown", "normalisation", "log"),
        ("aggregation", "median", "index_aggregation_unknown", "aggregation", "median"),
        (
            "indicators.1.measure",
            "ratio",
            "index_measure_unknown",
            "indicators[1].measure",
            "规模以上工业总产值",
        ),
        (
            "indicators.3.direction",
            "up",
            "index_direction_unknown",
            "indicators[3].direction",
            "工业技术改造投资",
        ),
        ("missing", "zero", "index_missing_unknown", "missing", "zero"),
        ("decimals", 7, "index_decimals_invalid", "decimals", "0到6"),
        ("decimals", -1, "index_decimals_invalid", "decimals", "0到6"),
        ("decimals", 2.5, "index_decimals_invalid", "decimals", "0到6"),
        ("decimals", True, "index_decimals_invalid", "decimals", "0到6"),
        ("scale", 0, "index_scale_invalid", "scale", "scale"),
        ("indicators", [], "index_indicators_empty", "indicators", "至少"),
        ("indicators", ..., "index_indicators_empty", "indicators", "至少"),
        ("indicators", "工业投资", "index_spec_invalid", "indicators", "列表"),
        ("code", ..., "index_spec_invalid", "code", "指数代码"),
        ("code", "工业 指数", "index_spec_invalid", "code", "字母"),
        ("name", "", "index_spec_invalid", "name", "指数名称"),
        ("compare", "重庆", "index_spec_invalid", "compare", "地区代码"),
        ("weights", [1, 2], "index_spec_unknown_field", "weights", "weights"),
        ("indicators.0.wieght", 0.4, "index_spec_unknown_field", "indicators[0].wieght", "wieght"),
        ("indicators.0.indicator", "", "index_spec_invalid", "indicators[0].indicator", "第1个指标"),
        ("indicators.0.goalpost", [5, 1], "index_goalpost_invalid", "indicators[0].goalpost", "下限小于上限"),
        ("normalisation", "goalpost", "index_goalpost_missing", "indicators", "规模以上工业增加值增速"),
    ],
)
def test_bad_specs(path: str, value: object, code: str, field: str, words: str) -> None:
    with pytest.raises(ServiceError) as exc:
        parse_spec(with_changes(path, value))
    assert exc.value.code == code
    assert exc.value.status == 422
    error = next(e for e in exc.value.errors if e.code == code)
    assert error.field == field
    assert words in error.message
    assert exc.value.message.startswith("指数定义有误:")


def test_the_messages_quoted_in_the_user_guide() -> None:
    with pytest.raises(ServiceError) as exc:
        parse_spec(with_changes("indicators.2.weight", -0.2))
    assert exc.value.message == "指数定义有误:第3个指标“工业投资”的权重为负数(-0.2),权重不能为负"
    with pytest.raises(ServiceError) as exc:
        parse_spec(with_changes("normalisation", "log"))
    assert exc.value.message == "指数定义有误:标准化方法“log”不受支持,可选:minmax、zscore、goalpost、rank"


def test_weights_summing_to_zero() -> None:
    data = json.loads(json.dumps(GOOD))
    for item in data["indicators"]:
        item["weight"] = 0
    with pytest.raises(ServiceError) as exc:
        parse_spec(data)
    assert exc.value.code == "index_weights_invalid"
    assert "权重之和为0" in exc.value.message


def test_weights_too_large_to_normalise() -> None:
    """1e308 three times overflows the sum: every normalised weight would be 0, every region None."""
    data = json.loads(json.dumps(GOOD))
    for item in data["indicators"]:
        item["weight"] = 1e308
    with pytest.raises(ServiceError) as exc:
        parse_spec(data)
    assert exc.value.code == "index_weights_invalid"
    assert exc.value.errors[0].field == "indicators"
    assert "权重过大" in exc.value.message
    # Large but finite weights are only proportions.
    for item in data["indicators"]:
        item["weight"] = 1e300
    assert list(parse_spec(data).weights) == [0.25] * 4


def test_duplicate_component() -> None:
    data = json.loads(json.dumps(GOOD))
    data["indicators"].append({"indicator": "工业投资", "measure": "growth", "weight": 0.1})
    with pytest.raises(ServiceError) as exc:
        parse_spec(data)
    assert exc.value.code == "index_component_duplicate"
    assert exc.value.errors[0].message == "第5个指标“工业投资”与第3个指标重复(同一指标、同一口径只能出现一次)"
    # The same indicator under another measure is another component.
    data["indicators"][-1]["measure"] = "value"
    assert len(parse_spec(data).components) == 5


def test_every_problem_is_reported_at_once() -> None:
    data = with_changes("decimals", 9)
    data["indicators"][0]["weight"] = -1  # type: ignore[index]
    with pytest.raises(ServiceError) as exc:
        parse_spec(data)
    assert {e.code for e in exc.value.errors} == {"index_decimals_invalid", "index_weights_invalid"}
    assert "另有1处问题" in exc.value.message
    assert "[index_weights_invalid]" in str(exc.value)


def test_not_a_mapping() -> None:
    with pytest.raises(ServiceError) as exc:
        parse_spec(["code", "gyzs"])  # type: ignore[arg-type]
    assert exc.value.code == "index_spec_invalid"


ISSUE_YAML = """\
code: gyzs
name: 工业经济运行监测指数
compare: "500000"        # the children of this region are compared with each other
normalisation: minmax    # minmax (default) | zscore | goalpost | rank
aggregation: arithmetic  # arithmetic (default) | geometric
scale: 100
decimals: 2
indicators:
  - {indicator: 规模以上工业增加值增速, weight: 0.4}
  - {indicator: 规模以上工业总产值, measure: growth, weight: 0.3}   # measure: value | growth | share
  - {indicator: 工业投资, measure: growth, weight: 0.2}
  - {indicator: 工业技术改造投资, measure: share, weight: 0.1, direction: higher}
"""


def test_load_the_issue_example_from_yaml_and_json() -> None:
    spec = load_spec(ISSUE_YAML)
    assert spec.code == "gyzs" and spec.compare == "500000" and spec.missing == "exclude"
    assert [c.label for c in spec.components] == [
        "规模以上工业增加值增速",
        "规模以上工业总产值增速",
        "工业投资增速",
        "工业技术改造投资占比",
    ]
    assert spec.components[3] == Component("工业技术改造投资", "share", 0.1, "higher")
    np.testing.assert_allclose(spec.weights, [0.4, 0.3, 0.2, 0.1])
    assert load_spec(json.dumps(spec.as_dict(), ensure_ascii=False)) == spec
    assert parse_spec(spec.as_dict()) == spec
    assert load_spec(ISSUE_YAML.replace('"500000"', "500000")).compare == "500000"
    goal = load_spec(ISSUE_YAML.replace("weight: 0.4}", "weight: 0.4, goalpost: [0, 20]}"))
    assert goal.goalposts == ((0.0, 20.0), None, None, None)


@pytest.mark.parametrize("text", ["code: [gyzs", '{"code": "gyzs",}', ""])
def test_unreadable_files(text: str) -> None:
    with pytest.raises(ServiceError) as exc:
        load_spec(text)
    assert exc.value.code in {"index_spec_syntax", "index_spec_invalid"}
    if text:
        assert exc.value.code == "index_spec_syntax" and "第1行" in exc.value.message


@pytest.mark.parametrize(
    ("codes", "values", "directions", "code"),
    [
        (CODES[:3], DATA, DIRECTIONS, "index_values_invalid"),
        (CODES, [r[:2] for r in DATA], DIRECTIONS, "index_values_invalid"),
        (CODES, [[1, 2, float("inf")]] * 4, DIRECTIONS, "index_values_invalid"),
        (["500101"] * 4, DATA, DIRECTIONS, "index_values_invalid"),
        (CODES, DATA, ["higher", "down", "higher"], "index_direction_unknown"),
        (CODES, DATA, ["higher", None, "higher"], "index_direction_unknown"),
        (CODES, DATA, ["higher"], "index_direction_unknown"),
        ([], np.zeros((0, 3)), DIRECTIONS, "index_no_data"),
    ],
)
def test_bad_figures(codes: list[str], values: object, directions: list[str], code: str) -> None:
    with pytest.raises(ServiceError) as exc:
        compute(make_spec(), codes, values, directions)
    assert exc.value.code == code


# --- The user guide's worked example --------------------------------------------------------------


GUIDE_NAMES = {"500151": "铜梁区", "500152": "潼南区", "500153": "荣昌区", "500120": "璧山区"}
GUIDE_VALUES = [
    [8.0, 13.0, 12.5, 36.0],
    [10.0, 16.5, 22.5, 40.9],
    [12.0, 12.5, 18.5, 28.9],
    [7.0, 20.5, 15.5, 44.9],
]


def test_user_guide_worked_example() -> None:
    """The figures printed in docs/user-guide/composite-index.md."""
    spec = load_spec(ISSUE_YAML)
    codes = list(GUIDE_NAMES)
    result = compute(spec, codes, np.array(GUIDE_VALUES), ["higher"] * 4, region_names=GUIDE_NAMES)
    np.testing.assert_allclose(
        result.normalised,
        [[20, 6.25, 0, 44.375], [60, 50, 100, 75], [100, 0, 60, 0], [0, 100, 30, 100]],
    )
    np.testing.assert_allclose(result.unrounded, [14.3125, 66.5, 52, 46])  # type: ignore[arg-type]
    assert result.values == [14.31, 66.5, 52.0, 46.0]
    assert result.ranks == [4, 1, 2, 3]
    assert result.notes == []
    # The same figures under the other normalisations (the guide's comparison table).
    other = {
        n: compute(replace(spec, normalisation=n), codes, np.array(GUIDE_VALUES), ["higher"] * 4)
        for n in ("zscore", "rank")
    }
    assert other["zscore"].values == [42.09, 55.76, 52.01, 50.14]
    assert other["zscore"].ranks == [4, 1, 2, 3]
    assert other["rank"].values == [26.67, 73.33, 53.33, 46.67]
    assert other["rank"].ranks == [4, 1, 2, 3]
    geometric = compute(replace(spec, aggregation="geometric"), codes, np.array(GUIDE_VALUES), ["higher"] * 4)
    assert geometric.values == [7.97, 64.37, 13.41, 11.59]
    assert geometric.ranks == [4, 1, 2, 3]
    # 荣昌区 without 工业投资 data.
    missing = np.array(GUIDE_VALUES)
    missing[2, 2] = NAN
    excluded = compute(spec, codes, missing, ["higher"] * 4, region_names=GUIDE_NAMES)
    assert excluded.values == [13.33, 79.51, None, 46.0]
    assert excluded.ranks == [3, 1, None, 2]
    assert excluded.notes == ["荣昌区缺少‘工业投资增速’数据,未参与排名"]
    reweighted = compute(
        replace(spec, missing="reweight"), codes, missing, ["higher"] * 4, region_names=GUIDE_NAMES
    )
    assert reweighted.values == [14.31, 66.5, 50.0, 46.0]
    assert reweighted.ranks == [4, 1, 2, 3]
    assert reweighted.notes == ["荣昌区缺少‘工业投资增速’数据,其余指标权重按比例放大至合计为1后计算"]
    np.testing.assert_allclose(reweighted.weights[2], [0.5, 0.375, 0, 0.125])
