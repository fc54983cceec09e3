"""Outcomes: the transition table 意向→面试→录用→入职→回访 and its services. Lane E."""

from __future__ import annotations
