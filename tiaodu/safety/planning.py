"""双随机一公开 planning (lane planning)."""

from __future__ import annotations
