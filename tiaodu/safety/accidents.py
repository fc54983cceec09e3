"""Accidents (lane enforcement)."""

from __future__ import annotations
