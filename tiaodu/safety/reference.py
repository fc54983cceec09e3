"""Reference data of the work-safety app: a district's sectors (行业领域) with their supervising
departments (三管三必须), the seeded checklists (检查表, with the 重大事故隐患判定 items), the
district's settings and the two hazard case categories.

:func:`ensure_defaults` is idempotent and cheap once a district is set up (a handful of queries),
so services, importers, the demo and tests may call it freely. It never overwrites what a district
changed: an existing sector keeps its name, department and checklist; only a sector without a
department gets one when the department has been registered since.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q

from tiaodu.core import resolve
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, ServiceError, invalid
from tiaodu.core.permissions import Action, can, ensure_permitted, get_scoped
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.safety.choices import DEFAULT_SECTORS, WORKFLOW, HazardGrade
from tiaodu.safety.models import ChecklistItem, SafetySettings, Sector

# The two hazard categories on the case engine: code → (time limit in working days, order).
HAZARD_CATEGORIES: dict[str, int] = {HazardGrade.GENERAL: 10, HazardGrade.MAJOR: 30}


@dataclass(frozen=True)
class SeedItem:
    text: str
    basis: str = ""
    major: bool = False  # a 重大事故隐患判定标准 item


_GM = "《工贸企业重大事故隐患判定标准》(应急管理部令第10号)"
_HC = "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准(试行)》"
_FW = "《烟花爆竹生产经营单位重大生产安全事故隐患判定标准(试行)》"
_MN = "《金属非金属矿山重大事故隐患判定标准》"
_JZ = "《房屋市政工程生产安全重大事故隐患判定标准(2022版)》"
_RQ = "《城镇燃气经营安全重大隐患判定标准》"
_XF = "《重大火灾隐患判定方法》(GB 35181)"
_DL = "《道路运输企业和城市客运企业安全生产重大事故隐患判定标准(试行)》"
_SS = "《水上客运重大事故隐患判定指南》"
_TZ = "《特种设备安全法》"
_SL = "《水利工程生产安全重大事故隐患清单指南》"
_MB = "《民用爆炸物品生产、销售企业安全生产重大事故隐患判定标准》"
_LAW = "《安全生产法》"

_DUTY = SeedItem("建立并落实全员安全生产责任制和安全生产规章制度", f"{_LAW}第四条")
_TRAIN = SeedItem("从业人员经安全生产教育和培训合格后上岗", f"{_LAW}第二十八条")
_PLAN = SeedItem("制定生产安全事故应急救援预案并定期演练", f"{_LAW}第八十一条")
_CARDS = SeedItem("岗位风险清单、岗位职责清单、岗位操作卡、岗位应急处置卡(两单两卡)上墙并落实", "")

# Each sector's seeded checklist (code of DEFAULT_SECTORS → items, numbered 01, 02 … in order).
SEED_CHECKLISTS: dict[str, tuple[SeedItem, ...]] = {
    "hazchem": (
        SeedItem("主要负责人和安全生产管理人员依法经考核合格", _HC, True),
        SeedItem("涉及重点监管危险化工工艺的装置实现自动化控制,紧急停车系统投入使用", _HC, True),
        SeedItem("构成一级、二级重大危险源的危险化学品罐区实现紧急切断功能", _HC, True),
        SeedItem("全压力式液化烃储罐按国家标准设置注水措施", _HC, True),
        _DUTY,
        SeedItem("危险化学品储存场所设置明显的安全警示标志", "《危险化学品安全管理条例》"),
    ),
    "mining": (
        SeedItem("安全出口符合国家标准、行业标准和设计要求", _MN, True),
        SeedItem("露天采场按设计形成台阶,边坡角不超过设计要求", _MN, True),
        SeedItem("排土场、尾矿库按设计运行,无超量排放", _MN, True),
        _TRAIN,
        _PLAN,
    ),
    "fireworks": (
        SeedItem("主要负责人、安全生产管理人员依法经考核合格", _FW, True),
        SeedItem("零售点未与居民居住场所设置在同一建筑物内,零售场所无明火", _FW, True),
        SeedItem("仓库储存量不超过核定药量", _FW, True),
        _DUTY,
    ),
    "industry": (
        SeedItem(
            "粉尘爆炸危险场所未设置在非框架结构的多层建(构)筑物内,场所内无员工宿舍、办公室、休息室等人员聚集场所",
            _GM,
            True,
        ),
        SeedItem("不同类别的可燃性粉尘、不同防火分区未共用一套除尘系统,除尘系统未互联互通", _GM, True),
        SeedItem("干式除尘系统采取泄爆、惰化、抑爆等爆炸防控措施", _GM, True),
        SeedItem("有限空间作业场所已辨识并设置明显的安全警示标志", _GM, True),
        SeedItem("会议室、休息室等人员聚集场所未设置在铁水、钢水与液渣吊运影响范围内", _GM, True),
        _DUTY,
        _CARDS,
    ),
    "construction": (
        SeedItem("施工单位主要负责人、项目负责人、专职安全生产管理人员取得安全生产考核合格证书", _JZ, True),
        SeedItem("建筑施工特种作业人员取得特种作业人员操作资格证书上岗", _JZ, True),
        SeedItem("危险性较大的分部分项工程编制、审核专项施工方案,超规模的经专家论证", _JZ, True),
        SeedItem("基坑未超挖,基坑周边未超载堆放", _JZ, True),
        SeedItem("起重机械安装、拆卸、顶升加节、附着前编制专项施工方案并经验收", _JZ, True),
        SeedItem("施工现场临边、洞口防护到位", "《建筑施工安全检查标准》(JGJ 59)"),
    ),
    "road": (
        SeedItem("取得道路运输经营许可,未擅自从事道路运输经营", _DL, True),
        SeedItem("未使用不符合规定的车辆从事危险货物运输", _DL, True),
        SeedItem("营运车辆卫星定位装置正常使用并实施动态监控", _DL),
        SeedItem("驾驶员取得相应从业资格", "《道路运输条例》"),
    ),
    "water_transport": (
        SeedItem("客船未超载、未超航区航行", _SS, True),
        SeedItem("恶劣天气等不具备安全航行条件时未冒险开航", _SS, True),
        SeedItem("船舶配备足额适任船员", "《内河交通安全管理条例》"),
        SeedItem("救生、消防设备配备齐全有效", "《内河交通安全管理条例》"),
    ),
    "gas": (
        SeedItem("燃气经营者取得燃气经营许可证", _RQ, True),
        SeedItem("瓶装液化石油气未充装、销售非自有气瓶、过期或报废气瓶", _RQ, True),
        SeedItem("餐饮等商业用户用气场所安装可燃气体报警装置", _RQ, True),
        SeedItem("燃气管道未被建(构)筑物占压", _RQ, True),
        SeedItem("燃气设施安全警示标志齐全", "《城镇燃气管理条例》"),
    ),
    "fire": (
        SeedItem("人员密集场所安全出口数量、宽度符合国家标准", _XF, True),
        SeedItem("未在人员密集场所违规设置员工宿舍(三合一场所)", _XF, True),
        SeedItem("自动消防设施完好有效", _XF, True),
        SeedItem("疏散通道、安全出口畅通,未锁闭、堵塞", "《消防法》第二十八条"),
        SeedItem("消防控制室值班人员持证上岗", "《消防法》"),
    ),
    "special_equipment": (
        SeedItem("未使用未取得许可生产、未经检验或者检验不合格的特种设备", _TZ, True),
        SeedItem("未使用国家明令淘汰、已经报废的特种设备", _TZ, True),
        SeedItem("特种设备使用登记并按期定期检验", _TZ),
        SeedItem("特种设备作业人员持证上岗", _TZ),
    ),
    "commerce": (
        SeedItem("商场、市场疏散通道畅通,安全出口未锁闭", _XF, True),
        SeedItem("加油站油罐区、加油区无违规明火作业", "《汽车加油加气加氢站技术标准》"),
        SeedItem("商户用气、用电符合安全要求", ""),
        _DUTY,
    ),
    "tourism": (
        SeedItem("游乐设施经检验合格并在有效期内使用", _TZ, True),
        SeedItem("景区实行游客流量控制,高峰期未超最大承载量", "《旅游法》"),
        SeedItem("高风险旅游项目落实安全措施", "《旅游法》"),
        _PLAN,
    ),
    "education": (
        SeedItem("学生宿舍、食堂等人员密集场所疏散条件符合要求", _XF, True),
        SeedItem("校车取得使用许可,驾驶人具备资格", "《校车安全管理条例》"),
        SeedItem("实验室危险化学品按规定储存管理", "《危险化学品安全管理条例》"),
        _PLAN,
    ),
    "health": (
        SeedItem("医疗机构病房楼安全出口、疏散通道符合要求", _XF, True),
        SeedItem("医用氧气、危险化学品按规定储存使用", "《危险化学品安全管理条例》"),
        SeedItem("压力容器、电梯等特种设备定期检验", _TZ),
        _PLAN,
    ),
    "agriculture": (
        SeedItem("拖拉机、联合收割机依法登记并定期检验", "《农业机械安全监督管理条例》", True),
        SeedItem("沼气工程安全防护措施落实", ""),
        SeedItem("渔船配备救生设备,船员持证", "《渔业船舶检验条例》"),
    ),
    "water": (
        SeedItem("病险水库未违规蓄水运行", _SL, True),
        SeedItem("水利工程施工度汛方案编制并落实", _SL, True),
        SeedItem("大坝安全监测设施运行正常", "《水库大坝安全管理条例》"),
        SeedItem("河道采砂按许可范围和时段作业", "《河道采砂管理条例》"),
    ),
    "power": (
        SeedItem("电力设施保护区内无违章建筑和违规施工", "《电力设施保护条例》", True),
        SeedItem("电气作业人员持证上岗,执行工作票、操作票制度", "《电力安全工作规程》"),
        SeedItem("变配电室防小动物、防火措施到位", ""),
        _PLAN,
    ),
    "explosives": (
        SeedItem("民用爆炸物品储存库房储存量不超过核定容量", _MB, True),
        SeedItem("危险作业场所定员、定量符合规定", _MB, True),
        SeedItem("民用爆炸物品购买、销售、运输手续齐全,流向登记完整", "《民用爆炸物品安全管理条例》"),
        _DUTY,
    ),
}


def item_code(n: int) -> str:
    """The code of a seeded checklist item (the n-th, from 1): 01, 02 …"""
    return f"{n:02d}"


# --- districts ---------------------------------------------------------------------------------


def district_of(region_or_code: Region | str) -> Region:
    """The district (区县) of a region, a region code or a region name (a township gives its
    county; a county itself). ``district_unknown`` above county level or when not found."""
    if isinstance(region_or_code, Region):
        region = region_or_code
    else:
        ref = (region_or_code or "").strip()
        if not ref:
            raise invalid("region", "district_unknown", "所属区县不能为空")
        region = resolve.Resolver().region(ref, field="region", label="地区")
    if region.level < Level.COUNTY:
        raise invalid("region", "district_unknown", f"“{region.name}”不是区县或镇街")
    return resolve.district_of(region)


# --- the defaults ------------------------------------------------------------------------------


def _candidate_names(district: Region, names: Iterable[str]) -> list[str]:
    """The names a supervising department may carry in ``district``, in order of preference:
    as listed (简称 or 名称), then with the district's name (潼南区应急管理局, 重庆市潼南区应急管理局)."""
    out: list[str] = []
    for name in names:
        base = name.removeprefix("区")
        for form in (name, f"{district.name}{base}", f"重庆市{district.name}{base}"):
            if form not in out:
                out.append(form)
    return out


def _departments(district: Region) -> dict[str, Organization]:
    """The district's active organisations by name and short name (departments first), for the
    supervising department of each default sector."""
    wanted = {n for _code, _name, names in DEFAULT_SECTORS for n in _candidate_names(district, names)}
    orgs = (
        Organization.objects.filter(region__path__startswith=district.path, is_active=True)
        .filter(Q(name__in=wanted) | Q(short_name__in=wanted))
        .exclude(kind__in=(OrgKind.ENTERPRISE, OrgKind.OWNER, OrgKind.SQUAD))
        .order_by("pk")
    )
    found: dict[str, Organization] = {}
    # Departments win over other kinds carrying the same name; the first registered wins.
    for org in sorted(orgs, key=lambda o: (o.kind != OrgKind.DEPARTMENT, o.pk)):
        for key in (org.name, org.short_name):
            if key:
                found.setdefault(key, org)
    return found


def supervising_department(district: Region, names: Iterable[str]) -> Organization | None:
    """The first of ``names`` (each also with the district's name in front) that is an active
    organisation of the district; None when the district has none of them."""
    found = _departments(district)
    return _pick(found, district, names)


def _pick(found: dict[str, Organization], district: Region, names: Iterable[str]) -> Organization | None:
    for name in _candidate_names(district, names):
        if name in found:
            return found[name]
    return None


def ensure_categories() -> None:
    """The two hazard categories (一般隐患 10 / 重大隐患 30 working days; no default department:
    the handling department is chosen per hazard)."""
    from tiaodu.cases.models import CaseCategory

    existing = set(CaseCategory.objects.filter(workflow=WORKFLOW).values_list("code", flat=True))
    for order, (code, days) in enumerate(HAZARD_CATEGORIES.items()):
        if code not in existing:
            CaseCategory.objects.get_or_create(
                workflow=WORKFLOW,
                code=code,
                defaults={"name": str(HazardGrade(code).label), "time_limit_days": days, "sort_order": order},
            )


@transaction.atomic
def ensure_defaults(district: Region) -> None:
    """Set a district up for work safety (idempotent): the 18 default sectors with their
    supervising departments, a seeded checklist for each new sector, the district's settings and
    the two hazard case categories."""
    district = district_of(district)
    sectors = {s.code: s for s in Sector.objects.filter(region=district)}
    names = {s.name for s in sectors.values()}
    missing = [row for row in DEFAULT_SECTORS if row[0] not in sectors and row[1] not in names]
    unstaffed = [s for s in sectors.values() if s.department_id is None]
    if missing or unstaffed:
        found = _departments(district)
        by_code = {code: dept_names for code, _name, dept_names in DEFAULT_SECTORS}
        for s in unstaffed:
            department = _pick(found, district, by_code.get(s.code, (s.name,)))
            if department is not None:
                s.department = department
                s.save(update_fields=["department", "updated_at"])
        order = {code: n for n, (code, _name, _depts) in enumerate(DEFAULT_SECTORS, start=1)}
        # ignore_conflicts: a concurrent first call (two people opening a new district's pages)
        # inserts the same rows; each keeps what the other wrote.
        Sector.objects.bulk_create(
            (
                Sector(
                    region=district,
                    code=code,
                    name=name,
                    department=_pick(found, district, dept_names),
                    order=order[code] * 10,
                )
                for code, name, dept_names in missing
            ),
            ignore_conflicts=True,
        )
        created = list(Sector.objects.filter(region=district, code__in=[row[0] for row in missing]))
        ChecklistItem.objects.bulk_create(
            (
                ChecklistItem(
                    sector=s,
                    code=item_code(n),
                    text=item.text,
                    basis=item.basis,
                    is_major_criterion=item.major,
                    order=n * 10,
                )
                for s in created
                for n, item in enumerate(SEED_CHECKLISTS.get(s.code, ()), start=1)
            ),
            ignore_conflicts=True,
        )
    settings_for(district)
    ensure_categories()


def settings_for(district: Region) -> SafetySettings:
    """The district's SafetySettings (created with the defaults when missing)."""
    found, _created = SafetySettings.objects.get_or_create(region=district_of(district))
    return found


# --- sectors -----------------------------------------------------------------------------------


def sector_choices(district: Region) -> str:
    """The district's active sector names, for error messages (危险化学品、非煤矿山 …)."""
    return "、".join(Sector.objects.filter(region=district, is_active=True).values_list("name", flat=True))


def sector(district: Region, ref: str | int | Sector, *, field: str = "sector") -> Sector:
    """A sector of the district by code or name (危险化学品, hazchem), or its id. A district
    without any sector is set up first (:func:`ensure_defaults`). Unknown: ``sector_unknown`` with
    the choices."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        by_id = Sector.objects.filter(region=district, pk=ref).first()
        if by_id is not None:
            return by_id
        raise invalid(
            field, "sector_unknown", f"行业领域不属于{district.name},可选:{sector_choices(district)}"
        )
    if isinstance(ref, Sector):
        if ref.region_id != district.pk:
            raise invalid(field, "sector_unknown", f"行业领域“{ref.name}”不属于{district.name}")
        return ref
    text = str(ref or "").strip()
    if text:
        found = Sector.objects.filter(region=district).filter(Q(code=text) | Q(name=text)).first()
        if found is None and not Sector.objects.filter(region=district).exists():
            ensure_defaults(district)
            found = Sector.objects.filter(region=district).filter(Q(code=text) | Q(name=text)).first()
        if found is not None:
            return found
    elif not Sector.objects.filter(region=district).exists():
        ensure_defaults(district)
    label = f"行业领域“{text}”不存在" if text else "行业领域不能为空"
    raise invalid(field, "sector_unknown", f"{label},可选:{sector_choices(district)}")


class SectorLookup:
    """Sectors by code and name for one import run (one query per district, not per row)."""

    def __init__(self) -> None:
        self._by_district: dict[int, dict[str, Sector]] = {}

    def __call__(self, district: Region, ref: str | int | Sector, *, field: str = "sector") -> Sector:
        if not isinstance(ref, str):
            return sector(district, ref, field=field)
        table = self._by_district.get(district.pk)
        if table is None:
            if not Sector.objects.filter(region=district).exists():
                ensure_defaults(district)
            table = {}
            for s in Sector.objects.filter(region=district).select_related("department"):
                table.setdefault(s.code, s)
                table.setdefault(s.name, s)
            self._by_district[district.pk] = table
        found = table.get(ref.strip())
        return found if found is not None else sector(district, ref, field=field)


# --- keeping the reference data (pages and API) ---------------------------------------------------

SECTOR_FIELDS = ("code", "name", "department", "order", "is_active")
ITEM_FIELDS = ("code", "text", "basis", "is_major_criterion", "order", "is_active")
SETTINGS_FIELDS = (
    "record_start",
    "recent_days",
    "yearly_cap",
    "inspectors_per_visit",
    "rectify_days",
    "acceptance_days",
)
DEPARTMENT_KINDS = (OrgKind.DEPARTMENT, OrgKind.GOVERNMENT, OrgKind.TOWN, OrgKind.OTHER)


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", f"未知字段:{'、'.join(sorted(unknown))}")


def _text(fields: dict[str, Any], name: str, label: str, limit: int, errors: list[FieldError]) -> None:
    value = str(fields.get(name) or "").strip()
    fields[name] = value
    if len(value) > limit:
        errors.append(FieldError(name, "too_long", f"{label}不能超过{limit}个字符"))


def _department(district: Region, ref: Any) -> Organization | None:
    """A supervising department of the district: an organisation, its id, code or name."""
    if ref in (None, ""):
        return None
    if isinstance(ref, Organization):
        org = ref
    elif isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = Organization.objects.filter(pk=int(ref)).select_related("region").first()
        if found is None:
            raise invalid("department", "organization_unknown", "监管部门不存在")
        org = found
    else:
        org = resolve.Resolver(district=district).organization(
            str(ref), kinds=DEPARTMENT_KINDS, field="department", label="监管部门"
        )
    if not org.region.path.startswith(district.path) or org.kind not in DEPARTMENT_KINDS:
        raise invalid("department", "organization_unknown", f"“{org.name}”不是{district.name}的部门")
    return org


def ensure_keeper(actor: Any, action: Action, model: type[Any], district: Region) -> None:
    """May ``actor`` keep (add/change) ``model`` rows of ``district``? Reference data is the
    district's: the role must allow the action and the district must be the actor's own."""
    if actor is None:
        return
    if not can(actor, action, model):
        raise Forbidden(audit=f"{action} {model._meta.label_lower} region={district.code}")
    if actor.is_superuser or actor.role == "admin":
        return
    home = resolve.actor_district(actor)
    if home is None or home.pk != district.pk:
        raise Forbidden(audit=f"{action} {model._meta.label_lower} region={district.code}")


@transaction.atomic
def save_sector(actor: Any, district: Region | None = None, pk: int | None = None, **fields: Any) -> Sector:
    """Add a sector to a district (``district``) or change one (``pk``): code and name unique in
    the district (``sector_duplicate``), the supervising department one of the district's."""
    _check_fields(fields, SECTOR_FIELDS)
    if pk is not None:
        sector_row = Sector.objects.select_for_update().select_related("region").filter(pk=pk).first()
        if sector_row is None:
            raise NotFound()
        if actor is not None:
            sector_row = get_scoped(Sector, actor, "change", pk=pk)
        district = sector_row.region
        ensure_keeper(actor, "change", Sector, district)
    else:
        if district is None:
            raise invalid("region", "district_unknown", "请指定所属区县")
        district = district_of(district)
        ensure_keeper(actor, "add", Sector, district)
        sector_row = Sector(region=district)
    values = {f: getattr(sector_row, f) for f in SECTOR_FIELDS if f != "department"}
    values["department"] = sector_row.department if sector_row.department_id else None
    values |= fields
    errors: list[FieldError] = []
    _text(values, "code", "代码", 32, errors)
    _text(values, "name", "名称", 32, errors)
    if not values["code"]:
        errors.append(FieldError("code", "required", "代码不能为空"))
    if not values["name"]:
        errors.append(FieldError("name", "required", "名称不能为空"))
    try:
        values["department"] = _department(district, values.get("department"))
    except ServiceError as exc:
        errors.extend(exc.errors)
    if errors:
        raise InvalidInput(errors)
    others = Sector.objects.filter(region=district).exclude(pk=sector_row.pk or 0)
    for name, label in (("code", "代码"), ("name", "名称")):
        if others.filter(**{name: values[name]}).exists():
            raise Conflict(
                "sector_duplicate",
                f"{district.name}已有{label}为“{values[name]}”的行业领域",
                [FieldError(name, "sector_duplicate", f"{label}已存在")],
            )
    for name in SECTOR_FIELDS:
        setattr(sector_row, name, values[name])
    sector_row.order = int(values.get("order") or 0)
    sector_row.is_active = bool(values.get("is_active", True))
    sector_row.save()
    if actor is not None:
        ensure_permitted(actor, "change" if pk is not None else "add", sector_row)
    return sector_row


@transaction.atomic
def save_checklist_item(
    actor: Any, sector_id: int | None = None, pk: int | None = None, **fields: Any
) -> ChecklistItem:
    """Add an item to a sector's checklist (``sector_id``) or change one (``pk``); the code is
    unique in the sector (``item_duplicate``)."""
    _check_fields(fields, ITEM_FIELDS)
    if pk is not None:
        item = (
            get_scoped(ChecklistItem, actor, "change", pk=pk)
            if actor is not None
            else ChecklistItem.objects.select_for_update().get(pk=pk)
        )
        sector_row = item.sector
    else:
        if sector_id is None:
            raise invalid("sector", "sector_unknown", "请指定行业领域")
        sector_row = (
            get_scoped(Sector, actor, "view", pk=sector_id)
            if actor is not None
            else Sector.objects.get(pk=sector_id)
        )
        item = ChecklistItem(sector=sector_row)
    ensure_keeper(actor, "change" if pk is not None else "add", ChecklistItem, sector_row.region)
    values = {f: getattr(item, f) for f in ITEM_FIELDS} | fields
    errors: list[FieldError] = []
    _text(values, "code", "编号", 16, errors)
    _text(values, "text", "检查内容", 255, errors)
    _text(values, "basis", "依据", 255, errors)
    if not values["code"]:
        errors.append(FieldError("code", "required", "编号不能为空"))
    if not values["text"]:
        errors.append(FieldError("text", "required", "检查内容不能为空"))
    if errors:
        raise InvalidInput(errors)
    if ChecklistItem.objects.filter(sector=sector_row, code=values["code"]).exclude(pk=item.pk or 0).exists():
        raise Conflict(
            "item_duplicate",
            f"{sector_row.name}检查表已有编号“{values['code']}”",
            [FieldError("code", "item_duplicate", "编号已存在")],
        )
    for name in ITEM_FIELDS:
        setattr(item, name, values[name])
    item.order = int(values.get("order") or 0)
    item.is_major_criterion = bool(values.get("is_major_criterion"))
    item.is_active = bool(values.get("is_active", True))
    item.save()
    if actor is not None:
        ensure_permitted(actor, "change" if pk is not None else "add", item)
    return item


SETTINGS_LIMITS = {
    "recent_days": (0, 3660, "近期已检查单位排除天数"),
    "yearly_cap": (1, 365, "每年计划检查上限"),
    "inspectors_per_visit": (2, 20, "每次检查执法人员数"),
    "rectify_days": (1, 365, "限期整改默认期限"),
    "acceptance_days": (1, 365, "验收期限"),
}


@transaction.atomic
def update_settings(actor: Any, district: Region, **fields: Any) -> SafetySettings:
    """Change a district's settings (``record_start`` is kept as the first day of its month)."""
    _check_fields(fields, SETTINGS_FIELDS)
    district = district_of(district)
    row = settings_for(district)
    if actor is not None:
        row = get_scoped(SafetySettings, actor, "change", pk=row.pk)
    ensure_keeper(actor, "change", SafetySettings, district)
    errors: list[FieldError] = []
    for name, (low, high, label) in SETTINGS_LIMITS.items():
        if name not in fields:
            continue
        try:
            number = int(fields[name])
        except (TypeError, ValueError):
            errors.append(FieldError(name, "integer_invalid", f"{label}应为整数"))
            continue
        if not low <= number <= high:
            errors.append(FieldError(name, "number_too_large", f"{label}应在{low}至{high}之间"))
        fields[name] = number
    start = fields.get("record_start")
    if start is not None:
        if not isinstance(start, date):
            errors.append(FieldError("record_start", "date_invalid", "事故统计起始月应为日期"))
        else:
            fields["record_start"] = start.replace(day=1)
    if errors:
        raise InvalidInput(errors)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    if actor is not None:
        ensure_permitted(actor, "change", row)
    return row
