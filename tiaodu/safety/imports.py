"""The safety imports (``tiaodu import safety-units|inspections|hazards|penalties|accidents``).

Each importer lives in the module of its lane and registers itself; this module is the one the
import registry discovers (``autodiscover_modules("imports")``)."""

from tiaodu.safety import imports_enforcement, imports_inspections, imports_units  # noqa: F401

SAFETY_KINDS = ("safety-units", "inspections", "hazards", "penalties", "accidents")
