"""安全生产工作情况: the work-safety figures of a district (or a township) for a period, in words.

``safety_report(region, date_from, date_to, user=None)`` takes every figure from
:func:`tiaodu.safety.queries.figures` (five aggregate queries over the dated records; the
definitions are there) and the accident-free run from
:func:`tiaodu.safety.accidents.accident_free_run`, and writes them the way the seed does:

    全区在18个行业共计开展执法检查5093家次,发现问题隐患5814条,处罚责任单位860家,发出警告277次,
    责令停产停业6家,执行经济处罚201.92万元

then the rectification (已整改N条,整改率X%,已验收销号N条, as of the end date), the 重大隐患 found in
the period and open / closed on the end date, the hazards carrying a 红牌 / 黄牌 on the end date,
the enterprises' self-inspections (企业自查, apart), and "全区连续N个月未发生较大及以上事故" as of the
end date. Tables per sector (行业领域, the sector a fact had when recorded), inspecting / enforcing
department and township. ``tiaodu report safety --region CODE --from DATE --to DATE`` prints it;
the web page and its xlsx are :mod:`tiaodu.safety.views_report`, the API ``GET
/api/v1/safety/report``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tiaodu.core import figures as fig
from tiaodu.enterprises.report import format_table
from tiaodu.regions.choices import Level
from tiaodu.safety import queries
from tiaodu.safety.queries import MajorStock, SafetyFigures, Tally

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region
    from tiaodu.safety.accidents import AccidentFreeRun


def fines_wan(tally: Tally) -> Decimal:
    """罚款 in 万元 (stored in 元)."""
    return fig.yuan_to_wan(tally.fines)


def rectify_rate(tally: Tally) -> Decimal | None:
    return fig.ratio(tally.rectified, tally.hazards)


# The columns of the three tables: label, value of a row (a number, or None for "—").
Column = tuple[str, Callable[[Tally], Any]]
COLUMNS: tuple[Column, ...] = (
    ("执法检查(家次)", lambda t: t.inspections),
    ("其中联合检查", lambda t: t.joint),
    ("企业自查(次)", lambda t: t.self_inspections),
    ("发现隐患(条)", lambda t: t.hazards),
    ("其中重大隐患", lambda t: t.major),
    ("已整改(条)", lambda t: t.rectified),
    ("整改率(%)", rectify_rate),
    ("已验收销号(条)", lambda t: t.accepted),
    ("处罚责任单位(家)", lambda t: t.penalised_units),
    ("警告(次)", lambda t: t.warnings),
    ("责令停产停业(家)", lambda t: t.suspended_units),
    ("罚款(万元)", fines_wan),
    ("逾期红牌(条)", lambda t: t.red),
    ("逾期黄牌(条)", lambda t: t.yellow),
)
MONEY_COLUMNS = ("罚款(万元)",)
TABLES = (("by_sector", "行业领域"), ("by_department", "部门"), ("by_township", "镇街"))


def _text(value: Any) -> str:
    if value is None:
        return fig.NO_VALUE
    return fig.number(value) if isinstance(value, Decimal) else str(value)


def whole_of(region: Region) -> str:
    """How a report names its whole area: "全区" / "全县" for a district, the name of a township."""
    if region.level == Level.COUNTY:
        return f"全{region.name[-1]}"
    return str(region.name)


@dataclass
class SafetyReport:
    region_code: str
    region_name: str
    region_level: int
    date_from: date
    date_to: date
    whole: str
    district_whole: str
    figures: SafetyFigures
    run: AccidentFreeRun | None = None
    tables: dict[str, list[Tally]] = field(default_factory=dict)

    @property
    def total(self) -> Tally:
        return self.figures.total

    @property
    def major(self) -> MajorStock:
        return self.figures.major

    @property
    def title(self) -> str:
        return f"{self.region_name}安全生产工作情况({fig.cn_period(self.date_from, self.date_to)})"

    # --- words ---------------------------------------------------------------------------------

    def sentences(self) -> dict[str, str]:
        t, m, on = self.total, self.major, fig.cn_date(self.date_to)
        s = {
            "enforcement": (
                f"{self.whole}在{fig.count(len(t.sectors), '个')}行业共计开展执法检查{fig.count(t.inspections, '家次')},"
                f"发现问题隐患{fig.count(t.hazards, '条')},处罚责任单位{fig.count(t.penalised_units, '家')},"
                f"发出警告{fig.count(t.warnings, '次')},责令停产停业{fig.count(t.suspended_units, '家')},"
                f"执行经济处罚{fig.amount(fines_wan(t), '万元')}"
            )
        }
        if t.hazards:
            s["rectification"] = (
                f"截至{on},已整改隐患{fig.count(t.rectified, '条')},整改率{fig.share(t.rectified, t.hazards)},"
                f"已验收销号{fig.count(t.accepted, '条')}"
            )
        if m.found_in_range or m.open or m.closed:
            s["major"] = (
                f"期内发现重大隐患{fig.count(m.found_in_range, '条')}、验收销号{fig.count(m.closed_in_range, '条')};"
                f"截至{on},重大隐患累计销号{fig.count(m.closed, '条')},尚未销号{fig.count(m.open, '条')}"
                + (f"(挂牌督办{fig.count(m.supervised_open, '条')})" if m.supervised_open else "")
            )
        if t.overdue:
            s["overdue"] = (
                f"截至{on},逾期未整改挂牌隐患{fig.count(t.overdue, '条')},"
                f"其中红牌{fig.count(t.red, '条')}、黄牌{fig.count(t.yellow, '条')}"
            )
        else:
            s["overdue"] = f"截至{on},无逾期挂牌隐患"
        if t.self_inspections or t.self_hazards:
            s["self"] = (
                f"企业开展自查{fig.count(t.self_inspections, '次')},自查发现隐患{fig.count(t.self_hazards, '条')}"
            )
        if self.run is not None and self.run.months:  # "连续0个月" says nothing
            s["accident_free"] = f"{self.district_whole}{self.run.text()}"
        return s

    @property
    def paragraph(self) -> str:
        return ";".join(self.sentences().values()) + "。"

    # --- numbers -------------------------------------------------------------------------------

    def key_figures(self) -> list[tuple[str, str]]:
        t, m = self.total, self.major
        rows = [
            ("涉及行业(个)", str(len(t.sectors))),
            ("执法检查(家次)", str(t.inspections)),
            ("其中联合检查(家次)", str(t.joint)),
            ("日常巡查(次)", str(t.patrols)),
            ("发现问题隐患(条)", str(t.hazards)),
            ("其中重大隐患(条)", str(t.major)),
            ("已整改(条)", str(t.rectified)),
            ("整改率", fig.share(t.rectified, t.hazards)),
            ("已验收销号(条)", str(t.accepted)),
            ("处罚决定书(份)", str(t.decisions)),
            ("处罚责任单位(家)", str(t.penalised_units)),
            ("发出警告(次)", str(t.warnings)),
            ("责令停产停业(家)", str(t.suspended_units)),
            ("经济处罚(万元)", fig.number(fines_wan(t))),
            ("没收违法所得(万元)", fig.number(fig.yuan_to_wan(t.confiscated))),
            ("期内发现重大隐患(条)", str(m.found_in_range)),
            ("期内重大隐患验收销号(条)", str(m.closed_in_range)),
            ("截至日重大隐患累计销号(条)", str(m.closed)),
            ("截至日重大隐患未销号(条)", str(m.open)),
            ("其中挂牌督办(条)", str(m.supervised_open)),
            ("其中缺治理方案(条)", str(m.missing_plan_open)),
            ("截至日逾期红牌隐患(条)", str(t.red)),
            ("截至日逾期黄牌隐患(条)", str(t.yellow)),
            ("企业自查(次)", str(t.self_inspections)),
            ("企业自查发现隐患(条)", str(t.self_hazards)),
        ]
        if self.run is not None:
            rows.append(("连续未发生较大及以上事故(月)", str(self.run.months)))
        return rows

    @staticmethod
    def header(first: str) -> list[str]:
        return [first, *(label for label, _value in COLUMNS)]

    def rows(self, name: str, *, text: bool = False) -> list[list[Any]]:
        """A table's rows (``name``: by_sector, by_department, by_township) and its 合计 row;
        numbers as numbers, or as text when ``text``."""
        out = []
        for tally in [*self.tables[name], self.total]:
            values = [value(tally) for _label, value in COLUMNS]
            label = tally.name if tally is not self.total else "合计"
            out.append([label, *(_text(v) if text else v for v in values)])
        return out

    def text(self) -> str:
        lines = [self.title, "", self.paragraph, ""]
        lines += [f"{label}:{value}" for label, value in self.key_figures()]
        for name, first in TABLES:
            if self.tables[name]:
                lines += ["", f"按{first}", *format_table([self.header(first), *self.rows(name, text=True)])]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return str(value.quantize(Decimal("0.01")))
            if isinstance(value, date):
                return value.isoformat()
            return value

        def tally(t: Tally) -> dict[str, Any]:
            return {
                "key": t.key,
                "name": t.name,
                "sectors": len(t.sectors),
                "inspections": t.inspections,
                "joint": t.joint,
                "patrols": t.patrols,
                "self_inspections": t.self_inspections,
                "hazards": t.hazards,
                "major": t.major,
                "rectified": t.rectified,
                "rectify_rate": plain(rectify_rate(t)),
                "accepted": t.accepted,
                "self_hazards": t.self_hazards,
                "decisions": t.decisions,
                "penalised_units": t.penalised_units,
                "warnings": t.warnings,
                "suspended_units": t.suspended_units,
                "fines_yuan": plain(t.fines),
                "fines_wan": plain(fines_wan(t)),
                "confiscated_yuan": plain(t.confiscated),
                "red": t.red,
                "yellow": t.yellow,
            }

        run = self.run
        return {
            "region_code": self.region_code,
            "region_name": self.region_name,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "title": self.title,
            "totals": tally(self.total),
            "major": asdict(self.major),
            "accident_free": None
            if run is None
            else {
                "months": run.months,
                "since": run.since.isoformat(),
                "last_serious_on": run.last_serious.occurred_on.isoformat() if run.last_serious else None,
            },
            "by_sector": [tally(t) for t in self.tables["by_sector"]],
            "by_department": [tally(t) for t in self.tables["by_department"]],
            "by_township": [tally(t) for t in self.tables["by_township"]],
            "sentences": self.sentences(),
            "paragraph": self.paragraph,
        }


def safety_report(
    region_code: str | Region, date_from: date, date_to: date, user: User | None = None
) -> SafetyReport:
    """The safety report of a district or a township for the period, within ``user``'s scope."""
    from tiaodu.safety.accidents import accident_free_run

    found = queries.figures(region_code, date_from, date_to, user=user)
    place = found.region
    district = queries.district_of(place)
    report = SafetyReport(
        place.code,
        place.name,
        place.level,
        date_from,
        date_to,
        whole_of(place),
        whole_of(district),
        found,
        run=accident_free_run(district, date_to),
        tables={
            "by_sector": queries.ordered(found.by_sector),
            "by_department": queries.ordered(found.by_department),
            "by_township": queries.ordered(found.by_township),
        },
    )
    return report


CLI_REPORTS = {"safety": ("安全生产工作情况", safety_report)}
