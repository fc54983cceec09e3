"""One name resolver for every importer, form and API that accepts a name (ADR 0026).

Several districts share names: every district has a 区发展改革委 and a 区经济信息委, and
townships such as 兴隆镇 exist in four districts of Chongqing. A :class:`Resolver` turns what a
person typed into one row, by the same rule for every kind of thing:

1. the exact code: region code, organisation code, 统一社会信用代码 (checksum-checked), project
   code, username;
2. within the actor's district (its county-level region; else the region
   ``settings.HOME_REGION_CODE``): the full name, then the short name;
3. in the whole deployment, when unique: the full name, then the short name.

"Full" and "short" are per kind: an organisation's 名称 and 简称; a region's qualified name
(重庆市南川区兴隆镇, 南川区兴隆镇) and its own name (兴隆镇); a user's username is the code and
the 姓名 the name; enterprises and projects have a code and one name.

Candidates are never truncated. An ambiguous name is refused with ``<kind>_ambiguous`` naming the
candidates' districts (责任单位“区发展改革委”不唯一(潼南区、大渡口区、万州区各有一个),请填写全称或在本区县导入);
an unknown one with ``<kind>_unknown``. Each Resolver remembers every answer (and every refusal),
so an import asks the database once per distinct name, never once per row: importers share one
Resolver per run through :func:`resolver_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q

from tiaodu.core.errors import ServiceError, invalid
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.core.imports import ImportContext
    from tiaodu.enterprises.models import Enterprise
    from tiaodu.projects.models import Project

# Names of the code table's grouping nodes, left out of qualified region names (重庆市潼南区, not
# 重庆市市辖区潼南区).
_GROUPING = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def _codes(path: str) -> list[str]:
    return [c for c in (path or "").split("/") if c]


def actor_district(actor: Any) -> Region | None:
    """The actor's district: the county-level ancestor (or self) of the actor's region, or of
    their organisation's region; else the home region (``settings.HOME_REGION_CODE``)."""
    region = getattr(actor, "region", None) if actor is not None else None
    if region is None and actor is not None:
        org = getattr(actor, "organization", None)
        region = getattr(org, "region", None)
    if region is not None and region.level >= Level.COUNTY:
        return district_of(region)
    return Region.objects.filter(code=settings.HOME_REGION_CODE).first()


def district_of(region: Region) -> Region:
    """The county-level region a region belongs to (itself for a county or anything above)."""
    from tiaodu.regions.services import county_of

    return county_of(region) or region


@dataclass(frozen=True)
class _Candidate:
    obj: Any
    full: str  # the full name (organisation 名称, a region's qualified name …)
    short: str  # the short name (简称, a region's own name); "" when the kind has none
    path: str  # the region path the candidate belongs to (for "within the district")


# Memoised answers: the object, or the refusal to raise again.
_Answer = Any


class Resolver:
    """Resolves names for one actor (one import run, one request). See the module docstring."""

    def __init__(self, actor: User | None = None, district: Region | None = None) -> None:
        self.actor = actor
        self._district = district
        self._district_known = district is not None
        self._memo: dict[tuple[Any, ...], _Answer] = {}
        self._place_names: dict[str, str] = {}

    @property
    def district(self) -> Region | None:
        """The district whose names come first (looked up on first use)."""
        if not self._district_known:
            self._district, self._district_known = actor_district(self.actor), True
        return self._district

    # --- the rule ---------------------------------------------------------------------------

    def _remember(self, key: tuple[Any, ...], resolve: Callable[[], Any]) -> Any:
        if key not in self._memo:
            try:
                self._memo[key] = resolve()
            except ServiceError as exc:
                self._memo[key] = exc
        answer = self._memo[key]
        if isinstance(answer, ServiceError):
            raise answer.with_traceback(None)  # not a traceback growing with every row
        return answer

    def _local(self, path: str) -> bool:
        return self.district is not None and path.startswith(self.district.path)

    def pick(
        self,
        ref: str,
        candidates: Sequence[_Candidate],
        *,
        kind: str,
        field: str,
        label: str,
        hint: str,
    ) -> Any:
        """Full name then short name within the district, then full then short name anywhere;
        raises ``<kind>_ambiguous`` (naming the districts) or ``<kind>_unknown``."""
        local = [c for c in candidates if self._local(c.path)]
        for pool in (local, candidates):
            for attr in ("full", "short"):
                found = [c for c in pool if getattr(c, attr) and getattr(c, attr) == ref]
                if len(found) == 1:
                    return found[0].obj
                if found:
                    raise invalid(
                        field, f"{kind}_ambiguous", f"{label}“{ref}”不唯一({self.districts_of(found)}),{hint}"
                    )
        raise invalid(field, f"{kind}_unknown", f"{label}“{ref}”不存在")

    def districts_of(self, candidates: Sequence[_Candidate]) -> str:
        """ "潼南区、大渡口区、万州区各有一个" or "潼南区2个、大渡口区1个" (in the candidates' order)."""
        places = [self._place_code(c.path) for c in candidates]
        missing = {p for p in places if p not in self._place_names}
        if missing:
            self._place_names.update(Region.objects.filter(code__in=missing).values_list("code", "name"))
        counts: dict[str, int] = {}
        for code in places:
            name = self._place_names.get(code, code or "未知地区")
            counts[name] = counts.get(name, 0) + 1
        if all(n == 1 for n in counts.values()):
            return "、".join(counts) + ("各有一个" if len(counts) > 1 else "有多个")
        return "、".join(f"{name}{n}个" for name, n in counts.items())

    @staticmethod
    def _place_code(path: str) -> str:
        """The county code in a region path (6 digits not ending in 00), else its last code."""
        codes = _codes(path)
        for code in codes:
            if len(code) == 6 and not code.endswith("00"):
                return code
        return codes[-1] if codes else ""

    # --- regions ----------------------------------------------------------------------------

    def region(
        self, ref: str, *, levels: tuple[int | str, ...] = (), field: str = "region", label: str = "地区"
    ) -> Region:
        """A region by code (2–12 digits, the short forms ``regions.services.normalize_code``
        accepts) or by name: its qualified name (南川区兴隆镇, 重庆市南川区兴隆镇) or its own
        name (兴隆镇). Any level unless ``levels`` is given."""
        return self._region(ref, levels, field, label, "region")

    def township(self, ref: str, *, field: str = "township", label: str = "镇街") -> Region:
        """A township (镇/街道/乡) by 9-digit code or name."""
        return self._region(ref, (Level.TOWNSHIP,), field, label, "township")

    def _region(self, ref: str, levels: tuple[int | str, ...], field: str, label: str, kind: str) -> Region:
        ref = (ref or "").strip()
        wanted = tuple(_level(level) for level in levels)
        key = ("region", ref, wanted, field, label, kind)
        found: Region = self._remember(key, lambda: self._find_region(ref, wanted, field, label, kind))
        return found

    def _find_region(self, ref: str, levels: tuple[int, ...], field: str, label: str, kind: str) -> Region:
        from tiaodu.regions.services import normalize_code

        qs = Region.objects.all()
        if levels:
            qs = qs.filter(level__in=levels)
        if ref.isdigit():
            try:
                code = normalize_code(ref)
            except ServiceError:
                code = ref
            found = qs.filter(code=code).first()
            if found is None:
                raise invalid(field, f"{kind}_unknown", f"{label}“{ref}”不存在(区划代码)")
            return found
        # The name itself, or a qualified name ending with it: one query over the suffixes.
        suffixes = {ref[i:] for i in range(max(1, len(ref) - 1))}
        matches = list(qs.filter(name__in=suffixes).order_by("pk"))
        qualified = self._qualified_names(matches) if any(r.name != ref for r in matches) else {}
        candidates = [
            _Candidate(r, ref if ref in qualified.get(r.pk, ()) else "", r.name, r.path)
            for r in matches
            if r.name == ref or ref in qualified.get(r.pk, ())
        ]
        region: Region = self.pick(
            ref, candidates, kind=kind, field=field, label=label, hint="请填写区划代码或在本区县导入"
        )
        return region

    def _qualified_names(self, regions: Sequence[Region]) -> dict[int, set[str]]:
        """Each region's names with its ancestors' in front (潼南区古溪镇, 重庆市潼南区古溪镇)."""
        codes = {c for r in regions for c in _codes(r.path)}
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        out: dict[int, set[str]] = {}
        for r in regions:
            chain = [names.get(c, "") for c in _codes(r.path) if c != r.code]
            chain = [n for n in chain if n and n not in _GROUPING and n != "中华人民共和国"]
            out[r.pk] = {"".join(chain[i:]) + r.name for i in range(len(chain))}
        return out

    # --- organisations ----------------------------------------------------------------------

    def organization(
        self,
        ref: str,
        *,
        kinds: tuple[str, ...] = (),
        field: str = "organization",
        label: str = "机构",
        active_only: bool = True,
    ) -> Organization:
        """An organisation by code, full name (名称) or short name (简称), of the given kinds."""
        ref = (ref or "").strip()
        kinds = tuple(str(k) for k in kinds)
        key = ("organization", ref, kinds, field, label, active_only)
        found: Organization = self._remember(
            key, lambda: self._find_org(ref, kinds, field, label, active_only)
        )
        return found

    def _find_org(
        self, ref: str, kinds: tuple[str, ...], field: str, label: str, active_only: bool
    ) -> Organization:
        if not ref:
            raise invalid(field, "organization_unknown", f"{label}不能为空")
        qs = Organization.objects.select_related("region").filter(
            Q(name=ref) | Q(short_name=ref) | Q(code=ref)
        )
        if kinds:
            qs = qs.filter(kind__in=kinds)
        if active_only:
            qs = qs.filter(is_active=True)
        matches = list(qs.order_by("pk"))
        for org in matches:
            if org.code and org.code == ref:
                return org
        candidates = [_Candidate(o, o.name, o.short_name, o.region.path) for o in matches]
        org_found: Organization = self.pick(
            ref,
            candidates,
            kind="organization",
            field=field,
            label=label,
            hint="请填写全称或在本区县导入",
        )
        return org_found

    # --- users ------------------------------------------------------------------------------

    def user(self, ref: str, *, field: str = "user", label: str = "用户") -> User:
        """An active user by username, then by 姓名 (the district first, as everywhere)."""
        ref = (ref or "").strip()
        found: User = self._remember(("user", ref, field, label), lambda: self._find_user(ref, field, label))
        return found

    def _find_user(self, ref: str, field: str, label: str) -> User:
        from tiaodu.accounts.models import User

        matches = list(
            User.objects.select_related("region", "organization__region")
            .filter(Q(username=ref) | Q(full_name=ref), is_active=True)
            .order_by("pk")
        )
        for user in matches:
            if user.username == ref:
                return user
        candidates = [_Candidate(u, u.full_name, "", _user_path(u)) for u in matches]
        try:
            user_found: User = self.pick(
                ref, candidates, kind="user", field=field, label=label, hint="请填写用户名"
            )
        except ServiceError as exc:
            if exc.errors and exc.errors[0].code == "user_unknown":
                raise invalid(
                    field, "user_unknown", f"{label}“{ref}”不是系统中的有效用户(请填写用户名或姓名)"
                ) from None
            raise
        return user_found

    # --- enterprises ------------------------------------------------------------------------

    def enterprise(self, ref: str, *, field: str = "enterprise", label: str = "企业") -> Enterprise:
        """An enterprise by 统一社会信用代码 (a cell without Chinese characters is taken as a
        code and its check digit verified: ``credit_code_length`` / ``credit_code_invalid``), or by
        name."""
        ref = (ref or "").strip()
        found: Enterprise = self._remember(
            ("enterprise", ref, field, label), lambda: self._find_enterprise(ref, field, label)
        )
        return found

    def _find_enterprise(self, ref: str, field: str, label: str) -> Enterprise:
        from tiaodu.enterprises.models import Enterprise

        qs = Enterprise.objects.select_related("organization", "township")
        if looks_like_code(ref):
            code = credit_code(ref, field)
            found = qs.filter(credit_code=code).first()
            if found is None:
                raise invalid(field, "enterprise_unknown", f"统一社会信用代码“{code}”对应的企业不存在")
            return found
        candidates = [_Candidate(e, e.name, "", e.township.path) for e in qs.filter(name=ref).order_by("pk")]
        enterprise: Enterprise = self.pick(
            ref, candidates, kind="enterprise", field=field, label=label, hint="请填写统一社会信用代码"
        )
        return enterprise

    # --- projects ---------------------------------------------------------------------------

    def project(self, ref: str, *, field: str = "project", label: str = "项目") -> Project:
        """A project by 项目代码, then by 项目名称 (the district first)."""
        ref = (ref or "").strip()
        found: Project = self._remember(
            ("project", ref, field, label), lambda: self._find_project(ref, field, label)
        )
        return found

    def _find_project(self, ref: str, field: str, label: str) -> Project:
        from tiaodu.projects.models import Project

        matches = list(
            Project.objects.select_related("township").filter(Q(code=ref) | Q(name=ref)).order_by("pk")
        )
        for project in matches:
            if project.code and project.code == ref:
                return project
        candidates = [_Candidate(p, p.name, "", p.township.path) for p in matches]
        found: Project = self.pick(
            ref, candidates, kind="project", field=field, label=label, hint="请填写项目代码"
        )
        return found


def _level(level: int | str) -> int:
    """A region level as stored: ``Level.TOWNSHIP``, 4, "4" or "township"."""
    if isinstance(level, str) and not level.isdigit():
        return int(Level[level.upper()])
    return int(level)


def _user_path(user: User) -> str:
    if user.region is not None:
        return user.region.path
    if user.organization is not None:
        return user.organization.region.path
    return ""


def looks_like_code(ref: str) -> bool:
    """Is this cell meant as a 统一社会信用代码 (ASCII letters and digits only) rather than a name?"""
    return bool(ref) and ref.isascii() and ref.replace(" ", "").isalnum()


def credit_code(raw: str, field: str = "credit_code") -> str:
    """A 统一社会信用代码 (GB 32100-2015), upper-cased, its check digit verified."""
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError as StdnumError

    code = (raw or "").strip().upper()
    try:
        return str(uscc.validate(code))
    except StdnumError:
        if len(code) != 18:
            raise invalid(field, "credit_code_length", "统一社会信用代码应为18位") from None
        raise invalid(field, "credit_code_invalid", f"统一社会信用代码“{code}”校验位不正确") from None


def township_of(ref: str | Region, actor: User | None = None, district: Region | None = None) -> Region:
    """What a service accepts as a township: a Region (checked to be one) or a code or name,
    resolved for ``actor`` (their district first; ``district`` overrides it)."""
    if isinstance(ref, Region):
        if ref.level != Level.TOWNSHIP:
            raise invalid("township", "township_unknown", "所属镇街必须是镇或街道")
        return ref
    return Resolver(actor, district).township(ref)


def resolver_for(ctx: ImportContext) -> Resolver:
    """The import run's Resolver (built from ``ctx.actor`` once, kept in ``ctx.cache``)."""
    found = ctx.cache.get("resolver")
    if found is None:
        found = ctx.cache["resolver"] = Resolver(ctx.actor)
    resolver: Resolver = found
    return resolver
