"""The generic list (ADR 0030): sortable columns from a whitelist with a stable tiebreak, page size,
jump to a page, and links, exports and htmx refreshes that keep the filters and the sort."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tiaodu.core.filters import apply_sort, field_path
from tiaodu.core.views import PAGE_SIZE, Column, ObjectListView
from tiaodu.orgs.models import Organization
from tiaodu.orgs.views import OrganizationListView
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.reporting.models import ReportingRound
from tiaodu.reporting.services import with_progress

pytestmark = pytest.mark.django_db

SHARED_NAME = "区排序测试局"


@pytest.fixture
def same_named(users: Any) -> list[Organization]:
    """Three departments with one name in three districts (names are shared between districts)."""
    districts = list(Region.objects.filter(level=Level.COUNTY).order_by("code")[:3])
    assert len(districts) == 3
    return [
        Organization.objects.create(name=SHARED_NAME, kind="department", region=d, code=f"SORT{i}")
        for i, d in enumerate(districts)
    ]


def _rows(response: Any) -> list[Any]:
    return [obj for obj, _cells in response.context["rows"]]


# --- the whitelist -------------------------------------------------------------------------------


def test_whitelist_is_derived_from_the_columns() -> None:
    view = OrganizationListView()
    # 负责人 is a foreign key (sorting by its id means nothing): not offered.
    assert view.sort_options(Organization.objects.all()) == {
        "name": "name",
        "kind": "kind",
        "region__name": "region__name",
        "code": "code",
        "phone": "phone",
        "is_active": "is_active",
    }


def test_field_path_follows_forward_relations_only() -> None:
    assert field_path(Organization, "region.parent.name") == "region__parent__name"
    assert field_path(Organization, "leader") is None  # a relation, not a column
    assert field_path(Organization, "members.username") is None  # reverse/many-to-many
    assert field_path(Organization, "nonexistent") is None
    assert field_path(Organization, "name.upper") is None


def test_declared_sorts_and_annotations() -> None:
    rounds = with_progress(ReportingRound.objects.all())
    computed = Column("x", lambda r: r.title)
    declared = Column("x", lambda r: r.title, sort="title")
    annotated = Column("x", "live_reported")
    refused = Column("x", "title", sort=False)
    assert computed.sort_path(ReportingRound, rounds.query.annotations) is None
    assert declared.sort_path(ReportingRound, rounds.query.annotations) == "title"
    assert annotated.sort_path(ReportingRound, rounds.query.annotations) == "live_reported"
    assert refused.sort_path(ReportingRound, rounds.query.annotations) is None


def test_column_kinds() -> None:
    assert Column("x", "credit_code").kind == "code"
    assert Column("x", "township.name").kind == "name"
    assert Column("x", "number").kind == "code"
    assert Column("x", "raised_on").kind == ""
    assert Column("x", lambda o: o, kind="code").kind == "code"


def test_apply_sort_refuses_anything_outside_the_whitelist() -> None:
    base = Organization.objects.order_by("kind", "name", "pk")
    allowed = {"name": "name"}
    for value in ("password", "leader__password", "name; DROP TABLE x", "--name", "Name", "", None, "-"):
        sorted_qs, applied = apply_sort(base, value, allowed)
        assert applied == ""
        assert sorted_qs is base
    sorted_qs, applied = apply_sort(base, "-name", allowed)
    assert applied == "-name"
    sql = str(sorted_qs.query)
    # The sort column first, the list's own order next, the primary key last in the same direction.
    assert re.search(r'ORDER BY .*"name" DESC.*"kind" ASC.*"id" DESC', sql), sql


# --- the page ------------------------------------------------------------------------------------


def test_sort_by_a_column_with_stable_tiebreak(users: Any, client_for: Any, same_named: Any) -> None:
    client = client_for(users["admin"])
    response = client.get("/orgs/", {"sort": "name", "per_page": 200, "q": "区"})
    names = [o.name for o in _rows(response)]
    assert names == sorted(names)
    assert response.context["sort"] == "name"
    ties = [o.pk for o in _rows(response) if o.name == SHARED_NAME]
    assert ties == sorted(o.pk for o in same_named)

    response = client.get("/orgs/", {"sort": "-name", "per_page": 200, "q": "区"})
    names = [o.name for o in _rows(response)]
    assert names == sorted(names, reverse=True)
    ties = [o.pk for o in _rows(response) if o.name == SHARED_NAME]
    assert ties == sorted((o.pk for o in same_named), reverse=True)

    # Sorting by a related column (the district's name); the same order on every request.
    first = [o.pk for o in _rows(client.get("/orgs/", {"sort": "region__name", "q": SHARED_NAME}))]
    again = [o.pk for o in _rows(client.get("/orgs/", {"sort": "region__name", "q": SHARED_NAME}))]
    assert first == again
    expected = sorted(same_named, key=lambda o: (o.region.name, o.pk))
    assert first == [o.pk for o in expected]


def test_unknown_sort_is_ignored(users: Any, client_for: Any) -> None:
    client = client_for(users["admin"])
    plain = [o.pk for o in _rows(client.get("/orgs/"))]
    for value in ("leader__password", "password", "-id; select 1", "leader", "notes"):
        response = client.get("/orgs/", {"sort": value})
        assert response.status_code == 200
        assert response.context["sort"] == ""
        assert [o.pk for o in _rows(response)] == plain
        assert 'aria-sort="' not in response.content.decode()


def test_headers_link_to_the_sort_and_keep_the_filters(users: Any, client_for: Any) -> None:
    client = client_for(users["admin"])
    html = client.get("/orgs/", {"kind": "department", "sort": "name", "page": "2"}).content.decode()
    # The sorted column's header now sorts descending; the others ascending; the page is dropped.
    assert 'href="?kind=department&amp;sort=-name"' in html
    assert 'href="?kind=department&amp;sort=code"' in html
    assert 'aria-sort="ascending"' in html
    # 负责人 is not sortable: a plain header.
    assert re.search(r'<th scope="col" class="td-col-plain">负责人</th>', html)


def test_export_and_pagination_keep_the_sort(users: Any, client_for: Any) -> None:
    client = client_for(users["admin"])
    response = client.get("/orgs/", {"kind": "enterprise", "sort": "-code", "per_page": 20})
    html = response.content.decode()
    assert 'href="?kind=enterprise&amp;sort=-code&amp;per_page=20&amp;export=csv"' in html
    assert 'href="?kind=enterprise&amp;sort=-code&amp;per_page=20&amp;export=xlsx"' in html
    if response.context["page"].has_next():
        assert 'href="?kind=enterprise&amp;sort=-code&amp;per_page=20&amp;page=2"' in html
    # The filter form carries the sort and the page size (form= attribute, outside the form).
    assert '<input type="hidden" form="td-filters" name="sort" value="-code">' in html
    assert '<input type="hidden" form="td-filters" name="per_page" value="20">' in html

    export = client.get("/orgs/", {"kind": "enterprise", "sort": "-code", "export": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    codes = [row[3] for row in rows[1:]]
    expected = list(
        Organization.objects.restrict(users["admin"])
        .filter(kind="enterprise")
        .order_by("-code", "kind", "name", "-pk")
        .values_list("code", flat=True)
    )
    assert codes == [c or "" for c in expected]
    assert len(codes) >= 2 and codes != sorted(codes)  # descending, not the default order


def test_htmx_refresh_keeps_sort_and_updates_export_links(users: Any, client_for: Any) -> None:
    client = client_for(users["admin"])
    response = client.get("/orgs/", {"kind": "enterprise", "sort": "-name"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html  # the table partial only
    assert 'id="td-export" hx-swap-oob="true"' in html
    assert 'href="?kind=enterprise&amp;sort=-name&amp;export=csv"' in html
    assert '<input type="hidden" form="td-filters" name="sort" value="-name">' in html
    names = re.findall(r'<td class="td-col-name" data-label="名称"><a href="/orgs/\d+/">([^<]+)</a>', html)
    assert len(names) == PAGE_SIZE
    assert names == sorted(names, reverse=True)


def test_page_size_bounds(users: Any, client_for: Any) -> None:
    client = client_for(users["admin"])
    total = Organization.objects.restrict(users["admin"]).count()
    assert total > 20
    assert len(_rows(client.get("/orgs/", {"per_page": 20}))) == 20
    for value in ("1000", "abc", "0", "-20", "21", ""):
        response = client.get("/orgs/", {"per_page": value})
        assert response.context["per_page"] == PAGE_SIZE
        assert len(_rows(response)) == min(total, PAGE_SIZE)
    assert re.search(rf"共 {total} 条", client.get("/orgs/", {"per_page": 20}).content.decode())


def test_jump_to_a_page(users: Any, client_for: Any) -> None:
    client = client_for(users["admin"])
    total = Organization.objects.restrict(users["admin"]).count()
    last = (total + 19) // 20
    assert last >= 2
    page = client.get("/orgs/", {"per_page": 20, "page": 2}).context["page"]
    assert page.number == 2
    # Past the end: the last page; not a number: the first.
    assert client.get("/orgs/", {"per_page": 20, "page": 9999}).context["page"].number == last
    assert client.get("/orgs/", {"per_page": 20, "page": "x"}).context["page"].number == 1
    html = client.get("/orgs/", {"per_page": 20, "sort": "code", "kind": "enterprise"}).content.decode()
    jump = html[html.index('id="td-jump"') : html.index("</form>", html.index('id="td-jump"'))]
    for hidden in (
        'name="sort" value="code"',
        'name="kind" value="enterprise"',
        'name="per_page" value="20"',
    ):
        assert hidden in jump


# --- every list of every app ---------------------------------------------------------------------


def _list_urls() -> list[tuple[str, type[ObjectListView]]]:
    found: list[tuple[str, type[ObjectListView]]] = []

    def walk(patterns: Any, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "view_class", None)
                route = prefix + str(p.pattern)
                if cls and issubclass(cls, ObjectListView) and "<" not in route:
                    found.append(("/" + route.lstrip("^").rstrip("$"), cls))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_list_sorts_by_each_of_its_columns(users: Any, client_for: Any) -> None:
    lists = _list_urls()
    assert len(lists) >= 14, lists
    client = client_for(users["admin"])
    sortable = 0
    for url, _cls in lists:
        response = client.get(url)
        assert response.status_code == 200, url
        keys = [h["key"] for h in response.context["headers"] if h["url"]]
        sortable += bool(keys)
        for key in keys:
            for value in (key, f"-{key}"):
                sorted_response = client.get(url, {"sort": value})
                assert sorted_response.status_code == 200, (url, value)
                assert sorted_response.context["sort"] == value, (url, value)
        assert client.get(url, {"sort": keys[0] if keys else "x", "export": "csv"}).status_code == 200
    assert sortable == len(lists)
