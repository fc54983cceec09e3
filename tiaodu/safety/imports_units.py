"""Import safety-units (lane units)."""

from __future__ import annotations
