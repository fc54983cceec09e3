"""Benchmark: the composite index for 2,844 county units × 30 indicators (target: under 0.5 s) and
1,000 uncertainty draws over them (target: under 10 s, and within 3× of a plain vectorised NumPy
computation of the same thing).

``.venv/bin/python bench/bench_index.py`` needs no database: the index is pure computation
(tiaodu.monitoring.index / .uncertainty). It

* generates the figures with a seeded RNG (``--seed``): 2,844 regions (China's county-level
  count) × 30 components, each column on its own level and spread, a third of them lower-is-better,
  weights uniform in 0.5–1.5, values rounded to one decimal (so ties occur) and 0.1 % missing
  (those regions are excluded, as the default spec says);
* times ``compute()`` — validation, min-max, the weighted mean, ``Decimal`` half-up rounding of
  every value, ranks, notes — as the median of ``--runs`` runs;
* times ``uncertainty()`` with 1,000 draws (weights ×U(0.8, 1.2), normalisation drawn from
  minmax / zscore / rank) and, interleaved with it, a baseline written here in plain NumPy: the
  same recipe and RNG stream, the three score matrices, one matrix product, half-up rounding,
  competition ranks by sorting each draw, ``np.percentile``. The baseline's intervals must equal
  the library's (checked), so the ratio compares like with like;
* for information, times ``sensitivity()`` (SALib Sobol', N=512) for the 38 Chongqing county
  units × 4 components, the size the platform runs it at.

The figures are merged into ``bench/results.json`` under ``"composite_index"``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib
import numpy as np

RESULT_KEY = "composite_index"
REGIONS, COMPONENTS, DRAWS = 2844, 30, 1000
TARGET_COMPUTE_S = 0.5
TARGET_UNCERTAINTY_S = 10.0
TARGET_RATIO = 3.0
NORMALISATIONS = ("minmax", "zscore", "rank")


def make_data(seed: int, regions: int, components: int) -> tuple[Any, list[str], np.ndarray, list[str]]:
    from tiaodu.monitoring.index import parse_spec

    rng = np.random.default_rng(seed)
    level = rng.uniform(1, 100, size=components)
    spread = rng.uniform(0.05, 0.5, size=components) * level
    values = np.round(rng.normal(level, spread, size=(regions, components)), 1)
    values[rng.random(values.shape) < 0.001] = np.nan
    directions = ["lower" if d else "higher" for d in rng.random(components) < 1 / 3]
    weights = rng.uniform(0.5, 1.5, size=components)
    spec = parse_spec(
        {
            "code": "bench",
            "name": "基准测试指数",
            "compare": "100000",
            "indicators": [
                {"indicator": f"指标{j + 1:02d}", "weight": float(w)} for j, w in enumerate(weights)
            ],
        }
    )
    codes = [f"{100000 + i:06d}" for i in range(regions)]
    return spec, codes, values, directions


# --- The plain NumPy baseline --------------------------------------------------------------------


def baseline_uncertainty(
    values: np.ndarray, lower: np.ndarray, base_weights: np.ndarray, draws: int, seed: int, spread: float
) -> np.ndarray:
    """The same computation written directly: returns the (3, regions) 5/50/95 % ranks of the
    complete-case regions."""
    x = values[~np.isnan(values).any(axis=1)]
    n, m = x.shape
    signed = np.where(lower, -x, x)  # higher is better everywhere
    lo, hi = x.min(axis=0), x.max(axis=0)
    minmax = np.where(lower, hi - x, x - lo) / (hi - lo) * 100
    mean, std = x.mean(axis=0), x.std(axis=0)
    zscore = 100 * (0.5 + np.where(lower, mean - x, x - mean) / std / 10)
    rank = np.empty_like(x)
    for j in range(m):
        ordered = np.sort(signed[:, j])
        right = np.searchsorted(ordered, signed[:, j], side="right")
        left = np.searchsorted(ordered, signed[:, j], side="left")
        rank[:, j] = (n - ((n - right) + (right - left + 1) / 2)) / (n - 1) * 100
    scores = np.stack([minmax, zscore, rank])

    rng = np.random.default_rng(seed)
    w = base_weights / base_weights.sum() * rng.uniform(1 - spread, 1 + spread, size=(draws, m))
    w /= w.sum(axis=1, keepdims=True)
    choice = rng.integers(0, 3, size=draws)
    index = np.empty((n, draws))
    for k in range(3):
        cols = choice == k
        index[:, cols] = scores[k] @ w[cols].T
    keys = np.floor(np.round(index * 100, 7) + 0.5)
    ranks = np.empty((n, draws), dtype=np.int32)
    for d in range(draws):
        ordered = np.sort(-keys[:, d])
        ranks[:, d] = np.searchsorted(ordered, -keys[:, d], side="left") + 1
    return np.percentile(ranks, (5, 50, 95), axis=1, method="inverted_cdf")


def median_s(samples: list[float]) -> float:
    return round(statistics.median(samples), 4)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each measurement (default 7)")
    parser.add_argument("--regions", type=int, default=REGIONS)
    parser.add_argument("--components", type=int, default=COMPONENTS)
    parser.add_argument("--draws", type=int, default=DRAWS)
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    args = parser.parse_args(argv)

    from importlib.metadata import version

    from tiaodu.monitoring.index import compute
    from tiaodu.monitoring.uncertainty import sensitivity, uncertainty

    started = time.perf_counter()
    spec, codes, values, directions = make_data(args.seed, args.regions, args.components)
    lower = np.array([d == "lower" for d in directions])
    base_weights = np.array([c.weight for c in spec.components])
    print(
        f"== {args.regions:,} regions × {args.components} components, {args.draws:,} draws, seed {args.seed}"
    )

    compute(spec, codes, values, directions)  # warm-up
    compute_s = []
    for _ in range(args.runs):
        result, seconds = timed(lambda: compute(spec, codes, values, directions))
        compute_s.append(seconds)
    excluded = sum(v is None for v in result.values)
    print(
        f"compute:     median {median_s(compute_s):.4f} s  ({excluded} regions excluded for missing values)"
    )

    uncertainty_s, baseline_s = [], []
    same = True
    for _ in range(args.runs):
        unc, seconds = timed(
            lambda: uncertainty(spec, codes, values, directions, draws=args.draws, seed=args.seed)
        )
        uncertainty_s.append(seconds)
        cuts, seconds = timed(
            lambda: baseline_uncertainty(values, lower, base_weights, args.draws, args.seed, 0.2)
        )
        baseline_s.append(seconds)
        got = np.array(
            [[r for r in row if r is not None] for row in (unc.rank_low, unc.rank_median, unc.rank_high)]
        )
        same = same and np.array_equal(got, cuts)
    ratio = statistics.median(uncertainty_s) / statistics.median(baseline_s)
    print(
        f"uncertainty: median {median_s(uncertainty_s):.4f} s; plain NumPy {median_s(baseline_s):.4f} s; "
        f"ratio {ratio:.2f}; same intervals: {same}"
    )

    small_spec, small_codes, small_values, small_directions = make_data(args.seed, 38, 4)
    sensitivity(small_spec, small_codes, small_values, small_directions, samples=64)  # imports SALib
    sens_s = []
    for _ in range(3):
        sens, seconds = timed(lambda: sensitivity(small_spec, small_codes, small_values, small_directions))
        sens_s.append(seconds)
    moving = sum(t is not None for t in sens.top)
    print(
        f"sensitivity: 38 × 4, N=512 ({sens.evaluations:,} weight vectors): median {median_s(sens_s):.4f} s"
    )

    report = {
        "benchmark": "composite index: compute, uncertainty draws and sensitivity (tiaodu.monitoring.index / .uncertainty)",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": benchlib.git_commit(),
        "machine": benchlib.machine_info(),
        "numpy": np.__version__,
        "salib": version("SALib"),
        "data": {
            "seed": args.seed,
            "regions": args.regions,
            "components": args.components,
            "excluded_for_missing": excluded,
            "runs": args.runs,
        },
        "targets": {
            "compute_s": TARGET_COMPUTE_S,
            "uncertainty_s": TARGET_UNCERTAINTY_S,
            "uncertainty_vs_plain_numpy": TARGET_RATIO,
        },
        "compute": {
            "median_s": median_s(compute_s),
            "min_s": round(min(compute_s), 4),
            "max_s": round(max(compute_s), 4),
        },
        "uncertainty": {
            "draws": args.draws,
            "normalisations": list(NORMALISATIONS),
            "weight_spread": 0.2,
            "median_s": median_s(uncertainty_s),
            "min_s": round(min(uncertainty_s), 4),
            "max_s": round(max(uncertainty_s), 4),
            "plain_numpy_median_s": median_s(baseline_s),
            "ratio_to_plain_numpy": round(ratio, 2),
            "same_intervals_as_plain_numpy": bool(same),
        },
        "sensitivity_38x4": {
            "samples": sens.samples,
            "evaluations": sens.evaluations,
            "regions_whose_rank_moves": moving,
            "median_s": median_s(sens_s),
        },
        "target_met": (
            statistics.median(compute_s) < TARGET_COMPUTE_S
            and statistics.median(uncertainty_s) < TARGET_UNCERTAINTY_S
            and ratio <= TARGET_RATIO
            and same
        ),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    benchlib.merge_results(RESULT_KEY, report, args.output)
    print(
        f"targets (compute < {TARGET_COMPUTE_S:g} s, uncertainty < {TARGET_UNCERTAINTY_S:g} s and ≤ {TARGET_RATIO:g}× plain NumPy) met: {report['target_met']}; written {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
