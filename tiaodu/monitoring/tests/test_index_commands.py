"""``tiaodu index define|compute|uncertainty|sensitivity`` over stored figures (the seed)."""

from __future__ import annotations

import csv
import io
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tiaodu.monitoring.index import IndexInvalid
from tiaodu.monitoring.indexes import compute_index, define_index, gather, get_index
from tiaodu.monitoring.models import IndexValue
from tiaodu.monitoring.tests.seed import PERIOD, TONGNAN

pytestmark = pytest.mark.usefixtures("seeded")

SPEC = """\
code: gyzs
name: 工业经济运行监测指数
compare: "500000"        # the children of this region are compared with each other
normalisation: minmax
aggregation: arithmetic
scale: 100
decimals: 2
indicators:
  - {indicator: 规模以上工业增加值增速, weight: 0.4}
  - {indicator: 规模以上工业总产值, measure: growth, weight: 0.3}
  - {indicator: 工业投资, measure: growth, weight: 0.2}
  - {indicator: 工业技术改造投资, measure: share, weight: 0.1, direction: higher}
"""
PUBLISHED = """\
{"code": "gyzs_city", "name": "工业经济运行综合指数(市发布)", "compare": "500000", "indicator": "工业经济运行综合指数"}
"""


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("index", *args, stdout=out)
    return out.getvalue()


def define(tmp_path: Path, text: str = SPEC, name: str = "gyzs.yaml") -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert "已定义综合指数" in run("define", str(path))


def index_defined(code: str) -> bool:
    from tiaodu.monitoring.models import CompositeIndex

    return CompositeIndex.objects.filter(code=code).exists()


def reference(matrix: list[list[float]], weights: list[float]) -> list[Fraction | None]:
    """The documented default method, independently: min-max to 0–100, weighted mean."""
    cols = list(zip(*matrix, strict=True))
    total = sum(Fraction(w) for w in weights)
    out: list[Fraction | None] = []
    for row in matrix:
        if any(math.isnan(v) for v in row):
            out.append(None)
            continue
        score = Fraction(0)
        for j, v in enumerate(row):
            present = [Fraction(str(x)) for x in cols[j] if not math.isnan(x)]
            lo, hi = min(present), max(present)
            s = Fraction(100) if hi == lo else (Fraction(str(v)) - lo) / (hi - lo) * 100
            score += s * Fraction(weights[j]) / total
        out.append(score)
    return out


def test_gather_uses_the_published_measures(tmp_path: Path) -> None:
    define(tmp_path)
    matrix = gather(get_index("gyzs"), PERIOD)
    assert len(matrix.regions) == 38
    row = matrix.values[matrix.codes.index(TONGNAN)]
    assert row == [10.0, 16.5, 22.5, 40.9]
    assert matrix.directions == ["higher"] * 4


def test_compute_stores_values_and_ranks(tmp_path: Path) -> None:
    define(tmp_path)
    out = run("compute", "--index", "gyzs", "--period", PERIOD, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["region_code", "region_name", "value", "rank", "group_rank"]
    assert len(rows) == 38
    matrix = gather(get_index("gyzs"), PERIOD)
    expected = reference(matrix.values, [0.4, 0.3, 0.2, 0.1])
    by_code = {r["region_code"]: r for r in rows}
    for code, value in zip(matrix.codes, expected, strict=True):
        assert value is not None
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        assert by_code[code]["value"] == f"{exact.quantize(Decimal('0.01'), rounding='ROUND_HALF_UP')}"
    assert [int(r["rank"]) for r in rows] == sorted(int(r["rank"]) for r in rows)  # ordered by rank
    stored = IndexValue.objects.filter(index__code="gyzs", period__key="2022-M01-02")
    assert stored.count() == 38
    tongnan = stored.get(region__code=TONGNAN)
    assert tongnan.value == Decimal(by_code[TONGNAN]["value"])
    assert (tongnan.rank, tongnan.group_rank) == (
        int(by_code[TONGNAN]["rank"]),
        int(by_code[TONGNAN]["group_rank"]),
    )
    assert tongnan.origin == "computed"
    group = stored.filter(
        region__code__in=["500102", "500110", "500111", "500115", "500116", "500117", "500118"]
    )
    assert all(v.group_rank is not None for v in group)
    # again: the period's results are replaced, not duplicated
    run("compute", "--index", "gyzs", "--period", PERIOD)
    assert IndexValue.objects.filter(index__code="gyzs").count() == 38
    text = run("compute", "--index", "gyzs", "--period", PERIOD)
    assert "方法:" in text and "潼南区" in text


def test_missing_figures_are_stated(tmp_path: Path) -> None:
    from tiaodu.monitoring.models import IndicatorValue

    IndicatorValue.objects.filter(
        region__code="500101", indicator__code="gy_tz", period__key="2021-M01-02"
    ).delete()
    define(tmp_path)
    run_ = compute_index(None, "gyzs", PERIOD)
    wanzhou = next(r for r in run_.rows if r.region_code == "500101")
    assert wanzhou.value is None and wanzhou.rank is None
    assert any("万州区" in n and "未参与排名" in n for n in run_.notes)
    assert wanzhou.notes  # stored with the region's row
    assert IndexValue.objects.get(index__code="gyzs", region__code="500101").notes


def test_csv_keeps_stdout_pure_and_writes_the_notes_to_stderr(tmp_path: Path) -> None:
    from tiaodu.monitoring.models import IndicatorValue

    IndicatorValue.objects.filter(
        region__code="500101", indicator__code="gy_tz", period__key="2021-M01-02"
    ).delete()
    define(tmp_path, SPEC.replace("decimals: 2", "decimals: 2\nmissing: reweight"))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "index", "compute", "--index", "gyzs", "--period", PERIOD, "--format", "csv", stdout=out, stderr=err
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == 39 and all(len(r) == 5 for r in rows)  # the header and 38 regions, nothing else
    assert "说明" not in out.getvalue()
    notes = err.getvalue()
    assert "说明:万州区缺少‘工业投资增速’数据,其余指标权重按比例放大至合计为1后计算" in notes
    assert "方法:" in notes
    # the same notes as text mode prints after its table
    text = run("compute", "--index", "gyzs", "--period", PERIOD)
    assert [line for line in text.splitlines() if line.startswith(("说明:", "方法:"))] == notes.splitlines()
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "index",
        "uncertainty",
        "--index",
        "gyzs",
        "--period",
        PERIOD,
        "--draws",
        "20",
        "--format",
        "csv",
        stdout=out,
        stderr=err,
    )
    assert all(len(r) == 6 for r in csv.reader(io.StringIO(out.getvalue())))
    assert "万州区缺少" in err.getvalue() and "方法:" in err.getvalue()


def test_published_index_is_ranked_the_same_way(tmp_path: Path) -> None:
    define(tmp_path, PUBLISHED, "city.json")
    out = run("compute", "--index", "gyzs_city", "--period", PERIOD, "--format", "csv")
    rows = {r["region_code"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (rows[TONGNAN]["value"], rows[TONGNAN]["rank"]) == ("74.41", "12")
    stored = IndexValue.objects.get(index__code="gyzs_city", region__code=TONGNAN)
    assert (stored.value, stored.rank, stored.origin) == (Decimal("74.41"), 12, "imported")
    with pytest.raises(CommandError, match="index_imported"):
        run("uncertainty", "--index", "gyzs_city", "--period", PERIOD)


def test_published_index_is_rounded_half_up_as_the_bulletin_ranks_it(tmp_path: Path) -> None:
    """74.405 is 74.41 (四舍五入, not banker's 74.40) in compute, the stored results and the bulletin."""
    from tiaodu.monitoring.computations import ranking
    from tiaodu.monitoring.services import record_value

    for code, value in ((TONGNAN, "74.405"), ("500101", "74.41"), ("500102", "74.415")):
        record_value(None, "工业经济运行综合指数", code, PERIOD, value)
    define(tmp_path, PUBLISHED, "city.json")
    out = run("compute", "--index", "gyzs_city", "--period", PERIOD, "--format", "csv")
    rows = {r["region_code"]: r for r in csv.DictReader(io.StringIO(out))}
    bulletin = ranking("500000", "工业经济运行综合指数", PERIOD)
    tongnan = bulletin.row(TONGNAN)
    assert tongnan is not None and (tongnan.figures.figure, tongnan.rank) == (Decimal("74.41"), 11)
    assert (rows[TONGNAN]["value"], rows[TONGNAN]["rank"]) == ("74.41", "11")
    assert (rows["500101"]["value"], rows["500102"]["value"]) == ("74.41", "74.42")
    stored = {
        v.region.code: v for v in IndexValue.objects.filter(index__code="gyzs_city").select_related("region")
    }
    for r in bulletin.rows:
        assert (stored[r.region_code].value, stored[r.region_code].rank) == (r.figures.figure, r.rank)
        assert stored[r.region_code].group_rank == r.group_rank


def test_uncertainty_is_reproducible(tmp_path: Path) -> None:
    define(tmp_path)
    first = run("uncertainty", "--index", "gyzs", "--period", PERIOD, "--draws", "200", "--seed", "7")
    again = run("uncertainty", "--index", "gyzs", "--period", PERIOD, "--draws", "200", "--seed", "7")
    assert first == again
    assert "90%区间" in first
    rows = list(
        csv.DictReader(
            io.StringIO(
                run("uncertainty", "--index", "gyzs", "--period", PERIOD, "--draws", "50", "--format", "csv")
            )
        )
    )
    assert len(rows) == 38
    assert all(int(r["rank_low"]) <= int(r["rank_median"]) <= int(r["rank_high"]) for r in rows)


def test_sensitivity_runs(tmp_path: Path) -> None:
    define(tmp_path)
    out = run("sensitivity", "--index", "gyzs", "--period", PERIOD, "--samples", "16", "--format", "csv")
    header = next(csv.reader(io.StringIO(out)))
    assert header[:3] == ["region_code", "region_name", "top_indicator"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (("规模以上工业增加值增速, weight", "规上工业利润, weight"), "index_indicator_unknown"),
        (
            ("规模以上工业增加值增速, weight: 0.4", "规模以上工业增加值增速, measure: growth, weight: 0.4"),
            "index_measure_invalid",
        ),
        (("工业投资, measure: growth", "工业投资, measure: share"), "index_measure_invalid"),
        (('compare: "500000"', 'compare: "599900"'), "region_unknown"),
        (("weight: 0.4", "weight: -0.4"), "index_weights_invalid"),
    ],
)
def test_bad_definitions(tmp_path: Path, change: tuple[str, str], code: str) -> None:
    with pytest.raises(IndexInvalid) as err:
        define_index(None, SPEC.replace(*change))
    assert code in {e.code for e in err.value.errors}


@pytest.mark.parametrize("spelling", ["工业投资额", "gy_tz", "工 业 投 资"])
def test_one_indicator_twice_under_other_names_is_refused(spelling: str) -> None:
    """工业投资, its alias 工业投资额 and its code gy_tz are one indicator: its weight would count twice."""
    text = SPEC + f"  - {{indicator: {spelling}, measure: growth, weight: 0.2}}\n"
    with pytest.raises(IndexInvalid) as err:
        define_index(None, text)
    error = next(e for e in err.value.errors if e.code == "index_component_duplicate")
    assert error.field == "indicators[4].indicator"
    assert f"第5个指标“{spelling}”与第3个指标“工业投资”是同一指标“工业投资”" in error.message
    assert not IndexValue.objects.exists() and not index_defined("gyzs")
    # Another measure of the same indicator is another component.
    define_index(None, SPEC + "  - {indicator: gy_tz, measure: value, weight: 0.1}\n")


def test_published_index_names_an_index_indicator() -> None:
    text = PUBLISHED.replace('"indicator": "工业经济运行综合指数"', '"indicator": "工业投资增速"')
    with pytest.raises(IndexInvalid) as err:
        define_index(None, text)
    assert err.value.code == "index_indicator_not_index"
    assert err.value.errors[0].field == "indicator"
    assert "“工业投资增速”是增速指标,不是指数" in err.value.message
    assert "工业经济运行综合指数" in err.value.message
    assert not index_defined("gyzs_city")
    assert define_index(None, PUBLISHED).indicator is not None


def test_unknown_index(capsys: Any) -> None:
    with pytest.raises(CommandError, match="index_unknown"):
        run("compute", "--index", "nope", "--period", PERIOD)
