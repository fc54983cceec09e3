"""Job bus services: trips, stops, riders. Lane D."""

from __future__ import annotations
