"""Import ``jobseekers``. Lane B."""

from __future__ import annotations
