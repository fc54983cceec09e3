"""/api/v1/safety/ endpoints of lane report (mounted by tiaodu/safety/api.py). Schema names start with Safety."""

from ninja import Router

router = Router()
