"""The appeal workflow through the case engine: the transition table, parties, timestamps,
the timeline, reopening, and attachments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.accounts.services import create_user
from tiaodu.cases import services
from tiaodu.cases.choices import Card, EventKind
from tiaodu.cases.models import Attachment, Case, CaseCategory, CaseEvent
from tiaodu.cases.services import Step
from tiaodu.cases.tests.factories import appeal, qiye_enterprise
from tiaodu.cases.workdays import add_workdays
from tiaodu.core.errors import ServiceError
from tiaodu.enterprises.appeals import APPEAL
from tiaodu.enterprises.choices import AppealState as S
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

# The whole table: (state, action) → target. Everything else is refused.
ALLOWED = {
    (S.ACCEPTED, "assign"): S.ASSIGNED,
    (S.RETURNED, "assign"): S.ASSIGNED,
    (S.ASSIGNED, "start"): S.IN_PROGRESS,
    (S.ASSIGNED, "return"): S.RETURNED,
    (S.IN_PROGRESS, "return"): S.RETURNED,
    (S.IN_PROGRESS, "resolve"): S.RESOLVED,
    (S.RESOLVED, "rate"): S.RATED,
    (S.RATED, "reopen"): S.IN_PROGRESS,
}
ACTIONS = sorted({t.action for t in APPEAL.transitions})
STATES = list(APPEAL.states)


def dept(short_name: str) -> Organization:
    return Organization.objects.get(short_name=short_name, region__code="500152")


@pytest.fixture
def case(users: dict[str, User]) -> Case:
    """An appeal of 古溪食品 (the enterprise of ``qiye``), category 其他 → 区经济信息委 (``jxw``)."""
    return appeal(qiye_enterprise(), "other", actor=users["qiye"])


def step(case: Case, user: User, action: str, **kw: Any) -> Case:
    kw.setdefault("note", "说明")
    return services.transition(user, case.pk, Step(action, **kw))


def expect_error(code: str, fn: Any, *args: Any, **kw: Any) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        fn(*args, **kw)
    assert info.value.code == code, info.value
    return info.value


def snapshot(case: Case) -> tuple[Any, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.state,
        fresh.is_open,
        fresh.handling_org_id,
        fresh.rating,
        fresh.resolution,
        fresh.updated_at,
        CaseEvent.objects.filter(case=fresh).count(),
        sorted(fresh.co_orgs.values_list("pk", flat=True)),
    )


# --- The transition table ---------------------------------------------------------------------------


def test_table_is_the_one_in_the_issue() -> None:
    table = {(s, t.action): t.target for t in APPEAL.transitions for s in t.source}
    assert table == ALLOWED
    assert APPEAL.initial == S.ACCEPTED
    assert APPEAL.open_states == {S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.RETURNED}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(state: str, action: str, case: Case, users: dict[str, User]) -> None:
    Case.objects.filter(pk=case.pk).update(state=state, rating=1 if state == S.RATED else None)
    # The administrator is dispatcher and handler; only the enterprise rates.
    actor = users["qiye"] if action == "rate" else users["admin"]
    before = snapshot(case)
    if (state, action) in ALLOWED:
        moved = step(case, actor, action, rating=2 if action == "rate" else None)
        assert moved.state == ALLOWED[state, action]
        event = CaseEvent.objects.filter(case=case).last()
        assert event is not None
        assert (event.kind, event.action, event.from_state, event.to_state) == (
            EventKind.TRANSITION,
            action,
            state,
            ALLOWED[state, action],
        )
    else:
        error = expect_error("transition_not_allowed", step, case, actor, action, rating=2)
        assert error.status == 409
        assert snapshot(case) == before


def test_accepted_to_rated_is_refused_and_changes_nothing(case: Case, users: dict[str, User]) -> None:
    before = snapshot(case)
    error = expect_error("transition_not_allowed", step, case, users["qiye"], "rate", rating=5)
    assert "已受理" in error.message and "交办" in error.message
    assert snapshot(case) == before


def test_unknown_action(case: Case, users: dict[str, User]) -> None:
    expect_error("transition_not_allowed", step, case, users["admin"], "approve")


# --- Parties ------------------------------------------------------------------------------------------


def test_only_dispatchers_assign(case: Case, users: dict[str, User]) -> None:
    for name in ("qiye", "guxi"):  # the enterprise; the township (which may change its cases)
        before = snapshot(case)
        expect_error("permission_denied", step, case, users[name], "assign")
        assert snapshot(case) == before
    # A department user routes cases its department holds; the district leader any in the district.
    assert step(case, users["jxw"], "assign").state == S.ASSIGNED
    Case.objects.filter(pk=case.pk).update(state=S.ACCEPTED)
    assert step(case, users["leader"], "assign", handling_org=dept("人社局")).handling_org == dept("人社局")


def test_handlers_start_return_and_resolve(case: Case, users: dict[str, User]) -> None:
    step(case, users["leader"], "assign")
    for name in ("leader", "qiye", "guxi"):
        expect_error("permission_denied", step, case, users[name], "start")
    assert step(case, users["jxw"], "start").state == S.IN_PROGRESS
    expect_error("permission_denied", step, case, users["qiye"], "resolve", note="已解决")
    expect_error("permission_denied", step, case, users["leader"], "return", note="不属于本部门")
    assert step(case, users["jxw"], "return", note="不属于本部门").state == S.RETURNED
    step(case, users["leader"], "assign")
    step(case, users["jxw"], "start")
    assert step(case, users["jxw"], "resolve", note="已协调招聘会").state == S.RESOLVED


def test_co_handling_department_is_a_handler(case: Case, users: dict[str, User]) -> None:
    rsj = dept("人社局")
    clerk = create_user(
        None, username="rsj_clerk", role="department", org=str(rsj.pk), region_code="500152"
    ).user
    expect_error("permission_denied", step, case, clerk, "assign")  # not its case yet
    step(case, users["leader"], "assign", co_orgs=[rsj])
    assert list(Case.objects.get(pk=case.pk).co_orgs.all()) == [rsj]
    assert services.party_of(clerk, case) == {"dispatcher", "handler"}
    assert step(case, clerk, "start").state == S.IN_PROGRESS


def test_only_the_enterprise_rates(case: Case, users: dict[str, User]) -> None:
    step(case, users["leader"], "assign")
    step(case, users["jxw"], "start")
    step(case, users["jxw"], "resolve", note="已解决")
    for name in ("admin", "leader", "jxw", "guxi"):
        before = snapshot(case)
        expect_error("permission_denied", step, case, users[name], "rate", rating=5)
        assert snapshot(case) == before
    expect_error("validation_error", step, case, users["qiye"], "rate")  # no rating
    expect_error("validation_error", step, case, users["qiye"], "rate", rating=6)
    rated = step(case, users["qiye"], "rate", rating=5, note="很满意")
    assert (rated.state, rated.rating, rated.rating_note) == (S.RATED, 5, "很满意")
    assert rated.resolution == "已解决"  # the rating does not overwrite the answer


def test_squad_may_view_but_not_move(case: Case, users: dict[str, User]) -> None:
    # 专班 users see cases of their squads only; this one is not theirs at all.
    expect_error("not_found", step, case, users["squad1"], "assign")
    # 玉溪镇 cannot reach a 古溪镇 case: "not found", not "forbidden".
    expect_error("not_found", step, case, users["yuxi"], "assign")


def test_squad_sees_the_cases_of_the_enterprises_it_serves(case: Case, users: dict[str, User]) -> None:
    member = users["squad1"]
    assert not Case.objects.restrict(member).filter(pk=case.pk).exists()
    squad = Organization.objects.squads_of(member).get()
    enterprise = qiye_enterprise()
    enterprise.squad = squad
    enterprise.save(update_fields=["squad"])
    assert Case.objects.restrict(member).filter(pk=case.pk).exists()
    # Seeing is not handling: the table gives a squad member no transition.
    expect_error("permission_denied", step, case, member, "assign")
    assert not Case.objects.restrict(member, "change").filter(pk=case.pk).exists()


def test_notes_are_required_where_the_table_says(case: Case, users: dict[str, User]) -> None:
    step(case, users["leader"], "assign")
    step(case, users["jxw"], "start")
    before = snapshot(case)
    error = expect_error("validation_error", step, case, users["jxw"], "resolve", note="  ")
    assert error.errors[0].field == "note"
    assert snapshot(case) == before


def test_handlers_cannot_reroute(case: Case, users: dict[str, User]) -> None:
    step(case, users["leader"], "assign")
    before = snapshot(case)
    error = expect_error("validation_error", step, case, users["jxw"], "start", handling_org=dept("人社局"))
    assert error.errors[0].code == "routing_not_allowed"
    expect_error("validation_error", step, case, users["jxw"], "start", co_orgs=[dept("人社局")])
    assert snapshot(case) == before


def test_assign_needs_a_department(users: dict[str, User]) -> None:
    CaseCategory.objects.create(workflow="appeal", code="t_nodept", name="无部门类别", time_limit_days=5)
    case = appeal(qiye_enterprise(), "t_nodept")
    assert case.handling_org is None
    error = expect_error("validation_error", step, case, users["leader"], "assign")
    assert error.errors[0].field == "handling_org"
    assert step(case, users["leader"], "assign", handling_org=dept("经信委")).state == S.ASSIGNED


# --- Timestamps, timeline, reopening ------------------------------------------------------------------


def run_to_rated(case: Case, users: dict[str, User], rating: int) -> Case:
    step(case, users["leader"], "assign")
    step(case, users["jxw"], "start")
    step(case, users["jxw"], "resolve", note="已协调")
    return step(case, users["qiye"], "rate", rating=rating, note="评价")


def test_each_state_stamps_its_time(case: Case, users: dict[str, User]) -> None:
    assert case.accepted_at is not None
    assert (case.assigned_at, case.started_at, case.resolved_at, case.rated_at) == (None, None, None, None)
    assert case.due_on == add_workdays(case.raised_on, case.category.time_limit_days)
    step(case, users["leader"], "assign")
    step(case, users["jxw"], "return", note="退回")
    done = run_to_rated(case, users, 4)
    stamps = [
        done.accepted_at,
        done.returned_at,
        done.assigned_at,
        done.started_at,
        done.resolved_at,
        done.rated_at,
    ]
    assert all(stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    assert done.reopened_at is None
    assert not done.is_open


def test_timeline_is_appended_in_order(case: Case, users: dict[str, User]) -> None:
    run_to_rated(case, users, 5)
    services.comment(users["guxi"], case.pk, "镇里已跟进")
    services.attach(users["qiye"], case.pk, SimpleUploadedFile("招工计划.pdf", b"%PDF-1.7 test"))
    events = list(CaseEvent.objects.filter(case=case).order_by("created_at", "pk"))
    assert [(e.kind, e.action, e.from_state, e.to_state) for e in events] == [
        ("transition", "open", "", S.ACCEPTED),
        ("transition", "assign", S.ACCEPTED, S.ASSIGNED),
        ("transition", "start", S.ASSIGNED, S.IN_PROGRESS),
        ("transition", "resolve", S.IN_PROGRESS, S.RESOLVED),
        ("transition", "rate", S.RESOLVED, S.RATED),
        ("comment", "", "", ""),
        ("attachment", "", "", ""),
    ]
    assert [e.actor.username if e.actor else None for e in events] == [
        "qiye",
        "leader",
        "jxw",
        "jxw",
        "qiye",
        "guxi",
        "qiye",
    ]
    assert events[3].note == "已协调"
    assert events[1].actor_org_id == users["leader"].organization_id
    expect_error("validation_error", services.comment, users["guxi"], case.pk, " ")


def test_reopen_only_after_an_unsatisfied_rating(case: Case, users: dict[str, User]) -> None:
    satisfied = run_to_rated(case, users, 3)
    before = snapshot(satisfied)
    error = expect_error("reopen_not_allowed", step, case, users["leader"], "reopen", note="企业不满意")
    assert error.status == 409
    assert snapshot(case) == before

    other = appeal(qiye_enterprise(), "other", raised_on=timezone.localdate() - timedelta(days=40))
    old_due = other.due_on
    run_to_rated(other, users, 2)
    expect_error("permission_denied", step, other, users["qiye"], "reopen", note="我不满意")
    reopened = step(other, users["leader"], "reopen", note="企业不满意,重新办理")
    assert (reopened.state, reopened.is_open) == (S.IN_PROGRESS, True)
    assert reopened.reopened_at is not None
    assert reopened.due_on == add_workdays(timezone.localdate(), reopened.category.time_limit_days)
    assert reopened.due_on != old_due
    # Then round again: resolve and rate.
    step(other, users["jxw"], "resolve", note="再次办结")
    assert step(other, users["qiye"], "rate", rating=5).state == S.RATED


def test_resolving_lifts_the_card(case: Case, users: dict[str, User]) -> None:
    from tiaodu.cases.sweep import sweep

    Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    sweep()
    assert Case.objects.get(pk=case.pk).card == Card.YELLOW
    step(case, users["leader"], "assign")
    step(case, users["jxw"], "start")
    done = step(case, users["jxw"], "resolve", note="已办结")
    assert done.card == Card.NONE
    record = done.card_records.get()
    assert (record.card, record.lifted_on) == (Card.YELLOW, timezone.localdate())
    assert CaseEvent.objects.filter(case=case, kind=EventKind.LIFT).count() == 1


# --- Opening ---------------------------------------------------------------------------------------------


def test_open_case_rejects_bad_input(users: dict[str, User]) -> None:
    owner = qiye_enterprise()
    count = Case.objects.count()
    error = expect_error("validation_error", appeal, owner, "other", timezone.localdate() + timedelta(days=1))
    assert error.errors[0].code == "date_in_future"
    error = expect_error("validation_error", appeal, owner, "天上掉馅饼")
    assert error.errors[0].code == "category_unknown"
    assert Case.objects.count() == count


def test_category_by_name_and_number(users: dict[str, User]) -> None:
    case = appeal(qiye_enterprise(), "融资", raised_on=date(2025, 3, 3))
    assert case.category.code == "financing"
    assert case.number == f"AP2025{case.pk:07d}"
    assert case.handling_org == dept("财政局")


# --- Attachments ---------------------------------------------------------------------------------------


def test_attachment_accepted(case: Case, users: dict[str, User]) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    made = services.attach(users["jxw"], case.pk, SimpleUploadedFile("现场照片.PNG", png))
    assert (made.name, made.size, made.content_type, made.uploaded_by) == (
        "现场照片.PNG",
        len(png),
        "image/png",
        users["jxw"],
    )
    assert made.file.read() == png


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("病毒.exe", b"MZ\x90\x00", "file_type_not_allowed"),
        ("无扩展名", b"%PDF-1.4", "file_type_not_allowed"),
        ("报告.html", b"<html>", "file_type_not_allowed"),
        ("伪装.pdf", b"MZ\x90\x00 not a pdf", "file_content_mismatch"),
        ("伪装.docx", b"%PDF-1.4", "file_content_mismatch"),
        ("超大.pdf", b"%PDF-1.4" + b"x" * 2048, "file_too_large"),
    ],
)
def test_attachment_rejected(
    name: str, content: bytes, code: str, case: Case, users: dict[str, User], settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    events = CaseEvent.objects.filter(case=case).count()
    error = expect_error(
        "validation_error", services.attach, users["jxw"], case.pk, SimpleUploadedFile(name, content)
    )
    assert error.errors[0].field == "file" and error.errors[0].code == code
    assert not Attachment.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case).count() == events


def test_attachment_outside_scope(case: Case, users: dict[str, User]) -> None:
    expect_error(
        "not_found", services.attach, users["yuxi"], case.pk, SimpleUploadedFile("a.pdf", b"%PDF-1.4")
    )
