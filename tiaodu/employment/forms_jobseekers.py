"""Jobseeker forms. Lane B."""

from __future__ import annotations
