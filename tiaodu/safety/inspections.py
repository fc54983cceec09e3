"""Recording inspections (lane hazards)."""

from __future__ import annotations
