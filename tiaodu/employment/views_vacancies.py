"""Vacancy board, detail, form; need conversion. Lane C."""

from __future__ import annotations
