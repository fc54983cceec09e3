"""/api/v1/employment/: reference data, vacancies, jobseekers (masked; reveal audited), fairs and
buses, outcomes, matching, the report. Each part is its own module; every list and detail starts
from the model's ``objects.restrict(user)`` and every write goes through the service modules."""

from ninja import Router

from tiaodu.employment.api_fairs import router as fairs_router
from tiaodu.employment.api_jobseekers import router as jobseekers_router
from tiaodu.employment.api_matching import router as matching_router
from tiaodu.employment.api_outcomes import router as outcomes_router
from tiaodu.employment.api_reference import router as reference_router
from tiaodu.employment.api_report import router as report_router
from tiaodu.employment.api_vacancies import router as vacancies_router

router = Router(tags=["稳就业"])
router.add_router("", reference_router)
router.add_router("", vacancies_router)
router.add_router("", jobseekers_router)
router.add_router("", fairs_router)
router.add_router("", outcomes_router)
router.add_router("", matching_router)
router.add_router("", report_router)
