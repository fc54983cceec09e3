"""Import ``fair-results``. Lane D."""

from __future__ import annotations
