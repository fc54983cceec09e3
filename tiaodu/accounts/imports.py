"""``tiaodu import users FILE``: a district's users from xlsx/CSV (新区县上线).

Columns 用户名, 姓名, 角色, 所属机构, 所属地区, 手机号. Each row is placed by
:func:`tiaodu.accounts.services.check_placement` (the rules of one user's creation) and saved by
``create_user`` / ``update_user``. A new user gets a generated one-time password and must change
it at first login; the passwords are written, after the import commits, to a file under
``DATA_DIR/onboarding/`` readable by the server's account only (mode 0600) — never to the log,
the import history or the audit entry, which hold only the file's path. An existing user (same
username) is updated; their password is not touched. Administrators only. See ADR 0027.
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tiaodu.accounts import services
from tiaodu.accounts.choices import Role
from tiaodu.accounts.models import User
from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import Column, ImportContext, Importer, Row, choice, register, text_of
from tiaodu.core.resolve import resolver_for
from tiaodu.orgs.imports import is_admin, resolver_in
from tiaodu.regions.choices import Level

ONBOARDING_DIR = "onboarding"
PASSWORD_HEADERS = ("用户名", "姓名", "角色", "初始密码")
COMPARED = ("role", "region_id", "organization_id", "full_name", "phone")


def _role_labels() -> dict[str, str]:
    return {str(label): str(value) for value, label in Role.choices}


def password_dir() -> Path:
    return Path(settings.DATA_DIR) / ONBOARDING_DIR


def new_password_path() -> Path:
    """A fresh file name under ``DATA_DIR/onboarding/`` (the directory is made 0700)."""
    folder = password_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return folder / f"users-{stamp}-{secrets.token_hex(3)}.csv"


def write_password_file(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    """Username, name, role and one-time password per line (UTF-8 with BOM for Excel), created
    with mode 0600 so that only the server's account (and root) can read it."""
    from tiaodu.core.exports import csv_writer

    out = io.StringIO()
    writer = csv_writer(out, verbatim=[3])  # names neutralised; the password kept exactly
    writer.writerow(PASSWORD_HEADERS)
    writer.writerows(rows)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(out.getvalue())
    os.chmod(path, 0o600)


@dataclass
class UserRow:
    username: str
    existing: User | None
    changes: dict[str, Any]  # role, region, organization, full_name, phone (present columns)


@register
class UserImporter(Importer):
    name = "users"
    title = "用户"
    model = User
    key_field = "username"
    denied_message = "只有系统管理员可以导入用户"
    columns = [
        Column(
            "用户名", "username", True, text_of(150), example="wz-fgw-li", note="3至150位字母、数字或 _ . @ -"
        ),
        Column("姓名", "full_name", parse=text_of(64), example="李明"),
        Column(
            "角色",
            "role",
            True,
            choice(_role_labels()),
            example="部门人员",
            note="系统管理员、区领导、部门人员、镇街人员、专班成员、企业用户、项目业主(或 admin、leader 等代码)",
            options=tuple(_role_labels()),
        ),
        Column(
            "所属机构",
            "organization",
            parse=text_of(128),
            aliases=("所属单位",),
            example="区发展改革委",
            note="机构名称、简称或机构代码;按所属地区所在区县查找",
        ),
        Column(
            "所属地区",
            "region",
            parse=text_of(64),
            example="500101",
            note="区划代码或名称:区领导、部门和专班人员为区县,镇街人员为镇或街道",
        ),
        Column("手机号", "phone", parse=text_of(32), aliases=("手机号码",), example="13800000000"),
    ]
    notes = [
        "按用户名更新已有用户(姓名、角色、所属机构、所属地区、手机号),不改变其密码。",
        "新用户的初始密码由系统生成,写入仅管理员可读的文件(命令行显示其路径,导入页面提供一次性下载);"
        "用户首次登录后须修改密码。",
        "所属地区用于在同名机构(如各区县的区发展改革委)中确定所属机构,请填写。",
    ]

    def allowed(self, actor: Any) -> bool:
        return is_admin(actor)

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        username = values.get("username") or ""
        try:
            username = services.check_username(username)
        except ServiceError as exc:
            ctx.service_error(row.number, exc)
        existing = (
            User.objects.select_related("region", "organization").filter(username__iexact=username).first()
        )
        region = existing.region if existing else None
        if "region" in values:
            region = None
            if values["region"]:
                try:
                    region = resolver_for(ctx).region(
                        values["region"],
                        levels=(Level.COUNTY, Level.TOWNSHIP),
                        field="region",
                        label="所属地区",
                    )
                except ServiceError as exc:
                    ctx.service_error(row.number, exc)
        organization = existing.organization if existing else None
        if "organization" in values:
            organization = None
            if values["organization"]:
                try:
                    organization = resolver_in(ctx, region).organization(
                        values["organization"], field="organization", label="所属机构"
                    )
                except ServiceError as exc:
                    ctx.service_error(row.number, exc)
        role = values.get("role")
        if row.number in ctx.bad_rows or not role:
            return
        try:
            region, organization = services.check_placement(role, region, organization)
        except ServiceError as exc:
            ctx.service_error(row.number, exc)
            return
        changes: dict[str, Any] = {"role": role, "region": region, "organization": organization}
        changes |= {k: values[k] for k in ("full_name", "phone") if k in values}
        row.data = UserRow(username, existing, changes)

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        seen: dict[str, int] = {}
        for row in rows:
            key = row.data.username.lower()
            if key in seen:
                ctx.error(row.number, "username", "duplicate_row", f"与第{seen[key]}行的用户名相同")
            else:
                seen[key] = row.number

    def save(self, ctx: ImportContext, row: Row) -> str:
        data: UserRow = row.data
        changes = data.changes
        if data.existing is None:
            created = services.create_user(
                ctx.actor,
                username=data.username,
                role=changes["role"],
                region=changes["region"],
                organization=changes["organization"],
                full_name=changes.get("full_name") or "",
                phone=changes.get("phone") or "",
                must_change_password=True,
            )
            user = created.user
            assert created.password is not None
            ctx.cache.setdefault("passwords", []).append(
                (user.username, user.full_name, str(user.get_role_display()), created.password)
            )
            return "created"
        user = data.existing
        after = {
            "role": changes["role"],
            "region_id": changes["region"].pk if changes["region"] else None,
            "organization_id": changes["organization"].pk if changes["organization"] else None,
            "full_name": changes.get("full_name", user.full_name),
            "phone": changes.get("phone", user.phone),
        }
        if all(getattr(user, f) == after[f] for f in COMPARED):
            return "unchanged"
        services.update_user(ctx.actor, user, **changes)
        return "updated"

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        super().write(ctx, rows)
        passwords: list[tuple[str, str, str, str]] = ctx.cache.pop("passwords", [])
        if not passwords or (ctx.errors and not ctx.partial):
            return  # nothing created, or the import is rolled back
        path = new_password_path()
        ctx.audit_data["password_file"] = str(path)
        ctx.audit_data["password_count"] = len(passwords)
        ctx.audit_data["notice"] = (
            f"{len(passwords)}个新用户的初始密码已写入 {path}(仅管理员可读;转交后请删除该文件)"
        )
        # Written once the users exist for sure: a rolled-back import leaves no file behind.
        transaction.on_commit(lambda: write_password_file(path, passwords))
