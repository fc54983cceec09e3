"""Jobseeker services: register (merging a known ID number), update, consent and its withdrawal,
reveal policy, anonymisation. Lane B.

Rules
=====

- **Registration** (:func:`register`): the 居民身份证号 is checked by GB 11643 (``idcard.parse``:
  ``id_number_format`` / ``id_number_birth_date`` / ``id_number_checksum``), sex and birth date
  come from it; the phone must be an 11-digit mobile number (``phone_format``); consent to the
  district's processing purpose is required (``consent_required``). The township is resolved in
  the actor's district first (``tiaodu.core.resolve``); the jobseeker's district is the
  township's. ``service_org`` is the actor's organisation when it is one of the district's
  employment departments, else the first of them.
- **One person, one row per district**: the ID number's keyed hash finds an existing jobseeker
  of the district, which is *merged* (never a second row): blank fields are filled, the lists
  (priority groups, desired occupations) unioned, and when the new registration is not older
  than the last activity its non-empty values win (work history is appended when new). The
  registering township, the service department and the first registration date stay. A merge
  returns ``created=False``. Whoever may register in the township may merge into the district's
  row (the information comes from the person), whatever township registered them first.
- **Reveal** (:func:`can_reveal`, :func:`reveal`): only administrators, users of the district's
  employment departments (``EmploymentSettings.departments``) and the town staff of the
  jobseeker's own township see the full ID number and phone, each reveal (and each refusal) in
  the security log. Lists, exports and the API show the masks.
- **Names**: enterprises and leaders see masked names (:func:`shows_names`).
- **Consent withdrawal and retention**: :func:`withdraw_consent` anonymises at once;
  :func:`anonymise_expired` (run daily by ``tasks.anonymise_expired``) anonymises those whose
  last activity (or registration) is older than the district's ``retention_days``. Anonymising
  erases the personal data — the name becomes "已匿名", the ciphertexts and the phone's hash and
  mask are cleared, the ID hash is replaced by a non-identifying placeholder and its mask keeps
  only the first four digits (the city), the village and the free texts are cleared, the birth
  date is kept to the year — and redacts those fields in the row's change log; the township,
  sex, education, priority groups, dates and placements stay, so past figures still add up.
  Each anonymisation is a ``pi_anonymised`` security event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from auditlog.context import disable_auditlog
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.core import pii
from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import can, ensure_added, get_scoped
from tiaodu.core.resolve import district_of, township_of
from tiaodu.employment import idcard
from tiaodu.employment.choices import Education, PriorityGroup, RegisteredVia
from tiaodu.employment.models import EmploymentSettings, Jobseeker, Occupation
from tiaodu.employment.text import tokenize
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.employment.models import JobFair
    from tiaodu.orgs.models import Organization

ANONYMOUS_NAME = "已匿名"
TEXT_FIELDS = frozenset({"experience", "skills", "certificates", "desired_text"})
PHONE_RE = re.compile(r"1[3-9]\d{9}")
ID_LIKE_RE = re.compile(r"\d{17}[\dXx]")
MAX_WAGE = 1_000_000
MAX_COMMUTE = 600
# The fields a merge or an edit may set (service field names).
TEXT_LIMITS = {"name": 32, "village": 64, "skills": 255, "certificates": 255, "desired_text": 255}
EDITABLE = (
    "name",
    "phone",
    "village",
    "education",
    "experience",
    "skills",
    "certificates",
    "desired_occupations",
    "desired_text",
    "wage_expected",
    "max_commute_minutes",
    "needs_dorm",
    "groups",
)
# Attributes erased by anonymisation (and redacted in the change log).
PI_ATTRS = (
    "name",
    "id_enc",
    "id_hash",
    "id_mask",
    "phone_enc",
    "phone_hash",
    "phone_mask",
    "birth_date",
    "village",
    "experience",
    "skills",
    "certificates",
    "desired_text",
    "tokens",
)
# Never in the change log (see ``logged_changes``).
NOT_LOGGED = frozenset(
    {"id_enc", "id_hash", "phone_enc", "phone_hash", "tokens", "birth_date", "village", "experience"}
)


# --- settings and policy ------------------------------------------------------------------------


def settings_for(district: Region) -> EmploymentSettings:
    """The district's EmploymentSettings (lane A's ``reference.settings_for`` when present)."""
    from tiaodu.employment import reference

    found = getattr(reference, "settings_for", None)
    if found is not None:
        result: EmploymentSettings = found(district)
        return result
    settings, _made = EmploymentSettings.objects.get_or_create(region=district)
    return settings


def department_ids(district: Region) -> set[int]:
    return set(settings_for(district).departments.values_list("pk", flat=True))


def _is_admin(user: Any) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN)


def _active(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


def can_reveal(user: Any, jobseeker: Jobseeker) -> bool:
    """Administrators; department users whose organisation is one of the jobseeker's district's
    employment departments; town users of the jobseeker's own township. Nobody else."""
    if not _active(user):
        return False
    if _is_admin(user):
        return True
    if user.role == Role.DEPARTMENT:
        return bool(user.organization_id) and user.organization_id in department_ids(jobseeker.district)
    if user.role == Role.TOWN:
        return user.region_id is not None and user.region_id == jobseeker.township_id
    return False


def can_reveal_all(user: Any, queryset: Any) -> bool:
    """Whether :func:`can_reveal` allows every row of ``queryset`` (a full export), decided with
    one query rather than row by row."""
    if not _active(user):
        return False
    if _is_admin(user):
        return True
    if user.role == Role.DEPARTMENT and user.organization_id:
        districts = EmploymentSettings.objects.filter(departments=user.organization_id).values("region_id")
        return not queryset.exclude(district_id__in=districts).exists()
    if user.role == Role.TOWN and user.region_id:
        return not queryset.exclude(township_id=user.region_id).exists()
    return False


def shows_names(user: Any) -> bool:
    """Whether lists show the user full names (staff), or masked ones (enterprises, leaders)."""
    return _active(user) and (_is_admin(user) or user.role in (Role.DEPARTMENT, Role.TOWN))


def display_name(user: Any, jobseeker: Jobseeker) -> str:
    return jobseeker.name if shows_names(user) else jobseeker.masked_name


def reveal(user: Any, jobseeker: Jobseeker, field: str) -> str:
    """The full ID number (``field="id"``) or phone (``"phone"``) for a user :func:`can_reveal`
    allows, written to the security log; a refusal is logged and raises ``pi_reveal_forbidden``.
    Call outside a transaction that may roll back (the refusal's event must stay)."""
    if field not in ("id", "phone"):
        raise invalid("field", "pi_field_unknown", _("只能查看身份证号(id)或手机号(phone)"))
    return pii.reveal(user, jobseeker, field, allowed=can_reveal, label=jobseeker.id_mask)


def refuse_export(user: Any, what: str) -> None:
    """A full export refused: the security event, then ``pi_reveal_forbidden``."""
    from tiaodu.audit.choices import EventKind
    from tiaodu.audit.services import record_event

    record_event(EventKind.PI_REVEAL_REFUSED, user=user, detail=f"export {what}")
    raise pii.PIRevealRefused(_("无权导出完整个人信息"))


def touch(jobseeker: Jobseeker, on: date) -> None:
    """Record a job-seeking activity on ``on``: ``last_active_on`` = the later date."""
    Jobseeker.objects.filter(pk=jobseeker.pk).filter(
        Q(last_active_on__isnull=True) | Q(last_active_on__lt=on)
    ).update(last_active_on=on)
    if jobseeker.last_active_on is None or jobseeker.last_active_on < on:
        jobseeker.last_active_on = on


def find_by_id_number(actor: Any, number: str) -> Jobseeker | None:
    """The jobseeker with this ID number among those the actor may see (keyed-hash lookup;
    nothing is decrypted). None when not found, not visible, or not an ID number at all."""
    digest = pii.blind_index(str(number or ""), field="id")
    if not digest:
        return None
    qs = Jobseeker.objects.restrict(actor) if actor is not None else Jobseeker.objects.all()
    return qs.filter(id_hash=digest).select_related("township", "district").first()


# --- values ---------------------------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """An 11-digit mobile number (spaces, dashes and a +86 prefix removed); ``phone_format``."""
    value = re.sub(r"[\s\-()()]", "", str(raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not value:
        return ""
    if not PHONE_RE.fullmatch(value):
        raise invalid("phone", "phone_format", _("手机号应为11位数字,以1开头"))
    return value


_EDUCATION_WORDS = {str(label): value for value, label in Education.choices if value} | {
    "高中": Education.SENIOR,
    "中专": Education.SENIOR,
    "技校": Education.SENIOR,
    "职高": Education.SENIOR,
    "专科": Education.COLLEGE,
    "大学": Education.BACHELOR,
    "大学本科": Education.BACHELOR,
    "硕士": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
    "文盲": Education.NONE,
    "无": Education.NONE,
    "不限": Education.NONE,
}


def education_of(raw: str) -> str:
    """An Education value from its code or a common label (初中, 高中, 中专, 大专 …)."""
    value = str(raw or "").strip()
    if not value or value in Education.values:
        return value
    if value in _EDUCATION_WORDS:
        return str(_EDUCATION_WORDS[value])
    labels = "、".join(str(label) for v, label in Education.choices if v)
    raise invalid(
        "education", "education_unknown", _("文化程度“%(v)s”无法识别,可选:%(l)s") % {"v": value, "l": labels}
    )


_GROUP_WORDS = {str(label): value for value, label in PriorityGroup.choices} | {
    "脱贫人口": PriorityGroup.POVERTY,
    "脱贫户": PriorityGroup.POVERTY,
    "农民工": PriorityGroup.RETURNEE,
    "返乡": PriorityGroup.RETURNEE,
    "毕业生": PriorityGroup.GRADUATE,
    "就业困难": PriorityGroup.HARDSHIP,
    "退役军人": PriorityGroup.VETERAN,
}
_SPLIT = re.compile(r"[\s,,、;;/]+")


def groups_of(raw: str | Iterable[str]) -> list[str]:
    """Priority group codes from codes or labels (a list, or one text separated by 、,; or spaces)."""
    items = _SPLIT.split(raw) if isinstance(raw, str) else [str(i) for i in raw]
    out: list[str] = []
    for item in items:
        item = item.strip()
        if not item:
            continue
        code = item if item in PriorityGroup.values else _GROUP_WORDS.get(item)
        if code is None:
            labels = "、".join(str(label) for _v, label in PriorityGroup.choices)
            raise invalid(
                "groups", "group_unknown", _("重点群体“%(v)s”无法识别,可选:%(l)s") % {"v": item, "l": labels}
            )
        if str(code) not in out:
            out.append(str(code))
    return out


def occupations_of(raw: Iterable[Any]) -> list[Occupation]:
    """Occupations from objects or codes (``occupation_unknown``)."""
    found: list[Occupation] = []
    codes = []
    for item in raw or ():
        if isinstance(item, Occupation):
            found.append(item)
        elif str(item).strip():
            codes.append(str(item).strip())
    if codes:
        known = {o.code: o for o in Occupation.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in known]
        if missing:
            raise invalid(
                "desired_occupations",
                "occupation_unknown",
                _("职业编码“%(c)s”不存在") % {"c": "、".join(missing)},
            )
        found.extend(known[c] for c in codes)
    return list({o.pk: o for o in found}.values())


def _int_in(value: Any, field: str, low: int, high: int, label: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(field, "integer_invalid", _("%(l)s应为整数") % {"l": label}) from None
    if not low <= number <= high:
        raise invalid(
            field, "number_too_large", _("%(l)s应在%(a)s至%(b)s之间") % {"l": label, "a": low, "b": high}
        )
    return number


def parse_id(raw: str) -> idcard.IdNumber:
    """``idcard.parse`` with its error as an InvalidInput on ``id_number``."""
    try:
        return idcard.parse(raw)
    except idcard.IdNumberError as exc:
        raise invalid("id_number", exc.code, exc.message) from None


@dataclass
class Values:
    """A registration's checked values (service field names), shared by the service and the import."""

    name: str
    parsed: idcard.IdNumber
    phone: str = ""
    village: str = ""
    education: str = ""
    experience: str = ""
    skills: str = ""
    certificates: str = ""
    desired_text: str = ""
    wage_expected: int | None = None
    max_commute_minutes: int | None = None
    needs_dorm: bool = False
    groups: tuple[str, ...] = ()


def _collect(errors: list[FieldError], fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return None


def check_text(errors: list[FieldError], fields: dict[str, Any]) -> None:
    for field, limit in TEXT_LIMITS.items():
        if field in fields:
            fields[field] = str(fields[field] or "").strip()
            if len(fields[field]) > limit:
                errors.append(FieldError(field, "too_long", _("不能超过%(n)d个字符") % {"n": limit}))
    if "experience" in fields:
        fields["experience"] = str(fields["experience"] or "").strip()
    if "name" in fields and not fields["name"]:
        errors.append(FieldError("name", "required", _("姓名不能为空")))


# --- merging ------------------------------------------------------------------------------------


def merge_into(
    row: Jobseeker, incoming: dict[str, Any], newer: bool, tokenizer: Callable[..., str] = tokenize
) -> dict[str, tuple[Any, Any]]:
    """Merge checked values (Jobseeker attnames; ``groups`` a list) into ``row`` in memory and
    return the changes (attname → (before, after)). Blank fields are filled; when ``newer``, a
    non-empty incoming value wins; groups are unioned; work history is appended when new."""
    changes: dict[str, tuple[Any, Any]] = {}

    def put(attr: str, value: Any) -> None:
        before = getattr(row, attr)
        if before != value:
            changes[attr] = (before, value)
            setattr(row, attr, value)

    for attr, value in incoming.items():
        if attr in ("groups", "experience", "needs_dorm", "phone"):
            continue
        if value in (None, ""):
            continue
        current = getattr(row, attr)
        if current in (None, "") or newer:
            put(attr, value)
    phone = incoming.get("phone")
    if phone and (not row.phone_hash or newer):
        digest = pii.blind_index(phone, field="phone")
        if digest != row.phone_hash:
            put("phone_enc", pii.encrypt(phone, field="phone"))
            put("phone_hash", digest)
            put("phone_mask", pii.mask_phone(phone))
    text = incoming.get("experience") or ""
    if text and text not in row.experience:
        put("experience", f"{row.experience};{text}" if row.experience else text)
    if incoming.get("needs_dorm") and not row.needs_dorm:
        put("needs_dorm", True)
    groups = list(row.group_codes)
    for code in incoming.get("groups") or ():
        if code not in groups:
            groups.append(code)
    if " ".join(groups) != row.groups:
        put("groups", " ".join(groups))
    if TEXT_FIELDS & changes.keys():  # the words follow the texts (cut only when one changed)
        tokens = tokenizer(row.experience, row.skills, row.certificates, row.desired_text)
        if tokens != row.tokens:
            put("tokens", tokens)
    return changes


def is_newer(row: Jobseeker, on: date) -> bool:
    """Whether a registration dated ``on`` is not older than the row's last activity."""
    return on >= (row.last_active_on or row.registered_on)


# --- registration -----------------------------------------------------------------------------


def _actor_home_check(actor: User, township: Region) -> None:
    """A town user registers in their own township; others in their own district."""
    if _is_admin(actor):
        return
    if not can(actor, "add", Jobseeker):
        raise Forbidden(audit=f"add employment.jobseeker township={township.code}")
    if actor.role == Role.TOWN:
        home = actor.region
    else:
        from tiaodu.core.resolve import actor_district

        home = actor_district(actor)
    if home is None or not township.path.startswith(home.path):
        raise Forbidden(audit=f"add employment.jobseeker township={township.code}")
    if actor.role == Role.DEPARTMENT and actor.organization_id not in department_ids(district_of(township)):
        # Only the district's employment departments keep jobseekers (not every department).
        raise Forbidden(audit=f"add employment.jobseeker township={township.code}")


def service_org_for(actor: Any, district: Region) -> Organization | None:
    """The actor's organisation when it is one of the district's employment departments, else
    the first of them (by id)."""
    departments = settings_for(district).departments.order_by("pk")
    own = getattr(actor, "organization_id", None) if actor is not None else None
    if own and departments.filter(pk=own).exists():
        return departments.get(pk=own)
    return departments.first()


def resolve_township(actor: Any, township: Region | str, fair: JobFair | None = None) -> Region:
    district = fair.district if fair is not None else None
    town = township_of(township, actor, district)
    if fair is not None and not town.path.startswith(fair.district.path):
        raise invalid("township", "township_unknown", _("所属镇街不在本区县"))
    return town


def register(
    actor: User | None,
    *,
    township: Region | str,
    name: str,
    id_number: str,
    phone: str = "",
    village: str = "",
    education: str = "",
    experience: str = "",
    skills: str = "",
    certificates: str = "",
    desired_occupations: Sequence[Any] = (),
    desired_text: str = "",
    wage_expected: int | None = None,
    max_commute_minutes: int | None = None,
    needs_dorm: bool = False,
    groups: Sequence[str] | str = (),
    consent: bool = True,
    registered_on: date | None = None,
    via: str = RegisteredVia.STAFF,
    fair: JobFair | None = None,
) -> tuple[Jobseeker, bool]:
    """Register a jobseeker, or merge into the district's row with the same ID number. Returns
    (jobseeker, created). See the module docstring for the rules."""
    if actor is None and not (via == RegisteredVia.SELF and fair is not None):
        raise Forbidden(audit="add employment.jobseeker without a user")
    errors: list[FieldError] = []
    fields: dict[str, Any] = {
        "name": name,
        "village": village,
        "skills": skills,
        "certificates": certificates,
        "desired_text": desired_text,
        "experience": experience,
    }
    check_text(errors, fields)
    parsed = _collect(errors, parse_id, id_number)
    phone_value = _collect(errors, normalise_phone, phone) or ""
    edu = _collect(errors, education_of, education)
    group_codes = _collect(errors, groups_of, groups) or []
    occupations = _collect(errors, occupations_of, desired_occupations) or []
    wage = _collect(errors, _int_in, wage_expected, "wage_expected", 1, MAX_WAGE, _("期望月薪"))
    commute = _collect(
        errors, _int_in, max_commute_minutes, "max_commute_minutes", 1, MAX_COMMUTE, _("最长通勤")
    )
    town = _collect(errors, resolve_township, actor, township, fair)
    today = timezone.localdate()
    on = registered_on or today
    if on > today:
        errors.append(FieldError("registered_on", "date_in_future", _("登记日期不能晚于今天")))
    if not consent:
        errors.append(FieldError("consent", "consent_required", _("须经本人同意个人信息处理后方可登记")))
    if errors:
        raise InvalidInput(errors)
    assert town is not None and parsed is not None
    if actor is not None:
        _actor_home_check(actor, town)
    district = district_of(town)
    settings = settings_for(district)
    incoming: dict[str, Any] = {
        **fields,
        "phone": phone_value,
        "education": edu or "",
        "wage_expected": wage,
        "max_commute_minutes": commute,
        "needs_dorm": bool(needs_dorm),
        "groups": group_codes,
    }
    digest = pii.blind_index(parsed.number, field="id")
    with transaction.atomic():
        existing = Jobseeker.objects.select_for_update().filter(district=district, id_hash=digest).first()
        if existing is not None:
            if existing.pk in changeable_ids(actor, [existing.pk], anonymous=actor is None):
                _merge(actor, existing, incoming, occupations, on, fair)
            else:
                # Registered already, by someone else's township (or this is the person's own
                # phone at a fair): the record is not rewritten — knowing an ID number must not
                # let anyone replace a name or a phone. Only the activity is noted.
                _note_activity(existing, on, fair)
            return existing, False
        row = Jobseeker(
            district=district,
            township=town,
            name=incoming["name"],
            village=incoming["village"],
            id_enc=pii.encrypt(parsed.number, field="id"),
            id_hash=digest,
            id_mask=pii.mask_id_number(parsed.number),
            phone_enc=pii.encrypt(phone_value, field="phone"),
            phone_hash=pii.blind_index(phone_value, field="phone"),
            phone_mask=pii.mask_phone(phone_value) if phone_value else "",
            sex=parsed.sex,
            birth_date=parsed.birth_date,
            education=incoming["education"],
            experience=incoming["experience"],
            skills=incoming["skills"],
            certificates=incoming["certificates"],
            desired_text=incoming["desired_text"],
            wage_expected=wage,
            max_commute_minutes=commute,
            needs_dorm=bool(needs_dorm),
            groups=" ".join(group_codes),
            consent_purpose=settings.consent_purpose,
            consented_on=on,
            registered_on=on,
            registered_via=via,
            registered_fair=fair,
            last_active_on=on,
            service_org=service_org_for(actor, district),
            registered_by=actor if actor is not None and actor.pk else None,
        )
        row.tokens = tokenize(row.experience, row.skills, row.certificates, row.desired_text)
        try:
            with transaction.atomic(), disable_auditlog():
                row.save()
        except IntegrityError:  # a concurrent registration of the same person came first
            raise Conflict(
                "jobseeker_duplicate",
                _("该身份证号刚刚已登记,请刷新后重试"),
                [FieldError("id_number", "jobseeker_duplicate", _("该身份证号已登记"))],
            ) from None
        if occupations:
            row.desired_occupations.add(*occupations)
        if actor is not None:
            ensure_added(actor, row)
        log_change(
            actor, row, {k: (None, v) for k, v in snapshot(row).items() if v not in (None, "")}, created=True
        )
    return row, True


def changeable_ids(actor: Any, pks: list[int], *, anonymous: bool = False) -> set[int]:
    """Those of ``pks`` the actor may change: all for the system (``actor`` None: the command
    line), none for an ``anonymous`` self-registration, else those in the actor's scope."""
    if not pks or anonymous:
        return set()
    if actor is None:
        return set(pks)
    return set(Jobseeker.objects.restrict(actor, "change").filter(pk__in=pks).values_list("pk", flat=True))


def _note_activity(row: Jobseeker, on: date, fair: JobFair | None) -> None:
    """A known person showed up again (a fair, a registration elsewhere): the dates only."""
    updates: dict[str, Any] = {}
    if row.last_active_on is None or row.last_active_on < on:
        updates["last_active_on"] = on
    if fair is not None and row.registered_fair_id is None:
        updates["registered_fair"] = fair
    if updates:
        Jobseeker.objects.filter(pk=row.pk).update(**updates, updated_at=timezone.now())
        for name, value in updates.items():
            setattr(row, name, value)


def _merge(
    actor: Any,
    row: Jobseeker,
    incoming: dict[str, Any],
    occupations: list[Occupation],
    on: date,
    fair: JobFair | None,
) -> None:
    before = snapshot(row)
    merge_into(row, incoming, is_newer(row, on))
    if on < row.registered_on:
        row.registered_on = on
    if row.last_active_on is None or row.last_active_on < on:
        row.last_active_on = on
    if fair is not None and row.registered_fair_id is None:
        row.registered_fair = fair
    claim_version(row, None, {"version": row.version})
    with disable_auditlog():
        row.save()
    log_change(actor, row, diff(before, row))
    if occupations:
        row.desired_occupations.add(*occupations)


@transaction.atomic
def update_jobseeker(
    actor: User, jobseeker: Jobseeker | int, version: int | None = None, **fields: Any
) -> Jobseeker:
    """Change a jobseeker's fields (those given; see ``EDITABLE``); the ID number is not
    editable (a wrong one is a new registration). ``stale_write`` when the version moved."""
    pk = jobseeker.pk if isinstance(jobseeker, Jobseeker) else jobseeker
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise invalid(
            sorted(unknown)[0], "field_not_editable", _("不能修改:%(f)s") % {"f": "、".join(sorted(unknown))}
        )
    row = get_scoped(Jobseeker, actor, "change", pk=pk)
    if row.anonymised_on is not None:
        raise Conflict("jobseeker_anonymised", _("该求职者的个人信息已匿名化,不能修改"))
    errors: list[FieldError] = []
    check_text(errors, fields)
    if "phone" in fields:
        fields["phone"] = _collect(errors, normalise_phone, fields["phone"]) or ""
    if "education" in fields:
        fields["education"] = _collect(errors, education_of, fields["education"]) or ""
    if "groups" in fields:
        fields["groups"] = " ".join(_collect(errors, groups_of, fields["groups"] or ()) or [])
    if "desired_occupations" in fields:
        fields["desired_occupations"] = _collect(errors, occupations_of, fields["desired_occupations"] or ())
    if "wage_expected" in fields:
        fields["wage_expected"] = _collect(
            errors, _int_in, fields["wage_expected"], "wage_expected", 1, MAX_WAGE, _("期望月薪")
        )
    if "max_commute_minutes" in fields:
        fields["max_commute_minutes"] = _collect(
            errors,
            _int_in,
            fields["max_commute_minutes"],
            "max_commute_minutes",
            1,
            MAX_COMMUTE,
            _("最长通勤"),
        )
    if errors:
        raise InvalidInput(errors)
    claim_version(row, version, {"version": row.version, "id_mask": row.id_mask})
    before = snapshot(row)
    occupations = fields.pop("desired_occupations", None)
    if "phone" in fields:
        phone = fields.pop("phone")
        row.phone_enc = pii.encrypt(phone, field="phone")
        row.phone_hash = pii.blind_index(phone, field="phone")
        row.phone_mask = pii.mask_phone(phone) if phone else ""
    if "needs_dorm" in fields:
        fields["needs_dorm"] = bool(fields["needs_dorm"])
    for attr, value in fields.items():
        setattr(row, attr, value)
    row.tokens = tokenize(row.experience, row.skills, row.certificates, row.desired_text)
    with disable_auditlog():
        row.save()
    log_change(actor, row, diff(before, row))
    if occupations is not None:
        row.desired_occupations.set(occupations)
    return row


# --- consent and anonymisation ------------------------------------------------------------------


def _anonymised_values(row: Jobseeker) -> dict[str, Any]:
    return {
        "name": ANONYMOUS_NAME,
        "id_enc": "",
        "id_hash": f"anonymised:{row.pk}",  # unique per row, derived from nothing personal
        "id_mask": (row.id_mask[:4] + "*" * 14) if row.id_mask else "*" * 18,
        "phone_enc": "",
        "phone_hash": "",
        "phone_mask": "",
        "birth_date": date(row.birth_date.year, 1, 1) if row.birth_date else None,
        "village": "",
        "experience": "",
        "skills": "",
        "certificates": "",
        "desired_text": "",
        "tokens": "",
    }


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def logged_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """Changes as the change log keeps them: never the ciphertexts, keyed hashes, words, birth
    date, village or work history; the name masked (the log is append-only, so what it holds
    cannot be erased when the person is anonymised)."""
    out: dict[str, list[Any]] = {}
    for attr, (before, after) in changes.items():
        if attr in NOT_LOGGED:
            continue
        if attr == "name":
            before, after = pii.mask_name(before or "") or None, pii.mask_name(after or "")
        out[attr.removesuffix("_id") if attr.endswith("_id") else attr] = [_json(before), _json(after)]
    return out


def snapshot(row: Jobseeker) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in Jobseeker._meta.concrete_fields if f.attname != "id"}


def diff(before: dict[str, Any], row: Jobseeker) -> dict[str, tuple[Any, Any]]:
    after = snapshot(row)
    skip = {"updated_at", "created_at", "version"}
    return {k: (v, after[k]) for k, v in before.items() if k not in skip and after[k] != v}


def log_change(
    actor: Any, row: Jobseeker, changes: dict[str, tuple[Any, Any]], *, created: bool = False
) -> None:
    """One change-log entry for the row, with :func:`logged_changes` (the saves run with
    auditlog disabled so that its own entry, with every field in clear, is not written)."""
    from auditlog.models import LogEntry

    action = LogEntry.Action.CREATE if created else LogEntry.Action.UPDATE
    LogEntry.objects.log_create(
        row,
        force_log=True,
        action=action,
        changes=logged_changes(changes),
        actor=actor if _active(actor) else None,
        object_repr=f"{row.masked_name} {row.id_mask}",
    )


def anonymise(jobseeker: Jobseeker, on: date, *, actor: Any = None, reason: str = "retention") -> Jobseeker:
    """Erase the jobseeker's personal data (see the module docstring); idempotent."""
    from tiaodu.audit.choices import EventKind
    from tiaodu.audit.services import record_event

    if jobseeker.anonymised_on is not None:
        return jobseeker
    values = _anonymised_values(jobseeker)
    with transaction.atomic():
        with disable_auditlog():  # the change log must not keep the values being erased
            # updated_at moves too: the matching index sees the change and drops the person.
            Jobseeker.objects.filter(pk=jobseeker.pk).update(
                anonymised_on=on, updated_at=timezone.now(), **values
            )
            jobseeker.desired_occupations.clear()
        log_change(actor, jobseeker, {"anonymised_on": (None, on), "name": (jobseeker.name, ANONYMOUS_NAME)})
        record_event(
            EventKind.PI_ANONYMISED,
            user=actor,
            detail=f"employment.Jobseeker#{jobseeker.pk} {reason}",
        )
    for attr, value in values.items():
        setattr(jobseeker, attr, value)
    jobseeker.anonymised_on = on
    return jobseeker


def withdraw_consent(actor: User, jobseeker: Jobseeker | int, on: date | None = None) -> Jobseeker:
    """The jobseeker withdraws consent: recorded and anonymised at once. Staff who may change the
    row act for the person."""
    pk = jobseeker.pk if isinstance(jobseeker, Jobseeker) else jobseeker
    on = on or timezone.localdate()
    with transaction.atomic():
        row = get_scoped(Jobseeker, actor, "change", pk=pk)
        if row.anonymised_on is not None:
            raise Conflict("jobseeker_anonymised", _("该求职者的个人信息已匿名化"))
        if on < row.registered_on:
            raise invalid("on", "date_order", _("撤回同意日期不能早于登记日期"))
        Jobseeker.objects.filter(pk=row.pk).update(consent_withdrawn_on=on, updated_at=timezone.now())
        row.consent_withdrawn_on = on
        log_change(actor, row, {"consent_withdrawn_on": (None, on)})
        anonymise(row, on, actor=actor, reason="consent withdrawn")
    return row


def expired(on: date) -> Any:
    """The jobseekers not yet anonymised whose last activity (or registration) is older than
    their district's retention period on ``on``."""
    cond = Q(pk__in=[])
    for settings in EmploymentSettings.objects.all():
        limit = on - timedelta(days=settings.retention_days)
        cond |= Q(district_id=settings.region_id) & (
            Q(last_active_on__lt=limit) | Q(last_active_on__isnull=True, registered_on__lt=limit)
        )
    return Jobseeker.objects.filter(anonymised_on__isnull=True).filter(cond)


def anonymise_expired(on: date | None = None) -> dict[str, int]:
    """Anonymise every expired jobseeker (the daily housekeeping); ``{"anonymised": n}``.
    Districts without EmploymentSettings keep their rows (no retention period set)."""
    on = on or timezone.localdate()
    done = 0
    for row in expired(on).order_by("pk").iterator(500):
        anonymise(row, on, reason="retention period expired")
        done += 1
    return {"anonymised": done}
