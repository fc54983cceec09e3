"""Who sees and fills in what: enterprises their own slot, townships their enterprises, the district
everything of its own, nobody another district's rounds."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.enterprises.models import Enterprise
from tiaodu.regions.models import Region
from tiaodu.reporting import services
from tiaodu.reporting.models import Reminder, ReportingRound, ReportSlot
from tiaodu.reporting.tests.conftest import open_test_round, slot_of

pytestmark = pytest.mark.django_db

GOOD = {"gy_zcz": "1", "yysr": "9000"}


def visible_units(rnd: ReportingRound, user: Any, action: str = "view") -> set[int]:
    return set(
        ReportSlot.objects.restrict(user, action).filter(round=rnd).values_list("enterprise_id", flat=True)
    )  # type: ignore[arg-type]


def test_enterprise_sees_and_fills_only_its_own(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any]
) -> None:
    qiye = users["qiye"]
    assert ReportingRound.objects.restrict(qiye).filter(pk=rnd.pk).exists()
    assert visible_units(rnd, qiye) == {firms["qiye"].pk} == visible_units(rnd, qiye, "change")
    services.submit(qiye, rnd.pk, slot_of(rnd, firms["qiye"]).pk, GOOD)
    with pytest.raises(ServiceError) as exc:
        services.submit(qiye, rnd.pk, slot_of(rnd, firms["guxi_key"]).pk, GOOD)
    assert exc.value.status == 404
    assert not slot_of(rnd, firms["guxi_key"]).is_submitted
    # A round the enterprise is not in stays hidden, although it is in the enterprise's district.
    without = open_test_round(
        firms,
        "2023年3月",
        due_on=date(2023, 4, 5),
        enterprises=Enterprise.objects.filter(pk=firms["guxi_key"].pk),
    )
    assert not ReportingRound.objects.restrict(qiye).filter(pk=without.pk).exists()
    with pytest.raises(ServiceError) as exc:
        services.submit(qiye, without.pk, without.slots.get().pk, GOOD)
    assert exc.value.status == 404
    for fn in (services.remind, services.close_round):
        with pytest.raises(ServiceError) as exc:
            fn(qiye, rnd.pk)
        assert exc.value.status in (403, 404)


def test_towns_see_and_fill_their_township(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any]
) -> None:
    guxi, yuxi = users["guxi"], users["yuxi"]
    assert visible_units(rnd, guxi) == {firms["guxi_key"].pk, firms["guxi_small"].pk, firms["qiye"].pk}
    assert visible_units(rnd, yuxi) == {firms["yuxi_key"].pk}
    saved = services.submit(guxi, rnd.pk, slot_of(rnd, firms["guxi_small"]).pk, GOOD)
    assert saved.slot.submitted_by == guxi
    with pytest.raises(ServiceError) as exc:
        services.submit(guxi, rnd.pk, slot_of(rnd, firms["yuxi_key"]).pk, GOOD)
    assert exc.value.status == 404


def test_district_sees_everything_of_its_own(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any]
) -> None:
    everyone = {f.pk for f in firms.values()}
    for name in ("leader", "jxw", "admin"):
        assert visible_units(rnd, users[name]) == everyone, name
    for name in ("leader", "jxw", "guxi", "yuxi", "squad1", "admin"):
        assert ReportingRound.objects.restrict(users[name]).filter(pk=rnd.pk).exists(), name
    assert not ReportingRound.objects.restrict(users["yezhu"]).filter(pk=rnd.pk).exists()
    # The leader reads every slot but fills none; the department fills the enterprises it liaises with.
    with pytest.raises(ServiceError) as exc:
        services.submit(users["leader"], rnd.pk, slot_of(rnd, firms["guxi_small"]).pk, GOOD)
    assert exc.value.status == 403
    liaised = {f.pk for f in firms.values() if f.liaison_department_id == users["jxw"].organization_id}
    assert firms["guxi_key"].pk in liaised and firms["guxi_small"].pk not in liaised
    assert visible_units(rnd, users["jxw"], "change") == liaised
    services.submit(users["jxw"], rnd.pk, slot_of(rnd, firms["guxi_key"]).pk, GOOD)


def test_another_districts_round_is_hidden(users: dict[str, Any]) -> None:
    dadukou = Region.objects.get(code="500104")
    firms = Enterprise.objects.filter(township__path__startswith=dadukou.path)
    assert firms.exists()
    other = services.open_round(
        None,
        district=dadukou,
        period="2023年2月",
        indicators=["gy_zcz"],
        due_on=date(2023, 3, 5),
        unit_filter="all",
    )
    for name in ("leader", "jxw", "guxi", "yuxi", "squad1", "qiye", "yezhu"):
        assert not ReportingRound.objects.restrict(users[name]).filter(pk=other.pk).exists(), name
        assert not ReportSlot.objects.restrict(users[name]).filter(round=other).exists(), name
    assert ReportingRound.objects.restrict(users["admin"]).filter(pk=other.pk).exists()
    with pytest.raises(ServiceError) as exc:
        services.close_round(users["leader"], other.pk)
    assert exc.value.status == 404
    with pytest.raises(ServiceError) as exc:
        services.remind(users["leader"], other.pk)
    assert exc.value.status == 404


def test_who_opens_reminds_and_closes(firms: dict[str, Enterprise], users: dict[str, Any]) -> None:
    led = open_test_round(firms, actor=users["leader"])
    for name in ("guxi", "squad1"):
        for fn in (services.remind, services.close_round):
            with pytest.raises(ServiceError) as exc:
                fn(users[name], led.pk)
            assert exc.value.status == 403, name
    # The district's dispatchers (leaders, departments) share its rounds, as in dispatch.
    own = open_test_round(firms, "2023年3月", due_on=date(2023, 4, 5), actor=users["jxw"])
    reminder = services.remind(users["jxw"], own.pk)
    assert Reminder.objects.restrict(users["jxw"]).filter(pk=reminder.pk).exists()
    assert Reminder.objects.restrict(users["leader"]).filter(pk=reminder.pk).exists()
    assert not Reminder.objects.restrict(users["guxi"]).filter(pk=reminder.pk).exists()
    assert services.remind(users["jxw"], led.pk).actor == users["jxw"]
    assert services.close_round(users["leader"], own.pk).state == "closed"
    assert services.close_round(users["jxw"], led.pk).state == "closed"
