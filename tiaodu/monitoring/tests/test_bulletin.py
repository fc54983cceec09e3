"""The monthly bulletin (月通报): the seed's sentence from the comparisons, missing data stated,
errors with stable codes, and the text, Word, PDF and Excel files, the CLI and the web page."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tiaodu.core import figures as fig
from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import run_import
from tiaodu.core.officialdoc.punctuation import official
from tiaodu.core.tests.test_officialdoc import pdf_text
from tiaodu.monitoring.bulletin import Bulletin, BulletinError, Clause, build_bulletin
from tiaodu.monitoring.bulletin_render import render
from tiaodu.monitoring.computations import compare
from tiaodu.monitoring.models import IndicatorValue
from tiaodu.monitoring.tests.seed import CITY, PERIOD, SEED_SENTENCE, TONGNAN

COUNTY_UNITS = 38


@pytest.fixture
def bulletin(seeded: None) -> Bulletin:
    return build_bulletin(TONGNAN, PERIOD)


def _import(tmp_path: Path, rows: list[list[Any]], name: str = "extra.csv") -> None:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["地区代码", "期别", "指标", "数值"], *rows])
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()


def _delete(region: str, indicator: str, period: str = "2022-M01-02") -> None:
    deleted, _ = IndicatorValue.objects.filter(
        region__code=region, indicator__code=indicator, period__key=period
    ).delete()
    assert deleted


# --- the text ---------------------------------------------------------------------------------------


def test_the_seed_sentence(bulletin: Bulletin) -> None:
    assert bulletin.title == "潼南区2022年1月—2月工业经济运行情况通报"
    assert bulletin.paragraphs == [SEED_SENTENCE]
    assert bulletin.paragraphs[0] == (
        "1月—2月,潼南区工业经济运行综合指数74.41,排名全市第12位;规模以上工业增加值增速10%,高于全市2.1个百分点,"
        "高于全国2.5个百分点,排名全市第12位;规上工业产值完成66.81亿元,同比增长16.5%,高于全市3.5个百分点;"
        "工业投资完成18.09亿元,同比增长22.5%,高于全市7.9个百分点,位列全市第17名,考核组第9,其中:工业技改投资"
        "7.4亿元,占工业投资比重40.9%,高于全市6.8个百分点,排名全市第6位,考核组第6位。"
    )
    # every clause is the comparison's own phrases
    invest = bulletin.clause("gy_tz")
    assert invest is not None and invest.comparison.rank == 17 and invest.comparison.group_rank == 9
    # the bases of the figures are stated, nothing about the nation where the text says nothing of it
    assert "规模以上工业总产值同比增速按本期与上年同期累计值计算(现价)" in bulletin.notes
    assert not any("全国" in note for note in bulletin.notes)


@pytest.mark.usefixtures("seeded")
def test_the_sentence_follows_the_data(tmp_path: Path) -> None:
    """Change 潼南's 工业投资 and every dependent figure of the text changes with it."""
    _import(tmp_path, [[TONGNAN, PERIOD, "工业投资", "19.5"]])
    text = build_bulletin(TONGNAN, PERIOD).paragraphs[0]
    invest = compare(TONGNAN, PERIOD, "工业投资")
    tech = compare(TONGNAN, PERIOD, "工业技术改造投资")
    assert (invest.value_text, invest.growth_text) == ("19.5亿元", "同比增长32%")  # 19.5 / 14.77
    assert invest.rank is not None and tech.rank is not None
    clause = (
        f"工业投资完成19.5亿元,同比增长32%,{invest.benchmarks[0].phrase},"
        f"{fig.rank(invest.rank, '全市', verb='位列', suffix='名')},考核组第{invest.group_rank},"
        f"其中:工业技改投资7.4亿元,占工业投资比重37.9%,{tech.benchmarks[0].phrase},"
        f"排名全市第{tech.rank}位,考核组第{tech.group_rank}位。"
    )
    assert text.endswith(clause)
    assert invest.benchmarks[0].phrase == "高于全市17.4个百分点"  # 32.0 − 14.6


@pytest.mark.usefixtures("seeded")
def test_missing_figures_leave_clauses_out_and_say_so(tmp_path: Path) -> None:
    _delete(TONGNAN, "gy_jg_tz")  # no 技改投资: the "其中" clause goes
    _delete(TONGNAN, "gy_tz", "2021-M01-02")  # no last year's 工业投资: no growth, no rank
    _delete("100000", "gy_zjz_zs")  # no national rate: no comparison with 全国
    b = build_bulletin(TONGNAN, PERIOD)
    assert b.paragraphs == [
        "1月—2月,潼南区工业经济运行综合指数74.41,排名全市第12位;规模以上工业增加值增速10%,高于全市2.1个百分点,"
        "排名全市第12位;规上工业产值完成66.81亿元,同比增长16.5%,高于全市3.5个百分点;工业投资完成18.09亿元。"
    ]
    assert "潼南区1月—2月工业技术改造投资数据缺失,通报未列此项" in b.notes
    assert "潼南区1月—2月工业投资上年同期数据缺失,未计算同比增速" in b.notes
    assert "潼南区1月—2月工业投资缺少可比数据,未参与全市排名" in b.notes
    assert "全国规模以上工业增加值增速数据缺失,未与全国比较" in b.notes
    invest = next(t for t in b.tables if t.indicator_code == "gy_tz")
    assert invest.ranked == COUNTY_UNITS - 1
    assert any("潼南区" in note and "未参与排名" in note for note in invest.notes)
    tongnan = next(r for r in invest.rows if r.code == TONGNAN)
    assert tongnan.highlight and tongnan.cells[invest.column("growth")] is None  # shown as "—", never 0
    assert tongnan.cells[invest.column("rank")] is None
    assert all(t.indicator_code != "gy_jg_tz" for t in b.tables)


@pytest.mark.usefixtures("seeded")
def test_other_indicators_are_reported_when_they_have_data(tmp_path: Path) -> None:
    _import(
        tmp_path,
        [
            [TONGNAN, PERIOD, "固定资产投资", "60"],
            [TONGNAN, "2021年1-2月", "固定资产投资", "50"],
            ["500101", PERIOD, "固定资产投资", "90"],  # 万州区
            ["500101", "2021年1-2月", "固定资产投资", "100"],
            [CITY, PERIOD, "固定资产投资", "2200"],
            [CITY, "2021年1-2月", "固定资产投资", "2000"],
        ],
    )
    b = build_bulletin(TONGNAN, PERIOD)
    assert b.paragraphs[0] == SEED_SENTENCE
    assert b.paragraphs[1] == (
        "1月—2月,潼南区固定资产投资完成60亿元,同比增长20%,高于全市10个百分点,排名全市第1位,考核组第1位。"
    )
    table = next(t for t in b.tables if t.indicator_code == "gdzc_tz")
    assert table.ranked == 2 and len(table.unit_rows) == COUNTY_UNITS
    assert any("未参与排名(共36个)" in note for note in table.notes)
    # 社会消费品零售总额 has no figure anywhere: not reported, not noted
    assert not any("社会消费品零售总额" in note for note in b.notes)


@pytest.mark.usefixtures("seeded")
def test_clause_specs_are_data() -> None:
    b = build_bulletin(TONGNAN, PERIOD, clauses=[Clause("gy_tz", verb="完成", growth=True)])
    assert b.paragraphs == [
        "1月—2月,潼南区工业投资完成18.09亿元,同比增长22.5%,高于全市7.9个百分点,排名全市第17位。"
    ]
    assert [t.indicator_code for t in b.tables] == ["gy_tz"]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("region", "period", "code"),
    [
        ("999999", PERIOD, "region_unknown"),
        ("abc", PERIOD, "region_code_invalid"),
        (CITY, PERIOD, "region_not_county"),
        ("500152103", PERIOD, "region_not_county"),  # 古溪镇
        ("100000", PERIOD, "region_not_county"),
        (TONGNAN, "2022年第13个月", "period_unknown"),
        (TONGNAN, "2022年13月", "period_invalid"),
        (TONGNAN, "2023年1-2月", "bulletin_no_data"),
        (TONGNAN, "2022年3月", "bulletin_no_data"),
    ],
)
def test_errors_have_stable_codes(region: str, period: str, code: str) -> None:
    with pytest.raises(BulletinError) as caught:
        build_bulletin(region, period)
    assert caught.value.code == code
    assert caught.value.errors[0].code == code
    assert re.search(r"[\u4e00-\u9fff]", caught.value.message)  # a Chinese message


@pytest.mark.usefixtures("seeded")
def test_a_region_without_any_figure(tmp_path: Path) -> None:
    IndicatorValue.objects.filter(region__code=TONGNAN).delete()
    with pytest.raises(BulletinError) as caught:
        build_bulletin(TONGNAN, PERIOD)
    assert caught.value.code == "bulletin_no_data"
    assert "潼南区2022年1月—2月没有可通报的监测数据" in caught.value.message


@pytest.mark.usefixtures("seeded")
def test_roles_outside_government_are_refused(users: Any) -> None:
    for name in ("qiye", "yezhu"):
        with pytest.raises(ServiceError) as caught:
            build_bulletin(TONGNAN, PERIOD, user=users[name])
        assert caught.value.code == "permission_denied"
    assert build_bulletin(TONGNAN, PERIOD, user=users["guxi"]).paragraphs == [SEED_SENTENCE]


# --- tables and charts ------------------------------------------------------------------------------


def test_tables_and_charts(bulletin: Bulletin) -> None:
    assert [t.indicator_code for t in bulletin.tables] == [
        "gy_zs",
        "gy_zjz_zs",
        "gy_zcz",
        "gy_tz",
        "gy_jg_tz",
    ]
    for table in bulletin.tables:
        assert len(table.unit_rows) == COUNTY_UNITS
        assert [r.code for r in table.rows if r.highlight] == [TONGNAN]
    invest = next(t for t in bulletin.tables if t.indicator_code == "gy_tz")
    assert [c.label for c in invest.columns] == [
        "地区",
        "本期(亿元)",
        "上年同期(亿元)",
        "同比增长(%)",
        "全市排名",
        "考核组",
        "考核组排名",
    ]
    city = invest.rows[0]
    assert city.benchmark and city.cells[:4] == ["全市", Decimal("500"), Decimal("436.3"), Decimal("14.6")]
    tongnan = next(r for r in invest.rows if r.highlight)
    assert tongnan.cells[3:] == [Decimal("22.5"), 17, "主城新区", 9]
    ranks = [r.cells[invest.column("rank")] for r in invest.unit_rows]
    assert ranks == sorted(ranks)  # in rank order
    rate = next(t for t in bulletin.tables if t.indicator_code == "gy_zjz_zs")
    assert [r.name for r in rate.rows if r.benchmark] == ["重庆市", "全国"]
    tech = next(t for t in bulletin.tables if t.indicator_code == "gy_jg_tz")
    assert "上年同期(亿元)" not in [c.label for c in tech.columns]  # nobody has it: no empty column

    kinds = [c.kind for c in bulletin.charts]
    assert kinds == ["compare", "ranking", "ranking", "ranking", "ranking", "trend"]
    compare_chart = bulletin.charts[0]
    assert compare_chart.labels == [
        "规模以上工业增加值增速",
        "规上工业产值增速",
        "工业投资增速",
        "工业技改投资比重",
    ]
    assert [s.name for s in compare_chart.series] == ["潼南区", "全市", "全国"]
    assert compare_chart.series[0].values == [10.0, 16.5, 22.5, 40.9]
    assert compare_chart.series[1].values == [7.9, 13.0, 14.6, 34.1]
    invest_chart = next(c for c in bulletin.charts if c.title == "1月—2月各区县工业投资增速排名")
    assert len(invest_chart.labels) == COUNTY_UNITS
    assert invest_chart.highlight == 16 and invest_chart.labels[16] == "潼南区"
    assert invest_chart.reference == 14.6


# --- the files --------------------------------------------------------------------------------------


def test_text(bulletin: Bulletin) -> None:
    text = render(bulletin, "text").decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == bulletin.title
    assert lines[2] == "\u3000\u3000" + SEED_SENTENCE
    assert "表4 1月—2月各区县工业投资" in lines
    row = next(line for line in lines if line.startswith("潼南区") and "◀" in line and "18.09" in line)
    assert re.search(r"18\.09\s+14\.77\s+22\.5\s+17\s+主城新区\s+9 ◀$", row)


def test_docx(bulletin: Bulletin) -> None:
    from docx import Document

    data = render(bulletin, "docx")
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    # the official layout (GB/T 9704): the issuer's mark first, then the title; the text in
    # full-width punctuation (test_bulletin_official checks the layout itself)
    assert texts[0] == "重庆市潼南区经济和信息化委员会文件"
    assert "关于潼南区2022年1月—2月工业经济运行情况的通报" in texts  # the title as a notice names it
    assert official(SEED_SENTENCE) in texts
    tables = [t for t in doc.tables if t.rows and t.rows[0].cells[0].text == "地区"]
    assert len(tables) == len(bulletin.tables)
    invest = tables[3]
    header = [c.text for c in invest.rows[0].cells]
    assert header == [
        "地区",
        "本期（亿元）",
        "上年同期（亿元）",
        "同比增长（%）",
        "全市排名",
        "考核组",
        "考核组排名",
    ]
    names = [row.cells[0].text for row in invest.rows[1:]]
    assert len(names) == 1 + COUNTY_UNITS and names[0] == "全市"  # the city, then the 38 units
    tongnan = next(row for row in invest.rows if row.cells[0].text == "潼南区")
    assert [c.text for c in tongnan.cells] == ["潼南区", "18.09", "14.77", "22.5", "17", "主城新区", "9"]
    assert "w:fill=" in tongnan._tr.xml  # the region's own row is shaded
    assert len(doc.inline_shapes) == len(bulletin.charts)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        pictures = [n for n in zf.namelist() if n.startswith("word/media/")]
        assert len(pictures) == len(bulletin.charts)
        assert all(zf.read(n).startswith(b"\x89PNG") for n in pictures)
        document = zf.read("word/document.xml").decode("utf-8")
    # Word takes the font of Chinese text from w:eastAsia: the body names 仿宋_GB2312, the title
    # 方正小标宋简体, and no theme attribute overrides them
    assert 'w:eastAsia="仿宋_GB2312"' in document and 'w:eastAsia="方正小标宋简体"' in document
    assert "eastAsiaTheme" not in document


def test_pdf(bulletin: Bulletin) -> None:
    from tiaodu.monitoring.bulletin_render.fonts import cjk_font

    data = render(bulletin, "pdf")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    # the CJK TrueType font is embedded (subset) and every font used is embedded
    assert b"/FontFile2" in data
    base_fonts = set(re.findall(rb"/BaseFont /([\w+-]+)", data))
    assert base_fonts and all(b"+" in name for name in base_fonts), base_fonts  # subsets only
    if cjk_font().vendored:
        assert any(name.endswith(b"+NotoSerifSC-Regular") for name in base_fonts)  # 仿宋's stand-in
    assert data.count(b"/Subtype /Image") == len(bulletin.charts)
    text = pdf_text(data)
    flat = re.sub(r"\s+", "", text)
    assert official(SEED_SENTENCE) in flat
    assert "关于潼南区2022年1月—2月工业经济运行情况的通报" in flat
    assert "潼南区18.0914.7722.517主城新区9" in flat  # the 工业投资 row


def test_xlsx(bulletin: Bulletin) -> None:
    from openpyxl import load_workbook

    data = render(bulletin, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "通报"
    assert len(wb.sheetnames) == 1 + len(bulletin.tables)
    text = wb["通报"]
    assert text["A1"].value == bulletin.title
    assert text["A3"].value == SEED_SENTENCE
    ws = wb["表4 工业投资"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("表4 1月—2月各区县工业投资", None, None, None, None, None, None)
    assert rows[1][0] == "地区" and rows[2][0] == "全市"
    tongnan = next(r for r in rows if r[0] == "潼南区")
    assert tongnan[1:4] == (pytest.approx(18.09), pytest.approx(14.77), pytest.approx(22.5))
    assert all(isinstance(v, float) for v in tongnan[1:4])
    assert tongnan[4:] == (17, "主城新区", 9) and isinstance(tongnan[4], int)
    cell = next(c for c in ws["A"] if c.value == "潼南区")
    assert ws.cell(cell.row, 2).number_format == "0.00"
    assert ws.cell(cell.row, 4).number_format == "0.0"
    assert cell.fill.fgColor.rgb.endswith("FCE4D6")
    units = [r for r in rows[2:] if r[0] and r[0] not in ("全市", "全国") and r[5] is not None]
    assert len(units) == COUNTY_UNITS
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == len(bulletin.tables)  # a native ranking chart on each table sheet


# --- CLI --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_cli_text_and_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    call_command("bulletin", "--region", TONGNAN, "--period", PERIOD, stdout=out)
    text = out.getvalue()
    assert text.startswith("潼南区2022年1月—2月工业经济运行情况通报\n")
    assert SEED_SENTENCE in text

    target = tmp_path / "tn.docx"
    out = io.StringIO()
    call_command(
        "bulletin", "--region", TONGNAN, "--period", PERIOD, "--format", "docx", "-o", str(target), stdout=out
    )
    assert target.read_bytes().startswith(b"PK") and str(target) in out.getvalue()

    monkeypatch.chdir(tmp_path)  # without --output: a default name in the current directory
    out = io.StringIO()
    call_command("bulletin", "--region", TONGNAN, "--period", "2022年1-2月", "--format", "xlsx", stdout=out)
    assert (tmp_path / "bulletin-500152-2022-M01-02.xlsx").is_file()
    assert "bulletin-500152-2022-M01-02.xlsx" in out.getvalue()


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--region", "999999", "--period", PERIOD], "region_unknown"),
        (["--region", CITY, "--period", PERIOD], "region_not_county"),
        (["--region", TONGNAN, "--period", "某月"], "period_unknown"),
        (["--region", TONGNAN, "--period", "2023年1-2月"], "bulletin_no_data"),
        (["--region", TONGNAN, "--period", PERIOD, "--user", "nobody"], "user_unknown"),
        (["--region", TONGNAN, "--period", PERIOD, "--user", "qiye"], "permission_denied"),
    ],
)
def test_cli_errors(args: list[str], code: str) -> None:
    with pytest.raises(CommandError, match=rf"^{code}: "):
        call_command("bulletin", *args, stdout=io.StringIO())


@pytest.mark.usefixtures("seeded")
def test_cli_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    """As the console script runs it: the error on stderr, exit status 1."""
    from tiaodu.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["bulletin", "--region", TONGNAN, "--period", "2023年1-2月"])
    assert caught.value.code == 1
    assert "bulletin_no_data: 全市各区县2023年1月—2月没有监测数据" in capsys.readouterr().err


# --- web --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_page_for_the_leader(users: Any, client_for: Any) -> None:
    client = client_for(users["leader"])
    page = client.get(reverse("monitoring:bulletin"), {"region": TONGNAN, "period": "2022年1-2月"})
    assert page.status_code == 200
    html = page.content.decode()
    assert SEED_SENTENCE in html
    assert "潼南区2022年1月—2月工业经济运行情况通报" in html
    assert html.count('src="data:image/svg+xml;base64,') == 6
    assert html.count('class="table-warning fw-bold"') == 5
    assert 'data-region="500152" class="table-warning fw-bold"' in html
    # the download buttons post to the background job (ADR 0034)
    assert all(f'name="format" value="{fmt}"' in html for fmt in ("docx", "pdf", "xlsx"))
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)  # nothing from elsewhere
    # defaults: the leader's district and the latest period with figures
    assert SEED_SENTENCE in client.get(reverse("monitoring:bulletin")).content.decode()


@pytest.mark.usefixtures("seeded")
def test_page_for_a_township_user(users: Any, client_for: Any) -> None:
    """古溪镇's user gets 潼南区's bulletin by default and may choose any county unit of the city."""
    page = client_for(users["guxi"]).get(reverse("monitoring:bulletin"))
    assert page.status_code == 200
    html = page.content.decode()
    assert SEED_SENTENCE in html
    assert html.count('<option value="5001') + html.count('<option value="5002') == COUNTY_UNITS
    other = client_for(users["guxi"]).get(
        reverse("monitoring:bulletin"), {"region": "500101", "period": PERIOD}
    )
    assert other.status_code == 200 and "万州区2022年1月—2月工业经济运行情况通报" in other.content.decode()


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("text", "text/plain; charset=utf-8", "潼南区".encode()),
    ],
)
def test_downloads(users: Any, client_for: Any, fmt: str, content_type: str, magic: bytes) -> None:
    response = client_for(users["jxw"]).get(
        reverse("monitoring:bulletin_download"), {"region": TONGNAN, "period": PERIOD, "format": fmt}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bulletin-500152-2022-M01-02.')
    assert "filename*=UTF-8''" in disposition


@pytest.mark.usefixtures("seeded")
def test_page_errors(users: Any, client_for: Any) -> None:
    client = client_for(users["leader"])
    no_data = client.get(reverse("monitoring:bulletin"), {"region": TONGNAN, "period": "2023年1-2月"})
    assert no_data.status_code == 422
    assert "没有监测数据" in no_data.content.decode()
    bad = client.get(
        reverse("monitoring:bulletin_download"), {"region": TONGNAN, "period": PERIOD, "format": "exe"}
    )
    assert bad.status_code == 422 and "不支持的通报格式" in bad.content.decode()
    other_city = client.get(reverse("monitoring:bulletin"), {"region": "110101", "period": PERIOD})
    assert other_city.status_code == 422  # not among the county units offered


@pytest.mark.usefixtures("seeded")
def test_enterprise_and_owner_users_get_403(users: Any, client_for: Any) -> None:
    for name in ("qiye", "yezhu"):
        client = client_for(users[name])
        assert (
            client.get(reverse("monitoring:bulletin"), {"region": TONGNAN, "period": PERIOD}).status_code
            == 403
        )
        download = client.get(
            reverse("monitoring:bulletin_download"), {"region": TONGNAN, "period": PERIOD, "format": "pdf"}
        )
        assert download.status_code == 403


def test_anonymous_users_are_sent_to_login(client: Any) -> None:
    response = client.get(reverse("monitoring:bulletin"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- annual targets (月通报 section) and the demo ------------------------------------------------------


def test_targets_paragraph_follows_the_seed(seeded: None) -> None:
    from tiaodu.targets.services import set_target

    set_target(None, TONGNAN, "工业投资", 2022, value="100")
    b = build_bulletin(TONGNAN, PERIOD)
    assert b.paragraphs[0] == SEED_SENTENCE
    # 18.09 of 100 = 18.1%, time progress 2/12 = 16.7%: 1.4 points ahead
    assert b.paragraphs[1] == (
        "截至1月—2月(序时进度16.7%),潼南区1项年度目标中,超序时进度1项,符合序时进度0项,滞后序时进度0项。"
        "工业投资完成18.09亿元,占年度目标的18.1%,高于序时进度1.4个百分点。"
    )


@pytest.mark.django_db
def test_the_demo_bulletin_says_what_the_seed_says() -> None:
    from tiaodu.monitoring.demo import load_monitoring_demo

    load_monitoring_demo()
    assert build_bulletin(TONGNAN, PERIOD).paragraphs[0] == SEED_SENTENCE


# --- a composite index computed here ------------------------------------------------------------------


@pytest.fixture
def computed_index(seeded: None) -> Any:
    """The issue's example index (tiaodu index define / compute) over the seed period."""
    import json

    from tiaodu.monitoring.demo import COMPUTED_INDEX
    from tiaodu.monitoring.indexes import compute_index, define_index
    from tiaodu.monitoring.models import IndexValue

    define_index(None, json.dumps(COMPUTED_INDEX, ensure_ascii=False))
    compute_index(None, "gyzs", PERIOD)
    return IndexValue.objects.get(index__code="gyzs", region__code=TONGNAN, period__key="2022-M01-02")


def test_a_computed_index_is_stated_after_the_published_one(computed_index: Any) -> None:
    from tiaodu.monitoring.indexes import get_index, rank_interval

    stored = computed_index
    assert stored.rank is not None and stored.group_rank is not None
    expected = (
        f"工业经济运行监测指数{stored.value:.2f},排名全市第{stored.rank}位,考核组第{stored.group_rank}位"
    )
    with_index = build_bulletin(TONGNAN, PERIOD, indices=["gyzs"])
    published = "1月—2月,潼南区工业经济运行综合指数74.41,排名全市第12位;"
    assert with_index.paragraphs[0] == SEED_SENTENCE.replace(published, f"{published}{expected};")
    interval = rank_interval(get_index("gyzs"), PERIOD, TONGNAN)
    assert interval is not None and interval.text.startswith(f"第{stored.rank}位(90%区间")
    assert any(
        note.startswith("工业经济运行监测指数由本平台按指数定义“gyzs”测算,非重庆市发布;")
        and interval.text in note
        and "共1000次抽样(随机种子0)" in note
        for note in with_index.notes
    )
    # the seed's bulletin is unchanged unless the index is asked for
    assert build_bulletin(TONGNAN, PERIOD).paragraphs == [SEED_SENTENCE]


def test_a_computed_index_without_a_published_one_opens_the_paragraph(computed_index: Any) -> None:
    _delete(TONGNAN, "gy_zs")
    text = build_bulletin(TONGNAN, PERIOD, indices=["gyzs"]).paragraphs[0]
    assert text.startswith(f"1月—2月,潼南区工业经济运行监测指数{computed_index.value:.2f},排名全市第")
    assert ";规模以上工业增加值增速10%" in text


def test_index_clause_problems(computed_index: Any, tmp_path: Path) -> None:
    import json

    from tiaodu.monitoring.indexes import define_index

    with pytest.raises(BulletinError) as unknown:
        build_bulletin(TONGNAN, PERIOD, indices=["nope"])
    assert unknown.value.code == "index_unknown" and "nope" in unknown.value.message
    # an index over 潼南's townships does not rank the city's county units
    define_index(None, json.dumps({**_computed_spec(), "code": "tn_towns", "compare": TONGNAN}))
    with pytest.raises(BulletinError) as other:
        build_bulletin(TONGNAN, PERIOD, indices=["tn_towns"])
    assert other.value.code == "index_not_comparable"
    # defined but not computed for this period: left out, and the notes say so
    _import(tmp_path, [[TONGNAN, "2022年3月", "规模以上工业增加值增速", "9"]])
    march = build_bulletin(TONGNAN, "2022年3月", indices=["gyzs"])
    assert "监测指数" not in march.paragraphs[0]
    assert "工业经济运行监测指数2022年3月尚未计算(tiaodu index compute),通报未列此项" in march.notes


def _computed_spec() -> dict[str, Any]:
    from tiaodu.monitoring.demo import COMPUTED_INDEX

    return dict(COMPUTED_INDEX)


def test_index_clause_from_the_cli_and_the_page(computed_index: Any, users: Any, client_for: Any) -> None:
    out = io.StringIO()
    call_command("bulletin", "--region", TONGNAN, "--period", PERIOD, "--index", "gyzs", stdout=out)
    assert (
        f"工业经济运行监测指数{computed_index.value:.2f},排名全市第{computed_index.rank}位" in out.getvalue()
    )
    with pytest.raises(CommandError, match=r"^index_unknown: "):
        call_command(
            "bulletin", "--region", TONGNAN, "--period", PERIOD, "--index", "nope", stdout=io.StringIO()
        )

    client = client_for(users["leader"])
    plain = client.get(reverse("monitoring:bulletin"), {"region": TONGNAN, "period": PERIOD}).content.decode()
    assert '<option value="gyzs">工业经济运行监测指数</option>' in plain
    assert f"工业经济运行监测指数{computed_index.value:.2f}" not in plain and SEED_SENTENCE in plain
    page = client.get(reverse("monitoring:bulletin"), {"region": TONGNAN, "period": PERIOD, "index": "gyzs"})
    html = page.content.decode()
    assert page.status_code == 200
    assert f"工业经济运行监测指数{computed_index.value:.2f},排名全市第{computed_index.rank}位" in html
    assert '<input type="hidden" name="index" value="gyzs">' in html
    docx = client.get(
        reverse("monitoring:bulletin_download"),
        {"region": TONGNAN, "period": PERIOD, "index": "gyzs", "format": "text"},
    )
    assert f"工业经济运行监测指数{computed_index.value:.2f}" in docx.content.decode()
    refused = client.get(
        reverse("monitoring:bulletin"), {"region": TONGNAN, "period": PERIOD, "index": "nope"}
    )
    assert refused.status_code == 422
