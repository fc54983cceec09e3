"""The user guide's screenshots (docs/user-guide/img/), taken on the demo data ``tiaodu demo`` loads.

Each page is opened as the demo role the guide describes, checked for content it must show (a
title, a seed figure, a known demo row), and saved at 1280x800 in Chinese. A page that breaks
fails here before its screenshot goes stale. Nothing is written to the platform: the pages are
only read, so the order of the tests does not matter.

Regenerate all screenshots: ``.venv/bin/pytest -m browser tests/browser/test_guide_screenshots.py``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

import pytest
from browser_support import REPO_DIR, log_in
from PIL import Image

pytestmark = pytest.mark.browser

IMG = REPO_DIR / "docs" / "user-guide" / "img"
TONGNAN = "500152"
DADUKOU = "500104"


class Guide:
    """One signed-in demo user taking the guide's screenshots."""

    def __init__(self, browsing: Any, username: str) -> None:
        self.b = browsing(username)
        self.page = self.b.page
        log_in(self.page, self.b.platform, username)

    def open(self, path: str) -> Guide:
        response = self.page.goto(self.b.url(path))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        self.page.wait_for_load_state("networkidle")
        return self

    def follow(self, link: Any) -> Guide:
        with self.page.expect_navigation():
            link.click()
        self.page.wait_for_load_state("networkidle")
        return self

    def text(self, selector: str = "main") -> str:
        return str(self.page.locator(selector).first.inner_text())

    def expect(self, *needles: str, selector: str = "main") -> Guide:
        text = self.text(selector)
        missing = [n for n in needles if n not in text]
        assert not missing, f"{self.page.url}: {selector} lacks {missing}"
        return self

    def shot(self, name: str, top: str | None = None) -> None:
        """Save docs/user-guide/img/<name>.png (the viewport, 1280x800); ``top`` scrolls that
        element to the top of the window first. Fails on any console error or CSP violation."""
        if top is not None:
            # "instant": Bootstrap makes scrolling smooth, which would still be moving at the shot
            self.page.locator(top).first.evaluate(
                "e => e.scrollIntoView({block: 'start', behavior: 'instant'})"
            )
        else:
            self.page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
        IMG.mkdir(parents=True, exist_ok=True)
        # 256 colours (no dithering): a third of the size, and text stays sharp.
        shot = Image.open(io.BytesIO(self.page.screenshot())).convert("RGB")
        shot.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            IMG / f"{name}.png", optimize=True
        )
        errors, self.b.errors[:] = list(self.b.errors), []
        assert not errors, f"console errors on {name} ({self.page.url}):\n" + "\n".join(errors)


def _without_punctuation(text: str) -> str:
    """Sentences compared without their punctuation (half- or full-width alike)."""
    return re.sub(r"[,，;；:：、。()（）\s]", "", text)


def _says(text: str, fragments: Iterable[str]) -> None:
    plain = _without_punctuation(text)
    for fragment in fragments:
        assert _without_punctuation(fragment) in plain, fragment


def test_enterprise_service(browsing: Any) -> None:
    """企业服务: the registry, a profile, a visit, the enterprise's portal, the inbox, an appeal,
    the 红黄牌 board and the report (潼南高新区's first quarter of 2022, seed figures)."""
    jxw = Guide(browsing, "jxw")
    jxw.open("/enterprises/?q=古溪食品").expect("企业服务", "重庆潼南古溪食品有限公司", "区经济信息委")
    jxw.shot("enterprise-service-list")

    jxw.follow(jxw.page.get_by_role("link", name="重庆潼南古溪食品有限公司"))
    profile = jxw.page.url
    assert jxw.text("#enterprise-name") == "重庆潼南古溪食品有限公司"
    jxw.expect("对口服务", "困难诉求", "走访记录", "企业需求", "服务记录")
    jxw.shot("enterprise-service-detail")

    # An appeal of that enterprise, with its timeline.
    jxw.follow(jxw.page.locator("#appeals ~ * a[href*='/cases/']").first)
    assert re.search(r"/cases/\d+/$", jxw.page.url)
    jxw.expect("企业诉求", "办结时限", "办理过程", "重庆潼南古溪食品有限公司")
    jxw.shot("enterprise-service-case")

    jxw.open("/cases/inbox/").expect("诉求办理", "本单位承办")
    jxw.shot("enterprise-service-inbox")

    jxw.open("/cases/board/?township=500152103").expect("红黄牌督办", "古溪镇")
    assert jxw.page.locator("#board-red, #board-yellow").count() >= 1
    jxw.shot("enterprise-service-board")

    jxw.open(f"/enterprises/report/?region={TONGNAN}&date_from=2022-01-01&date_to=2022-03-31")
    jxw.expect("企业服务情况", "主要指标", "按责任部门", "按镇街")
    _says(jxw.text("#report-paragraph"), ["走访企业147家", "现场收集困难254件次", "解决236件次"])
    jxw.shot("enterprise-service-report")

    guxi = Guide(browsing, "guxi")
    guxi.open(profile.removeprefix(guxi.b.url("")) + "visits/new/")
    guxi.expect("记录走访", "走访中收集的困难和诉求", "添加一行")
    guxi.shot("enterprise-service-visit")

    qiye = Guide(browsing, "qiye")
    qiye.open("/enterprises/portal/").expect("提交困难诉求", "我的诉求")
    assert qiye.text("#portal-name") == "重庆潼南古溪食品有限公司"
    assert qiye.page.locator(".td-appeal").count() >= 1
    qiye.shot("enterprise-service-portal")


def test_key_projects(browsing: Any) -> None:
    """重点项目: the library, a 五张清单, a project with its backward schedule, the dispatch round,
    the collective event, the ranking, the report (潼南区 2022 一季度, seed figures) and the map."""
    leader = Guide(browsing, "leader")
    leader.open("/projects/").expect("重点项目", "海汇新材料年产5万吨高性能复合材料项目", "竞赛拉练")
    assert leader.page.locator("#five-lists a").count() == 5
    leader.shot("key-projects-list")

    leader.open("/projects/lists/building/").expect("重点在建项目清单", "古溪镇污水处理厂提标改造工程")
    leader.shot("key-projects-five-list")

    leader.open("/projects/?q=智慧停车场")
    leader.follow(leader.page.get_by_role("link", name="潼南区城区智慧停车场PPP项目"))
    assert leader.text("#project-name") == "潼南区城区智慧停车场PPP项目"
    leader.expect("基本信息", "挂牌督办", "节点与倒排工期")
    leader.shot("key-projects-detail")
    assert "关键节点" in leader.text("#critical-milestone")
    assert leader.page.locator("#milestone-table tbody tr").count() >= 3
    leader.shot("key-projects-schedule", top="#milestones")

    leader.open("/events/").expect("潼南区2022年第一季度重点项目集中签约、开工、竣工投产活动")
    leader.follow(
        leader.page.get_by_role("link", name="潼南区2022年第一季度重点项目集中签约、开工、竣工投产活动")
    )
    _says(leader.text("#event-sentence"), ["涉及73个重点项目", "总投资额227亿元", "36个项目集中开工"])
    leader.shot("key-projects-event")

    leader.open("/projects/ranking/").expect("竞赛拉练", "得分 = 节点按期率")
    assert leader.page.locator("#ranking-table tbody tr").count() >= 3
    leader.shot("key-projects-ranking")

    leader.open(f"/projects/report/?region={TONGNAN}&date_from=2022-01-01&date_to=2022-03-31")
    leader.expect("重点项目调度情况", "主要指标")
    _says(leader.text("#report-paragraph"), ["纳入调度的重点项目73个", "总投资227亿元"])
    leader.shot("key-projects-report")
    # 大渡口区's spring 2020 (administrator): the seed's sentence the chapter quotes.
    admin = Guide(browsing, "admin")
    admin.open(f"/projects/report/?region={DADUKOU}&date_from=2020-01-01&date_to=2020-04-30")
    _says(admin.text("#report-paragraph"), ["重点建设项目累计到岗人数12468人,到岗率98.3%"])

    leader.open("/projects/map/")
    leader.page.wait_for_selector(".leaflet-marker-pane .marker-cluster")
    assert re.search(r"地图上\d+个项目", leader.text("#map-summary"))
    leader.shot("key-projects-map")

    jxw = Guide(browsing, "jxw")
    jxw.open("/dispatch/").expect("调度任务", "填报中")
    open_round = jxw.page.get_by_role("link", name=re.compile(r"^\d{4}年第\d+旬$")).first
    jxw.shot("key-projects-rounds")
    jxw.follow(open_round)
    jxw.expect("当前汇总", "未报项目", "已报项目", "钢材运输受限")
    assert "填报中" in jxw.text("#round-state")
    jxw.shot("key-projects-round")
    # The report form of one of the projects not reported yet (经信委 is responsible for some).
    jxw.follow(jxw.page.locator("#missing-table a[href*='/report/']").first)
    jxw.expect("本期完成投资", "形象进度", "应到岗人数", "实到岗人数", "存在问题")
    jxw.shot("key-projects-report-form")


def test_monitoring(browsing: Any) -> None:
    """经济运行监测: the dashboard and the bulletin of 潼南区 2022年1—2月 (the seed's figures), the
    figures and the catalogue, the reporting rounds, an enterprise's slot, alerts and targets."""
    leader = Guide(browsing, "leader")
    leader.open(f"/monitoring/?region={TONGNAN}&period=2022-M01-02")
    leader.expect("潼南区2022年1月—2月经济运行监测", "74.41", "排名全市第12位", "主要指标", "18.09亿元")
    leader.page.locator("#index-map path.leaflet-interactive").nth(37).wait_for()
    leader.shot("monitoring-dashboard")
    leader.shot("monitoring-map", top="#index-map")

    leader.open(f"/monitoring/bulletin/?region={TONGNAN}&period=2022-M01-02")
    leader.expect("潼南区2022年1月—2月工业经济运行情况通报", "导出Word", "导出PDF", "说明")
    _says(
        leader.text(),
        ["潼南区工业经济运行综合指数74.41", "排名全市第12位", "工业投资完成18.09亿元,同比增长22.5%"],
    )
    leader.shot("monitoring-bulletin")

    leader.open("/targets/progress/").expect("目标完成进度", "序时进度", "招商引资到位资金")
    leader.shot("monitoring-targets")

    jxw = Guide(browsing, "jxw")
    jxw.open(f"/monitoring/figures/?region={TONGNAN}").expect("指标数据", "潼南区", "导入:")
    jxw.shot("monitoring-figures")

    jxw.open("/monitoring/indicators/").expect("监测指标目录", "gy_zjz_zs", "规模以上工业增加值增速")
    jxw.shot("monitoring-indicators")

    jxw.open("/reporting/").expect("监测报送", "2022年3月规上企业月报", "2022年2月规上企业月报")
    jxw.shot("monitoring-reporting")
    jxw.follow(jxw.page.get_by_role("link", name="2022年3月规上企业月报"))
    jxw.expect("当前汇总", "未报单位", "催报", "规模以上工业总产值")
    jxw.shot("monitoring-reporting-round")

    jxw.open("/reporting/alerts/").expect("重点企业产值预警", "重庆古溪机械制造有限公司", "待处理")
    jxw.shot("monitoring-alerts")

    qiye = Guide(browsing, "qiye")
    qiye.open("/reporting/")
    qiye.follow(qiye.page.get_by_role("link", name="2022年3月规上企业月报"))
    qiye.follow(qiye.page.locator("main a", has_text="填报").first)
    qiye.expect("数据报送", "重庆潼南古溪食品有限公司", "规模以上工业总产值", "营业收入")
    qiye.shot("monitoring-reporting-slot")


def test_investment_safety_employment(browsing: Any) -> None:
    """The screenshot sections of the 招商引资, 安全生产 and 稳就业 chapters (seed sentences)."""
    zsj = Guide(browsing, "zsj")
    zsj.open("/investment/?q=金鹰").expect("金鹰集团潼南智能制造产业园项目")
    zsj.shot("investment-list")
    zsj.open("/investment/board/").expect("招商项目推进看板", "线索", "在谈")
    zsj.shot("investment-board")
    zsj.open(f"/investment/analysis/report/?region={TONGNAN}&date_from=2022-01-01&date_to=2022-03-31")
    _says(zsj.text("#report-paragraph"), ["23个镇街招商小分队向4个重点区域招商组提供45条信息线索"])
    zsj.shot("investment-report")

    yjj = Guide(browsing, "yjj")
    yjj.open("/safety/hazards/board/").expect("隐患看板", "按行业领域", "按镇街")
    yjj.shot("safety-hazard-board")
    yjj.open("/safety/units/?q=井田农贸市场").expect("生产经营单位", "井田农贸市场")
    yjj.shot("safety-units")
    yjj.open(f"/safety/report/?region={TONGNAN}&date_from=2022-01-09&date_to=2022-03-31")
    _says(
        yjj.text("#report-paragraph"),
        [
            "全区在18个行业共计开展执法检查5093家次",
            "执行经济处罚201.92万元",
            "连续69个月未发生较大及以上事故",
        ],
    )
    yjj.shot("safety-report")

    rsj = Guide(browsing, "rsj")
    rsj.open("/employment/vacancies/").expect("岗位信息", "招聘中")
    rsj.shot("employment-vacancies")
    rsj.open("/employment/fairs/").expect("招聘会", "春风行动专场", "古溪镇")
    rsj.shot("employment-fairs")
    rsj.open(f"/employment/report/?region={TONGNAN}&date_from=2022-02-07&date_to=2022-03-31")
    _says(
        rsj.text("#report-paragraph"),
        ["举办春风行动专场招聘会10场", "46家企业提供岗位1380个", "200余人与企业达成初步求职意向"],
    )
    rsj.shot("employment-report")
