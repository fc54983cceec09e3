"""Hazard pages (lane screens)."""

from __future__ import annotations
