"""Work safety in a real browser, on 潼南区's demo (``tiaodu.safety.demo``), one role after another:

- the enterprise user ``qiye`` sees its own unit only, opens the hazard the 执法人员 found on it in
  April 2022, starts the rectification and reports it done; the 区应急管理局 user ``yjj`` accepts
  it (销号) — the closed loop 发现 → 整改 → 验收 across two sessions;
- ``yjj`` and the leader read the campaign report of 2022-01-09 … 2022-03-31: the seed's sentence
  and "连续69个月未发生较大及以上事故";
- the town user ``guxi`` (古溪镇) finds no unit of another township (井田农贸市场 is 桂林街道's), which
  ``yjj`` finds.

No console error and no CSP violation on any page.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from browser_support import REPO_DIR, Platform, log_in, platform_env, tiaodu_command

pytestmark = pytest.mark.browser

SENTENCE = "全区在18个行业共计开展执法检查5093家次,发现问题隐患5814条,处罚责任单位860家,发出警告277次,责令停产停业6家,执行经济处罚201.92万元"
RUN = "连续69个月未发生较大及以上事故"
REPORT = "/safety/report/?region=500152&date_from=2022-01-09&date_to=2022-03-31"
# What the demo loads (tiaodu.safety.demo), printed by the fixture: the open hazard's id.
LOAD = """
from tiaodu.safety.demo import OPEN_HAZARD, load_safety_demo
from tiaodu.safety.models import Hazard
load_safety_demo()
print("hazard", Hazard.objects.get(description=OPEN_HAZARD).pk)
"""


@pytest.fixture(scope="module")
def open_hazard(platform: Platform) -> int:
    """The safety demo in the running platform (``tiaodu demo`` loads it; loading it again changes
    nothing), and the id of the hazard left open on qiye's unit."""
    done = subprocess.run(
        [*tiaodu_command(), "shell", "-c", LOAD],
        env=platform_env(platform.data_dir),
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split("hazard", 1)[1].split()[0])


def state_of(page: Any) -> str:
    return str(page.locator("#hazard-state").inner_text()).strip()


def test_enterprise_rectifies_and_the_bureau_accepts(browsing: Any, open_hazard: int) -> None:
    firm = browsing("qiye")
    page = firm.page
    log_in(page, firm.platform, "qiye")
    page.goto(firm.url("/safety/units/"))
    units = page.locator('a[href^="/safety/units/"][href$="/"]').filter(has_text="有限公司")
    assert units.count() == 1
    assert "重庆潼南古溪食品有限公司" in units.first.inner_text()
    firm.check("units")

    page.goto(firm.url(f"/safety/hazards/{open_hazard}/"))
    assert "待整改" in state_of(page)
    with page.expect_navigation():
        page.locator("#action-start button[type=submit]").click()
    assert "整改中" in state_of(page)
    page.locator("#action-submit [name=submit-note]").fill("已加装漏电保护器并经电工检测合格")
    with page.expect_navigation():
        page.locator("#action-submit button[type=submit]").click()
    assert "待验收" in state_of(page)
    assert page.locator("#action-accept").count() == 0  # the enterprise does not accept its own
    firm.check("reported")

    bureau = browsing("yjj")
    page = bureau.page
    log_in(page, bureau.platform, "yjj")
    page.goto(bureau.url(f"/safety/hazards/{open_hazard}/"))
    assert "待验收" in state_of(page)
    with page.expect_navigation():
        page.locator("#action-accept button[type=submit]").click()
    assert "已验收" in state_of(page)
    timeline = page.locator("#hazard-timeline").inner_text()
    assert "已加装漏电保护器" in timeline
    bureau.check("accepted")


def test_the_campaign_report_by_role(browsing: Any, open_hazard: int) -> None:
    for username in ("yjj", "leader"):
        b = browsing(username)
        log_in(b.page, b.platform, username)
        b.page.goto(b.url(REPORT))
        paragraph = b.page.locator("#report-paragraph").inner_text()
        assert SENTENCE in paragraph and RUN in paragraph, username
        b.check("report")


def test_a_town_sees_its_township_only(browsing: Any, open_hazard: int) -> None:
    found = {}
    for username in ("guxi", "yjj"):
        b = browsing(username)
        log_in(b.page, b.platform, username)
        b.page.goto(b.url("/safety/units/?q=井田农贸市场"))
        found[username] = b.page.get_by_role("link", name="井田农贸市场").count()
        b.check("units")
    assert found == {"guxi": 0, "yjj": 1}
