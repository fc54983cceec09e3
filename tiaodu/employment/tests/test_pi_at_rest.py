"""Done-when of issue 16: personal data is encrypted in the database file. Jobseekers come in by
every door — the service, the import (one good file, one refused with a bad checksum), the
reveal, a withdrawal — and then the whole database, every table (change log, security events,
import batches with their row errors included), is read back, and it must not hold
an ID number or a phone in the clear. (Every table is read through the test's connection, on
SQLite and on PostgreSQL alike.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from tiaodu.core.imports import run_import, write_xlsx
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment import idcard, jobseekers
from tiaodu.employment.tests.factories import staff

pytestmark = pytest.mark.django_db
GUXI = "500152103"


def test_no_id_number_or_phone_in_the_database_file(tmp_path: Path, users: dict) -> None:
    actor = staff(TONGNAN)
    one = idcard.make("500152", date(1988, 8, 8), 321)
    two = idcard.make("500152", date(1979, 1, 23), 444)
    bad = two[:17] + ("0" if two[17] != "0" else "1")  # a wrong check digit
    phones = ("13987650001", "13987650002")
    row, _created = jobseekers.register(
        actor, township="古溪镇", name="赵六", id_number=one, phone=phones[0], registered_on=date(2022, 2, 9)
    )
    header = ["姓名", "身份证号", "手机号", "所属镇街", "登记日期"]
    good = tmp_path / "good.xlsx"
    write_xlsx(good, [header, ["钱七", two, phones[1], "古溪镇", "2022-02-10"]])
    assert run_import("jobseekers", good, actor=actor).ok
    refused = tmp_path / "bad.xlsx"
    write_xlsx(refused, [header, ["孙八", bad, "13987650003", "古溪镇", "2022-02-11"]])
    result = run_import("jobseekers", refused, actor=actor)
    assert not result.ok and "id_number_checksum" in " ".join(result.error_lines()) + str(result.errors)
    assert jobseekers.reveal(actor, row, "id") == one  # audited, value not logged
    jobseekers.register(actor, township="古溪镇", name="赵六", id_number=one, phone="13987650009")  # merge

    # Every row of every table of the database, as the database holds it (the test's own
    # connection sees the test's rows): the change log, security events, import batches and their
    # row errors included.
    parts: list[str] = []
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    data = "\n".join(parts).encode()
    assert "employment_jobseeker" in tables and one[:4].encode() in data  # masks are there
    for secret in (one, two, *phones, "13987650009"):
        assert secret.encode() not in data, f"{secret[:4]}… found in the database file"
    # The refused row's number is not kept in clear either (its error names row and reason only).
    assert bad.encode() not in data
