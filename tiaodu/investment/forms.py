"""Forms of the pipeline's pages: a project (登记/编辑), a stage move, a follow-up, funds in place
and the hand-off to the key-project library."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tiaodu.cases.forms import township_choices
from tiaodu.core.errors import ServiceError
from tiaodu.core.forms import StyledForm, VersionedEditForm
from tiaodu.investment.choices import (
    STAGE_CHAIN,
    FollowLevel,
    FollowUpKind,
    FundSource,
    Source,
    Stage,
    TerminationReason,
)
from tiaodu.investment.models import IndustryChain, InvestmentProject, Team
from tiaodu.orgs.models import Organization
from tiaodu.projects.forms import DateInput, with_current
from tiaodu.regions.models import Region

MAX_AMOUNT = 999_999_999_999


def _money(label: Any, required: bool = False, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, required=required, min_value=0, **kwargs
    )


def _region_ref(code: str) -> Region | None:
    """A region given by its code (investor's home region); a ValidationError when unknown."""
    from tiaodu.regions.services import get_region

    if not code:
        return None
    try:
        return get_region(code)
    except ServiceError as exc:
        raise forms.ValidationError(exc.errors[0].message if exc.errors else exc.message) from None


class ProjectForm(VersionedEditForm):
    """登记 (no instance: with the entry stage and date) or 编辑 an investment project."""

    name = forms.CharField(label=_("项目名称"), max_length=128)
    investor_name = forms.CharField(label=_("投资方"), max_length=128)
    investor_credit_code = forms.CharField(
        label=_("投资方信用代码"), max_length=18, required=False, help_text=_("区外企业可不填")
    )
    investor_region_code = forms.CharField(
        label=_("投资方所在地"),
        max_length=12,
        required=False,
        help_text=_("省、市或区县的区划代码,如 440300"),
    )
    chain_id = forms.TypedChoiceField(label=_("产业链"), coerce=int, required=False, empty_value=None)
    industry_code = forms.CharField(label=_("行业代码"), max_length=8, required=False)
    planned_investment = _money(_("计划投资额(万元)"), initial=0)
    agreed_investment = _money(_("协议投资额(万元)"), help_text=_("签约后填写"))
    land_mu = _money(_("用地需求(亩)"))
    expected_output = _money(_("预计年产值(万元)"))
    expected_tax = _money(_("预计年税收(万元)"))
    team_id = forms.TypedChoiceField(label=_("招商组"), coerce=int, required=False, empty_value=None)
    lead_unit_id = forms.TypedChoiceField(
        label=_("招商责任单位"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("默认为区招商投资局"),
    )
    first_reporter_id = forms.TypedChoiceField(
        label=_("首报单位"), coerce=int, required=False, empty_value=None
    )
    first_township_code = forms.ChoiceField(label=_("首报镇街"), required=False)
    first_reported_on = forms.DateField(label=_("首报日期"), required=False, widget=DateInput())
    source = forms.ChoiceField(label=_("来源"), choices=Source.choices, initial=Source.OTHER)
    is_key = forms.BooleanField(label=_("重点项目"), required=False)
    follow_level = forms.ChoiceField(
        label=_("跟进级别"), choices=FollowLevel.choices, initial=FollowLevel.GENERAL
    )
    planned_signing_on = forms.DateField(label=_("计划签约日期"), required=False, widget=DateInput())
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    stage = forms.ChoiceField(
        label=_("入库阶段"),
        choices=[(s.value, s.label) for s in STAGE_CHAIN],
        initial=Stage.LEAD,
        help_text=_("登记时的阶段;之后通过“变更阶段”流转"),
    )
    on = forms.DateField(label=_("入库日期"), required=False, widget=DateInput(), help_text=_("默认今天"))
    submit_as_duplicate = forms.BooleanField(
        label=_("仍然提交,提请裁定"),
        required=False,
        help_text=_("投资方已由其他单位首报时勾选:项目标记为疑似重复,由区招商投资局裁定"),
    )

    LINKS = ("chain", "team", "lead_unit", "first_reporter")

    def __init__(
        self,
        *args: Any,
        user: Any,
        district: Region | None,
        instance: InvestmentProject | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.user = user
        if instance is not None:
            for name in ("stage", "on", "submit_as_duplicate"):
                del self.fields[name]
        chains = IndustryChain.objects.restrict(user).filter(is_active=True).select_related("parent")
        teams = Team.objects.restrict(user).filter(is_active=True)
        if district is not None:
            chains, teams = chains.filter(region=district), teams.filter(region=district)
        orgs = Organization.objects.restrict(user).filter(is_active=True).order_by("name")
        choices = {
            "chain": [(c.pk, f"{c.parent.name}·{c.name}" if c.parent else c.name) for c in chains],
            "team": [(t.pk, t.name) for t in teams],
            "lead_unit": [(o.pk, o.name) for o in orgs],
            "first_reporter": [(o.pk, o.name) for o in orgs],
        }
        for link in self.LINKS:
            current = getattr(instance, link) if instance else None
            self.fields[f"{link}_id"].choices = with_current(choices[link], current)  # type: ignore[attr-defined]
        towns = township_choices(user)
        current_town = instance.first_township if instance else None
        if current_town is not None and current_town.code not in {c for c, _n in towns}:
            towns.append((current_town.code, current_town.name))
        self.fields["first_township_code"].choices = [("", "—"), *towns]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(p: InvestmentProject) -> dict[str, Any]:
        data = {
            f: getattr(p, f)
            for f in (
                "name",
                "investor_name",
                "investor_credit_code",
                "industry_code",
                "planned_investment",
                "agreed_investment",
                "land_mu",
                "expected_output",
                "expected_tax",
                "first_reported_on",
                "source",
                "is_key",
                "follow_level",
                "planned_signing_on",
                "notes",
            )
        }
        data["investor_region_code"] = p.investor_region.code if p.investor_region else ""
        data["first_township_code"] = p.first_township.code if p.first_township else ""
        for link in ProjectForm.LINKS:
            data[f"{link}_id"] = getattr(p, f"{link}_id")
        return data

    def clean_investor_region_code(self) -> Region | None:
        return _region_ref(self.cleaned_data.get("investor_region_code", "").strip())

    def service_fields(self) -> dict[str, Any]:
        """The values for ``services.create_project`` / ``update_project``."""
        data = dict(self.cleaned_data)
        data["investor_region"] = data.pop("investor_region_code")
        town = data.pop("first_township_code")
        data["first_township"] = Region.objects.filter(code=town).first() if town else None
        models = {
            "chain": IndustryChain,
            "team": Team,
            "lead_unit": Organization,
            "first_reporter": Organization,
        }
        for link, model in models.items():
            pk = data.pop(f"{link}_id")
            data[link] = model.objects.filter(pk=pk).first() if pk else None  # type: ignore[attr-defined]
        for key in ("planned_investment",):
            if data.get(key) is None:
                data[key] = 0
        if self.instance is not None:
            data.pop("stage", None)
        else:
            if data.get("lead_unit") is None:
                data.pop("lead_unit")
        return data


class StageForm(StyledForm):
    """A move of the stage table. ``to`` accepts every stage: the table (the service) decides and
    answers 409 on a forbidden move; the page offers only the allowed ones."""

    to = forms.ChoiceField(label=_("新阶段"), choices=Stage.choices)
    on = forms.DateField(label=_("日期"), widget=DateInput())
    reason = forms.ChoiceField(
        label=_("终止原因"),
        choices=[("", "—"), *TerminationReason.choices],
        required=False,
        help_text=_("终止时填写"),
    )
    agreed_investment = _money(_("协议投资额(万元)"), help_text=_("签约时填写"))
    note = forms.CharField(label=_("说明"), max_length=255, required=False)

    def __init__(self, *args: Any, allowed: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Stage.choices)
        self.fields["to"].widget.choices = [(s, labels[s]) for s in allowed]  # type: ignore[attr-defined]


class FollowUpForm(StyledForm):
    kind = forms.ChoiceField(label=_("跟进方式"), choices=FollowUpKind.choices)
    on = forms.DateField(label=_("跟进日期"), widget=DateInput())
    people = forms.CharField(label=_("跟进人"), max_length=128)
    outcome = forms.CharField(label=_("跟进情况"), widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("下一步工作"), max_length=255, required=False)
    next_on = forms.DateField(label=_("计划下次跟进日期"), required=False, widget=DateInput())


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m")


class FundsForm(StyledForm):
    month = forms.DateField(label=_("年月"), widget=MonthInput(), input_formats=["%Y-%m", "%Y-%m-%d"])
    amount = _money(_("到位资金(万元)"), required=True)
    source = forms.ChoiceField(label=_("资金来源"), choices=FundSource.choices)

    def clean_month(self) -> date:
        month: date = self.cleaned_data["month"]
        return month.replace(day=1)


class TakeOverForm(StyledForm):
    """转入重点项目库: what the key project needs beyond the investment project's own values."""

    township_code = forms.ChoiceField(
        label=_("所属镇街"), required=False, help_text=_("不填时取落地载体或首报镇街")
    )
    code = forms.CharField(label=_("项目代码"), max_length=64, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township_code"].choices = [("", "—"), *township_choices(user)]  # type: ignore[attr-defined]
