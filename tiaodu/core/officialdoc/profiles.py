"""Who issues a report as an official document: the issuing profile of a district and report kind.

    from tiaodu.core.officialdoc.profiles import official_document, export_options

    options = export_options(request.GET)  # ?number=12&signed_on=2022-03-31
    doc = official_document("safety", district, title, signed_on=options.signed_on or end, number=options.number)
    doc.paragraph(...)

A district's profile for a kind (:class:`tiaodu.core.models.IssuingProfile`, edited by
administrators at 公文发文设置) gives the 发文机关, its 发文机关标志, the 机关代字 of its document
numbers, the 主送机关, 抄送 and 印发机关. Without a row the defaults are derived from the region:
the district's full name and the department that usually reports the kind, e.g. for the monthly
bulletin of 潼南区 "重庆市潼南区经济和信息化委员会" / "重庆市潼南区经济和信息化委员会文件" /
"潼经信〔2022〕12号" (ADR 0039). The 序号 of the number is the exporter's (``?number=``): the
platform does not keep a register of documents, so no number is invented — without one the
document has no 发文字号 line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext

from tiaodu.core.errors import FieldError, ServiceError
from tiaodu.core.officialdoc import Letterhead, OfficialDocument

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tiaodu.regions.models import Region

# kind → (department of the district, 机关代字 after the district's first character)
DEPARTMENTS: dict[str, tuple[str, str]] = {
    "bulletin": ("经济和信息化委员会", "经信"),
    "enterprises": ("经济和信息化委员会", "经信"),
    "projects": ("发展和改革委员会", "发改"),
    "dispatch": ("发展和改革委员会", "发改"),
    "investment": ("招商投资促进局", "招商"),
    "safety": ("应急管理局", "应急"),
    "employment": ("人力资源和社会保障局", "人社"),
    "targets": ("人民政府办公室", "府办"),
}
DEFAULT_ADDRESSEE = "各镇人民政府、街道办事处，区级有关部门"
DEFAULT_CC = ("区委办公室", "区人大常委会办公室", "区政府办公室", "区政协办公室")
MAX_SERIAL = 9999


@dataclass(frozen=True)
class Profile:
    kind: str
    issuer: str
    mark: str
    number_prefix: str = ""
    addressee: str = ""
    cc: tuple[str, ...] = ()
    printer: str = ""

    def number(self, year: int, serial: int | None) -> str:
        """发文字号 "潼经信〔2022〕12号" (GB/T 9704 7.2.4: 六角括号, no leading zeros); empty
        without a serial or a prefix."""
        if not serial or not self.number_prefix:
            return ""
        return f"{self.number_prefix}〔{year}〕{serial}号"


@dataclass(frozen=True)
class ExportOptions:
    """The export parameters of an official document: 发文字号序号 and 成文日期."""

    number: int | None = None
    signed_on: date | None = None


def district_of(region: Region | None) -> Region | None:
    """The county-level region a region lies in; the platform's home district by default."""
    from tiaodu.regions.models import Region
    from tiaodu.regions.services import county_of

    if region is not None:
        county = county_of(region)
        if county is not None:
            return county
    return Region.objects.filter(code=settings.HOME_REGION_CODE).first()


def _full_name(district: Region) -> str:
    try:
        return district.full_name
    except Exception:  # a region without its ancestors loaded: its own name
        return district.name


def default_profile(kind: str, district: Region | None) -> Profile:
    """The profile derived from the district (see the module documentation)."""
    department, code = DEPARTMENTS.get(kind, DEPARTMENTS["bulletin"])
    if district is None:
        issuer = department
        prefix = ""
    else:
        issuer = _full_name(district) + department
        prefix = district.name[:1] + code
    printer = issuer if issuer.endswith("办公室") else f"{issuer}办公室"
    return Profile(
        kind=kind,
        issuer=issuer,
        mark=f"{issuer}文件",
        number_prefix=prefix,
        addressee=DEFAULT_ADDRESSEE,
        cc=DEFAULT_CC,
        printer=printer,
    )


def issuing_profile(kind: str, region: Region | None) -> Profile:
    """The district's profile for ``kind``: its :class:`IssuingProfile` row, else the defaults."""
    from tiaodu.core.models import IssuingProfile

    district = district_of(region)
    default = default_profile(kind, district)
    if district is None:
        return default
    row = IssuingProfile.objects.filter(region=district, kind=kind).first()
    if row is None:
        return default
    issuer = row.issuer or default.issuer
    return Profile(
        kind=kind,
        issuer=issuer,
        mark=row.mark or f"{issuer}文件",
        number_prefix=row.number_prefix,
        addressee=row.addressee,
        cc=tuple(line.strip() for line in row.cc.splitlines() if line.strip()),
        printer=row.printer or (issuer if issuer.endswith("办公室") else f"{issuer}办公室"),
    )


def letterhead_for(
    kind: str, region: Region | None, *, number: int | None = None, year: int | None = None
) -> Letterhead:
    """The 版头 of a district's document of ``kind``; ``number`` is the 序号 of its 发文字号."""
    profile = issuing_profile(kind, region)
    return Letterhead(
        issuer=profile.issuer,
        mark=profile.mark,
        number=profile.number(year or date.today().year, number),
    )


def official_document(
    kind: str,
    region: Region | None,
    title: str,
    *,
    signed_on: date,
    number: int | None = None,
    subject: str = "",
    keywords: list[str] | None = None,
) -> OfficialDocument:
    """An empty document of ``kind`` for the district of ``region``, with its 版头, 主送机关,
    署名, 抄送 and 印发机关 from the issuing profile; the caller adds the blocks."""
    profile = issuing_profile(kind, region)
    return OfficialDocument(
        letterhead=Letterhead(profile.issuer, profile.mark, profile.number(signed_on.year, number)),
        title=title,
        blocks=[],
        signed_on=signed_on,
        signature=profile.issuer,
        addressee=profile.addressee,
        cc=list(profile.cc),
        printer=profile.printer,
        subject=subject or title,
        keywords=list(keywords or []),
        author=profile.issuer,
    )


def export_options(params: Mapping[str, Any]) -> ExportOptions:
    """``?number=`` (发文字号序号, 1–9999) and ``?signed_on=`` (成文日期, YYYY-MM-DD) of an export;
    both optional. Invalid values are :class:`ServiceError` (400) with the stable codes
    ``document_number_invalid`` / ``document_date_invalid``."""
    errors: list[FieldError] = []
    number: int | None = None
    signed_on: date | None = None
    raw_number = str(params.get("number") or "").strip()
    if raw_number:
        if re.fullmatch(r"\d{1,4}", raw_number) and 0 < int(raw_number) <= MAX_SERIAL:
            number = int(raw_number)
        else:
            errors.append(
                FieldError("number", "document_number_invalid", gettext("发文字号序号应为1至9999的整数"))
            )
    raw_date = str(params.get("signed_on") or "").strip()
    if raw_date:
        try:
            signed_on = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(
                FieldError(
                    "signed_on", "document_date_invalid", gettext("成文日期应为“2022-03-31”格式的日期")
                )
            )
    if errors:
        raise ServiceError(errors[0].code, errors[0].message, errors, 400)
    return ExportOptions(number=number, signed_on=signed_on)


def save_profile(user: Any, region: Region, kind: str, **fields: str) -> Any:
    """Create or change the district's profile for ``kind`` (administrators only: 403
    ``forbidden`` otherwise, written to the security log at the boundary). Fields: issuer, mark,
    number_prefix, addressee, cc (one a line), printer."""
    from tiaodu.core.errors import Forbidden
    from tiaodu.core.models import DocumentKind, IssuingProfile
    from tiaodu.core.permissions import can

    district = district_of(region)
    if district is None or kind not in DocumentKind.values:
        raise ServiceError("document_kind_unknown", gettext("未知的公文类别"), status=404)
    if not can(user, "change", IssuingProfile) or not can(user, "add", IssuingProfile):
        raise Forbidden(audit=f"issuing profile {district.code} {kind}")
    cleaned = {k: str(v).strip() for k, v in fields.items()}
    if not cleaned.get("issuer"):
        message = gettext("请填写发文机关")
        raise ServiceError(
            "issuer_required", message, [FieldError("issuer", "issuer_required", message)], 400
        )
    cleaned["cc"] = "\n".join(line.strip() for line in cleaned.get("cc", "").splitlines() if line.strip())
    row, _created = IssuingProfile.objects.update_or_create(region=district, kind=kind, defaults=cleaned)
    return row
