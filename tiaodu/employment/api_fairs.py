"""Fair and bus API. Lane D."""

from __future__ import annotations

from ninja import Router

router = Router()
