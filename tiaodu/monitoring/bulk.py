# SQL here is built from identifiers of the models' metadata and generated column names (c0, c1 …);
# every value from the file or the user is a parameter or stays in the database.
# ruff: noqa: S608
"""The bulk path for very large enterprise files (``tiaodu load_enterprise_data FILE.csv``).

The shared import framework reads every cell in Python and keeps the rows in memory: right for
the files people upload (thousands of rows), not for a city's 500,000 enterprises × 12 months ×
10 indicators (6 million rows, 60 million figures). On PostgreSQL this loader does the same job
set-based, with the same rules and the same outcome:

1. the header is read in Python (title rows, the Chinese headers and aliases of ``tiaodu import
   enterprise-data``, long or wide form, UTF-8 or GBK/GB18030);
2. the data rows are streamed into a temporary table with ``COPY`` (PostgreSQL transcodes GBK);
3. every check runs as one query over all rows — unknown or malformed credit codes, unknown
   period forms (each distinct text parsed by :func:`~tiaodu.monitoring.periods.parse_period`),
   non-numbers, percentages where levels are expected, duplicates with different values, the
   actor's scope — and reports the spreadsheet row numbers (the first 1,000 problems);
4. all or nothing: with any problem nothing is written; otherwise one ``INSERT … SELECT``
   unpivots the wide rows into figures, versioned like every import (an equal current figure is
   unchanged, a different one is retired and succeeded by version + 1), in one transaction;
5. the run is recorded as an ``ImportBatch`` with its audit entry, like any import.

On SQLite (the embedded demo) it hands the file to the framework import unchanged.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import DataError, connection, transaction

from tiaodu.core.errors import FieldError, Forbidden
from tiaodu.core.imports import (
    BINARY_MAGIC,
    HEADER_SCAN_ROWS,
    MAX_STORED_ERRORS,
    ImportResult,
    record_batch,
    run_import,
)
from tiaodu.monitoring.choices import IndicatorKind, ValueOrigin
from tiaodu.monitoring.imports import NO_FIGURE, EnterpriseDataImporter, header_unit_problems
from tiaodu.monitoring.models import EnterpriseValue, Indicator, figure_enterprises
from tiaodu.monitoring.periods import PeriodError, parse_period
from tiaodu.monitoring.services import name_key, new_source, period_row

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

KIND = "enterprise-data"
HEAD_BYTES = 256 * 1024
COPY_CHUNK = 1 << 20
NUMBER_RE = r"^[+-]?([0-9]{1,16}([.][0-9]*)?|[.][0-9]+)$"
CODE_HEADERS = ("统一社会信用代码", "信用代码", "社会信用代码")
PERIOD_HEADERS = ("期别", "报告期", "统计期", "时期", "期间")
NAME_HEADERS = ("企业名称",)
INDICATOR_HEADERS = ("指标", "指标名称", "指标代码")
VALUE_HEADERS = ("数值", "值", "本期数", "累计数", "本期累计")


class _Refused(Exception):
    pass


class _Rollback(Exception):
    pass


def _check_file(path: Path) -> None:
    """Not empty and really text (no size limit: this is the CLI path for very large files)."""
    if os.path.getsize(path) == 0:
        raise _Refused("file_empty", "文件是空的")
    with path.open("rb") as fh:
        if fh.read(8).startswith(BINARY_MAGIC):
            raise _Refused("file_content_mismatch", "文件内容不是 CSV 文本(与扩展名不符)")


@dataclass
class Layout:
    """Where things are in the file."""

    encoding: str  # for COPY: UTF8 or GB18030
    delimiter: str
    header_row: int  # 1-based row of the header
    data_offset: int  # byte offset of the first data row
    columns: int
    code: int
    period: int
    name: int | None = None
    indicator: int | None = None  # long form
    value: int | None = None
    wide: dict[int, int] = field(default_factory=dict)  # column → indicator id


def _decode_head(head: bytes) -> tuple[str, str, int]:
    """(text, COPY encoding, BOM length) of the file's first bytes."""
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:].decode("utf-8", errors="ignore"), "UTF8", 3
    cut = head[: head.rfind(b"\n") + 1] or head
    try:
        return cut.decode("utf-8"), "UTF8", 0
    except UnicodeDecodeError:
        return cut.decode("gb18030", errors="replace"), "GB18030", 0


def _header_key(cell: str) -> str:
    key = name_key(cell).replace("(必填)", "").replace("(选填)", "")
    return key


def read_layout(path: Path) -> Layout:
    """Find the header and map the columns; raises :class:`_Refused` with the file's problem."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    text, encoding, bom = _decode_head(head)
    lines = text.splitlines(keepends=True)[: HEADER_SCAN_ROWS + 1]
    first = lines[0] if lines else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    importer = EnterpriseDataImporter()
    by_name: dict[str, int] = {}
    for column in importer.columns:
        if column.field.startswith("ind:"):
            for n in column.names:
                by_name[_header_key(n)] = int(column.field.split(":")[1])
    indicators = {i.pk: i for i in Indicator.objects.all()}
    for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        keys = [_header_key(c) for c in row]

        def find(names: tuple[str, ...], keys: list[str] = keys) -> int | None:
            wanted = {_header_key(n) for n in names}
            return next((i for i, k in enumerate(keys) if k in wanted), None)

        code, period = find(CODE_HEADERS), find(PERIOD_HEADERS)
        if code is None or period is None:
            continue
        layout = Layout(encoding, delimiter, number, 0, len(row), code, period, find(NAME_HEADERS))
        layout.indicator, layout.value = find(INDICATOR_HEADERS), find(VALUE_HEADERS)
        for i, k in enumerate(keys):
            if k in by_name and i not in (code, period):
                ind = indicators[by_name[k]]
                if ind.kind == IndicatorKind.LEVEL:
                    layout.wide[i] = ind.pk
        mapped = {c for c in (code, period, layout.name, layout.indicator, layout.value) if c is not None}
        problems = header_unit_problems(
            row, mapped | set(layout.wide), lambda i: i.kind == IndicatorKind.LEVEL, number
        )
        if problems:  # "工业投资(%)", "营业收入(亿元)": as the framework import refuses them
            raise _Refused(problems[0].code, f"第{number}行(表头):{problems[0].message}")
        if layout.indicator is None and not layout.wide:
            raise _Refused(
                "header_missing", "缺少指标数据列:长表需要“指标”和“数值”两列,宽表需要以指标名称为表头的列"
            )
        if layout.indicator is not None and layout.value is None:
            raise _Refused("header_missing", "长表缺少“数值”列")
        raw_lines = head[bom:].splitlines(keepends=True)
        layout.data_offset = bom + sum(len(line) for line in raw_lines[:number])
        return layout
    raise _Refused("header_missing", "找不到表头:前10行中没有“统一社会信用代码”和“期别”列")


def _chunks(path: Path, offset: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(offset)
        while chunk := fh.read(COPY_CHUNK):
            yield chunk


def _col(i: int) -> str:
    return f"c{i}"


def _blank(expr: str) -> str:
    marks = ", ".join("'" + m.replace("'", "''") + "'" for m in sorted(NO_FIGURE))
    return f"(btrim(coalesce({expr}, '')) = '' OR btrim({expr}) IN ({marks}))"


def _num(expr: str) -> str:
    return f"replace(btrim({expr}), ',', '')"


class _Run:
    """One bulk load inside its transaction."""

    def __init__(self, layout: Layout, actor: User | None) -> None:
        self.layout = layout
        self.actor = actor
        self.errors: list[FieldError] = []
        self.error_count = 0
        self.bad_rows: set[int] = set()
        self.cursor = connection.cursor()
        self.headers = {layout.code: "统一社会信用代码", layout.period: "期别"}
        self.rows = 0
        self.clean = True  # try reading every figure cell as a plain number

    def row_number(self, line: int) -> int:
        return self.layout.header_row + line

    def report(self, sql: str, params: list[Any], field_name: str, code: str, message: Any) -> None:
        """Each (line, detail) the query returns is a row error; ``message(detail)`` says it."""
        self.cursor.execute(sql, params)
        for line, detail in self.cursor.fetchall():
            self.error_count += 1
            self.bad_rows.add(self.row_number(line))
            if len(self.errors) < MAX_STORED_ERRORS:
                self.errors.append(FieldError(field_name, code, message(detail), self.row_number(line)))

    def execute(self, sql: str, params: list[Any] | None = None) -> int:
        self.cursor.execute(sql, params or [])
        return int(self.cursor.rowcount)


def _copy(run: _Run, path: Path) -> int:
    layout = run.layout
    cols = ", ".join(f"{_col(i)} text" for i in range(layout.columns))
    run.execute("DROP TABLE IF EXISTS mon_stage")
    run.execute(
        f"CREATE TEMPORARY TABLE mon_stage (line bigint GENERATED ALWAYS AS IDENTITY, {cols}) ON COMMIT DROP"
    )
    names = ", ".join(_col(i) for i in range(layout.columns))
    delimiter = "E'\\t'" if layout.delimiter == "\t" else "','"
    sql = f"COPY mon_stage ({names}) FROM STDIN WITH (FORMAT csv, DELIMITER {delimiter}, ENCODING '{layout.encoding}')"
    raw = run.cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(sql) as copy:
        for chunk in _chunks(path, layout.data_offset):
            copy.write(chunk)
    value_cols = list(layout.wide) + ([layout.value] if layout.value is not None else [])
    keep = " OR ".join(f"NOT {_blank(_col(i))}" for i in [layout.code, layout.period, *value_cols])
    run.execute(f"DELETE FROM mon_stage WHERE NOT ({keep})")
    run.cursor.execute("SELECT count(*) FROM mon_stage")
    return int(run.cursor.fetchone()[0])


def _check(run: _Run) -> None:
    """Every check over all rows at once; fills the staging table's key columns."""
    from tiaodu.enterprises.models import Enterprise

    layout = run.layout
    code, period = _col(layout.code), _col(layout.period)
    ent = Enterprise._meta.db_table
    # periods: each distinct text parsed once
    run.cursor.execute(f"SELECT DISTINCT btrim(coalesce({period}, '')) FROM mon_stage")
    texts = [t for (t,) in run.cursor.fetchall()]
    mapping: list[tuple[str, int]] = []
    problems: dict[str, tuple[str, str]] = {}
    for text in texts:
        try:
            mapping.append((text, period_row(parse_period(text)).pk))
        except PeriodError as exc:
            problems[text] = (exc.detail_code, exc.errors[0].message)
    run.execute("DROP TABLE IF EXISTS mon_periods")
    run.execute(
        "CREATE TEMPORARY TABLE mon_periods (text text PRIMARY KEY, period_id integer) ON COMMIT DROP"
    )
    if mapping:
        run.cursor.executemany("INSERT INTO mon_periods VALUES (%s, %s)", mapping)
    # the keys, in one pass (rather than one UPDATE per key, each rewriting every row)
    run.execute("DROP TABLE IF EXISTS mon_rows")
    run.execute(
        f"CREATE TEMPORARY TABLE mon_rows ON COMMIT DROP AS SELECT s.*, e.id AS enterprise_id, p.period_id "
        f"FROM mon_stage s LEFT JOIN {ent} e ON e.credit_code = upper(btrim(s.{code})) "
        f"LEFT JOIN mon_periods p ON p.text = btrim(coalesce(s.{period}, ''))"
    )
    run.execute("DROP TABLE mon_stage")
    run.execute("ALTER TABLE mon_rows RENAME TO mon_stage")
    run.execute("ANALYZE mon_stage")
    run.report(
        f"SELECT line, btrim(coalesce({code}, '')) FROM mon_stage WHERE enterprise_id IS NULL ORDER BY line",
        [],
        "统一社会信用代码",
        "enterprise_unknown",
        lambda c: "统一社会信用代码不能为空" if not c else f"统一社会信用代码“{c}”不在企业名录中",
    )
    if layout.name is not None:
        name = _col(layout.name)
        run.report(
            f"SELECT s.line, e.name FROM mon_stage s JOIN {ent} e ON e.id = s.enterprise_id "
            f"WHERE btrim(coalesce(s.{name}, '')) <> '' AND btrim(s.{name}) <> e.name ORDER BY s.line",
            [],
            "企业名称",
            "enterprise_name_mismatch",
            lambda n: f"企业名称与企业名录(“{n}”)不一致",
        )
    for text, (detail, message) in problems.items():
        run.report(
            f"SELECT line, %s FROM mon_stage WHERE btrim(coalesce({period}, '')) = %s ORDER BY line",
            [text, text],
            "期别",
            detail,
            lambda _t, message=message: message,
        )
    if layout.indicator is not None:
        _long_indicators(run)
    _negatives(run)
    _shares(run)
    _duplicates(run)
    if run.actor is not None:
        rule = figure_enterprises(run.actor, "add")
        if rule is not None:
            allowed = Enterprise.objects.filter(rule).values("pk")
            sub, params = allowed.query.sql_with_params()
            run.report(
                f"SELECT line, '' FROM mon_stage WHERE enterprise_id IS NOT NULL AND enterprise_id NOT IN ({sub}) ORDER BY line",
                list(params),
                "统一社会信用代码",
                "permission_denied",
                lambda _x: EnterpriseDataImporter.denied_message,
            )


def _figure_checks(run: _Run) -> None:
    """Every figure cell: a percentage where a level is expected, or not a number. Run only when
    the optimistic INSERT met a cell PostgreSQL could not read as a number (see :func:`_write`)."""
    cells = _value_columns(run.layout)
    for column, header, _indicator in cells:
        c = _col(column)
        run.report(
            f"SELECT line, btrim({c}) FROM mon_stage WHERE NOT {_blank(c)} AND btrim({c}) LIKE '%%\\%%' ORDER BY line",
            [],
            header,
            "rate_for_level",
            lambda v: f"“{v}”是百分比,企业数据只能填报总量指标(按指标目录的计量单位)",
        )
        run.report(
            f"SELECT line, btrim({c}) FROM mon_stage WHERE NOT {_blank(c)} AND btrim({c}) NOT LIKE '%%\\%%' "
            f"AND {_num(c)} !~ %s ORDER BY line",
            [NUMBER_RE],
            header,
            "number_invalid",
            lambda v: f"“{v}”不是数字",
        )


def _value_columns(layout: Layout) -> list[tuple[int, str, int | None]]:
    if layout.indicator is not None and layout.value is not None:
        return [(layout.value, "数值", None)]
    names = dict(Indicator.objects.filter(pk__in=layout.wide.values()).values_list("pk", "name"))
    return [(column, names[ind], ind) for column, ind in layout.wide.items()]


def _long_indicators(run: _Run) -> None:
    layout = run.layout
    assert layout.indicator is not None
    col = _col(layout.indicator)
    run.execute("ALTER TABLE mon_stage ADD COLUMN indicator_id integer")
    run.execute("DROP TABLE IF EXISTS mon_names")
    run.execute(
        "CREATE TEMPORARY TABLE mon_names (name text PRIMARY KEY, indicator_id integer) ON COMMIT DROP"
    )
    names: dict[str, int] = {}
    for ind in Indicator.objects.filter(kind=IndicatorKind.LEVEL):
        for n in (ind.code, ind.name, *(ind.aliases or [])):
            names.setdefault(name_key(n), ind.pk)
    run.cursor.executemany("INSERT INTO mon_names VALUES (%s, %s)", list(names.items()))
    run.execute(
        f"UPDATE mon_stage s SET indicator_id = n.indicator_id FROM mon_names n "
        f"WHERE n.name = lower(replace(btrim(s.{col}), ' ', ''))"
    )
    assert layout.value is not None
    run.report(
        f"SELECT line, '' FROM mon_stage WHERE {_blank(_col(layout.value))} ORDER BY line",
        [],
        "数值",
        "required",
        lambda _x: "数值不能为空",
    )
    run.report(
        f"SELECT line, btrim(coalesce({col}, '')) FROM mon_stage WHERE indicator_id IS NULL ORDER BY line",
        [],
        "指标",
        "indicator_unknown",
        lambda n: "指标不能为空" if not n else f"指标“{n}”不在指标目录中,或不是企业可填报的总量指标",
    )


def _negatives(run: _Run) -> None:
    """A negative figure of an indicator that cannot be below zero (产值, 投资 …; 利润总额 may be a
    loss), as :func:`~tiaodu.monitoring.services.check_value` refuses it on the other ways in. One
    pass looks for a minus sign at all; only a file that has one is checked cell by cell."""
    layout = run.layout
    levels = {i.pk: i for i in Indicator.objects.filter(kind=IndicatorKind.LEVEL, may_be_negative=False)}
    if layout.indicator is None:
        cells = [(c, h, levels[i]) for c, h, i in _value_columns(layout) if i in levels]
        if not cells:
            return
        haystack = "concat_ws('|', " + ", ".join(_col(c) for c, _h, _i in cells) + ")"
        run.cursor.execute(f"SELECT EXISTS (SELECT 1 FROM mon_stage WHERE {haystack} LIKE '%%-%%')", [])
        if not run.cursor.fetchone()[0]:
            return
        for column, header, ind in cells:
            x = _num(_col(column))
            # stored to four decimals, as the INSERT casts it: −0.00004 is 0, as on the other paths
            run.report(
                f"SELECT line, {x}::numeric(20,4) FROM mon_stage WHERE {x} ~ %s AND {x}::numeric(20,4) < 0 "
                "ORDER BY line",
                [NUMBER_RE],
                header,
                "negative_value",
                lambda v, ind=ind: _negative_message(ind, v),
            )
        return
    assert layout.value is not None
    x = _num(_col(layout.value))
    run.cursor.execute(f"SELECT EXISTS (SELECT 1 FROM mon_stage WHERE {_col(layout.value)} LIKE '%%-%%')", [])
    if not levels or not run.cursor.fetchone()[0]:
        return
    ids = ", ".join(str(pk) for pk in levels)
    run.report(
        f"SELECT line, ARRAY[indicator_id::numeric, {x}::numeric(20,4)] FROM mon_stage "
        f"WHERE indicator_id IN ({ids}) AND {x} ~ %s AND {x}::numeric(20,4) < 0 ORDER BY line",
        [NUMBER_RE],
        "数值",
        "negative_value",
        lambda pair: _negative_message(levels[int(pair[0])], pair[1]),
    )


def _negative_message(indicator: Indicator, value: Decimal) -> str:
    """The words of :func:`~tiaodu.monitoring.services.check_value`, so both paths read alike."""
    return f"{indicator.name}不能为负数(现为{Decimal(value).normalize():f}{indicator.unit})"


def _shares(run: _Run) -> None:
    """A part larger than its whole in the same row (wide) or for the same enterprise and period
    (long): 技改投资 above 工业投资 would make the share exceed 100%."""
    layout = run.layout
    number = NUMBER_RE
    for ratio in (
        Indicator.objects.filter(kind=IndicatorKind.RATIO).exclude(numerator=None).exclude(denominator=None)
    ):
        part, whole = ratio.numerator, ratio.denominator
        assert part is not None and whole is not None
        message = f"{part.name}大于{whole.name},{ratio.name}将超过100%"
        if layout.indicator is None:
            columns = {ind: col for col, ind in layout.wide.items()}
            if part.pk not in columns or whole.pk not in columns:
                continue
            p, w = _num(_col(columns[part.pk])), _num(_col(columns[whole.pk]))
            run.report(
                f"SELECT line, '' FROM mon_stage WHERE {p} ~ %s AND {w} ~ %s "
                f"AND {w}::numeric > 0 AND {p}::numeric > {w}::numeric ORDER BY line",
                [number, number],
                part.name,
                "share_over_100",
                lambda _x, message=message: message,
            )
        else:
            assert layout.value is not None
            v = _col(layout.value)
            run.report(
                f"SELECT a.line, b.line FROM mon_stage a JOIN mon_stage b ON a.enterprise_id = b.enterprise_id "
                f"AND a.period_id = b.period_id AND b.indicator_id = %s WHERE a.indicator_id = %s "
                f"AND {_num('a.' + v)} ~ %s AND {_num('b.' + v)} ~ %s AND {_num('b.' + v)}::numeric > 0 "
                f"AND {_num('a.' + v)}::numeric > {_num('b.' + v)}::numeric ORDER BY a.line",
                [whole.pk, part.pk, number, number],
                "数值",
                "share_over_100",
                lambda other, message=message: f"{message}(见第{run.row_number(other)}行)",
            )


def _duplicates(run: _Run) -> None:
    """The same enterprise, period (and indicator) twice: harmless when the figures are equal
    (the later row is dropped), an error when they differ."""
    layout = run.layout
    key = "enterprise_id, period_id" + (", indicator_id" if layout.indicator is not None else "")
    values = [_num(_col(c)) for c, _h, _i in _value_columns(layout)]
    fingerprint = "md5(concat_ws('|', " + ", ".join(values) + "))"
    run.cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM mon_stage WHERE enterprise_id IS NOT NULL AND period_id IS NOT NULL "
        f"GROUP BY {key} HAVING count(*) > 1)"
    )
    if not run.cursor.fetchone()[0]:
        return
    ranked = (
        f"SELECT line, {fingerprint} AS fp, first_value(line) OVER w AS first, "
        f"first_value({fingerprint}) OVER w AS first_fp, row_number() OVER w AS n FROM mon_stage "
        f"WHERE enterprise_id IS NOT NULL AND period_id IS NOT NULL WINDOW w AS (PARTITION BY {key} ORDER BY line)"
    )
    run.report(
        f"SELECT line, first FROM ({ranked}) d WHERE n > 1 AND fp <> first_fp ORDER BY line",
        [],
        "统一社会信用代码",
        "duplicate_conflict",
        lambda first: f"与第{run.row_number(first)}行重复(企业、期别、指标相同)但数值不同",
    )
    run.execute(
        f"DELETE FROM mon_stage WHERE line IN (SELECT line FROM ({ranked}) d WHERE n > 1 AND fp = first_fp)"
    )


REBUILD_MIN_ROWS = 1_000_000


def _drop_indexes(run: _Run, table: str, new_rows: int) -> list[str]:
    """For a load larger than the table (a first load, a new city), drop the secondary indexes
    and return their definitions to build again after the INSERT: building an index once is
    several times faster than maintaining it row by row (ADR 0021). The dropped indexes lock the
    table for the rest of the transaction, so smaller loads keep them."""
    run.cursor.execute("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [table])
    present = float(run.cursor.fetchone()[0])
    if new_rows < REBUILD_MIN_ROWS or new_rows < present:
        return []
    run.cursor.execute(
        "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
        [table],
    )
    indexes = run.cursor.fetchall()
    for name, _definition in indexes:
        run.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    run.execute("SET LOCAL maintenance_work_mem = '256MB'")
    return [definition for _name, definition in indexes]


def _write(run: _Run, source_id: int) -> tuple[int, int, int]:
    """(created, revised, unchanged) after writing the figures set-based."""
    layout = run.layout
    table = EnterpriseValue._meta.db_table
    if layout.indicator is not None:
        assert layout.value is not None
        raw = _col(layout.value) if run.clean else _num(_col(layout.value))
        unpivot = (
            f"(SELECT enterprise_id, period_id, indicator_id, {raw}::numeric(20,4) AS value FROM mon_stage s)"
        )
    else:
        pairs = ", ".join(f"({ind}, s.{_col(c)})" for c, ind in layout.wide.items())
        if run.clean:  # no blanks marks, spaces or separators to strip
            unpivot = (
                "(SELECT s.enterprise_id, s.period_id, u.indicator_id, u.raw::numeric(20,4) AS value "
                f"FROM mon_stage s CROSS JOIN LATERAL (VALUES {pairs}) AS u(indicator_id, raw) WHERE u.raw <> '')"
            )
        else:
            unpivot = (
                f"(SELECT s.enterprise_id, s.period_id, u.indicator_id, replace(btrim(u.raw), ',', '')::numeric(20,4) AS value "
                f"FROM mon_stage s CROSS JOIN LATERAL (VALUES {pairs}) AS u(indicator_id, raw) WHERE NOT {_blank('u.raw')})"
            )
    run.cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {table} WHERE is_current AND period_id IN (SELECT DISTINCT period_id FROM mon_stage))"
    )
    existing = bool(run.cursor.fetchone()[0])
    columns = "enterprise_id, indicator_id, period_id, value, version, is_current, source_id"
    if not existing:  # a new period: every figure is new
        rebuild = _drop_indexes(run, table, run.rows * max(1, len(layout.wide)))
        inserted = run.execute(
            f"INSERT INTO {table} ({columns}) SELECT n.enterprise_id, n.indicator_id, n.period_id, n.value, 1, true, %s FROM {unpivot} n",
            [source_id],
        )
        for definition in rebuild:
            run.execute(definition)
        return inserted, 0, 0
    run.cursor.execute("SELECT count(*) FROM " + unpivot + " n")
    total = int(run.cursor.fetchone()[0])
    run.execute("DROP TABLE IF EXISTS mon_revised")
    run.execute(
        "CREATE TEMPORARY TABLE mon_revised (enterprise_id integer, indicator_id integer, period_id integer, version integer) ON COMMIT DROP"
    )
    revised = run.execute(
        f"WITH retired AS (UPDATE {table} c SET is_current = false FROM {unpivot} n "
        "WHERE c.is_current AND c.enterprise_id = n.enterprise_id AND c.indicator_id = n.indicator_id "
        "AND c.period_id = n.period_id AND c.value <> n.value RETURNING c.enterprise_id, c.indicator_id, c.period_id, c.version) "
        "INSERT INTO mon_revised SELECT * FROM retired"
    )
    inserted = run.execute(
        f"INSERT INTO {table} ({columns}) SELECT n.enterprise_id, n.indicator_id, n.period_id, n.value, "
        f"coalesce(r.version, 0) + 1, true, %s FROM {unpivot} n "
        f"LEFT JOIN {table} c ON c.is_current AND c.enterprise_id = n.enterprise_id AND c.indicator_id = n.indicator_id "
        "AND c.period_id = n.period_id "
        "LEFT JOIN mon_revised r ON r.enterprise_id = n.enterprise_id AND r.indicator_id = n.indicator_id "
        "AND r.period_id = n.period_id WHERE c.id IS NULL",
        [source_id],
    )
    return inserted - revised, revised, total - inserted


def load_enterprise_data(path: str | os.PathLike[str], actor: User | None = None) -> ImportResult:
    """Import an enterprise-data CSV set-based (PostgreSQL) or through the framework (SQLite)."""
    path = Path(path)
    if connection.vendor != "postgresql" or path.suffix.lower() != ".csv":
        return run_import(KIND, path, actor=actor)
    importer = EnterpriseDataImporter()
    if actor is not None and not importer.allowed(actor):
        raise Forbidden(audit=f"import {KIND}")
    started = time.perf_counter()
    result = ImportResult(kind=KIND, title=importer.title, file_name=path.name[:255])
    run: _Run | None = None
    try:
        _check_file(path)
        layout = read_layout(path)
        with transaction.atomic():
            run = _Run(layout, actor)
            result.rows = run.rows = _copy(run, path)
            if not result.rows:
                raise _Refused("file_empty", "文件中没有数据行")
            _check(run)
            if run.error_count:
                _figure_checks(run)  # so that one run lists every problem
                raise _Rollback
            source = new_source(ValueOrigin.IMPORT, path.name, actor, {"kind": KIND, "bulk": True})
            try:
                with transaction.atomic():  # optimistic: every cell a plain number, cast as it is
                    counts = _write(run, source.pk)
            except DataError:  # a cell that is not: check them all, then read them leniently
                run.clean = False
                _figure_checks(run)
                if run.error_count:
                    raise _Rollback from None
                counts = _write(run, source.pk)
            result.created, result.updated, result.unchanged = counts
            source.detail.update(created=result.created, revised=result.updated, unchanged=result.unchanged)
            source.save(update_fields=["detail"])
            run.execute(f"ANALYZE {EnterpriseValue._meta.db_table}")
            result.audit_data = {"source_id": source.pk, "revised": result.updated, "bulk": True}
            result.message = f"导入{result.title}成功:{result.counts_text()}。"
    except _Refused as exc:
        code, message = exc.args
        result.code, result.message = code, message
        result.errors = [FieldError("文件", code, message)]
    except _Rollback:
        assert run is not None
        result.code = "validation_error"
        result.errors = sorted(run.errors, key=lambda e: (e.row or 0, e.field))
        result.message = f"导入{result.title}失败:{len(run.bad_rows)}行有错误,数据库未作任何修改。"
        if run.error_count > len(run.errors):
            result.message += f"(共{run.error_count}处错误,列出前{len(run.errors)}处)"
    except Exception as exc:  # COPY refuses malformed CSV (a row with extra columns …)
        from psycopg import errors as pg_errors

        if not isinstance(exc.__cause__ or exc, pg_errors.DataError | pg_errors.BadCopyFileFormat):
            raise
        text = str(exc.__cause__ or exc).splitlines()[0]
        result.code = "file_unreadable"
        result.message = f"CSV 格式有误:{text}"
        result.errors = [FieldError("文件", "file_unreadable", result.message)]
    if result.code != "ok":
        result.created = result.updated = result.unchanged = 0
    result.elapsed_ms = int((time.perf_counter() - started) * 1000)
    result.batch = record_batch(result, actor)
    return result
