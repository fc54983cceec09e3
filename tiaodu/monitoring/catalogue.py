"""The built-in indicator catalogue (``data/indicators.csv``), loaded by migration 0002.

Kept free of model imports so the migration can pass its historical ``Indicator`` model. Loading
is an upsert by code: built-in indicators get the file's definition again, indicators added by
administrators are left alone.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent / "data" / "indicators.csv"
LINKS = ("share_of", "numerator", "denominator", "growth_of")


def read_catalogue(path: Path = CATALOGUE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for order, row in enumerate(rows, start=1):
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "aliases": [a for a in row["aliases"].split(";") if a],
                "unit": row["unit"],
                "kind": row["kind"],
                "direction": row["direction"],
                "rank_by": row["rank_by"],
                "additive": row["additive"] == "1",
                "may_be_negative": row.get("may_be_negative", "") == "1",
                "decimals": int(row["decimals"]),
                "source": row["source"],
                "description": row["description"],
                "order": order * 10,
                "links": {name: row[name] for name in LINKS if row[name]},
            }
        )
    return out


def load_catalogue(indicator_model: Any, path: Path = CATALOGUE) -> int:
    """Create or update the built-in indicators; returns how many there are."""
    entries = read_catalogue(path)
    # A migration passes its historical model: it sets the fields that model has (0002 predates
    # ``may_be_negative``, which 0003 adds and fills).
    known = {f.name for f in indicator_model._meta.get_fields()}
    for entry in entries:
        fields = {k: v for k, v in entry.items() if k not in ("code", "links") and k in known}
        indicator_model.objects.update_or_create(code=entry["code"], defaults={**fields, "builtin": True})
    by_code = {i.code: i for i in indicator_model.objects.filter(code__in=[e["code"] for e in entries])}
    for entry in entries:
        indicator = by_code[entry["code"]]
        for name in LINKS:
            setattr(indicator, name, by_code.get(entry["links"].get(name, "")))
        indicator.save(update_fields=list(LINKS))
    return len(entries)
