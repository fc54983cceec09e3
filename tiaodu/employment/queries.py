"""Dated facts for the employment report. Lane G."""

from __future__ import annotations
