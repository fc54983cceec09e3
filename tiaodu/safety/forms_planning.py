"""Planning forms (lane planning)."""

from __future__ import annotations
