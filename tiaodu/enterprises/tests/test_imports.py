"""Importing enterprises, visits and historical appeals: xlsx and GBK CSV files, upserts, bad
input leaving the database exactly as before, partial mode, the permission scope, the CLI and
the web pages."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from stdnum.cn import uscc

from tiaodu.cases.models import Case, CaseEvent
from tiaodu.core.errors import Forbidden
from tiaodu.core.imports import run_import
from tiaodu.core.models import ImportBatch
from tiaodu.core.pii import decrypt
from tiaodu.enterprises import services
from tiaodu.enterprises.models import Enterprise, Visit
from tiaodu.orgs.models import Organization

GUXI, YUXI = "500152103", "500152107"
ENTERPRISE_HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "所属镇街",
    "行业代码",
    "规上企业",
    "重点企业",
    "联系领导",
    "联系科室",
    "服务专班",
]


def code(n: int, prefix: str = "91500152MA7T") -> str:
    """A valid unified social credit code (check digit per GB 32100-2015)."""
    base = f"{prefix}{n:05d}"
    return base + uscc.calc_check_digit(base)


def bad_checksum(n: int) -> str:
    good = code(n)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def gbk_csv(path: Path, rows: list[list[Any]]) -> Path:
    lines = [",".join("" if c is None else str(c) for c in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def snapshot() -> dict[str, Any]:
    """Everything an import may touch, to prove a failed one left it exactly as it was."""
    return {
        "enterprises": list(Enterprise.objects.order_by("pk").values()),
        "organizations": list(Organization.objects.order_by("pk").values("pk", "name", "region_id", "code")),
        "visits": list(Visit.objects.order_by("pk").values()),
        "cases": list(Case.objects.order_by("pk").values("pk", "state", "resolved_at")),
        "events": CaseEvent.objects.count(),
    }


def enterprise_row(n: int, name: str | None = None, town: str = "古溪镇", **extra: Any) -> list[Any]:
    row = {
        "统一社会信用代码": code(n),
        "企业名称": name or f"导入测试企业{n}有限公司",
        "所属镇街": town,
        "行业代码": "C1311",
        "规上企业": "是",
        "重点企业": "否",
        "联系领导": "",
        "联系科室": "",
        "服务专班": "",
    } | extra
    return [row[h] for h in ENTERPRISE_HEADERS]


def make_enterprise(n: int, town: str = GUXI, **fields: Any) -> Enterprise:
    enterprise, _created = services.save_enterprise(
        None, code(n), town, name=fields.pop("name", f"导入测试企业{n}有限公司"), **fields
    )
    return enterprise


# --- enterprises ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enterprises_from_xlsx(users: Any, tmp_path: Path) -> None:
    rows = [
        ["潼南区重点企业名录(2022年)"],
        [*ENTERPRISE_HEADERS, "产值规模", "专精特新", "联系人", "联系电话", "地址", "驻厂专员", "说明"],
        [
            *enterprise_row(1, 联系领导="leader", 联系科室="经信委", 服务专班="重点项目服务一专班"),
            "亿元以上",
            "√",
            "张三",
            13800000000,
            "古溪镇工业园1号",
            "专班成员",
            "多余列",
        ],
        [*enterprise_row(2, town=GUXI, 规上企业="N", 重点企业="Y"), "", "0", "", "", "", "", ""],
        [*enterprise_row(3, town="玉溪镇", 规上企业=1, 重点企业=0), None, None, None, None, None, None, None],
    ]
    result = run_import("enterprises", xlsx(tmp_path / "e.xlsx", rows), actor=users["admin"])
    assert result.ok, result.error_lines()
    assert (result.rows, result.created, result.updated) == (3, 3, 0)

    first = Enterprise.objects.select_related("organization", "township").get(credit_code=code(1))
    assert first.name == "导入测试企业1有限公司"
    assert first.township.code == GUXI
    assert (first.industry_code, first.is_above_scale, first.is_key) == ("C1311", True, False)
    assert (first.output_tier, first.is_specialized) == ("100m", True)
    assert (first.contact_name, first.contact_phone, first.address) == (
        "张三",
        "138****0000",  # the phone reads masked; the number is stored encrypted
        "古溪镇工业园1号",
    )
    assert "13800000000" not in first.contact_phone_enc
    assert decrypt(first.contact_phone_enc, field="contact_phone") == "13800000000"
    assert first.liaison_leader == users["leader"]
    assert first.resident_officer == users["squad1"]
    assert first.liaison_department.short_name == "经信委"
    assert first.liaison_department.region.code == "500152"  # 潼南区's, not 大渡口区's 经信委
    assert first.squad.name == "重点项目服务一专班"
    org = first.organization
    assert (org.kind, org.code, org.name, org.region.code) == ("enterprise", code(1), first.name, GUXI)
    second = Enterprise.objects.get(credit_code=code(2))
    assert (second.is_above_scale, second.is_key, second.is_specialized) == (False, True, False)
    assert Enterprise.objects.get(credit_code=code(3)).township.code == YUXI

    batch = result.batch
    assert (batch.kind, batch.status, batch.created_count, batch.user) == (
        "enterprises",
        "succeeded",
        3,
        users["admin"],
    )


@pytest.mark.django_db
def test_upsert_updates_by_credit_code(users: Any, tmp_path: Path) -> None:
    rows = [ENTERPRISE_HEADERS, enterprise_row(11), enterprise_row(12), enterprise_row(13)]
    assert run_import("enterprises", xlsx(tmp_path / "a.xlsx", rows)).created == 3
    org_count = Organization.objects.count()

    rows[2] = enterprise_row(12, name="改名后的企业", 规上企业="否", town="玉溪镇")
    result = run_import("enterprises", xlsx(tmp_path / "b.xlsx", rows))
    assert result.ok, result.error_lines()
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    changed = Enterprise.objects.select_related("organization").get(credit_code=code(12))
    assert (changed.name, changed.is_above_scale, changed.township.code) == ("改名后的企业", False, YUXI)
    assert (changed.organization.name, changed.organization.region.code) == ("改名后的企业", YUXI)
    assert Organization.objects.count() == org_count
    assert Enterprise.objects.filter(credit_code__in=[code(11), code(12), code(13)]).count() == 3

    # Columns absent from the file are left alone; the lower-case code is the same enterprise.
    Enterprise.objects.filter(credit_code=code(11)).update(is_key=True, contact_name="李四")
    result = run_import(
        "enterprises",
        xlsx(
            tmp_path / "c.xlsx",
            [
                ["统一社会信用代码", "企业名称", "所属镇街", "规上企业"],
                [code(11).lower(), "导入测试企业11有限公司", GUXI, "否"],
            ],
        ),
    )
    assert (result.updated, result.created) == (1, 0)
    kept = Enterprise.objects.get(credit_code=code(11))
    assert (kept.is_above_scale, kept.is_key, kept.contact_name, kept.industry_code) == (
        False,
        True,
        "李四",
        "C1311",
    )


@pytest.mark.django_db
def test_enterprise_organisation_registered_earlier_is_reused(tmp_path: Path) -> None:
    district = Organization.objects.get(name="区经济信息委", region__code="500152")
    org = Organization.objects.create(
        name="先有机构的企业", kind="enterprise", code=code(21), region=district.region
    )
    result = run_import(
        "enterprises", xlsx(tmp_path / "e.xlsx", [ENTERPRISE_HEADERS, enterprise_row(21, "先有机构的企业")])
    )
    assert result.ok, result.error_lines()
    enterprise = Enterprise.objects.get(credit_code=code(21))
    assert enterprise.organization_id == org.pk
    org.refresh_from_db()
    assert org.region.code == GUXI  # moved to the enterprise's township


@pytest.mark.django_db
def test_gbk_csv(users: Any, tmp_path: Path) -> None:
    rows = [
        ENTERPRISE_HEADERS,
        enterprise_row(31, "重庆潼南GBK编码测试有限公司"),
        enterprise_row(32, town=GUXI),
    ]
    result = run_import("enterprises", gbk_csv(tmp_path / "e.csv", rows), actor=users["admin"])
    assert result.ok, result.error_lines()
    assert result.created == 2
    assert Enterprise.objects.get(credit_code=code(31)).name == "重庆潼南GBK编码测试有限公司"


def bad_enterprise_files() -> list[tuple[str, list[list[Any]], set[tuple[int, str, str]]]]:
    future = timezone.localdate() + timedelta(days=1)
    return [
        (
            "checksum",
            [ENTERPRISE_HEADERS, enterprise_row(41), [bad_checksum(42), *enterprise_row(42)[1:]]],
            {(3, "统一社会信用代码", "credit_code_invalid")},
        ),
        (
            "length",
            [ENTERPRISE_HEADERS, [code(43)[:-2], *enterprise_row(43)[1:]]],
            {(2, "统一社会信用代码", "credit_code_length")},
        ),
        (
            "township",
            [ENTERPRISE_HEADERS, enterprise_row(44), enterprise_row(45, town="不存在镇")],
            {(3, "所属镇街", "township_unknown")},
        ),
        (
            "industry and flags",
            [ENTERPRISE_HEADERS, enterprise_row(46, 行业代码="工业", 规上企业="大概")],
            {(2, "行业代码", "industry_code_invalid"), (2, "规上企业", "boolean_invalid")},
        ),
        (
            "links",
            [
                ENTERPRISE_HEADERS,
                enterprise_row(47, 联系领导="nobody", 联系科室="不存在的科室", 服务专班="经信委"),
            ],
            {
                (2, "联系领导", "user_unknown"),
                (2, "联系科室", "organization_unknown"),
                (2, "服务专班", "organization_unknown"),
            },
        ),
        (
            "duplicates in the file",
            [
                ENTERPRISE_HEADERS,
                enterprise_row(48),
                enterprise_row(48),
                enterprise_row(49, "导入测试企业48有限公司"),
            ],
            {(3, "统一社会信用代码", "credit_code_duplicate"), (4, "企业名称", "enterprise_name_taken")},
        ),
        (
            "required cells",
            [ENTERPRISE_HEADERS, ["", "", "古溪镇", "", "", "", "", "", ""]],
            {(2, "统一社会信用代码", "required"), (2, "企业名称", "required")},
        ),
        (
            "missing header",
            [
                ENTERPRISE_HEADERS[:2] + ENTERPRISE_HEADERS[3:],
                enterprise_row(50)[:2] + enterprise_row(50)[3:],
            ],
            {(1, "所属镇街", "header_missing")},
        ),
        (
            "future is not a date column here, but a long name is too long",
            [ENTERPRISE_HEADERS, enterprise_row(51, "长" * 129), enterprise_row(52, str(future))],
            {(2, "企业名称", "too_long")},
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "rows", "expected"), bad_enterprise_files(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_bad_enterprise_files_change_nothing(tmp_path: Path, case: str, rows: Any, expected: Any) -> None:
    # An existing enterprise updated by a good row of the same file must stay as it was.
    make_enterprise(40, name="原有企业")
    rows = [*rows, enterprise_row(40, "原有企业改名")]
    before = snapshot()
    result = run_import("enterprises", xlsx(tmp_path / "bad.xlsx", rows))
    assert not result.ok
    assert {(e.row, e.field, e.code) for e in result.errors} == expected
    assert all(e.message for e in result.errors)
    assert snapshot() == before
    assert (result.created, result.updated) == (0, 0)


@pytest.mark.django_db
def test_credit_code_of_another_kind_of_organisation(tmp_path: Path) -> None:
    Organization.objects.filter(name="区统计局", region__code="500152").update(code=code(55))
    before = snapshot()
    result = run_import("enterprises", xlsx(tmp_path / "e.xlsx", [ENTERPRISE_HEADERS, enterprise_row(55)]))
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "统一社会信用代码", "credit_code_taken")]
    assert snapshot() == before


@pytest.mark.django_db
def test_same_name_in_the_same_township(tmp_path: Path) -> None:
    make_enterprise(56, name="重名企业有限公司")
    result = run_import(
        "enterprises", xlsx(tmp_path / "e.xlsx", [ENTERPRISE_HEADERS, enterprise_row(57, "重名企业有限公司")])
    )
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "企业名称", "enterprise_name_taken")]
    result = run_import(
        "enterprises",
        xlsx(
            tmp_path / "f.xlsx", [ENTERPRISE_HEADERS, enterprise_row(57, "重名企业有限公司", town="玉溪镇")]
        ),
    )
    assert result.ok, result.error_lines()


@pytest.mark.django_db
def test_unregistered_organisation_of_the_same_name_is_taken_over(tmp_path: Path) -> None:
    guxi = Organization.objects.get(kind="town", region__code=GUXI).region
    plain = Organization.objects.create(name="早先登记的企业", kind="enterprise", code="", region=guxi)
    coded = Organization.objects.create(name="有代码的企业", kind="enterprise", code=code(58), region=guxi)
    before = Organization.objects.count()
    rows = [ENTERPRISE_HEADERS, enterprise_row(59, "早先登记的企业"), enterprise_row(60, "有代码的企业")]
    result = run_import("enterprises", xlsx(tmp_path / "e.xlsx", rows), partial=True)
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "企业名称", "enterprise_name_taken")]
    assert result.created == 1
    enterprise = Enterprise.objects.get(credit_code=code(59))
    assert enterprise.organization_id == plain.pk
    plain.refresh_from_db()
    assert plain.code == code(59)
    assert Organization.objects.count() == before
    coded.refresh_from_db()
    assert coded.code == code(58)


@pytest.mark.django_db
def test_credit_code_of_an_organisation_registered_under_another_code(tmp_path: Path) -> None:
    other = make_enterprise(65, name="另一个企业")
    Organization.objects.filter(pk=other.organization_id).update(code=code(66))
    result = run_import("enterprises", xlsx(tmp_path / "e.xlsx", [ENTERPRISE_HEADERS, enterprise_row(66)]))
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "统一社会信用代码", "credit_code_taken")]


@pytest.mark.django_db
def test_partial_mode_imports_the_good_rows(tmp_path: Path) -> None:
    rows = [
        ENTERPRISE_HEADERS,
        enterprise_row(61),
        [bad_checksum(62), *enterprise_row(62)[1:]],
        enterprise_row(63, town="不存在镇"),
        enterprise_row(64),
    ]
    result = run_import("enterprises", xlsx(tmp_path / "p.xlsx", rows), partial=True)
    assert result.ok
    assert result.status == "partial"
    assert (result.created, result.skipped) == (2, 2)
    assert {e.row for e in result.errors} == {3, 4}
    assert set(
        Enterprise.objects.filter(credit_code__in=[code(n) for n in range(61, 65)]).values_list(
            "credit_code", flat=True
        )
    ) == {
        code(61),
        code(64),
    }


@pytest.mark.django_db
def test_bulk_import_spans_several_chunks(tmp_path: Path, monkeypatch: Any) -> None:
    from tiaodu.enterprises import imports as enterprise_imports

    monkeypatch.setattr(enterprise_imports, "CHUNK", 7)
    rows = [ENTERPRISE_HEADERS] + [enterprise_row(100 + i) for i in range(30)]
    assert run_import("enterprises", xlsx(tmp_path / "a.xlsx", rows)).created == 30
    rows[5] = enterprise_row(104, "第五行改名")
    rows[25] = enterprise_row(124, 重点企业="是")
    result = run_import("enterprises", xlsx(tmp_path / "b.xlsx", rows))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 28)
    assert Enterprise.objects.get(credit_code=code(104)).name == "第五行改名"
    assert Enterprise.objects.get(credit_code=code(124)).is_key is True


# --- the permission scope -------------------------------------------------------------------------


@pytest.mark.django_db
def test_town_user_imports_only_their_township(users: Any, tmp_path: Path) -> None:
    guxi = users["guxi"]
    rows = [ENTERPRISE_HEADERS, enterprise_row(71), enterprise_row(72, town="玉溪镇")]
    before = snapshot()
    result = run_import("enterprises", xlsx(tmp_path / "t.xlsx", rows), actor=guxi)
    assert not result.ok
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "所属镇街", "permission_denied")]
    assert snapshot() == before

    result = run_import("enterprises", xlsx(tmp_path / "t.xlsx", rows), actor=guxi, partial=True)
    assert (result.status, result.created, result.skipped) == ("partial", 1, 1)
    assert Enterprise.objects.filter(credit_code=code(71), township__code=GUXI).exists()
    assert not Enterprise.objects.filter(credit_code=code(72)).exists()

    result = run_import(
        "enterprises",
        xlsx(tmp_path / "u.xlsx", [ENTERPRISE_HEADERS, enterprise_row(71, "古溪改名")]),
        actor=guxi,
    )
    assert (result.updated, result.ok) == (1, True)


@pytest.mark.django_db
def test_town_user_cannot_touch_another_towns_enterprise(users: Any, tmp_path: Path) -> None:
    make_enterprise(73, town=YUXI, name="玉溪的企业")
    before = snapshot()
    for row in (
        enterprise_row(73, "玉溪的企业被改名", town="玉溪镇"),
        enterprise_row(73, "玉溪的企业", town="古溪镇"),
    ):
        result = run_import(
            "enterprises", xlsx(tmp_path / "t.xlsx", [ENTERPRISE_HEADERS, row]), actor=users["guxi"]
        )
        assert [(e.row, e.code) for e in result.errors] == [(2, "permission_denied")]
        assert snapshot() == before


@pytest.mark.django_db
def test_town_user_links_only_what_they_can_see(users: Any, tmp_path: Path) -> None:
    rows = [ENTERPRISE_HEADERS, enterprise_row(74, 联系领导="leader", 服务专班="重点项目服务一专班")]
    result = run_import("enterprises", xlsx(tmp_path / "t.xlsx", rows), actor=users["guxi"])
    assert {(e.field, e.code) for e in result.errors} == {
        ("联系领导", "liaison_leader_unknown"),
        ("服务专班", "squad_unknown"),
    }
    # An unchanged link set by someone else is kept.
    make_enterprise(75, liaison_leader=users["leader"])
    rows = [ENTERPRISE_HEADERS, enterprise_row(75, 联系领导="leader", 重点企业="是")]
    result = run_import("enterprises", xlsx(tmp_path / "u.xlsx", rows), actor=users["guxi"])
    assert result.ok, result.error_lines()
    assert result.updated == 1


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["jxw", "leader", "qiye", "squad1"])
def test_roles_that_may_not_add_enterprises_may_not_import_them(
    users: Any, tmp_path: Path, username: str
) -> None:
    with pytest.raises(Forbidden):
        run_import("enterprises", xlsx(tmp_path / "e.xlsx", [ENTERPRISE_HEADERS]), actor=users[username])


# --- visits ---------------------------------------------------------------------------------------

VISIT_HEADERS = ["走访日期", "统一社会信用代码", "走访单位", "走访人", "情况记录"]


@pytest.mark.django_db
def test_visits(users: Any, tmp_path: Path) -> None:
    first, second = make_enterprise(81), make_enterprise(82)
    rows = [
        VISIT_HEADERS,
        ["2022-03-01", code(81), "经信委", "张三、李四", "了解用工需求"],
        ["2022/3/2", code(82), "", "王五", ""],
        [date(2022, 3, 3), code(81), "区经济信息委", "赵六", "融资需求"],
        ["2022年3月4日", code(82), "古溪镇", "钱七", ""],
    ]
    result = run_import("visits", xlsx(tmp_path / "v.xlsx", rows), actor=users["jxw"])
    assert result.ok, result.error_lines()
    assert result.created == 4
    visits = list(Visit.objects.filter(enterprise__in=[first, second]).order_by("visited_on"))
    assert [v.visited_on for v in visits] == [date(2022, 3, d) for d in (1, 2, 3, 4)]
    assert visits[0].visiting_org.short_name == "经信委"
    assert visits[0].visitors == "张三、李四"
    assert visits[1].visiting_org == users["jxw"].organization  # empty: the importer's own unit
    assert visits[3].visiting_org.short_name == "古溪镇"
    assert all(v.created_by == users["jxw"] for v in visits)

    again = run_import("visits", xlsx(tmp_path / "v.xlsx", rows), actor=users["jxw"])
    assert (again.created, again.unchanged) == (0, 4)


@pytest.mark.django_db
def test_bad_visits_change_nothing(users: Any, tmp_path: Path) -> None:
    make_enterprise(83)
    future = timezone.localdate() + timedelta(days=1)
    rows = [
        VISIT_HEADERS,
        ["2022-03-01", code(83), "", "张三", "好的一行"],
        [future.isoformat(), code(83), "", "张三", ""],
        ["2022-02-30", code(83), "", "张三", ""],
        ["2022-03-01", code(84), "", "张三", ""],
        ["2022-03-01", bad_checksum(83), "", "张三", ""],
        ["2022-03-01", code(83), "不存在的单位", "", ""],
    ]
    before = snapshot()
    result = run_import("visits", xlsx(tmp_path / "v.xlsx", rows))
    assert {(e.row, e.field, e.code) for e in result.errors} == {
        (3, "走访日期", "date_in_future"),
        (4, "走访日期", "date_invalid"),
        (5, "统一社会信用代码", "enterprise_unknown"),
        (6, "统一社会信用代码", "credit_code_invalid"),
        (7, "走访单位", "organization_unknown"),
        (7, "走访人", "required"),
    }
    assert snapshot() == before


@pytest.mark.django_db
def test_visits_outside_the_town_users_scope(users: Any, tmp_path: Path) -> None:
    make_enterprise(85, town=YUXI)
    make_enterprise(86, town=GUXI)
    rows = [
        VISIT_HEADERS,
        ["2022-03-01", code(86), "", "古溪干部", ""],
        ["2022-03-01", code(85), "", "古溪干部", ""],
    ]
    before = snapshot()
    result = run_import("visits", xlsx(tmp_path / "v.xlsx", rows), actor=users["guxi"])
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "统一社会信用代码", "not_found")]
    assert snapshot() == before


# --- historical appeals ---------------------------------------------------------------------------

APPEAL_HEADERS = ["统一社会信用代码", "类别", "诉求内容", "提出日期", "来源", "状态", "办结日期", "办理结果"]


@pytest.mark.django_db
def test_historical_appeals(users: Any, tmp_path: Path) -> None:
    enterprise = make_enterprise(91)
    rows = [
        [*APPEAL_HEADERS, "满意度", "责任部门"],
        [
            code(91),
            "用工",
            "春节后缺普工50人",
            "2022-02-10",
            "走访",
            "已办结",
            "2022-02-20",
            "招聘会解决45人",
            "",
            "",
        ],
        [
            code(91),
            "融资",
            "流动资金贷款500万元",
            "2022/2/11",
            "电话",
            "已评价",
            "2022年3月1日",
            "协调银行放款",
            "满意",
            "",
        ],
        [code(91), "原材料供应", "钢材涨价", "2022-02-12", "", "办理中", "", "", "", "发改委"],
        [code(91), "物流运输", "货车通行证", "2022-02-13", "", "", "2022-02-14", "已办理", "", ""],
        [code(91), "其他", "咨询政策", "2022-02-14", "", "", "", "", "", ""],
    ]
    result = run_import("appeals", xlsx(tmp_path / "a.xlsx", rows), actor=users["admin"])
    assert result.ok, result.error_lines()
    assert result.created == 5
    cases = {
        c.category.name: c
        for c in Case.objects.filter(submitter_org=enterprise.organization).select_related(
            "category", "handling_org"
        )
    }
    tz = timezone.get_current_timezone()

    labour = cases["用工"]
    assert (labour.state, labour.is_open, labour.source) == ("resolved", False, "走访")
    assert labour.raised_on == date(2022, 2, 10)
    assert labour.resolved_at.astimezone(tz).date() == date(2022, 2, 20)
    assert labour.accepted_at.astimezone(tz).date() == date(2022, 2, 10)
    assert labour.resolution == "招聘会解决45人"
    assert labour.region == enterprise.township
    assert labour.handling_org.short_name == "人社局"  # the category's default department
    assert labour.due_on is not None and labour.due_on > labour.raised_on
    event = labour.events.get(action="import")
    assert "历史数据导入" in event.note and "a.xlsx" in event.note and "2022-02-20" in event.note
    assert event.actor == users["admin"]

    rated = cases["融资"]
    assert (rated.state, rated.rating, rated.is_open) == ("rated", 5, False)
    assert rated.rated_at.astimezone(tz).date() == date(2022, 3, 1)

    open_case = cases["原材料供应"]
    assert (open_case.state, open_case.is_open, open_case.resolved_at) == ("in_progress", True, None)
    assert open_case.handling_org.short_name == "发改委"
    assert cases["物流运输"].state == "resolved"  # 办结日期 without a state: 已办结
    assert (cases["其他"].state, cases["其他"].is_open) == ("accepted", True)

    again = run_import("appeals", xlsx(tmp_path / "a.xlsx", rows), actor=users["admin"])
    assert (again.created, again.unchanged) == (0, 5)


@pytest.mark.django_db
def test_bad_appeals_change_nothing(tmp_path: Path) -> None:
    make_enterprise(92)
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    rows = [
        APPEAL_HEADERS,
        [code(92), "用工", "好的一行", "2022-02-10", "", "", "", ""],
        [code(92), "不存在的类别", "内容", "2022-02-10", "", "", "", ""],
        [code(92), "用工", "内容", future, "", "", "", ""],
        [code(92), "用工", "内容", "2022-02-10", "", "已办结", "", ""],
        [code(92), "用工", "内容", "2022-02-10", "", "", "2022-02-01", ""],
        [code(92), "用工", "内容", "2022-02-10", "", "办好了", "", ""],
        [code(92), "用工", "内容", "2022-02-10", "", "办理中", "2022-02-11", ""],
        [code(93), "用工", "", "2022-02-10", "", "", "", ""],
    ]
    before = snapshot()
    result = run_import("appeals", xlsx(tmp_path / "a.xlsx", rows))
    assert {(e.row, e.field, e.code) for e in result.errors} == {
        (3, "类别", "category_unknown"),
        (4, "提出日期", "date_in_future"),
        (5, "办结日期", "required"),
        (6, "办结日期", "resolved_before_raised"),
        (7, "状态", "choice_invalid"),
        (8, "办结日期", "state_mismatch"),
        (9, "统一社会信用代码", "enterprise_unknown"),
        (9, "诉求内容", "required"),
    }
    assert snapshot() == before


@pytest.mark.django_db
def test_enterprise_users_do_not_import_history(users: Any, tmp_path: Path) -> None:
    with pytest.raises(Forbidden):
        run_import("appeals", xlsx(tmp_path / "a.xlsx", [APPEAL_HEADERS]), actor=users["qiye"])


# --- the command line -----------------------------------------------------------------------------


def cli(*args: str) -> tuple[int, str, str]:
    """Run ``tiaodu …`` in this process (on the test database) and return its exit status."""
    import contextlib
    from unittest import mock

    from django.db import connections

    from tiaodu.cli import main

    out, err = io.StringIO(), io.StringIO()
    status = 0
    # run_from_argv closes the connections when it ends, which would end the test's transaction.
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        mock.patch.object(connections, "close_all", lambda: None),
    ):
        try:
            main(list(args))
        except SystemExit as exc:
            status = int(exc.code or 0)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_cli_exit_status_summary_and_errors(tmp_path: Path) -> None:
    good = xlsx(tmp_path / "good.xlsx", [ENTERPRISE_HEADERS, enterprise_row(201), enterprise_row(202)])
    status, out, _err = cli("import", "enterprises", str(good))
    assert status == 0
    assert "导入企业名录成功" in out and "新增2条" in out

    bad = xlsx(
        tmp_path / "bad.xlsx",
        [ENTERPRISE_HEADERS, enterprise_row(203), [bad_checksum(204), *enterprise_row(204)[1:]]],
    )
    before = snapshot()
    status, out, err = cli("import", "enterprises", str(bad))
    assert status == 1
    assert "第3行 [统一社会信用代码]" in err and "credit_code_invalid" in err
    assert "validation_error" in err and "数据库未作任何修改" in err
    assert snapshot() == before

    status, out, err = cli("import", "enterprises", str(bad), "--partial")
    assert status == 0
    assert "跳过有错误的1行" in out
    assert "credit_code_invalid" in err
    assert Enterprise.objects.filter(credit_code=code(203)).exists()


@pytest.mark.django_db
def test_cli_as_user_and_usage_errors(users: Any, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "t.xlsx", [ENTERPRISE_HEADERS, enterprise_row(211, town="玉溪镇")])
    with pytest.raises(CommandError) as exc:
        call_command(
            "import", "enterprises", str(path), "--as", "guxi", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert str(exc.value).startswith("validation_error")
    with pytest.raises(CommandError) as exc:
        call_command(
            "import", "enterprises", str(path), "--as", "jxw", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert str(exc.value).startswith("permission_denied")
    with pytest.raises(CommandError) as exc:
        call_command("import", "enterprises", str(path), "--as", "nobody", stdout=io.StringIO())
    assert "user_unknown" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("import", "nope", str(path), stdout=io.StringIO())
    assert str(exc.value).startswith("import_kind_unknown")
    with pytest.raises(CommandError) as exc:
        call_command("import", "enterprises", str(tmp_path / "missing.xlsx"), stdout=io.StringIO())
    assert str(exc.value).startswith("file_not_found")
    (tmp_path / "e.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(CommandError) as exc:
        call_command(
            "import", "enterprises", str(tmp_path / "e.xls"), stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert str(exc.value).startswith("file_type_not_allowed")

    out = io.StringIO()
    call_command("import", "enterprises", str(path), "--as", "yuxi", stdout=out)
    assert "新增1条" in out.getvalue()
    assert ImportBatch.objects.latest("pk").user == users["yuxi"]


@pytest.mark.django_db
def test_cli_template(tmp_path: Path) -> None:
    target = tmp_path / "企业模板.xlsx"
    status, out, _err = cli("import", "template", "enterprises", str(target))
    assert status == 0
    assert str(target) in out
    header = next(load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert list(header[:9]) == ENTERPRISE_HEADERS
    status, _out, err = cli("import", "template", "nope", str(target))
    assert status == 1 and "import_kind_unknown" in err


# --- the web pages --------------------------------------------------------------------------------


def upload(client: Any, kind: str, name: str, content: bytes, partial: bool = False) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data: dict[str, Any] = {"file": SimpleUploadedFile(name, content)}
    if partial:
        data["partial"] = "on"
    return client.post(f"/enterprises/import/{kind}/", data)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_web_import_page_upload_and_history(users: Any, client_for: Any) -> None:
    client = client_for(users["admin"])
    index = client.get("/enterprises/import/")
    assert index.status_code == 200
    html = index.content.decode()
    for kind in ("enterprises", "visits", "appeals"):
        assert f'href="/enterprises/import/{kind}/"' in html
        assert f'href="/enterprises/import/{kind}/template.xlsx"' in html

    page = client.get("/enterprises/import/enterprises/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert "<script>" not in page.content.decode()

    template = client.get("/enterprises/import/enterprises/template.xlsx")
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in template["Content-Disposition"]
    assert load_workbook(io.BytesIO(template.content)).sheetnames == ["企业名录", "填写说明"]

    response = upload(
        client,
        "enterprises",
        "名录.xlsx",
        xlsx_bytes([ENTERPRISE_HEADERS, enterprise_row(301), enterprise_row(302)]),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="succeeded"' in html
    assert '<dd class="col-sm-10" data-count="created">2</dd>' in html
    assert "名录.xlsx" in html  # in the history table
    assert Enterprise.objects.filter(credit_code__in=[code(301), code(302)]).count() == 2

    before = snapshot()
    bad = xlsx_bytes(
        [
            ENTERPRISE_HEADERS,
            enterprise_row(303),
            [bad_checksum(304), *enterprise_row(304)[1:]],
            enterprise_row(305, town="不存在镇"),
        ]
    )
    response = upload(client, "enterprises", "bad.xlsx", bad)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-status="failed"' in html and 'id="import-errors"' in html
    assert "<td>3</td><td>统一社会信用代码</td>" in html
    assert "<td>4</td><td>所属镇街</td>" in html
    assert "credit_code_invalid" in html and "township_unknown" in html
    assert snapshot() == before

    response = upload(client, "enterprises", "bad.xlsx", bad, partial=True)
    assert response.status_code == 200
    assert 'data-status="partial"' in response.content.decode()
    assert Enterprise.objects.filter(credit_code=code(303)).exists()

    batch = ImportBatch.objects.filter(user=users["admin"], file_name="bad.xlsx").first()
    detail = client.get(f"/enterprises/import/batches/{batch.pk}/")
    assert detail.status_code == 200
    assert "credit_code_invalid" in detail.content.decode()
    assert client_for(users["guxi"]).get(f"/enterprises/import/batches/{batch.pk}/").status_code == 404


@pytest.mark.django_db
def test_web_file_checks(users: Any, client_for: Any, settings: Any) -> None:
    client = client_for(users["admin"])
    response = upload(client, "enterprises", "名录.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    assert response.status_code == 422
    assert 'data-code="file_type_not_allowed"' in response.content.decode()

    settings.UPLOAD_MAX_BYTES = 2048
    before = snapshot()
    big = xlsx_bytes([ENTERPRISE_HEADERS] + [enterprise_row(400 + i) for i in range(200)])
    assert len(big) > 2048
    response = upload(client, "enterprises", "big.xlsx", big)
    assert response.status_code == 422
    assert 'data-code="file_too_large"' in response.content.decode()
    assert snapshot() == before

    response = client.post("/enterprises/import/enterprises/", {})
    assert response.status_code == 422  # no file chosen: the form says so


@pytest.mark.django_db
def test_web_town_user_gets_a_row_error_for_another_town(users: Any, client_for: Any) -> None:
    client = client_for(users["guxi"])
    assert client.get("/enterprises/import/").status_code == 200
    before = snapshot()
    response = upload(
        client,
        "enterprises",
        "t.csv",
        gbk_csv_bytes([ENTERPRISE_HEADERS, enterprise_row(501), enterprise_row(502, town="玉溪镇")]),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "<td>3</td><td>所属镇街</td>" in html and "permission_denied" in html
    assert snapshot() == before


def gbk_csv_bytes(rows: list[list[Any]]) -> bytes:
    return ("\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n").encode("gbk")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "kinds"),
    [
        ("admin", {"enterprises", "visits", "appeals"}),
        ("guxi", {"enterprises", "visits", "appeals"}),
        ("jxw", {"visits", "appeals"}),
        ("squad1", {"visits"}),
        ("leader", set()),
        ("qiye", set()),
        ("yezhu", set()),
    ],
)
def test_web_who_may_import_what(users: Any, client_for: Any, username: str, kinds: set[str]) -> None:
    client = client_for(users[username])
    index = client.get("/enterprises/import/")
    assert index.status_code == (200 if kinds else 403)
    for kind in ("enterprises", "visits", "appeals"):
        expected = 200 if kind in kinds else 403
        assert client.get(f"/enterprises/import/{kind}/").status_code == expected
        assert client.get(f"/enterprises/import/{kind}/template.xlsx").status_code == expected
    assert client.get("/enterprises/import/nope/").status_code == 404


def test_anonymous_users_are_sent_to_login(client: Any, db: Any) -> None:
    response = client.get("/enterprises/import/enterprises/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- the seed's figures from imported files ------------------------------------------------------


@pytest.mark.django_db
def test_seed_sentence_from_three_imported_files(users: Any, tmp_path: Path) -> None:
    """147 enterprises, their visits and 254 difficulties collected on them (236 resolved), each
    imported from its own file, give the seed's sentence in the report (潼南区, 2021 Q1: a quarter
    without demo records)."""
    from tiaodu.enterprises.report import enterprise_service_report
    from tiaodu.regions.models import Region

    serials = range(600, 747)
    enterprises = [ENTERPRISE_HEADERS] + [enterprise_row(n) for n in serials]
    visits, appeals = [VISIT_HEADERS], [APPEAL_HEADERS]
    resolved = 0
    for i, n in enumerate(serials):
        day = date(2021, 1, 4) + timedelta(days=i % 70)
        visits.append([day.isoformat(), code(n), "经信委", "张三、李四", "一季度走访"])
        for k in range(2 if i < 107 else 1):  # 147 + 107 = 254 difficulties
            done = resolved < 236
            resolved += done
            appeals.append(
                [
                    code(n),
                    "用工" if k == 0 else "融资",
                    f"困难{i}-{k}",
                    day.isoformat(),
                    "走访",
                    "已办结" if done else "办理中",
                    (day + timedelta(days=3)).isoformat() if done else "",
                    "已协调解决" if done else "",
                ]
            )
    for kind, rows in (("enterprises", enterprises), ("visits", visits), ("appeals", appeals)):
        result = run_import(kind, xlsx(tmp_path / f"{kind}.xlsx", rows), actor=users["admin"])
        assert result.ok, result.error_lines()

    report = enterprise_service_report(Region.objects.get(code="500152"), date(2021, 1, 1), date(2021, 3, 31))
    assert "潼南区走访企业147家,现场收集困难254件次,解决236件次" in report.text()
    # An appeal from another source is not a difficulty collected on the visit.
    assert Visit.objects.filter(enterprise__credit_code=code(600)).get().cases.count() == 2
