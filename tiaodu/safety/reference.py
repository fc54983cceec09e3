"""Lane units: see the contract (to be written)."""

from __future__ import annotations
