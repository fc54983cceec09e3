"""Template hygiene that Django does not check itself."""

from __future__ import annotations

from pathlib import Path

import tiaodu

ROOT = Path(tiaodu.__file__).parent


def test_no_template_has_a_multi_line_short_comment() -> None:
    """``{# … #}`` must close on its line: Django renders a multi-line one as page text (a map page
    showed its own comment, and a timeline include rendered a second element with its id)."""
    found = []
    for path in ROOT.rglob("templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2 :]
                if "#}" not in rest:
                    found.append(f"{path.relative_to(ROOT)}:{number}")
                    break
                rest = rest[rest.index("#}") + 2 :]
    assert found == []
