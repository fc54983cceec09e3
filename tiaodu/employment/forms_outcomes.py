"""Outcome forms: the placement list's filters (shared by the page, its export and the API list),
the form of one step of the transition table, and the form that opens a placement. They collect
input; the rules are in :mod:`tiaodu.employment.outcomes`. Lane E."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import StyledForm
from tiaodu.core.permissions import NOTHING
from tiaodu.employment.choices import LeaveReason, OutcomeState
from tiaodu.employment.outcomes import Transition
from tiaodu.projects.forms import DateInput
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code


class EmploymentPlacementFilter(TextSafeFilterSchema):
    state: OutcomeState | None = Field(
        None, description="状态:" + "、".join(f"{v}({label})" for v, label in OutcomeState.choices)
    )
    township: str | None = Field(None, max_length=12, description="求职者所属镇街区划代码")
    enterprise: int | None = Field(None, ge=1, le=2**62, description="企业编号")
    vacancy: int | None = Field(None, ge=1, le=2**62, description="岗位编号")
    jobseeker: int | None = Field(None, ge=1, le=2**62, description="求职者编号")
    fair: int | None = Field(None, ge=1, le=2**62, description="招聘会编号")
    trip: int | None = Field(None, ge=1, le=2**62, description="求职专车编号")
    intended_from: date | None = Field(None, description="达成意向日期起")
    intended_to: date | None = Field(None, description="达成意向日期止")
    hired_from: date | None = Field(None, description="录用日期起")
    hired_to: date | None = Field(None, description="录用日期止")

    def filter_state(self, value: OutcomeState | None) -> Q:
        return Q(state=value) if value else Q()

    def filter_township(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(township__path__startswith=path) if path else NOTHING

    def filter_enterprise(self, value: int | None) -> Q:
        return Q(enterprise_id=value) if value else Q()

    def filter_vacancy(self, value: int | None) -> Q:
        return Q(vacancy_id=value) if value else Q()

    def filter_jobseeker(self, value: int | None) -> Q:
        return Q(jobseeker_id=value) if value else Q()

    def filter_fair(self, value: int | None) -> Q:
        return Q(fair_id=value) if value else Q()

    def filter_trip(self, value: int | None) -> Q:
        return Q(trip_id=value) if value else Q()

    def filter_intended_from(self, value: date | None) -> Q:
        return Q(intended_on__gte=value) if value else Q()

    def filter_intended_to(self, value: date | None) -> Q:
        return Q(intended_on__lte=value) if value else Q()

    def filter_hired_from(self, value: date | None) -> Q:
        return Q(hired_on__gte=value) if value else Q()

    def filter_hired_to(self, value: date | None) -> Q:
        return Q(hired_on__lte=value) if value else Q()


class ActionForm(StyledForm):
    """One step of the table on a placement: its date, the reason (leave/drop only), a note and
    the version the page showed (a stale page loses with ``stale_write``)."""

    on = forms.DateField(label=_("日期"), widget=DateInput())
    reason = forms.ChoiceField(label=_("原因"), required=False, choices=[("", "—"), *LeaveReason.choices])
    note = forms.CharField(label=_("备注"), required=False, max_length=255)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())

    def __init__(self, *args: Any, move: Transition, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", move.action)
        super().__init__(*args, **kwargs)
        self.move = move
        self.fields["on"].initial = timezone.localdate()
        if move.needs_reason:
            self.fields["reason"].required = True
            reason = self.fields["reason"]
            assert isinstance(reason, forms.ChoiceField)
            reason.choices = [("", _("请选择原因")), *LeaveReason.choices]
        else:
            del self.fields["reason"]


class OpenPlacementForm(StyledForm):
    """达成求职意向: a jobseeker (by number in the platform) and a vacancy, on a date."""

    jobseeker = forms.IntegerField(label=_("求职者编号"), min_value=1, widget=forms.HiddenInput())
    vacancy = forms.ChoiceField(label=_("岗位"))
    on = forms.DateField(label=_("达成意向日期"), widget=DateInput())

    def __init__(self, *args: Any, vacancies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vacancy = self.fields["vacancy"]
        assert isinstance(vacancy, forms.ChoiceField)
        vacancy.choices = [("", _("请选择岗位")), *vacancies]
        self.fields["on"].initial = timezone.localdate()
