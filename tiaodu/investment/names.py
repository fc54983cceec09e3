"""Investor names for 首报制: the normalised key two reports of the same company share.

"重庆市潼南区某某科技股份有限公司" and "某某科技(重庆)有限公司" both become "某某科技". The key strips
the legal form (有限公司, 股份, 集团 …), brackets and what is in them, and a leading region name
(province, city or county: "重庆", "广东省深圳市"), then punctuation and spaces. Exact keys are
compared through an index; near keys are found by :mod:`tiaodu.investment.dedupe`.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

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
_GROUPING = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
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


class Places:
    """Place names to strip from the front of a name, indexed by their first character (longest
    first), so that a name is compared with the few places that could start it rather than with
    all six thousand of the country."""

    def __init__(self, names: Iterable[str]) -> None:
        by_first: dict[str, list[str]] = {}
        for name in set(names):
            by_first.setdefault(name[:1], []).append(name)
        self.by_first = {
            first: tuple(sorted(group, key=len, reverse=True)) for first, group in by_first.items()
        }

    def __len__(self) -> int:
        return sum(len(group) for group in self.by_first.values())

    def starting(self, text: str) -> tuple[str, ...]:
        return self.by_first.get(text[:1], ())


def _with_short_forms(names: Iterable[str], short: bool = True) -> set[str]:
    """The names, and (``short``) each without its level word: 广东省 → 广东, 深圳市 → 深圳."""
    found: set[str] = set()
    for name in names:
        if name in _GROUPING or len(name) < 2:
            continue
        found.add(name)
        if not short:
            continue
        for word in _LEVEL_WORDS:
            if name.endswith(word) and len(name) - len(word) >= 2:
                found.add(name[: -len(word)])
                break
    return found


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    """Provinces and prefecture-level cities of the whole country, from the code table's files
    (present whatever provinces a deployment loaded), with their short forms."""
    data = Path(__file__).resolve().parent.parent / "regions" / "data"
    names: set[str] = set(PROVINCES)
    names.update(p + _PROVINCE_WORDS.get(p, "省") for p in PROVINCES)
    for file in ("provinces.csv", "cities.csv"):
        with (data / file).open(encoding="utf-8") as rows:
            names.update(_with_short_forms(row["name"] for row in csv.DictReader(rows)))
    return frozenset(names)


def place_names() -> Places:
    """Region names to strip from the front: the country's provinces and cities with and without
    their level word ("广东省", "广东", "深圳市", "深圳"), and the districts and counties of the
    provinces this deployment loaded ("潼南区", "潼南": the local names companies carry)."""
    from tiaodu.regions.choices import Level
    from tiaodu.regions.models import Region

    counties = Region.objects.filter(level=Level.COUNTY).values_list("name", flat=True)
    return Places(_country_names() | _with_short_forms(counties))


def normalise(name: str, places: Places | Iterable[str] | None = None) -> str:
    """The key of an investor name; "" for a blank name. ``places`` is :func:`place_names`,
    passed in by callers that normalise many names (one query instead of one per name)."""
    if places is None:
        places = place_names()
    elif not isinstance(places, Places):
        places = Places(places)
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
        for place in places.starting(text):
            if text.startswith(place) and len(text) > len(place) + 1:
                text, changed = text[len(place) :], True
                break
    return text.lower()
