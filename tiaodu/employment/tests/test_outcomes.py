"""Outcomes: the transition table, dates in order, follow-ups, open_placement (one per pair),
record_result (walks forward, never back), follow-ups due, scope of the moves."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from stdnum.cn import uscc

from tiaodu.core.concurrency import StaleWrite
from tiaodu.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from tiaodu.employment import outcomes
from tiaodu.employment.choices import OutcomeState as S
from tiaodu.employment.models import Jobseeker, Placement, Vacancy
from tiaodu.employment.tests import factories as f
from tiaodu.enterprises import services as enterprise_services
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

GUXI, YUXI = "500152103", "500152107"
TONGNAN, DADUKOU = "500152", "500104"
DAY = date(2022, 2, 10)


def credit_code(serial: int, district: str = TONGNAN) -> str:
    first17 = f"91{district}MA7E{serial:05d}"
    return first17 + uscc.calc_check_digit(first17)


def firm(serial: int, township: str = GUXI, name: str = "") -> Enterprise:
    return enterprise_services.save_enterprise(
        None, credit_code(serial, township[:6]), township, name=name or f"重庆结果测试{serial}号制衣有限公司"
    )[0]


def own_firm(users: Any) -> Enterprise:
    """qiye's enterprise (the demo's 古溪 food company)."""
    org: Organization = users["qiye"].organization
    existing = Enterprise.objects.filter(organization=org).first()
    if existing is not None:
        return existing
    code = credit_code(900)
    Organization.objects.filter(pk=org.pk).update(code=code)
    return enterprise_services.save_enterprise(None, code, GUXI, name=org.name)[0]


@pytest.fixture
def scene(users: Any) -> dict[str, Any]:
    rsj = f.staff(TONGNAN)
    seeker = f.jobseeker(GUXI, "王小红", experience="制衣厂缝纫工三年")
    job = f.vacancy(firm(1), "缝纫工")
    return {"rsj": rsj, "seeker": seeker, "job": job}


def opened(scene: dict[str, Any], on: date = DAY) -> Placement:
    return outcomes.open_placement(scene["rsj"], jobseeker=scene["seeker"], vacancy=scene["job"], on=on)


def walk(actor: Any, placement: Placement, *steps: tuple[str, date]) -> Placement:
    for action, on in steps:
        placement = outcomes.advance(actor, placement, action, on=on)
    return placement


# --- the table ----------------------------------------------------------------------------------


def test_the_table_is_explicit() -> None:
    t = outcomes.TRANSITIONS
    assert set(t) == {"interview", "hire", "start", "check_30", "check_90", "leave", "drop"}
    assert t["hire"].sources == {S.INTENDED, S.INTERVIEWED} and t["hire"].target == S.HIRED
    assert t["start"].sources == {S.HIRED} and t["start"].date_field == "started_on"
    assert t["leave"].sources == {S.EMPLOYED, S.CHECKED_30, S.CHECKED_90} and t["leave"].needs_reason
    assert t["drop"].sources == {S.INTENDED, S.INTERVIEWED, S.HIRED} and t["drop"].target == S.DROPPED
    # Every state but the ended ones has a way on; the ended ones have none.
    reachable_from = {s for move in t.values() for s in move.sources}
    assert reachable_from == set(S.values) - {S.LEFT, S.DROPPED}


def test_open_copies_the_facts(scene: dict[str, Any]) -> None:
    p = opened(scene)
    seeker, job = scene["seeker"], scene["job"]
    assert p.state == S.INTENDED and p.intended_on == DAY
    assert p.township_id == seeker.township_id and p.district_id == seeker.district_id
    assert p.enterprise_id == job.enterprise_id and p.service_org_id == seeker.service_org_id
    assert p.created_by == scene["rsj"]
    seeker.refresh_from_db()
    assert seeker.last_active_on == DAY


def test_open_twice_returns_the_same_and_fills_the_fair(scene: dict[str, Any]) -> None:
    from tiaodu.employment.models import JobFair

    first = opened(scene, DAY)
    fair = JobFair.objects.create(
        district=scene["seeker"].district,
        township=scene["seeker"].township,
        name="古溪镇春风行动专场",
        kind="spring",
        held_on=DAY - timedelta(days=3),
    )
    again = outcomes.open_placement(
        scene["rsj"], jobseeker=scene["seeker"], vacancy=scene["job"], on=fair.held_on, fair=fair
    )
    assert again.pk == first.pk and Placement.objects.count() == 1
    again.refresh_from_db()
    assert again.fair_id == fair.pk and again.intended_on == fair.held_on


def test_open_refuses_other_district_and_anonymised(scene: dict[str, Any]) -> None:
    f.settings_for(DADUKOU)
    far_job = f.vacancy(firm(2, _dadukou_township()), "普工")
    with pytest.raises(InvalidInput) as exc:
        outcomes.open_placement(None, jobseeker=scene["seeker"], vacancy=far_job, on=DAY)
    assert exc.value.errors[0].code == "vacancy_other_district"
    Jobseeker.objects.filter(pk=scene["seeker"].pk).update(anonymised_on=DAY)
    scene["seeker"].refresh_from_db()
    with pytest.raises(InvalidInput) as exc:
        opened(scene)
    assert exc.value.errors[0].code == "jobseeker_anonymised"
    assert not Placement.objects.exists()


def _dadukou_township() -> str:
    from tiaodu.regions.models import Region

    return str(Region.objects.filter(parent__code=DADUKOU).order_by("code").values_list("code", flat=True)[0])


def test_open_outside_add_scope_changes_nothing(scene: dict[str, Any], users: Any) -> None:
    # 玉溪镇's town user cannot open a placement for a 古溪镇 jobseeker; an enterprise never opens.
    for who in ("yuxi", "qiye", "leader"):
        with pytest.raises((Forbidden, NotFound)):
            outcomes.open_placement(users[who], jobseeker=scene["seeker"], vacancy=scene["job"], on=DAY)
    assert not Placement.objects.exists()
    p = outcomes.open_placement(users["guxi"], jobseeker=scene["seeker"], vacancy=scene["job"], on=DAY)
    assert p.pk


# --- moves --------------------------------------------------------------------------------------


def test_the_whole_way_with_dates(scene: dict[str, Any]) -> None:
    p = opened(scene)
    start = DAY + timedelta(days=7)
    p = walk(
        scene["rsj"],
        p,
        ("interview", DAY + timedelta(days=2)),
        ("hire", DAY + timedelta(days=3)),
        ("start", start),
        ("check_30", start + timedelta(days=30)),
        ("check_90", start + timedelta(days=95)),
    )
    p.refresh_from_db()
    assert p.state == S.CHECKED_90
    assert (p.interviewed_on, p.hired_on, p.started_on) == (
        DAY + timedelta(days=2),
        DAY + timedelta(days=3),
        start,
    )
    assert p.employed_30 is True and p.employed_90 is True
    assert p.checked_90_on == start + timedelta(days=95)
    labels = [step[0] for step in outcomes.timeline(p)]
    assert labels == ["达成意向", "面试", "录用", "入职", "30天回访", "90天回访"]
    # Every move is in the change log.
    assert LogEntry.objects.get_for_object(p).count() >= 6


def test_hire_without_interview_is_allowed(scene: dict[str, Any]) -> None:
    p = outcomes.advance(scene["rsj"], opened(scene), "hire", on=DAY)
    assert p.state == S.HIRED and p.interviewed_on is None


def test_not_allowed_from_the_state_is_409(scene: dict[str, Any]) -> None:
    p = opened(scene)
    for action in ("start", "check_30", "check_90", "leave"):
        with pytest.raises(Conflict) as exc:
            outcomes.advance(scene["rsj"], p, action, on=DAY, reason="wage")
        assert exc.value.code == "outcome_transition" and exc.value.status == 409
    p = outcomes.advance(scene["rsj"], p, "drop", on=DAY, reason="wage")
    with pytest.raises(Conflict):
        outcomes.advance(scene["rsj"], p, "interview", on=DAY)
    p.refresh_from_db()
    assert p.state == S.DROPPED and p.interviewed_on is None


def test_unknown_action(scene: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as exc:
        outcomes.advance(scene["rsj"], opened(scene), "promote", on=DAY)
    assert exc.value.errors[0].code == "outcome_action"


def test_dates_may_not_go_back(scene: dict[str, Any]) -> None:
    p = walk(scene["rsj"], opened(scene), ("interview", DAY + timedelta(days=5)))
    with pytest.raises(InvalidInput) as exc:
        outcomes.advance(scene["rsj"], p, "hire", on=DAY + timedelta(days=4))
    assert exc.value.errors[0].code == "outcome_date_order"
    p.refresh_from_db()
    assert p.state == S.INTERVIEWED and p.hired_on is None
    # The same day is fine.
    assert outcomes.advance(scene["rsj"], p, "hire", on=DAY + timedelta(days=5)).state == S.HIRED


def test_date_in_the_future_is_refused(scene: dict[str, Any]) -> None:
    from django.utils import timezone

    with pytest.raises(InvalidInput) as exc:
        outcomes.advance(scene["rsj"], opened(scene), "hire", on=timezone.localdate() + timedelta(days=1))
    assert exc.value.errors[0].code == "outcome_date_future"


def test_follow_ups_not_too_early(scene: dict[str, Any]) -> None:
    start = DAY + timedelta(days=1)
    p = walk(scene["rsj"], opened(scene), ("hire", DAY), ("start", start))
    with pytest.raises(InvalidInput) as exc:
        outcomes.advance(scene["rsj"], p, "check_30", on=start + timedelta(days=29))
    assert exc.value.errors[0].code == "follow_up_too_early"
    p = outcomes.advance(scene["rsj"], p, "check_30", on=start + timedelta(days=30))
    with pytest.raises(InvalidInput) as exc:
        outcomes.advance(scene["rsj"], p, "check_90", on=start + timedelta(days=89))
    assert exc.value.errors[0].code == "follow_up_too_early"
    assert outcomes.advance(scene["rsj"], p, "check_90", on=start + timedelta(days=90)).state == S.CHECKED_90


def test_leave_needs_a_reason_and_is_the_follow_up_that_found_it(scene: dict[str, Any]) -> None:
    start = DAY
    p = walk(scene["rsj"], opened(scene), ("hire", DAY), ("start", start))
    with pytest.raises(InvalidInput) as exc:
        outcomes.advance(scene["rsj"], p, "leave", on=start + timedelta(days=31))
    assert exc.value.errors[0].code == "reason_required"
    with pytest.raises(InvalidInput) as exc:
        outcomes.advance(scene["rsj"], p, "leave", on=start + timedelta(days=31), reason="boredom")
    assert exc.value.errors[0].code == "reason_unknown"
    p = outcomes.advance(scene["rsj"], p, "leave", on=start + timedelta(days=31), reason="distance")
    p.refresh_from_db()
    assert p.state == S.LEFT and p.reason == "distance" and p.ended_on == start + timedelta(days=31)
    assert p.checked_30_on == start + timedelta(days=31) and p.employed_30 is False and p.employed_90 is False


def test_leave_after_the_30_day_check_is_the_90_day_finding(scene: dict[str, Any]) -> None:
    start = DAY
    p = walk(
        scene["rsj"], opened(scene), ("hire", DAY), ("start", start), ("check_30", start + timedelta(days=30))
    )
    p = outcomes.advance(
        scene["rsj"], p, "leave", on=start + timedelta(days=60), reason="wage", note="工资低于预期"
    )
    p.refresh_from_db()
    assert p.employed_30 is True and p.employed_90 is False and p.checked_90_on == start + timedelta(days=60)
    assert p.note == "工资低于预期"


def test_reason_only_for_leave_and_drop(scene: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as exc:
        outcomes.advance(scene["rsj"], opened(scene), "interview", on=DAY, reason="wage")
    assert exc.value.errors[0].code == "reason_unexpected"


def test_version_is_checked(scene: dict[str, Any]) -> None:
    p = opened(scene)
    version = p.version
    outcomes.advance(scene["rsj"], p, "interview", on=DAY, version=version)
    with pytest.raises(StaleWrite):
        outcomes.advance(scene["rsj"], p, "hire", on=DAY, version=version)
    p.refresh_from_db()
    assert p.state == S.INTERVIEWED


# --- who may move ---------------------------------------------------------------------------------


def test_enterprise_records_interview_hire_start_for_its_own(scene: dict[str, Any], users: Any) -> None:
    own = f.vacancy(own_firm(users), "包装工")
    p = outcomes.open_placement(scene["rsj"], jobseeker=scene["seeker"], vacancy=own, on=DAY)
    qiye = users["qiye"]
    p = walk(qiye, p, ("interview", DAY), ("hire", DAY), ("start", DAY))
    assert p.state == S.EMPLOYED
    assert [t.action for t in outcomes.allowed_actions(p, qiye)] == []
    with pytest.raises(Forbidden):
        outcomes.advance(qiye, p, "check_30", on=DAY + timedelta(days=30))
    with pytest.raises(Forbidden):
        outcomes.advance(qiye, p, "leave", on=DAY + timedelta(days=30), reason="dismissed")
    # Another enterprise's placement is not found.
    other = opened(scene)
    with pytest.raises(NotFound):
        outcomes.advance(qiye, other, "interview", on=DAY)
    other.refresh_from_db()
    assert other.state == S.INTENDED


def test_other_town_and_leader_may_not_move(scene: dict[str, Any], users: Any) -> None:
    p = opened(scene)
    for who in ("yuxi", "leader", "jxw"):
        with pytest.raises(ServiceError) as exc:
            outcomes.advance(users[who], p, "interview", on=DAY)
        assert exc.value.status in (403, 404)
    assert outcomes.advance(users["guxi"], p, "interview", on=DAY).state == S.INTERVIEWED


def test_display_name_masked_for_enterprises(scene: dict[str, Any], users: Any) -> None:
    seeker = scene["seeker"]
    assert outcomes.display_name(users["guxi"], seeker) == "王小红"
    assert outcomes.display_name(scene["rsj"], seeker) == "王小红"
    assert outcomes.display_name(users["qiye"], seeker) != "王小红"
    assert outcomes.display_name(users["qiye"], seeker).startswith("王")


# --- record_result ----------------------------------------------------------------------------------


def test_record_result_walks_forward_each_step_dated(scene: dict[str, Any]) -> None:
    p = outcomes.record_result(
        scene["rsj"], jobseeker=scene["seeker"], vacancy=scene["job"], result="录用", on=DAY
    )
    assert p.state == S.HIRED
    assert (p.intended_on, p.interviewed_on, p.hired_on) == (DAY, DAY, DAY)
    later = DAY + timedelta(days=5)
    p = outcomes.record_result(
        scene["rsj"], jobseeker=scene["seeker"], vacancy=scene["job"], result="入职", on=later
    )
    assert p.state == S.EMPLOYED and p.started_on == later and p.hired_on == DAY
    # Never backwards.
    p = outcomes.record_result(
        scene["rsj"], jobseeker=scene["seeker"], vacancy=scene["job"], result="面试", on=later
    )
    assert p.state == S.EMPLOYED and Placement.objects.count() == 1


def test_record_result_intention_only_and_bad_result(scene: dict[str, Any]) -> None:
    p = outcomes.record_result(None, jobseeker=scene["seeker"], vacancy=scene["job"], result="意向", on=DAY)
    assert p.state == S.INTENDED and p.interviewed_on is None
    with pytest.raises(InvalidInput) as exc:
        outcomes.record_result(None, jobseeker=scene["seeker"], vacancy=scene["job"], result="离职", on=DAY)
    assert exc.value.errors[0].code == "outcome_result"


def test_record_result_leaves_ended_placements(scene: dict[str, Any]) -> None:
    p = outcomes.advance(scene["rsj"], opened(scene), "drop", on=DAY, reason="mismatch")
    again = outcomes.record_result(
        scene["rsj"], jobseeker=scene["seeker"], vacancy=scene["job"], result="入职", on=DAY
    )
    assert again.pk == p.pk and again.state == S.DROPPED


def test_record_result_is_atomic(scene: dict[str, Any]) -> None:
    # A date before the last step fails the whole call: nothing half-walked, nothing filled.
    p = walk(scene["rsj"], opened(scene), ("interview", DAY + timedelta(days=5)))
    with pytest.raises(InvalidInput) as exc:
        outcomes.record_result(
            scene["rsj"],
            jobseeker=scene["seeker"],
            vacancy=scene["job"],
            result="入职",
            on=DAY + timedelta(days=1),
        )
    assert exc.value.errors[0].code == "outcome_date_order"
    p.refresh_from_db()
    assert p.state == S.INTERVIEWED and p.hired_on is None and p.started_on is None


# --- follow-ups due ---------------------------------------------------------------------------------


def test_follow_ups_due(scene: dict[str, Any], users: Any) -> None:
    rsj = scene["rsj"]
    start = DAY
    due30 = walk(rsj, opened(scene), ("hire", DAY), ("start", start))
    other = f.jobseeker(YUXI, "李四")
    due90 = outcomes.record_result(rsj, jobseeker=other, vacancy=scene["job"], result="入职", on=start)
    due90 = outcomes.advance(rsj, due90, "check_30", on=start + timedelta(days=30))
    third = f.jobseeker(GUXI, "赵五")
    not_yet = outcomes.record_result(
        rsj, jobseeker=third, vacancy=scene["job"], result="入职", on=start + timedelta(days=20)
    )

    on = start + timedelta(days=45)
    assert set(outcomes.follow_ups_due(rsj, on)) == {due30}
    on = start + timedelta(days=95)
    assert list(outcomes.follow_ups_due(rsj, on)) == [due30, due90, not_yet]
    assert outcomes.due_action(due30) == "check_30" and outcomes.due_action(due90) == "check_90"
    # The town sees its own township's only.
    assert set(outcomes.follow_ups_due(users["guxi"], on)) == {due30, not_yet}
    assert list(outcomes.follow_ups_due(users["leader"], on)) == []
    # After its 30-day follow-up (late, on day 95) the 90-day one is due; after that, nothing.
    due30 = outcomes.advance(rsj, due30, "check_30", on=on)
    assert outcomes.due_action(due30) == "check_90" and due30 in set(outcomes.follow_ups_due(rsj, on))
    outcomes.advance(rsj, due30, "check_90", on=on)
    assert due30 not in set(outcomes.follow_ups_due(rsj, on))


def test_vacancy_pk_and_int_accepted(scene: dict[str, Any]) -> None:
    p = opened(scene)
    assert outcomes.advance(scene["rsj"], p.pk, "interview", on=DAY).state == S.INTERVIEWED
    assert Vacancy.objects.get(pk=scene["job"].pk).status == "open"
