"""Campaigns, joint teams and inspectors (lane planning)."""

from __future__ import annotations
