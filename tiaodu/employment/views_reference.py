"""Pages of the occupation catalogue, market rules, township seats and settings. Lane A."""

from __future__ import annotations
