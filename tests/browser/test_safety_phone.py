"""The mobile inspection form on a phone (360×740), in a real browser: an inspector of the 区应急管理局
searches the unit, the browser gives the location (hidden fields filled by safety-inspect.js),
marks a checklist item "有隐患" (the hazard block is filled in for it), takes the photo (a file
input with capture=environment), submits, and sees the hazard with its photo. Then the unit's
enterprise (qiye), on its phone, writes the 重大隐患's 治理方案, starts the rectification and
reports it done with the photo after. The page never scrolls sideways; no console error and no
CSP violation on any page.
"""

from __future__ import annotations

import io
import subprocess
from typing import Any

import pytest
from browser_support import REPO_DIR, log_in, platform_env, tiaodu_command
from test_phone_and_lists import OVERFLOW, SLACK

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
UNIT = "古溪安全检查演示厂"
LOCATION = {"longitude": 105.84, "latitude": 30.19}  # inside 潼南区
GUXI_FOOD = "91500152MA5U00001F"  # the enterprise of the demo user qiye runs the unit
# The district's safety reference data, one unit to inspect and the inspector (the demo's zfry
# when the safety demo made him; otherwise made here), idempotent.
SEED = f"""
from tiaodu.accounts.models import User
from tiaodu.enterprises.models import Enterprise
from tiaodu.regions.models import Region
from tiaodu.safety.models import Sector, Unit
from tiaodu.safety.reference import ensure_defaults
district = Region.objects.get(code="500152")
ensure_defaults(district)
sector = Sector.objects.get(region=district, code="industry")
Unit.objects.get_or_create(
    township=Region.objects.get(code="500152103"), name="{UNIT}",
    defaults={{"district": district, "sector": sector,
              "enterprise": Enterprise.objects.get(credit_code="{GUXI_FOOD}")}},
)
if not User.objects.filter(username="zfry").exists():
    user = User(username="zfry", role="department", organization=sector.department, region=district,
                full_name="执法人员")
    user.set_password(open("{{data}}/demo_password").read().strip())
    user.save()
"""


def _seed(platform: Any) -> None:
    code = SEED.replace("{data}", str(platform.data_dir))
    done = subprocess.run(
        [*tiaodu_command(), "shell", "-c", code],
        env=platform_env(platform.data_dir),
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 60, 30)).save(out, format="PNG")
    return out.getvalue()


def _no_sideways_scroll(page: Any) -> None:
    measured = page.evaluate(OVERFLOW)
    assert measured["scrollWidth"] <= PHONE["width"] + SLACK, (page.url, measured)


def test_inspector_records_a_hazard_with_a_photo_on_a_phone(browsing: Any) -> None:
    b = browsing("zfry")
    _seed(b.platform)
    page = b.page
    page.set_viewport_size(PHONE)
    b.context.grant_permissions(["geolocation"], origin=b.platform.base_url)
    b.context.set_geolocation(LOCATION)
    log_in(page, b.platform, "zfry")

    # Find the unit.
    page.goto(b.url("/safety/inspections/new/"))
    page.fill("#unit-q", "古溪安全检查")
    with page.expect_navigation():
        page.locator("#unit-search button[type=submit]").click()
    _no_sideways_scroll(page)
    b.check("unit-search")
    with page.expect_navigation():
        page.locator("#unit-results a", has_text=UNIT).click()

    # The form: the location arrives from the browser.
    assert UNIT in page.locator("#inspect-unit").inner_text()
    page.locator("#geo-status", has_text="已获取位置").wait_for()
    assert page.locator('input[data-geo="lon"]').input_value() == "105.840000"
    assert page.locator('input[data-geo="lat"]').input_value() == "30.190000"
    _no_sideways_scroll(page)
    b.check("form")

    # The first checklist item has a hazard: its block is filled in for it.
    first = page.locator("#checklist .td-check-item").first
    item = first.get_attribute("data-item")
    first.locator("label.btn-outline-danger").click()
    assert page.locator("#id_hazard-0-checklist_item").input_value() == item
    assert page.locator("#id_hazard-0-description").input_value() == first.get_attribute("data-text")
    page.fill("#id_hazard-0-description", "配电箱未接地,电缆破损")
    page.fill("#id_hazard-0-responsible_person", "王师傅")
    photo = page.locator("#id_hazard-0-photo")
    assert photo.get_attribute("capture") == "environment" and photo.get_attribute("accept") == "image/*"
    photo.set_input_files(files=[{"name": "hazard.png", "mimeType": "image/png", "buffer": _png()}])
    # A second block can be added and left empty.
    page.locator("#add-hazard").click()
    assert page.locator("#hazard-forms .td-hazard").count() == 2
    _no_sideways_scroll(page)
    b.check("form-filled")
    with page.expect_navigation():
        page.locator("#inspection-submit").click()

    # The inspection's page lists the hazard; the hazard's page shows it with its photo.
    assert "发现隐患1条" in page.locator(".alert").first.inner_text()
    link = page.locator("#inspection-hazards a", has_text="配电箱未接地")
    assert link.count() == 1
    _no_sideways_scroll(page)
    b.check("inspection")
    with page.expect_navigation():
        link.click()
    assert "配电箱未接地,电缆破损" in page.locator("#hazard-description").inner_text()
    assert page.locator("#hazard-state").inner_text().strip() == "待整改"
    image = page.locator("#photos img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert page.locator('#photos figure[data-stage="before"]').count() == 1
    _no_sideways_scroll(page)
    b.check("hazard")

    # The enterprise rectifies on its phone: 治理方案 first (a 判定项 makes it 重大), then start,
    # then 提请验收 with the photo after.
    hazard_url = page.url
    e = browsing("qiye")
    phone = e.page
    phone.set_viewport_size(PHONE)
    log_in(phone, e.platform, "qiye")
    phone.goto(hazard_url)
    assert phone.locator("#hazard-grade").inner_text().strip() == "重大隐患"
    assert phone.locator("#plan-missing").count() == 1
    with phone.expect_navigation():
        phone.locator("#plan-edit").click()
    phone.fill("#id_goal", "消除粉尘涉爆隐患")
    phone.fill("#id_measures", "搬离员工宿舍,设置防火分隔")
    phone.fill("#id_funds", "8.5")
    phone.fill("#id_personnel", "企业安全科")
    phone.fill("#id_due_on", "2099-12-31")
    phone.fill("#id_emergency_plan", "整改期间停用除尘系统")
    _no_sideways_scroll(phone)
    e.check("plan")
    with phone.expect_navigation():
        phone.locator("#plan-form button[type=submit]").click()
    assert "搬离员工宿舍" in phone.locator("#plan").inner_text()
    with phone.expect_navigation():
        phone.locator("#action-start button[type=submit]").click()
    assert phone.locator("#hazard-state").inner_text().strip() == "整改中"
    phone.fill("#id_submit-note", "已搬离宿舍并完成防火分隔")
    phone.locator("#id_submit-photo").set_input_files(
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": _png()}]
    )
    with phone.expect_navigation():
        phone.locator("#action-submit button[type=submit]").click()
    assert phone.locator("#hazard-state").inner_text().strip() == "待验收"
    assert phone.locator('#photos figure[data-stage="after"]').count() == 1
    assert "已搬离宿舍并完成防火分隔" in phone.locator("#hazard-timeline").inner_text()
    _no_sideways_scroll(phone)
    e.check("rectified")
