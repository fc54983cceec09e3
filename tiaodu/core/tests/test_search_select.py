"""Searchable selects (core.forms.SearchSelect / SearchSelectMultiple): a plain <select> that works
without JavaScript, marked for tiaodu/select.js (Tom Select); the platform's multi-selects use them,
and every page loads Tom Select and select.js deferred, from our own origin (CSP)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from tiaodu.core.forms import SearchSelect, SearchSelectMultiple, StyledForm


class Sample(StyledForm):
    one = forms.ChoiceField(
        choices=[("", ""), ("a", "甲"), ("b", "乙")], widget=SearchSelect(placeholder="搜索")
    )
    many = forms.MultipleChoiceField(
        choices=[("a", "甲"), ("b", "乙"), ("c", "丙")], widget=SearchSelectMultiple()
    )


def test_the_widgets_render_plain_selects_marked_for_search() -> None:
    form = Sample(initial={"one": "b", "many": ["a", "c"]})
    one, many = str(form["one"]), str(form["many"])
    assert one.startswith("<select") and "multiple" not in one
    assert "data-search-select" in one and 'data-placeholder="搜索"' in one and 'class="form-select"' in one
    assert '<option value="b" selected>乙</option>' in one
    assert many.startswith("<select") and "multiple" in many and "data-search-select" in many
    assert 'data-no-results="没有匹配的选项"' in many
    assert (
        '<option value="a" selected>甲</option>' in many and '<option value="c" selected>丙</option>' in many
    )
    # Without JavaScript the browser posts the plain select: the form reads it as usual.
    posted = Sample({"one": "a", "many": ["b", "c"]})
    assert posted.is_valid() and posted.cleaned_data == {"one": "a", "many": ["b", "c"]}


def _multi_fields() -> list[tuple[type[Any], str]]:
    from tiaodu.employment.forms_fairs import BoothForm, FairForm, PlannerForm, TripForm
    from tiaodu.employment.forms_reference import SettingsForm
    from tiaodu.investment.forms_libraries import PolicyForm
    from tiaodu.orgs.forms import OrganizationForm
    from tiaodu.reporting.forms import RoundForm
    from tiaodu.safety.forms_planning import CampaignForm, PlanForm, TeamForm

    return [
        (RoundForm, "indicators"),
        (OrganizationForm, "member_ids"),
        (SettingsForm, "departments"),
        (FairForm, "organisers"),
        (BoothForm, "vacancies"),
        (PlannerForm, "townships"),
        (TripForm, "enterprises"),
        (PlanForm, "sector_ids"),
        (CampaignForm, "sector_ids"),
        (CampaignForm, "department_ids"),
        (TeamForm, "organization_ids"),
        (PolicyForm, "industries"),
    ]


def test_the_platforms_multi_selects_are_searchable() -> None:
    for form, name in _multi_fields():
        widget = form.base_fields[name].widget
        assert isinstance(widget, SearchSelectMultiple), (form.__name__, name)
        html = widget.render(name, [], attrs={"id": f"id_{name}"})
        assert "multiple" in html and "data-search-select" in html, (form.__name__, name)


@pytest.mark.django_db
def test_every_page_loads_tom_select_deferred(users: Any, client_for: Any) -> None:
    page = client_for(users["jxw"]).get("/cases/").content.decode()
    assert '<link rel="stylesheet" href="/static/vendor/tom-select.bootstrap5.min.css">' in page
    tom = page.index('<script src="/static/vendor/tom-select.complete.min.js" defer></script>')
    ours = page.index('<script src="/static/tiaodu/select.js" defer></script>')
    assert tom < ours  # deferred scripts run in order: Tom Select is there when select.js runs
