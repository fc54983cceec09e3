"""The Chinese font the bulletin's charts are drawn with (ADR 0023), and the fallback of the
official documents' PDF fonts when their vendored faces are missing (ADR 0039: the bulletin's PDF
is an official document since issue 17 and embeds the faces of ``tiaodu.core.officialdoc.fonts``).

Looked for, in order:

1. ``settings.BULLETIN_FONT`` (a TrueType ``.ttf``/``.ttc`` path), when a deployment sets it;
2. Noto Sans SC Regular and Bold, vendored from npm (``@expo-google-fonts/noto-sans-sc``, SIL Open
   Font License) by ``make assets`` into ``tiaodu/static/vendor/fonts/``: TrueType (``glyf``)
   outlines, which ReportLab can subset and embed, and the same on every machine;
3. a system CJK TrueType font (WenQuanYi Zen Hei from Debian's ``fonts-wqy-zenhei``, …).

OpenType/CFF fonts (Noto Sans CJK ``.ttc``) are skipped: ReportLab embeds TrueType outlines only.
No font found is :class:`FontMissing` (``bulletin_font_missing``) — never a PDF or chart with empty
boxes where the Chinese should be.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from tiaodu.core.errors import ServiceError

VENDOR_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "fonts"
VENDORED = (VENDOR_DIR / "NotoSansSC-Regular.ttf", VENDOR_DIR / "NotoSansSC-Bold.ttf")
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
PDF_REGULAR = "TiaoduCJK"
PDF_BOLD = "TiaoduCJK-Bold"

_lock = threading.Lock()


class FontMissing(ServiceError):
    def __init__(self) -> None:
        message = (
            "未找到可嵌入的中文TrueType字体:请运行 make assets(安装 Noto Sans SC),"
            "或安装 fonts-wqy-zenhei,或在设置 BULLETIN_FONT 中指定字体文件"
        )
        super().__init__("bulletin_font_missing", message, [], 500)


@dataclass(frozen=True)
class CjkFont:
    regular: Path
    bold: Path  # the regular file again when there is no bold face
    index: int = 0  # the face within a .ttc collection

    @property
    def vendored(self) -> bool:
        return self.regular == VENDORED[0]


def _truetype(path: Path) -> bool:
    """Whether the file is a TrueType font (or collection) with ``glyf`` outlines."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    if head[:4] == b"ttcf":
        try:
            from fontTools.ttLib import TTCollection

            with TTCollection(str(path), lazy=True) as coll:
                return "glyf" in coll.fonts[0]
        except Exception:
            return False
    return head[:4] in (b"\x00\x01\x00\x00", b"true")


@lru_cache(maxsize=1)
def cjk_font() -> CjkFont:
    """The font to use (see the module documentation); :class:`FontMissing` when there is none."""
    configured = getattr(settings, "BULLETIN_FONT", None)
    if configured:
        path = Path(configured)
        if path.is_file() and _truetype(path):
            return CjkFont(path, path)
    if all(p.is_file() for p in VENDORED):
        return CjkFont(*VENDORED)
    for path in SYSTEM_FONTS:
        if path.is_file() and _truetype(path):
            return CjkFont(path, path)
    raise FontMissing


@lru_cache(maxsize=1)
def pdf_fonts() -> tuple[str, str]:
    """Register the font with ReportLab (once) and return the (regular, bold) font names."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = cjk_font()
    with _lock:
        pdfmetrics.registerFont(TTFont(PDF_REGULAR, str(font.regular), subfontIndex=font.index))
        pdfmetrics.registerFont(TTFont(PDF_BOLD, str(font.bold), subfontIndex=font.index))
        addMapping(PDF_REGULAR, 0, 0, PDF_REGULAR)
        addMapping(PDF_REGULAR, 1, 0, PDF_BOLD)
        addMapping(PDF_REGULAR, 0, 1, PDF_REGULAR)
        addMapping(PDF_REGULAR, 1, 1, PDF_BOLD)
    return PDF_REGULAR, PDF_BOLD


@lru_cache(maxsize=1)
def chart_font_family() -> str:
    """Register the font with matplotlib (once) and return its family name."""
    from matplotlib import font_manager

    font = cjk_font()
    with _lock:
        font_manager.fontManager.addfont(str(font.regular))
        if font.bold != font.regular:
            font_manager.fontManager.addfont(str(font.bold))
        return str(font_manager.FontProperties(fname=str(font.regular)).get_name())
