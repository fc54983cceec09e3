"""新区县上线: the organisations and users imports for a third district (万州区 500101, next to
the demo's 潼南区 and 大渡口区, all three with a 区发展改革委), the password file, the checklist."""

from __future__ import annotations

import csv
import stat
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from auditlog.models import LogEntry

from tiaodu.accounts.models import User
from tiaodu.cases.models import WorkDay
from tiaodu.core.errors import Forbidden, InvalidInput
from tiaodu.core.imports import run_import, write_xlsx
from tiaodu.core.models import ImportBatch
from tiaodu.orgs.models import Organization
from tiaodu.orgs.onboarding import district_checklist
from tiaodu.orgs.samples import ORGANISATION_HEADERS, USER_HEADERS, USERS, write_samples

WANZHOU = "500101"
GAOSUNTANG = "500101001"
TAIAN_WZ = "500101156"


@pytest.fixture
def samples(tmp_path: Path) -> dict[str, Path]:
    return write_samples(tmp_path / "samples")


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


def xlsx(tmp_path: Path, name: str, rows: Sequence[Sequence[str]]) -> Path:
    path = tmp_path / name
    write_xlsx(path, rows)
    return path


def errors_of(result) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.field, e.code) for e in result.errors]


def wz(name: str, kind: str) -> Organization:
    return Organization.objects.get(
        region__path__startswith="100000/500000/500100/500101/", name=name, kind=kind
    )


def import_samples(samples, django_capture_on_commit_callbacks, actor=None):
    with django_capture_on_commit_callbacks(execute=True):
        orgs = run_import("organisations", samples["organisations"], actor=actor)
        people = run_import("users", samples["users"], actor=actor)
    return orgs, people


# --- organisations ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_organisations_import_links_parents_in_the_file_and_is_idempotent(samples, users):
    before = Organization.objects.count()
    result = run_import("organisations", samples["organisations"])
    assert result.ok, result.error_lines()
    assert (result.created, result.updated, result.unchanged) == (7, 0, 0)
    assert Organization.objects.count() == before + 7

    gov = wz("万州区人民政府", "government")
    assert gov.region.code == WANZHOU and gov.short_name == "区政府" and gov.parent is None
    # 区政府 names a later row; the other districts' 区政府 are not taken.
    fgw = wz("区发展改革委", "department")
    assert fgw.parent == gov
    assert wz("区统计局", "department").parent == gov
    assert wz("高笋塘街道办事处", "town").region.code == GAOSUNTANG
    # 太安镇 exists in 潼南区 too; the qualified name 万州区太安镇 picks 万州's.
    assert wz("太安镇人民政府", "town").region.code == TAIAN_WZ
    # 区发展改革委 is now registered in three districts: the file's own row wins.
    assert Organization.objects.filter(name="区发展改革委").count() == 3
    assert wz("重点项目服务一专班", "squad").parent == fgw

    again = run_import("organisations", samples["organisations"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert Organization.objects.count() == before + 7


@pytest.mark.django_db
def test_organisations_import_updates_by_name_within_the_region(tmp_path, users):
    rows = [ORGANISATION_HEADERS, ("万州区人民政府", "区政府", "党政机关", WANZHOU, "", "")]
    run_import("organisations", xlsx(tmp_path, "a.xlsx", rows))
    changed = [ORGANISATION_HEADERS, ("万州区人民政府", "万州区府", "党政机关", WANZHOU, "", "leader")]
    result = run_import("organisations", xlsx(tmp_path, "b.xlsx", changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    gov = wz("万州区人民政府", "government")
    assert gov.short_name == "万州区府"
    assert gov.leader == users["leader"]


@pytest.mark.django_db
def test_organisations_import_bad_rows_name_row_and_column_and_write_nothing(tmp_path, users):
    rows = [
        ORGANISATION_HEADERS,
        ("万州区人民政府", "区政府", "党政机关", WANZHOU, "", ""),  # 2: good
        ("区财政局", "财政局", "银行", WANZHOU, "", ""),  # 3: unknown kind
        ("区商务委", "商务委", "区级部门", "999999", "", ""),  # 4: unknown region
        ("某街道办事处", "", "镇街", WANZHOU, "", ""),  # 5: a town body on the district
        ("区交通局", "交通局", "区级部门", WANZHOU, "没有这个单位", ""),  # 6: unknown parent
        ("区交通局", "", "区级部门", WANZHOU, "", ""),  # 7: same as row 6
        ("甲单位", "", "其他", WANZHOU, "乙单位", ""),  # 8: a cycle with row 9
        ("乙单位", "", "其他", WANZHOU, "甲单位", ""),  # 9
        ("区统计局", "", "区级部门", WANZHOU, "", "nobody-here"),  # 10: unknown leader
        ("万州测试企业", "", "企业", WANZHOU, "", ""),  # 11: enterprises are imported elsewhere
    ]
    before = Organization.objects.count()
    result = run_import("organisations", xlsx(tmp_path, "bad.xlsx", rows))
    assert not result.ok
    assert result.code == "validation_error"
    assert errors_of(result) == [
        (3, "类型", "choice_invalid"),
        (4, "所属地区", "region_unknown"),
        (5, "所属地区", "region_level_mismatch"),
        (6, "上级机构", "organization_unknown"),
        (7, "名称", "duplicate_row"),
        (8, "上级机构", "organization_cycle"),
        (9, "上级机构", "organization_cycle"),
        (10, "负责人", "user_unknown"),
        (11, "类型", "choice_invalid"),
    ]
    assert Organization.objects.count() == before
    assert "数据库未作任何修改" in result.message


@pytest.mark.django_db
def test_only_administrators_import_organisations_and_users(samples, users):
    # Township staff may add enterprises, not onboard a district.
    for kind in ("organisations", "users"):
        with pytest.raises(Forbidden):
            run_import(kind, samples[kind], actor=users["guxi"])
        with pytest.raises(Forbidden):
            run_import(kind, samples[kind], actor=users["leader"])
    result = run_import("organisations", samples["organisations"], actor=users["admin"])
    assert result.ok and result.created == 7


# --- users -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("as_admin", [False, True])
def test_users_import_places_users_in_the_third_district_and_writes_a_private_password_file(
    samples, users, data_dir, django_capture_on_commit_callbacks, as_admin
):
    # The demo administrator sits in 潼南区; the CLI operator has no district. 所属地区 decides.
    actor = users["admin"] if as_admin else None
    orgs, result = import_samples(samples, django_capture_on_commit_callbacks, actor)
    assert orgs.ok and result.ok, result.error_lines()
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)

    placed = {u.username: u for u in User.objects.filter(username__startswith="wz-")}
    assert placed["wz-leader"].role == "leader" and placed["wz-leader"].region.code == WANZHOU
    assert placed["wz-leader"].organization == wz("万州区人民政府", "government")
    assert placed["wz-fgw"].organization == wz("区发展改革委", "department")
    assert placed["wz-fgw"].region.code == WANZHOU
    assert placed["wz-jxw"].organization == wz("区经济信息委", "department")
    assert placed["wz-gst"].region.code == GAOSUNTANG and placed["wz-gst"].role == "town"
    assert placed["wz-taian"].organization == wz("太安镇人民政府", "town")
    assert placed["wz-taian"].region.code == TAIAN_WZ
    assert placed["wz-fgw"].phone == "13800000002" and placed["wz-fgw"].full_name == "发改委干部"
    assert all(u.must_change_password for u in placed.values())

    path = Path(result.audit_data["password_file"])
    assert path.parent == data_dir / "onboarding"
    assert path.name.startswith("users-") and path.suffix == ".csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["用户名", "姓名", "角色", "初始密码"]
    assert [line[:3] for line in lines[1:]] == [
        ["wz-leader", "万州区领导", "区领导"],
        ["wz-fgw", "发改委干部", "部门人员"],
        ["wz-jxw", "经信委干部", "部门人员"],
        ["wz-gst", "高笋塘街道干部", "镇街人员"],
        ["wz-taian", "太安镇干部", "镇街人员"],
    ]
    passwords = {line[0]: line[3] for line in lines[1:]}
    for username, password in passwords.items():
        assert placed[username].check_password(password)
    # The passwords are nowhere but in that file: not in the history, not in the audit entry.
    batch = ImportBatch.objects.get(pk=result.batch.pk)
    entry = LogEntry.objects.get_for_object(batch).get()
    stored = f"{batch.message}{batch.errors}{entry.changes}{entry.additional_data}"
    assert str(path) in str(entry.additional_data)
    assert not any(p in stored for p in passwords.values())


@pytest.mark.django_db
def test_users_reimport_updates_profiles_but_never_passwords(
    samples, users, data_dir, tmp_path, django_capture_on_commit_callbacks
):
    import_samples(samples, django_capture_on_commit_callbacks)
    hashes = dict(User.objects.filter(username__startswith="wz-").values_list("username", "password"))
    with django_capture_on_commit_callbacks(execute=True):
        again = run_import("users", samples["users"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert again.audit_data is None  # no new user, no password file
    assert len(list((data_dir / "onboarding").iterdir())) == 1

    rows = [
        USER_HEADERS,
        ("wz-fgw", "发改委科长", "部门人员", "区统计局", WANZHOU, "13900000000"),
        *USERS[2:],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        changed = run_import("users", xlsx(tmp_path, "changed.xlsx", rows))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 3)
    fgw = User.objects.get(username="wz-fgw")
    assert (fgw.full_name, fgw.phone) == ("发改委科长", "13900000000")
    assert fgw.organization == wz("区统计局", "department")
    assert fgw.password == hashes["wz-fgw"]


@pytest.mark.django_db
def test_users_import_bad_rows_and_all_or_nothing(
    samples, users, data_dir, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_import("organisations", samples["organisations"])
    rows = [
        USER_HEADERS,
        ("wz-ok", "好用户", "部门人员", "区发展改革委", WANZHOU, ""),  # 2: good
        ("x", "短", "部门人员", "区发展改革委", WANZHOU, ""),  # 3: username too short
        ("wz-boss", "老板", "老板", "", WANZHOU, ""),  # 4: unknown role
        ("wz-town", "镇干部", "镇街人员", "", WANZHOU, ""),  # 5: a town user on the district
        ("wz-corp", "企业", "企业用户", "", WANZHOU, ""),  # 6: enterprise user without a unit
        ("wz-kind", "错单位", "镇街人员", "区发展改革委", GAOSUNTANG, ""),  # 7: unit of the wrong kind
        ("wz-where", "错地区", "部门人员", "高笋塘街道办事处", "500104", ""),  # 8: 万州 unit, 大渡口
        ("wz-none", "无此单位", "部门人员", "区发改局", WANZHOU, ""),  # 9: unknown unit
        ("WZ-OK", "重复", "部门人员", "区发展改革委", WANZHOU, ""),  # 10: same username as row 2
    ]
    before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import("users", xlsx(tmp_path, "bad.xlsx", rows))
    assert not result.ok
    assert errors_of(result) == [
        (3, "用户名", "username_invalid"),
        (4, "角色", "choice_invalid"),
        (5, "所属地区", "region_level_mismatch"),
        (6, "所属机构", "organization_required"),
        (7, "所属机构", "organization_kind_mismatch"),
        (8, "所属机构", "organization_region_mismatch"),
        (9, "所属机构", "organization_unknown"),
        (10, "用户名", "duplicate_row"),
    ]
    assert User.objects.count() == before
    assert not (data_dir / "onboarding").exists() or not any((data_dir / "onboarding").iterdir())


@pytest.mark.django_db
def test_users_import_partial_writes_passwords_of_the_written_rows_only(
    users, data_dir, tmp_path, django_capture_on_commit_callbacks
):
    rows = [
        USER_HEADERS,
        ("tn-new", "潼南新人", "部门人员", "区发展改革委", "500152", ""),
        ("tn-bad", "坏行", "镇街人员", "", "500152", ""),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import("users", xlsx(tmp_path, "p.xlsx", rows), partial=True)
    assert (result.created, result.skipped) == (1, 1)
    # Without 万州's organisations, 区发展改革委 with 所属地区 潼南区 is 潼南's.
    assert User.objects.get(username="tn-new").organization.region.code == "500152"
    assert result.audit_data is not None
    lines = Path(result.audit_data["password_file"]).read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines] == ["用户名", "tn-new"]


# --- the checklist ---------------------------------------------------------------------------


def calendar_years() -> set[int]:
    return {d.year for d in WorkDay.objects.dates("date", "year")}


@pytest.mark.django_db
def test_checklist_of_a_new_district_before_and_after_the_files(
    samples, users, data_dir, django_capture_on_commit_callbacks
):
    today = date(2025, 6, 30)
    empty = district_checklist(None, WANZHOU, today)
    counts = {c.key: (c.count, c.ok) for s in empty.sections for c in s.checks}
    assert counts == {
        "townships": (52, True),
        "government": (0, False),
        "departments": (0, False),
        "towns": (0, False),
        "users_leader": (0, False),
        "users_department": (0, False),
        "users_town": (0, False),
        "orgs_without_users": (0, True),
        "calendar_years": (1 if 2025 in calendar_years() else 0, 2025 in calendar_years()),
        "catalogue": (counts["catalogue"][0], counts["catalogue"][0] > 0),
        "figures": (0, False),
        "targets": (0, False),
    }
    assert empty.check("towns").expected == 52
    assert empty.check("towns").detail == "52个镇街尚无镇街机构"
    assert empty.check("government").url == "/orgs/?region=500101&kind=government"

    import_samples(samples, django_capture_on_commit_callbacks)
    after = district_checklist(None, WANZHOU, today)
    counts = {c.key: (c.count, c.ok) for s in after.sections for c in s.checks}
    assert counts["government"] == (1, True)
    assert counts["departments"] == (3, True)
    assert counts["towns"] == (2, False)  # 高笋塘街道 and 太安镇 of 52
    assert after.check("towns").detail == "50个镇街尚无镇街机构"
    assert counts["users_leader"] == (1, True)
    assert counts["users_department"] == (2, True)
    assert counts["users_town"] == (2, True)
    # 区统计局 has no user yet (the squad is not a government unit that needs one).
    assert counts["orgs_without_users"] == (1, False)
    assert counts["figures"] == (0, False) and counts["targets"] == (0, False)
    assert not after.ready


@pytest.mark.django_db
def test_checklist_is_for_administrators_of_a_district(users):
    with pytest.raises(Forbidden):
        district_checklist(users["leader"], WANZHOU)
    with pytest.raises(InvalidInput) as exc:
        district_checklist(None, GAOSUNTANG)
    assert exc.value.errors[0].code == "region_level_mismatch"


@pytest.mark.django_db
def test_checklist_page_and_menu(users, client_for):
    admin = client_for(users["admin"])
    page = admin.get("/orgs/onboarding/?district=500101")
    assert page.status_code == 200
    html = page.content.decode()
    assert "新区县上线检查" in html
    assert 'data-check="towns"' in html and "0 / 52" in html
    assert 'href="/orgs/onboarding/"' in admin.get("/").content.decode()
    assert admin.get("/orgs/onboarding/?district=500101001").status_code == 422
    leader = client_for(users["leader"])
    assert leader.get("/orgs/onboarding/?district=500101").status_code == 403
    assert 'href="/orgs/onboarding/"' not in leader.get("/").content.decode()


def test_committed_sample_files_hold_the_sample_rows():
    from openpyxl import load_workbook

    from tiaodu.orgs.samples import ORGANISATIONS, USERS

    folder = Path(__file__).resolve().parents[1] / "fixtures"
    for name, rows in (
        ("organisations.xlsx", [ORGANISATION_HEADERS, *ORGANISATIONS]),
        ("users.xlsx", [USER_HEADERS, *USERS]),
    ):
        sheet = load_workbook(folder / name, read_only=True).worksheets[0]
        found = [tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)]
        assert found == [tuple(r) for r in rows], name


@pytest.mark.django_db
def test_a_shared_department_name_outside_its_districts_is_refused_naming_the_three(
    samples, users, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_import("organisations", samples["organisations"])
    # 涪陵区 (500102) has no 区发展改革委 of its own: three other districts have one each.
    rows = [USER_HEADERS, ("fl-fgw", "涪陵干部", "部门人员", "区发展改革委", "500102", "")]
    result = run_import("users", xlsx(tmp_path, "fl.xlsx", rows))
    assert errors_of(result) == [(2, "所属机构", "organization_ambiguous")]
    message = result.errors[0].message
    assert all(name in message for name in ("潼南区", "大渡口区", "万州区")), message
    assert not User.objects.filter(username="fl-fgw").exists()
