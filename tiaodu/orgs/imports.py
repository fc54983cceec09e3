"""``tiaodu import organisations FILE``: a district's organisations from xlsx/CSV (新区县上线).

Columns 名称, 简称, 类型, 所属地区 (区划代码 or name), 上级机构, 负责人. Upserts by 名称 within the
region (the same kind preferred when a region has two units of one name), so importing the same
file again changes nothing. 上级机构 may name another row of the file (earlier or later, by 名称
or 简称; the row's own district first) or an organisation already registered; rows are written
parents first. Every row goes through :mod:`tiaodu.orgs.services` (kind and region level, unique
code and name, no cycle of parents). Administrators only. See ADR 0027.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tiaodu.core.errors import ServiceError, invalid
from tiaodu.core.imports import Column, ImportContext, Importer, Row, choice, register, text_of
from tiaodu.core.resolve import Resolver, resolver_for
from tiaodu.orgs import services
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.regions.services import county_of

# Enterprises are registered with their registry record by ``tiaodu import enterprises``.
IMPORT_KINDS = (
    OrgKind.GOVERNMENT,
    OrgKind.DEPARTMENT,
    OrgKind.TOWN,
    OrgKind.SQUAD,
    OrgKind.OWNER,
    OrgKind.OTHER,
)
COMPARED = ("name", "short_name", "kind", "region_id", "parent_id", "leader_id")


def is_admin(actor: Any) -> bool:
    """Onboarding imports are for administrators (and the server operator, ``None``)."""
    from tiaodu.accounts.choices import Role

    return actor is None or bool(actor.is_superuser) or actor.role == Role.ADMIN


def district_of(region: Region | None) -> Region | None:
    """The county-level region a region lies in (itself for a county), else None."""
    return county_of(region) if region is not None else None


def resolver_in(ctx: ImportContext, region: Region | None) -> Resolver:
    """The Resolver for names of a row placed in ``region``: that row's district first (a file
    may hold several districts); the import's own Resolver when the row names no region."""
    district = district_of(region)
    if district is None:
        return resolver_for(ctx)
    resolvers: dict[int, Resolver] = ctx.cache.setdefault("district_resolvers", {})
    if district.pk not in resolvers:
        resolvers[district.pk] = Resolver(ctx.actor, district=district)
    return resolvers[district.pk]


def _kind_labels() -> dict[str, str]:
    return {str(OrgKind(k).label): str(k) for k in IMPORT_KINDS}


@dataclass
class OrgRow:
    fields: dict[str, Any]  # name, short_name, kind, region, leader (when its column is present)
    existing: Organization | None
    district: Region | None
    parent_ref: str | None  # None: the column is absent; "": no parent
    parent: Organization | None = None  # a registered organisation
    parent_row: int | None = None  # or another row of the file
    labels: set[str] = field(default_factory=set)


@register
class OrganisationImporter(Importer):
    name = "organisations"
    title = "组织机构"
    model = Organization
    key_field = "name"
    denied_message = "只有系统管理员可以导入组织机构"
    field_headers = {"code": "名称", "region_id": "所属地区", "parent_id": "上级机构", "leader_id": "负责人"}
    columns = [
        Column(
            "名称", "name", True, text_of(128), example="区发展改革委", note="机构全称;同一地区内按名称更新"
        ),
        Column("简称", "short_name", parse=text_of(32), example="发改委"),
        Column(
            "类型",
            "kind",
            True,
            choice(_kind_labels()),
            example="区级部门",
            note="党政机关、区级部门、镇街、服务专班、项目业主或其他;企业请用企业名录导入",
            options=tuple(_kind_labels()),
        ),
        Column(
            "所属地区",
            "region",
            True,
            text_of(64),
            example="500101",
            note="区划代码或名称:区级部门、党政机关、专班为区县,镇街为镇或街道",
        ),
        Column(
            "上级机构",
            "parent",
            parse=text_of(128),
            example="",
            note="本文件中另一行或系统中已有机构的名称或简称(本区县优先)",
        ),
        Column("负责人", "leader", parse=text_of(64), example="", note="用户名或姓名,可留空"),
    ]
    notes = [
        "同一地区内按“名称”更新已有机构;重复导入同一文件不会产生变化。",
        "上级机构可以是本文件中前面或后面的行,导入时先写入上级机构。",
        "负责人须是已有用户;新区县可先导入机构,导入用户后再补充负责人并重新导入。",
    ]

    def allowed(self, actor: Any) -> bool:
        return is_admin(actor)

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        names: dict[str, list[int]] = ctx.cache.setdefault("all_names", {})
        for label in (values.get("name"), values.get("short_name")):
            if label:
                names.setdefault(label, []).append(row.number)
        region = None
        if values.get("region"):
            try:
                region = resolver_for(ctx).region(
                    values["region"], levels=(Level.COUNTY, Level.TOWNSHIP), field="region", label="所属地区"
                )
            except ServiceError as exc:
                ctx.service_error(row.number, exc)
        fields: dict[str, Any] = {k: values[k] for k in ("name", "short_name", "kind") if k in values}
        if region is not None:
            fields["region"] = region
        if "leader" in values:
            fields["leader"] = None
            if values["leader"]:
                try:
                    fields["leader"] = resolver_in(ctx, region).user(
                        values["leader"], field="leader", label="负责人"
                    )
                except ServiceError as exc:
                    ctx.service_error(row.number, exc)
        if row.number in ctx.bad_rows or not {"name", "kind", "region"} <= fields.keys():
            return
        existing = self._existing(region, fields["name"], fields["kind"])  # type: ignore[arg-type]
        # The service's rules, checked now so that every bad row is listed (the parent is
        # checked across rows in check_rows, and by the service again when saving).
        probe = Organization.objects.get(pk=existing.pk) if existing else Organization()
        for name, value in fields.items():
            setattr(probe, name, value)
        probe.parent = None
        try:
            services.validate_organization(probe)
        except ServiceError as exc:
            ctx.service_error(row.number, exc)
            return
        row.data = OrgRow(
            fields,
            existing,
            district_of(region),
            values.get("parent") if "parent" in values else None,
            labels={fields["name"], *([fields["short_name"]] if fields.get("short_name") else [])},
        )

    @staticmethod
    def _existing(region: Region, name: str, kind: str) -> Organization | None:
        found = list(Organization.objects.filter(region=region, name=name))
        same_kind = [o for o in found if o.kind == kind]
        candidates = same_kind or found
        return candidates[0] if candidates else None

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        seen: dict[tuple[int, str], int] = {}
        for row in rows:
            data: OrgRow = row.data
            key = (data.fields["region"].pk, data.fields["name"])
            if key in seen:
                ctx.error(row.number, "name", "duplicate_row", f"与第{seen[key]}行是同一机构(同一地区同名)")
            else:
                seen[key] = row.number
        good = [r for r in rows if r.number not in ctx.bad_rows]
        for row in good:
            self._link_parent(ctx, row, good)
        self._check_cycles(ctx, [r for r in good if r.number not in ctx.bad_rows])

    def _link_parent(self, ctx: ImportContext, row: Row, rows: list[Row]) -> None:
        data: OrgRow = row.data
        ref = data.parent_ref
        if not ref:
            return
        in_file = [r for r in rows if ref in r.data.labels and r.data.district == data.district]
        if len(in_file) > 1:
            listed = "、".join(f"第{r.number}行" for r in in_file)
            ctx.error(
                row.number, "parent", "organization_ambiguous", f"上级机构“{ref}”在本文件中不唯一({listed})"
            )
            return
        if in_file:
            if in_file[0].number == row.number:
                ctx.error(row.number, "parent", "organization_cycle", "上级机构不能是本机构")
            else:
                data.parent_row = in_file[0].number
            return
        try:
            parent = resolver_in(ctx, data.fields["region"]).organization(
                ref, field="parent", label="上级机构"
            )
        except ServiceError as exc:
            bad = [n for n in ctx.cache.get("all_names", {}).get(ref, []) if n in ctx.bad_rows]
            if bad and exc.errors and exc.errors[0].code == "organization_unknown":
                ctx.error(row.number, "parent", "parent_row_invalid", f"上级机构“{ref}”(第{bad[0]}行)有错误")
            else:
                ctx.service_error(row.number, exc)
            return
        # A registered organisation that a row of this file updates is linked to that row.
        updating = [r for r in rows if r.data.existing is not None and r.data.existing.pk == parent.pk]
        if updating and updating[0].number == row.number:
            ctx.error(row.number, "parent", "organization_cycle", "上级机构不能是本机构")
        elif updating:
            data.parent_row = updating[0].number
        else:
            data.parent = parent

    @staticmethod
    def _check_cycles(ctx: ImportContext, rows: list[Row]) -> None:
        by_number = {r.number: r for r in rows}
        order: list[int] = []
        state: dict[int, int] = {}  # 1 visiting, 2 done

        def visit(number: int, trail: list[int]) -> bool:
            if state.get(number) == 2:
                return True
            if state.get(number) == 1:
                loop = trail[trail.index(number) :]
                listed = "、".join(f"第{n}行" for n in loop)
                for n in loop:
                    ctx.error(n, "parent", "organization_cycle", f"上级机构形成循环({listed})")
                return False
            state[number] = 1
            parent_row = by_number[number].data.parent_row
            ok = parent_row is None or parent_row not in by_number or visit(parent_row, [*trail, number])
            state[number] = 2
            order.append(number)
            return ok

        for number in by_number:
            visit(number, [])
        ctx.cache["order"] = order  # parents before their children

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        position = {n: i for i, n in enumerate(ctx.cache.get("order", []))}
        super().write(ctx, sorted(rows, key=lambda r: position.get(r.number, r.number)))

    def save(self, ctx: ImportContext, row: Row) -> str:
        data: OrgRow = row.data
        saved: dict[int, Organization] = ctx.cache.setdefault("saved", {})
        values = dict(data.fields)
        if data.parent_ref is not None:
            values["parent"] = data.parent
            if data.parent_row is not None:
                if data.parent_row not in saved:
                    raise invalid("parent", "parent_row_invalid", f"上级机构(第{data.parent_row}行)未能导入")
                values["parent"] = saved[data.parent_row]
        if data.existing is None:
            org = services.create_organization(ctx.actor, **values)
            saved[row.number] = org
            return "created"
        before = Organization.objects.get(pk=data.existing.pk)
        probe = Organization.objects.get(pk=data.existing.pk)
        for name, value in values.items():
            setattr(probe, name, value)
        saved[row.number] = before
        if all(getattr(probe, f) == getattr(before, f) for f in COMPARED):
            return "unchanged"
        saved[row.number] = services.update_organization(ctx.actor, data.existing.pk, **values)
        return "updated"
