"""The cache of the daily monitoring pages (monitoring.cache): a second load is served from the
cache, an import or an edit of the figures shows at once, and users of different scopes never
read each other's entries."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tiaodu.monitoring import bulletin_page
from tiaodu.monitoring import views as monitoring_views
from tiaodu.monitoring.cache import data_version, scope_key
from tiaodu.monitoring.confidentiality import NOTE
from tiaodu.monitoring.demo import PERIOD, TONGNAN, load_monitoring_demo
from tiaodu.monitoring.models import CompositeIndex, IndexValue, Indicator, IndicatorValue

pytestmark = pytest.mark.django_db

DASHBOARD = "/monitoring/"
BULLETIN = "/monitoring/bulletin/"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db: Any) -> dict[str, int]:
    return load_monitoring_demo()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times each page computed its content (a cache miss)."""
    counts = {"dashboard": 0, "bulletin": 0}
    build_dashboard, page_parts = monitoring_views.build_dashboard, bulletin_page.page_parts

    def counted_dashboard(*args: Any, **kwargs: Any) -> Any:
        counts["dashboard"] += 1
        return build_dashboard(*args, **kwargs)

    def counted_parts(*args: Any, **kwargs: Any) -> Any:
        counts["bulletin"] += 1
        return page_parts(*args, **kwargs)

    monkeypatch.setattr(monitoring_views, "build_dashboard", counted_dashboard)
    monkeypatch.setattr(bulletin_page, "page_parts", counted_parts)
    return counts


def _import(tmp_path: Path, rows: list[list[Any]]) -> None:
    from tiaodu.core.imports import run_import

    path = tmp_path / "figures.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["地区代码", "期别", "指标", "数值"], *rows])
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()


def _card(html: str, indicator_code: str) -> str:
    """The text of one indicator card of the dashboard."""
    start = html.index(f'data-indicator="{indicator_code}"')
    return html[start : html.index("</div></div>", start)]


def test_second_load_is_served_from_the_cache(
    demo: dict[str, int], users: dict[str, Any], client_for: Any, builds: dict[str, int]
) -> None:
    client = client_for(users["leader"])
    first = client.get(DASHBOARD, {"region": TONGNAN, "period": "2022-M01-02"})
    second = client.get(DASHBOARD, {"region": TONGNAN, "period": "2022-M01-02"})
    assert first.status_code == second.status_code == 200
    assert builds["dashboard"] == 1
    code = Indicator.objects.get(name="工业投资").code
    assert "18.09亿元" in _card(second.content.decode(), code)
    assert first.content.decode().count("<svg") == second.content.decode().count("<svg") > 0

    first = client.get(BULLETIN, {"region": TONGNAN, "period": PERIOD})
    second = client.get(BULLETIN, {"region": TONGNAN, "period": PERIOD})
    assert first.status_code == second.status_code == 200
    assert builds["bulletin"] == 1
    html = second.content.decode()
    assert "data:image/svg+xml;base64," in html and 'id="bulletin-table-1"' in html
    assert html.count("bulletin-paragraph") == first.content.decode().count("bulletin-paragraph") > 0
    # another period is another entry
    client.get(DASHBOARD, {"region": TONGNAN, "period": "2022-H1"})
    assert builds["dashboard"] == 2


def test_an_import_shows_at_once(
    demo: dict[str, int], users: dict[str, Any], client_for: Any, builds: dict[str, int], tmp_path: Path
) -> None:
    client = client_for(users["leader"])
    code = Indicator.objects.get(name="工业投资").code
    before = client.get(DASHBOARD, {"region": TONGNAN, "period": "2022-M01-02"}).content.decode()
    bulletin = client.get(BULLETIN, {"region": TONGNAN, "period": PERIOD}).content.decode()
    assert "18.09亿元" in _card(before, code) and "18.09亿元" in bulletin
    version = data_version()

    _import(tmp_path, [[TONGNAN, PERIOD, "工业投资", "21.37"]])

    assert data_version() != version
    after = client.get(DASHBOARD, {"region": TONGNAN, "period": "2022-M01-02"}).content.decode()
    assert "21.37亿元" in _card(after, code) and "18.09亿元" not in _card(after, code)
    bulletin = client.get(BULLETIN, {"region": TONGNAN, "period": PERIOD}).content.decode()
    assert "21.37亿元" in bulletin and "18.09亿元" not in bulletin
    assert builds == {"dashboard": 2, "bulletin": 2}


def test_a_manual_entry_and_an_index_computation_change_the_version(
    demo: dict[str, int], users: dict[str, Any], client_for: Any, builds: dict[str, int]
) -> None:
    from tiaodu.monitoring.indexes import compute_index
    from tiaodu.monitoring.services import record_value

    client = client_for(users["leader"])
    code = Indicator.objects.get(name="工业投资").code
    client.get(DASHBOARD, {"region": TONGNAN, "period": "2022-M01-02"})
    version = data_version()
    record_value(users["admin"], "工业投资", TONGNAN, PERIOD, "19.5")
    assert data_version() != version
    page = client.get(DASHBOARD, {"region": TONGNAN, "period": "2022-M01-02"}).content.decode()
    assert "18.09亿元" not in _card(page, code), _card(page, code)
    assert "19.5" in _card(page, code)
    assert builds["dashboard"] == 2

    version = data_version()
    computed = CompositeIndex.objects.filter(indicator__isnull=True).first()
    assert computed is not None
    compute_index(None, computed.code, PERIOD)
    assert data_version() != version
    assert IndexValue.objects.filter(index=computed, period__key="2022-M01-02").exists()


def test_scopes_never_share_a_dashboard(
    demo: dict[str, int], users: dict[str, Any], client_for: Any, builds: dict[str, int]
) -> None:
    """A rolled-up figure of 潼南 summing one enterprise: the district's leader may see it, a
    township's staff (古溪镇) may not (统计保密, ADR 0033) — in whichever order they ask."""
    figure = IndicatorValue.objects.get(
        region__code=TONGNAN, indicator__name="工业投资", period__key="2022-M01-02", is_current=True
    )
    IndicatorValue.objects.filter(pk=figure.pk).update(contributors=1, largest=figure.value)
    code = figure.indicator.code
    params = {"region": TONGNAN, "period": "2022-M01-02"}
    assert scope_key(users["leader"]) != scope_key(users["guxi"])

    for order in (("leader", "guxi"), ("guxi", "leader")):
        cache.clear()
        pages = {name: client_for(users[name]).get(DASHBOARD, params).content.decode() for name in order}
        assert "18.09亿元" in _card(pages["leader"], code)
        assert NOTE not in _card(pages["leader"], code)
        assert "18.09" not in _card(pages["guxi"], code)
        assert NOTE in _card(pages["guxi"], code)
    assert builds["dashboard"] == 4


def test_scopes_never_share_a_bulletin(
    demo: dict[str, int], users: dict[str, Any], client_for: Any, builds: dict[str, int]
) -> None:
    """潼南's annual targets are read by its leaders and departments, not by a township's staff
    (targets scope): the bulletin's target paragraph follows the reader, in either order."""
    from tiaodu.targets.demo import load_targets_demo

    load_targets_demo()
    params = {"region": TONGNAN, "period": "2022-H1"}
    for order in (("leader", "guxi", "jxw"), ("guxi", "jxw", "leader")):
        cache.clear()
        pages = {name: client_for(users[name]).get(BULLETIN, params).content.decode() for name in order}
        assert "项年度目标" in pages["leader"]
        assert "项年度目标" in pages["jxw"]
        assert "项年度目标" not in pages["guxi"]
        assert "固定资产投资" in pages["guxi"]  # the rest of the bulletin is there
    assert builds["bulletin"] == 6


def test_scope_key() -> None:
    from types import SimpleNamespace

    from tiaodu.accounts.choices import Role

    def user(role: str, path: str | None = "100000/500000/500100/500152/", pk: int = 1, **kw: Any) -> Any:
        region = SimpleNamespace(path=path) if path else None
        base = {"is_authenticated": True, "is_active": True, "is_superuser": False}
        return SimpleNamespace(role=role, region=region, pk=pk, **(base | kw))

    # the same role in the same region: one scope (two departments of 潼南 share entries)
    assert scope_key(user(Role.DEPARTMENT, pk=1)) == scope_key(user(Role.DEPARTMENT, pk=2))
    assert scope_key(user(Role.LEADER)) != scope_key(user(Role.DEPARTMENT))
    assert scope_key(user(Role.TOWN)) != scope_key(user(Role.TOWN, "100000/500000/500100/500152/500152103/"))
    assert scope_key(user(Role.TOWN)) != scope_key(user(Role.TOWN, None))
    # squads read targets by the squads they serve: one entry per user
    assert scope_key(user(Role.SQUAD, pk=1)) != scope_key(user(Role.SQUAD, pk=2))
    assert scope_key(user(Role.ADMIN, pk=1)) == scope_key(user(Role.LEADER, is_superuser=True, pk=2)) == "all"
    assert scope_key(user(Role.LEADER, is_active=False)) == "anonymous"
    assert scope_key(None) == "operator"


def test_the_key_covers_what_the_scopes_read() -> None:
    """scope_key shares entries between users of a role in one region because the scopes of what
    the pages read depend on nothing else for those roles; a scope that comes to depend on the
    organisation or the author must be keyed too (then change monitoring.cache)."""
    from tiaodu.targets.models import Target

    assert Target.scope.orgs == () and Target.scope.users == ()
    assert Indicator.scope.public_read and CompositeIndex.scope.public_read
    for model in (IndicatorValue, IndexValue):
        assert model.scope.orgs == () and model.scope.users == ()


def test_the_default_region_follows_the_user(
    demo: dict[str, int], users: dict[str, Any], client_for: Any
) -> None:
    """Administrators share one scope, not one home: each one's dashboard opens on their district."""
    from tiaodu.accounts.choices import Role
    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region

    other = User.objects.create(
        username="admin-ddk",
        full_name="大渡口管理员",
        role=Role.ADMIN,
        region=Region.objects.get(code="500104"),
    )
    assert scope_key(other) == scope_key(users["admin"])
    pages = {u.username: client_for(u).get(DASHBOARD).content.decode() for u in (users["admin"], other)}
    assert users["admin"].region.code == TONGNAN
    assert f'<option value="{TONGNAN}" selected>' in pages["admin"]
    assert '<option value="500104" selected>' in pages["admin-ddk"]
    assert "大渡口区" in pages["admin-ddk"].split('id="dashboard-title"')[1].split("</h1>")[0]
