"""Enforcement and accident pages (lane enforcement)."""

from __future__ import annotations
