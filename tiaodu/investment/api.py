"""/api/v1/investment/: the pipeline; leads and the libraries are mounted from their own modules."""

from ninja import Router

from tiaodu.investment.api_leads import router as leads_router
from tiaodu.investment.api_libraries import router as libraries_router

router = Router(tags=["招商引资"])
router.add_router("/leads", leads_router)
router.add_router("/libraries", libraries_router)
