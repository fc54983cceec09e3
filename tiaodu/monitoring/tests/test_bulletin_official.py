"""The format test of issue 17's done-when: the monthly bulletin's Word and PDF are official
documents (《党政机关公文格式》GB/T 9704-2012, 标点符号用法 GB/T 15834; ADR 0039), generated on the
seed figures of 潼南区 2022年1-2月."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tiaodu.core.officialdoc.profiles import ExportOptions
from tiaodu.core.officialdoc.punctuation import half_width_marks
from tiaodu.core.tests.test_officialdoc import check_pdf, paragraph_fonts, pdf_info
from tiaodu.monitoring.bulletin import Bulletin, build_bulletin
from tiaodu.monitoring.bulletin_render import render
from tiaodu.monitoring.tests.seed import PERIOD, TONGNAN

OPTIONS = ExportOptions(number=12, signed_on=date(2022, 3, 31))
MARK = "重庆市潼南区经济和信息化委员会文件"
NUMBER = "潼经信〔2022〕12号"
TITLE = "关于潼南区2022年1月—2月工业经济运行情况的通报"
ISSUER = "重庆市潼南区经济和信息化委员会"


@pytest.fixture
def bulletin(seeded: None) -> Bulletin:
    return build_bulletin(TONGNAN, PERIOD)


def test_bulletin_docx_is_an_official_document(bulletin: Bulletin) -> None:
    from docx import Document

    data = render(bulletin, "docx", OPTIONS)
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs if p.text]
    # the mark, the number, the title, the addressees, the text … the signature and the date
    assert texts[:4] == [MARK, NUMBER, TITLE, "各镇人民政府、街道办事处，区级有关部门："]
    assert texts[4].startswith("1月—2月，潼南区")  # the bulletin's first sentence, official punctuation
    assert [t for t in texts if re.match(r"^[一二三]、", t)] == [
        "一、主要指标图示",
        "二、各区县主要指标",
        "三、说明",
    ]
    assert texts[-2:] == [ISSUER, "2022年3月31日"]
    # 版记: 抄送 then 印发, the last table
    record = [c.text for row in document.tables[-1].rows for c in row.cells]
    assert record[0].startswith("抄送：区委办公室，") and record[0].endswith("。")
    assert record[1] == f"{ISSUER}办公室\t2022年3月31日印发"
    # GB/T 15834: no half-width , ; : ( ) ? ! next to Chinese in the running text and the tables
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    assert half_width_marks("\n".join(texts + cells)) == []
    assert "（序时进度" not in "".join(texts) or "(序时进度" not in "".join(texts)
    # fonts named by w:eastAsia, as government PCs have them
    fonts = paragraph_fonts(document)
    assert fonts[MARK] == fonts[TITLE] == {"方正小标宋简体"}
    assert fonts["一、主要指标图示"] == {"黑体"}
    assert fonts[texts[4]] == {"仿宋_GB2312"}
    assert fonts["2022年3月31日"] == {"仿宋_GB2312"}
    # the charts and the tables are kept: one picture per chart, one table per indicator + 版记
    assert len(document.inline_shapes) == len(bulletin.charts)
    assert len(document.tables) == len(bulletin.tables) + 1
    invest = document.tables[3]
    assert [c.text for c in invest.rows[0].cells][:4] == [
        "地区",
        "本期（亿元）",
        "上年同期（亿元）",
        "同比增长（%）",
    ]
    tongnan = next(row for row in invest.rows if row.cells[0].text == "潼南区")
    assert [c.text for c in tongnan.cells] == ["潼南区", "18.09", "14.77", "22.5", "17", "主城新区", "9"]
    assert 'w:fill="FCE4D6"' in tongnan._tr.xml and "w:tblHeader" in invest.rows[0]._tr.xml
    # page numbers by a PAGE field; metadata
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        footers = [zf.read(n).decode() for n in zf.namelist() if n.startswith("word/footer")]
    assert footers and all("PAGE" in f for f in footers)
    props = document.core_properties
    assert props.title == TITLE and props.author == ISSUER and props.language == "zh-CN"
    assert props.created is not None and props.created.year == timezone.now().year


def test_bulletin_pdf_is_an_official_document(bulletin: Bulletin) -> None:
    data = render(bulletin, "pdf", OPTIONS)
    text = check_pdf(data)  # embedded subsets only, CreationDate this year, zh-CN, creator
    flat = re.sub(r"\s+", "", text)
    order = [
        MARK,
        NUMBER,
        TITLE,
        "一、主要指标图示",
        "二、各区县主要指标",
        "三、说明",
        ISSUER + "2022年3月31日",
    ]
    order += ["抄送：区委办公室，", "2022年3月31日印发"]
    positions = [flat.find(part) for part in order]
    assert all(p >= 0 for p in positions), dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    assert "1月—2月，潼南区" in flat and "—1—" in flat and "—2—" in flat
    assert "潼南区18.0914.7722.517主城新区9" in flat  # the 工业投资 row
    assert half_width_marks(text) == []
    assert data.count(b"/Subtype /Image") == len(bulletin.charts)
    info = pdf_info(data)
    assert info["Title"] == TITLE and info["Author"] == ISSUER
    assert "月通报" in info["Keywords"] and "潼南区" in info["Subject"]


def test_bulletin_defaults_no_number_and_today(bulletin: Bulletin) -> None:
    from docx import Document

    document = Document(io.BytesIO(render(bulletin, "docx")))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[:2] == [MARK, TITLE]  # no 序号 given: no 发文字号 invented
    today = timezone.localdate()
    assert texts[-1] == f"{today.year}年{today.month}月{today.day}日"


def test_download_takes_number_and_date(client_for: Any, users: Any, seeded: None) -> None:
    from docx import Document

    client = client_for(users["leader"])
    url = reverse("monitoring:bulletin_download")
    params = {"region": TONGNAN, "period": PERIOD, "format": "docx", "number": "7", "signed_on": "2022-04-02"}
    response = client.get(url, params)
    assert response.status_code == 200
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs if p.text]
    assert texts[1] == "潼经信〔2022〕7号" and texts[-1] == "2022年4月2日"
    refused = client.get(url, params | {"number": "x"})
    assert refused.status_code in (400, 422)
    assert "发文字号序号" in refused.content.decode()


def test_a_bulletin_job_keeps_number_and_date(client_for: Any, users: Any, seeded: None) -> None:
    from django.test import override_settings
    from docx import Document

    from tiaodu.core.models import Job, JobStatus
    from tiaodu.monitoring.tests.test_bulletin_jobs import IMMEDIATE, body

    client = client_for(users["jxw"])
    params = {"region": TONGNAN, "period": PERIOD, "format": "docx", "number": "3", "signed_on": "2022-04-06"}
    with override_settings(TASKS=IMMEDIATE):
        response = client.post(reverse("monitoring:bulletin_download"), params)
    assert response.status_code == 303
    job = Job.objects.get(pk=int(response["Location"].strip("/").rsplit("/", 1)[1]))
    assert (
        job.status == JobStatus.SUCCEEDED
        and job.params["number"] == 3
        and job.params["signed_on"] == "2022-04-06"
    )
    data = body(client.get(reverse("jobs:download", args=[job.pk])))
    texts = [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text]
    assert texts[1] == "潼经信〔2022〕3号" and texts[-1] == "2022年4月6日"
    refused = client.post(reverse("monitoring:bulletin_download"), params | {"signed_on": "2022-02-30"})
    assert refused.status_code == 422 and "成文日期" in refused.content.decode()


def test_the_bulletin_page_asks_for_number_and_date(client_for: Any, users: Any, seeded: None) -> None:
    page = client_for(users["leader"]).get(
        reverse("monitoring:bulletin"), {"region": TONGNAN, "period": PERIOD}
    )
    html = page.content.decode()
    form = html[
        html.index('id="bulletin-downloads"') : html.index("</form>", html.index('id="bulletin-downloads"'))
    ]
    assert 'name="number"' in form and 'type="number"' in form
    assert 'name="signed_on"' in form and 'type="date"' in form
