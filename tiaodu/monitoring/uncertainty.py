"""How far a composite-index rank depends on the choices behind it.

* :func:`uncertainty` — Monte Carlo over the two subjective choices, the weights and the
  normalisation: each draw multiplies every weight by an independent uniform factor in
  [1 − spread, 1 + spread] and renormalises, and picks one normalisation from the list with equal
  probability; each region's rank in every draw gives its 5 %, 50 % and 95 % percentile ranks.
* :func:`sensitivity` — which component's weight moves each region's rank most: Sobol' variance
  decomposition (SALib: Saltelli sampling on a scrambled Sobol' sequence, first-order and
  total-effect indices with bootstrap confidence intervals) of each region's rank as a function
  of the component weights, each weight uniform in [w(1 − spread), w(1 + spread)].

Both evaluate the index for thousands of weight vectors at once with the kernel of
:mod:`tiaodu.monitoring.index` (one matrix product per block of draws, ranks by sorting down the
columns), so there is no Python loop over regions × draws. Everything is seeded: the same
arguments give the same figures. The design is recorded in docs/adr/0022-composite-index.md.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tiaodu.core.errors import FieldError

from .index import (
    NORMALISATION_LABELS,
    NORMALISATIONS,
    IndexInvalid,
    IndexSpec,
    Prepared,
    aggregate,
    compute,
    geometric_logs,
    prepare,
    rank_matrix,
    round_keys,
    scores_for,
)

MAX_DRAWS = 100_000
# Index matrices are evaluated in blocks of at most this many region × draw cells (~16 MB of
# float64), which bounds memory whatever the number of regions or draws.
BLOCK_CELLS = 1 << 21
PERCENTILES = (5, 50, 95)


def _invalid(field_name: str, code: str, message: str) -> IndexInvalid:
    return IndexInvalid([FieldError(field_name, code, message)], "不确定性分析参数有误")


def draw_ranks(prep: Prepared, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Ranks (n_included, draws) of the included regions under each row of ``weights``
    (draws, m), ties decided on the values rounded half up to the spec's decimals."""
    spec = prep.spec
    geometric = spec.aggregation == "geometric"
    logs = geometric_logs(scores, spec.scale) if geometric else None
    n = scores.shape[0]
    out = np.empty((n, weights.shape[0]), dtype=np.int32)
    block = max(1, BLOCK_CELLS // max(n, 1))
    for start in range(0, weights.shape[0], block):
        chunk = weights[start : start + block]
        index = aggregate(scores, chunk, geometric, spec.scale, logs)
        out[:, start : start + block] = rank_matrix(round_keys(index, spec.decimals))
    return out


@dataclass
class UncertaintyResult:
    region_codes: list[str]
    rank_low: list[int | None]  # 5th percentile rank (the better end of the interval)
    rank_high: list[int | None]  # 95th percentile rank
    rank_median: list[int | None]
    draws: int
    seed: int
    method: str  # the design in one Chinese sentence
    rank_point: list[int | None] = field(default_factory=list)  # the rank under the spec itself
    weight_spread: float = 0.2
    normalisations: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    # Every draw's rank, (n_regions, draws); 0 for regions without an index value.
    ranks: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int32))

    def interval_text(self, i: int) -> str:
        """What the dashboard shows: "第12位(90%区间10–14位)"; "未参与排名" when excluded."""
        if self.rank_low[i] is None:
            return "未参与排名"
        point = self.rank_point[i] if self.rank_point else self.rank_median[i]
        return f"第{point}位(90%区间{self.rank_low[i]}–{self.rank_high[i]}位)"


def _check_normalisations(spec: IndexSpec, normalisations: Sequence[str]) -> tuple[str, ...]:
    methods = tuple(normalisations)
    if not methods:
        raise _invalid("normalisations", "index_normalisation_unknown", "至少要给出一种标准化方法")
    for method in methods:
        if method not in NORMALISATIONS:
            raise _invalid(
                "normalisations",
                "index_normalisation_unknown",
                f"标准化方法“{method}”不受支持,可选:{'、'.join(NORMALISATIONS)}",
            )
    if "goalpost" in methods and any(g is None for g in spec.goalposts):
        raise _invalid(
            "normalisations", "index_goalpost_missing", "抽取固定阈值标准化(goalpost)要求每个指标给出阈值"
        )
    return methods


def _check_spread(weight_spread: float, allow_zero: bool) -> float:
    ok = isinstance(weight_spread, int | float) and not isinstance(weight_spread, bool)
    if not ok or not math.isfinite(weight_spread) or not (0 <= weight_spread < 1):
        raise _invalid(
            "weight_spread", "index_spread_invalid", f"权重扰动幅度应在0到1之间(不含1),现为“{weight_spread}”"
        )
    if not allow_zero and weight_spread == 0:
        raise _invalid("weight_spread", "index_spread_invalid", "敏感性分析的权重扰动幅度应大于0")
    return float(weight_spread)


def _percentile_ranks(ranks: np.ndarray) -> list[list[int]]:
    """Per percentile p, per region the smallest rank r such that at least p % of the draws
    rank the region at r or better (the inverted empirical distribution function)."""
    if ranks.shape[0] == 0:
        return [[] for _ in PERCENTILES]
    cuts = np.percentile(ranks, PERCENTILES, axis=1, method="inverted_cdf")
    return [[int(v) for v in row] for row in cuts]


def uncertainty_text(draws: int, seed: int, weight_spread: float, normalisations: Sequence[str]) -> str:
    labels = "、".join(dict.fromkeys(NORMALISATION_LABELS[m] for m in normalisations))
    return (
        f"共{draws}次抽样(随机种子{seed}):每次各指标权重乘以[{1 - weight_spread:g}, {1 + weight_spread:g}]"
        f"内独立均匀分布的随机数后重新归一,标准化方法在{labels}中等概率抽取;"
        "区间为各次排名的第5和第95百分位(90%区间)。"
    )


def uncertainty(
    spec: IndexSpec,
    region_codes: Sequence[str],
    values: Any,
    directions: Sequence[str | None],
    draws: int = 1000,
    seed: int = 0,
    weight_spread: float = 0.2,
    normalisations: Sequence[str] = ("minmax", "zscore", "rank"),
    *,
    region_names: Mapping[str, str] | None = None,
) -> UncertaintyResult:
    """Each region's rank interval under perturbed weights and drawn normalisations.

    Exactly, so that anyone can recompute it: ``rng = numpy.random.default_rng(seed)``;
    ``u = rng.uniform(1 − spread, 1 + spread, size=(draws, m))``;
    ``k = rng.integers(0, len(normalisations), size=draws)``; draw d uses weights
    ``w · u[d]`` renormalised to sum 1 and normalisation ``normalisations[k[d]]``, with the
    spec's aggregation, missing-value treatment and rounding; ranks as in the point index.
    """
    if not isinstance(draws, int) or isinstance(draws, bool) or not 1 <= draws <= MAX_DRAWS:
        raise _invalid("draws", "index_draws_invalid", f"抽样次数应为1到{MAX_DRAWS}的整数,现为“{draws}”")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise _invalid("seed", "index_seed_invalid", f"随机种子应为非负整数,现为“{seed}”")
    spread = _check_spread(weight_spread, allow_zero=True)
    methods = _check_normalisations(spec, normalisations)

    point = compute(spec, region_codes, values, directions, region_names=region_names)
    prep = prepare(spec, region_codes, values, directions, region_names)
    m = len(spec.components)
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, m))
    choice = rng.integers(0, len(methods), size=draws)
    weights = prep.weights[None, :] * factors
    weights /= weights.sum(axis=1, keepdims=True)

    included = np.flatnonzero(prep.included)
    ranks = np.empty((included.size, draws), dtype=np.int32)
    for method in dict.fromkeys(methods):
        cols = np.flatnonzero(np.isin(choice, [k for k, name in enumerate(methods) if name == method]))
        if cols.size:
            ranks[:, cols] = draw_ranks(prep, scores_for(prep, method), weights[cols])

    n = len(prep.region_codes)
    cuts = _percentile_ranks(ranks)
    per_region: list[list[int | None]] = [[None] * n for _ in PERCENTILES]
    for row, values_at in zip(per_region, cuts, strict=True):
        for k, i in enumerate(included):
            row[i] = values_at[k]
    all_ranks = np.zeros((n, draws), dtype=np.int32)
    all_ranks[included] = ranks
    return UncertaintyResult(
        region_codes=prep.region_codes,
        rank_low=per_region[0],
        rank_high=per_region[2],
        rank_median=per_region[1],
        draws=draws,
        seed=seed,
        method=uncertainty_text(draws, seed, spread, methods),
        rank_point=point.ranks,
        weight_spread=spread,
        normalisations=methods,
        notes=point.notes,
        ranks=all_ranks,
    )


# --- Sensitivity --------------------------------------------------------------------------------


@dataclass
class SensitivityResult:
    region_codes: list[str]
    components: list[str]  # component labels, in spec order
    first_order: np.ndarray  # (n_regions, n_components) Sobol' S1 of the region's rank
    total: np.ndarray  # (n_regions, n_components) total-effect ST
    first_order_conf: np.ndarray  # half-widths of the bootstrap confidence intervals
    total_conf: np.ndarray
    top: list[str | None]  # per region, the label of the component with the largest ST
    top_index: list[int | None]
    rank_min: list[int | None]  # best and worst rank seen over the samples
    rank_max: list[int | None]
    samples: int  # N, the base sample size
    evaluations: int  # N × (factors + 2) weight vectors evaluated
    seed: int
    method: str
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """One row per region and component with a Sobol' index, for tables and CSV."""
        out = []
        for i, code in enumerate(self.region_codes):
            for j, label in enumerate(self.components):
                if math.isnan(self.total[i, j]):
                    continue
                out.append(
                    {
                        "region_code": code,
                        "component": label,
                        "first_order": round(float(self.first_order[i, j]), 3),
                        "first_order_conf": round(float(self.first_order_conf[i, j]), 3),
                        "total": round(float(self.total[i, j]), 3),
                        "total_conf": round(float(self.total_conf[i, j]), 3),
                        "top": self.top_index[i] == j,
                    }
                )
        return out


def sensitivity_text(
    samples: int, evaluations: int, weight_spread: float, seed: int, conf_level: float
) -> str:
    return (
        f"Sobol方差分解(SALib,Saltelli抽样,N={samples},共{evaluations}组权重,随机种子{seed}):"
        f"各指标权重在原值±{weight_spread:.0%}内独立均匀变化,以各地区排名为输出,"
        f"计算一阶指数S1与总效应指数ST(置信区间为自助法{conf_level:.0%}区间);"
        "ST最大的指标即最能左右该地区排名的指标,排名始终不变的地区不列出。"
    )


def sensitivity(
    spec: IndexSpec,
    region_codes: Sequence[str],
    values: Any,
    directions: Sequence[str | None],
    seed: int = 0,
    samples: int = 512,
    *,
    weight_spread: float = 0.2,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    region_names: Mapping[str, str] | None = None,
) -> SensitivityResult:
    """Sobol' indices of each region's rank with respect to the component weights.

    The factors are the weights of the components that take part (weight > 0, some data), each
    uniform in [w(1 − spread), w(1 + spread)] around its normalised weight; the index is then
    computed exactly as the spec says (its normalisation, aggregation, missing treatment and
    rounding). ``samples`` (N, a power of two) base points of SALib's Saltelli scheme give
    N × (factors + 2) weight vectors. A region whose rank never changes has all indices 0 and no
    top component. ``S1`` is what a weight moves alone, ``ST`` including its interactions; the
    top component is the one with the largest ``ST``.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if (
        not isinstance(samples, int)
        or isinstance(samples, bool)
        or not 16 <= samples <= 65536
        or samples & (samples - 1)
    ):
        raise _invalid(
            "samples", "index_samples_invalid", f"样本数应为16到65536之间的2的整数次幂,现为“{samples}”"
        )
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise _invalid("seed", "index_seed_invalid", f"随机种子应为非负整数,现为“{seed}”")
    if not 0 < conf_level < 1:
        raise _invalid("conf_level", "index_conf_invalid", "置信水平应在0到1之间")
    spread = _check_spread(weight_spread, allow_zero=False)

    prep = prepare(spec, region_codes, values, directions, region_names)
    labels = spec.labels
    factors = np.flatnonzero(prep.weights > 0)
    base = prep.weights[factors]
    problem = {
        "num_vars": int(factors.size),
        "names": [labels[j] for j in factors],
        "bounds": [[float(w * (1 - spread)), float(w * (1 + spread))] for w in base],
    }
    x = sobol_sample.sample(problem, samples, calc_second_order=False, scramble=True, seed=seed)
    weights = np.zeros((x.shape[0], len(labels)))
    weights[:, factors] = x
    ranks = draw_ranks(prep, scores_for(prep, spec.normalisation), weights)

    n, m = len(prep.region_codes), len(labels)
    s1, st = np.full((n, m), np.nan), np.full((n, m), np.nan)
    s1_conf, st_conf = np.full((n, m), np.nan), np.full((n, m), np.nan)
    top: list[str | None] = [None] * n
    top_index: list[int | None] = [None] * n
    rank_min: list[int | None] = [None] * n
    rank_max: list[int | None] = [None] * n
    for k, i in enumerate(np.flatnonzero(prep.included)):
        y = ranks[k]
        rank_min[i], rank_max[i] = int(y.min()), int(y.max())
        if y.min() == y.max():
            for arr in (s1, st, s1_conf, st_conf):
                arr[i, factors] = 0.0
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # SALib reads seed 0 as "unseeded" (``if seed:``), hence seed + 1 for the bootstrap.
            si = sobol_analyze.analyze(
                problem,
                y.astype(float),
                calc_second_order=False,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=seed + 1,
            )
        s1[i, factors], st[i, factors] = si["S1"], si["ST"]
        s1_conf[i, factors], st_conf[i, factors] = si["S1_conf"], si["ST_conf"]
        best = int(factors[int(np.argmax(si["ST"]))])
        top[i], top_index[i] = labels[best], best
    return SensitivityResult(
        region_codes=prep.region_codes,
        components=labels,
        first_order=s1,
        total=st,
        first_order_conf=s1_conf,
        total_conf=st_conf,
        top=top,
        top_index=top_index,
        rank_min=rank_min,
        rank_max=rank_max,
        samples=samples,
        evaluations=int(x.shape[0]),
        seed=seed,
        method=sensitivity_text(samples, int(x.shape[0]), spread, seed, conf_level),
        notes=prep.notes,
    )
