"""The safety report in words (lane report)."""

from __future__ import annotations
