"""Imports penalties and accidents (lane enforcement)."""

from __future__ import annotations
