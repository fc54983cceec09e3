"""Placement list, detail and actions; follow-ups due. Lane E."""

from __future__ import annotations
