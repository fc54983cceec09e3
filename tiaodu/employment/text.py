"""Chinese text into words for matching (jieba, precise mode).

Vacancies and jobseekers keep their words in a ``tokens`` column, cut once when the row is
written, so the matching index is built without cutting 100,000 texts again. Single characters
and punctuation are dropped; a few words that say nothing about a job are stop words.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

STOP_WORDS = frozenset(
    [
        "工作",
        "经历",
        "经验",
        "有",
        "和",
        "及",
        "与",
        "或",
        "等",
        "的",
        "了",
        "在",
        "年",
        "月",
        "个",
        "人",
        "能",
        "会",
        "可",
        "以上",
        "以下",
        "优先",
        "要求",
        "岗位",
        "相关",
        "从事",
        "负责",
        "熟悉",
        "具有",
        "具备",
        "一定",
        "能够",
        "良好",
        "身体健康",
        "吃苦耐劳",
        "愿意",
        "服从",
        "安排",
    ]
)
_WORD = re.compile(r"[\w]+")


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def words(*texts: str) -> list[str]:
    """The words of the texts, in order, repeats kept (term frequency matters to BM25)."""
    cut = _jieba().lcut
    out: list[str] = []
    for text in texts:
        if not text:
            continue
        for word in cut(text):
            word = word.strip().lower()
            if len(word) < 2 or word in STOP_WORDS or not _WORD.fullmatch(word):
                continue
            out.append(word)
    return out


def tokenize(*texts: str) -> str:
    """The stored form of :func:`words`: space-separated."""
    return " ".join(words(*texts))
