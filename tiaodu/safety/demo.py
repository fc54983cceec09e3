"""The 潼南区 2022 safety demo (lane demo)."""

from __future__ import annotations
