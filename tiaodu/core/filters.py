"""A FilterSchema base for list filters shared by the HTML lists, their exports and the API."""

from __future__ import annotations

from typing import Any

from ninja import FilterSchema
from pydantic import field_validator
from pydantic_core import PydanticCustomError


class TextSafeFilterSchema(FilterSchema):
    """Refuses NUL characters in text filters: PostgreSQL text cannot hold them (it would be a 500)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("string_pattern_mismatch", "不能包含控制字符")
        return value
