"""Jobseeker API (masked by default; reveal endpoint). Lane B."""

from __future__ import annotations

from ninja import Router

router = Router()
