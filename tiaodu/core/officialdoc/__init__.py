"""Official documents (公文): the bulletin and every report as a paper a district office can send.

A report builds an :class:`OfficialDocument` — what the paper says, in order — and the renderers
turn it into Word (``render.render_docx``) and PDF (``render.render_pdf``) laid out by
《党政机关公文格式》GB/T 9704-2012, with the running text in GB/T 15834 punctuation
(``punctuation.official``). The document holds plain strings as the report computed them; the
renderers apply the punctuation rules, so every report gets them in one place.

Parts, as GB/T 9704 names them:

* 版头: ``letterhead`` — 发文机关标志 (``mark``, e.g. "重庆市潼南区经济和信息化委员会文件" or
  "潼南区经济运行监测通报"), 发文字号 (``number``, e.g. "潼经信〔2022〕12号"), and the red rule;
* 主体: ``title`` (标题, 2号小标宋), ``addressee`` (主送机关), ``blocks`` (正文: headings of four
  levels 一、 (一) 1. (1), paragraphs, tables, pictures), ``attachments`` (附件说明),
  ``signature`` (发文机关署名) and ``signed_on`` (成文日期);
* 版记: ``cc`` (抄送机关) and ``printer`` + ``printed_on`` (印发机关和印发日期).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

BlockKind = Literal["heading1", "heading2", "heading3", "heading4", "paragraph", "table", "image"]


@dataclass(frozen=True)
class Letterhead:
    """版头: the issuing body's mark and the document number (empty: left out)."""

    issuer: str  # 发文机关全称: 重庆市潼南区经济和信息化委员会
    mark: str  # 发文机关标志: 重庆市潼南区经济和信息化委员会文件
    number: str = ""  # 发文字号: 潼经信〔2022〕12号


@dataclass(frozen=True)
class DocTable:
    title: str
    header: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    highlight: frozenset[int] = frozenset()  # row indexes to mark (the region's own row)


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""  # heading or paragraph text; an image's caption
    table: DocTable | None = None
    image: bytes = b""  # PNG


@dataclass
class OfficialDocument:
    letterhead: Letterhead
    title: str
    blocks: list[Block]
    signed_on: date  # 成文日期
    signature: str = ""  # 发文机关署名 (the issuer by default)
    addressee: str = ""  # 主送机关: 各镇街，区级有关部门
    attachments: list[str] = field(default_factory=list)  # 附件说明
    cc: list[str] = field(default_factory=list)  # 抄送
    printer: str = ""  # 印发机关 (the issuer's office by default)
    printed_on: date | None = None  # 印发日期 (成文日期 by default)
    subject: str = ""  # PDF/docx metadata: 主题
    keywords: list[str] = field(default_factory=list)
    author: str = ""  # metadata author: the issuer by default

    def heading(self, text: str, level: int = 1) -> None:
        self.blocks.append(Block(f"heading{level}", text))  # type: ignore[arg-type]

    def paragraph(self, text: str) -> None:
        self.blocks.append(Block("paragraph", text))

    def add_table(self, table: DocTable) -> None:
        self.blocks.append(Block("table", table=table))

    def picture(self, png: bytes, caption: str) -> None:
        self.blocks.append(Block("image", caption, image=png))
