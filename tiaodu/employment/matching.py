"""Explainable matching: ranked vacancies for a jobseeker, ranked candidates for a vacancy, with reasons.

Score (points, higher is better) = the sum of the parts below; every part that counts shows as a
:class:`Reason` with its points, so a ranking can always be read back.

========== ==================================================================================
occupation along the 《职业分类大典》 code hierarchy: the jobseeker's desired occupations (else the
           occupation :func:`tiaodu.employment.reference.propose_occupation` reads from the
           求职意向 and the 工作经历) against the vacancy's code; the deepest level they share:
           same 细类 40, 小类 30, 中类 20, 大类 8 (``OCCUPATION_POINTS``).
text       BM25 (``bm25s``, k1 = 1.5, b = 0.75, on the stored jieba ``tokens``) of the other side's
           tokens as the query, divided by the best score in the pool being ranked (so the best
           textual match gets the full 25 points, ``TEXT_POINTS``); the reason names the shared words.
wage       expected wage within reach of the vacancy's ceiling (its floor when no ceiling): 15;
           short of it: 15 × (1 − shortfall / 30 %), down to −5; unknown on either side: 7.5.
commute    minutes = 5 + great-circle km × 1.3 (roads are not straight) ÷ 35 km/h × 60, from the
           jobseeker's township seat (``TownshipSeat``) to the vacancy's point (else its township's
           seat). Within the jobseeker's limit (else the district's default, 60): 10 × (1 − ½ ×
           minutes / limit); over the limit: −20, unless the jobseeker needs a dorm and the
           vacancy offers housing (they will live there: 0). Unknown: 5.
dorm       needs a dorm and the vacancy offers housing: +10; needs one and none offered: −10.
education  below the vacancy's 学历要求: −10.
age        outside the vacancy's stated age range on the day: −15.
========== ==================================================================================

The index of a district (arrays of every open vacancy / every jobseeker with consent, and the
BM25 index of their tokens) is built once and kept in this process; it is rebuilt when the
district's rows change (count and latest ``updated_at`` of the vacancies, of the jobseekers and
their desired occupations, of the township seats, of the occupation catalogue). Those stamps are
re-read at most every ``STAMP_SECONDS`` (5 s), and at once after a save or delete through the ORM
in this process (signals); bulk writes and other processes are seen within the 5 s. Scoring is
vectorised with numpy: one jobseeker against 20,000 vacancies or one vacancy against 100,000
jobseekers is a handful of array operations (bench/bench_matching.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tiaodu.core.pii import mask_name
from tiaodu.employment.choices import DEFAULT_COMMUTE_MINUTES, EDUCATION_RANK, Education, VacancyStatus
from tiaodu.employment.models import (
    EmploymentSettings,
    Jobseeker,
    Occupation,
    TownshipSeat,
    Vacancy,
)

# --- the weights (documented in the module docstring) ---------------------------------------------

OCCUPATION_POINTS = np.array([0.0, 8.0, 20.0, 30.0, 40.0], dtype=np.float32)  # by shared level 0–4
LEVEL_LABELS = {1: "大类", 2: "中类", 3: "小类", 4: "细类"}
TEXT_POINTS = 25.0
WAGE_POINTS = 15.0
WAGE_SHORTFALL_ZERO = 0.30  # a ceiling 30 % under the expectation earns 0 points
WAGE_FLOOR_POINTS = -5.0
COMMUTE_POINTS = 10.0
COMMUTE_PENALTY = -20.0
COMMUTE_BASE_MINUTES = 5.0  # walking to the stop, waiting
DETOUR_FACTOR = 1.3  # road distance / straight-line distance in the hills of western Chongqing
SPEED_KMH = 35.0  # a country bus or a motorbike on county roads
DORM_POINTS = 10.0
DORM_PENALTY = -10.0
EDUCATION_PENALTY = -10.0
AGE_PENALTY = -15.0
MAX_CODES = 3  # desired occupations considered per jobseeker
REASON_WORDS = 4  # shared words named in the text reason
EARTH_KM = 6371.0

_EDU_LABELS = dict(Education.choices)


@dataclass
class Reason:
    kind: str  # occupation, text, wage, commute, dorm, education, age
    label: str
    points: float


@dataclass(slots=True)
class Match:
    score: float
    label: str  # a vacancy: "缝纫工 · 企业名称"; a candidate: masked name and masked ID number
    reasons: list[Reason] = field(default_factory=list)
    vacancy_id: int | None = None
    jobseeker_id: int | None = None
    title: str = ""
    enterprise: str = ""
    township: str = ""


# --- occupation codes -------------------------------------------------------------------------------

_code_ids: dict[str, int] = {}
_code_lock = threading.Lock()


def prefixes(code: str) -> list[str]:
    """``"6-05-01-01"`` → ``["6", "6-05", "6-05-01", "6-05-01-01"]`` (the code's ancestors and itself)."""
    parts = [p for p in (code or "").strip().split("-") if p]
    return ["-".join(parts[: i + 1]) for i in range(min(len(parts), 4))]


def _intern(code: str) -> int:
    found = _code_ids.get(code)
    if found is None:
        with _code_lock:
            found = _code_ids.setdefault(code, len(_code_ids))
    return found


def _level_ids(codes: Sequence[str | None]) -> np.ndarray:
    """(len, 4) ids of each code's four level prefixes, −1 where the code has no such level."""
    out = np.full((len(codes), 4), -1, dtype=np.int64)
    for i, code in enumerate(codes):
        for k, p in enumerate(prefixes(code or "")):
            out[i, k] = _intern(p)
    return out


def shared_level(a: str, b: str) -> int:
    """The deepest level (0 none … 4 细类) codes ``a`` and ``b`` share."""
    level = 0
    for x, y in zip(prefixes(a), prefixes(b), strict=False):
        if x != y:
            break
        level += 1
    return level


def _level_table(profiles: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Shared level of each profile (P, K, 4) with each code (C, 4): (P, C) int8."""
    if profiles.shape[0] == 0 or codes.shape[0] == 0:
        return np.zeros((profiles.shape[0], codes.shape[0]), dtype=np.int8)
    eq = (profiles[:, :, None, :] == codes[None, None, :, :]) & (codes[None, None, :, :] >= 0)
    return eq.sum(axis=3).max(axis=1).astype(np.int8)  # type: ignore[no-any-return]


def _propose(title: str, text: str) -> str | None:
    """The occupation code ``reference.propose_occupation`` reads from a text, if any."""
    from tiaodu.employment import reference

    if not (title or text):
        return None
    occupation = reference.propose_occupation(title, text)
    return occupation.code if occupation is not None else None


# --- commute ----------------------------------------------------------------------------------------


def commute_minutes(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Estimated minutes between points (arrays broadcast): haversine × detour ÷ speed + base."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    km = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return COMMUTE_BASE_MINUTES + km * DETOUR_FACTOR / SPEED_KMH * 60.0


def _seats(district_id: int) -> dict[int, tuple[float, float]]:
    rows = TownshipSeat.objects.filter(
        district_id=district_id, longitude__isnull=False, latitude__isnull=False
    )
    return {
        t: (float(lon or 0), float(lat or 0))
        for t, lon, lat in rows.values_list("township_id", "longitude", "latitude")
    }


# --- the two sides as arrays --------------------------------------------------------------------------


@dataclass
class _Seekers:
    """Jobseekers as arrays (one entry per jobseeker)."""

    ids: np.ndarray
    profile: np.ndarray  # index into profile_codes
    profile_codes: np.ndarray  # (P, MAX_CODES, 4) level ids
    profile_list: list[tuple[str, ...]]
    proposed: np.ndarray  # bool: the codes were proposed from the text
    origin: np.ndarray  # index into origins, −1 unknown
    origins: np.ndarray  # (O, 2) lon, lat
    wage: np.ndarray  # float32, nan unknown
    limit: np.ndarray  # float32 minutes
    dorm: np.ndarray  # bool
    edu: np.ndarray  # int rank, 0 unknown
    birth: np.ndarray  # datetime64[D], NaT unknown
    tokens: list[list[str]]
    labels: list[str]
    townships: list[str]


@dataclass
class _Vacancies:
    ids: np.ndarray
    code: np.ndarray  # index into codes, −1 none
    codes: np.ndarray  # (C, 4) level ids
    code_list: list[str]
    lo: np.ndarray  # float32 nan
    hi: np.ndarray
    housing: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    edu: np.ndarray
    age_min: np.ndarray  # float32 nan
    age_max: np.ndarray
    tokens: list[list[str]]
    titles: list[str]
    enterprises: list[str]
    townships: list[str]


def _f(values: Iterable[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float32)


def _seekers(
    rows: list[dict[str, Any]], seats: dict[int, tuple[float, float]], default_limit: int
) -> _Seekers:
    """Arrays of jobseeker rows (dicts with the Jobseeker fields and ``codes``: desired codes)."""
    profiles: dict[tuple[str, ...], int] = {}
    memo: dict[tuple[str, str], str | None] = {}
    profile, proposed = [], []
    for r in rows:
        codes = tuple(sorted(r["codes"]))[:MAX_CODES]
        was_proposed = False
        if not codes:
            key = (r["desired_text"] or "", r["experience"] or "")
            if key not in memo:
                memo[key] = _propose(*key)
            codes = (memo[key],) if memo[key] else ()
            was_proposed = bool(codes)
        profile.append(profiles.setdefault(codes, len(profiles)))
        proposed.append(was_proposed)
    profile_list = list(profiles)
    profile_codes = np.full((len(profile_list), MAX_CODES, 4), -1, dtype=np.int64)
    for i, codes in enumerate(profile_list):
        if codes:
            profile_codes[i, : len(codes)] = _level_ids(list(codes))
    towns = sorted({t for t in seats})
    town_index = {t: i for i, t in enumerate(towns)}
    origins = np.array([seats[t] for t in towns], dtype=np.float64).reshape(-1, 2)
    return _Seekers(
        ids=np.array([r["id"] for r in rows], dtype=np.int64),
        profile=np.array(profile, dtype=np.int64),
        profile_codes=profile_codes,
        profile_list=profile_list,
        proposed=np.array(proposed, dtype=bool),
        origin=np.array([town_index.get(r["township_id"], -1) for r in rows], dtype=np.int64),
        origins=origins,
        wage=_f(r["wage_expected"] for r in rows),
        limit=np.array([r["max_commute_minutes"] or default_limit for r in rows], dtype=np.float32),
        dorm=np.array([bool(r["needs_dorm"]) for r in rows], dtype=bool),
        edu=np.array([EDUCATION_RANK.get(r["education"] or "", 0) for r in rows], dtype=np.int8),
        birth=np.array([r["birth_date"] or "NaT" for r in rows], dtype="datetime64[D]"),
        tokens=[sorted(set((r["tokens"] or "").split())) for r in rows],
        labels=[f"{mask_name(r['name'])} {r['id_mask']}" for r in rows],
        townships=[r.get("township_name", "") for r in rows],
    )


def _vacancies(rows: list[dict[str, Any]], seats: dict[int, tuple[float, float]]) -> _Vacancies:
    codes: dict[str, int] = {}
    code = [codes.setdefault(r["code"], len(codes)) if r["code"] else -1 for r in rows]
    code_list = list(codes)
    lon, lat = [], []
    for r in rows:
        if r["longitude"] is not None and r["latitude"] is not None:
            lon.append(float(r["longitude"]))
            lat.append(float(r["latitude"]))
        else:
            point = seats.get(r["township_id"], (np.nan, np.nan))
            lon.append(point[0])
            lat.append(point[1])
    return _Vacancies(
        ids=np.array([r["id"] for r in rows], dtype=np.int64),
        code=np.array(code, dtype=np.int64),
        codes=_level_ids(code_list),
        code_list=code_list,
        lo=_f(r["wage_min"] for r in rows),
        hi=_f(r["wage_max"] for r in rows),
        housing=np.array([bool(r["housing"]) for r in rows], dtype=bool),
        lon=np.array(lon, dtype=np.float64),
        lat=np.array(lat, dtype=np.float64),
        edu=np.array([EDUCATION_RANK.get(r["education"] or "", 0) for r in rows], dtype=np.int8),
        age_min=_f(r["age_min"] for r in rows),
        age_max=_f(r["age_max"] for r in rows),
        tokens=[sorted(set((r["tokens"] or "").split())) for r in rows],
        titles=[r["title"] for r in rows],
        enterprises=[r["enterprise_name"] for r in rows],
        townships=[r.get("township_name", "") for r in rows],
    )


JOBSEEKER_FIELDS = (
    "id",
    "name",
    "id_mask",
    "township_id",
    "desired_text",
    "experience",
    "wage_expected",
    "max_commute_minutes",
    "needs_dorm",
    "education",
    "birth_date",
    "tokens",
)
VACANCY_FIELDS = (
    "id",
    "title",
    "township_id",
    "wage_min",
    "wage_max",
    "housing",
    "longitude",
    "latitude",
    "education",
    "age_min",
    "age_max",
    "tokens",
)


def _seeker_rows(qs: Any) -> list[dict[str, Any]]:
    rows = list(qs.values(*JOBSEEKER_FIELDS, township_name=_F("township__name")))
    codes: dict[int, list[str]] = {}
    through = Jobseeker.desired_occupations.through.objects.filter(jobseeker_id__in=qs.values("pk"))
    for js, code in through.values_list("jobseeker_id", "occupation__code"):
        codes.setdefault(js, []).append(code)
    for r in rows:
        r["codes"] = codes.get(r["id"], [])
    return rows


def _vacancy_rows(qs: Any) -> list[dict[str, Any]]:
    return list(
        qs.values(
            *VACANCY_FIELDS,
            code=_F("occupation__code"),
            enterprise_name=_F("enterprise__name"),
            township_name=_F("township__name"),
        )
    )


def _F(path: str) -> Any:
    from django.db.models import F

    return F(path)


# --- the BM25 indexes ------------------------------------------------------------------------------


class _Text:
    """BM25 (bm25s) over one side's token lists; the score matrix is kept for batch queries."""

    def __init__(self, docs: list[list[str]]) -> None:
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.n = len(docs)
        self.idf_order: dict[str, float] = {}
        self.model: Any = None
        self.vocab: dict[str, int] = {}
        self._df = np.zeros(0, dtype=np.int64)
        if not docs:  # nobody (left) in the pool: bm25s cannot index an empty corpus
            return
        self.model = bm25s.BM25(k1=1.5, b=0.75)
        self.model.index([d or [""] for d in docs], show_progress=False)
        self.vocab = self.model.vocab_dict
        s = self.model.scores
        indptr = np.asarray(s["indptr"])
        self._df = np.diff(indptr)  # documents per token

    def scores(self, query: Iterable[str]) -> np.ndarray:
        ids = sorted({self.vocab[t] for t in query if t in self.vocab and t})
        if not ids or self.n == 0:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.model.get_scores_from_ids(ids), dtype=np.float32)

    def matrix(self) -> Any:
        """(documents × vocabulary) CSR of the per-token BM25 weights."""
        from scipy import sparse

        if self.model is None:
            return sparse.csr_matrix((0, 0), dtype=np.float32)
        s = self.model.scores
        return sparse.csc_matrix(
            (s["data"], s["indices"], s["indptr"]), shape=(s["num_docs"], len(s["indptr"]) - 1)
        ).tocsr()

    def rarity(self, word: str) -> float:
        """Fewer documents with the word → named first in a reason."""
        i = self.vocab.get(word)
        return -float(self._df[i]) if i is not None and i < len(self._df) else 0.0


# --- scoring ----------------------------------------------------------------------------------------


@dataclass
class _Parts:
    occupation: np.ndarray
    level: np.ndarray
    text: np.ndarray
    wage: np.ndarray
    commute: np.ndarray
    minutes: np.ndarray
    dorm: np.ndarray
    education: np.ndarray
    age: np.ndarray

    def total(self) -> np.ndarray:
        return (  # type: ignore[no-any-return]
            self.occupation + self.text + self.wage + self.commute + self.dorm + self.education + self.age
        )


def _score(js: _Seekers, jrows: Any, vac: _Vacancies, vcols: Any, text: np.ndarray, on: date) -> _Parts:
    """Every part for jobseekers ``jrows`` × vacancies ``vcols`` (index arrays or slices):
    matrices of shape (len(jrows), len(vcols)). ``text`` is the normalised BM25 (same shape)."""
    # occupation
    profiles = js.profile[jrows]
    codes = vac.code[vcols]
    up, p_inv = np.unique(profiles, return_inverse=True)
    uc, c_inv = np.unique(codes, return_inverse=True)
    table = np.zeros((len(up), len(uc)), dtype=np.int8)
    known = uc >= 0
    if known.any():
        table[:, known] = _level_table(js.profile_codes[up], vac.codes[uc[known]])
    level = table[p_inv.reshape(-1)][:, c_inv.reshape(-1)]
    occupation = OCCUPATION_POINTS[level]

    # wage
    wage = js.wage[jrows][:, None]
    lo, hi = vac.lo[vcols][None, :], vac.hi[vcols][None, :]
    top = np.where(np.isnan(hi), lo, hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        short = (wage - top) / wage
        wage_pts = np.where(
            short <= 0,
            WAGE_POINTS,
            np.maximum(WAGE_FLOOR_POINTS, WAGE_POINTS * (1 - short / WAGE_SHORTFALL_ZERO)),
        )
    wage_pts = np.where(np.isnan(wage) | np.isnan(top), WAGE_POINTS / 2, wage_pts).astype(np.float32)

    # commute: the origins' minutes to every vacancy, then picked per jobseeker
    origin = js.origin[jrows]
    uo, o_inv = np.unique(origin, return_inverse=True)
    vlon, vlat = vac.lon[vcols], vac.lat[vcols]
    table_m = np.full((len(uo), len(vlon)), np.nan, dtype=np.float32)
    for i, o in enumerate(uo):
        if o >= 0:
            table_m[i] = commute_minutes(js.origins[o, 0], js.origins[o, 1], vlon, vlat)
    minutes = table_m[o_inv.reshape(-1)]
    limit = js.limit[jrows][:, None]
    needs = js.dorm[jrows][:, None]
    housing = vac.housing[vcols][None, :]
    lives_there = needs & housing
    with np.errstate(invalid="ignore"):
        commute = np.where(
            minutes <= limit,
            COMMUTE_POINTS * (1 - 0.5 * minutes / limit),
            np.where(lives_there, 0.0, COMMUTE_PENALTY),
        )
    commute = np.where(np.isnan(minutes), COMMUTE_POINTS / 2, commute).astype(np.float32)

    # dorm
    dorm = np.where(needs, np.where(housing, DORM_POINTS, DORM_PENALTY), 0.0).astype(np.float32)

    # education
    jedu = js.edu[jrows][:, None]
    vedu = vac.edu[vcols][None, :]
    education = np.where((jedu > 0) & (vedu > 0) & (jedu < vedu), EDUCATION_PENALTY, 0.0).astype(np.float32)

    # age on the day
    birth = js.birth[jrows]
    age_years = (
        (np.datetime64(on, "D") - birth).astype("timedelta64[D]").astype(np.float64) / 365.25
    ).astype(np.float32)
    age_years = np.where(np.isnat(birth), np.nan, age_years)[:, None]
    amin, amax = vac.age_min[vcols][None, :], vac.age_max[vcols][None, :]
    with np.errstate(invalid="ignore"):
        outside = (age_years < amin) | (age_years >= amax + 1)
    age = np.where(outside, AGE_PENALTY, 0.0).astype(np.float32)

    return _Parts(
        occupation=occupation,
        level=level,
        text=(text * TEXT_POINTS).astype(np.float32),
        wage=wage_pts,
        commute=commute,
        minutes=minutes,
        dorm=dorm,
        education=education,
        age=age,
    )


def _normalise(scores: np.ndarray, axis: int | None = None) -> np.ndarray:
    best = scores.max(axis=axis, keepdims=True) if scores.size else np.float32(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(best > 0, scores / best, 0.0)
    return out.astype(np.float32)  # type: ignore[no-any-return]


def _top(values: np.ndarray, top: int) -> np.ndarray:
    """Indices of the ``top`` largest values, best first (ties: lower index first)."""
    n = values.shape[0]
    if n == 0 or top <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-values, top - 1)[:top] if top < n else np.arange(n)
    order = np.lexsort((part, -values[part]))
    return part[order]  # type: ignore[no-any-return]


# --- reasons ----------------------------------------------------------------------------------------


def _reasons(
    parts: _Parts,
    i: int,
    j: int,
    *,
    js: _Seekers,
    jrow: int,
    vac: _Vacancies,
    vcol: int,
    shared_words: list[str],
    names: dict[str, str],
) -> list[Reason]:
    out: list[Reason] = []
    level = int(parts.level[i, j])
    if level:
        vcode = vac.code_list[vac.code[vcol]]
        common = prefixes(vcode)[level - 1]
        name = names.get(common, "")
        inferred = _("(按求职意向推断)") if js.proposed[jrow] else ""
        out.append(
            Reason(
                "occupation",
                _("职业匹配%(inferred)s:同一%(level)s(%(code)s %(name)s)")
                % {"inferred": inferred, "level": LEVEL_LABELS[level], "code": common, "name": name},
                float(parts.occupation[i, j]),
            )
        )
    if parts.text[i, j] > 0 and shared_words:
        out.append(
            Reason(
                "text", _("经历相近:%(words)s") % {"words": "、".join(shared_words)}, float(parts.text[i, j])
            )
        )
    wage = js.wage[jrow]
    lo, hi = vac.lo[vcol], vac.hi[vcol]
    if np.isnan(wage) or (np.isnan(lo) and np.isnan(hi)):
        label = _("薪资:求职者未填期望月薪") if np.isnan(wage) else _("薪资:岗位未写明月薪")
        out.append(Reason("wage", label, float(parts.wage[i, j])))
    else:
        if np.isnan(lo) or np.isnan(hi):
            offer = _("%(w)d元") % {"w": int(hi if np.isnan(lo) else lo)}
        else:
            offer = _("%(lo)d–%(hi)d元") % {"lo": int(lo), "hi": int(hi)}
        out.append(
            Reason(
                "wage",
                _("薪资:期望%(want)d元,岗位%(offer)s") % {"want": int(wage), "offer": offer},
                float(parts.wage[i, j]),
            )
        )
    minutes = parts.minutes[i, j]
    if np.isnan(minutes):
        out.append(Reason("commute", _("通勤时间未知(镇街驻地未设置)"), float(parts.commute[i, j])))
    else:
        limit = int(js.limit[jrow])
        if minutes <= limit:
            label = _("通勤约%(m)d分钟") % {"m": round(float(minutes))}
        elif js.dorm[jrow] and vac.housing[vcol]:
            label = _("通勤约%(m)d分钟,超过可接受的%(limit)d分钟,但可住宿舍") % {
                "m": round(float(minutes)),
                "limit": limit,
            }
        else:
            label = _("通勤约%(m)d分钟,超过可接受的%(limit)d分钟") % {
                "m": round(float(minutes)),
                "limit": limit,
            }
        out.append(Reason("commute", label, float(parts.commute[i, j])))
    if parts.dorm[i, j] > 0:
        out.append(Reason("dorm", _("提供住宿"), float(parts.dorm[i, j])))
    elif parts.dorm[i, j] < 0:
        out.append(Reason("dorm", _("需要住宿,岗位不提供住宿"), float(parts.dorm[i, j])))
    if parts.education[i, j] < 0:
        wanted = [k for k, rank in EDUCATION_RANK.items() if rank == int(vac.edu[vcol])]
        out.append(
            Reason(
                "education",
                _("学历低于要求(%(edu)s)") % {"edu": _EDU_LABELS.get(wanted[0], "") if wanted else ""},
                float(parts.education[i, j]),
            )
        )
    if parts.age[i, j] < 0:
        out.append(Reason("age", _("年龄不在岗位要求范围内"), float(parts.age[i, j])))
    return out


def _shared(query: list[str], doc: list[str], text: _Text) -> list[str]:
    both = set(query) & set(doc)
    return sorted(both, key=lambda w: (text.rarity(w), w))[:REASON_WORDS]


# --- the per-district indexes, cached in this process -------------------------------------------


class _VacancyIndex:
    def __init__(self, district_id: int, on: date, seats: dict[int, tuple[float, float]]) -> None:
        qs = open_vacancies_qs(district_id, on).order_by("pk")
        self.seats = seats
        self.rows = _vacancies(_vacancy_rows(qs), seats)
        self.text = _Text(self.rows.tokens)
        self.position = {int(v): i for i, v in enumerate(self.rows.ids)}
        self._matrix: Any = None

    def matrix(self) -> Any:
        if self._matrix is None:
            self._matrix = self.text.matrix().T.tocsr()  # vocabulary × vacancies
        return self._matrix


class _SeekerIndex:
    def __init__(self, district_id: int, seats: dict[int, tuple[float, float]], default_limit: int) -> None:
        qs = pool_jobseekers_qs(district_id).order_by("pk")
        self.seats = seats
        self.rows = _seekers(_seeker_rows(qs), seats, default_limit)
        self.text = _Text(self.rows.tokens)
        self.position = {int(v): i for i, v in enumerate(self.rows.ids)}


_cache: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
_checked: dict[tuple[Any, ...], float] = {}
_cache_lock = threading.Lock()
# How long an index is used without re-reading its freshness stamps (aggregate queries over the
# district's rows). A change saved through the ORM in this process (save, delete, desired
# occupations) forces the re-check at once (signals below); bulk writes and other processes'
# writes are seen within this many seconds.
STAMP_SECONDS = 5.0


def _stamp(qs: Any) -> tuple[Any, ...]:
    agg = qs.aggregate(n=Count("pk"), last=Max("updated_at"))
    return (agg["n"], agg["last"])


def _seat_stamp(district_id: int) -> tuple[Any, ...]:
    return _stamp(TownshipSeat.objects.filter(district_id=district_id)) + _stamp(Occupation.objects.all())


def clear_cache() -> None:
    """Forget every index (tests; after a bulk load)."""
    with _cache_lock:
        _cache.clear()
        _checked.clear()


def changed(**kwargs: Any) -> None:
    """Signal receiver: a row the indexes read was written here; re-check the stamps next time."""
    _checked.clear()


def _connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in (Vacancy, Jobseeker, TownshipSeat, Occupation, EmploymentSettings):
        post_save.connect(changed, sender=model, dispatch_uid=f"matching-save-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"matching-delete-{model.__name__}")
    m2m_changed.connect(
        changed, sender=Jobseeker.desired_occupations.through, dispatch_uid="matching-desired-occupations"
    )


_connect_signals()


def _fresh(key: tuple[Any, ...], stamp: Any, build: Any) -> Any:
    """The cached index under ``key`` if checked recently, else after comparing ``stamp()``."""
    import time

    held = _cache.get(key)
    if held is not None and time.monotonic() - _checked.get(key, -1e9) < STAMP_SECONDS:
        return held[1]
    current = stamp()
    with _cache_lock:
        held = _cache.get(key)
        if held is None or held[0] != current:
            held = (current, build())
            _cache[key] = held
        _checked[key] = time.monotonic()
        return held[1]


def open_vacancies_qs(district_id: int, on: date) -> Any:
    """The district's vacancies open on ``on`` (status open, published by then, still valid)."""
    return Vacancy.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        district_id=district_id,
        status=VacancyStatus.OPEN,
        published_on__lte=on,
    )


def pool_jobseekers_qs(district_id: int) -> Any:
    """The district's jobseekers who may be recommended: consent not withdrawn, not anonymised."""
    return Jobseeker.objects.filter(
        district_id=district_id, consent_withdrawn_on__isnull=True, anonymised_on__isnull=True
    )


def vacancy_index(district_id: int, on: date) -> _VacancyIndex:
    return _fresh(  # type: ignore[no-any-return]
        ("v", district_id, on),
        lambda: _stamp(Vacancy.objects.filter(district_id=district_id)) + _seat_stamp(district_id),
        lambda: _VacancyIndex(district_id, on, _seats(district_id)),
    )


def seeker_index(district_id: int) -> _SeekerIndex:
    def stamp() -> tuple[Any, ...]:
        through = Jobseeker.desired_occupations.through.objects.aggregate(n=Count("pk"), last=Max("pk"))
        return (
            *_stamp(Jobseeker.objects.filter(district_id=district_id)),
            through["n"],
            through["last"],
            _default_limit(district_id),
            *_seat_stamp(district_id),
        )

    return _fresh(  # type: ignore[no-any-return]
        ("j", district_id),
        stamp,
        lambda: _SeekerIndex(district_id, _seats(district_id), _default_limit(district_id)),
    )


def _default_limit(district_id: int) -> int:
    value = (
        EmploymentSettings.objects.filter(region_id=district_id)
        .values_list("default_commute_minutes", flat=True)
        .first()
    )
    return int(value or DEFAULT_COMMUTE_MINUTES)


def _today(on: date | None) -> date:
    return on or timezone.localdate()


# --- the public functions -----------------------------------------------------------------------


def vacancies_for(
    jobseeker: Jobseeker, *, top: int = 10, on: date | None = None, pool: Iterable[int] | None = None
) -> list[Match]:
    """The ``top`` open vacancies of the jobseeker's district on ``on`` (default today), best
    first, with reasons. ``pool``: only these vacancy ids (the evaluation's labelled vacancies)."""
    on = _today(on)
    index = vacancy_index(jobseeker.district_id, on)
    vac = index.rows
    if len(vac.ids) == 0:
        return []
    seats = index.seats
    row = _seeker_rows(Jobseeker.objects.filter(pk=jobseeker.pk))
    if not row:
        return []
    js = _seekers(row, seats, _default_limit(jobseeker.district_id))
    raw = index.text.scores(js.tokens[0])
    cols: Any = slice(None)
    if pool is not None:
        cols = np.array(sorted(index.position[p] for p in pool if p in index.position), dtype=np.int64)
        raw = raw[cols]
    parts = _score(js, np.array([0]), vac, cols, _normalise(raw)[None, :], on)
    total = parts.total()[0]
    col_ids = np.arange(len(vac.ids))[cols]
    names = _occupation_names()
    out = []
    for j in _top(total, top):
        c = int(col_ids[j])
        words = _shared(js.tokens[0], vac.tokens[c], index.text)
        out.append(
            Match(
                score=round(float(total[j]), 1),
                label=f"{vac.titles[c]} · {vac.enterprises[c]}",
                reasons=_reasons(
                    parts, 0, int(j), js=js, jrow=0, vac=vac, vcol=c, shared_words=words, names=names
                ),
                vacancy_id=int(vac.ids[c]),
                title=vac.titles[c],
                enterprise=vac.enterprises[c],
                township=vac.townships[c],
            )
        )
    return out


def candidates_for(
    vacancy: Vacancy, *, top: int = 10, on: date | None = None, within: Iterable[int] | None = None
) -> list[Match]:
    """The ``top`` jobseekers of the vacancy's district (consent, not anonymised) for the vacancy,
    best first, with reasons; labels are masked (name and ID number). ``within``: only these
    jobseeker ids (what the asking user may see)."""
    on = _today(on)
    index = seeker_index(vacancy.district_id)
    js = index.rows
    if len(js.ids) == 0:
        return []
    seats = index.seats
    vrows = _vacancy_rows(Vacancy.objects.filter(pk=vacancy.pk))
    vac = _vacancies(vrows, seats)
    raw = index.text.scores(vac.tokens[0])
    rows: Any = np.arange(len(js.ids))
    if within is not None:
        rows = np.array(sorted(index.position[p] for p in within if p in index.position), dtype=np.int64)
        raw = raw[rows]
        if len(rows) == 0:
            return []
    parts = _score(js, rows, vac, np.array([0]), _normalise(raw)[:, None], on)
    total = parts.total()[:, 0]
    names = _occupation_names()
    out = []
    for i in _top(total, top):
        r = int(rows[i])
        words = _shared(vac.tokens[0], js.tokens[r], index.text)
        out.append(
            Match(
                score=round(float(total[i]), 1),
                label=js.labels[r],
                reasons=_reasons(
                    parts, int(i), 0, js=js, jrow=r, vac=vac, vcol=0, shared_words=words, names=names
                ),
                jobseeker_id=int(js.ids[r]),
                township=js.townships[r],
            )
        )
    return out


def recommend_all(
    district: Any,
    *,
    top: int = 10,
    on: date | None = None,
    chunk: int = 500,
    reasons: bool = False,
    limit: int | None = None,
    threads: int = 2,
) -> dict[int, list[Match]]:
    """The ``top`` vacancies for every jobseeker of the district (jobseeker id → matches).

    The same score as :func:`vacancies_for`, computed for chunks of jobseekers against every open
    vacancy at once from tables built once: occupation points per (desired-occupation profile ×
    vacancy occupation), commute and dorm points per (origin seat × commute limit × needs a dorm)
    and vacancy, the wage part as one outer product, the text part as the sparse product of the
    jobseekers' words with the vacancies' BM25 weights; education and age only for the vacancies
    that state them. ``reasons`` (default off, for speed) adds each match's reasons; ``limit``:
    only the first jobseekers (by id); ``threads``: chunks scored at once."""
    on = _today(on)
    district_id = getattr(district, "pk", district)
    vindex = vacancy_index(district_id, on)
    jindex = seeker_index(district_id)
    vac, js = vindex.rows, jindex.rows
    nv, n = len(vac.ids), len(js.ids)
    if nv == 0 or n == 0:
        return {int(i): [] for i in js.ids}
    from scipy import sparse

    # occupation: points per profile × code (+ a last column of zeros for vacancies without a code)
    occ_pc = np.zeros((len(js.profile_list), len(vac.code_list) + 1), dtype=np.float32)
    if vac.code_list:
        occ_pc[:, :-1] = OCCUPATION_POINTS[_level_table(js.profile_codes, vac.codes)]
    vcode = np.where(vac.code >= 0, vac.code, len(vac.code_list))
    # per profile × vacancy when it fits in memory (rows are then copied, not gathered)
    occ_pv = occ_pc[:, vcode] if occ_pc.shape[0] * nv <= OCC_TABLE_MAX else None
    # commute + dorm: one row per (origin, limit, needs dorm) met among the jobseekers
    keys = np.stack([js.origin, js.limit.astype(np.int64), js.dorm.astype(np.int64)], axis=1)
    ukeys, key_of = np.unique(keys, axis=0, return_inverse=True)
    key_of = key_of.reshape(-1)
    travel = np.empty((len(ukeys), nv), dtype=np.float32)
    for k, (origin, most, dorm) in enumerate(ukeys):
        minutes = (
            commute_minutes(js.origins[origin, 0], js.origins[origin, 1], vac.lon, vac.lat)
            if origin >= 0
            else np.full(nv, np.nan)
        )
        with np.errstate(invalid="ignore"):
            points = np.where(
                minutes <= most,
                COMMUTE_POINTS * (1 - 0.5 * minutes / most),
                np.where(bool(dorm) & vac.housing, 0.0, COMMUTE_PENALTY),
            )
        points = np.where(np.isnan(minutes), COMMUTE_POINTS / 2, points)
        if dorm:
            points = points + np.where(vac.housing, DORM_POINTS, DORM_PENALTY)
        travel[k] = points
    # wage: clip(−35 + 50 × ceiling / expected, −5, 15) is 15 × (1 − shortfall / 30 %) bounded
    top_wage = np.where(np.isnan(vac.hi), vac.lo, vac.hi)
    no_top = np.flatnonzero(np.isnan(top_wage))
    top50 = np.nan_to_num(top_wage, nan=0.0).astype(np.float32) * np.float32(
        WAGE_POINTS / WAGE_SHORTFALL_ZERO
    )
    inv_wage = np.where(np.isnan(js.wage), 0.0, 1.0 / np.where(np.isnan(js.wage), 1.0, js.wage)).astype(
        np.float32
    )
    offset = np.float32(WAGE_POINTS - WAGE_POINTS / WAGE_SHORTFALL_ZERO)
    # expected wages are round figures: one row of wage points per distinct figure when that fits
    wages, wage_of = np.unique(np.nan_to_num(js.wage, nan=-1.0), return_inverse=True)
    wage_of = wage_of.reshape(-1)
    wage_tab = None
    if len(wages) * nv <= OCC_TABLE_MAX:
        wage_tab = np.empty((len(wages), nv), dtype=np.float32)
        for w, expected in enumerate(wages.tolist()):
            if expected < 0:
                wage_tab[w] = WAGE_POINTS / 2
                continue
            row = wage_tab[w]
            np.multiply(np.float32(1.0 / expected), top50, out=row)
            row += offset
            np.clip(row, WAGE_FLOOR_POINTS, WAGE_POINTS, out=row)
            row[no_top] = WAGE_POINTS / 2
    # vacancies with an education or age requirement: scored apart
    strict = np.flatnonzero((vac.edu > 0) | ~np.isnan(vac.age_min) | ~np.isnan(vac.age_max))
    # text: jobseekers' words (rows) × vocabulary, times vocabulary × vacancies BM25 weights
    vocab = vindex.text.vocab
    weights = vindex.matrix()
    size = weights.shape[0]
    indptr, indices = [0], []
    for words in js.tokens:
        ids = sorted({vocab[w] for w in words if w and vocab.get(w, size) < size})
        indices.extend(ids)
        indptr.append(len(indices))
    query = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(n, size),
    )
    names = _occupation_names() if reasons else {}
    k = min(top, nv)
    labels = [f"{t} · {e}" for t, e in zip(vac.titles, vac.enterprises, strict=True)]
    vacancy_ids = vac.ids.tolist()
    seeker_ids = js.ids.tolist()
    out: dict[int, list[Match]] = {}
    local = threading.local()

    def score_chunk(start: int) -> tuple[np.ndarray, np.ndarray, list[list[float]]]:
        """One chunk's best columns and scores (numpy releases the GIL: chunks run in threads)."""
        if not hasattr(local, "buf"):
            local.buf = np.empty((chunk, nv), dtype=np.float32)
            local.tmp = np.empty((chunk, nv), dtype=np.float32)
        rows = np.arange(start, min(n, start + chunk))
        m = len(rows)
        total, part = local.buf[:m], local.tmp[:m]
        if occ_pv is not None:
            np.take(occ_pv, js.profile[rows], axis=0, out=total)
        else:
            np.take(occ_pc[js.profile[rows]], vcode, axis=1, out=total)
        np.take(travel, key_of[rows], axis=0, out=part)
        total += part
        if wage_tab is not None:
            np.take(wage_tab, wage_of[rows], axis=0, out=part)
        else:
            np.multiply(inv_wage[rows][:, None], top50[None, :], out=part)
            part += offset
            np.clip(part, WAGE_FLOOR_POINTS, WAGE_POINTS, out=part)
            if len(no_top):
                part[:, no_top] = WAGE_POINTS / 2
            unknown = np.flatnonzero(np.isnan(js.wage[rows]))
            if len(unknown):
                part[unknown] = WAGE_POINTS / 2
        total += part
        raw = query[rows] @ weights
        if raw.nnz:
            counts = np.diff(raw.indptr)
            nonempty = counts > 0
            best = np.zeros(m, dtype=np.float32)
            best[nonempty] = np.maximum.reduceat(raw.data, raw.indptr[:-1][nonempty])
            scale = np.where(best > 0, TEXT_POINTS / np.where(best > 0, best, 1), 0).astype(np.float32)
            raw.data = raw.data.astype(np.float32) * np.repeat(scale, counts)
            raw.toarray(out=part)
            total += part
        if len(strict):
            sub = _score(js, rows, vac, strict, np.zeros((m, len(strict)), dtype=np.float32), on)
            total[:, strict] += sub.education + sub.age
        best_cols = _top_rows(total, k)
        scores = np.round(np.take_along_axis(total, best_cols, axis=1).astype(np.float64), 1).tolist()
        return rows, best_cols, scores

    from concurrent.futures import ThreadPoolExecutor

    starts = range(0, n if limit is None else min(n, limit), chunk)
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(starts)))) as pool:
        for rows, best_cols, chunk_scores in pool.map(score_chunk, starts):
            for i, r in enumerate(rows.tolist()):
                order = best_cols[i]
                matches = [
                    Match(
                        score,
                        labels[c],
                        [],
                        vacancy_ids[c],
                        None,
                        vac.titles[c],
                        vac.enterprises[c],
                        vac.townships[c],
                    )
                    for c, score in zip(order.tolist(), chunk_scores[i], strict=True)
                ]
                if reasons:
                    _explain(matches, js, r, vac, order, vindex.text, on, names)
                out[seeker_ids[r]] = matches
    return out


OCC_TABLE_MAX = 50_000_000  # profile × vacancy occupation points kept as one table up to this size
TOP_WINDOW = 12.0  # points under a row's best within which its top matches are looked for first


def _top_rows(total: np.ndarray, k: int) -> np.ndarray:
    """(rows, k) column indices of each row's ``k`` largest values, best first, ties by column
    (what :func:`_top` gives one row at a time). The values within ``TOP_WINDOW`` of each row's
    best are sorted; rows with fewer than ``k`` such values fall back to a full partition."""
    m, n = total.shape
    out = np.empty((m, k), dtype=np.int64)
    if k >= n:
        for i in range(m):
            out[i] = _top(total[i], k)
        return out
    threshold = total.max(axis=1) - np.float32(TOP_WINDOW)
    r_idx, c_idx = np.nonzero(total >= threshold[:, None])
    counts = np.bincount(r_idx, minlength=m)
    values = total[r_idx, c_idx]
    order = np.lexsort((c_idx, -values, r_idx))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    enough = counts >= k
    picked = order[(starts[enough][:, None] + np.arange(k)[None, :])]
    out[enough] = c_idx[picked]
    for i in np.flatnonzero(~enough).tolist():
        out[i] = _top(total[i], k)
    return out


def _explain(
    matches: list[Match],
    js: _Seekers,
    row: int,
    vac: _Vacancies,
    cols: np.ndarray,
    text: _Text,
    on: date,
    names: dict[str, str],
) -> None:
    """Fill in the reasons of one jobseeker's matches (their text part relative to the best
    textual match among all the open vacancies, as in the ranking)."""
    raw = text.scores(js.tokens[row])
    best = raw.max() if raw.size else 0
    norm = (raw[cols] / best if best > 0 else np.zeros(len(cols))).astype(np.float32)[None, :]
    parts = _score(js, np.array([row]), vac, cols, norm, on)
    for j, match in enumerate(matches):
        c = int(cols[j])
        words = _shared(js.tokens[row], vac.tokens[c], text)
        match.reasons = _reasons(
            parts, 0, j, js=js, jrow=row, vac=vac, vcol=c, shared_words=words, names=names
        )


def _occupation_names() -> dict[str, str]:
    """Code → name of the catalogue (for the reasons)."""
    return _fresh(  # type: ignore[no-any-return]
        ("names",),
        lambda: _stamp(Occupation.objects.all()),
        lambda: dict(Occupation.objects.values_list("code", "name")),
    )


# --- what a user may ask (command line, pages, API) -----------------------------------------------

CANDIDATE_ROLES = ("department", "town")


def _is_admin(user: Any) -> bool:
    return bool(user.is_superuser or user.role == "admin")


def find_jobseeker(actor: Any, number: str, region: str | None = None) -> Jobseeker:
    """The jobseeker with this 居民身份证号 among those ``actor`` may see (all when None), by keyed
    hash; ``id_number_*`` for a malformed number, ``not_found``, ``jobseeker_ambiguous``."""
    from tiaodu.core import pii
    from tiaodu.core.errors import FieldError, InvalidInput, NotFound, ServiceError
    from tiaodu.employment import idcard

    try:
        parsed = idcard.parse(number)
    except idcard.IdNumberError as exc:
        raise InvalidInput([FieldError("id_number", exc.code, exc.message)]) from None
    qs = Jobseeker.objects.restrict(actor) if actor is not None else Jobseeker.objects.all()
    qs = qs.filter(id_hash=pii.blind_index(parsed.number, field="id"))
    if region:
        qs = qs.filter(district__code=region)
    found = list(qs.select_related("township", "district")[:2])
    if not found:
        raise NotFound(_("没有找到该身份证号的求职者(或您无权查看)"))
    if len(found) > 1:
        raise ServiceError("jobseeker_ambiguous", _("该身份证号在多个区县登记,请用 --region 指定区县"))
    return found[0]


def find_vacancy(actor: Any, pk: int) -> Vacancy:
    from tiaodu.core.errors import NotFound
    from tiaodu.core.permissions import get_scoped

    if actor is not None:
        return get_scoped(Vacancy, actor, "view", pk=pk)
    found = Vacancy.objects.select_related("enterprise").filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def ranked_vacancies(
    actor: Any, jobseeker: Jobseeker, *, top: int = 10, on: date | None = None
) -> list[Match]:
    """:func:`vacancies_for` as ``actor`` may see it: enterprises are refused (a jobseeker's
    recommendations are the service's, not a competitor's), the vacancies are those the actor
    may view. The jobseeker must already have been fetched through the actor's scope."""
    from tiaodu.core.errors import Forbidden

    if actor is None or _is_admin(actor):
        return vacancies_for(jobseeker, top=top, on=on)
    if actor.role == "enterprise":
        raise Forbidden(_("企业用户不能查看求职者的岗位推荐"))
    pool = (
        Vacancy.objects.restrict(actor).filter(district_id=jobseeker.district_id).values_list("pk", flat=True)
    )
    return vacancies_for(jobseeker, top=top, on=on, pool=list(pool))


def ranked_candidates(actor: Any, vacancy: Vacancy, *, top: int = 10, on: date | None = None) -> list[Match]:
    """:func:`candidates_for` as ``actor`` may see it: staff only (人社局/就业服务 department users
    and town users, within the jobseekers they may view; administrators). Enterprises never get
    candidates who have not applied to or met them: they are refused here."""
    from tiaodu.core.errors import Forbidden

    if actor is None or _is_admin(actor):
        return candidates_for(vacancy, top=top, on=on)
    if actor.role not in CANDIDATE_ROLES:
        raise Forbidden(_("只有就业服务部门和镇街工作人员可以查看推荐的求职者"))
    within = (
        Jobseeker.objects.restrict(actor).filter(district_id=vacancy.district_id).values_list("pk", flat=True)
    )
    return candidates_for(vacancy, top=top, on=on, within=list(within))
