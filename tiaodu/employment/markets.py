"""赶场 market days (公历/农历, lunardate) and the fair planner's proposed dates. Lane A."""

from __future__ import annotations
