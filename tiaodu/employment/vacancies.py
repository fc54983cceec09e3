"""Vacancy services: create/update/close with the 就业促进法 checks, labour needs into vacancies. Lane C."""

from __future__ import annotations
