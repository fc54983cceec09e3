"""Import ``jobseekers`` (求职者登记): 姓名, 身份证号, 所属镇街 (required), 手机号, 文化程度, 工作经历,
求职意向, 期望月薪, 重点群体 and optionally 村(社区), 技能, 证书, 需要住宿, 最长通勤(分钟), 登记日期,
已同意个人信息处理. Lane B.

The rules are those of :func:`tiaodu.employment.jobseekers.register`: the ID number checked by
GB 11643 (sex and birth date derived), an 11-digit mobile phone, the township resolved in the
actor's district, the actor registering only in their own township (town) or district, consent.
A person already registered in the district (the ID number's keyed hash) is merged, not
doubled, and so are several rows of the file with the same ID number (in the order of their
登记日期). All or nothing with per-row errors.

Fast: cells are checked once, lookups memoised, the texts cut into words once per distinct text;
rows are written chunk by chunk with one query for the existing people of the chunk, a bulk
insert (encryption and keyed hashes per row) and bulk updates; one audit entry per created or
changed jobseeker, without the ciphertexts, hashes or plain ID numbers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import F
from django.utils import timezone

from tiaodu.core import pii
from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import (
    PHASE_WRITE,
    AuditEntry,
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    audit_objects,
    boolean,
    bulk_update_rows,
    insert_with_ids,
    integer_between,
    memo,
    past_date,
    refuse_written,
    register,
    text,
    text_of,
)
from tiaodu.core.resolve import district_of, resolver_for
from tiaodu.employment import idcard, jobseekers
from tiaodu.employment.choices import Education, PriorityGroup, RegisteredVia
from tiaodu.employment.models import Jobseeker
from tiaodu.employment.text import words
from tiaodu.regions.models import Region

CHUNK = 2000
# The blocks jieba cuts one by one (its ``re_han_default``).
_BLOCKS = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+")
# Not in the change log (append-only: nothing there can be erased later): see
# ``jobseekers.logged_changes``.
NOT_AUDITED = jobseekers.NOT_LOGGED


def _masked(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    if "name" in changes:
        before, after = changes["name"]
        changes["name"] = (pii.mask_name(before) if before else None, pii.mask_name(after or ""))
    return changes


def _id_number(raw: Any) -> idcard.IdNumber:
    try:
        return idcard.parse(text(raw))
    except idcard.IdNumberError as exc:
        raise CellError(exc.code, exc.message) from None


def _phone(raw: Any) -> str:
    try:
        return jobseekers.normalise_phone(text(raw))
    except ServiceError as exc:
        raise CellError("phone_format", exc.errors[0].message) from None


def _education(raw: Any) -> str:
    try:
        return jobseekers.education_of(text(raw))
    except ServiceError as exc:
        raise CellError("education_unknown", exc.errors[0].message) from None


def _groups(raw: Any) -> list[str]:
    try:
        return jobseekers.groups_of(text(raw))
    except ServiceError as exc:
        raise CellError("group_unknown", exc.errors[0].message) from None


def _consent(raw: Any) -> bool:
    return True if raw is None else boolean(raw)


@dataclass
class _Person:
    """One checked row: what register() would store."""

    number: int
    district: Region
    township: Region
    parsed: idcard.IdNumber
    digest: str
    on: date
    values: dict[str, Any] = field(default_factory=dict)  # merge_into's incoming values


@register
class JobseekerImporter(Importer):
    name = "jobseekers"
    title = "求职者登记"
    model = Jobseeker
    key_field = "id_number"
    denied_message = "不能登记其他镇街或区县的求职者"
    field_headers = {"township": "所属镇街", "consent": "已同意个人信息处理"}
    columns = [
        Column("姓名", "name", True, text_of(32), example="李秀英"),
        Column(
            "身份证号",
            "id_number",
            True,
            _id_number,
            aliases=("居民身份证号", "身份证号码"),
            example=idcard.make("500152", date(1990, 5, 6), 122),
            note="18位居民身份证号(GB 11643,校验位、出生日期均检查);已登记的人按身份证号合并,不重复登记",
        ),
        Column("手机号", "phone", parse=_phone, aliases=("联系电话",), example="13812345678"),
        Column("所属镇街", "township", True, text_of(64), example="古溪镇", note="镇街名称或9位区划代码"),
        Column(
            "文化程度",
            "education",
            parse=_education,
            example="初中",
            options=tuple(str(label) for v, label in Education.choices if v),
        ),
        Column(
            "工作经历", "experience", parse=text_of(2000), example="在制衣厂做过三年缝纫工,在玩具厂做过包装"
        ),
        Column("求职意向", "desired_text", parse=text_of(255), example="缝纫工、普工"),
        Column(
            "期望月薪",
            "wage_expected",
            parse=integer_between(1, jobseekers.MAX_WAGE),
            example=4000,
            note="元/月",
        ),
        Column(
            "重点群体",
            "groups",
            parse=_groups,
            example="脱贫劳动力",
            note="可填多个,用“、”分隔:" + "、".join(str(label) for _v, label in PriorityGroup.choices),
        ),
        Column("村(社区)", "village", parse=text_of(64), aliases=("村社区", "村"), example="古溪村"),
        Column("技能", "skills", parse=text_of(255), example="平车、包缝"),
        Column("证书", "certificates", parse=text_of(255), example=""),
        Column("需要住宿", "needs_dorm", parse=boolean, example="否", options=("是", "否")),
        Column(
            "最长通勤(分钟)",
            "max_commute_minutes",
            parse=integer_between(1, jobseekers.MAX_COMMUTE),
            aliases=("最长通勤",),
            example=40,
        ),
        Column("登记日期", "registered_on", parse=past_date, example="2022-02-10", note="留空为今天"),
        Column(
            "已同意个人信息处理",
            "consent",
            parse=_consent,
            example="是",
            options=("是", "否"),
            note="须经本人同意(纸质登记表签字);留空视为已同意,填“否”的行不能导入",
        ),
    ]
    notes = [
        "身份证号和手机号加密保存,列表、导出和接口中只显示脱敏后的号码。",
        "同一区县内身份证号相同的视为同一人:空白信息补齐,重点群体合并,登记日期较新的非空信息覆盖旧信息,工作经历追加。",
        "镇街人员只能登记本镇街的求职者,人社局(就业服务部门)人员可登记本区县的求职者。",
    ]

    def _try(self, ctx: ImportContext, row: Row, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ServiceError as exc:
            ctx.service_error(row.number, exc, self.denied_message)
        return None

    def prepare(self, ctx: ImportContext) -> None:
        ctx.cache["today"] = timezone.localdate()

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        if values.get("consent") is False:
            ctx.error(row.number, "consent", "consent_required", "须经本人同意个人信息处理后方可登记")
        town = None
        if values.get("township"):
            town = self._try(ctx, row, resolver_for(ctx).township, values["township"])
        if town is None:
            return
        district = memo(ctx, "districts", town.pk, lambda: district_of(town))
        if ctx.actor is not None:
            actor = ctx.actor
            self._try(ctx, row, memo, ctx, "home", town.pk, lambda: jobseekers._actor_home_check(actor, town))
        parsed = values.get("id_number")
        if parsed is None or not values.get("name"):
            return
        incoming = {
            "name": values["name"],
            "phone": values.get("phone") or "",
            "village": values.get("village") or "",
            "education": values.get("education") or "",
            "experience": values.get("experience") or "",
            "skills": values.get("skills") or "",
            "certificates": values.get("certificates") or "",
            "desired_text": values.get("desired_text") or "",
            "wage_expected": values.get("wage_expected"),
            "max_commute_minutes": values.get("max_commute_minutes"),
            "needs_dorm": bool(values.get("needs_dorm")),
            "groups": values.get("groups") or [],
        }
        digest = pii.blind_index(parsed.number, field="id")
        on = values.get("registered_on") or ctx.cache["today"]
        row.data = _Person(row.number, district, town, parsed, digest, on, incoming)

    # --- writing ----------------------------------------------------------------------------

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        people: dict[tuple[int, str], list[_Person]] = defaultdict(list)
        for row in rows:
            if row.data is not None:
                people[(row.data.district.pk, row.data.digest)].append(row.data)
        keys = list(people)
        done = 0
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            self._write_chunk(ctx, {k: sorted(people[k], key=lambda p: (p.on, p.number)) for k in part})
            done += sum(len(people[k]) for k in part)
            ctx.report(PHASE_WRITE, done, len(rows))

    def _tokens(self, ctx: ImportContext, *texts: str) -> str:
        """``text.tokenize(*texts)``, memoised per block of text: jieba cuts each run of Chinese
        characters, letters and digits on its own (``jieba.re_han_default``) and the words drop
        everything between them, so the words of a text are the words of its blocks in order —
        the same tokens, with each distinct block (在制衣厂做缝纫工) cut once per import."""
        table: dict[str, list[str]] = ctx.cache.setdefault("blocks", {})
        out: list[str] = []
        for value in texts:
            if not value:
                continue
            for block in _BLOCKS.findall(value):
                found = table.get(block)
                if found is None:
                    found = table[block] = words(block)
                out.extend(found)
        return " ".join(out)

    def _service_org(self, ctx: ImportContext, district: Region) -> int | None:
        org = memo(ctx, "service_orgs", district.pk, lambda: jobseekers.service_org_for(ctx.actor, district))
        return org.pk if org is not None else None

    def _consent_purpose(self, ctx: ImportContext, district: Region) -> str:
        return str(
            memo(ctx, "purposes", district.pk, lambda: jobseekers.settings_for(district).consent_purpose)
        )

    def _write_chunk(self, ctx: ImportContext, chunk: dict[tuple[int, str], list[_Person]]) -> None:
        districts = {k[0] for k in chunk}
        digests = [k[1] for k in chunk]
        existing = {
            (j.district_id, j.id_hash): j
            for j in Jobseeker.objects.select_for_update().filter(
                district_id__in=districts, id_hash__in=digests
            )
        }
        creates: list[tuple[_Person, dict[str, Any]]] = []
        updates: list[tuple[_Person, Jobseeker, dict[str, tuple[Any, Any]]]] = []
        # A person already registered where the importer may not change them (another township's)
        # is left as registered: knowing an ID number must not let anyone rewrite a record.
        keep = jobseekers.changeable_ids(ctx.actor, [j.pk for j in existing.values()])
        for key, group in chunk.items():
            found = existing.get(key)
            if found is not None and found.pk not in keep:
                ctx.counts["unchanged"] += 1
                continue
            if found is None:
                first, rest = group[0], group[1:]
                values = self._new_values(ctx, first)
                if rest:
                    values = self._merged_values(ctx, values, rest)
                creates.append((first, values))
                continue
            changes: dict[str, tuple[Any, Any]] = {}
            for person in group:
                for attr, (before, after) in self._merge(ctx, found, person).items():
                    changes[attr] = (changes.get(attr, (before, None))[0], after)
            changes = {k: v for k, v in changes.items() if v[0] != v[1]}
            if changes:
                updates.append((group[-1], found, changes))
            else:
                ctx.counts["unchanged"] += 1
        self._apply(ctx, creates, updates)

    def _new_values(self, ctx: ImportContext, person: _Person) -> dict[str, Any]:
        incoming = person.values
        phone = incoming["phone"]
        number = person.parsed.number
        return {
            "district_id": person.district.pk,
            "township_id": person.township.pk,
            "village": incoming["village"],
            "name": incoming["name"],
            "id_enc": pii.encrypt(number, field="id"),
            "id_hash": person.digest,
            "id_mask": pii.mask_id_number(number),
            "phone_enc": pii.encrypt(phone, field="phone"),
            "phone_hash": pii.blind_index(phone, field="phone"),
            "phone_mask": pii.mask_phone(phone) if phone else "",
            "sex": person.parsed.sex,
            "birth_date": person.parsed.birth_date,
            "education": incoming["education"],
            "experience": incoming["experience"],
            "skills": incoming["skills"],
            "certificates": incoming["certificates"],
            "desired_text": incoming["desired_text"],
            "wage_expected": incoming["wage_expected"],
            "max_commute_minutes": incoming["max_commute_minutes"],
            "needs_dorm": incoming["needs_dorm"],
            "groups": " ".join(incoming["groups"]),
            "consent_purpose": self._consent_purpose(ctx, person.district),
            "consented_on": person.on,
            "registered_on": person.on,
            "registered_via": RegisteredVia.IMPORT,
            "last_active_on": person.on,
            "service_org_id": self._service_org(ctx, person.district),
            "tokens": self._tokens(
                ctx,
                incoming["experience"],
                incoming["skills"],
                incoming["certificates"],
                incoming["desired_text"],
            ),
            "registered_by_id": getattr(ctx.actor, "pk", None),
        }

    def _merged_values(
        self, ctx: ImportContext, values: dict[str, Any], rest: list[_Person]
    ) -> dict[str, Any]:
        """Rows of the file for a person not yet registered: the first row's values with the
        others merged in (an unsaved Jobseeker carries the merge)."""
        row = Jobseeker(**values)
        for person in rest:
            self._merge(ctx, row, person)
        attnames = {f.attname for f in Jobseeker._meta.concrete_fields}
        return {k: getattr(row, k) for k in values if k in attnames}

    def _merge(self, ctx: ImportContext, row: Jobseeker, person: _Person) -> dict[str, tuple[Any, Any]]:
        changes = jobseekers.merge_into(
            row, person.values, jobseekers.is_newer(row, person.on), lambda *texts: self._tokens(ctx, *texts)
        )
        if person.on < row.registered_on:
            changes["registered_on"] = (row.registered_on, person.on)
            row.registered_on = person.on
        if row.last_active_on is None or row.last_active_on < person.on:
            changes["last_active_on"] = (row.last_active_on, person.on)
            row.last_active_on = person.on
        return changes

    def _apply(
        self,
        ctx: ImportContext,
        creates: list[tuple[_Person, dict[str, Any]]],
        updates: list[tuple[_Person, Jobseeker, dict[str, tuple[Any, Any]]]],
    ) -> None:
        ids = insert_with_ids(Jobseeker, [values for _p, values in creates])
        entries: list[AuditEntry] = []
        written: dict[int, Row] = {}
        for (person, values), pk in zip(creates, ids, strict=True):
            written[pk] = Row(person.number, {})
            label = f"{pii.mask_name(values['name'])} {values['id_mask']}"
            audited = {
                k: (None, v) for k, v in values.items() if k not in NOT_AUDITED and v not in (None, "")
            }
            entries.append(AuditEntry(pk, label, audited))
        for attnames in sorted({tuple(sorted(changes)) for _p, _j, changes in updates}):
            group = [(p, j, c) for p, j, c in updates if tuple(sorted(c)) == attnames]
            bulk_update_rows(
                Jobseeker,
                list(attnames),
                [{"pk": j.pk, **{k: v[1] for k, v in c.items()}} for _p, j, c in group],
            )
            for _person, found, changes in group:
                label = f"{found.masked_name} {found.id_mask}"
                audited = _masked({k: v for k, v in changes.items() if k not in NOT_AUDITED})
                entries.append(AuditEntry(found.pk, label, audited, created=False))
        if updates:
            Jobseeker.objects.filter(pk__in=[j.pk for _p, j, _c in updates]).update(version=F("version") + 1)
        refused = refuse_written(ctx, Jobseeker, "add", written, authored=False)
        audit_objects(ctx, Jobseeker, [e for e in entries if e.pk not in refused])
        ctx.counts["created"] += len([pk for pk in ids if pk not in refused])
        ctx.counts["updated"] += len(updates)
