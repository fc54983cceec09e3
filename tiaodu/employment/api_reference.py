"""API of the reference data. Lane A."""

from __future__ import annotations

from ninja import Router

router = Router()
