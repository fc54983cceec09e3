"""Reference data: the occupation catalogue (load, find, propose a code from a title), a district's EmploymentSettings, township seats. Lane A."""

from __future__ import annotations
