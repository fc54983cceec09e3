"""GB/T 4754-2017 (国民经济行业分类): the 门类 (sections A–T) by their 大类 (divisions), their names,
and the check of a code as staff write it (a section letter, or a 2–4 digit code; the letter may
lead the digits: "C3911")."""

from __future__ import annotations

from tiaodu.core.errors import invalid

# Sections by their first and last division.
SECTIONS: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 5),
    ("B", 6, 12),
    ("C", 13, 43),
    ("D", 44, 46),
    ("E", 47, 50),
    ("F", 51, 52),
    ("G", 53, 60),
    ("H", 61, 62),
    ("I", 63, 65),
    ("J", 66, 69),
    ("K", 70, 70),
    ("L", 71, 72),
    ("M", 73, 75),
    ("N", 76, 79),
    ("O", 80, 82),
    ("P", 83, 83),
    ("Q", 84, 85),
    ("R", 86, 90),
    ("S", 91, 96),
    ("T", 97, 97),
)
SECTION_NAMES = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}


def section_of_division(division: int) -> str | None:
    return next((letter for letter, first, last in SECTIONS if first <= division <= last), None)


def section_of(code: str) -> str | None:
    """The section letter of a code ("C", "39", "3911", "C3911" → "C"); None when unknown."""
    code = (code or "").strip()
    if code[:1].isalpha():
        return code[:1].upper()
    if not code[:2].isdigit():
        return None
    return section_of_division(int(code[:2]))


def section_name(code: str) -> str:
    """The name of the section a code falls in ("3911" → "制造业"); "" when unknown."""
    return SECTION_NAMES.get(section_of(code) or "", "")


def check_code(code: str, field: str = "industry_code") -> None:
    """Refuse what is not a GB/T 4754-2017 code: a section letter or 2 to 4 digits (optionally
    after the letter)."""
    if (code and not ((code[0].isalpha() and code[1:].isdigit()) or code.isdigit())) or len(code) > 5:
        raise invalid(field, "industry_code_invalid", "行业代码应为 GB/T 4754-2017 的门类字母或2至4位数字")
