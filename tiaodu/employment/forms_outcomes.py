"""Outcome forms. Lane E."""

from __future__ import annotations
