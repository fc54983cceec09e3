"""The report page (lane report)."""

from __future__ import annotations
