"""Enforcement and accident forms (lane enforcement)."""

from __future__ import annotations
