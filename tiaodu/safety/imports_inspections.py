"""Imports inspections and hazards (lane hazards)."""

from __future__ import annotations
