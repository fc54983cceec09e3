"""The one permission mechanism: which rows of which model a user may view, add, change or delete.

Every scoped model declares a :class:`Scope` (how its rows relate to regions, organisations,
squads and people, and which roles may do which actions). ``Model.objects.restrict(user, action)``
turns it into a queryset filter; lists, details, API, exports and maps all start from that
queryset, and services call :func:`ensure_permitted` inside their write transaction.

Role slices:

========== ================================================================================
admin      everything
leader     the subtree of the user's region (a district leader: the whole district)
department view: the subtree of the user's region; change: rows owned by, or assigned to,
           the user's organisation or the user
town       the subtree of the user's region (one township)
squad      rows belonging to a squad the user serves in
enterprise rows of the user's own enterprise
owner      rows of the user's own project-owner unit
========== ================================================================================
Every role also reaches rows that name the user directly (``Scope.users``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.db import models
from django.db.models import Q

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tiaodu.accounts.models import User

Action = Literal["view", "add", "change", "delete"]
ACTIONS: tuple[Action, ...] = ("view", "add", "change", "delete")
NOTHING = Q(pk__in=[])
SELF = "self"


@dataclass(frozen=True)
class Scope:
    """How a model's rows fall into users' slices.

    Lookups are ORM paths from the model; ``"self"`` means the row itself (for Region and
    Organization). ``actions`` maps a role to the actions it may perform on this model at all;
    admin may always do everything.
    """

    region: str | None = None
    # The region lookup used for town users instead of ``region``, when the rows a township works
    # on are not the rows located in it (an investment project is the district's, but the town
    # whose 招商小分队 reported it reaches it through its 首报镇街).
    town_region: str | None = None
    # Reference data of a district (its industry chains, teams, libraries): every government
    # role of the district reaches the rows whose ``region`` is the user's district, whatever
    # township the user works in (within the actions its role has on the model).
    district_wide: bool = False
    orgs: tuple[str, ...] = ()
    squads: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    public_read: bool = False
    actions: dict[str, str] = field(default_factory=dict)

    def allows(self, role: str, action: Action) -> bool:
        return action in self.actions.get(role, "").split()


def _path(lookup: str, suffix: str) -> str:
    return suffix if lookup == SELF else f"{lookup}__{suffix}"


def _fk(lookup: str) -> str:
    return "pk" if lookup == SELF else lookup


def user_squad_ids(user: User) -> models.QuerySet[Any]:
    from tiaodu.orgs.models import Organization

    return Organization.objects.squads_of(user).values("pk")


def _multi(model: type[models.Model], lookup: str, value: Any) -> Q:
    """Filter on a possibly multi-valued relation without duplicating rows."""
    if lookup == SELF:
        return Q(pk__in=value)
    return Q(pk__in=model._base_manager.filter(**{f"{lookup}__in": value}).values("pk"))


def _is_multi(model: type[models.Model], lookup: str) -> bool:
    """Whether the lookup crosses a many-valued relation (a join that would repeat rows and, OR-ed
    with other conditions, become an outer join that PostgreSQL cannot lock FOR UPDATE)."""
    if lookup == SELF:
        return False
    meta = model._meta
    for part in lookup.split("__"):
        field = meta.get_field(part)
        if field.many_to_many or field.one_to_many:
            return True
        if field.related_model is None:
            return False
        meta = field.related_model._meta  # type: ignore[union-attr]
    return False


def scope_q(
    user: User | AnonymousUser, model: type[models.Model], action: Action, *, authored: bool = True
) -> Q | None:
    """The filter for ``user`` doing ``action`` on ``model``; ``None`` means unrestricted.

    ``authored=False`` leaves out the rows that name the user (``Scope.users``): a new row's
    author is the actor, so the check of an addition must not count authorship (see
    :func:`ensure_added`)."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == Role.ADMIN:
        return None
    spec: Scope = model.scope  # type: ignore[attr-defined]
    role = user.role
    if not spec.allows(role, action):
        return NOTHING
    if action == "view" and spec.public_read:
        return None

    q = NOTHING
    region = user.region
    region_lookup = spec.town_region if role == Role.TOWN and spec.town_region else spec.region
    if region_lookup and region is not None:
        if region_lookup == SELF:
            in_region = Q(path__startswith=region.path)
        else:
            # A subquery of region ids rather than a join on the path: the planner can then use
            # the row table's own region index (a town user's list went from a scan to an index).
            from tiaodu.regions.models import Region

            subtree = Region.objects.filter(path__startswith=region.path).values("pk")
            in_region = Q(**{f"{region_lookup}__in": subtree})
        if role in (Role.LEADER, Role.TOWN) or (role == Role.DEPARTMENT and action == "view"):
            q |= in_region
    if spec.district_wide and spec.region and region is not None and role in DISTRICT_WIDE_ROLES:
        from tiaodu.regions.models import Region

        district = Region.objects.filter(path__startswith=_county_path(region)).values("pk")
        q |= Q(**{f"{spec.region}__in": district})
    if spec.orgs and user.organization_id and role in (Role.DEPARTMENT, Role.ENTERPRISE, Role.OWNER):
        for lookup in spec.orgs:
            if _is_multi(model, lookup):  # e.g. a case's co-handling departments (many-to-many)
                q |= _multi(model, lookup, [user.organization_id])
            else:
                q |= Q(**{_fk(lookup): user.organization_id})
    if spec.squads and role == Role.SQUAD:
        squads = user_squad_ids(user)
        for lookup in spec.squads:
            q |= _multi(model, lookup, squads)
    if authored:
        for lookup in spec.users:
            q |= Q(**{_fk(lookup): user.pk})
    return q


# The roles that work for a district's government and so read (and, with the action, keep) its
# reference data.
DISTRICT_WIDE_ROLES = (Role.LEADER, Role.DEPARTMENT, Role.TOWN, Role.SQUAD)


def _county_path(region: Any) -> str:
    """The path of the district (county level) a user's region is in: a township's parent."""
    from tiaodu.regions.choices import Level

    if region.level <= Level.COUNTY:
        return str(region.path)
    return str(region.path).rsplit("/", 2)[0] + "/"


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    def restrict(
        self, user: User | AnonymousUser, action: Action = "view", *, authored: bool = True
    ) -> ScopedQuerySet[_M]:
        q = scope_q(user, self.model, action, authored=authored)
        return self if q is None else self.filter(q)


def can(user: User | AnonymousUser, action: Action, model: type[models.Model]) -> bool:
    """Whether the user's role may ``action`` this model at all (for showing buttons)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    spec: Scope | None = getattr(model, "scope", None)
    # Models without a scope (audit logs, task results) are for administrators only.
    return spec is not None and spec.allows(user.role, action)


def get_scoped(model: type[_M], user: User | AnonymousUser, action: Action = "view", **lookup: Any) -> _M:
    """Fetch one row through the user's scope (locked for update unless viewing).

    A row outside the scope is "not found" — or "forbidden" when the user may see but not
    change it — and the attempt is marked for the security log.
    """
    qs = model.objects.restrict(user, action)  # type: ignore[attr-defined]
    if action != "view":
        # Lock the row itself only: a scope may reach through a nullable relation (a hazard's
        # unit without an enterprise), and PostgreSQL cannot lock the nullable side of an outer join.
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(**lookup)  # type: ignore[no-any-return]
    except (model.DoesNotExist, ValueError):  # type: ignore[attr-defined]
        pass
    try:
        exists = model._base_manager.filter(**lookup).exists()
    except ValueError:
        exists = False
    if not exists:
        raise NotFound()
    attempt = _attempt(action, model, lookup)
    if action != "view" and model.objects.restrict(user, "view").filter(**lookup).exists():  # type: ignore[attr-defined]
        raise Forbidden(audit=attempt)
    raise NotFound(audit=attempt)


def ensure_permitted(
    user: User | AnonymousUser, action: Action, instance: models.Model, *, authored: bool = True
) -> None:
    """Re-check, inside the write transaction, that ``instance`` (as saved) is in scope."""
    model = type(instance)
    if not model.objects.restrict(user, action, authored=authored).filter(pk=instance.pk).exists():  # type: ignore[attr-defined]
        raise Forbidden(audit=_attempt(action, model, {"pk": instance.pk}))


def ensure_added(user: User | AnonymousUser, instance: models.Model) -> None:
    """The check of a new row whose author is the actor: in the actor's "add" scope without
    counting authorship — otherwise ``Scope.users`` (``created_by``) would let a town user add a
    row in another township merely by being its author."""
    ensure_permitted(user, "add", instance, authored=False)


def _attempt(action: str, model: type[models.Model], lookup: dict[str, Any]) -> str:
    target = ",".join(f"{k}={v}" for k, v in lookup.items())
    return f"{action} {model._meta.label_lower} {target}"
