"""What follows a stage change: filled in by the hand-off to key projects and the card sweep."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.investment.models import InvestmentProject


def stage_changed(actor: User | None, project: InvestmentProject, to: str, on: date) -> None:
    """Called inside ``change_stage``'s transaction after the project was saved: lift the cards
    whose cause the move removed (see :func:`tiaodu.investment.cards.lift_on_stage`)."""
    from tiaodu.investment.cards import lift_on_stage

    lift_on_stage(project, to, on)
