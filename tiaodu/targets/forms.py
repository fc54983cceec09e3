"""Forms of the target pages (they only collect input; the rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.forms import StyledForm
from tiaodu.monitoring.models import Indicator
from tiaodu.monitoring.services import ranking_parent
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.targets import services
from tiaodu.targets.models import Target

QUARTERS = [(1, _("一季度")), (2, _("二季度")), (3, _("三季度")), (4, _("四季度"))]


def _unrestricted(user: Any) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN or user.region is None)


def region_choices(user: Any, with_city: bool = False) -> list[tuple[str, Any]]:
    """The regions a user works on, grouped for a <select>: their own region and the units
    below it. Administrators get the home district and every district with targets, and with
    ``with_city`` the city above them (for comparing districts)."""
    if _unrestricted(user):
        home = Region.objects.filter(code=settings.HOME_REGION_CODE).first()
        with_targets = Q(pk__in=Target.objects.values("region__parent")) & Q(level=Level.COUNTY)
        with_targets |= Q(pk__in=Target.objects.values("region")) & Q(level=Level.COUNTY)
        tops = list(Region.objects.filter(with_targets | Q(code=settings.HOME_REGION_CODE)).order_by("code"))
        groups: list[tuple[str, Any]] = []
        city = ranking_parent(home) if home is not None else None
        if with_city and city is not None:
            groups.append((city.name, [(city.code, city.name)]))
    else:
        tops, groups = [user.region], []
    for top in tops:
        options = [(top.code, top.name)]
        options += [(r.code, r.name) for r in Region.objects.filter(parent=top).order_by("code")]
        groups.append((top.name, options))
    return groups


def default_region(user: Any) -> str:
    return settings.HOME_REGION_CODE if _unrestricted(user) else user.region.code  # type: ignore[no-any-return]


class TargetForm(StyledForm):
    region = forms.ChoiceField(label=_("地区"))
    indicator = forms.ChoiceField(label=_("指标"))
    year = forms.IntegerField(label=_("年度"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR)
    value = forms.DecimalField(
        label=_("目标值"),
        required=False,
        max_digits=20,
        decimal_places=4,
        help_text=_("总量、比重、指数指标按指标计量单位填写;增速指标不填"),
    )
    growth = forms.DecimalField(
        label=_("目标增速(%)"),
        required=False,
        max_digits=20,
        decimal_places=4,
        help_text=_("总量指标可选;增速指标必填(即目标增速本身)"),
    )
    responsible = forms.TypedChoiceField(label=_("责任单位"), required=False, coerce=int, empty_value=None)
    note = forms.CharField(
        label=_("备注"),
        required=False,
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(label=_("调整说明"), required=False, max_length=services.MAX_REASON)

    def __init__(self, *args: Any, user: Any, instance: Target | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["region"].choices = region_choices(user)  # type: ignore[attr-defined]
        self.fields["indicator"].choices = [  # type: ignore[attr-defined]
            (i.code, f"{i.name}({i.unit})") for i in Indicator.objects.order_by("order", "code")
        ]
        units = (
            Organization.objects.restrict(user)
            .filter(is_active=True, kind__in=services.UNIT_KINDS)
            .select_related("region")
            .order_by("region__code", "kind", "name")
        )
        self.fields["responsible"].choices = [  # type: ignore[attr-defined]
            ("", _("(不指定)")),
            *((o.pk, f"{o.name}({o.region.name})") for o in units),
        ]
        if instance is not None:
            for name in ("region", "indicator", "year"):
                self.fields[name].disabled = True
                self.fields[name].required = False
        else:
            del self.fields["reason"]

    @classmethod
    def initial_for(cls, target: Target) -> dict[str, Any]:
        return {
            "region": target.region.code,
            "indicator": target.indicator.code,
            "year": target.year,
            "value": target.value.normalize() if target.value is not None else None,
            "growth": target.growth.normalize() if target.growth is not None else None,
            "responsible": target.responsible_id,
            "note": target.note,
        }


class ProgressForm(StyledForm):
    region = forms.ChoiceField(label=_("地区"))
    period = forms.CharField(
        label=_("期别"), max_length=32, help_text=_("如2022年1-2月、2022年一季度、2022年6月")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user)  # type: ignore[attr-defined]


class SupervisionForm(StyledForm):
    region = forms.ChoiceField(label=_("地区"))
    year = forms.IntegerField(label=_("年度"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR)
    quarter = forms.TypedChoiceField(label=_("季度"), choices=QUARTERS, coerce=int)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, with_city=True)  # type: ignore[attr-defined]


class EvaluationForm(StyledForm):
    region = forms.ChoiceField(label=_("地区"))
    year = forms.IntegerField(label=_("年度"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, with_city=True)  # type: ignore[attr-defined]


class MultiYearTargetForm(TargetForm):
    """A multi-year target: the annual form's region, indicator (summable ones only), value,
    responsible unit and note, with a span instead of a year and no growth."""

    first_year = forms.IntegerField(
        label=_("起始年"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR
    )
    last_year = forms.IntegerField(
        label=_("截止年"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR
    )
    field_order = ["region", "indicator", "first_year", "last_year", "value", "responsible", "note", "reason"]

    def __init__(self, *args: Any, user: Any, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, instance=instance, **kwargs)
        del self.fields["year"], self.fields["growth"]
        self.fields["indicator"].choices = [  # type: ignore[attr-defined]
            (i.code, f"{i.name}({i.unit})")
            for i in Indicator.objects.filter(kind="level", additive=True).order_by("order", "code")
        ]
        self.fields["value"].required = True
        self.fields["value"].help_text = _("整个目标期的累计目标,按指标计量单位填写(如1000亿元填1000)")
        if instance is not None:
            for name in ("first_year", "last_year"):
                self.fields[name].disabled = True
                self.fields[name].required = False
        self.order_fields(self.field_order)

    @classmethod
    def initial_for(cls, target: Any) -> dict[str, Any]:
        return {
            "region": target.region.code,
            "indicator": target.indicator.code,
            "first_year": target.first_year,
            "last_year": target.last_year,
            "value": target.value.normalize(),
            "responsible": target.responsible_id,
            "note": target.note,
        }
