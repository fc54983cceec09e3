"""Investor names for 首报制: the normalised key two reports of the same company share.

"重庆市潼南区某某科技股份有限公司" and "某某科技(重庆)有限公司" both become "某某科技". The key strips
the legal form (有限公司, 股份, 集团 …), brackets and what is in them, and a leading region name
(province, city or county: "重庆", "广东省深圳市"), then punctuation and spaces. Exact keys are
compared through an index; near keys are found by :mod:`tiaodu.investment.dedupe`.
"""

from __future__ import annotations

import re
import unicodedata

# Legal forms and corporate words, longest first so that "股份有限公司" goes before "有限公司".
_SUFFIXES = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "股份公司",
        "集团公司",
        "控股集团",
        "集团",
        "控股",
        "股份",
        "总公司",
        "分公司",
        "公司",
        "有限",
        "厂",
    ],
    key=len,
    reverse=True,
)
_BRACKETS = re.compile(r"[(\[【(][^)\]】)]*[)\]】)]")
_NOISE = re.compile(r"[\s·•.,,、\-—_'\"“”‘’&]+")
_LEVEL_WORDS = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "省",
    "市",
    "区",
    "县",
)


# Province-level names, present even where the code table holds one province only.
PROVINCES = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "台湾",
    "香港",
    "澳门",
]
_PROVINCE_WORDS = {
    "北京": "市",
    "天津": "市",
    "上海": "市",
    "重庆": "市",
    "香港": "特别行政区",
    "澳门": "特别行政区",
}


def place_names() -> tuple[str, ...]:
    """Region names to strip from the front, longest first: "广东省", "广东", "深圳市", "深圳" …
    (provinces, cities and counties of the code table, with and without their level word)."""
    from tiaodu.regions.choices import Level
    from tiaodu.regions.models import Region

    names: set[str] = set(PROVINCES)
    names.update(p + _PROVINCE_WORDS.get(p, "省") for p in PROVINCES)
    levels = (Level.PROVINCE, Level.CITY, Level.COUNTY)
    for name in Region.objects.filter(level__in=levels).values_list("name", flat=True):
        if name in ("市辖区", "县") or len(name) < 2:
            continue
        names.add(name)
        for word in _LEVEL_WORDS:
            if name.endswith(word) and len(name) - len(word) >= 2:
                names.add(name[: -len(word)])
                break
    return tuple(sorted(names, key=len, reverse=True))


def normalise(name: str, places: tuple[str, ...] | None = None) -> str:
    """The key of an investor name; "" for a blank name. ``places`` is :func:`place_names`,
    passed in by callers that normalise many names (one query instead of one per name)."""
    if places is None:
        places = place_names()
    text = unicodedata.normalize("NFKC", name or "").strip()
    text = _BRACKETS.sub("", text)
    text = _NOISE.sub("", text)
    changed = True
    while changed and text:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
                break
        for place in places:
            if text.startswith(place) and len(text) > len(place) + 1:
                text, changed = text[len(place) :], True
                break
    return text.lower()
