"""The fonts of official documents.

GB/T 9704-2012 names the faces: 发文机关标志 and 标题 in 小标宋, the text in 仿宋, the first heading
level in 黑体, the second in 楷体, page numbers in 宋体. A government PC has them as 方正小标宋简体,
仿宋_GB2312, 黑体, 楷体_GB2312 and 宋体: the Word file names exactly these (``DOCX_FONTS``), so it
looks right where it is edited and printed.

A PDF carries its fonts. These faces are not free, so the PDF embeds free lookalikes, vendored by
``make assets`` into ``tiaodu/static/vendor/fonts/`` (SIL Open Font License, TrueType outlines that
ReportLab subsets):

* 小标宋 → Noto Serif SC Bold (a heavy Song/Ming face, as 小标宋 is);
* 仿宋 and 宋体 → Noto Serif SC Regular;
* 黑体 → Noto Sans SC Bold;
* 楷体 → AR PL UKai (Debian ``fonts-arphic-ukai``) when installed, else Noto Serif SC Regular: no free
  Kai face with TrueType outlines is vendored (ADR 0039).

A missing vendored file falls back to the bulletin's CJK font (``tiaodu.monitoring.bulletin_render.fonts``:
settings.BULLETIN_FONT, Noto Sans SC, WenQuanYi), so a PDF is still legible; none at all is
``FontMissing``.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "fonts"
LATIN = "Times New Roman"
DOCX_FONTS = {
    "xbs": "方正小标宋简体",
    "fangsong": "仿宋_GB2312",
    "hei": "黑体",
    "kai": "楷体_GB2312",
    "song": "宋体",
}
PDF_FILES = {
    "xbs": (VENDOR_DIR / "NotoSerifSC-Bold.ttf", 0),
    "fangsong": (VENDOR_DIR / "NotoSerifSC-Regular.ttf", 0),
    "hei": (VENDOR_DIR / "NotoSansSC-Bold.ttf", 0),
    "song": (VENDOR_DIR / "NotoSerifSC-Regular.ttf", 0),
}
KAI_CANDIDATES = (
    Path("/usr/share/fonts/truetype/arphic/ukai.ttc"),
    Path("/usr/share/fonts/truetype/arphic-ukai/ukai.ttc"),
)
PDF_NAMES = {
    "xbs": "GovXiaoBiaoSong",
    "fangsong": "GovFangSong",
    "hei": "GovHei",
    "kai": "GovKai",
    "song": "GovSong",
}

_lock = threading.Lock()


def pdf_font_files() -> dict[str, tuple[Path, int]]:
    """The file (and face index) embedded for each role; see the module documentation."""
    files = dict(PDF_FILES)
    kai = next((p for p in KAI_CANDIDATES if p.is_file()), None)
    files["kai"] = (kai, 0) if kai is not None else files["fangsong"]
    missing = [role for role, (path, _i) in files.items() if not path.is_file()]
    if missing:
        from tiaodu.monitoring.bulletin_render.fonts import cjk_font

        fallback = cjk_font()
        for role in missing:
            bold = role in ("xbs", "hei")
            files[role] = (fallback.bold if bold else fallback.regular, fallback.index)
    return files


@lru_cache(maxsize=1)
def pdf_fonts() -> dict[str, str]:
    """Register the faces with ReportLab (once per process; the vendored files are large) and
    return the ReportLab font name of each role: xbs, fangsong, hei, kai, song."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names: dict[str, str] = {}
    loaded: dict[tuple[Path, int], str] = {}
    with _lock:
        for role, (path, index) in pdf_font_files().items():
            if (path, index) in loaded:  # one file, parsed and embedded once (仿宋 and 宋体)
                names[role] = loaded[(path, index)]
                continue
            name = PDF_NAMES[role]
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
            loaded[(path, index)] = name
            names[role] = name
    return names
