"""Rank intervals and sensitivity of the composite index.

The draws are recomputed here from the documented recipe, one by one, with the plain-Python
reference of test_index (no code shared with the vectorised implementation).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.monitoring.index import Component, IndexSpec, compute, load_spec
from tiaodu.monitoring.tests.test_index import (
    CODES,
    DATA,
    DIRECTIONS,
    GUIDE_NAMES,
    GUIDE_VALUES,
    ISSUE_YAML,
    NAN,
    make_spec,
    ref_half_up,
    ref_index,
    ref_ranks,
    ref_scores,
)
from tiaodu.monitoring.uncertainty import sensitivity, uncertainty

LOWER = [d == "lower" for d in DIRECTIONS]


def ref_draw_ranks(
    spec: IndexSpec, rows: list[list[float]], draws: int, seed: int, spread: float, methods: list[str]
) -> list[list[int | None]]:
    """Draw by draw, as the ADR states it."""
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, len(spec.components)))
    choice = rng.integers(0, len(methods), size=draws)
    base = [c.weight / sum(c.weight for c in spec.components) for c in spec.components]
    out = []
    for d in range(draws):
        weights = [w * float(f) for w, f in zip(base, factors[d], strict=True)]
        scores = ref_scores(rows, LOWER, methods[int(choice[d])], spec.scale)
        index = ref_index(scores, weights, spec.aggregation == "geometric", spec.scale)
        out.append(ref_ranks([ref_half_up(float(v), spec.decimals) for v in index]))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric"])
def test_draws_follow_the_documented_recipe(aggregation: str) -> None:
    spec = make_spec(aggregation=aggregation)
    methods = ["minmax", "zscore", "rank", "goalpost"]
    result = uncertainty(spec, CODES, np.array(DATA, dtype=float), DIRECTIONS, 200, 3, 0.3, methods)
    expected = ref_draw_ranks(spec, DATA, 200, 3, 0.3, methods)  # type: ignore[arg-type]
    assert result.ranks.shape == (4, 200)
    assert [list(map(int, result.ranks[:, d])) for d in range(200)] == expected
    assert len(set(map(tuple, expected))) > 1  # the draws do move the ranks


def test_intervals_are_inverted_cdf_percentiles_of_the_draws() -> None:
    result = uncertainty(
        make_spec(), CODES, np.array(DATA, dtype=float), DIRECTIONS, draws=333, seed=5, weight_spread=0.5
    )
    for i in range(4):
        ranks = sorted(int(r) for r in result.ranks[i])
        # The smallest r such that at least p % of the draws rank the region at r or better.
        for p, got in ((5, result.rank_low[i]), (50, result.rank_median[i]), (95, result.rank_high[i])):
            assert got == ranks[math.ceil(p / 100 * len(ranks)) - 1]
    assert result.rank_point == [1, 4, 2, 2]
    assert result.draws == 333 and result.seed == 5
    assert "共333次抽样(随机种子5)" in result.method and "[0.5, 1.5]" in result.method


def test_same_seed_same_figures_other_seed_other_draws() -> None:
    values = np.array(DATA, dtype=float)
    a = uncertainty(make_spec(), CODES, values, DIRECTIONS, seed=11)
    b = uncertainty(make_spec(), CODES, values, DIRECTIONS, seed=11)
    c = uncertainty(make_spec(), CODES, values, DIRECTIONS, seed=12)
    assert np.array_equal(a.ranks, b.ranks)
    assert (a.rank_low, a.rank_median, a.rank_high) == (b.rank_low, b.rank_median, b.rank_high)
    assert not np.array_equal(a.ranks, c.ranks)


def test_a_dominant_region_is_first_in_every_draw() -> None:
    rng = np.random.default_rng(1)
    values = rng.uniform(0, 50, size=(12, 4))
    values[7] = 60  # best on every component
    codes = [f"5001{i:02d}" for i in range(12)]
    result = uncertainty(
        make_spec(components=tuple(Component(f"I{j}") for j in range(4))), codes, values, ["higher"] * 4
    )
    assert (result.rank_low[7], result.rank_median[7], result.rank_high[7]) == (1, 1, 1)
    assert (result.ranks[7] == 1).all()
    for i in range(12):
        assert result.rank_low[i] <= result.rank_point[i] <= result.rank_high[i]  # type: ignore[operator]


def test_a_clear_leader_interval_contains_its_rank() -> None:
    values = np.array([[90, 80, 85], [60, 65, 40], [55, 40, 70], [30, 62, 58]], dtype=float)
    result = uncertainty(make_spec(), CODES, values, ["higher"] * 3, weight_spread=0.5)
    assert result.rank_point[0] == 1 and result.rank_low[0] == 1 and result.rank_high[0] == 1
    assert result.rank_low[1] < result.rank_high[1]  # the others do move


def test_no_spread_and_one_normalisation_gives_the_point_ranks() -> None:
    spec = make_spec(normalisation="zscore")
    result = uncertainty(
        spec,
        CODES,
        np.array(DATA, dtype=float),
        DIRECTIONS,
        draws=50,
        weight_spread=0,
        normalisations=["zscore"],
    )
    point = compute(spec, CODES, np.array(DATA, dtype=float), DIRECTIONS).ranks
    assert result.rank_low == result.rank_median == result.rank_high == point


def test_excluded_regions_have_no_interval() -> None:
    values = np.array([DATA[0], DATA[1], [41, NAN, 13], DATA[3]])
    result = uncertainty(make_spec(), CODES, values, DIRECTIONS, region_names={"500103": "大渡口区"})
    assert result.rank_low[2] is None and result.rank_high[2] is None and result.rank_median[2] is None
    assert (result.ranks[2] == 0).all()
    assert result.notes == ["大渡口区缺少‘B增速’数据,未参与排名"]
    assert result.interval_text(2) == "未参与排名"
    assert set(result.ranks[[0, 1, 3]].ravel()) <= {1, 2, 3}
    reweighted = uncertainty(make_spec(missing="reweight"), CODES, values, DIRECTIONS)
    assert reweighted.rank_low[2] is not None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"draws": 0}, "index_draws_invalid"),
        ({"draws": 2.5}, "index_draws_invalid"),
        ({"seed": -1}, "index_seed_invalid"),
        ({"weight_spread": 1.0}, "index_spread_invalid"),
        ({"weight_spread": -0.1}, "index_spread_invalid"),
        ({"normalisations": []}, "index_normalisation_unknown"),
        ({"normalisations": ["minmax", "softmax"]}, "index_normalisation_unknown"),
    ],
)
def test_bad_uncertainty_options(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(ServiceError) as exc:
        uncertainty(make_spec(), CODES, np.array(DATA, dtype=float), DIRECTIONS, **kwargs)  # type: ignore[arg-type]
    assert exc.value.code == code
    assert exc.value.message.startswith("不确定性分析参数有误:")


def test_goalpost_draws_need_goalposts() -> None:
    spec = load_spec(ISSUE_YAML)
    with pytest.raises(ServiceError) as exc:
        uncertainty(
            spec, list(GUIDE_NAMES), np.array(GUIDE_VALUES), ["higher"] * 4, normalisations=["goalpost"]
        )
    assert exc.value.code == "index_goalpost_missing"


def test_user_guide_uncertainty() -> None:
    """The intervals printed in docs/user-guide/composite-index.md."""
    spec = load_spec(ISSUE_YAML)
    result = uncertainty(spec, list(GUIDE_NAMES), np.array(GUIDE_VALUES), ["higher"] * 4)
    assert result.rank_point == [4, 1, 2, 3]
    assert result.rank_low == [4, 1, 2, 2]
    assert result.rank_median == [4, 1, 2, 3]
    assert result.rank_high == [4, 1, 3, 3]
    assert [int((result.ranks[2] == 2).sum()), int((result.ranks[2] == 3).sum())] == [840, 160]
    assert [int((result.ranks[3] == 2).sum()), int((result.ranks[3] == 3).sum())] == [162, 838]
    assert (result.ranks[1] == 1).all() and (result.ranks[0] == 4).all()
    assert result.interval_text(2) == "第2位(90%区间2–3位)"
    assert result.interval_text(1) == "第1位(90%区间1–1位)"


# --- Sensitivity --------------------------------------------------------------------------------

# H and L bracket every column (so min-max is fixed); P leads Q on X by 20 points and trails it by
# 10 on Y and on Z: with equal weights they tie, and X's weight decides the order most.
TRADE_OFF = np.array(
    [
        [100, 100, 100],  # H
        [70, 40, 40],  # P
        [50, 50, 50],  # Q
        [0, 0, 0],  # L
    ],
    dtype=float,
)
XYZ = make_spec(components=(Component("X"), Component("Y"), Component("Z")))


def test_the_component_that_carries_the_trade_off_moves_the_rank_most() -> None:
    result = sensitivity(XYZ, CODES, TRADE_OFF, ["higher"] * 3, seed=1, samples=256)
    assert result.top == [None, "X", "X", None]
    assert result.top_index == [None, 0, 0, None]
    assert (result.rank_min, result.rank_max) == ([1, 2, 2, 4], [1, 3, 3, 4])
    for i in (1, 2):
        assert result.total[i, 0] > 2 * max(result.total[i, 1], result.total[i, 2])
        assert result.first_order[i, 0] > result.first_order[i, 1]
        assert np.isfinite(result.total_conf[i]).all()
    assert (result.total[[0, 3]] == 0).all()  # H and L never move
    assert result.evaluations == 256 * (3 + 2)
    rows = result.rows()
    assert len(rows) == 12 and sum(r["top"] for r in rows) == 2
    assert "N=256" in result.method


def test_when_one_component_alone_differs_no_weight_can_move_a_rank() -> None:
    # Y and Z are equal everywhere (every region scores 100 on them): the order is X's order
    # whatever the weights, so every index is 0 and no component is "top".
    values = np.array([[70, 5, 5], [40, 5, 5], [55, 5, 5], [10, 5, 5]], dtype=float)
    result = sensitivity(XYZ, CODES, values, ["higher"] * 3, samples=64)
    assert result.top == [None] * 4
    assert (result.total == 0).all() and (result.first_order == 0).all()
    assert result.rank_min == result.rank_max == [1, 3, 2, 4]


def test_sensitivity_is_reproducible() -> None:
    a = sensitivity(XYZ, CODES, TRADE_OFF, ["higher"] * 3, seed=4, samples=64)
    b = sensitivity(XYZ, CODES, TRADE_OFF, ["higher"] * 3, seed=4, samples=64)
    assert np.array_equal(a.total, b.total) and np.array_equal(a.total_conf, b.total_conf)
    assert np.array_equal(a.first_order_conf, b.first_order_conf)


def test_sensitivity_of_excluded_regions_and_zero_weights() -> None:
    values = TRADE_OFF.copy()
    values[3, 1] = NAN
    spec = replace(XYZ, components=(Component("X"), Component("Y"), Component("Z"), Component("W", weight=0)))
    values = np.column_stack([values, [1, 2, 3, 4]])
    result = sensitivity(spec, CODES, values, ["higher"] * 4, samples=64)
    assert result.top[3] is None and np.isnan(result.total[3]).all()
    assert np.isnan(result.total[:, 3]).all()  # weight 0: not a factor
    assert result.notes == ["500104缺少‘Y’数据,未参与排名"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"samples": 100}, "index_samples_invalid"),
        ({"samples": 8}, "index_samples_invalid"),
        ({"weight_spread": 0}, "index_spread_invalid"),
        ({"seed": -3}, "index_seed_invalid"),
    ],
)
def test_bad_sensitivity_options(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(ServiceError) as exc:
        sensitivity(XYZ, CODES, TRADE_OFF, ["higher"] * 3, **kwargs)  # type: ignore[arg-type]
    assert exc.value.code == code


def test_user_guide_sensitivity() -> None:
    spec = load_spec(ISSUE_YAML)
    result = sensitivity(spec, list(GUIDE_NAMES), np.array(GUIDE_VALUES), ["higher"] * 4)
    assert result.top == [None, None, "规模以上工业增加值增速", "规模以上工业增加值增速"]
    assert (result.rank_min, result.rank_max) == ([4, 1, 2, 2], [4, 1, 3, 3])
    assert list(np.round(result.total[2], 2)) == [0.75, 0.68, 0.14, 0.23]
    assert (result.total[[0, 1]] == 0).all()
    order = np.argsort(-result.total[2])
    assert [result.components[j] for j in order] == [
        "规模以上工业增加值增速",
        "规模以上工业总产值增速",
        "工业技术改造投资占比",
        "工业投资增速",
    ]
