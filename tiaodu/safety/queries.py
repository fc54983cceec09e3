"""As-of counts for the safety report (lane report)."""

from __future__ import annotations
