"""``tiaodu match --jobseeker ID_NUMBER [--top N] [--on DATE] [--region CODE] [--as USERNAME]``,
``tiaodu match --vacancy ID [--top N] [--as USERNAME]`` and ``tiaodu match --evaluate [--region CODE]``.

``--jobseeker``: the open vacancies ranked for the jobseeker with that 居民身份证号 (found by its
keyed hash; nothing is decrypted), each with its reasons and points. ``--vacancy``: the candidates
ranked for the vacancy, shown masked (姓名 and ID number masked). ``--as`` ranks within what that
user may see (an enterprise may not list candidates). ``--evaluate``: the hit rate at 3 and at 10
on the labelled set (tiaodu/employment/data/match_labelled.csv, loaded into the district inside a
transaction that is rolled back; see :mod:`tiaodu.employment.matching_evaluate`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.errors import ServiceError


def _points(value: float) -> str:
    return f"{value:+.1f}"


class Command(BaseCommand):
    help = "岗位匹配:为求职者推荐岗位(--jobseeker 身份证号)、为岗位推荐求职者(--vacancy 岗位编号)或评估命中率(--evaluate)"

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--jobseeker", metavar="ID_NUMBER", help="求职者的居民身份证号")
        which.add_argument("--vacancy", metavar="ID", type=int, help="岗位编号")
        which.add_argument("--evaluate", action="store_true", help="在标注集上评估前3、前10命中率")
        parser.add_argument("--top", type=int, default=10, help="列出前N个(默认10)")
        parser.add_argument("--on", help="按该日期在招的岗位推荐(YYYY-MM-DD,默认今天)")
        parser.add_argument("--region", help="区县代码(身份证号在多个区县登记时;评估默认500152)")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户的身份和权限范围查询")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["evaluate"]:
                self.evaluate(options["region"] or "500152")
                return
            actor = None
            if options["as_user"]:
                from tiaodu.accounts.services import find_user

                actor = find_user(options["as_user"])
            on = date.fromisoformat(options["on"]) if options["on"] else None
            top = max(1, min(int(options["top"]), 200))
            if options["jobseeker"]:
                self.for_jobseeker(actor, options["jobseeker"], top, on, options["region"])
            else:
                self.for_vacancy(actor, options["vacancy"], top, on)
        except ServiceError as exc:
            detail = "; ".join(f"{e.code}: {e.message}" for e in exc.errors)
            raise CommandError(detail or f"{exc.code}: {exc.message}") from None
        except ValueError as exc:
            raise CommandError(f"date_format: 日期格式应为YYYY-MM-DD({exc})") from None

    def for_jobseeker(self, actor: Any, number: str, top: int, on: date | None, region: str | None) -> None:
        from tiaodu.employment import matching

        seeker = matching.find_jobseeker(actor, number, region)
        matches = matching.ranked_vacancies(actor, seeker, top=top, on=on)
        self.stdout.write(f"求职者 {seeker.masked_name} {seeker.id_mask}({seeker.township.name})推荐岗位:")
        if not matches:
            self.stdout.write("  没有在招的岗位")
        for n, m in enumerate(matches, 1):
            where = f"({m.township})" if m.township else ""
            self.stdout.write(f"{n}. {m.title} · {m.enterprise}{where}  得分 {m.score:.1f}")
            for r in m.reasons:
                self.stdout.write(f"     {r.label}  {_points(r.points)}")

    def for_vacancy(self, actor: Any, pk: int, top: int, on: date | None) -> None:
        from tiaodu.employment import matching

        vacancy = matching.find_vacancy(actor, pk)
        matches = matching.ranked_candidates(actor, vacancy, top=top, on=on)
        self.stdout.write(f"岗位 {vacancy.title} · {vacancy.enterprise.name} 推荐求职者:")
        if not matches:
            self.stdout.write("  没有可推荐的求职者")
        for n, m in enumerate(matches, 1):
            where = f"({m.township})" if m.township else ""
            self.stdout.write(f"{n}. {m.label}{where}  得分 {m.score:.1f}")
            for r in m.reasons:
                self.stdout.write(f"     {r.label}  {_points(r.points)}")

    def evaluate(self, region: str) -> None:
        from tiaodu.employment.matching_evaluate import evaluate

        result = evaluate(region)
        self.stdout.write(f"标注集:{result.total}名求职者")
        self.stdout.write(f"前3命中率:{result.hit_rate3:.1%}({result.hit3}/{result.total})")
        self.stdout.write(f"前10命中率:{result.hit_rate10:.1%}({result.hit10}/{result.total})")
        self.stdout.write(f"平均倒数排名(MRR):{result.mrr:.3f}")
        for key, wanted, rank, first in result.misses:
            place = f"第{rank}位" if rank else "未进入排名"
            self.stdout.write(f"  未进前3:{key} 应选 {wanted},{place};排第1的是 {first}")
