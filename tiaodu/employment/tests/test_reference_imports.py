"""The ``occupations`` and ``market-rules`` imports (lane A): all-or-nothing, per-row errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tiaodu.core.imports import run_import, template_workbook, write_xlsx
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment.choices import CalendarKind
from tiaodu.employment.models import MarketRule, Occupation
from tiaodu.employment.tests.factories import staff

pytestmark = pytest.mark.django_db

GUXI, YUXI = "500152103", "500152107"


def _file(tmp_path: Path, rows: list[list[Any]]) -> Path:
    path = tmp_path / "data.xlsx"
    write_xlsx(path, rows)
    return path


def _codes(result: Any) -> set[tuple[int | None, str]]:
    return {(e.row, e.code) for e in result.errors}


def test_occupations_import_adds_and_updates(tmp_path: Path) -> None:
    officer = staff(TONGNAN, "rsj_imp")
    before = Occupation.objects.count()
    rows = [
        ["职业编码", "职业名称", "关键词"],
        ["6-09-05-01", "毛绒玩具制作工", "充棉工、毛绒玩具"],  # its parent comes later in the file
        ["6-09-05", "玩具制作人员", ""],
        ["6-05-01-03", "缝纫工", "缝纫工、平车工、车位、缝盘工"],
    ]
    result = run_import("occupations", _file(tmp_path, rows), actor=officer)
    assert result.ok, result.error_lines()
    assert (result.created, result.updated) == (2, 1)
    assert Occupation.objects.count() == before + 2
    toy = Occupation.objects.get(code="6-09-05-01")
    assert (toy.level, toy.parent.code if toy.parent else "", toy.is_shipped) == (4, "6-09-05", False)
    assert "缝盘工" in Occupation.objects.get(code="6-05-01-03").keywords
    assert Occupation.objects.get(code="6-05-01-03").is_shipped


def test_occupations_import_all_or_nothing(tmp_path: Path) -> None:
    officer = staff(TONGNAN, "rsj_imp2")
    before = Occupation.objects.count()
    rows = [
        ["职业编码", "职业名称"],
        ["6-09-07", "乐器制作人员"],  # fine
        ["6-9-01", "错误编码"],
        ["6-98-01", "上级不存在"],
        ["6-09-07", "重复"],
    ]
    result = run_import("occupations", _file(tmp_path, rows), actor=officer)
    assert not result.ok or result.written == 0
    assert _codes(result) >= {
        (3, "occupation_code_format"),
        (4, "occupation_parent_missing"),
        (5, "occupation_duplicate"),
    }
    assert Occupation.objects.count() == before


def test_occupations_import_refused_for_a_town(tmp_path: Path, users: dict) -> None:
    from tiaodu.core.errors import Forbidden

    with pytest.raises(Forbidden):
        run_import(
            "occupations",
            _file(tmp_path, [["职业编码", "职业名称"], ["6-09-07", "乐器制作人员"]]),
            actor=users["guxi"],
        )


def test_market_rules_import(tmp_path: Path, users: dict) -> None:
    rows: list[list[Any]] = [
        ["所属镇街", "场镇", "历法", "逢几赶场"],
        ["古溪镇", "古溪场", "农历", "1、4、7"],
        [YUXI, "", "公历", 258],
    ]
    result = run_import("market-rules", _file(tmp_path, rows), actor=users["guxi"])
    assert result.ok, result.error_lines()
    assert result.created == 2
    rules = {r.township.code: r for r in MarketRule.objects.select_related("township")}
    assert (rules[GUXI].digits, rules[GUXI].calendar, rules[GUXI].place) == (
        "147",
        CalendarKind.LUNAR,
        "古溪场",
    )
    assert (rules[YUXI].digits, rules[YUXI].calendar) == ("258", CalendarKind.SOLAR)
    # The same township and 场镇 again: updated, not doubled.
    again = run_import(
        "market-rules",
        _file(tmp_path, [["所属镇街", "场镇", "逢几赶场"], ["古溪镇", "古溪场", "369"]]),
        actor=users["guxi"],
    )
    assert again.ok and again.updated == 1
    assert MarketRule.objects.count() == 2
    rule = MarketRule.objects.get(township__code=GUXI)
    assert (rule.digits, rule.calendar) == ("369", CalendarKind.LUNAR)


def test_market_rules_import_errors(tmp_path: Path, users: dict) -> None:
    rows = [
        ["所属镇街", "历法", "逢几赶场"],
        ["古溪镇", "农历", "1、4、7"],
        ["500101001", "农历", "147"],  # a township of 万州区, not of 潼南区
        ["玉溪镇", "阴阳历", "147"],
        ["上和镇", "公历", "一四x"],
        ["不存在镇", "公历", "147"],
    ]
    result = run_import("market-rules", _file(tmp_path, rows), actor=users["guxi"])
    assert not result.ok or result.written == 0
    codes = _codes(result)
    assert (3, "township_unknown") in codes
    assert (4, "calendar_invalid") in codes
    assert (5, "market_digits") in codes
    assert (6, "township_unknown") in codes
    assert MarketRule.objects.count() == 0


def test_templates_are_offered() -> None:
    for kind in ("occupations", "market-rules"):
        assert template_workbook(kind)[:2] == b"PK"


def test_the_shipped_file_imports_as_is() -> None:
    from tiaodu.employment.reference import OCCUPATIONS_CSV

    before = Occupation.objects.count()
    result = run_import("occupations", str(OCCUPATIONS_CSV))
    assert result.ok, result.error_lines()
    assert result.created == 0 and result.updated == before
