"""Table cells as the bulletin prints them: fixed decimals rounded half up (四舍五入), ranks as
integers, "—" for a missing figure."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tiaodu.core.figures import NO_VALUE
from tiaodu.monitoring.computations import round_half_up

if TYPE_CHECKING:
    from tiaodu.monitoring.bulletin import Column


def cell_text(value: Any, column: Column) -> str:
    if value is None or value == "":
        return NO_VALUE if column.kind != "text" else ""
    if column.kind == "number":
        return format(round_half_up(Decimal(value), column.decimals), "f")
    return str(value)


def number_format(column: Column) -> str:
    """The Excel number format of a column: 0.00, 0.0, 0."""
    if column.kind == "number" and column.decimals > 0:
        return "0." + "0" * column.decimals
    return "0"
