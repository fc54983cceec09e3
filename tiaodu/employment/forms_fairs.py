"""Fair and bus forms. Lane D."""

from __future__ import annotations
