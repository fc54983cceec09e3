"""The jobseekers import: GB 11643 per row, merge of duplicates (in the file and in the
database), scope, consent, all-or-nothing, masked audit entries."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry

from tiaodu.core import pii
from tiaodu.core.imports import run_import, template_workbook, write_xlsx
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment import idcard
from tiaodu.employment.models import Jobseeker
from tiaodu.employment.tests.factories import id_number, jobseeker, staff, town_user

pytestmark = pytest.mark.django_db
HEADER = [
    "姓名",
    "身份证号",
    "手机号",
    "所属镇街",
    "文化程度",
    "工作经历",
    "求职意向",
    "期望月薪",
    "重点群体",
    "登记日期",
]
GUXI, YUXI = "500152103", "500152107"


def xlsx(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "jobseekers.xlsx"
    write_xlsx(path, [header, *rows])
    return path


def test_import_creates_and_merges(tmp_path: Path, users: dict) -> None:
    a, b = id_number(GUXI), id_number(YUXI, sex="f")
    known = id_number(GUXI)
    jobseeker(GUXI, "老王", number=known, wage_expected=3000, registered_on=date(2021, 5, 1))
    rows: list[list[Any]] = [
        [
            "张三",
            a,
            "13800001111",
            "古溪镇",
            "初中",
            "制衣厂缝纫工三年",
            "缝纫工",
            4000,
            "脱贫劳动力",
            "2022-02-10",
        ],
        ["李四", b, "", "玉溪镇", "高中", "", "普工", "", "", "2022-02-11"],
        [
            "张三",
            a.lower(),
            "13900002222",
            "古溪镇",
            "",
            "玩具厂包装一年",
            "",
            4500,
            "返乡农民工",
            "2022-02-20",
        ],
        ["王五", known, "", "古溪镇", "", "电子厂", "", 5000, "", "2022-03-01"],
    ]
    result = run_import("jobseekers", xlsx(tmp_path, rows), actor=staff(TONGNAN))
    assert result.ok, result.error_lines()
    assert (result.created, result.updated) == (2, 1)
    assert Jobseeker.objects.count() == 3
    zhang = Jobseeker.objects.get(id_hash=pii.blind_index(a, field="id"))
    assert zhang.phone_mask == "139****2222" and zhang.wage_expected == 4500
    assert zhang.group_codes == ["poverty", "returnee"] and "玩具厂包装一年" in zhang.experience
    assert zhang.registered_on == date(2022, 2, 10) and zhang.last_active_on == date(2022, 2, 20)
    assert zhang.registered_via == "import" and zhang.sex == "m" and zhang.education == "junior"
    assert pii.decrypt(zhang.id_enc, field="id") == a and "制衣厂" in zhang.tokens
    li = Jobseeker.objects.get(id_hash=pii.blind_index(b, field="id"))
    assert li.sex == "f" and li.township.code == YUXI and li.phone_mask == ""
    old = Jobseeker.objects.get(id_hash=pii.blind_index(known, field="id"))
    assert old.name == "王五" and old.wage_expected == 5000 and old.version == 2  # newer row wins
    # The change log has masks, never the ID number, its hash or the ciphertext.
    logged = " ".join(str(e.changes) for e in LogEntry.objects.filter(content_type__model="jobseeker"))
    assert a not in logged and zhang.id_hash not in logged and zhang.id_enc not in logged
    assert zhang.id_mask in logged
    # Again: unchanged.
    result = run_import("jobseekers", xlsx(tmp_path, rows), actor=staff(TONGNAN))
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_bad_rows_write_nothing(tmp_path: Path, users: dict) -> None:
    good = id_number(GUXI)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    rows: list[list[Any]] = [
        ["张三", good, "13800001111", "古溪镇", "", "", "", "", "", ""],
        ["李四", wrong, "", "古溪镇", "", "", "", "", "", ""],
        ["王五", "500152199002301234", "", "古溪镇", "", "", "", "", "", ""],
        ["赵六", id_number(GUXI), "12345", "古溪镇", "博士后", "", "", "", "贫困", ""],
        ["钱七", id_number(GUXI), "", "不存在镇", "", "", "", "", "", "2099-01-01"],
    ]
    result = run_import("jobseekers", xlsx(tmp_path, rows), actor=staff(TONGNAN))
    assert not result.ok and not Jobseeker.objects.exists()
    found = {(e.row, e.code) for e in result.errors}
    assert (3, "id_number_checksum") in found and (4, "id_number_birth_date") in found
    assert {(5, "phone_format"), (5, "education_unknown"), (5, "group_unknown")} <= found
    assert (6, "township_unknown") in found and (6, "date_in_future") in found
    assert all(good not in e.message for e in result.errors)


def test_scope_and_consent(tmp_path: Path, users: dict) -> None:
    rows: list[list[Any]] = [["张三", id_number(YUXI), "", "玉溪镇"]]
    header = ["姓名", "身份证号", "手机号", "所属镇街"]
    result = run_import("jobseekers", xlsx(tmp_path, rows, header), actor=town_user(GUXI))
    assert not result.ok and result.errors[0].code == "permission_denied"
    result = run_import("jobseekers", xlsx(tmp_path, rows, header), actor=users["jxw"])
    assert not result.ok and result.errors[0].code == "permission_denied"
    assert not Jobseeker.objects.exists()
    rows = [["张三", id_number(GUXI), "", "古溪镇", "否"]]
    result = run_import(
        "jobseekers", xlsx(tmp_path, rows, [*header, "已同意个人信息处理"]), actor=town_user(GUXI)
    )
    assert not result.ok and result.errors[0].code == "consent_required"
    rows = [["张三", id_number(GUXI), "", "古溪镇", ""]]
    result = run_import(
        "jobseekers", xlsx(tmp_path, rows, [*header, "已同意个人信息处理"]), actor=town_user(GUXI)
    )
    assert result.ok and Jobseeker.objects.get().township.code == GUXI


def test_template_lists_the_columns(users: dict) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(template_workbook("jobseekers")))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert headers[:4] == ["姓名", "身份证号", "手机号", "所属镇街"] and "重点群体" in headers
    example = wb.worksheets[0].cell(row=2, column=2).value
    assert idcard.parse(str(example)).sex == "f"


@pytest.mark.parametrize(
    "texts",
    [
        ("2015年起在广东东莞制衣厂做缝纫工3年,后在玩具厂做包装工2年", "平车、包缝", "", "缝纫工、普工"),
        ("Worked at Foxconn (富士康) as QC-inspector; 会用CAD和Excel!", "C1驾照 叉车", "电工证#2", "质检员"),
        ("", "", "", ""),
    ],
)
def test_import_words_are_the_same_as_tokenize(texts: tuple[str, ...]) -> None:
    from tiaodu.core.imports import ImportContext
    from tiaodu.employment.imports_jobseekers import JobseekerImporter
    from tiaodu.employment.text import tokenize

    importer = JobseekerImporter()
    ctx = ImportContext(importer, None, False, "x.xlsx")
    assert importer._tokens(ctx, *texts) == tokenize(*texts)
    assert importer._tokens(ctx, *texts) == tokenize(*texts)  # memoised the second time
