"""Matching pages. Lane F."""

from __future__ import annotations
