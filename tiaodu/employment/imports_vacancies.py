"""Import ``vacancies``. Lane C."""

from __future__ import annotations
