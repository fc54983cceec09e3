"""首报制: is this investor already in the district's pipeline, and who reported it first?

An investor is already in the pipeline when a lead or a project of the same district has

1. the same 统一社会信用代码, or
2. the same investor key (:func:`tiaodu.investment.names.normalise`: legal form, brackets and
   region prefixes stripped), or
3. a near key: ``rapidfuzz.fuzz.ratio`` ≥ :data:`FUZZY_CUTOFF` (90) between the keys, when both
   keys have at least :data:`FUZZY_MIN_LENGTH` (4) characters, the numbers in them are the same
   ("测试投资1" is not "测试投资11", "中建三局第一" is not "中建三局第二"; a Chinese numeral
   dropped or added as a word, 零部件 / 部件, does not count) and they do not carry two
   different credit codes (two codes are two legal entities).

What the thresholds mean for Chinese keys: ratio = 1 − (insertions + deletions) / (len₁ + len₂).
At 90 a key of 5–9 characters may differ by one inserted or deleted character ("海康威视数字" /
"海康威视数字技"), from 10 characters by one substituted character, so two-character keys such
as "华光" / "华为" and four-character ones such as "宏达化工" / "宏大化工" only ever match exactly.

The first report of a key or code is the entry with the earliest report date (a lead's 报送日期,
a project's 首报日期, else the day it was entered). Entries that are themselves duplicates waiting
for or confirmed by 招商投资局, closed leads, leads already converted (their project stands for
them) and terminated projects are not in the index.

Matching is never O(n²): codes and keys are dictionaries, and the fuzzy step is a blocking
index over character bigrams. With d the largest insert/delete distance the cutoff allows (1 for
keys of 5–8 characters, 2 up to 13), a near key is the query with some characters deleted (the
variants are enumerated and looked up as keys) and some inserted: one insertion leaves each
pair of neighbouring characters adjacent or one apart (pairs with gap 1 and 2 are indexed per key
length, the rarest pair is probed); more insertions split at most that many bigrams (the
rarest ins + 1 are probed). Only the candidates are scored (``rapidfuzz.process.extract``).
Recall is complete under the cutoff; the cost is a few dictionary lookups and short posting
lists per name.

The enterprise registry is checked separately (:meth:`InvestorIndex.find_enterprise`): an
investor that is already an enterprise of the district (增资扩产, a second project) is worth
knowing, but it is not somebody else's first report, so it never refuses an entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q
from rapidfuzz import fuzz, process

from tiaodu.investment.names import Places, normalise, place_names

KINDS = ("lead", "project", "target", "enterprise")
KIND_LABELS = {"lead": "线索", "project": "在库项目", "target": "目标企业", "enterprise": "区内企业"}
FUZZY_CUTOFF = 90.0
FUZZY_MIN_LENGTH = 4
_DIGITS = re.compile(r"[0-9]+")
_NUMERALS = re.compile(r"[零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+")


@dataclass(frozen=True)
class Match:
    """The entry an investor matches: its kind ("lead", "project", "target", "enterprise"), its
    primary key, the investor as it was written there, the 首报单位 and 首报日期, whether the
    code or key was equal (``exact``) and the similarity of the keys (100 when exact). ``title``
    is what the entry is called on screen (a project's name, a lead's investor)."""

    kind: str
    pk: int
    investor_name: str
    reporter: str
    reported_on: date | None
    exact: bool
    score: float
    title: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "id": self.pk,
            "investor_name": self.investor_name,
            "title": self.title or self.investor_name,
            "reporter": self.reporter,
            "reported_on": self.reported_on.isoformat() if self.reported_on else None,
            "exact": self.exact,
            "score": round(self.score, 1),
        }


@dataclass
class _Entry:
    kind: str
    pk: int
    name: str
    code: str
    reporter: str
    reported_on: date | None
    title: str = ""

    def first_before(self, other: _Entry) -> bool:
        """Whether this entry was reported before ``other`` (undated entries count as last)."""
        mine, theirs = self.reported_on or date.max, other.reported_on or date.max
        return (mine, self.pk) < (theirs, other.pk)

    def match(self, exact: bool, score: float) -> Match:
        return Match(
            self.kind,
            self.pk,
            self.name,
            self.reporter,
            self.reported_on,
            exact,
            score,
            self.title or self.name,
        )


def _pairs(key: str, gap: int) -> set[str]:
    """The distinct pairs of characters ``gap`` apart (gap 1: the bigrams)."""
    return {key[i] + key[i + gap] for i in range(len(key) - gap)}


def _max_edits(length: int, cutoff: float = FUZZY_CUTOFF) -> int:
    """The largest insert/delete distance a key of ``length`` may have to one scoring ≥ cutoff:
    d ≤ (1 − c)(l₁ + l₂) and l₂ ≤ l₁ + d give d ≤ 2(1 − c)·l₁ / c."""
    c = cutoff / 100
    return int(2 * (1 - c) * length / c + 1e-9)


def _numbers(key: str) -> tuple[list[str], list[str]]:
    return _DIGITS.findall(key), _NUMERALS.findall(key)


def _same_numbers(a: tuple[list[str], list[str]], b: tuple[list[str], list[str]]) -> bool:
    """Digits must be the same; Chinese numerals only when both keys have as many of them (a
    numeral changed: 第一/第二), since they are also plain words (零部件, 万达, 一汽) that a typo
    may drop."""
    if a[0] != b[0]:
        return False
    return len(a[1]) != len(b[1]) or a[1] == b[1]


def clean_code(code: str | None) -> str:
    return (code or "").strip().upper()


@dataclass
class _Table:
    """Entries by code, by key, and the bigram postings of the distinct keys."""

    by_code: dict[str, _Entry] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)  # the first report of each key
    # (pair of characters, gap, length of the key) → ids of the keys of that length holding the
    # pair next to each other (gap 1: a bigram) or with one character between them (gap 2).
    postings: dict[tuple[str, int, int], list[int]] = field(default_factory=dict)

    def add(self, entry: _Entry, key: str) -> None:
        if entry.code:
            known = self.by_code.get(entry.code)
            if known is None or entry.first_before(known):
                self.by_code[entry.code] = entry
        if not key:
            return
        found = self.by_key.get(key)
        if found is not None:
            if entry.first_before(self.entries[found]):
                self.entries[found] = entry
            return
        index = len(self.keys)
        self.by_key[key] = index
        self.keys.append(key)
        self.entries.append(entry)
        if len(key) >= FUZZY_MIN_LENGTH:
            size = len(key)
            for gap in (1, 2):
                for pair in _pairs(key, gap):
                    self.postings.setdefault((pair, gap, size), []).append(index)

    def near(self, key: str, edits: int) -> set[int]:
        """Ids of the keys within ``edits`` insertions and deletions of ``key`` (a superset).

        A key K at distance del + ins is some variant Q′ of ``key`` with ``del`` characters
        deleted, with ``ins`` characters inserted. For every variant with ``del`` ≤ ``edits``
        deletions: look the variant up as a key (ins = 0) and, when insertions remain, take the
        keys that are the variant with insertions (:meth:`_inserted`). Deletions are
        enumerated (a few dozen variants at most), so the posting lists probed stay short."""
        found: set[int] = set()
        variants = {key}
        for deleted in range(edits + 1):
            if deleted:
                variants = {v[:i] + v[i + 1 :] for v in variants for i in range(len(v))}
            room = edits - deleted
            for variant in variants:
                hit = self.by_key.get(variant)
                if hit is not None and variant != key:
                    found.add(hit)
                if not room or len(variant) < 2:
                    continue
                found.update(self._inserted(variant, room))
        return found

    def _inserted(self, variant: str, room: int) -> set[int]:
        """Keys that are ``variant`` with 1 … ``room`` characters inserted (a superset).

        One insertion (``room`` 1) keeps every pair of neighbouring characters of the variant
        either adjacent (gap 1) or one apart (gap 2, the insertion between them): the pair with
        the shortest posting lists is enough. More insertions: the keys holding one of the
        room + 1 rarest bigrams (each insertion splits one)."""
        found: set[int] = set()
        if room == 1:
            size = len(variant) + 1
            lists = {
                p: (self.postings.get((p, 1, size), ()), self.postings.get((p, 2, size), ()))
                for p in _pairs(variant, 1)
            }
            rarest = min(lists, key=lambda p: len(lists[p][0]) + len(lists[p][1]))
            found.update(lists[rarest][0])
            found.update(lists[rarest][1])
            return found
        sizes = range(len(variant) + 1, len(variant) + room + 1)
        grams = {g: [self.postings.get((g, 1, n), ()) for n in sizes] for g in _pairs(variant, 1)}
        for gram in sorted(grams, key=lambda g: sum(len(ids) for ids in grams[g]))[: room + 1]:
            for ids in grams[gram]:
                found.update(ids)
        return found

    def find(self, key: str, code: str) -> Match | None:
        if code and code in self.by_code:
            return self.by_code[code].match(True, 100.0)
        if not key:
            return None
        found = self.by_key.get(key)
        if found is not None:
            return self.entries[found].match(True, 100.0)
        edits = _max_edits(len(key))
        if len(key) < FUZZY_MIN_LENGTH or edits == 0:
            return None
        candidates = self.near(key, edits)
        if not candidates:
            return None
        ids = list(candidates)
        numbers = _numbers(key)
        scored = process.extract(
            key,
            [self.keys[i] for i in ids],
            scorer=fuzz.ratio,
            score_cutoff=FUZZY_CUTOFF,
            limit=None,
        )
        best: tuple[float, int] | None = None
        for _choice, score, position in scored:
            index = ids[position]
            entry = self.entries[index]
            if not _same_numbers(_numbers(self.keys[index]), numbers):
                continue
            if code and entry.code and entry.code != code:
                continue
            if best is None or (score, -index) > (best[0], -best[1]):
                best = (score, index)
        if best is None:
            return None
        return self.entries[best[1]].match(False, float(best[0]))


class InvestorIndex:
    """The investors of one district's pipeline (leads and projects), loaded set-based once.

    ``find`` answers "is this investor already in the pipeline, and whose first report is it";
    ``add`` puts an accepted entry in (an import adds each row it accepts, so a file that names
    an investor twice is caught at the second row). See the module docstring for the rules.
    """

    def __init__(self, district: Any, places: Places | Iterable[str] | None = None) -> None:
        self.district = district
        self.places = (
            place_names() if places is None else places if isinstance(places, Places) else Places(places)
        )
        self._pipeline = _Table()
        self._enterprises: _Table | None = None
        self._keys: dict[str, str] = {}

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def for_district(cls, district: Any) -> InvestorIndex:
        """All leads and projects of ``district`` that stand as reports of their investor."""
        index = cls(district)
        index._load()
        return index

    @classmethod
    def for_name(
        cls,
        district: Any,
        name: str,
        credit_code: str = "",
        exclude: Iterable[tuple[str, int]] = (),
    ) -> InvestorIndex:
        """An index holding only the entries that could match ``name`` / ``credit_code`` (for one
        entry at a time: a form, an API call). The candidates are narrowed in the database by
        code, key, and the key containing one of the bigrams a near key must share; ``exclude``
        leaves entries out (("lead", pk), ("project", pk)): the record being checked itself."""
        index = cls(district)
        key = index.key(name)
        code = clean_code(credit_code)
        q = Q(investor_key=key) if key else Q(pk__in=[])
        if code:
            q |= Q(investor_credit_code=code)
        if len(key) >= FUZZY_MIN_LENGTH:
            grams = sorted(_pairs(key, 1))[: 2 * _max_edits(len(key)) + 1]
            for gram in grams:
                q |= Q(investor_key__contains=gram)
        index._load(q, set(exclude))
        return index

    def _load(self, narrow: Q | None = None, exclude: set[tuple[str, int]] | None = None) -> None:
        from tiaodu.investment.choices import DuplicateStatus, LeadStatus, Stage
        from tiaodu.investment.models import InvestmentProject, Lead

        exclude = exclude or set()
        not_first = (DuplicateStatus.PENDING, DuplicateStatus.CONFIRMED)
        leads = (
            Lead.objects.filter(region=self.district, project__isnull=True)
            .exclude(duplicate_status__in=not_first)
            .exclude(status=LeadStatus.CLOSED)
        )
        projects = (
            InvestmentProject.objects.filter(region=self.district)
            .exclude(duplicate_status__in=not_first)
            .exclude(stage=Stage.TERMINATED)
        )
        if narrow is not None:
            leads, projects = leads.filter(narrow), projects.filter(narrow)
        rows = leads.values_list(
            "pk",
            "investor_name",
            "investor_key",
            "investor_credit_code",
            "reporter__name",
            "reporting_team__name",
            "reported_on",
        )
        for pk, name, key, code, reporter, team, on in rows.iterator(5000):
            if ("lead", pk) not in exclude:
                entry = _Entry("lead", pk, name, code, reporter or team or "", on)
                self._pipeline.add(entry, key)
        prows = projects.values_list(
            "pk",
            "name",
            "investor_name",
            "investor_key",
            "investor_credit_code",
            "first_reporter__name",
            "lead_unit__name",
            "first_reported_on",
            "created_at",
        )
        for pk, title, name, key, code, reporter, unit, first_on, created in prows.iterator(5000):
            if ("project", pk) not in exclude:
                when: date | None = first_on or (created.date() if created else None)
                entry = _Entry("project", pk, name, code, reporter or unit or "", when, title)
                self._pipeline.add(entry, key)

    # --- asking -----------------------------------------------------------------------------

    def key(self, name: str) -> str:
        """The investor key of ``name`` (remembered: an import asks for the same names often)."""
        found = self._keys.get(name)
        if found is None:
            found = self._keys[name] = normalise(name, self.places)
        return found

    def find(self, name: str, credit_code: str = "") -> Match | None:
        """The first report of this investor in the pipeline, or ``None``."""
        return self._pipeline.find(self.key(name), clean_code(credit_code))

    def add(
        self,
        kind: str,
        pk: int,
        name: str,
        credit_code: str = "",
        reporter: str = "",
        reported_on: date | None = None,
    ) -> None:
        """Put an entry in the index (it becomes the first report of its key and code unless one
        was reported earlier)."""
        entry = _Entry(kind, pk, name, clean_code(credit_code), reporter, reported_on)
        self._pipeline.add(entry, self.key(name))

    def __len__(self) -> int:
        return len(self._pipeline.entries)

    # --- the enterprise registry ------------------------------------------------------------

    def find_enterprise(self, name: str, credit_code: str = "") -> Match | None:
        """The district's registered enterprise this investor is (kind "enterprise"), by code,
        key or near key; informative only (see the module docstring). Loaded on first use."""
        if self._enterprises is None:
            self._enterprises = self._load_enterprises()
        return self._enterprises.find(self.key(name), clean_code(credit_code))

    def _load_enterprises(self) -> _Table:
        from tiaodu.enterprises.models import Enterprise

        table = _Table()
        rows = Enterprise.objects.filter(township__path__startswith=self.district.path).values_list(
            "pk", "name", "credit_code", "township__name"
        )
        for pk, name, code, township in rows.iterator(5000):
            table.add(_Entry("enterprise", pk, name, clean_code(code), township or "", None), self.key(name))
        return table
