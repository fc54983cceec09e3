"""The employment imports (``tiaodu import occupations|market-rules|vacancies|jobseekers|fair-results``).

Each importer lives in the module of its lane and registers itself; this module is the one the
import registry discovers (``autodiscover_modules("imports")``)."""

from tiaodu.employment import imports_fairs, imports_jobseekers, imports_reference, imports_vacancies  # noqa: F401

EMPLOYMENT_KINDS = ("occupations", "market-rules", "vacancies", "jobseekers", "fair-results")
