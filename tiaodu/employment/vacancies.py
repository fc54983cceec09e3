"""Vacancy services: create/update/close with the 就业促进法 checks, labour needs into vacancies. Lane C.

A vacancy (岗位) belongs to an enterprise and to the enterprise's district; ``township`` is where
the work is (the enterprise's township unless given). Every write runs in one transaction,
checks everything before writing (all errors at once) and re-checks the actor's scope on the
row as saved (``ensure_added`` / ``ensure_permitted``).

The requirement check (:func:`check_requirements`) refuses what 《中华人民共和国就业促进法》
forbids in a job advertisement:

* sex (第三条、第二十六条、第二十七条): 限男, 仅招女, 男性优先, 女士优先, 性别:男, 男工10名 …;
  marriage and childbirth (第二十七条): 未婚, 已婚已育, 孕妇勿扰 …;
* ethnicity (第三条、第二十六条、第二十八条): 汉族, 限…族, 少数民族勿扰, 民族:汉 …
  (少数民族优先 is the care 第二十八条 asks for, and allowed);
* region and household registration (第二十六条、第三十一条): 本地户籍, 限本地人, 不招外地,
  外省勿扰, 限重庆籍, 籍贯:… ;
* carriers of infectious disease (第三十条): 乙肝勿扰 ….

Products are not people: "男装", "女装车间", "男士西装", "女式衬衫" in a title are cut out before
the search, and so are the phrases that lift a limit (男女不限, 性别不限, 籍贯不限 …).

An age limit needs a stated ground (``age_ground``): a minimum above 18 (16 is the legal
minimum working age, 劳动法第十五条, and work for those under 18 is specially protected, so
"年满18周岁" needs no further reason) or any maximum, whether given in the age fields or written
in the text ("18-45岁", "45岁以下"). A minimum below 16 is refused outright.

A labour need of the enterprise service (``enterprises.Need`` kind ``labour``) becomes one or more
vacancies without re-entry (:func:`vacancies_from_need`): its 工种 and 用工人数 prefill the rows
(:func:`prefill_rows`), the vacancies keep the need (``Vacancy.need``) and are published on the
day the need was raised unless told otherwise; the headcount of a need's vacancies never exceeds
the people it asked for (each wanted person counted once).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import FieldError, Forbidden, InvalidInput, ServiceError, invalid
from tiaodu.core.permissions import can, ensure_added, ensure_permitted, get_scoped
from tiaodu.core.resolve import Resolver, district_of, township_of
from tiaodu.employment import reference
from tiaodu.employment.choices import Education, Shift, VacancyStatus
from tiaodu.employment.models import Occupation, Vacancy
from tiaodu.employment.text import tokenize
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.enterprises.models import Enterprise, Need

# What create_vacancy / update_vacancy accept (besides the enterprise and the need).
FIELDS = (
    "title",
    "headcount",
    "published_on",
    "occupation",
    "wage_min",
    "wage_max",
    "shift",
    "housing",
    "meals",
    "education",
    "skills",
    "certificates",
    "requirements",
    "age_min",
    "age_max",
    "age_ground",
    "work_place",
    "township",
    "valid_until",
    "longitude",
    "latitude",
)
TEXT_LIMITS = {"title": 64, "skills": 255, "certificates": 255, "age_ground": 255, "work_place": 128}
TEXT_FIELDS = ("title", "requirements", "skills", "certificates")
FIELD_LABELS = {
    "title": "岗位名称",
    "requirements": "岗位要求",
    "skills": "技能要求",
    "certificates": "证书要求",
}
MAX_HEADCOUNT = 100_000
MAX_WAGE = 1_000_000
LEGAL_MIN_AGE = 16  # 劳动法第十五条: no one under 16 may be employed
NO_GROUND_MIN_AGE = 18  # a minimum up to 18 (未成年工 protection) needs no stated ground
DEFAULT_TITLE = "普工"

# --- the 就业促进法 check ----------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    articles: str
    rule: str


GENDER = Category(
    "gender",
    "性别限制",
    "第三条、第二十六条、第二十七条",
    "劳动者就业不因性别不同而受歧视,用人单位不得以性别为由拒绝录用妇女或者提高对妇女的录用标准",
)
MARRIAGE = Category(
    "marriage",
    "婚育限制",
    "第二十六条、第二十七条",
    "用人单位录用女职工,不得规定限制女职工结婚、生育的内容",
)
ETHNICITY = Category(
    "ethnicity",
    "民族限制",
    "第三条、第二十六条、第二十八条",
    "劳动者就业不因民族不同而受歧视,各民族劳动者享有平等的劳动权利",
)
REGION = Category(
    "region",
    "地域或户籍限制",
    "第二十六条、第三十一条",
    "用人单位应当提供平等的就业机会和公平的就业条件,不得对农村劳动者进城就业设置歧视性限制",
)
HEALTH = Category(
    "health",
    "传染病病原携带者限制",
    "第二十六条、第三十条",
    "用人单位招用人员,不得以是传染病病原携带者为由拒绝录用",
)

_CN = r"[\u4e00-\u9fff]"
_LIMIT = r"(?:限|仅限|只限|只招|仅招|只要|仅要|只收|仅收|须为|需为|必须为|必须是|要求为|要求是|要求)"
_REFUSE_AFTER = r"(?:勿扰|免谈|不要|谢绝|除外|不考虑|不予考虑|不录用|莫扰|绕道)"
_REFUSE_BEFORE = r"(?:不招|不要|不收|不录用|谢绝|拒绝|拒收)"
_PERSON = r"(?:性|士|生|工|的|同志|人员|员工)"
# Products named after who wears them: cut out before the search (男装, 女装车间, 男士西装, 女式衬衫).
_PRODUCTS = re.compile(
    r"(?:男女|男|女)(?:士|式|童|款)?(?:装|鞋|靴|包|袜|帽|衬衫|西装|西服|内衣|服装|服饰|裤|衣|表|款|饰品|用品)"
)
# Phrases that lift a limit (男女不限, 性别不限, 籍贯不限 …): cut out too.
_NO_LIMIT = re.compile(
    r"男女不限|不限男女|男女皆可|男女均可|男女都可|不分男女|男女老少|男女比例"
    r"|(?:性别|民族|户籍|户口|籍贯|地域|地区|婚否|婚姻|婚育)(?:要求)?[::\s]*(?:不限|均可|皆可)"
    r"|已婚未婚均可|未婚已婚均可|已婚未婚皆可"
)
_ETHNIC_NAMES = (
    "蒙古|维吾尔|布依|朝鲜|土家|哈尼|哈萨克|傈僳|高山|拉祜|东乡|纳西|景颇|柯尔克孜|达斡尔|仫佬|布朗|撒拉|毛南"
    "|仡佬|锡伯|阿昌|普米|塔吉克|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺"
    "|汉|回|藏|维|苗|彝|壮|满|侗|瑶|白|傣|黎|佤|畲|水|土|羌|怒|京"
)
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南"
    "|四川|贵州|云南|陕西|甘肃|青海|内蒙古?|广西|西藏|宁夏|新疆|东北|西北|川|黔|滇|豫|鄂|湘|皖|赣"
)
_PLACE_HERE = r"(?:本地|本市|本区|本县|本省|本镇|本乡|当地|本区县)"
_PLACE_AWAY = r"(?:外地|外省|外市|外县|外区|外来|异地|农村|乡下)"

RULES: tuple[tuple[Category, re.Pattern[str]], ...] = (
    (GENDER, re.compile(rf"{_LIMIT}(?:男|女){_PERSON}?")),
    (GENDER, re.compile(rf"(?:男|女){_PERSON}?\s*(?:优先|{_REFUSE_AFTER})")),
    (GENDER, re.compile(rf"{_REFUSE_BEFORE}(?:男|女){_PERSON}?")),
    (GENDER, re.compile(r"性别\s*(?:要求)?\s*[::]?\s*(?:限|为)?\s*(?:男|女)")),
    (GENDER, re.compile(r"(?:男|女)(?:性|工|士|生)?\s*[\d一二三四五六七八九十两百]+\s*(?:名|人|个)")),
    (GENDER, re.compile(rf"(?:招|招聘|招收)(?:男|女){_PERSON}?")),
    (
        MARRIAGE,
        re.compile(
            r"未婚未育|已婚已育|未婚|已婚|未育|已育|无生育计划|近期无生育|(?:孕妇|孕期|哺乳期)"
            + _REFUSE_AFTER
        ),
    ),
    (ETHNICITY, re.compile(rf"(?<!少数)(?:{_ETHNIC_NAMES})族(?!馆|箱|店|用品|鱼|器材)")),
    (
        ETHNICITY,
        re.compile(rf"{_REFUSE_BEFORE}(?:少数民族|外族)|(?:少数民族|外族)(?:人员)?{_REFUSE_AFTER}"),
    ),
    (ETHNICITY, re.compile(rf"民族\s*(?:要求)?\s*[::]\s*(?:限)?{_CN}")),
    (REGION, re.compile(rf"(?:{_PLACE_HERE}|城镇|城市|非农业?|农业|农村)(?:户籍|户口)")),
    (REGION, re.compile(rf"{_LIMIT}{_PLACE_HERE}(?:人|户籍|户口|居民|籍|人员)?")),
    (REGION, re.compile(rf"{_PLACE_HERE}(?:人|人员|居民)优先")),
    (REGION, re.compile(rf"(?:{_PLACE_AWAY}|{_PROVINCES})(?:人|籍|户籍|户口|人员)?{_REFUSE_AFTER}")),
    (REGION, re.compile(rf"{_REFUSE_BEFORE}(?:{_PLACE_AWAY}|{_PROVINCES})")),
    (REGION, re.compile(rf"{_LIMIT}{_CN}{{1,4}}(?<![党学国])籍")),
    (REGION, re.compile(rf"{_CN}{{2,4}}(?<![党学国])籍(?:人员|人士)?(?:优先|{_REFUSE_AFTER})")),
    (REGION, re.compile(rf"籍贯\s*(?:要求)?\s*[::]?\s*(?:限|为)?\s*{_CN}{{1,6}}")),
    (
        HEALTH,
        re.compile(
            rf"(?:乙肝|肝炎|艾滋|HIV|hiv)(?:病毒)?(?:携带者|患者|阳性|者)?{_REFUSE_AFTER}"
            rf"|{_REFUSE_BEFORE}(?:乙肝|肝炎|艾滋|HIV|hiv)"
        ),
    ),
)

# Ages written in the text: "18-45岁", "45岁以下", "不超过50周岁", "35岁以上", "年满18周岁".
_AGE_RANGE = re.compile(r"(\d{1,2})\s*(?:周?岁)?\s*[-—–~～至到]\s*(\d{1,2})\s*周?岁")
_AGE_MAX = re.compile(
    r"(?:(\d{1,2})\s*周?岁\s*(?:以下|以内|之内|及以下|之下))|(?:(?:不超过|不大于|不高于|低于|小于|未满|不满)\s*(\d{1,2})\s*周?岁)"
)
_AGE_MIN = re.compile(
    r"(?:(\d{1,2})\s*周?岁\s*(?:以上|及以上))|(?:(?:年满|满|不低于|不小于|大于)\s*(\d{1,2})\s*周?岁)"
)


def _searchable(text: str) -> str:
    text = _NO_LIMIT.sub("/", text or "")
    return _PRODUCTS.sub("/", text)


def discriminatory_phrases(text: str) -> list[tuple[Category, str]]:
    """The discriminatory phrases of one text, each category once (first phrase found)."""
    text = _searchable(text)
    found: dict[str, tuple[Category, str]] = {}
    for category, pattern in RULES:
        if category.code in found:
            continue
        match = pattern.search(text)
        if match is not None:
            found[category.code] = (category, match.group(0).strip())
    return list(found.values())


def _title_phrases(title: str) -> list[tuple[Category, str]]:
    """A title also names the sex in front of a job: 女普工, 男司机, 缝纫女工."""
    text = _searchable(title)
    match = re.search(
        r"(?:男|女)(?:普工|操作工|技工|工人|司机|服务员|保洁员?|保安|营业员|缝纫工|包装工|质检员?|文员|会计|厨师|帮厨|店员|员工|工|主播|客服|模特|销售)",
        text,
    )
    return [(GENDER, match.group(0))] if match else []


def stated_ages(*texts: str) -> tuple[int | None, int | None]:
    """The age limits written in the texts (the lowest minimum above none, the lowest maximum)."""
    low: int | None = None
    high: int | None = None
    for text in texts:
        if not text:
            continue
        for a, b in _AGE_RANGE.findall(text):
            low = max(low or 0, int(a))
            high = int(b) if high is None else min(high, int(b))
        for a, b in _AGE_MAX.findall(text):
            value = int(a or b)
            high = value if high is None else min(high, value)
        for a, b in _AGE_MIN.findall(text):
            low = max(low or 0, int(a or b))
    return low, high


def check_requirements(
    *,
    title: str = "",
    requirements: str = "",
    skills: str = "",
    certificates: str = "",
    age_min: int | None = None,
    age_max: int | None = None,
    age_ground: str = "",
) -> list[FieldError]:
    """What 就业促进法 forbids in the vacancy's texts (``discriminatory_requirement``, naming the
    category and the articles), an age limit without a stated ground (``age_limit_without_ground``),
    an age range upside down (``age_range``) or below the legal working age (``age_below_legal``)."""
    errors: list[FieldError] = []
    texts = {"title": title, "requirements": requirements, "skills": skills, "certificates": certificates}
    for field, text in texts.items():
        found = discriminatory_phrases(text or "")
        if field == "title":
            seen = {c.code for c, _p in found}
            found += [(c, p) for c, p in _title_phrases(text or "") if c.code not in seen]
        for category, phrase in found:
            errors.append(
                FieldError(
                    field,
                    "discriminatory_requirement",
                    f"{FIELD_LABELS[field]}中的“{phrase}”属于{category.label},违反《就业促进法》"
                    f"{category.articles}({category.rule}),请删除",
                )
            )
    if age_min is not None and age_max is not None and age_min > age_max:
        errors.append(FieldError("age_min", "age_range", f"年龄下限({age_min}岁)不能大于上限({age_max}岁)"))
    if age_min is not None and age_min < LEGAL_MIN_AGE:
        errors.append(
            FieldError(
                "age_min",
                "age_below_legal",
                "年龄下限不能低于16周岁(劳动法第十五条禁止招用未满十六周岁的未成年人)",
            )
        )
    text_min, text_max = stated_ages(title, requirements, skills)
    limited = (
        (age_min is not None and age_min > NO_GROUND_MIN_AGE)
        or age_max is not None
        or (text_min is not None and text_min > NO_GROUND_MIN_AGE)
        or text_max is not None
    )
    if limited and not (age_ground or "").strip():
        stated = _age_text(
            age_min if age_min is not None else text_min, age_max if age_max is not None else text_max
        )
        errors.append(
            FieldError(
                "age_ground",
                "age_limit_without_ground",
                f"设置了年龄限制({stated}),须在“年龄限制依据”中说明理由(如国家规定的特殊工种、岗位的身体条件要求)",
            )
        )
    return errors


def _age_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low}–{high}岁"
    if high is not None:
        return f"{high}岁以下"
    return f"{low}岁以上"


# --- values as people and files give them -----------------------------------------------------------


# What people write besides the labels.
SHIFT_WORDS = {
    "白班": Shift.DAY,
    "常白班": Shift.DAY,
    "两班": Shift.TWO,
    "三班": Shift.THREE,
    "弹性": Shift.FLEXIBLE,
    "计件": Shift.FLEXIBLE,
}
EDUCATION_WORDS = {
    "不限": Education.NONE,
    "小学及以上": Education.PRIMARY,
    "初中及以上": Education.JUNIOR,
    "高中": Education.SENIOR,
    "中专": Education.SENIOR,
    "技校": Education.SENIOR,
    "职高": Education.SENIOR,
    "高中及以上": Education.SENIOR,
    "大专及以上": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "大学本科": Education.BACHELOR,
    "本科及以上": Education.BACHELOR,
    "硕士": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
}


def _choice(value: Any, choices: Any, field: str, label: str, words: dict[str, Any] | None = None) -> str:
    text = str(getattr(value, "value", value) or "").strip()
    if not text:
        return ""
    for code, name in choices.choices:
        if text in (code, str(name)):
            return str(code)
    if words and text in words:
        return str(words[text])
    names = "、".join(str(name) for code, name in choices.choices if code)
    raise invalid(field, "invalid_choice", f"{label}“{text}”不是可选值,可选:{names}")


def shift_of(value: Any, field: str = "shift") -> str:
    return _choice(value, Shift, field, "班制", SHIFT_WORDS)


def education_of(value: Any, field: str = "education") -> str:
    return _choice(value, Education, field, "学历要求", EDUCATION_WORDS)


def _integer(value: Any, field: str, label: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(field, "number_invalid", f"{label}“{value}”不是整数") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise invalid(field, "number_invalid", f"{label}“{value}”不是整数")
    if not low <= number <= high:
        raise invalid(field, "number_out_of_range", f"{label}应在{low}至{high}之间")
    return int(number)


def _decimal(value: Any, field: str, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(field, "number_invalid", f"{label}“{value}”不是数字") from None
    if not number.is_finite():
        raise invalid(field, "number_invalid", f"{label}“{value}”不是数字")
    return number.quantize(Decimal("0.000001"))


def _date(value: Any, field: str, label: str, required: bool = False) -> date | None:
    if value is None or value == "":
        if required:
            raise invalid(field, "required", f"{label}不能为空")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid(field, "date_invalid", f"{label}“{value}”不是有效日期(如 2022-02-15)") from None


def occupation_of(value: Any, field: str = "occupation") -> Occupation | None:
    """An occupation by object, id or 职业分类大典 code (``occupation_unknown``); None when blank."""
    if value is None or value == "":
        return None
    if isinstance(value, Occupation):
        return value
    if isinstance(value, int):
        found = Occupation.objects.filter(pk=value).first()
    else:
        found = Occupation.objects.filter(code=str(value).strip()).first()
    if found is None:
        raise invalid(field, "occupation_unknown", f"职业编码“{value}”不在职业分类大典中")
    return found


def enterprise_of(ref: Any, actor: User | None = None, field: str = "enterprise") -> Enterprise:
    """An enterprise by object, id or 统一社会信用代码 / name (the actor's district first)."""
    from tiaodu.enterprises.models import Enterprise

    if isinstance(ref, Enterprise):
        return ref
    if ref is None or ref == "":
        raise invalid(field, "required", "企业不能为空")
    if isinstance(ref, int):
        found = Enterprise.objects.select_related("township").filter(pk=ref).first()
        if found is None:
            raise invalid(field, "enterprise_unknown", "企业不存在")
        return found
    return Resolver(actor).enterprise(str(ref), field=field)


def _collect(errors: list[FieldError], fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return None


# --- validation ------------------------------------------------------------------------------------


def _validate(
    data: dict[str, Any], enterprise: Enterprise, actor: User | None, errors: list[FieldError]
) -> None:
    """Check and normalise the vacancy's values (as they will be after the write) in place."""
    for field, limit in TEXT_LIMITS.items():
        data[field] = str(data.get(field) or "").strip()
        if len(data[field]) > limit:
            errors.append(FieldError(field, "too_long", f"不能超过{limit}个字符"))
    data["requirements"] = str(data.get("requirements") or "").strip()
    if not data["title"]:
        errors.append(FieldError("title", "required", "岗位名称不能为空"))
    headcount = _collect(errors, _integer, data.get("headcount"), "headcount", "招聘人数", 1, MAX_HEADCOUNT)
    if headcount is None and not any(e.field == "headcount" for e in errors):
        errors.append(FieldError("headcount", "required", "招聘人数不能为空"))
    data["headcount"] = headcount
    for field, label in (("wage_min", "月薪下限"), ("wage_max", "月薪上限")):
        data[field] = _collect(errors, _integer, data.get(field), field, label, 0, MAX_WAGE)
    if data["wage_min"] is not None and data["wage_max"] is not None and data["wage_min"] > data["wage_max"]:
        errors.append(
            FieldError(
                "wage_min",
                "wage_floor_above_ceiling",
                f"月薪下限({data['wage_min']}元)不能高于上限({data['wage_max']}元)",
            )
        )
    for field, label in (("age_min", "年龄下限"), ("age_max", "年龄上限")):
        data[field] = _collect(errors, _integer, data.get(field), field, label, 0, 100)
    data["published_on"] = _collect(errors, _date, data.get("published_on"), "published_on", "发布日期", True)
    data["valid_until"] = _collect(errors, _date, data.get("valid_until"), "valid_until", "有效期至")
    if data["published_on"] and data["valid_until"] and data["valid_until"] < data["published_on"]:
        errors.append(
            FieldError(
                "valid_until",
                "valid_until_before_published",
                f"有效期至({data['valid_until']})不能早于发布日期({data['published_on']})",
            )
        )
    data["shift"] = _collect(errors, shift_of, data.get("shift")) or ""
    data["education"] = _collect(errors, education_of, data.get("education")) or ""
    data["housing"] = bool(data.get("housing"))
    data["meals"] = bool(data.get("meals"))
    data["occupation"] = _collect(errors, occupation_of, data.get("occupation"))
    district = district_of(enterprise.township)
    data["district"] = district
    township = data.get("township")
    if township is None or township == "":
        township = enterprise.township
    else:
        township = _collect(errors, township_of, township, actor, district)
    if township is not None and not township.path.startswith(district.path):
        errors.append(FieldError("township", "township_unknown", f"工作地点所在镇街须在{district.name}"))
    data["township"] = township
    lon = _collect(errors, _decimal, data.get("longitude"), "longitude", "经度")
    lat = _collect(errors, _decimal, data.get("latitude"), "latitude", "纬度")
    data["longitude"], data["latitude"] = lon, lat
    if not any(e.field in ("longitude", "latitude") for e in errors):
        from tiaodu.projects.services import validate_coordinates, validate_in_district

        errors.extend(validate_coordinates(lon, lat) or validate_in_district(township, lon, lat))
    errors.extend(
        check_requirements(
            title=data["title"],
            requirements=data["requirements"],
            skills=data["skills"],
            certificates=data["certificates"],
            age_min=data["age_min"],
            age_max=data["age_max"],
            age_ground=data["age_ground"],
        )
    )


def check_values(actor: User | None, enterprise: Enterprise, **values: Any) -> list[FieldError]:
    """Every problem ``create_vacancy`` would find in these values (nothing written): for
    importers, which list every bad row before writing any."""
    data = {field: values.get(field) for field in FIELDS}
    errors: list[FieldError] = []
    _validate(data, enterprise, actor, errors)
    return errors


def _propose(data: dict[str, Any]) -> None:
    """A blank occupation: the one the catalogue proposes from the title and the requirements."""
    if data.get("occupation") is not None:
        data["occupation_proposed"] = False
        return
    text = " ".join(data.get(f) or "" for f in ("skills", "certificates", "requirements"))
    proposed = reference.propose_occupation(data["title"], text)
    data["occupation"] = proposed
    data["occupation_proposed"] = proposed is not None


def _need_of(need: Any, enterprise: Enterprise | None, actor: User | None) -> Need | None:
    from tiaodu.enterprises.choices import NeedKind
    from tiaodu.enterprises.models import Need

    if need is None or need == "":
        return None
    if not isinstance(need, Need):
        found = Need.objects.select_related("enterprise__township").filter(pk=need).first()
        if found is None:
            raise invalid("need", "need_unknown", "用工需求不存在")
        need = found
    if actor is not None:
        need = get_scoped(Need, actor, "view", pk=need.pk)
    if need.kind != NeedKind.LABOUR:
        raise invalid("need", "need_not_labour", "只有用工需求可以转为岗位")
    if enterprise is not None and need.enterprise_id != enterprise.pk:
        raise invalid("need", "need_enterprise_mismatch", "用工需求不是该企业提出的")
    return need


def _check_actor(actor: User | None, enterprise: Enterprise) -> None:
    from tiaodu.enterprises.models import Enterprise

    if actor is None:
        return
    if not can(actor, "add", Vacancy):
        raise Forbidden(audit="add employment.vacancy")
    get_scoped(Enterprise, actor, "view", pk=enterprise.pk)


# --- services --------------------------------------------------------------------------------------


@transaction.atomic
def create_vacancy(
    actor: User | None,
    *,
    enterprise: Any,
    title: str,
    headcount: Any,
    published_on: Any,
    occupation: Any = None,
    wage_min: Any = None,
    wage_max: Any = None,
    shift: Any = "",
    housing: bool = False,
    meals: bool = False,
    education: Any = "",
    skills: str = "",
    certificates: str = "",
    requirements: str = "",
    age_min: Any = None,
    age_max: Any = None,
    age_ground: str = "",
    work_place: str = "",
    township: Any = None,
    valid_until: Any = None,
    need: Any = None,
    longitude: Any = None,
    latitude: Any = None,
) -> Vacancy:
    """Post a vacancy of ``enterprise`` (object, id or credit code). A blank occupation is proposed
    from the title and the requirements (``occupation_proposed``)."""
    firm = enterprise_of(enterprise, actor)
    _check_actor(actor, firm)
    data: dict[str, Any] = {
        "title": title,
        "headcount": headcount,
        "published_on": published_on,
        "occupation": occupation,
        "wage_min": wage_min,
        "wage_max": wage_max,
        "shift": shift,
        "housing": housing,
        "meals": meals,
        "education": education,
        "skills": skills,
        "certificates": certificates,
        "requirements": requirements,
        "age_min": age_min,
        "age_max": age_max,
        "age_ground": age_ground,
        "work_place": work_place,
        "township": township,
        "valid_until": valid_until,
        "longitude": longitude,
        "latitude": latitude,
    }
    errors: list[FieldError] = []
    need_row = _collect(errors, _need_of, need, firm, actor)
    _validate(data, firm, actor, errors)
    if errors:
        raise InvalidInput(errors)
    _propose(data)
    vacancy = Vacancy(
        enterprise=firm,
        need=need_row,
        created_by=actor if actor is not None and actor.pk else None,
        **data,
    )
    vacancy.tokens = tokenize(vacancy.title, vacancy.skills, vacancy.certificates, vacancy.requirements)
    vacancy.save()
    if actor is not None:
        ensure_added(actor, vacancy)
    return vacancy


def _vacancy(actor: User | None, vacancy: Vacancy | int, action: Any = "change") -> Vacancy:
    pk = vacancy.pk if isinstance(vacancy, Vacancy) else vacancy
    if actor is not None:
        return get_scoped(Vacancy, actor, action, pk=pk)
    return Vacancy.objects.select_for_update().get(pk=pk)


@transaction.atomic
def update_vacancy(
    actor: User | None, vacancy: Vacancy | int, version: int | None = None, **fields: Any
) -> Vacancy:
    """Change the fields given. A changed title or requirements re-propose an occupation that was
    proposed; an occupation given is the one chosen (no longer "proposed"); a blank one is proposed."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_not_editable", f"不能修改:{'、'.join(sorted(unknown))}")
    row = _vacancy(actor, vacancy)
    claim_version(row, version, {f: str(getattr(row, f)) for f in fields if f in FIELDS})
    data: dict[str, Any] = {f: getattr(row, f) for f in FIELDS} | fields
    enterprise = row.enterprise
    errors: list[FieldError] = []
    _validate(data, enterprise, actor, errors)
    if errors:
        raise InvalidInput(errors)
    texts_changed = any(
        data[f] != getattr(row, f) for f in ("title", "skills", "certificates", "requirements")
    )
    if "occupation" in fields:
        _propose(data)
    elif row.occupation_proposed and texts_changed:
        data["occupation"] = None
        _propose(data)
    else:
        data["occupation_proposed"] = row.occupation_proposed
    for field, value in data.items():
        if field != "district":
            setattr(row, field, value)
    row.tokens = tokenize(row.title, row.skills, row.certificates, row.requirements)
    row.save()
    if actor is not None:
        ensure_permitted(actor, "change", row)
    return row


@transaction.atomic
def close_vacancy(
    actor: User | None, vacancy: Vacancy | int, status: Any, *, version: int | None = None
) -> Vacancy:
    """Mark a vacancy filled (已招满) or closed (已关闭), or open it again."""
    value = str(getattr(status, "value", status) or "").strip()
    if value not in VacancyStatus.values:
        value = next((code for code, label in VacancyStatus.choices if str(label) == value), value)
    if value not in VacancyStatus.values:
        names = "、".join(str(label) for _c, label in VacancyStatus.choices)
        raise invalid("status", "invalid_choice", f"岗位状态“{status}”不是可选值,可选:{names}")
    row = _vacancy(actor, vacancy)
    claim_version(row, version, {"status": row.status})
    row.status = value
    row.save(update_fields=["status", "updated_at"])
    if actor is not None:
        ensure_permitted(actor, "change", row)
    return row


# --- reading -----------------------------------------------------------------------------------------


def vacancies_for(user: Any, action: Any = "view") -> QuerySet[Vacancy]:
    """The vacancies the user may ``action`` (the base of the board, the export and the API)."""
    return Vacancy.objects.restrict(user, action).select_related(
        "enterprise", "township", "district", "occupation"
    )


def open_vacancies(district: Region, on: date) -> QuerySet[Vacancy]:
    """The district's vacancies open on ``on``: status open, published by then, not expired."""
    return Vacancy.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        district=district,
        status=VacancyStatus.OPEN,
        published_on__lte=on,
    )


# --- labour needs into vacancies ---------------------------------------------------------------------

_SPLIT = re.compile(r"[、,,;;/|]+|\s+|(?<=[\u4e00-\u9fff])(?:和|及|与)(?=[\u4e00-\u9fff])")
_COUNT = re.compile(r"^(.*?)[\s(（:：×xX*]*(\d+)\s*(?:人|名|个)?[)）]?$")


def parse_job_types(text: str) -> list[tuple[str, int | None]]:
    """The job types of a need's 工种 ("普工、焊工", "缝纫工20人,包装工10名"), each with the
    headcount written next to it, if any."""
    out: list[tuple[str, int | None]] = []
    for part in _SPLIT.split(text or ""):
        part = part.strip()
        if not part:
            continue
        match = _COUNT.match(part)
        if match and match.group(1).strip():
            out.append((match.group(1).strip()[:64], int(match.group(2))))
        elif not part.isdigit():
            out.append((part[:64], None))
    return out


def converted_headcount(need: Need) -> int:
    """The people of a need already turned into vacancies."""
    return int(Vacancy.objects.filter(need=need).aggregate(n=Sum("headcount"))["n"] or 0)


def prefill_rows(need: Need) -> list[dict[str, Any]]:
    """The vacancies a labour need suggests: one per job type; the people not written next to a
    type are shared among the others (the first ones get the remainder). The people already
    turned into vacancies are left out."""
    left = None if need.people is None else max(need.people - converted_headcount(need), 0)
    types = parse_job_types(need.job_types) or [(DEFAULT_TITLE, None)]
    stated = sum(n for _t, n in types if n is not None)
    free = [i for i, (_t, n) in enumerate(types) if n is None]
    rest = max((left or 0) - stated, 0) if left is not None else 0
    shares = (
        {i: rest // len(free) + (1 if k < rest % len(free) else 0) for k, i in enumerate(free)}
        if free
        else {}
    )
    rows = []
    for i, (title, count) in enumerate(types):
        headcount = count if count is not None else shares.get(i) or None
        rows.append(
            {
                "title": title,
                "headcount": headcount,
                "published_on": need.raised_on,
                "requirements": "",
            }
        )
    return rows


@transaction.atomic
def vacancies_from_need(
    actor: User | None, need: Any, rows: Iterable[dict[str, Any]] | None = None
) -> list[Vacancy]:
    """Turn a labour need into vacancies, one per row (``create_vacancy`` values without the
    enterprise and the need; ``published_on`` defaults to the day the need was raised). Without
    rows, the need's prefill (:func:`prefill_rows`). All or nothing: the errors of every row are
    reported, their field named ``rows[i].field``. The need's vacancies may not ask for more
    people than the need did (``need_headcount_exceeded``)."""
    need_row = _need_of(need, None, actor)
    assert need_row is not None
    if rows is None and need_row.people is not None and converted_headcount(need_row) >= need_row.people:
        raise ServiceError(
            "need_fully_converted",
            f"该用工需求的{need_row.people}人已全部转为岗位",
            [FieldError("rows", "need_fully_converted", "用工需求的人数已全部转为岗位")],
            status=409,
        )
    given = [dict(r) for r in rows] if rows is not None else prefill_rows(need_row)
    given = [r for r in given if any(v not in (None, "", False) for k, v in r.items() if k != "published_on")]
    if not given:
        raise invalid("rows", "required", "请至少填写一个岗位")
    made: list[Vacancy] = []
    errors: list[FieldError] = []
    for i, values in enumerate(given):
        unknown = set(values) - set(FIELDS)
        if unknown:
            errors.append(FieldError(f"rows[{i}].{sorted(unknown)[0]}", "field_unknown", "未知字段"))
            continue
        values.setdefault("published_on", need_row.raised_on)
        if values.get("published_on") in (None, ""):
            values["published_on"] = need_row.raised_on
        try:
            with transaction.atomic():
                made.append(create_vacancy(actor, enterprise=need_row.enterprise, need=need_row, **values))
        except InvalidInput as exc:
            for err in exc.errors:
                errors.append(
                    FieldError(f"rows[{i}].{err.field}", err.code, f"第{i + 1}个岗位:{err.message}")
                )
    if errors:
        raise InvalidInput(errors)
    if need_row.people is not None:
        total = converted_headcount(need_row)
        if total > need_row.people:
            raise ServiceError(
                "need_headcount_exceeded",
                f"该用工需求共{need_row.people}人,转成的岗位合计{total}人,超出了需求人数",
                [
                    FieldError(
                        "rows",
                        "need_headcount_exceeded",
                        f"岗位招聘人数合计不能超过用工需求的{need_row.people}人",
                    )
                ],
                status=422,
            )
    return made
