"""稳就业工作情况: the employment figures of a district (or a township) for a period, in words.

``employment_report(region_code, start, end, user=None)`` takes every figure from
:func:`tiaodu.employment.queries.figures` (the exact definitions are in that module's docstring)
and writes them the way the seeds do:

    举办春风行动专场招聘会5场,23家企业提供岗位1200个,200余人与企业达成初步求职意向
    (the same sentence for each other kind of fair held: 赶场天专场招聘会, 园区招聘会, 网络招聘会)
    收集企业用工需求2000余人
    开行求职专车10趟,接送求职者300人
    企业录用求职者N人,入职N人
    入职满30天回访N人,在岗N人,在岗率X%  (and 满90天)
    缺工较多的职业:<中类>N人、…  (the three largest shortages)

Which counts are rounded with 余 (``figures.about``): the people with an intention at the fairs
and the demand collected, as the seeds write them; fairs, enterprises, positions, trips, riders,
hires and follow-ups are exact. A sentence whose figures are all nought is left out (a period
without fairs says nothing about fairs).

Tables: per township (``TOWNSHIP_COLUMNS``; the 合计 row is the whole region, whose distinct
counts — enterprises, jobseekers, trips — are not the sums of the rows), fairs per kind
(``FAIR_COLUMNS``) and 缺工 per occupation (中类, ``SHORTAGE_COLUMNS``).
``tiaodu report employment --region CODE --from DATE --to DATE [--user NAME] [--format json]``
prints it; the page and its xlsx are :mod:`tiaodu.employment.views_report`, the API is
``GET /api/v1/employment/report?region=&from=&to=``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from tiaodu.core import figures as fig
from tiaodu.employment import queries
from tiaodu.employment.queries import EmploymentFigures, FairLine, Shortage, Tally
from tiaodu.enterprises.report import format_table
from tiaodu.regions.choices import Level

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region

TITLE = "稳就业工作情况"
TOP_SHORTAGES = 3

Column = tuple[str, str, Callable[[Any], Any]]  # key, label, value (a number, or None for "—")
TOWNSHIP_COLUMNS: tuple[Column, ...] = (
    ("fairs", "招聘会(场)", lambda t: len(t.fairs)),
    ("fair_enterprises", "参会企业(家)", lambda t: len(t.fair_enterprises)),
    ("positions", "提供岗位(个)", lambda t: t.positions),
    ("fair_jobseekers", "招聘会达成意向(人)", lambda t: len(t.fair_jobseekers)),
    ("demand", "用工需求(人)", lambda t: t.demand),
    ("trips", "求职专车(趟)", lambda t: len(t.trips)),
    ("riders", "乘车求职者(人)", lambda t: len(t.riders)),
    ("intended", "达成意向(人)", lambda t: len(t.intended)),
    ("hired", "录用(人)", lambda t: len(t.hired)),
    ("started", "入职(人)", lambda t: len(t.started)),
    ("checked_30", "30天回访(人)", lambda t: t.checked_30),
    ("employed_30", "30天在岗(人)", lambda t: t.employed_30),
    ("retention_30", "30天在岗率(%)", lambda t: fig.ratio(t.employed_30, t.checked_30)),
    ("checked_90", "90天回访(人)", lambda t: t.checked_90),
    ("employed_90", "90天在岗(人)", lambda t: t.employed_90),
    ("retention_90", "90天在岗率(%)", lambda t: fig.ratio(t.employed_90, t.checked_90)),
)
FAIR_COLUMNS: tuple[Column, ...] = (
    ("fairs", "场次", lambda f: len(f.fairs)),
    ("enterprises", "参会企业(家)", lambda f: len(f.enterprises)),
    ("positions", "提供岗位(个)", lambda f: f.positions),
    ("jobseekers", "达成意向(人)", lambda f: len(f.jobseekers)),
)
SHORTAGE_COLUMNS: tuple[Column, ...] = (
    ("demand", "用工需求(人)", lambda s: s.demand),
    ("hires", "录用(人)", lambda s: s.hires),
    ("shortage", "缺工(人)", lambda s: s.shortage),
)
# name, heading, first column's label
TABLES = (
    ("by_township", gettext_noop("按镇街"), "镇街"),
    ("by_fair_kind", gettext_noop("按招聘会类型"), "招聘会类型"),
    ("by_occupation", gettext_noop("缺工按职业(中类)"), "职业"),
)


def _text(value: Any) -> str:
    if value is None:
        return fig.NO_VALUE
    return fig.number(value) if isinstance(value, Decimal) else str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return fig.number(value)
    return value


def whole_of(region: Region) -> str:
    """How a report names its whole area: "全区" / "全县" for a district, the township's name."""
    if region.level == Level.COUNTY:
        return f"全{region.name[-1]}"
    return str(region.name)


@dataclass
class EmploymentReport:
    region_code: str
    region_name: str
    date_from: date
    date_to: date
    whole: str
    figures: EmploymentFigures

    @property
    def total(self) -> Tally:
        return self.figures.total

    @property
    def title(self) -> str:
        return f"{self.region_name}{TITLE}({fig.cn_period(self.date_from, self.date_to)})"

    # --- words ---------------------------------------------------------------------------------

    def sentences(self) -> list[str]:
        t = self.total
        out = [
            f"举办{line.words}{fig.count(len(line.fairs), '场')},{fig.count(len(line.enterprises), '家')}企业"
            f"提供岗位{fig.count(line.positions, '个')},{fig.about(len(line.jobseekers), '人')}"
            "与企业达成初步求职意向"
            for line in self.figures.fair_lines()
        ]
        if t.demand:
            out.append(f"收集企业用工需求{fig.about(t.demand, '人')}")
        if t.trips:
            out.append(
                f"开行求职专车{fig.count(len(t.trips), '趟')},接送求职者{fig.count(len(t.riders), '人')}"
            )
        if t.hired or t.started:
            out.append(f"企业录用求职者{fig.count(len(t.hired), '人')},入职{fig.count(len(t.started), '人')}")
        for days, checked, employed in ((30, t.checked_30, t.employed_30), (90, t.checked_90, t.employed_90)):
            if checked:
                out.append(
                    f"入职满{days}天回访{fig.count(checked, '人')},在岗{fig.count(employed, '人')},"
                    f"在岗率{fig.share(employed, checked)}"
                )
        short = [s for s in self.figures.occupations() if s.shortage > 0 and s.code != queries.UNCLASSIFIED]
        if short:
            top = fig.join(f"{s.name}{fig.count(s.shortage, '人')}" for s in short[:TOP_SHORTAGES])
            out.append(f"缺工较多的职业:{top}")
        return out

    @property
    def paragraph(self) -> str:
        found = self.sentences()
        if not found:
            return f"{self.whole}期内无招聘会、用工需求、求职专车和就业记录。"
        return ";".join(found) + "。"

    # --- numbers -------------------------------------------------------------------------------

    def key_figures(self) -> list[tuple[str, str]]:
        t = self.total
        return [
            ("招聘会(场)", str(len(t.fairs))),
            ("参会企业(家)", str(len(t.fair_enterprises))),
            ("提供岗位(个)", str(t.positions)),
            ("招聘会达成意向(人)", str(len(t.fair_jobseekers))),
            ("用工需求(人)", str(t.demand)),
            ("其中企业服务收集的用工需求(人)", str(t.demand_needs)),
            ("其中发布岗位招聘人数(人)", str(t.demand_vacancies)),
            ("求职专车(趟)", str(len(t.trips))),
            ("乘车求职者(人)", str(len(t.riders))),
            ("达成意向(人)", str(len(t.intended))),
            ("录用(人)", str(len(t.hired))),
            ("入职(人)", str(len(t.started))),
            ("30天回访(人)", str(t.checked_30)),
            ("30天在岗(人)", str(t.employed_30)),
            ("30天在岗率", fig.share(t.employed_30, t.checked_30)),
            ("90天回访(人)", str(t.checked_90)),
            ("90天在岗(人)", str(t.employed_90)),
            ("90天在岗率", fig.share(t.employed_90, t.checked_90)),
        ]

    @staticmethod
    def columns(name: str) -> tuple[Column, ...]:
        return {
            "by_township": TOWNSHIP_COLUMNS,
            "by_fair_kind": FAIR_COLUMNS,
            "by_occupation": SHORTAGE_COLUMNS,
        }[name]

    def header(self, name: str) -> list[str]:
        first = next(label for key, _heading, label in TABLES if key == name)
        return [first, *(label for _key, label, _value in self.columns(name))]

    def _groups(self, name: str) -> list[tuple[str, Any]]:
        """The labelled rows of a table, with its 合计 row."""
        if name == "by_township":
            rows: list[tuple[str, Any]] = [(t.name, t) for t in self.figures.townships()]
            return [*rows, ("合计", self.total)]
        if name == "by_fair_kind":
            lines = self.figures.fair_lines()
            total = FairLine("", "合计")
            for line in lines:
                total.fairs |= line.fairs
                total.enterprises |= line.enterprises
                total.vacancies |= line.vacancies
                total.jobseekers |= line.jobseekers
            total.positions = self.total.positions
            return [*((line.words, line) for line in lines), ("合计", total)] if lines else []
        shortages = self.figures.occupations()
        total_s = Shortage("", "合计", sum(s.demand for s in shortages), sum(s.hires for s in shortages))
        items = [(s.name if not s.code else f"{s.code} {s.name}", s) for s in shortages]
        return [*items, ("合计", total_s)] if items else []

    def rows(self, name: str, *, text: bool = False) -> list[list[Any]]:
        """A table's rows (``name``: by_township, by_fair_kind, by_occupation) ending with its 合计
        row; numbers as numbers, or as text when ``text``."""
        out = []
        for label, group in self._groups(name):
            values = [value(group) for _key, _label, value in self.columns(name)]
            out.append([label, *(_text(v) if text else v for v in values)])
        return out

    def text(self) -> str:
        lines = [self.title, "", self.paragraph, ""]
        lines += [f"{label}:{value}" for label, value in self.key_figures()]
        for name, heading, _first in TABLES:
            rows = self.rows(name, text=True)
            if rows:
                lines += ["", heading, *format_table([self.header(name), *rows])]
        return "\n".join(lines) + "\n"

    def table_dicts(self, name: str) -> list[dict[str, Any]]:
        """A table as objects (the API's and ``--format json``'s ``tables``)."""
        out = []
        for label, group in self._groups(name):
            item: dict[str, Any] = {"name": label}
            if name == "by_township":
                item["code"] = group.key
            elif name == "by_fair_kind":
                item["kind"] = group.kind
            else:
                item["code"] = group.code
            item.update({key: _plain(value(group)) for key, _label, value in self.columns(name)})
            out.append(item)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "region_code": self.region_code,
            "region_name": self.region_name,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "title": self.title,
            "sentences": self.sentences(),
            "paragraph": self.paragraph,
            "key_figures": [{"label": label, "value": value} for label, value in self.key_figures()],
            "tables": {name: self.table_dicts(name) for name, _heading, _first in TABLES},
        }


def employment_report(
    region_code: str | Region, start: date, end: date, *, user: User | None = None
) -> EmploymentReport:
    """The employment report of a district or a township for the period, within ``user``'s scope
    (see :mod:`tiaodu.employment.queries`)."""
    found = queries.figures(region_code, start, end, user=user)
    place = found.region
    return EmploymentReport(place.code, place.name, start, end, whole_of(place), found)


CLI_REPORTS = {"employment": (TITLE, employment_report)}
