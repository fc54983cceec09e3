"""Explainable matching: ranked vacancies for a jobseeker, ranked candidates for a vacancy, with reasons. Lane F."""

from __future__ import annotations
