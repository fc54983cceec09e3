"""Enforcement documents and penalties (lane enforcement)."""

from __future__ import annotations
