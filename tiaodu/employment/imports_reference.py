"""Imports ``occupations`` and ``market-rules``. Lane A."""

from __future__ import annotations
