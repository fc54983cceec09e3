"""Jobseeker list, detail, phone registration, reveal. Lane B."""

from __future__ import annotations
