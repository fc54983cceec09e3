"""Punctuation of running Chinese text by 《标点符号用法》GB/T 15834-2011.

Reports compose their sentences from figures and names, often with ASCII punctuation
("增长5.2%,排名第3位(序时进度50.0%)"). :func:`official` rewrites such text for a paper:

* ``, ; : ? ! .`` next to Chinese → ``，；：？！。`` (the spaces around them dropped); a comma or
  colon between two digits stays (``1,234.5``, ``10:30``), and a full stop only becomes ``。`` after
  a Chinese character at the end of a sentence (``5.2`` and ``v1.2`` stay);
* ``( )`` → ``（ ）`` when the pair encloses or touches Chinese (``(一)``, ``(序时进度50.0%)``);
  ``f(x)`` stays;
* straight quotes ``"…"`` → ``“…”`` and ``'…'`` → ``‘…’`` around or next to Chinese (an apostrophe in an
  English word stays);
* ranges: ``-``, ``–`` or ``~`` between Chinese date parts (``1月-2月``, ``1-2月``,
  ``2021年-2022年``) → 一字线 ``—`` (``2022-03-31`` stays); ``~`` between numbers (``5~10``, ``5%~10%``) → 浪纹线 ``～``;
* URLs and e-mail addresses are left exactly as they are; ``%`` and decimals stay half-width.

The function is idempotent: text already in official punctuation comes back unchanged.
"""

from __future__ import annotations

import re

_NOT_URL = "\\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"  # a URL ends at a space or Chinese
_PROTECTED = re.compile(
    rf"(?:https?|ftp)://[^{_NOT_URL}]*[^{_NOT_URL},.;:!?)'\"]"  # trailing marks are the sentence's
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。", "(": "（", ")": "）"}
_DATE_RANGE = re.compile(r"(?<=[年月日号时])\s*[-–~～]\s*(?=\d)")
_SPAN_RANGE = re.compile(r"(?<=\d)\s*[-–~～]\s*(?=\d+(?:年|月|日|号|季度))")  # 1-2月, 2021-2022年
_NUMBER_RANGE = re.compile(r"(?<=[\d%％])\s*~\s*(?=\d)")
_ELLIPSIS = re.compile(r"(?<=[\u4e00-\u9fff])(?:\.{3,6}|…(?!…))")


def is_cjk(char: str) -> bool:
    """A Chinese character or full-width punctuation (the context that calls for full-width marks)."""
    if not char:
        return False
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0x3000 <= code <= 0x303F  # CJK symbols and punctuation: 、。〔〕《》
        or 0xFF01 <= code <= 0xFF5E  # full-width forms: ，（）：；
        or 0x2018 <= code <= 0x201D  # curly quotes “”‘’
        or code in (0x2014, 0x2026)  # — …
        or 0x20000 <= code <= 0x2FA1F
    )


def _is_han(char: str) -> bool:
    return bool(char) and (0x4E00 <= ord(char) <= 0x9FFF or 0x3400 <= ord(char) <= 0x4DBF)


def _prev(chars: list[str], i: int) -> str:
    j = i - 1
    while j >= 0 and chars[j] in (" ", ""):
        j -= 1
    return chars[j] if j >= 0 else ""


def _next(chars: list[str], i: int) -> str:
    j = i + 1
    while j < len(chars) and chars[j] in (" ", ""):
        j += 1
    return chars[j] if j < len(chars) else ""


def _strip_spaces(chars: list[str], i: int) -> None:
    """Drop the spaces around position ``i`` (a mark now full-width carries its own spacing)."""
    j = i - 1
    while j >= 0 and chars[j] == " ":
        chars[j] = ""
        j -= 1
    j = i + 1
    while j < len(chars) and chars[j] == " ":
        chars[j] = ""
        j += 1


def _pairs(chars: list[str], opening: str, closing: str) -> list[tuple[int, int | None]]:
    """Matched (open, close) positions of brackets; unmatched ones with ``None``/own index."""
    found: list[tuple[int, int | None]] = []
    stack: list[int] = []
    for i, char in enumerate(chars):
        if char == opening:
            stack.append(i)
        elif char == closing:
            if stack:
                found.append((stack.pop(), i))
            else:
                found.append((i, None))
    found.extend((i, None) for i in stack)
    return found


def _brackets(chars: list[str]) -> None:
    for start, end in _pairs(chars, "(", ")"):
        if end is None:
            if is_cjk(_prev(chars, start)) or is_cjk(_next(chars, start)):
                chars[start] = _FULL[chars[start]]
            continue
        inner = chars[start + 1 : end]
        if any(_is_han(c) for c in inner) or is_cjk(_prev(chars, start)) or is_cjk(_next(chars, end)):
            chars[start], chars[end] = "（", "）"
            _strip_spaces(chars, start)
            _strip_spaces(chars, end)


def _quotes(chars: list[str], mark: str, left: str, right: str, words: bool) -> None:
    positions = [i for i, c in enumerate(chars) if c == mark]
    if words:  # an apostrophe inside an English word (don't) is not a quote
        positions = [
            i
            for i in positions
            if not (
                0 < i < len(chars) - 1
                and chars[i - 1].isascii()
                and chars[i - 1].isalpha()
                and chars[i + 1].isascii()
                and chars[i + 1].isalpha()
            )
        ]
    for a, b in zip(positions[::2], positions[1::2], strict=False):
        inner = chars[a + 1 : b]
        touching = is_cjk(_prev(chars, a)) or is_cjk(_next(chars, b))
        if any(_is_han(c) for c in inner) or (touching and not words):
            chars[a], chars[b] = left, right


def _marks(chars: list[str]) -> None:
    for i, char in enumerate(chars):
        if len(char) != 1 or char not in ",;:?!.":
            continue
        before, after = _prev(chars, i), _next(chars, i)
        raw_before = chars[i - 1] if i > 0 else ""
        raw_after = chars[i + 1] if i + 1 < len(chars) else ""
        if char == ".":
            # only a sentence's end after Chinese: not 5.2, v1.2, "例如.doc"
            if (_is_han(raw_before) or raw_before in "%％）”’") and (
                not raw_after or raw_after == " " or _is_han(raw_after) or raw_after in "”’）"
            ):
                chars[i] = "。"
                _strip_spaces(chars, i)
            continue
        if char in ",:" and raw_before.isdigit() and raw_after.isdigit():
            continue  # 1,234 and 10:30
        if is_cjk(before) or is_cjk(after):
            chars[i] = _FULL[char]
            _strip_spaces(chars, i)


def _convert(text: str) -> str:
    text = _DATE_RANGE.sub("—", text)
    text = _SPAN_RANGE.sub("—", text)
    text = _NUMBER_RANGE.sub("～", text)
    text = _ELLIPSIS.sub("……", text)
    chars = list(text)
    _brackets(chars)
    _quotes(chars, '"', "“", "”", words=False)
    _quotes(chars, "'", "‘", "’", words=True)
    _marks(chars)
    return "".join(chars)


def official(text: str) -> str:
    """``text`` with GB/T 15834 punctuation in its Chinese running text (see the module)."""
    if not text or not any(is_cjk(c) for c in text):
        return text
    parts: list[str] = []
    last = 0
    for match in _PROTECTED.finditer(text):
        parts.append(_convert(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_convert(text[last:]))
    return "".join(parts)


def half_width_marks(text: str) -> list[str]:
    """The half-width ``, ; : ( ) ? !`` that stand next to a Chinese character in ``text`` — what
    the format test expects to be empty for official running text (URLs left out)."""
    found: list[str] = []
    text = _PROTECTED.sub(" ", text)
    for i, char in enumerate(text):
        if len(char) != 1 or char not in ",;:()?!":
            continue
        before = text[i - 1] if i > 0 else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if _is_han(before) or _is_han(after):
            found.append(text[max(0, i - 6) : i + 7])
    return found
