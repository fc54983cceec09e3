"""The stage table and the stage history of investment projects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tiaodu.core.errors import Conflict, InvalidInput
from tiaodu.investment import services
from tiaodu.investment.models import InvestmentStageChange
from tiaodu.investment.names import normalise
from tiaodu.investment.tests.factories import project

pytestmark = pytest.mark.django_db


def test_moves_write_history_and_close_the_previous_row() -> None:
    p = project(on=date(2022, 1, 5))
    services.change_stage(None, p, "negotiating", date(2022, 2, 1))
    services.change_stage(None, p, "signed", date(2022, 3, 9), agreed_investment=Decimal(50000))
    rows = list(InvestmentStageChange.objects.filter(project=p).order_by("on"))
    assert [(r.from_stage, r.to_stage, r.on, r.ended_on) for r in rows] == [
        ("", "lead", date(2022, 1, 5), date(2022, 2, 1)),
        ("lead", "negotiating", date(2022, 2, 1), date(2022, 3, 9)),
        ("negotiating", "signed", date(2022, 3, 9), None),
    ]
    p.refresh_from_db()
    assert (p.stage, p.signed_on, p.agreed_investment) == ("signed", date(2022, 3, 9), Decimal(50000))


def test_forbidden_move_is_409_and_changes_nothing() -> None:
    p = project(stage="signed", agreed_investment=Decimal(1))
    with pytest.raises(Conflict) as err:
        services.change_stage(None, p, "negotiating", date(2022, 2, 1))
    assert err.value.code == "transition_not_allowed" and err.value.status == 409
    assert InvestmentStageChange.objects.filter(project=p).count() == 1


def test_signing_needs_agreed_amount_and_termination_a_reason() -> None:
    p = project()
    with pytest.raises(InvalidInput) as err:
        services.change_stage(None, p, "signed", date(2022, 2, 1))
    assert err.value.errors[0].code == "agreed_investment_required"
    with pytest.raises(InvalidInput) as err:
        services.change_stage(None, p, "terminated", date(2022, 2, 1))
    assert err.value.errors[0].code == "termination_reason_required"
    services.change_stage(None, p, "terminated", date(2022, 2, 1), reason="lost")
    p.refresh_from_db()
    assert (p.stage, p.termination_reason) == ("terminated", "lost")


def test_agreed_amount_refused_before_signing() -> None:
    with pytest.raises(InvalidInput) as err:
        project(agreed_investment=Decimal(5))
    assert err.value.errors[0].code == "agreed_before_signing"


def test_stage_date_cannot_go_back() -> None:
    p = project(on=date(2022, 3, 1))
    with pytest.raises(InvalidInput) as err:
        services.change_stage(None, p, "contact", date(2022, 2, 1))
    assert err.value.errors[0].code == "stage_date_order"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("重庆市潼南区某某科技股份有限公司", "某某科技(重庆)有限公司"),
        ("广东省华光电子集团有限公司", "华光电子有限公司"),
        ("重庆市潼南区华光电子有限公司", "华光电子(集团)公司"),
        ("比亚迪股份有限公司", "比亚迪"),
        # 深圳 is not in the test database (Chongqing only): the country's cities come from the code files
        ("深圳大疆创新科技有限公司", "大疆创新科技(深圳)有限公司"),
    ],
)
def test_investor_names_normalise_to_one_key(a: str, b: str) -> None:
    assert normalise(a) == normalise(b) != ""
