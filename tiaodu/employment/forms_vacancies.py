"""Vacancy forms. Lane C."""

from __future__ import annotations
