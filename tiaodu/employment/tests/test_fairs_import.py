"""Import ``fair-results`` (lane D): fairs created from the rows, booths added, sign-ins and
placements walked to the result; all or nothing with per-row error codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tiaodu.core.imports import run_import, template_workbook, write_xlsx
from tiaodu.employment import fairs
from tiaodu.employment.choices import OutcomeState
from tiaodu.employment.models import FairAttendance, FairEnterprise, JobFair, Placement
from tiaodu.employment.tests import factories
from tiaodu.employment.tests.test_fairs_support import GUXI, lanes, scene  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes")]

HEADER = [
    "招聘会名称",
    "招聘会日期",
    "招聘会类型",
    "举办镇街",
    "身份证号",
    "统一社会信用代码",
    "岗位名称",
    "结果",
]
NAME = "古溪镇导入测试专场"


def _file(tmp_path: Path, rows: list[list[object]], name: str = "results.xlsx") -> Path:
    path = tmp_path / name
    write_xlsx(path, [HEADER, *rows])
    return path


def test_import_creates_fair_booth_and_walks_results(tmp_path: Path) -> None:
    s = scene()
    zhang_no, li_no = factories.id_number(GUXI), factories.id_number(GUXI)
    zhang = factories.jobseeker(GUXI, "导入甲", number=zhang_no)
    li = factories.jobseeker(GUXI, "导入乙", number=li_no)
    toys, food = s["toys"].credit_code, s["food"].credit_code
    rows = [
        [NAME, "2021-03-01", "赶场天专场", "古溪镇", zhang_no, toys, "缝纫工", "意向"],
        [NAME, "2021-03-01", "赶场天专场", "古溪镇", li_no, toys, "缝纫工", "入职"],
        [NAME, "2021-03-01", "赶场天专场", "古溪镇", li_no, food, "包装工", "面试"],
    ]
    result = run_import("fair-results", _file(tmp_path, rows), actor=s["staff"])
    assert result.ok, result.error_lines()
    assert result.created == 3
    fair = JobFair.objects.get(district=s["district"], name=NAME, held_on=date(2021, 3, 1))
    assert fair.kind == "market_day" and fair.township == s["guxi"]
    assert set(FairEnterprise.objects.filter(fair=fair).values_list("enterprise_id", flat=True)) == {
        s["toys"].pk,
        s["food"].pk,
    }
    assert FairAttendance.objects.filter(fair=fair).count() == 2
    li_job = Placement.objects.get(jobseeker=li, vacancy=s["sewer"])
    assert li_job.state == OutcomeState.EMPLOYED and li_job.fair == fair
    assert li_job.intended_on == li_job.hired_on == li_job.started_on == date(2021, 3, 1)
    assert Placement.objects.get(jobseeker=li, vacancy=s["packer"]).state == OutcomeState.INTERVIEWED
    assert Placement.objects.get(jobseeker=zhang, vacancy=s["sewer"]).state == OutcomeState.INTENDED
    counts = fairs.live_counts(fair)
    assert (counts["intentions"], counts["jobseekers_with_intention"], counts["positions"]) == (3, 2, 50)
    again = run_import("fair-results", _file(tmp_path, rows[:1], "again.xlsx"), actor=s["staff"])
    assert again.ok and again.unchanged == 1 and again.created == 0
    assert JobFair.objects.filter(name=NAME).count() == 1


def test_result_date_dates_the_later_steps(tmp_path: Path) -> None:
    s = scene()
    number = factories.id_number(GUXI)
    person = factories.jobseeker(GUXI, "导入戊", number=number)
    path = tmp_path / "dated.xlsx"
    row = [
        NAME,
        "2021-03-05",
        "赶场天专场",
        "古溪镇",
        number,
        s["toys"].credit_code,
        "缝纫工",
        "入职",
        "2021-03-20",
    ]
    write_xlsx(path, [[*HEADER, "结果日期"], row])
    result = run_import("fair-results", path, actor=s["staff"])
    assert result.ok, result.error_lines()
    placement = Placement.objects.get(jobseeker=person, vacancy=s["sewer"])
    assert placement.intended_on == date(2021, 3, 5)
    assert placement.hired_on == placement.started_on == date(2021, 3, 20)
    early = tmp_path / "early.xlsx"
    write_xlsx(early, [[*HEADER, "结果日期"], [*row[:8], "2021-03-01"]])
    refused = run_import("fair-results", early, actor=s["staff"])
    assert [e.code for e in refused.errors] == ["outcome_date_order"]


def test_import_bad_rows_write_nothing(tmp_path: Path) -> None:
    s = scene()
    known = factories.id_number(GUXI)
    factories.jobseeker(GUXI, "导入丙", number=known)
    unregistered = factories.id_number(GUXI)
    bad_check = known[:-1] + ("1" if known[-1] != "1" else "2")
    toys = s["toys"].credit_code
    rows = [
        [NAME, "2021-03-02", "赶场天专场", "古溪镇", known, toys, "缝纫工", "意向"],
        [NAME, "2021-03-02", "赶场天专场", "古溪镇", unregistered, toys, "缝纫工", "意向"],
        [NAME, "2021-03-02", "赶场天专场", "古溪镇", bad_check, toys, "缝纫工", "意向"],
        [NAME, "2021-03-02", "赶场天专场", "古溪镇", known, toys, "不存在的岗位", "意向"],
        [NAME, "2021-03-02", "春风行动专场", "古溪镇", known, toys, "缝纫工", "意向"],
        [NAME, "2021-03-02", "赶场天专场", "古溪镇", known, toys, "缝纫工", "离职"],
    ]
    result = run_import("fair-results", _file(tmp_path, rows), actor=s["staff"])
    assert not result.ok and result.created == 0
    codes = {(e.row, e.code) for e in result.errors}
    assert (3, "jobseeker_unknown") in codes
    assert (4, "id_number_checksum") in codes
    assert (5, "vacancy_unknown") in codes
    assert (6, "fair_conflict") in codes
    assert (7, "choice_invalid") in codes
    assert unregistered not in " ".join(result.error_lines())  # the number is masked in messages
    assert not JobFair.objects.filter(name=NAME).exists()
    assert not Placement.objects.filter(vacancy=s["sewer"]).exists()


def test_import_existing_fair_of_another_kind_and_scope(tmp_path: Path, users: dict) -> None:
    s = scene()
    fairs.create_fair(s["staff"], township=s["guxi"], name=NAME, kind="spring", held_on=date(2021, 3, 3))
    number = factories.id_number(GUXI)
    factories.jobseeker(GUXI, "导入丁", number=number)
    row = [NAME, "2021-03-03", "园区招聘会", "古溪镇", number, s["toys"].credit_code, "缝纫工", "意向"]
    result = run_import("fair-results", _file(tmp_path, [row]), actor=s["staff"])
    assert [e.code for e in result.errors] == ["fair_kind_mismatch"]
    from tiaodu.core.errors import Forbidden

    with pytest.raises(Forbidden):
        run_import("fair-results", _file(tmp_path, [row], "q.xlsx"), actor=users["qiye"])
    # a town user of another township does not find a 古溪镇 jobseeker by ID
    row[2] = "春风行动专场"
    other = run_import("fair-results", _file(tmp_path, [row], "y.xlsx"), actor=users["yuxi"])
    assert [e.code for e in other.errors] == ["jobseeker_unknown"]


def test_template_has_the_headers() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(template_workbook("fair-results"))).worksheets[0]
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert headers[: len(HEADER)] == HEADER
