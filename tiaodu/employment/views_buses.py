"""Bus trip pages. Lane D."""

from __future__ import annotations
