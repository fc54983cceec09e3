"""Job fair services: create, booths, sign-in, intentions recorded on the spot. Lane D."""

from __future__ import annotations
