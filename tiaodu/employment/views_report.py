"""The report page and xlsx. Lane G."""

from __future__ import annotations
