"""居民身份证号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence
(odd for men, even for women), and a check character by ISO 7064 MOD 11-2.

:func:`parse` returns the normalised number with the sex and birth date it encodes, or raises
:class:`IdNumberError` with a stable code: ``id_number_format`` (not 18 characters of digits
and a final X), ``id_number_birth_date`` (no such day, in the future, or before 1900) and
``id_number_checksum`` (the check character does not match).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # "m" or "f" (choices.Sex)
    region_code: str


def check_char(first17: str) -> str:
    """The check character of the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse(raw: str, *, today: date | None = None) -> IdNumber:
    number = "".join(str(raw or "").split()).upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("id_number_format", _("身份证号应为18位(前17位为数字,末位为数字或X)"))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("id_number_birth_date", _("身份证号中的出生日期不存在")) from None
    today = today or timezone.localdate()
    if born > today or born.year < 1900:
        raise IdNumberError("id_number_birth_date", _("身份证号中的出生日期不合理"))
    if check_char(number[:17]) != number[17]:
        raise IdNumberError("id_number_checksum", _("身份证号校验码不正确,请核对"))
    return IdNumber(number, born, "m" if int(number[16]) % 2 else "f", number[:6])


def make(region_code: str, born: date, sequence: int) -> str:
    """A valid number (demo and test data): ``sequence`` 0–999; odd for a man."""
    first17 = f"{region_code[:6]}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
