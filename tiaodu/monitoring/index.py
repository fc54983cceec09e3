"""The composite index (综合指数): its definition, validation and computation.

Pure computation, no models: the monitoring services load the figures, resolve each component's
direction from the indicator catalogue and call :func:`compute`. The method is documented in
docs/adr/0022-composite-index.md and, with a worked example, in docs/user-guide/composite-index.md;
in short, for the default spec:

1. per component, min-max over the compared regions to 0–scale: ``(x − min) / (max − min) · scale``,
   or ``(max − x) / (max − min) · scale`` when lower is better; every region gets ``scale`` when all
   the values are equal;
2. the weights normalised to sum 1, the weighted arithmetic mean of the scores;
3. rounded to ``decimals`` half up (四舍五入, on ``Decimal``), after a guard rounding to 9 decimal
   places that removes binary floating-point noise;
4. ranked descending on the rounded values, ties sharing the better rank (1, 2, 2, 4).

The same vectorised kernel (:func:`normalise`, :func:`aggregate`, :func:`rank_matrix`) serves the
point computation here and the thousands of draws in :mod:`tiaodu.monitoring.uncertainty`.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import numpy as np

from tiaodu.core.errors import FieldError, ServiceError

NORMALISATIONS = ("minmax", "zscore", "goalpost", "rank")
AGGREGATIONS = ("arithmetic", "geometric")
MEASURES = ("value", "growth", "share")
DIRECTIONS = ("higher", "lower")
MISSING = ("exclude", "reweight")
MAX_DECIMALS = 6
MAX_SCALE = 1e6
# Computed values are first rounded to this many decimal places, then half up to ``decimals``:
# a computed 62.12499999999999 is the 62.125 of exact arithmetic and becomes 62.13.
GUARD_DECIMALS = 9
# Geometric aggregation: scores are shifted by this fraction of the scale before the weighted
# geometric mean and the shift is taken off again, so that a score of 0 does not zero the index.
GEOMETRIC_SHIFT = 0.01

NORMALISATION_LABELS = {
    "minmax": "极差标准化",
    "zscore": "标准分(T分数)",
    "goalpost": "固定阈值标准化",
    "rank": "位次得分",
}
AGGREGATION_LABELS = {"arithmetic": "加权算术平均", "geometric": "加权几何平均"}
MEASURE_SUFFIX = {"value": "", "growth": "增速", "share": "占比"}
DIRECTION_LABELS = {"higher": "越高越好", "lower": "越低越好"}

SPEC_KEYS = {
    "code",
    "name",
    "description",
    "compare",
    "normalisation",
    "aggregation",
    "scale",
    "decimals",
    "missing",
    "indicators",
}
COMPONENT_KEYS = {"indicator", "measure", "weight", "direction", "goalpost"}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
REGION_RE = re.compile(r"^\d{6,12}$")


class IndexInvalid(ServiceError):
    """A bad index definition, bad input figures or bad uncertainty options (HTTP 422).

    ``code`` is the stable code of the first problem (``index_weights_invalid`` …); ``errors``
    lists every problem found, each with its field path, code and Chinese message.
    """

    def __init__(self, errors: list[FieldError], prefix: str = "指数定义有误") -> None:
        first = errors[0]
        more = f"(另有{len(errors) - 1}处问题)" if len(errors) > 1 else ""
        super().__init__(first.code, f"{prefix}:{first.message}{more}", errors, 422)


def _fail(field_name: str, code: str, message: str, prefix: str = "指数计算有误") -> IndexInvalid:
    return IndexInvalid([FieldError(field_name, code, message)], prefix)


# --- The definition ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    indicator: str  # indicator name or code as written in the spec
    measure: str = "value"  # "value" | "growth" | "share"
    weight: float = 1.0
    direction: str | None = None  # "higher" | "lower" | None (= the indicator catalogue's)
    # Goalposts for ``goalpost`` normalisation, in the measure's own unit: ``lo`` scores 0 and
    # ``hi`` scores ``scale`` when higher is better (the reverse when lower is better), clipped.
    goalpost: tuple[float, float] | None = None

    @property
    def label(self) -> str:
        """The component's Chinese name in notes and tables: 工业投资增速, 工业技术改造投资占比."""
        return f"{self.indicator}{MEASURE_SUFFIX.get(self.measure, '')}"


@dataclass(frozen=True)
class IndexSpec:
    code: str
    name: str
    compare: str  # region code whose children are compared, e.g. "500000"
    components: tuple[Component, ...]
    normalisation: str = "minmax"  # minmax | zscore | goalpost | rank
    aggregation: str = "arithmetic"  # arithmetic | geometric
    scale: float = 100
    decimals: int = 2
    missing: str = "exclude"  # exclude (not ranked) | reweight (weights renormalised per region)
    description: str = ""

    @property
    def goalposts(self) -> tuple[tuple[float, float] | None, ...]:
        """Per component (lo, hi) for goalpost normalisation, ``None`` where not given."""
        return tuple(c.goalpost for c in self.components)

    @property
    def weights(self) -> np.ndarray:
        """The component weights normalised to sum 1."""
        w = np.array([c.weight for c in self.components], dtype=float)
        return w / w.sum()

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.components]

    def as_dict(self) -> dict[str, Any]:
        """The mapping :func:`parse_spec` reads (``parse_spec(spec.as_dict()) == spec``)."""
        indicators = []
        for c in self.components:
            item: dict[str, Any] = {"indicator": c.indicator, "weight": c.weight}
            if c.measure != "value":
                item["measure"] = c.measure
            if c.direction:
                item["direction"] = c.direction
            if c.goalpost:
                item["goalpost"] = list(c.goalpost)
            indicators.append(item)
        data: dict[str, Any] = {"code": self.code, "name": self.name}
        if self.description:
            data["description"] = self.description
        data.update(
            compare=self.compare,
            normalisation=self.normalisation,
            aggregation=self.aggregation,
            scale=self.scale,
            decimals=self.decimals,
            missing=self.missing,
            indicators=indicators,
        )
        return data


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _choice(
    errors: list[FieldError], path: str, value: Any, allowed: Sequence[str], code: str, what: str
) -> str:
    if value not in allowed:
        errors.append(FieldError(path, code, f"{what}“{value}”不受支持,可选:{'、'.join(allowed)}"))
        return allowed[0]
    return str(value)


def parse_spec(data: Mapping[str, Any]) -> IndexSpec:
    """Validate an index definition (the mapping of the YAML/JSON file) and build the spec.

    Every problem is collected; :class:`IndexInvalid` carries them all, its ``code`` that of the
    first one.
    """
    if not isinstance(data, Mapping):
        raise IndexInvalid([FieldError("", "index_spec_invalid", "指数定义应为键值结构(YAML或JSON对象)")])
    errors: list[FieldError] = []

    for key in data:
        if key not in SPEC_KEYS:
            errors.append(
                FieldError(
                    str(key),
                    "index_spec_unknown_field",
                    f"未知的字段“{key}”,可用:{'、'.join(sorted(SPEC_KEYS))}",
                )
            )

    def text(key: str, what: str, limit: int, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                errors.append(FieldError(key, "index_spec_invalid", f"缺少{what}({key})"))
            return ""
        if not isinstance(value, str):
            errors.append(FieldError(key, "index_spec_invalid", f"{what}({key})应为文字"))
            return ""
        if len(value.strip()) > limit:
            errors.append(FieldError(key, "index_spec_invalid", f"{what}({key})不能超过{limit}个字"))
        return value.strip()

    code = text("code", "指数代码", 32)
    if code and not CODE_RE.match(code):
        errors.append(
            FieldError(
                "code", "index_spec_invalid", f"指数代码“{code}”只能包含字母、数字、下划线、点和连字符"
            )
        )
    name = text("name", "指数名称", 100)
    description = text("description", "指数说明", 1000, required=False)

    compare_raw: Any = data.get("compare")
    if isinstance(compare_raw, int) and not isinstance(compare_raw, bool):
        compare_raw = str(compare_raw)  # YAML reads an unquoted 500000 as a number
    compare = ""
    if compare_raw is None or compare_raw == "":
        errors.append(
            FieldError("compare", "index_spec_invalid", "缺少比较范围(compare):其下级地区相互比较的地区代码")
        )
    elif not isinstance(compare_raw, str) or not REGION_RE.match(compare_raw.strip()):
        errors.append(
            FieldError("compare", "index_spec_invalid", f"比较范围(compare)“{compare_raw}”不是有效的地区代码")
        )
    else:
        compare = compare_raw.strip()

    normalisation = _choice(
        errors,
        "normalisation",
        data.get("normalisation", "minmax"),
        NORMALISATIONS,
        "index_normalisation_unknown",
        "标准化方法",
    )
    aggregation = _choice(
        errors,
        "aggregation",
        data.get("aggregation", "arithmetic"),
        AGGREGATIONS,
        "index_aggregation_unknown",
        "合成方法",
    )
    missing = _choice(
        errors, "missing", data.get("missing", "exclude"), MISSING, "index_missing_unknown", "缺失值处理方式"
    )

    scale = data.get("scale", 100)
    if not _is_number(scale) or not math.isfinite(scale) or not 0 < scale <= MAX_SCALE:
        errors.append(
            FieldError(
                "scale", "index_scale_invalid", f"满分(scale)应为大于0且不超过{MAX_SCALE:g}的数,现为“{scale}”"
            )
        )
        scale = 100
    decimals = data.get("decimals", 2)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= MAX_DECIMALS:
        errors.append(
            FieldError(
                "decimals",
                "index_decimals_invalid",
                f"小数位数(decimals)应为0到{MAX_DECIMALS}的整数,现为“{decimals}”",
            )
        )
        decimals = 2

    components: list[Component] = []
    items = data.get("indicators")
    if items is None or (isinstance(items, list | tuple) and not items):
        errors.append(
            FieldError("indicators", "index_indicators_empty", "指数至少要包含一个指标(indicators)")
        )
        items = []
    elif not isinstance(items, list | tuple):
        errors.append(FieldError("indicators", "index_spec_invalid", "指标列表(indicators)应为列表"))
        items = []
    seen: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        path = f"indicators[{i}]"
        where = f"第{i + 1}个指标"
        if not isinstance(item, Mapping):
            errors.append(
                FieldError(
                    path, "index_spec_invalid", f"{where}应为键值结构,如 {{indicator: 工业投资, weight: 0.2}}"
                )
            )
            continue
        for key in item:
            if key not in COMPONENT_KEYS:
                errors.append(
                    FieldError(
                        f"{path}.{key}",
                        "index_spec_unknown_field",
                        f"{where}有未知字段“{key}”,可用:{'、'.join(sorted(COMPONENT_KEYS))}",
                    )
                )
        indicator = item.get("indicator")
        if _is_number(indicator):
            indicator = str(indicator)
        if not isinstance(indicator, str) or not indicator.strip():
            errors.append(
                FieldError(f"{path}.indicator", "index_spec_invalid", f"{where}缺少指标名称或代码(indicator)")
            )
            indicator = "?"
        indicator = indicator.strip()
        where = f"{where}“{indicator}”"
        measure = _choice(
            errors,
            f"{path}.measure",
            item.get("measure", "value"),
            MEASURES,
            "index_measure_unknown",
            f"{where}的计算口径",
        )
        direction = item.get("direction")
        if direction is not None:
            direction = _choice(
                errors,
                f"{path}.direction",
                direction,
                DIRECTIONS,
                "index_direction_unknown",
                f"{where}的方向",
            )
        weight = item.get("weight", 1.0)
        if not _is_number(weight) or not math.isfinite(weight):
            errors.append(
                FieldError(f"{path}.weight", "index_weights_invalid", f"{where}的权重应为数字,现为“{weight}”")
            )
            weight = 0.0
        elif weight < 0:
            errors.append(
                FieldError(
                    f"{path}.weight", "index_weights_invalid", f"{where}的权重为负数({weight}),权重不能为负"
                )
            )
            weight = 0.0
        goalpost = None
        raw_goalpost = item.get("goalpost")
        if raw_goalpost is not None:
            if (
                not isinstance(raw_goalpost, list | tuple)
                or len(raw_goalpost) != 2
                or not all(_is_number(v) and math.isfinite(v) for v in raw_goalpost)
                or not raw_goalpost[0] < raw_goalpost[1]
            ):
                errors.append(
                    FieldError(
                        f"{path}.goalpost",
                        "index_goalpost_invalid",
                        f"{where}的阈值(goalpost)应为 [下限, 上限] 两个数且下限小于上限,现为“{raw_goalpost}”",
                    )
                )
            else:
                goalpost = (float(raw_goalpost[0]), float(raw_goalpost[1]))
        identity = (indicator, measure)
        if identity in seen:
            errors.append(
                FieldError(
                    path,
                    "index_component_duplicate",
                    f"{where}与第{seen[identity] + 1}个指标重复(同一指标、同一口径只能出现一次)",
                )
            )
        seen.setdefault(identity, i)
        components.append(Component(indicator, measure, float(weight), direction, goalpost))

    weights_ok = not any(e.code == "index_weights_invalid" for e in errors)
    total = sum(c.weight for c in components)
    if components and weights_ok and total <= 0:
        errors.append(
            FieldError("indicators", "index_weights_invalid", "各指标权重之和为0,至少要有一个指标的权重大于0")
        )
    elif components and weights_ok and not math.isfinite(total):
        # 1e308 + 1e308 overflows: every normalised weight would be 0 and every region unranked.
        errors.append(
            FieldError(
                "indicators",
                "index_weights_invalid",
                "各指标权重之和超出可计算的范围(权重过大),请按比例缩小权重,如0.4、0.3、0.2、0.1",
            )
        )
    if normalisation == "goalpost":
        lacking = [c.label for c in components if c.goalpost is None]
        if lacking:
            errors.append(
                FieldError(
                    "indicators",
                    "index_goalpost_missing",
                    f"固定阈值标准化(goalpost)要求每个指标给出阈值 goalpost: [下限, 上限],缺少:{'、'.join(lacking)}",
                )
            )
    if errors:
        raise IndexInvalid(errors)
    return IndexSpec(
        code=code,
        name=name,
        compare=compare,
        components=tuple(components),
        normalisation=normalisation,
        aggregation=aggregation,
        scale=float(scale),
        decimals=int(decimals),
        missing=missing,
        description=description,
    )


def load_spec(text: str) -> IndexSpec:
    """Parse a definition written in YAML or JSON (JSON is read as JSON, anything else as YAML)."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IndexInvalid(
                [
                    FieldError(
                        "", "index_spec_syntax", f"JSON格式错误(第{exc.lineno}行第{exc.colno}列):{exc.msg}"
                    )
                ]
            ) from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"(第{mark.line + 1}行第{mark.column + 1}列)" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise IndexInvalid(
                [FieldError("", "index_spec_syntax", f"YAML格式错误{where}:{problem}")]
            ) from None
    if data is None:
        raise IndexInvalid([FieldError("", "index_spec_invalid", "指数定义文件为空")])
    return parse_spec(data)


# --- Rounding and ranking ---------------------------------------------------------------------


def round_half_up(value: float, decimals: int) -> float:
    """四舍五入 as Chinese statistics rounds (not banker's rounding): 2.675 → 2.68, 2.665 → 2.67.

    The float is read exactly as a Decimal, rounded to ``GUARD_DECIMALS`` places (which turns the
    floating-point 2.67499999999999982236431605997495353221893310546875 of the literal 2.675 back
    into 2.675), then half up to ``decimals``. ``-0.0`` becomes ``0.0``.
    """
    with localcontext() as ctx:
        ctx.prec = 60
        guarded = Decimal(value).quantize(Decimal(1).scaleb(-GUARD_DECIMALS), ROUND_HALF_UP)
        rounded = guarded.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return float(rounded) + 0.0


def round_keys(values: np.ndarray, decimals: int) -> np.ndarray:
    """Vectorised :func:`round_half_up` expressed in units of 10**-decimals (integers as floats,
    halves away from zero): what the draws rank on, so that ties are decided on rounded values
    there too."""
    scaled = np.round(values * 10.0**decimals, GUARD_DECIMALS - decimals)
    return np.copysign(np.floor(np.abs(scaled) + 0.5), scaled) + 0.0


def rank_desc(values: Sequence[float | None], decimals: int | None = None) -> list[int | None]:
    """Competition ranking, descending: ties share the better rank (1, 2, 2, 4); ``None`` (and
    NaN) stay ``None``. Pass rounded values, or ``decimals`` to round half up here first, so that
    ties are decided on the figures as published."""
    cleaned: list[float | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            cleaned.append(None)
        else:
            cleaned.append(round_half_up(float(v), decimals) if decimals is not None else float(v))
    present = sorted(v for v in cleaned if v is not None)
    # rank = 1 + the number of values strictly greater
    return [None if v is None else len(present) - bisect_right(present, v) + 1 for v in cleaned]


def rank_matrix(keys: np.ndarray) -> np.ndarray:
    """Competition ranks (descending, ties share the better rank) down each column of a
    (regions, draws) matrix at once; ``keys`` must not contain NaN. Each draw is sorted as a
    contiguous row of the transpose; the rank at each sorted position is the position where its
    run of equal values starts (a running maximum), scattered back to the regions."""
    n = keys.shape[0]
    if n == 0:
        return np.zeros(keys.shape, dtype=np.int32)
    rows = np.ascontiguousarray(keys.T)
    order = np.argsort(-rows, axis=1)
    ordered = np.take_along_axis(rows, order, axis=1)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    position = np.arange(1, n + 1, dtype=np.int32)[None, :]
    sorted_ranks = np.maximum.accumulate(np.where(starts, position, 0), axis=1).astype(np.int32)
    ranks = np.empty_like(sorted_ranks)
    np.put_along_axis(ranks, order, sorted_ranks, axis=1)
    return ranks.T


# --- The kernel -------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:.10g}"


def normalise(
    values: np.ndarray,
    lower: np.ndarray,
    method: str,
    scale: float,
    goalposts: Sequence[tuple[float, float] | None] | None = None,
) -> np.ndarray:
    """Scores (0–scale) of each column over the regions that have a value (NaN = missing,
    stays NaN). ``lower[j]`` is True when lower is better for column j.

    * minmax: ``(x − min) / (max − min) · scale``, ``(max − x) / (max − min) · scale`` when lower
      is better; every region ``scale`` when max == min.
    * zscore: the T-score ``scale · (0.5 + z / 10)`` (50 + 10z on 0–100) with
      ``z = (x − mean) / std``, population std, sign flipped when lower is better; every region
      ``scale / 2`` when std == 0. Not clipped.
    * rank: ``scale · (n − r) / (n − 1)`` with r the mid-rank (1 = best, ties averaged) among the
      n regions with a value; ``scale`` when n == 1.
    * goalpost: ``(x − lo) / (hi − lo) · scale`` (``(hi − x) / …`` when lower is better), clipped
      to 0–scale.
    """
    x = np.asarray(values, dtype=float)
    present = ~np.isnan(x)
    out = np.full(x.shape, np.nan)
    for j in range(x.shape[1]):
        col = x[present[:, j], j]
        if col.size == 0:
            continue
        if method == "minmax":
            lo, hi = col.min(), col.max()
            if hi == lo:
                s = np.full(col.shape, float(scale))
            elif lower[j]:
                s = (hi - col) / (hi - lo) * scale
            else:
                s = (col - lo) / (hi - lo) * scale
        elif method == "zscore":
            mean = col.mean()
            std = math.sqrt(float(np.mean((col - mean) ** 2)))
            z = np.zeros(col.shape) if std == 0 else (col - mean) / std
            if lower[j]:
                z = -z
            s = scale * (0.5 + z / 10)
        elif method == "rank":
            n = col.size
            if n == 1:
                s = np.full(col.shape, float(scale))
            else:
                v = -col if lower[j] else col
                ordered = np.sort(v)
                better = n - np.searchsorted(ordered, v, side="right")
                equal = np.searchsorted(ordered, v, side="right") - np.searchsorted(ordered, v, side="left")
                mid_rank = better + (equal + 1) / 2
                s = (n - mid_rank) / (n - 1) * scale
        elif method == "goalpost":
            if goalposts is None or goalposts[j] is None:
                raise _fail(
                    "normalisation", "index_goalpost_missing", "固定阈值标准化(goalpost)要求每个指标给出阈值"
                )
            glo, ghi = goalposts[j]  # type: ignore[misc]
            s = (ghi - col) / (ghi - glo) * scale if lower[j] else (col - glo) / (ghi - glo) * scale
            s = np.clip(s, 0.0, scale)
        else:
            raise _fail("normalisation", "index_normalisation_unknown", f"标准化方法“{method}”不受支持")
        out[present[:, j], j] = s
    return out


def aggregate(
    scores: np.ndarray,
    weights: np.ndarray,
    geometric: bool,
    scale: float,
    log_scores: np.ndarray | None = None,
) -> np.ndarray:
    """The index of every region under every weight vector: (regions, m) scores (NaN =
    missing) × (draws, m) weights → (regions, draws).

    Each region's weights are renormalised over the components it has a value for
    (``Σ w_j s_j / Σ w_j`` over its available j), which is the plain weighted mean when nothing is
    missing. Geometric: ``exp(Σ w_j ln(max(s_j, 0) + δ) / Σ w_j) − δ`` with
    δ = GEOMETRIC_SHIFT · scale. A region whose available weights sum to 0 gets NaN.
    """
    available = (~np.isnan(scores)).astype(float)
    weights_t = np.ascontiguousarray(np.atleast_2d(weights).T)
    denominator = available @ weights_t
    if geometric:
        if log_scores is None:
            log_scores = geometric_logs(scores, scale)
        numerator = log_scores @ weights_t
    else:
        numerator = np.nan_to_num(scores, nan=0.0) @ weights_t
    with np.errstate(invalid="ignore", divide="ignore"):
        result = numerator / denominator
    result[denominator <= 0] = np.nan
    if geometric:
        result = np.exp(result) - GEOMETRIC_SHIFT * scale
    return result  # type: ignore[no-any-return]


def geometric_logs(scores: np.ndarray, scale: float) -> np.ndarray:
    """``ln(max(s, 0) + δ)``, 0 where missing: the geometric mean's operand, computed once."""
    with np.errstate(invalid="ignore"):
        logs = np.log(np.maximum(scores, 0.0) + GEOMETRIC_SHIFT * scale)
    return np.nan_to_num(logs, nan=0.0)


# --- Preparing one computation ------------------------------------------------------------------


@dataclass
class Prepared:
    """The figures as the index sees them, shared by compute, uncertainty and sensitivity."""

    spec: IndexSpec
    region_codes: list[str]
    values: np.ndarray  # (n, m), NaN = missing; rows of excluded regions all NaN
    lower: np.ndarray  # (m,) bool
    included: np.ndarray  # (n,) bool: regions that get an index value
    active: np.ndarray  # (m,) bool: components that take part (weight > 0 and some data)
    weights: np.ndarray  # (m,) normalised spec weights, 0 where not active
    notes: list[str] = field(default_factory=list)


def _names(region_codes: Sequence[str], region_names: Mapping[str, str] | None) -> list[str]:
    return [(region_names or {}).get(code, code) for code in region_codes]


def _quoted(labels: Sequence[str]) -> str:
    return "、".join(f"‘{label}’" for label in labels)


def prepare(
    spec: IndexSpec,
    region_codes: Sequence[str],
    values: Any,
    directions: Sequence[str | None],
    region_names: Mapping[str, str] | None = None,
) -> Prepared:
    """Validate the figures against the spec and apply the missing-value treatment."""
    codes = [str(c) for c in region_codes]
    m = len(spec.components)
    try:
        x = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise _fail("values", "index_values_invalid", "指标数值应为数字矩阵(地区×指标)") from None
    if x.ndim != 2 or x.shape != (len(codes), m):
        raise _fail(
            "values",
            "index_values_invalid",
            f"指标数值应为{len(codes)}个地区×{m}个指标的矩阵,实际形状为{'×'.join(map(str, x.shape))}",
        )
    if not codes:
        raise _fail("region_codes", "index_no_data", "没有参与比较的地区")
    if len(set(codes)) != len(codes):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        raise _fail("region_codes", "index_values_invalid", f"地区重复:{'、'.join(dupes)}")
    if np.isinf(x).any():
        raise _fail("values", "index_values_invalid", "指标数值不能为无穷大")
    if len(directions) != m:
        raise _fail(
            "directions", "index_direction_unknown", f"应给出{m}个指标的方向,实际为{len(directions)}个"
        )
    resolved = []
    for j, c in enumerate(spec.components):
        d = c.direction or directions[j]
        if d not in DIRECTIONS:
            raise _fail(
                f"directions[{j}]",
                "index_direction_unknown",
                f"指标‘{c.label}’的方向“{d}”不受支持,可选:higher、lower",
            )
        resolved.append(d == "lower")
    lower = np.array(resolved, dtype=bool)

    names = _names(codes, region_names)
    base = np.array([c.weight for c in spec.components], dtype=float)
    present = ~np.isnan(x)
    has_data = present.any(axis=0)
    notes: list[str] = []
    if base[has_data].sum() <= 0:
        lacking = [
            c.label for c, ok, w in zip(spec.components, has_data, base, strict=True) if w > 0 and not ok
        ]
        raise _fail("values", "index_no_data", f"所有地区均缺少{_quoted(lacking)}数据,无法计算指数")
    active = (base > 0) & has_data
    for j, c in enumerate(spec.components):
        if base[j] > 0 and not has_data[j]:
            if spec.missing == "exclude":
                raise _fail(
                    "values",
                    "index_component_no_data",
                    f"所有地区均缺少‘{c.label}’数据,无法计算;请补充数据,或在指数定义中改用 missing: reweight",
                )
            notes.append(f"所有地区均缺少‘{c.label}’数据,该指标未参与计算,其余指标权重按比例放大至合计为1")

    required = active
    missing_req = ~present & required[None, :]
    included = np.ones(len(codes), dtype=bool)
    for i in range(len(codes)):
        if not missing_req[i].any():
            continue
        lacking = [spec.components[j].label for j in np.flatnonzero(missing_req[i])]
        if not (present[i] & required).any():
            included[i] = False
            notes.append(f"{names[i]}缺少全部指标数据,未参与排名")
        elif spec.missing == "exclude":
            included[i] = False
            notes.append(f"{names[i]}缺少{_quoted(lacking)}数据,未参与排名")
        else:
            notes.append(f"{names[i]}缺少{_quoted(lacking)}数据,其余指标权重按比例放大至合计为1后计算")
    if not included.any():
        notes.append("所有地区均缺少部分指标数据,本期没有地区参与排名;可在指数定义中改用 missing: reweight")
    x = x.copy()
    x[~included, :] = np.nan
    x[:, ~active] = np.nan
    weights = np.where(active, base, 0.0)
    weights = weights / weights.sum()
    return Prepared(spec, codes, x, lower, included, active, weights, notes)


def scores_for(prep: Prepared, method: str) -> np.ndarray:
    """The normalised scores of the included regions under ``method`` (n_included, m)."""
    spec = prep.spec
    return normalise(prep.values[prep.included], prep.lower, method, spec.scale, spec.goalposts)


def _score_notes(prep: Prepared, scores: np.ndarray, method: str, names: list[str]) -> list[str]:
    spec = prep.spec
    notes = []
    x = prep.values[prep.included]
    inc_names = [n for n, ok in zip(names, prep.included, strict=True) if ok]
    for j, c in enumerate(spec.components):
        if not prep.active[j]:
            continue
        col = x[:, j][~np.isnan(x[:, j])]
        if col.size > 1 and np.all(col == col[0]):
            fill = {"minmax": spec.scale, "zscore": spec.scale / 2, "rank": spec.scale / 2}.get(method)
            if fill is not None:
                notes.append(f"各地区‘{c.label}’数值相同,标准化得分均记为{_fmt(fill)}")
        if method == "goalpost" and c.goalpost is not None:
            lo, hi = c.goalpost
            for i in np.flatnonzero((x[:, j] < lo) | (x[:, j] > hi)):
                notes.append(
                    f"{inc_names[i]}的‘{c.label}’({_fmt(x[i, j])})超出阈值[{_fmt(lo)}, {_fmt(hi)}],得分按阈值计"
                )
        if spec.aggregation == "geometric":
            for i in np.flatnonzero(scores[:, j] < 0):
                notes.append(f"{inc_names[i]}的‘{c.label}’标准化得分低于0,几何平均时按0计")
    return notes


def method_text(spec: IndexSpec) -> str:
    """The method in one Chinese sentence, for output and the bulletin's notes."""
    norm = {
        "minmax": "各指标按极差标准化到0—{s}分((x−最小值)/(最大值−最小值)×{s},越低越好的指标取(最大值−x);各地区数值相同时均记{s}分)",
        "zscore": "各指标按标准分(T分数)换算:{s}×(0.5+z/10),z=(x−平均值)/总体标准差(越低越好的指标取−z)",
        "goalpost": "各指标按固定阈值标准化到0—{s}分((x−下限)/(上限−下限)×{s},超出阈值按阈值计)",
        "rank": "各指标按位次得分:{s}×(n−平均位次)/(n−1)",
    }[spec.normalisation].format(s=_fmt(spec.scale))
    agg = (
        "按归一后的权重加权算术平均"
        if spec.aggregation == "arithmetic"
        else f"按归一后的权重加权几何平均(得分先加{_fmt(GEOMETRIC_SHIFT * spec.scale)}再求几何平均、最后减去,避免0分使指数为0)"
    )
    miss = (
        "缺少任一指标数据的地区不参与排名"
        if spec.missing == "exclude"
        else "缺少部分指标数据的地区按其余指标重新归一权重后计算"
    )
    return f"{norm},{agg},四舍五入保留{spec.decimals}位小数,按指数从高到低排名(并列取较好位次);{miss}。"


@dataclass
class IndexResult:
    region_codes: list[str]
    values: list[float | None]  # rounded to spec.decimals; None when the region is excluded
    ranks: list[int | None]  # descending, ties share the better rank
    notes: list[str]  # Chinese sentences stating every treatment applied
    normalised: np.ndarray  # (n_regions, n_components) scores, NaN where missing or excluded
    unrounded: list[float | None] = field(default_factory=list)
    weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # effective, per region
    components: list[str] = field(default_factory=list)  # component labels
    method: str = ""


def compute(
    spec: IndexSpec,
    region_codes: Sequence[str],
    values: Any,
    directions: Sequence[str | None],
    *,
    region_names: Mapping[str, str] | None = None,
) -> IndexResult:
    """The index of each compared region for one period.

    ``values``: (n_regions, n_components) floats, NaN = missing, in the measure each component
    names (growth in %, share in %, …). ``directions``: per component, "higher"/"lower" as
    resolved from the catalogue (a direction written in the spec wins). ``region_names`` lets the
    notes name regions; by default they use the codes.
    """
    prep = prepare(spec, region_codes, values, directions, region_names)
    names = _names(prep.region_codes, region_names)
    scores = scores_for(prep, spec.normalisation)
    index = aggregate(scores, prep.weights, spec.aggregation == "geometric", spec.scale)[:, 0]
    n, m = prep.values.shape
    normalised = np.full((n, m), np.nan)
    normalised[prep.included] = scores
    available = ~np.isnan(scores) & (prep.weights > 0)[None, :]
    effective = np.zeros((n, m))
    with np.errstate(invalid="ignore", divide="ignore"):
        w = available * prep.weights[None, :]
        effective[prep.included] = w / w.sum(axis=1, keepdims=True)
    unrounded: list[float | None] = [None] * n
    rounded: list[float | None] = [None] * n
    for k, i in enumerate(np.flatnonzero(prep.included)):
        if not math.isnan(index[k]):
            unrounded[i] = float(index[k])
            rounded[i] = round_half_up(float(index[k]), spec.decimals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        notes = prep.notes + _score_notes(prep, scores, spec.normalisation, names)
    return IndexResult(
        region_codes=prep.region_codes,
        values=rounded,
        ranks=rank_desc(rounded),
        notes=notes,
        normalised=normalised,
        unrounded=unrounded,
        weights=effective,
        components=spec.labels,
        method=method_text(spec),
    )
