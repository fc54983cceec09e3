"""``tiaodu report employment``: the figures in words, per township, shortage by occupation. Lane G."""

from __future__ import annotations
