"""Hazards (隐患) on the case engine (lane hazards)."""

from __future__ import annotations

from typing import Any


def on_step(actor: Any, case: Any, move: Any, step: Any) -> None:
    """The hazard workflow's own rules (called by the case engine); written by lane hazards."""
