"""Demo: 潼南区 2022 spring fairs and buses, 大渡口区 2020 demand. Lane H."""

from __future__ import annotations
