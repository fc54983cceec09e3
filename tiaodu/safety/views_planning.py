"""Planning pages (lane planning)."""

from __future__ import annotations
