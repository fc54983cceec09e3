"""Inspection and hazard forms (lane screens)."""

from __future__ import annotations
