"""Jobseeker services: register (merging a known ID number), update, consent and its withdrawal, reveal policy, anonymisation. Lane B."""

from __future__ import annotations
