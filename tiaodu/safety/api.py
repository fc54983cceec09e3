"""/api/v1/safety/: units and reference data, 双随机 plans, inspections and hazards, enforcement
and accidents, the report. Each part is its own module; every list and detail starts from the
model's ``objects.restrict(user)`` and every write goes through the service modules."""

from ninja import Router

from tiaodu.safety.api_enforcement import router as enforcement_router
from tiaodu.safety.api_inspections import router as inspections_router
from tiaodu.safety.api_planning import router as planning_router
from tiaodu.safety.api_report import router as report_router
from tiaodu.safety.api_units import router as units_router

router = Router(tags=["安全生产"])
router.add_router("", units_router)
router.add_router("", planning_router)
router.add_router("", inspections_router)
router.add_router("", enforcement_router)
router.add_router("", report_router)
