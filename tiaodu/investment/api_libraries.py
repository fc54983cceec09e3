"""API routes of this lane, mounted by tiaodu/investment/api.py."""

from ninja import Router

router = Router()
