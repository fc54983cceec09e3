"""Vacancy API. Lane C."""

from __future__ import annotations

from ninja import Router

router = Router()
