"""Forms of the reference pages. Lane A."""

from __future__ import annotations
