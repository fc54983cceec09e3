"""The one-time password download of a users import goes through the formula-safe writer: a
name from the imported file cannot reach Excel as a formula; the password stays exact (issue
13, item 1)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tiaodu.accounts.models import User
from tiaodu.core.imports import write_xlsx
from tiaodu.orgs.samples import ORGANISATION_HEADERS, USER_HEADERS

HOSTILE = "-2+3+cmd|' /C calc'!A0"  # a text cell in the xlsx (an '=' cell would be a formula)


@pytest.mark.django_db
def test_password_file_download_is_neutralised(
    users: dict[str, Any], client_for: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    orgs = tmp_path / "orgs.xlsx"
    write_xlsx(orgs, [ORGANISATION_HEADERS, ("万州区人民政府", "区政府", "党政机关", "500101", "", "")])
    people = tmp_path / "users.xlsx"
    write_xlsx(people, [USER_HEADERS, ("wz-evil", HOSTILE, "区领导", "万州区人民政府", "500101", "")])
    admin = client_for(users["admin"])
    with orgs.open("rb") as fh:
        assert admin.post("/orgs/onboarding/import/organisations/", {"file": fh}).status_code == 200
    with people.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        page = admin.post("/orgs/onboarding/import/users/", {"file": fh})
    assert User.objects.get(username="wz-evil").full_name == HOSTILE
    download = admin.get(f"/orgs/onboarding/passwords/{page.context['result'].batch.pk}/")
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert header == ["用户名", "姓名", "角色", "初始密码"]
    assert row[1] == "'" + HOSTILE
    assert User.objects.get(username="wz-evil").check_password(row[3])
