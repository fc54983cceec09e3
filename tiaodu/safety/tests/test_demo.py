"""The 潼南区 2022 safety demo (seed 004): the campaign sentence and "连续69个月" from its records,
the joint team of 9 January, the demo users, and a second load that changes nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from tiaodu.accounts.models import User
from tiaodu.regions.models import Region
from tiaodu.safety import demo
from tiaodu.safety.accidents import accident_free_run
from tiaodu.safety.choices import HazardState, InspectionKind
from tiaodu.safety.models import (
    Accident,
    EnforcementDocument,
    Hazard,
    Inspection,
    Inspector,
    JointTeam,
    Unit,
)
from tiaodu.safety.report import safety_report

MODELS = (Unit, Inspection, Hazard, EnforcementDocument, Accident)


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[bool]:
    """The demo, loaded once for the module (rolled back at its end)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield demo.load_safety_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def tongnan() -> Region:
    return Region.objects.get(code=demo.TONGNAN)


def test_the_plan_gives_the_seed_figures(loaded: bool, db: Any) -> None:
    """The rows alone (before any importer or report): the definitions of the user guide applied
    to them give the seed's figures."""
    rows = demo.campaign_rows(tongnan())
    figures = demo.expected(rows)
    assert figures == demo.SEED
    assert figures.sentence() == demo.SEED_SENTENCE
    assert figures.run() == demo.SEED_RUN
    # What the sentence must leave out is there: records before and after, patrols in the period.
    days = [date.fromisoformat(r["检查日期"]) for r in rows.inspections]
    assert min(days) < demo.CAMPAIGN_START and max(days) > demo.CAMPAIGN_END
    assert any(r["检查类型"] == str(InspectionKind.PATROL.label) for r in rows.inspections)
    assert len({r["单位名称"] for r in rows.penalties}) > figures.punished_units


def test_the_report_reproduces_the_seed(loaded: bool, db: Any) -> None:
    assert loaded is True
    report = safety_report(demo.TONGNAN, demo.CAMPAIGN_START, demo.CAMPAIGN_END)
    text = report.text()
    assert f"全区{demo.SEED_SENTENCE}" in text
    assert demo.SEED_RUN in text
    assert report.total.inspections == 5093 and len(report.total.sectors) == 18
    run = accident_free_run(tongnan(), demo.RUN_AS_OF)
    assert (run.months, run.since) == (69, date(2016, 7, 1))
    assert run.last_serious is not None and run.last_serious.occurred_on == date(2016, 6, 12)


def test_the_command_line_prints_the_seed(loaded: bool, db: Any) -> None:
    out = io.StringIO()
    call_command(
        "report", "safety", "--region", demo.TONGNAN, "--from", "2022-01-09", "--to", "2022-03-31", stdout=out
    )
    printed = out.getvalue()
    assert demo.SEED_SENTENCE in printed and demo.SEED_RUN in printed


def test_other_periods_differ(loaded: bool, db: Any) -> None:
    """The range is what makes the figures: a month more counts April's inspections, a day less
    loses 31 March's; a serious accident after the date is not seen by the run."""
    longer = safety_report(demo.TONGNAN, demo.CAMPAIGN_START, date(2022, 4, 30))
    shorter = safety_report(demo.TONGNAN, demo.CAMPAIGN_START, date(2022, 3, 30))
    assert longer.total.inspections > 5093 > shorter.total.inspections
    assert demo.SEED_SENTENCE not in longer.text() and demo.SEED_SENTENCE not in shorter.text()
    assert accident_free_run(tongnan(), date(2022, 2, 28)).months == 68


def test_the_joint_team_of_9_january(loaded: bool, db: Any) -> None:
    team = JointTeam.objects.get(region=tongnan(), name=demo.JOINT_TEAM)
    members = {o.short_name or o.name for o in team.organizations.all()}
    assert {"应急管理局", "商务委", "桂林街道", demo.GAS_COMPANY[0]} <= members
    assert team.campaign is not None and team.campaign.name == demo.CAMPAIGN
    joint = Inspection.objects.filter(team=team)
    assert joint.count() == 6
    assert set(joint.values_list("inspected_on", flat=True)) == {demo.CAMPAIGN_START}
    assert set(joint.values_list("kind", flat=True)) == {InspectionKind.JOINT}
    market = joint.get(unit__name="井田农贸市场")
    assert market.township.name == "桂林街道"
    assert market.co_departments.count() == 3
    assert {h.description for h in market.hazards.all()} == {
        "大功率电器使用集中,私拉乱接电线",
        "就近消防设施不能正常使用",
    }


def test_users_and_their_slices(loaded: bool, db: Any) -> None:
    yjj = User.objects.select_related("organization").get(username="yjj")
    zfry = User.objects.select_related("organization").get(username="zfry")
    assert (yjj.role, yjj.organization.name) == ("department", "区应急管理局")
    assert zfry.organization == yjj.organization
    inspector = Inspector.objects.get(user=zfry)
    assert inspector.certificate_no
    valid_until = inspector.certificate_valid_until
    assert valid_until is not None and valid_until >= date(2027, 1, 1)
    assert Inspector.objects.filter(organization=yjj.organization, is_active=True).count() >= 2
    everything = Hazard.objects.filter(district=tongnan()).count()
    assert Hazard.objects.restrict(yjj).filter(district=tongnan()).count() == everything
    # The enterprise user: its own unit, its inspections (self-inspections too) and hazards only.
    qiye = User.objects.get(username="qiye")
    (unit,) = Unit.objects.restrict(qiye)
    assert unit.enterprise is not None and unit.enterprise.organization_id == qiye.organization_id
    assert set(Hazard.objects.restrict(qiye).values_list("unit", flat=True)) == {unit.pk}
    own = Inspection.objects.restrict(qiye)
    assert own.filter(kind=InspectionKind.SELF).count() == 2
    assert set(own.values_list("unit", flat=True)) == {unit.pk}
    # The hazard left open for the enterprise to rectify and the 应急管理局 to accept.
    hazard = Hazard.objects.restrict(qiye).select_related("case").get(description=demo.OPEN_HAZARD)
    assert (hazard.case.state, hazard.case.is_open) == (HazardState.PENDING, True)
    assert hazard.case.handling_org_id == yjj.organization_id
    assert hazard.case.submitter_org_id == qiye.organization_id
    # A town user reads its township only.
    guxi = User.objects.get(username="guxi")
    towns = set(Unit.objects.restrict(guxi).values_list("township__name", flat=True))
    assert towns == {"古溪镇"}


def test_loading_again_changes_nothing(loaded: bool, db: Any) -> None:
    before = {m: m.objects.count() for m in MODELS}
    assert demo.load_safety_demo() is False
    assert {m: m.objects.count() for m in MODELS} == before
    assert User.objects.filter(username__in=("yjj", "zfry")).count() == 2
