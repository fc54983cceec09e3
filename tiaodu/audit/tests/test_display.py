"""The audit trail reads as people talk: "字段: 旧值 → 新值" with labels, related objects by
name, JSON details as "名称: 值" lines, 系统 for tasks, every time in Beijing time, and a filter
by object type with Chinese names — on the audit pages, each object's 变更记录 page, the exports
and the API alike."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.utils import timezone, translation
from openpyxl import load_workbook

from tiaodu.accounts.models import User
from tiaodu.audit import display
from tiaodu.audit.choices import EventKind
from tiaodu.audit.models import SecurityEvent
from tiaodu.audit.services import describe_changes, record_event
from tiaodu.dispatch.models import DispatchReport
from tiaodu.monitoring.choices import ValueOrigin
from tiaodu.monitoring.services import new_source
from tiaodu.orgs.models import Organization
from tiaodu.projects.models import Project

pytestmark = pytest.mark.django_db

MACH = "重庆古溪机械制造有限公司"


@pytest.fixture(autouse=True)
def _chinese() -> Any:
    translation.activate("zh-hans")
    yield
    translation.deactivate()


def log(
    instance: Any, changes: dict[str, Any], action: int = LogEntry.Action.UPDATE, actor: Any = None
) -> LogEntry:
    entry = LogEntry.objects.log_create(instance, force_log=True, action=action, changes=changes, actor=actor)
    assert entry is not None
    return LogEntry.objects.select_related("content_type", "actor").get(pk=entry.pk)


# --- values -----------------------------------------------------------------------------------


def test_choices_related_objects_booleans_and_dates_read_as_labels() -> None:
    project = Project.objects.exclude(responsible_unit=None).first()
    assert project is not None
    unit = project.responsible_unit
    assert unit is not None
    entry = log(
        project,
        {
            "stage": ["signed", "landed"],
            "landed_on": [None, "2025-03-08"],
            "responsible_unit": [None, unit.pk],
        },
    )
    rows = {label: (before, after) for label, before, after in describe_changes(entry)}
    assert rows["阶段"] == ("签约", "落地")
    assert rows["落地日期"] == ("", "2025-03-08")
    assert rows["责任单位"] == ("", str(unit))
    lines = display.change_lines(entry)
    assert "阶段: 签约 → 落地" in lines
    assert f"责任单位: 空 → {unit}" in lines

    org = Organization.objects.get(name=MACH)
    entry = log(org, {"is_active": [True, False], "kind": ["enterprise", "department"]})
    # In the model's field order, whatever order the database keeps the keys in.
    assert describe_changes(entry) == [("类型", "企业", "区级部门"), ("启用", "是", "否")]


def test_text_that_looks_like_json_stays_text() -> None:
    org = Organization.objects.get(name=MACH)
    entry = log(org, {"notes": ["[1, 2]", "{'a': 1}"]})
    assert describe_changes(entry) == [("备注", "[1, 2]", "{'a': 1}")]


def test_a_deleted_related_object_says_so() -> None:
    org = Organization.objects.get(name=MACH)
    entry = log(org, {"region": [999999, None]})
    assert display.change_lines(entry) == ["所属地区: 已删除(编号999999) → 空"]


def test_times_are_beijing_time() -> None:
    report = DispatchReport.objects.first()
    assert report is not None
    # auditlog stores a DateTimeField as naive UTC; bulk imports write ISO text with the offset.
    entry = log(
        report,
        {"submitted_at": ["2026-04-01T08:30:00+08:00", "2026-12-08 00:47:11.568370"]},
    )
    label, before, after = describe_changes(entry)[0]
    assert label == "填报时间"
    assert before == "2026-04-01 08:30:00"  # already Beijing time: unchanged
    assert after == "2026-12-08 08:47:11"  # UTC + 8 hours
    assert display.local_time(entry.timestamp) == timezone.localtime(entry.timestamp).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    assert timezone.localtime(entry.timestamp).utcoffset() == timedelta(hours=8)


def test_json_details_are_lines_not_dicts(users: dict[str, User]) -> None:
    source = new_source(
        ValueOrigin.MANUAL, "填报", users["qiye"], {"round": 2, "slot": 124, "unit": "古溪食品"}
    )
    source.detail = {**source.detail, "created": 5, "revised": 1, "unchanged": 0}
    source.save(update_fields=["detail"])
    entry = LogEntry.objects.get_for_object(source).order_by("-pk").first()
    assert entry is not None
    label, before, after = describe_changes(entry)[0]
    assert label == "明细"
    assert "{" not in before + after and "'" not in before + after
    assert "轮次编号: 2" in after and "填报编号: 124" in after and "填报单位: 古溪食品" in after
    assert "新增: 5" in after and "修订: 1" in after and "未变化: 0" in after
    line = display.change_lines(entry)[0]
    assert line.startswith("明细: 轮次编号: 2") and " → 轮次编号: 2" in line


def test_many_to_many_changes_name_the_objects() -> None:
    squad = Organization.objects.filter(kind="squad").first()
    assert squad is not None
    entry = log(squad, {"members": {"type": "m2m", "operation": "add", "objects": ["张三", "李四"]}})
    assert display.change_lines(entry) == ["专班成员: 空 → 增加:张三、李四"]
    entry = log(squad, {"members": {"type": "m2m", "operation": "delete", "objects": ["张三"]}})
    assert describe_changes(entry)[0][2] == "移除:张三"


def test_creation_lists_values_without_reverse_relations_or_ids() -> None:
    org = Organization.objects.get(name=MACH)
    entry = log(
        org,
        {
            "id": [None, org.pk],
            "name": [None, MACH],
            "children": [None, "orgs.Organization.None"],
            "phone": [None, ""],
        },
        action=LogEntry.Action.CREATE,
    )
    assert display.change_lines(entry) == [f"名称: {MACH}"]


def test_actor_is_system_without_a_user(users: dict[str, User]) -> None:
    org = Organization.objects.get(name=MACH)
    assert display.actor_label(log(org, {"phone": ["1", "2"]})) == "系统"
    assert display.actor_label(log(org, {"phone": ["2", "3"]}, actor=users["guxi"])) == "古溪镇干部(guxi)"


# --- the pages --------------------------------------------------------------------------------


def test_audit_page_shows_lines_system_and_beijing_time(users: dict[str, User], client_for: Any) -> None:
    org = Organization.objects.get(name=MACH)
    entry = log(org, {"kind": ["enterprise", "department"], "is_active": [True, False]})
    page = client_for(users["admin"]).get("/audit/?model=orgs.organization").content.decode()
    assert "类型: 企业 → 区级部门<br>启用: 是 → 否" in page
    row = page[
        page.rindex("<tr", 0, page.index("类型: 企业 → 区级部门")) : page.index("类型: 企业 → 区级部门")
    ]
    assert "系统" in row
    assert "{'" not in page and "orgs.Organization.None" not in page
    local = timezone.localtime(entry.timestamp)
    assert f"{local.hour:02d}:{local.minute:02d}" in row or f"{local.hour}:{local.minute:02d}" in row


def test_long_creations_are_cut_short_on_the_list_only(users: dict[str, User], client_for: Any) -> None:
    org = Organization.objects.get(name=MACH)
    entry = log(
        org, {f"f{i}": [None, f"值{i}"] for i in range(12)}, action=LogEntry.Action.CREATE, actor=users["jxw"]
    )
    assert len(display.change_lines(entry)) == 12
    client = client_for(users["admin"])
    page = client.get("/audit/?actor=jxw").content.decode()
    assert "f7: 值7<br>……共12项" in page and "值8" not in page
    text = client.get("/audit/?actor=jxw&export=csv").content.decode("utf-8-sig")
    assert "f11: 值11" in text


def test_object_type_filter_lists_chinese_names(users: dict[str, User], client_for: Any) -> None:
    choices = dict(display.object_type_choices())
    assert choices["orgs.organization"] == "组织机构"
    assert choices["projects.project"] == str(Project._meta.verbose_name)
    assert "sessions.session" not in choices and "audit.securityevent" not in choices
    labels = list(choices.values())
    assert len(labels) == len(set(labels)), "two models share a name without their app's"

    client = client_for(users["admin"])
    page = client.get("/audit/").content.decode()
    assert '<option value="orgs.organization">组织机构</option>' in page
    filtered = client.get("/audit/?model=projects.project&per_page=50").content.decode()
    assert 'value="projects.project" selected' in filtered
    body = filtered[filtered.index("<tbody") :]
    assert "组织机构" not in body.split("</tbody>")[0]


def test_object_history_page_uses_the_same_formatter(users: dict[str, User], client_for: Any) -> None:
    org = Organization.objects.get(name=MACH)
    log(org, {"is_active": [True, False], "region": [None, org.region_id]})
    page = client_for(users["leader"]).get(f"/orgs/{org.pk}/changes/").content.decode()
    assert '<td>启用</td><td class="text-muted">是</td><td>否</td>' in page
    assert f'<td>所属地区</td><td class="text-muted"></td><td>{org.region}</td>' in page
    assert "True" not in page and "False" not in page


def test_exports_and_api_read_the_same(users: dict[str, User], client_for: Any) -> None:
    org = Organization.objects.get(name=MACH)
    entry = log(org, {"is_active": [True, False]}, actor=users["guxi"])
    client = client_for(users["admin"])
    text = client.get("/audit/?actor=guxi&export=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[5] for r in rows[1:] if r[4] == MACH][:1] == ["启用: 是 → 否"]

    sheet = load_workbook(io.BytesIO(client.get("/audit/?actor=guxi&export=xlsx").content)).active
    found = [r for r in sheet.iter_rows(values_only=True) if r[5] == "启用"]
    assert found and found[0][6:8] == ("是", "否")
    assert found[0][0] == display.local_time(entry.timestamp)

    api = client.get("/api/v1/audit/changes?actor=guxi").json()
    assert {"field": "启用", "before": "是", "after": "否"} in api["results"][0]["changes"]
    assert api["results"][0]["timestamp"].endswith("+08:00")
    assert api["results"][0]["actor"] == "guxi"
    events = client.get("/api/v1/audit/events").json()
    assert events["results"] and all(e["created_at"].endswith("+08:00") for e in events["results"])


# --- security events --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detail", "lines"),
    [
        ("prefix=ab12cd34 name=数据 同步", ["前缀: ab12cd34", "名称: 数据 同步"]),
        ("view orgs.organization", ["查看 组织机构"]),
        ("add reporting.outputalert district=500152", None),
        ("web GET /orgs/5/", ["网页 GET /orgs/5/"]),
        ("employment.Jobseeker#7 retention", ["求职者(编号7) 保存期满"]),
        ("employment.Jobseeker#7 consent withdrawn", ["求职者(编号7) 本人撤回同意"]),
        ("reset by admin", ["重置", "操作人: admin"]),
        ("{'round': 2, 'slot': 124}", ["轮次编号: 2", "填报编号: 124"]),
        ('{"unit": "古溪食品", "created": 3}', ["填报单位: 古溪食品", "新增: 3"]),
        ("", []),
    ],
)
def test_event_details_read_as_lines(detail: str, lines: list[str] | None) -> None:
    got = display.event_detail_lines(detail)
    if lines is None:
        assert got[0].startswith("新增 ") and "reporting.outputalert" not in got[0]
        assert got[1] == "区县: 500152"
    else:
        assert got == lines


def test_event_page_shows_detail_lines(users: dict[str, User], client_for: Any) -> None:
    record_event(EventKind.TOKEN_CREATED, user=users["jxw"], detail="prefix=ab12cd34 name=同步")
    client = client_for(users["admin"])
    page = client.get("/audit/events/?username=jxw").content.decode()
    assert "前缀: ab12cd34<br>名称: 同步" in page
    assert "prefix=" not in page
    text = client.get("/audit/events/?username=jxw&export=csv").content.decode("utf-8-sig")
    assert "前缀: ab12cd34\n名称: 同步" in text
    assert SecurityEvent.objects.filter(username="jxw").exists()
