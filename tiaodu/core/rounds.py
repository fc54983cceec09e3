"""Rounds: one lifecycle for every kind of periodic collection (ADR 0028).

A *round* belongs to a district and a period; it holds one *slot* per unit that must report (a
project in a dispatch round, an enterprise or a department in a reporting round), inserted when
the round opens. The lifecycle is the same for every kind:

    open ──submit / remind──▶ open ──close (freeze the totals)──▶ closed

A round imported from a past period's file is created **closed and frozen** and marked
``is_historical`` (历史导入): it is never filled in, reminded or counted as "to fill".

What is shared lives here: the states and the transition table (checked before anything is
written), the abstract model bases (:class:`RoundBase`, :class:`ReminderBase`), the district scope
of round querysets, and the service skeleton — :func:`start` (open), :func:`remind`, :func:`close`
— parameterised by a small per-kind adapter (:class:`RoundKind`) that says what differs: the
models, the words of the messages, the missing units, and how the totals are frozen. Each app
keeps its own concrete models and tables, its validation of what is opened and submitted, and
registers its adapter with :func:`register` so that the CLI (``tiaodu rounds``) reaches both.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tiaodu.core.errors import Conflict, FieldError, Forbidden, invalid
from tiaodu.core.models import ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Action, Scope, can, ensure_permitted, get_scoped, scope_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region


class RoundState(models.TextChoices):
    OPEN = "open", _("填报中")
    CLOSED = "closed", _("已关闭")


# action → the states it is allowed from, and the state it leads to (None: stays).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "submit": (frozenset({RoundState.OPEN}), None),
    "remind": (frozenset({RoundState.OPEN}), None),
    "close": (frozenset({RoundState.OPEN}), RoundState.CLOSED),
}


def district_of(region: Region) -> Region:
    """The district (区县) a region belongs to (the region itself when it is one)."""
    from tiaodu.regions.services import county_of

    found = county_of(region)
    if found is None:
        raise invalid("district", "district_unknown", f"“{region.name}”不属于任何区县")
    return found


def district_rounds_q(
    user: User | AnonymousUser, model: type[models.Model], action: Action, roles: Sequence[str] | None = None
) -> Q | None:
    """The scope's filter for rounds, widened to the rounds of the districts on the user's region
    path (township and squad users sit below the district whose rounds they fill in). ``roles``
    limits the widening to those roles (all roles the scope allows when ``None``). ``None``:
    unrestricted."""
    q = scope_q(user, model, action)
    if q is None:
        return None
    role: str = getattr(user, "role", "")
    region = getattr(user, "region", None)
    if (
        region is not None
        and model.scope.allows(role, action)  # type: ignore[attr-defined]
        and (roles is None or role in roles)
    ):
        codes = [c for c in region.path.split("/") if c]
        q |= Q(district__code__in=codes)
    return q


# --- Model bases ----------------------------------------------------------------------------------


def round_scope(*viewers: str) -> Scope:
    """A round kind's scope: leaders and departments open, remind and close the rounds of their
    district; ``viewers`` (the roles that fill them in) see them."""
    actions = {"leader": "view add change", "department": "view add change"}
    actions.update(dict.fromkeys(viewers, "view"))
    return Scope(region="district", users=("opened_by",), actions=actions)


class RoundBase(TimeStampedModel, ScopedModel):
    """The fields every round has. Concrete rounds add their period and their frozen figures, and
    may override a field to give it their own words (应报项目数, 应报单位数)."""

    district = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("填报截止日期"))
    state = models.CharField(
        _("状态"), max_length=8, choices=RoundState.choices, default=RoundState.OPEN, db_index=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关闭人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    notes = models.TextField(_("说明"), blank=True)
    # expected_count is set when the round opens; reported_count (and the kind's figures) when it
    # closes.
    expected_count = models.PositiveIntegerField(_("应报单位数"), default=0)
    reported_count = models.PositiveIntegerField(_("已报单位数"), default=0)
    is_historical = models.BooleanField(
        _("历史导入"), default=False, help_text=_("由历史数据文件导入,创建时即已关闭并冻结")
    )

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN


class ReminderBase(ScopedModel):
    """One 催报: who reminded, when, and which units were still missing (as they were)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("催报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    missing_count = models.PositiveIntegerField(_("未报单位数"))
    # [{"slot": id, "unit": name}] as it was when reminded.
    missing = models.JSONField(_("未报单位"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("催报时间"), auto_now_add=True)

    # 催报 records name the district's missing units: the roles that remind see them.
    scope = Scope(
        region="round__district",
        users=("actor",),
        actions={"leader": "view add", "department": "view add"},
    )

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.round} {self.created_at:%Y-%m-%d %H:%M}"  # type: ignore[attr-defined]

    @property
    def unit_names(self) -> list[str]:
        return [str(item.get("unit", "")) for item in self.missing or []]


# --- The per-kind adapter -------------------------------------------------------------------------


class RoundKind(abc.ABC):
    """What differs between kinds of rounds; the lifecycle functions below do the rest."""

    name: ClassVar[str]  # "dispatch", "reporting": the CLI's --kind
    noun: ClassVar[str]  # 调度任务, 报送任务
    unit_noun: ClassVar[str]  # 项目, 单位
    round_model: ClassVar[type[Any]]
    slot_model: ClassVar[type[Any]]
    reminder_model: ClassVar[type[Any]]
    nothing_missing_message: ClassVar[str]

    def title(self, rnd: Any) -> str:
        """How messages name a round (its period label, its title)."""
        return str(rnd)

    def closed_message(self, rnd: Any) -> str:
        return f"“{self.title(rnd)}”{self.noun}已关闭,不能再填报或修改"

    @abc.abstractmethod
    def missing_units(self, rnd: Any) -> list[dict[str, Any]]:
        """The missing slots as ``{"slot": id, "unit": name}``, in the order the page lists them."""

    @abc.abstractmethod
    def freeze(self, rnd: Any, now: datetime) -> None:
        """Set the round's frozen figures (on the instance; :func:`close` saves it)."""

    @abc.abstractmethod
    def find(self, district: Region, period: str, **options: Any) -> Any:
        """The round of a district and a period (for the CLI); ``round_unknown`` if there is none."""

    def missing_slots(self, rnd: Any) -> QuerySet[Any]:
        return self.slot_model.objects.filter(round=rnd, submitted_at__isnull=True)


KINDS: dict[str, RoundKind] = {}


def register(kind: RoundKind) -> RoundKind:
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> RoundKind:
    from django.apps import apps

    for app in ("dispatch", "reporting"):  # the apps that register a kind when their services load
        if apps.is_installed(f"tiaodu.{app}"):
            __import__(f"tiaodu.{app}.services")
    if name not in KINDS:
        raise invalid("kind", "invalid_choice", f"任务类型“{name}”不是可选值({'、'.join(sorted(KINDS))})")
    return KINDS[name]


# --- The lifecycle --------------------------------------------------------------------------------


def round_closed(kind: RoundKind, rnd: Any) -> Conflict:
    return Conflict(
        "round_closed", kind.closed_message(rnd), [FieldError("round", "round_closed", f"{kind.noun}已关闭")]
    )


def check_transition(kind: RoundKind, rnd: Any, action: str) -> str | None:
    """Refuse ``action`` on a round in a state that does not allow it (``round_closed``, 409);
    the state it leads to otherwise. Historical rounds are closed, so nothing but viewing reaches
    them."""
    allowed, target = TRANSITIONS[action]
    if rnd.state not in allowed:
        raise round_closed(kind, rnd)
    return target


def lock(kind: RoundKind, actor: User | None, round_id: int, action: Action = "change") -> Any:
    """The round, locked for update, through the actor's scope (``None``: the operator)."""
    if actor is not None:
        return get_scoped(kind.round_model, actor, action, pk=round_id)
    rnd = kind.round_model.objects.select_for_update().filter(pk=round_id).first()
    if rnd is None:
        raise invalid("round", "round_unknown", f"{kind.noun}不存在")
    return rnd


def insert_select(
    model: type[models.Model],
    columns: Sequence[str],
    select: str,
    source: QuerySet[Any],
    params: Sequence[Any],
) -> int:
    """``INSERT INTO model (columns) SELECT select FROM (source) s``: one statement for a round's
    slots. ``select`` refers to the source's columns as ``s.<name>`` and takes ``params`` (values
    always go as parameters; identifiers come from model metadata)."""
    try:
        source_sql, source_params = source.query.sql_with_params()
    except EmptyResultSet:  # an empty selection (``none()``)
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM ({source_sql}) s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *source_params])
        return int(cursor.rowcount)


def now_param() -> Any:
    """The current time as a database parameter (for :func:`insert_select`)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def start(
    kind: RoundKind,
    actor: User | None,
    fields: dict[str, Any],
    insert_slots: Callable[[Any], int],
    no_units: tuple[str, str, str],
    after_create: Callable[[Any], None] | None = None,
) -> Any:
    """Open a round whose input the kind has validated: create it, check it lies in the actor's
    scope, insert its slots (``insert_slots(rnd)`` → how many) and refuse a round without any
    (``no_units``: field, code, message). Runs in the caller's transaction."""
    rnd = kind.round_model.objects.create(opened_by=actor, **fields)
    if after_create is not None:
        after_create(rnd)
    if actor is not None:
        ensure_permitted(actor, "add", rnd)
    rnd.expected_count = insert_slots(rnd)
    if not rnd.expected_count:
        raise invalid(*no_units)
    rnd.save(update_fields=["expected_count", "updated_at"])
    return rnd


def create_historical(kind: RoundKind, actor: User | None, fields: dict[str, Any]) -> Any:
    """A round of a past period loaded from a file: created closed (its figures are frozen by the
    kind once its slots are written) and marked 历史导入. The actor needs the right to open rounds
    in the district."""
    ensure_may_open(kind, actor)
    now = timezone.now()
    rnd = kind.round_model.objects.create(
        opened_by=actor,
        closed_by=actor,
        closed_at=now,
        state=RoundState.CLOSED,
        is_historical=True,
        **fields,
    )
    if actor is not None:
        ensure_permitted(actor, "add", rnd)
    return rnd


def end_of(day: date) -> datetime:
    """The last minute of a day, in the current time zone: when a past period's report counts as
    submitted."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def ensure_may_open(kind: RoundKind, actor: User | None) -> None:
    if actor is not None and not can(actor, "add", kind.round_model):
        meta = kind.round_model._meta
        raise Forbidden(audit=f"add {meta.app_label}.{meta.model_name}")


@transaction.atomic
def remind(kind: RoundKind, actor: User | None, round_id: int, note: str = "") -> Any:
    """催报: count a reminder on each missing slot (one UPDATE) and record who reminded whom."""
    rnd = lock(kind, actor, round_id)
    check_transition(kind, rnd, "remind")
    note = (note or "").strip()
    if len(note) > 255:
        raise invalid("note", "too_long", "说明不能超过255个字符")
    names = kind.missing_units(rnd)
    if not names:
        raise Conflict("nothing_missing", kind.nothing_missing_message)
    now = timezone.now()
    kind.missing_slots(rnd).update(
        reminded_count=F("reminded_count") + 1, last_reminded_at=now, updated_at=now
    )
    reminder = kind.reminder_model.objects.create(
        round=rnd, actor=actor, missing_count=len(names), missing=names, note=note
    )
    if actor is not None:
        ensure_permitted(actor, "add", reminder)
    return reminder


@transaction.atomic
def close(kind: RoundKind, actor: User | None, round_id: int) -> Any:
    """Close a round: freeze its figures (the kind's :meth:`RoundKind.freeze`) and refuse every
    later submission, reminder and close. The round row is locked, as submitting locks it."""
    rnd = lock(kind, actor, round_id)
    target = check_transition(kind, rnd, "close")
    now = timezone.now()
    kind.freeze(rnd, now)
    rnd.state = target
    rnd.closed_at, rnd.closed_by = now, actor
    rnd.save()
    if actor is not None:
        ensure_permitted(actor, "change", rnd)
    return rnd


def lock_for_submit(kind: RoundKind, actor: User | None, round_id: int) -> Any:
    """The round a unit submits to, locked (closing takes the same lock, so no figure slips in
    after the totals are frozen); ``round_closed`` unless it is open."""
    if actor is not None:
        get_scoped(kind.round_model, actor, "view", pk=round_id)
    rnd = kind.round_model.objects.select_for_update().filter(pk=round_id).first()
    if rnd is None:
        raise invalid("round", "round_unknown", f"{kind.noun}不存在")
    check_transition(kind, rnd, "submit")
    return rnd


# --- Pages ----------------------------------------------------------------------------------------


def open_round_page(
    request: Any,
    form: Any,
    template: str,
    open_round: Callable[[User, Region, dict[str, Any]], Any],
    message: Callable[[Any], str],
) -> Any:
    """The POST of a kind's "open a round" page: the round of the user's district from the valid
    form (``open_round(user, district, cleaned_data)``), then its page with ``message(rnd)``; or
    the form again (422) with the refusal on its fields."""
    from django.shortcuts import render

    from tiaodu.core.errors import ServiceError
    from tiaodu.core.views import apply_service_error, redirect_with_message

    user = request.user
    if form.is_valid():
        try:
            if user.region is None:
                raise invalid("district", "district_unknown", "您的账号没有所属地区")
            rnd = open_round(user, district_of(user.region), form.cleaned_data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            apply_service_error(form, exc)
        else:
            return redirect_with_message(request, rnd.get_absolute_url(), message(rnd))
    return render(request, template, {"form": form}, status=422)


def detail_context(user: User, kind: RoundKind, rnd: Any, slots: QuerySet[Any]) -> dict[str, Any]:
    """What every round page shows: the user's slots split into submitted and missing, which of
    them the user may fill in, and whether the user may remind and close the round."""
    listed = list(slots.filter(round=rnd))
    may_change = kind.round_model.objects.restrict(user, "change").filter(pk=rnd.pk).exists()
    editable = set(
        kind.slot_model.objects.restrict(user, "change").filter(round=rnd).values_list("pk", flat=True)
    )
    return {
        "object": rnd,
        "submitted": [s for s in listed if s.submitted_at is not None],
        "missing": [s for s in listed if s.submitted_at is None],
        "editable": editable,
        "can_change": may_change and rnd.is_open,
    }
