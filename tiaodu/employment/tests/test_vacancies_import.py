"""The ``vacancies`` import (lane C): enterprise by credit code, occupation proposed when blank,
the 就业促进法 check and the other rules of the vacancy service, all or nothing, re-import updates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tiaodu.cases.tests.factories import credit_code, enterprise, qiye_enterprise
from tiaodu.core.imports import run_import, template_workbook, write_xlsx
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment.models import Occupation, Vacancy
from tiaodu.employment.tests.factories import staff
from tiaodu.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db
HEADER = [
    "统一社会信用代码",
    "岗位名称",
    "职业编码",
    "招聘人数",
    "月薪下限",
    "月薪上限",
    "工作地点",
    "岗位要求",
    "有效期至",
    "发布日期",
    "学历要求",
    "班制",
    "提供住宿",
    "年龄上限",
    "年龄限制依据",
]


def firm(serial: int) -> Enterprise:
    return enterprise(credit_code(8_200_000 + serial), "500152103", f"导入测试企业{serial}")


def occupation(code: str, name: str, keywords: str = "") -> Occupation:
    level = len(code.split("-"))
    parent = occupation(code.rsplit("-", 1)[0], f"{name}类") if level > 1 else None
    row, _made = Occupation.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "keywords": keywords}
    )
    return row


def xlsx(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "vacancies.xlsx"
    write_xlsx(path, [header, *rows])
    return path


def test_import_creates_proposes_then_updates(tmp_path: Path) -> None:
    user = staff(TONGNAN)
    a, b = firm(1), firm(2)
    sewer = occupation("6-05-01-01", "缝纫工")
    marker = occupation("4-99-99-96", "导入测试工种", keywords="导入测试岗")
    rows: list[list[Any]] = [
        [
            a.credit_code,
            "缝纫工",
            "6-05-01-01",
            20,
            3500,
            5000,
            "高新区",
            "有制衣厂经历",
            "2022-04-30",
            "2022-02-10",
            "初中",
            "两班倒",
            "是",
            None,
            "",
        ],
        [
            b.credit_code,
            "导入测试岗",
            "",
            5,
            None,
            None,
            "",
            "",
            None,
            date(2022, 2, 12),
            "",
            "",
            "",
            50,
            "搬运重物,体检要求",
        ],
    ]
    result = run_import("vacancies", xlsx(tmp_path, rows), actor=user)
    assert result.ok, result.error_lines()
    assert (result.created, result.updated) == (2, 0)
    assert result.audit_data == {"occupation_proposed": 1}
    first = Vacancy.objects.get(enterprise=a)
    assert (first.occupation, first.occupation_proposed, first.headcount) == (sewer, False, 20)
    assert (first.wage_min, first.wage_max, first.education, first.shift, first.housing) == (
        3500,
        5000,
        "junior",
        "two",
        True,
    )
    assert first.valid_until == date(2022, 4, 30) and first.published_on == date(2022, 2, 10)
    assert first.district.code == TONGNAN and first.created_by == user
    second = Vacancy.objects.get(enterprise=b)
    assert second.occupation == marker and second.occupation_proposed
    assert second.age_max == 50 and second.age_ground == "搬运重物,体检要求"
    # The same file again: nothing changes; then one cell changed: that vacancy updated.
    result = run_import("vacancies", xlsx(tmp_path, rows), actor=user)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 2)
    rows[0][3] = 25
    result = run_import("vacancies", xlsx(tmp_path, rows), actor=user)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 1, 1)
    first.refresh_from_db()
    assert first.headcount == 25 and first.version == 2
    second.refresh_from_db()
    assert second.occupation == marker and second.occupation_proposed  # a blank code keeps the proposal
    assert Vacancy.objects.filter(enterprise__in=[a, b]).count() == 2


def test_bad_rows_listed_and_nothing_written(tmp_path: Path) -> None:
    user = staff(TONGNAN)
    a = firm(3)
    good = [a.credit_code, "普工", "", 10, 3000, 4000, "", "", None, "2022-02-10", "", "", "", None, ""]
    rows: list[list[Any]] = [
        good,
        [a.credit_code, "普工二", "", 10, 5000, 4000, "", "", None, "2022-02-10", "", "", "", None, ""],
        [
            a.credit_code,
            "普工三",
            "",
            10,
            None,
            None,
            "",
            "限男性,本地户籍",
            None,
            "2022-02-10",
            "",
            "",
            "",
            None,
            "",
        ],
        [
            a.credit_code,
            "普工四",
            "",
            10,
            None,
            None,
            "",
            "",
            "2022-01-01",
            "2022-02-10",
            "",
            "",
            "",
            None,
            "",
        ],
        [a.credit_code, "普工五", "", 10, None, None, "", "", None, "2022-02-10", "", "", "", 40, ""],
        [
            credit_code(8_299_999),
            "普工六",
            "",
            10,
            None,
            None,
            "",
            "",
            None,
            "2022-02-10",
            "",
            "",
            "",
            None,
            "",
        ],
        [
            "91500152MA5U000010",
            "普工七",
            "",
            10,
            None,
            None,
            "",
            "",
            None,
            "2022-02-10",
            "",
            "",
            "",
            None,
            "",
        ],
        [
            a.credit_code,
            "普工八",
            "9-99-99-99",
            0,
            None,
            None,
            "",
            "",
            None,
            "2099-01-01",
            "博士后",
            "四班倒",
            "",
            None,
            "",
        ],
        good,
    ]
    result = run_import("vacancies", xlsx(tmp_path, rows), actor=user)
    assert not result.ok and result.created == 0
    found = {(e.row, e.field, e.code) for e in result.errors}
    assert (3, "月薪下限", "wage_floor_above_ceiling") in found
    assert (4, "岗位要求", "discriminatory_requirement") in found
    assert (5, "有效期至", "valid_until_before_published") in found
    assert (6, "年龄限制依据", "age_limit_without_ground") in found
    assert (7, "统一社会信用代码", "enterprise_unknown") in found
    assert (8, "统一社会信用代码", "credit_code_invalid") in found
    assert {
        (9, "职业编码", "occupation_unknown"),
        (9, "招聘人数", "number_too_large"),
        (9, "发布日期", "date_in_future"),
        (9, "学历要求", "invalid_choice"),
        (9, "班制", "invalid_choice"),
    } <= found
    assert (10, "岗位名称", "vacancy_duplicate") in found
    assert not {e.row for e in result.errors} & {2}
    message = next(e.message for e in result.errors if e.code == "discriminatory_requirement")
    assert "《就业促进法》" in message
    assert not Vacancy.objects.filter(enterprise=a).exists()


def test_enterprise_imports_its_own_only(tmp_path: Path, users: dict) -> None:
    own = qiye_enterprise()
    other = firm(4)
    rows: list[list[Any]] = [
        [own.credit_code, "包装工", "", 3, None, None, "", "", None, "2022-02-10", "", "", "", None, ""],
        [other.credit_code, "包装工", "", 3, None, None, "", "", None, "2022-02-10", "", "", "", None, ""],
    ]
    result = run_import("vacancies", xlsx(tmp_path, rows), actor=users["qiye"])
    assert not result.ok
    assert {(e.row, e.code) for e in result.errors} == {(3, "not_found")} or {
        e.row for e in result.errors
    } == {3}
    assert not Vacancy.objects.filter(enterprise__in=[own, other]).exists()
    result = run_import("vacancies", xlsx(tmp_path, rows[:1]), actor=users["qiye"])
    assert result.ok and result.created == 1
    assert Vacancy.objects.get(enterprise=own).created_by == users["qiye"]


def test_towns_may_not_import_vacancies(tmp_path: Path, users: dict) -> None:
    from tiaodu.core.errors import Forbidden

    with pytest.raises(Forbidden):
        run_import("vacancies", xlsx(tmp_path, []), actor=users["guxi"])


def test_template_lists_the_columns() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(template_workbook("vacancies")))
    headers = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
    for header in (
        "统一社会信用代码",
        "岗位名称",
        "职业编码",
        "招聘人数",
        "月薪下限",
        "月薪上限",
        "工作地点",
        "岗位要求",
        "有效期至",
        "发布日期",
        "年龄限制依据",
    ):
        assert header in headers
