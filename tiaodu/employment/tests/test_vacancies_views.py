"""The vacancy pages (lane C): the board (filters, phone cards, export without personal data), the
detail, the form (staff and enterprise), the status actions, labour needs into vacancies."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from tiaodu.cases.tests.factories import credit_code, enterprise, qiye_enterprise
from tiaodu.core.tests.districts import DADUKOU, TONGNAN
from tiaodu.employment import vacancies
from tiaodu.employment.models import Occupation, Vacancy
from tiaodu.employment.tests.factories import staff
from tiaodu.enterprises.models import Enterprise
from tiaodu.enterprises.services import NeedInput, record_need
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db
BOARD = "/employment/vacancies/"


def firm(serial: int, township: str = "500152103") -> Enterprise:
    return enterprise(credit_code(8_300_000 + serial), township, f"页面测试企业{serial}")


def occupation(code: str, name: str) -> Occupation:
    level = len(code.split("-"))
    parent = occupation(code.rsplit("-", 1)[0], f"{name}类") if level > 1 else None
    row, _made = Occupation.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return row


def post(company: Enterprise, title: str, **fields: Any) -> Vacancy:
    fields.setdefault("headcount", 5)
    fields.setdefault("published_on", date(2022, 2, 10))
    return vacancies.create_vacancy(None, enterprise=company, title=title, **fields)


def titles(response: Any) -> set[str]:
    return {v.title for obj in [response.context] for v, _cells in obj["rows"]}


def test_board_filters_and_scope(client_for: Any, users: dict) -> None:
    occupation("6-05-01-01", "缝纫工")
    occupation("6-31-01-03", "装配钳工")
    a, b = firm(1), firm(2, "500152107")
    post(a, "缝纫工甲", occupation="6-05-01-01", wage_min=3500, wage_max=5000, housing=True)
    post(b, "装配工乙", occupation="6-31-01-03", wage_min=3000, wage_max=3800, valid_until=date(2022, 2, 28))
    post(qiye_enterprise(), "包装工丙", published_on=date(2022, 3, 5))
    ddk = Enterprise.objects.filter(township__code__startswith=DADUKOU).first()
    assert ddk is not None
    post(ddk, "大渡口普工丁")
    user = staff(TONGNAN)
    c = client_for(user)
    page = c.get(BOARD)
    assert page.status_code == 200
    seen = titles(page)
    assert {"缝纫工甲", "装配工乙", "包装工丙"} <= seen and "大渡口普工丁" not in seen
    assert b"td-cards" in page.content and b"vacancy-import-link" in page.content
    assert titles(c.get(BOARD + "?occupation=6-05")) & {"缝纫工甲", "装配工乙"} == {"缝纫工甲"}
    assert titles(c.get(BOARD + "?wage=4000")) & {"缝纫工甲", "装配工乙"} == {"缝纫工甲"}
    on_date = titles(c.get(BOARD + "?open_on=2022-03-01"))
    assert "包装工丙" not in on_date and "装配工乙" not in on_date and "缝纫工甲" in on_date
    town = Region.objects.get(code="500152107")
    assert titles(c.get(BOARD + f"?township={town.pk}")) & {"缝纫工甲", "装配工乙"} == {"装配工乙"}
    assert titles(c.get(BOARD + "?housing=true")) & {"缝纫工甲", "装配工乙"} == {"缝纫工甲"}
    # An enterprise sees its own vacancies only; a town the district's (without add buttons).
    assert titles(client_for(users["qiye"]).get(BOARD)) == {"包装工丙"}
    town_page = client_for(users["guxi"]).get(BOARD)
    assert {"缝纫工甲", "装配工乙", "包装工丙"} <= titles(
        town_page
    ) and b"vacancy-import-link" not in town_page.content
    assert "缝纫工甲" not in titles(client_for(staff(DADUKOU)).get(BOARD))


def test_export_has_the_vacancies_and_no_personal_data(client_for: Any) -> None:
    post(firm(3), "出口岗位", wage_min=4000, wage_max=4000, meals=True)
    response = client_for(staff(TONGNAN)).get(BOARD + "?export=xlsx&q=出口岗位")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "岗位名称")
    assert "企业" in header and "月薪" in header
    body = [r for r in rows if r and r[0] == "出口岗位"]
    assert len(body) == 1 and "4000元" in body[0] and "包吃" in body[0]
    assert not any("身份证" in str(h) or "手机" in str(h) for h in header)


def test_create_edit_and_status_by_staff(client_for: Any) -> None:
    company = firm(4)
    user = staff(TONGNAN)
    c = client_for(user)
    assert c.get(BOARD + "new/").status_code == 200
    form = {
        "enterprise": company.credit_code,
        "title": "熨烫工",
        "headcount": "6",
        "published_on": "2022-02-15",
    }
    bad = c.post(
        BOARD + "new/", {**form, "requirements": "限女性,本地户籍", "wage_min": "5000", "wage_max": "3000"}
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "性别限制" in text and "地域或户籍限制" in text and "月薪下限" in text and "《就业促进法》" in text
    assert not Vacancy.objects.filter(enterprise=company).exists()
    done = c.post(BOARD + "new/", form)
    assert done.status_code == 302
    row = Vacancy.objects.get(enterprise=company)
    assert (row.title, row.headcount, row.created_by) == ("熨烫工", 6, user)
    detail = c.get(done["Location"])
    assert detail.status_code == 200 and "熨烫工" in detail.content.decode()
    # Edit with the version the page showed; a stale one is refused.
    edit = {"title": "熨烫工", "headcount": "8", "published_on": "2022-02-15", "version": str(row.version)}
    assert c.post(f"{BOARD}{row.pk}/edit/", edit).status_code == 302
    row.refresh_from_db()
    assert row.headcount == 8 and row.version == 2
    stale = c.post(f"{BOARD}{row.pk}/edit/", {**edit, "headcount": "9", "version": "1"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    # Filled, then open again.
    assert c.post(f"{BOARD}{row.pk}/status/", {"status": "filled", "version": "2"}).status_code == 302
    row.refresh_from_db()
    assert row.status == "filled"
    c.post(f"{BOARD}{row.pk}/status/", {"status": "open"})
    row.refresh_from_db()
    assert row.status == "open"


def test_enterprise_posts_its_own_and_others_refused(client_for: Any, users: dict) -> None:
    c = client_for(users["qiye"])
    page = c.get(BOARD + "new/")
    assert page.status_code == 200 and 'name="enterprise"' not in page.content.decode()
    done = c.post(BOARD + "new/", {"title": "理货员", "headcount": "2", "published_on": "2022-02-15"})
    assert done.status_code == 302
    mine = Vacancy.objects.get(title="理货员")
    assert mine.enterprise == qiye_enterprise()
    other = post(firm(5), "别人的岗位")
    assert c.get(f"{BOARD}{other.pk}/").status_code == 404
    assert c.post(f"{BOARD}{other.pk}/status/", {"status": "closed"}).status_code == 404
    # Towns read vacancies but neither post nor change them.
    town = client_for(users["guxi"])
    assert town.get(BOARD + "new/").status_code == 403
    assert town.get(f"{BOARD}{other.pk}/").status_code == 200
    assert town.post(f"{BOARD}{other.pk}/status/", {"status": "closed"}).status_code == 403
    other.refresh_from_db()
    assert other.status == "open"


def test_detail_shows_a_proposed_occupation(client_for: Any) -> None:
    occupation("4-99-99-95", "页面测试工种").__class__.objects.filter(code="4-99-99-95").update(
        keywords="页面测试岗"
    )
    row = post(firm(6), "页面测试岗")
    assert row.occupation_proposed
    page = client_for(staff(TONGNAN)).get(f"{BOARD}{row.pk}/").content.decode()
    assert "occupation-proposed" in page and "4-99-99-95" in page and "推荐" in page


def test_need_converted_on_the_page(client_for: Any) -> None:
    company = firm(7)
    need = record_need(
        None,
        company,
        NeedInput(kind="labour", raised_on=date(2022, 1, 18), people=30, job_types="缝纫工20人、包装工"),
    )
    c = client_for(staff(TONGNAN))
    listing = c.get(BOARD + "needs/?pending=1").content.decode()
    assert company.name in listing
    page = c.get(f"{BOARD}needs/{need.pk}/")
    assert page.status_code == 200
    initial = [f.initial for f in page.context["formset"].forms if f.initial]
    assert [(r["title"], r["headcount"]) for r in initial] == [("缝纫工", 20), ("包装工", 10)]
    form = {
        "published_on": "2022-01-18",
        "v-TOTAL_FORMS": "3",
        "v-INITIAL_FORMS": "0",
        "v-0-title": "缝纫工",
        "v-0-headcount": "20",
        "v-1-title": "包装工",
        "v-1-headcount": "10",
        "v-1-requirements": "男性优先",
        "v-2-title": "",
    }
    bad = c.post(f"{BOARD}needs/{need.pk}/", form)
    assert bad.status_code == 422 and "性别限制" in bad.content.decode()
    assert bad.context["formset"].forms[1].errors
    assert not Vacancy.objects.filter(need=need).exists()
    form["v-1-requirements"] = ""
    assert c.post(f"{BOARD}needs/{need.pk}/", form).status_code == 302
    made = Vacancy.objects.filter(need=need).order_by("pk")
    assert [(v.title, v.headcount, v.published_on) for v in made] == [
        ("缝纫工", 20, date(2022, 1, 18)),
        ("包装工", 10, date(2022, 1, 18)),
    ]
    assert company.name not in c.get(BOARD + "needs/?pending=1").content.decode()
