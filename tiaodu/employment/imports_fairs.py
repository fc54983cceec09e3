"""Import ``fair-results`` (招聘会对接结果): 招聘会名称, 招聘会日期, 招聘会类型, 举办镇街, 身份证号,
统一社会信用代码, 岗位名称, 结果 (意向/面试/录用/入职); optional 结果日期 (the date of the result,
the fair's date when blank; not before it).

Each row is one jobseeker × one vacancy at one fair:

- the fair is the district's fair of that name and date, created from the row (name, date, type,
  township) when there is none; a fair of that name and date of another type or township is an
  error (``fair_kind_mismatch`` / ``fair_township_mismatch``), and so are two rows describing the
  same fair differently (``fair_conflict``);
- the jobseeker is found by the keyed hash of the 身份证号 among the district's jobseekers the
  importing user may see (nothing is decrypted): a malformed number is ``id_number_format`` /
  ``id_number_birth_date`` / ``id_number_checksum``, an unregistered one ``jobseeker_unknown``;
- the vacancy is the enterprise's (by 统一社会信用代码) vacancy with that title — the latest
  published on or before the fair's date, else the earliest after it; none is ``vacancy_unknown``;
- the enterprise gets a booth at the fair with that vacancy if it has none, the jobseeker is
  signed in, the placement is opened as an intention dated the fair's day
  (:func:`outcomes.open_placement`) and :func:`outcomes.record_result` walks it up to the result
  (never backwards), each missing later step dated the result's date.

All or nothing: a bad row writes nothing and every bad row is listed. Duplicate rows (same fair,
jobseeker and vacancy) are allowed: the furthest result wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tiaodu.core import pii
from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import (
    PHASE_WRITE,
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    choice,
    memo,
    past_date,
    register,
    start_of_day,
    text_of,
)
from tiaodu.core.resolve import district_of, resolver_for
from tiaodu.employment import fairs, idcard
from tiaodu.employment.choices import FairKind, SignInVia
from tiaodu.employment.models import FairAttendance, JobFair, Jobseeker, Placement, Vacancy
from tiaodu.enterprises.models import Enterprise
from tiaodu.regions.models import Region

RESULTS = ("意向", "面试", "录用", "入职")
RESULT_RANK = {value: rank for rank, value in enumerate(RESULTS)}
KIND_LABELS = tuple(str(label) for _v, label in FairKind.choices)


def _id_number(raw: Any) -> str:
    try:
        return idcard.parse(str(raw or "")).number
    except idcard.IdNumberError as exc:
        raise CellError(exc.code, exc.message) from None


@dataclass
class _ResultRow:
    district: Region
    township: Region
    fair_key: tuple[int, str, date]
    kind: str
    jobseeker: Jobseeker
    vacancy: Vacancy
    result: str
    on: date


@register
class FairResultImporter(Importer):
    name = "fair-results"
    title = "招聘会对接结果"
    model = JobFair
    key_field = "fair_name"
    denied_message = "该招聘会或求职者不在您的管辖范围内"
    columns = [
        Column("招聘会名称", "fair_name", True, text_of(128), example="古溪镇2022年春风行动赶场天专场招聘会"),
        Column("招聘会日期", "held_on", True, past_date, example="2022-02-14"),
        Column(
            "招聘会类型",
            "kind",
            True,
            choice(fairs.KIND_BY_LABEL),
            example=KIND_LABELS[0],
            options=KIND_LABELS,
        ),
        Column("举办镇街", "township", True, text_of(64), example="古溪镇", note="镇街名称或9位区划代码"),
        Column(
            "身份证号", "id_number", True, _id_number, example="", note="18位居民身份证号,须已登记为求职者"
        ),
        Column("统一社会信用代码", "credit_code", True, text_of(18), example="91500152MA5U00001F"),
        Column("岗位名称", "title", True, text_of(64), example="普工"),
        Column("结果", "result", True, choice({r: r for r in RESULTS}), example="意向", options=RESULTS),
        Column("结果日期", "on", False, past_date, example="", note="留空为招聘会日期"),
    ]
    notes = [
        "同一区县同名同日期的招聘会视为同一场;没有的按招聘会名称、日期、类型和举办镇街新建。",
        "求职者按身份证号查找(须已登记);岗位按企业统一社会信用代码和岗位名称查找。",
        "企业未登记参会的,自动登记其参会并提供该岗位;求职者自动签到。",
        "结果依次为 意向→面试→录用→入职,缺少的步骤按结果日期补记;已更进一步的不会倒退。",
        "任何一行有错误,整个文件都不导入。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        ctx.cache["fair_rows"] = {}  # fair key → (kind, township id, first row)

    def header_for(self, field_name: str) -> str:
        return {
            "name": "招聘会名称",
            "fair": "招聘会名称",
            "kind": "招聘会类型",
            "township": "举办镇街",
            "held_on": "招聘会日期",
            "jobseeker": "身份证号",
            "id_number": "身份证号",
            "enterprise": "统一社会信用代码",
            "credit_code": "统一社会信用代码",
            "vacancy": "岗位名称",
            "title": "岗位名称",
            "on": "结果日期",
            "result": "结果",
        }.get(field_name) or super().header_for(field_name)

    def _try(self, ctx: ImportContext, row: Row, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            ctx.service_error(row.number, exc, self.denied_message)
        return None

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        town = None
        if values.get("township"):
            town = self._try(ctx, row, resolver_for(ctx).township, values["township"], field="township")
        district = memo(ctx, "districts", town.pk, lambda: district_of(town)) if town is not None else None
        company = None
        if values.get("credit_code"):
            company = self._try(
                ctx, row, resolver_for(ctx).enterprise, values["credit_code"], field="credit_code"
            )
        held_on, name, kind = values.get("held_on"), values.get("fair_name"), values.get("kind")
        on = values.get("on") or held_on
        if held_on is not None and on is not None and on < held_on:
            ctx.error(row.number, "结果日期", "outcome_date_order", "结果日期不能早于招聘会日期")
        if district is None or town is None or held_on is None or not name or not kind:
            return
        key = (district.pk, name, held_on)
        self._check_fair(ctx, row, key, kind, town)
        person = None
        if values.get("id_number"):
            person = self._jobseeker(ctx, row, district, values["id_number"])
        job = None
        if company is not None and values.get("title"):
            job = self._vacancy(ctx, row, company, values["title"], held_on)
        if person is None or job is None or not values.get("result") or on is None:
            return
        row.data = _ResultRow(district, town, key, kind, person, job, values["result"], on)

    def _check_fair(
        self, ctx: ImportContext, row: Row, key: tuple[int, str, date], kind: str, town: Region
    ) -> None:
        seen = ctx.cache["fair_rows"]
        if key in seen:
            first_kind, first_town, first_row = seen[key]
            if (first_kind, first_town) != (kind, town.pk):
                ctx.error(
                    row.number,
                    "招聘会名称",
                    "fair_conflict",
                    f"与第{first_row}行同名同日期的招聘会类型或举办镇街不同",
                )
            return
        seen[key] = (kind, town.pk, row.number)
        existing = memo(
            ctx,
            "fairs",
            key,
            lambda: JobFair.objects.filter(district_id=key[0], name=key[1], held_on=key[2]).first(),
        )
        if existing is None:
            return
        if existing.kind != kind:
            ctx.error(
                row.number,
                "招聘会类型",
                "fair_kind_mismatch",
                f"已有的该招聘会类型为“{existing.get_kind_display()}”",
            )
        if existing.township_id != town.pk:
            ctx.error(row.number, "举办镇街", "fair_township_mismatch", "已有的该招聘会举办镇街不同")

    def _jobseeker(self, ctx: ImportContext, row: Row, district: Region, number: str) -> Jobseeker | None:
        def find() -> Jobseeker | None:
            qs = Jobseeker.objects.filter(
                district=district, id_hash=pii.blind_index(number, field="id"), anonymised_on__isnull=True
            )
            if ctx.actor is not None:
                qs = qs & Jobseeker.objects.restrict(ctx.actor)  # type: ignore[attr-defined]
            found: Jobseeker | None = qs.first()
            return found

        person = memo(ctx, "jobseekers", (district.pk, number), find)
        if person is None:
            ctx.error(
                row.number,
                "身份证号",
                "jobseeker_unknown",
                f"身份证号{pii.mask_id_number(number)}在{district.name}没有登记为求职者,请先登记",
            )
        return person  # type: ignore[no-any-return]

    def _vacancy(
        self, ctx: ImportContext, row: Row, company: Enterprise, title: str, held_on: date
    ) -> Vacancy | None:
        def find() -> Vacancy | None:
            qs = Vacancy.objects.filter(enterprise=company, title=title)
            found: Vacancy | None = (
                qs.filter(published_on__lte=held_on).order_by("-published_on", "-pk").first()
                or qs.order_by("published_on", "pk").first()
            )
            return found

        job = memo(ctx, "vacancies", (company.pk, title, held_on), find)
        if job is None:
            ctx.error(row.number, "岗位名称", "vacancy_unknown", f"{company.name}没有名为“{title}”的岗位")
        return job  # type: ignore[no-any-return]

    # --- writing ----------------------------------------------------------------------------

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        from django.db import transaction

        fair_cache: dict[tuple[int, str, date], JobFair] = {}
        moments: dict[date, Any] = {}
        for done, row in enumerate(rows, start=1):
            ctx.report(PHASE_WRITE, done, len(rows))
            data: _ResultRow = row.data
            if data is None:
                continue
            try:
                with transaction.atomic():
                    outcome = self._save(ctx, data, fair_cache, moments)
            except ServiceError as exc:
                ctx.service_error(row.number, exc, self.denied_message)
            else:
                ctx.counts[outcome] += 1

    def _save(
        self,
        ctx: ImportContext,
        data: _ResultRow,
        fair_cache: dict[tuple[int, str, date], JobFair],
        moments: dict[date, Any],
    ) -> str:
        from tiaodu.employment import outcomes

        actor = ctx.actor
        fair = fair_cache.get(data.fair_key)
        if fair is None:
            fair = JobFair.objects.filter(
                district_id=data.fair_key[0], name=data.fair_key[1], held_on=data.fair_key[2]
            ).first()
            if fair is None:
                fair = fairs.create_fair(
                    actor,
                    district=data.district,
                    township=data.township,
                    name=data.fair_key[1],
                    kind=data.kind,
                    held_on=data.fair_key[2],
                )
                ctx.counts["fairs"] += 1
            elif actor is not None:
                fair = fairs._fair(actor, fair)  # the actor must be able to change it
            fair_cache[data.fair_key] = fair
        fairs.add_booth(None, fair, data.vacancy.enterprise_id, [data.vacancy])
        if not FairAttendance.objects.filter(fair=fair, jobseeker=data.jobseeker).exists():
            fairs.sign_in(
                None,
                fair,
                data.jobseeker,
                via=SignInVia.STAFF,
                at=moments.setdefault(fair.held_on, start_of_day(fair.held_on)),
            )
        before = (
            Placement.objects.filter(jobseeker=data.jobseeker, vacancy=data.vacancy)
            .values_list("state", flat=True)
            .first()
        )
        if data.on != fair.held_on:
            # The intention was reached at the fair: dated the fair's day, the later steps the
            # result's date (record_result alone would date the intention on the result's day).
            outcomes.open_placement(
                actor, jobseeker=data.jobseeker, vacancy=data.vacancy, on=fair.held_on, fair=fair
            )
        placement = outcomes.record_result(
            actor, jobseeker=data.jobseeker, vacancy=data.vacancy, result=data.result, on=data.on, fair=fair
        )
        if before is None:
            return "created"
        return "unchanged" if placement.state == before else "updated"
