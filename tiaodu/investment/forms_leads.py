"""Forms of the lead pages (they collect input; the rules are in ``tiaodu.investment.leads``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.cases.forms import township_choices
from tiaodu.core.forms import StyledForm
from tiaodu.core.resolve import actor_district
from tiaodu.investment.choices import DuplicateStatus, Source, Stage
from tiaodu.investment.models import IndustryChain, Team
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects.forms import DateInput

REPORTER_KINDS = (OrgKind.TOWN, OrgKind.DEPARTMENT, OrgKind.GOVERNMENT, OrgKind.SQUAD)


def _blank(choices: Any) -> list[tuple[Any, Any]]:
    return [("", "—"), *choices]


def team_choices(user: Any) -> list[tuple[int, str]]:
    district = actor_district(user)
    teams = Team.objects.restrict(user).filter(region=district, is_active=True).order_by("kind", "name")
    return [(t.pk, t.name) for t in teams]


def chain_choices(user: Any) -> list[tuple[int, str]]:
    district = actor_district(user)
    chains = IndustryChain.objects.restrict(user).filter(region=district, is_active=True)
    return [(c.pk, str(c)) for c in chains.order_by("order", "name")]


class LeadForm(StyledForm):
    investor_name = forms.CharField(
        label=_("投资方"), max_length=128, help_text=_("企业全称,如“某某科技股份有限公司”")
    )
    investor_credit_code = forms.CharField(
        label=_("投资方信用代码"), max_length=18, required=False, help_text=_("有统一社会信用代码的请填写")
    )
    content = forms.CharField(label=_("线索内容"), widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.ChoiceField(label=_("来源"), choices=Source.choices, initial=Source.TOWN_TEAM)
    township_code = forms.ChoiceField(label=_("所属镇街"), required=False)
    reporter_id = forms.TypedChoiceField(label=_("报送单位"), coerce=int, required=False, empty_value=None)
    reporting_team_id = forms.TypedChoiceField(
        label=_("报送小分队/组"), coerce=int, required=False, empty_value=None
    )
    team_id = forms.TypedChoiceField(label=_("接收招商组"), coerce=int, required=False, empty_value=None)
    chain_id = forms.TypedChoiceField(label=_("产业链"), coerce=int, required=False, empty_value=None)
    estimated_investment = forms.DecimalField(
        label=_("预计投资额(万元)"), max_digits=14, decimal_places=2, required=False
    )
    reported_on = forms.DateField(label=_("报送日期"), required=False, widget=DateInput())
    submit_as_duplicate = forms.BooleanField(label=_("仍然报送,提请招商投资局裁定"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        town = user.role == Role.TOWN
        self.fields["township_code"].choices = _blank(township_choices(user))  # type: ignore[attr-defined]
        teams = team_choices(user)
        self.fields["reporting_team_id"].choices = _blank(teams)  # type: ignore[attr-defined]
        self.fields["team_id"].choices = _blank(teams)  # type: ignore[attr-defined]
        self.fields["chain_id"].choices = _blank(chain_choices(user))  # type: ignore[attr-defined]
        if town:
            # A town reports for itself: its township, its organisation, its 小分队.
            for name in ("township_code", "reporter_id", "reporting_team_id"):
                del self.fields[name]
        else:
            district = actor_district(user)
            orgs = (
                Organization.objects.restrict(user)
                .filter(
                    is_active=True,
                    kind__in=REPORTER_KINDS,
                    region__path__startswith=district.path if district else "",
                )
                .order_by("kind", "name")
            )
            self.fields["reporter_id"].choices = _blank((o.pk, o.name) for o in orgs)  # type: ignore[attr-defined]
            self.fields["reporter_id"].help_text = _("默认为本人所在单位")
            self.fields["source"].initial = Source.OTHER

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``leads.report_lead`` takes it (ids turned into rows in the user's reach)."""
        from tiaodu.core.resolve import township_of

        data = self.cleaned_data
        values: dict[str, Any] = {
            "investor_name": data["investor_name"],
            "investor_credit_code": data.get("investor_credit_code") or "",
            "content": data["content"],
            "source": data["source"],
            "estimated_investment": data.get("estimated_investment"),
            "reported_on": data.get("reported_on"),
        }
        if data.get("township_code"):
            values["township"] = township_of(data["township_code"], self.user)
        if data.get("reporter_id"):
            values["reporter"] = (
                Organization.objects.restrict(self.user).filter(pk=data["reporter_id"]).first()
            )
        for field, model in (("reporting_team", Team), ("team", Team), ("chain", IndustryChain)):
            pk = data.get(f"{field}_id")
            if pk:
                values[field] = model.objects.restrict(self.user).filter(pk=pk).first()
        return values


class AssignForm(StyledForm):
    team_id = forms.TypedChoiceField(label=_("接收招商组"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team_id"].choices = _blank(team_choices(user))  # type: ignore[attr-defined]


class ConvertForm(StyledForm):
    name = forms.CharField(label=_("项目名称"), max_length=128)
    stage = forms.ChoiceField(
        label=_("入库阶段"),
        choices=[(s.value, s.label) for s in (Stage.LEAD, Stage.CONTACT)],
        initial=Stage.LEAD,
    )
    on = forms.DateField(label=_("转化日期"), required=False, widget=DateInput())
    planned_investment = forms.DecimalField(
        label=_("计划投资额(万元)"), max_digits=14, decimal_places=2, required=False
    )


class DecideForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("裁定结果"),
        choices=[
            (DuplicateStatus.CONFIRMED.value, DuplicateStatus.CONFIRMED.label),
            (DuplicateStatus.OVERRULED.value, DuplicateStatus.OVERRULED.label),
        ],
    )
    note = forms.CharField(label=_("裁定说明"), max_length=255, required=False)
