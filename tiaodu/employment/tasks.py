"""Background tasks: the retention housekeeping that anonymises jobseekers. Lane B."""

from __future__ import annotations
