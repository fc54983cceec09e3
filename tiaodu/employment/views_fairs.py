"""Fair list, detail with live counts, planner. Lane D."""

from __future__ import annotations
