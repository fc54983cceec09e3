"""The hit rate of the matcher on the labelled set (data/match_labelled.csv, how it was made:
data/match_labelled.md): for each labelled jobseeker, where does the vacancy a reader chose for
them come in the ranking of the labelled vacancies (data/match_labelled_vacancies.csv)?

The set is loaded into 潼南区 (500152, or the district given) **inside a transaction that is
rolled back at the end**: the enterprises, vacancies, jobseekers (with generated, valid ID numbers)
and any missing township seat exist only while the evaluation runs, and the ranking is restricted
to the labelled vacancies (``matching.vacancies_for(..., pool=...)``) so the district's own data
neither helps nor hurts. Jobseekers carry no desired-occupation codes (the profiles are free text,
as a town clerk writes them); their occupation is the one the catalogue proposes from the text.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from tiaodu.core import pii
from tiaodu.employment import idcard, matching
from tiaodu.employment.choices import Education, RegisteredVia
from tiaodu.employment.models import EmploymentSettings, Jobseeker, Occupation, TownshipSeat, Vacancy
from tiaodu.employment.text import tokenize
from tiaodu.regions.models import Region

DATA = Path(__file__).resolve().parent / "data"
JOBSEEKERS_CSV = DATA / "match_labelled.csv"
VACANCIES_CSV = DATA / "match_labelled_vacancies.csv"
EVALUATED_ON = date(2022, 3, 1)  # the 2022 春风行动 season the profiles describe
REGISTERED_ON = date(2022, 2, 15)
EDUCATION = {
    "小学": Education.PRIMARY,
    "初中": Education.JUNIOR,
    "高中": Education.SENIOR,
    "中专": Education.SENIOR,
}
EDUCATION.update({"大专": Education.COLLEGE, "本科": Education.BACHELOR})
# Approximate seats (经度, 纬度) of 潼南区's townships, used only when the database has none.
APPROX_SEATS = {
    "桂林街道": ("105.8400", "30.1900"),
    "梓潼街道": ("105.8200", "30.1700"),
    "大佛街道": ("105.8000", "30.2050"),
    "上和镇": ("105.7000", "30.0600"),
    "龙形镇": ("105.7400", "30.0200"),
    "古溪镇": ("105.9300", "30.0900"),
    "宝龙镇": ("105.6200", "30.1500"),
    "玉溪镇": ("105.9600", "30.3000"),
    "米心镇": ("105.9000", "30.3300"),
    "群力镇": ("105.6900", "30.3200"),
    "双江镇": ("105.7700", "30.2600"),
    "花岩镇": ("105.8800", "30.1300"),
    "柏梓镇": ("105.6100", "30.2800"),
    "崇龛镇": ("105.5600", "30.1900"),
    "塘坝镇": ("105.9800", "30.2100"),
    "新胜镇": ("105.7800", "30.1100"),
    "太安镇": ("105.8900", "30.0100"),
    "小渡镇": ("105.9900", "30.0000"),
    "卧佛镇": ("105.6500", "30.2300"),
    "五桂镇": ("105.6400", "30.0900"),
    "田家镇": ("105.8300", "30.0500"),
    "别口镇": ("105.7000", "30.1600"),
    "寿桥镇": ("105.9300", "30.2500"),
}


@dataclass
class Evaluation:
    total: int = 0
    hit3: int = 0
    hit10: int = 0
    reciprocal: float = 0.0
    misses: list[tuple[str, str, int | None, str]] = field(default_factory=list)  # key, label, rank, top1

    @property
    def hit_rate3(self) -> float:
        return self.hit3 / self.total if self.total else 0.0

    @property
    def hit_rate10(self) -> float:
        return self.hit10 / self.total if self.total else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.total if self.total else 0.0


class _Rollback(Exception):
    pass


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _credit_code(serial: int) -> str:
    from stdnum.cn import uscc

    first17 = f"91500152MA{serial:07d}"
    return first17 + uscc.calc_check_digit(first17)


def evaluate(region_code: str = "500152", *, on: date = EVALUATED_ON) -> Evaluation:
    """Load the labelled set, rank, measure, roll everything back."""
    result = Evaluation()
    try:
        with transaction.atomic():
            _run(region_code, on, result)
            raise _Rollback
    except _Rollback:
        pass
    matching.clear_cache()
    return result


def _run(region_code: str, on: date, result: Evaluation) -> None:
    from tiaodu.enterprises.services import save_enterprise

    district = Region.objects.get(code=region_code)
    towns = {r.name: r for r in Region.objects.filter(parent=district)}
    for name, (lon, lat) in APPROX_SEATS.items():
        if name in towns and not TownshipSeat.objects.filter(township=towns[name]).exists():
            TownshipSeat.objects.create(
                district=district, township=towns[name], longitude=Decimal(lon), latitude=Decimal(lat)
            )
    EmploymentSettings.objects.get_or_create(region=district)
    codes = {o.code: o for o in Occupation.objects.all()}

    enterprises: dict[str, Any] = {}
    vacancies: dict[str, Vacancy] = {}
    for row in read(VACANCIES_CSV):
        name = row["企业名称"]
        if name not in enterprises:
            serial = 7_700_000 + len(enterprises) + 1
            enterprises[name], _made = save_enterprise(
                None, _credit_code(serial), towns[row["企业所在镇街"]], name=name
            )
        owner = enterprises[name]
        vacancy = Vacancy(
            district=district,
            township=towns[row["企业所在镇街"]],
            enterprise=owner,
            title=row["岗位名称"],
            occupation=codes.get(row["职业编码"]),
            headcount=int(row["招聘人数"]),
            wage_min=int(row["月薪下限"]) if row["月薪下限"] else None,
            wage_max=int(row["月薪上限"]) if row["月薪上限"] else None,
            housing=row["提供住宿"] == "是",
            skills=row["技能要求"],
            requirements=row["岗位要求"],
            education=EDUCATION.get(row["学历要求"], ""),
            published_on=date(2022, 2, 1),
        )
        vacancy.tokens = tokenize(vacancy.title, vacancy.skills, vacancy.certificates, vacancy.requirements)
        vacancy.save()
        vacancies[row["编号"]] = vacancy

    pool = [v.pk for v in vacancies.values()]
    titles = {v.pk: f"{key} {v.title}" for key, v in vacancies.items()}
    for n, row in enumerate(read(JOBSEEKERS_CSV)):
        seeker = _jobseeker(district, towns[row["所属镇街"]], row, n)
        ranked = [m.vacancy_id or 0 for m in matching.vacancies_for(seeker, top=len(pool), on=on, pool=pool)]
        wanted = vacancies[row["应选岗位"]].pk
        rank = ranked.index(wanted) + 1 if wanted in ranked else None
        result.total += 1
        if rank is not None:
            result.reciprocal += 1 / rank
            result.hit3 += rank <= 3
            result.hit10 += rank <= 10
        if rank is None or rank > 3:
            result.misses.append(
                (row["编号"], titles[wanted], rank, titles.get(ranked[0], "") if ranked else "")
            )


def _jobseeker(district: Region, township: Region, row: dict[str, str], n: int) -> Jobseeker:
    born = date(int(row["出生年份"]), 1 + n % 12, 1 + n % 28)
    number = idcard.make(district.code, born, 2 * (n % 500) + (1 if row["性别"] == "男" else 0))
    parsed = idcard.parse(number)
    seeker = Jobseeker(
        district=district,
        township=township,
        name=row["姓名"],
        id_enc=pii.encrypt(number, field="id"),
        id_hash=pii.blind_index(number, field="id"),
        id_mask=pii.mask_id_number(number),
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        education=EDUCATION.get(row["文化程度"], ""),
        experience=row["工作经历"],
        skills=row["技能"],
        certificates=row["证书"],
        desired_text=row["求职意向"],
        wage_expected=int(row["期望月薪"]) if row["期望月薪"] else None,
        max_commute_minutes=int(row["最长通勤(分钟)"]) if row["最长通勤(分钟)"] else None,
        needs_dorm=row["需要住宿"] == "是",
        registered_on=REGISTERED_ON,
        registered_via=RegisteredVia.STAFF,
        consented_on=REGISTERED_ON,
    )
    seeker.tokens = tokenize(seeker.experience, seeker.skills, seeker.certificates, seeker.desired_text)
    seeker.save()
    return seeker
