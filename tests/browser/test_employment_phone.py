"""稳就业 on a phone (360×740), in a real browser.

- The 人社局 (rsj) opens today's fair in 古溪镇: its page shows the QR code (inline SVG) and the
  public address it encodes.
- A villager, not logged in, opens that address on a phone: the fair's open vacancies as cards;
  registers herself (姓名, 身份证号, 手机号, 镇街, 工作经历, consent) and is signed in — the
  confirmation shows only the masked ID number. Back on the fair page, the staff see her signed in,
  masked.
- The 古溪镇 town user registers another jobseeker with the staff form on a phone; the profile
  shows the masked number; 查看完整信息 shows the full one once.
- The vacancy board on a phone.

No page scrolls sideways; no console error and no CSP violation on any page.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from typing import Any

import pytest
from browser_support import REPO_DIR, log_in, platform_env, tiaodu_command
from test_phone_and_lists import OVERFLOW, SLACK

from tiaodu.employment import idcard

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
FAIR = "古溪镇春风行动赶场天专场招聘会(浏览器测试)"
TITLE = "食品包装工(浏览器测试)"
GUXI_FOOD = "91500152MA5U00001F"  # 重庆潼南古溪食品有限公司 (the demo user qiye's enterprise)
# Today's fair in 古溪镇 with one booth and an open vacancy; the 人社局 user rsj (the employment
# demo's, made here when the demo did not load it); idempotent. Prints the fair's pk and key.
SEED = f"""
from datetime import timedelta
from django.utils import timezone
from tiaodu.accounts.models import User
from tiaodu.employment import fairs, reference, vacancies
from tiaodu.employment.models import JobFair, Vacancy
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
district = Region.objects.get(code="500152")
reference.settings_for(district)
if not User.objects.filter(username="rsj").exists():
    office = Organization.objects.get(region=district, kind="department", short_name="人社局")
    user = User(username="rsj", role="department", organization=office, region=district, full_name="人社局干部")
    user.set_password(open("{{data}}/demo_password").read().strip())
    user.save()
today = timezone.localdate()
firm = Enterprise.objects.get(credit_code="{GUXI_FOOD}")
fair = JobFair.objects.filter(district=district, name="{FAIR}", held_on=today).first()
if fair is None:
    fair = fairs.create_fair(None, district=district, township="潼南区古溪镇", name="{FAIR}", kind="spring",
                             held_on=today, venue="古溪场镇农贸市场旁")
    job = Vacancy.objects.filter(enterprise=firm, title="{TITLE}").first() or vacancies.create_vacancy(
        None, enterprise=firm, title="{TITLE}", headcount=20, published_on=today,
        valid_until=today + timedelta(days=30), wage_min=3000, wage_max=4200, housing=True, meals=True,
        requirements="食品包装、贴标,需办理健康证", work_place="古溪镇工业园")
    fairs.add_booth(None, fair, firm, vacancies=[job])
print("FAIR", fair.pk, fair.public_key)
"""


def _seed(platform: Any) -> tuple[int, str]:
    code = SEED.replace("{data}", str(platform.data_dir))
    done = subprocess.run(
        [*tiaodu_command(), "shell", "-c", code],
        env=platform_env(platform.data_dir),
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"FAIR (\d+) ([0-9a-f-]{36})", done.stdout)
    assert found, done.stdout
    return int(found.group(1)), found.group(2)


def _no_sideways_scroll(page: Any) -> None:
    measured = page.evaluate(OVERFLOW)
    assert measured["scrollWidth"] <= PHONE["width"] + SLACK, (page.url, measured)


def _masked(number: str) -> str:
    return f"{number[:4]}{'*' * 10}{number[-4:]}"


def test_public_fair_page_and_self_registration(browsing: Any) -> None:
    staff = browsing("staff")
    fair_pk, key = _seed(staff.platform)
    page = staff.page
    page.set_viewport_size(PHONE)
    log_in(page, staff.platform, "rsj")
    page.goto(staff.url(f"/employment/fairs/{fair_pk}/"))
    assert page.locator("#fair-qr svg").count() == 1
    public_url = page.locator("#fair-public-url").get_attribute("href") or ""
    assert key in public_url
    _no_sideways_scroll(page)
    staff.check("fair-detail")

    # The villager's phone, not logged in, at the QR code's address.
    villager = browsing("villager")
    phone = villager.page
    phone.set_viewport_size(PHONE)
    phone.goto(public_url if public_url.startswith("http") else villager.url(public_url))
    assert FAIR in phone.locator("#public-fair-name").inner_text()
    assert TITLE in phone.locator("#public-vacancies").inner_text()
    assert "3000–4200元/月" in phone.locator("#public-vacancies").inner_text()
    _no_sideways_scroll(phone)
    villager.check("public-fair")
    with phone.expect_navigation():
        phone.locator("#public-register-link").click()
    number = idcard.make("500152", date(1984, 7, 9), 462)
    phone.fill("#id_name", "陈淑芬")
    phone.fill("#id_id_number", number)
    phone.fill("#id_phone", "13983001234")
    phone.select_option("#id_township", label="古溪镇")
    phone.fill("#id_experience", "在制衣厂做过缝纫工,在玩具厂做过组装")
    phone.fill("#id_desired_text", "包装工、缝纫工")
    phone.check("#id_consent")
    _no_sideways_scroll(phone)
    villager.check("register-form")
    with phone.expect_navigation():
        phone.locator("#public-register-form button[type=submit]").click()
    confirmation = phone.locator("#public-registered").inner_text()
    assert _masked(number) in confirmation
    assert number not in phone.content() and "13983001234" not in phone.content()
    _no_sideways_scroll(phone)
    villager.check("registered")

    # The staff see her among the attendees, masked.
    page.goto(staff.url(f"/employment/fairs/{fair_pk}/"))
    body = page.content()
    assert _masked(number) in body and number not in body
    staff.check("fair-attendee")


def test_staff_registration_form_and_vacancy_board(browsing: Any) -> None:
    town = browsing("guxi")
    _seed(town.platform)
    page = town.page
    page.set_viewport_size(PHONE)
    log_in(page, town.platform, "guxi")
    page.goto(town.url("/employment/jobseekers/new/"))
    number = idcard.make("500152", date(1979, 11, 23), 317)
    page.fill("#id_name", "王建国")
    page.fill("#id_id_number", number)
    page.fill("#id_phone", "13508231234")
    page.fill("#id_experience", "在建筑工地做过五年小工,会开叉车")
    page.fill("#id_desired_text", "叉车司机、普工")
    page.check("#id_consent")
    _no_sideways_scroll(page)
    town.check("register-form")
    with page.expect_navigation():
        page.locator("#jobseeker-submit").click()
    assert _masked(number) in page.content() and number not in page.content()
    _no_sideways_scroll(page)
    town.check("profile")
    profile = page.url
    # 查看完整信息: the full number once (the registering town may).
    with page.expect_navigation():
        page.locator("#reveal-id").click()
    assert page.locator("#revealed-id").inner_text().strip() == number
    town.check("revealed")
    page.goto(profile)  # shown once: the profile is masked again
    assert page.locator("#revealed-id").count() == 0 and number not in page.content()

    # The vacancy board on the phone.
    page.goto(town.url("/employment/vacancies/"))
    assert TITLE in page.content()
    _no_sideways_scroll(page)
    town.check("vacancy-board")
