"""/api/v1/monitoring: indicators, values, computed comparisons and the composite index."""

from ninja import Router

router = Router(tags=["经济运行监测"])
