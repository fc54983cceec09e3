"""Tabular imports (xlsx or CSV with Chinese headers) shared by every module.

A module describes one kind of import as an :class:`Importer` subclass in its ``imports.py``
and decorates it with :func:`register`; the registry finds it by name (``enterprises``,
``visits``, …) for ``tiaodu import KIND FILE``, the import pages and :func:`template_workbook`.

What the framework does for every importer:

* checks the file: ``.xlsx`` or ``.csv`` only (``file_type_not_allowed``), at most
  ``settings.UPLOAD_MAX_BYTES`` (``file_too_large``), content matching the extension
  (``file_content_mismatch``), readable (``file_unreadable``), with data rows (``file_empty``);
* reads xlsx with openpyxl in read-only mode, or CSV in UTF-8 (with or without BOM), UTF-16
  with BOM, or GB18030 (a superset of GBK and GB2312) — strict UTF-8 is tried first;
* finds the header row among the first rows (a title row above it is allowed), maps the Chinese
  headers to fields (``header_missing`` names every missing required header; columns it does not
  know are ignored);
* parses each row: every cell of every row is checked, and each problem is a
  :class:`~tiaodu.core.errors.FieldError` with ``row`` = the spreadsheet row number and
  ``field`` = the Chinese column name;
* writes in one transaction. All-or-nothing by default: if any row fails, nothing is written and
  the result lists every bad row. ``partial=True`` writes the good rows and skips the bad ones;
* records an :class:`~tiaodu.core.models.ImportBatch` (the import history) with one audit-log
  entry summarising the import, because bulk writes bypass django-auditlog;
* reports its progress, when asked to (``progress=``): the rows checked, then the rows written
  by importers that call :meth:`ImportContext.report` (background imports, ``tiaodu.core.jobs``).
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as day_time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

import orjson
from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone

from tiaodu.core.errors import FieldError, Forbidden, ServiceError
from tiaodu.core.permissions import Action, can

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.core.models import ImportBatch

ALLOWED_EXTENSIONS = (".xlsx", ".csv")
XLSX_MAGIC = b"PK\x03\x04"
# Leading bytes of the binary formats people rename to .csv (zip/xlsx, xls/doc, PDF, images).
BINARY_MAGIC = (XLSX_MAGIC, b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
HEADER_SCAN_ROWS = 10  # the header may sit below a title row or two
MAX_STORED_ERRORS = 1000  # ImportBatch keeps the first errors; error_count has them all
FILE_FIELD = "文件"

# --- cell values ------------------------------------------------------------------------------


class CellError(Exception):
    """One cell's value is unusable; the framework adds the row and the column name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(raw: Any, max_length: int | None = None) -> str:
    """A cell as text: numbers typed into Excel lose their ``.0``; dates become ISO dates."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        value = raw.strip()
    elif isinstance(raw, bool):
        value = "是" if raw else "否"
    elif isinstance(raw, float) and raw.is_integer():
        value = str(int(raw))
    elif isinstance(raw, datetime):
        value = raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(" ")
    elif isinstance(raw, date):
        value = raw.isoformat()
    else:
        value = str(raw).strip()
    if max_length is not None and len(value) > max_length:
        raise CellError("too_long", f"不能超过{max_length}个字符(现有{len(value)}个)")
    return value


def text_of(max_length: int) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        return text(raw, max_length)

    return parse


TRUE_WORDS = frozenset({"是", "y", "yes", "1", "√", "✓", "✔", "true", "t", "对", "有"})
FALSE_WORDS = frozenset({"否", "n", "no", "0", "×", "✗", "✘", "x", "false", "f", "无", "不是", ""})


def boolean(raw: Any) -> bool:
    """是/否, Y/N, 1/0, √ (and Excel's TRUE/FALSE); an empty cell is 否."""
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if isinstance(raw, int | float):
        if raw in (0, 1):
            return bool(raw)
    else:
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise CellError("boolean_invalid", f"“{text(raw)}”不是有效的是/否值,请填写 是/否、Y/N、1/0 或 √")


_DATE_RE = re.compile(
    r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ONE_DAY = timedelta(days=1)
DATE_FORMATS_HINT = "2022-03-01、2022/3/1 或 2022年3月1日"


def _excel_serial(serial: float) -> date:
    from openpyxl.utils.datetime import from_excel

    if not 1 <= serial < 2958466:  # 1900-01-01 … 9999-12-31
        raise CellError("date_invalid", f"“{text(serial)}”不是有效日期,格式应为 {DATE_FORMATS_HINT}")
    value = from_excel(serial)
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def any_date(raw: Any) -> date | None:
    """2022-03-01, 2022/3/1, 2022.3.1, 2022年3月1日, 20220301, Excel dates and serial numbers."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _excel_serial(float(raw))
    value = str(raw).strip()
    match = _DATE_RE.fullmatch(value) or _COMPACT_DATE_RE.fullmatch(value)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if value.isdigit() and len(value) <= 6:
            return _excel_serial(float(value))
    except ValueError:
        pass
    raise CellError("date_invalid", f"“{value}”不是有效日期,格式应为 {DATE_FORMATS_HINT}")


def past_date(raw: Any) -> date | None:
    """A date that is not in the future (today counts as past)."""
    value = any_date(raw)
    # A day before yesterday by the system clock is past in every time zone: the current zone's
    # date (``localdate``, ten times slower, per cell of a large file) only for recent days.
    if value is not None and value >= date.today() - _ONE_DAY and value > timezone.localdate():
        raise CellError("date_in_future", f"日期{value:%Y-%m-%d}晚于今天")
    return value


def integer_between(low: int, high: int) -> Callable[[Any], int | None]:
    """A whole number in ``low``..``high``; beyond it (``1e30``, Infinity) ``number_too_large``."""

    def parse(raw: Any) -> int | None:
        if raw is None:
            return None
        value = text(raw)
        try:
            number = Decimal(value.translate(_SEPARATORS))
        except (InvalidOperation, ValueError):
            raise CellError("integer_invalid", f"“{_shown(value)}”不是整数") from None
        if number.is_nan():
            raise CellError("integer_invalid", f"“{_shown(value)}”不是整数")
        if number.is_infinite() or not low <= number <= high:
            raise CellError(NUMBER_TOO_LARGE, f"“{_shown(value)}”超出范围,应在{low}至{high}之间")
        if number != number.to_integral_value():
            raise CellError("integer_invalid", f"“{_shown(value)}”不是整数")
        return int(number)

    return parse


# --- numbers: one rule for every numeric column (issue 13 item 5) ----------------------------

NUMBER_TOO_LARGE = "number_too_large"
_SEPARATORS = str.maketrans("", "", ",,  ")


def _shown(value: str, limit: int = 40) -> str:
    """A cell's text in a message, shortened (a 10,000-digit number is not echoed whole)."""
    return value if len(value) <= limit else value[:limit] + "…"


def decimal_value(
    raw: Any,
    *,
    max_digits: int,
    decimal_places: int,
    low: Decimal | int | None = None,
    high: Decimal | int | None = None,
    unit: str = "",
) -> Decimal | None:
    """A cell as a finite Decimal that fits a ``DecimalField(max_digits, decimal_places)``,
    rounded to its decimal places, within ``low``..``high`` when given; None for an empty cell.

    Thousands separators are allowed. Not a number (or NaN) is ``number_invalid``; anything the
    field cannot hold — more integer digits than it has, ±Infinity, ``1e30``, beyond the range —
    is ``number_too_large`` (the framework adds the row and the column to the error).
    Never raises :class:`decimal.InvalidOperation`.
    """
    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip()):
        if isinstance(raw, bool):
            raise CellError("number_invalid", f"“{text(raw)}”不是数字")
        return None
    value = (str(raw) if isinstance(raw, int | float | Decimal) else str(raw).strip()).translate(_SEPARATORS)
    hint = f"(单位:{unit})" if unit else ""
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        raise CellError("number_invalid", f"“{_shown(value)}”不是数字{hint}") from None
    if number.is_nan():
        raise CellError("number_invalid", f"“{_shown(value)}”不是数字{hint}")
    whole_digits = max_digits - decimal_places
    limit = Decimal(10) ** whole_digits
    if number.is_infinite() or number.copy_abs() >= limit:
        raise CellError(NUMBER_TOO_LARGE, f"“{_shown(value)}”超出范围:整数部分最多{whole_digits}位{hint}")
    with localcontext() as context:
        context.prec = max_digits + 2
        number = number.quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_HALF_UP)
    if number.copy_abs() >= limit:  # 99999.999 rounded up to 100000.00
        raise CellError(NUMBER_TOO_LARGE, f"“{_shown(value)}”超出范围:整数部分最多{whole_digits}位{hint}")
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"{low if low is not None else '…'}至{high if high is not None else '…'}"
        raise CellError(NUMBER_TOO_LARGE, f"“{_shown(value)}”超出范围,应在{bounds}之间{hint}")
    return number


def decimal_for(
    model: type[models.Model],
    field_name: str,
    *,
    low: Decimal | int | None = None,
    high: Decimal | int | None = None,
    unit: str = "",
) -> Callable[[Any], Decimal | None]:
    """The parser of a column that fills ``model.field_name`` (a DecimalField): its digits and
    decimal places, and the range of its Min/MaxValueValidators unless ``low`` / ``high`` say."""
    from django.core.validators import MaxValueValidator, MinValueValidator

    model_field = model._meta.get_field(field_name)
    assert isinstance(model_field, models.DecimalField), field_name
    for validator in model_field.validators:
        if isinstance(validator, MinValueValidator) and low is None:
            low = Decimal(str(validator.limit_value))
        if isinstance(validator, MaxValueValidator) and high is None:
            high = Decimal(str(validator.limit_value))
    return partial(
        decimal_value,
        max_digits=int(model_field.max_digits or 0),
        decimal_places=int(model_field.decimal_places or 0),
        low=low,
        high=high,
        unit=unit,
    )


def choice(options: dict[str, str], blank: str = "") -> Callable[[Any], str]:
    """A value by its label or code (``options`` maps label → stored value)."""
    by_word = dict(options) | {v: v for v in options.values() if v}

    def parse(raw: Any) -> str:
        value = text(raw)
        if not value:
            return blank
        if value in by_word:
            return by_word[value]
        labels = "、".join(k for k in options if k)
        raise CellError("choice_invalid", f"“{value}”不是可选值,可选:{labels}")

    return parse


# --- columns and importers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import: its Chinese header, the field it fills and how to parse it.

    ``required``: the header must be present and every row must fill the cell. ``parse`` turns a
    raw cell (str, number, date, bool; ``None`` for an empty cell) into the field's value or
    raises :class:`CellError`. A column that is
    absent from the file leaves the field untouched on update (importers see only the fields of
    the columns present); an empty cell in a present column is the field's empty value.
    """

    header: str
    field: str
    required: bool = False
    parse: Callable[[Any], Any] = text
    aliases: tuple[str, ...] = ()
    example: Any = ""
    note: str = ""
    options: tuple[str, ...] = ()  # offered as a drop-down in the template

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass
class Row:
    """One data row: its spreadsheet row number, the parsed values of the present columns, and
    whatever the importer's ``clean`` prepared for ``write``."""

    number: int
    values: dict[str, Any]
    data: Any = None


class Importer:
    """Subclass, set the class attributes, implement ``clean`` and ``save`` (or ``write``)."""

    name: ClassVar[str]  # registry key and CLI argument, e.g. "enterprises"
    title: ClassVar[str]  # Chinese name, e.g. "企业名录"
    model: ClassVar[type[models.Model]]  # the actor needs "add" on it (see ``allowed``)
    columns: ClassVar[list[Column]]
    key_field: ClassVar[str]  # the column that names whole-row errors (e.g. permission)
    field_headers: ClassVar[dict[str, str]] = {}  # service field names that are not column fields
    notes: ClassVar[list[str]] = []  # general notes for the template's 填写说明 sheet
    denied_message: ClassVar[str] = ""  # for rows the permission scope refuses

    def check_header(
        self, ctx: ImportContext, number: int, cells: Sequence[Any], positions: Mapping[str, int]
    ) -> None:
        """Look at the header row once it is found (row ``number``, its ``cells``, the recognised
        columns as field → cell index); raise :class:`FileProblem` to refuse the whole file. Most
        importers need nothing here: unknown columns are ignored."""
        return

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Checks across rows once every row is cleaned (a row naming another row of the file),
        reported with ``ctx.error``; a reported row is dropped like any bad row. Most importers
        need nothing here."""
        return

    def allowed(self, actor: User | None) -> bool:
        """May this user run the import at all? ``None`` is the server operator (CLI)."""
        return actor is None or can(actor, "add", self.model)

    def prepare(self, ctx: ImportContext) -> None:
        """Load lookup tables once per import (before any row is cleaned)."""

    def clean(self, ctx: ImportContext, row: Row) -> None:
        """Cross-column checks and lookups; raise ServiceError / CellError or call ctx.error.

        ``row.values`` lacks the fields whose cells failed to parse (the row is reported and
        dropped anyway), so check what is there and prepare ``row.data`` for ``write``.
        """

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Write the clean rows (inside the import's transaction).

        The default saves row by row, each in a savepoint, through :meth:`save`; a row whose
        save fails is reported and the others continue, so that every bad row is listed.
        Bulk importers override this.
        """
        for done, row in enumerate(rows, start=1):
            ctx.report(PHASE_WRITE, done, len(rows))
            try:
                with transaction.atomic():
                    outcome = self.save(ctx, row)
            except ServiceError as exc:
                ctx.service_error(row.number, exc)
            else:
                ctx.counts[outcome] += 1

    def save(self, ctx: ImportContext, row: Row) -> str:
        """Save one row; return "created", "updated" or "unchanged"."""
        raise NotImplementedError

    # helpers

    def header_for(self, field_name: str) -> str:
        for column in self.columns:
            if column.field == field_name:
                return column.header
        if field_name in self.field_headers:
            return self.field_headers[field_name]
        return field_name if field_name == self.key_field else self.header_for(self.key_field)

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]


_REGISTRY: dict[str, type[Importer]] = {}
_discovered = False


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator: make an importer available by its ``name``."""
    _REGISTRY[cls.name] = cls
    return cls


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("imports")
        _discovered = True


def importer_names() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def get_importer(kind: str) -> Importer:
    _discover()
    try:
        return _REGISTRY[kind]()
    except KeyError:
        known = "、".join(sorted(_REGISTRY)) or "无"
        raise ServiceError(
            "import_kind_unknown", f"未知的导入类型“{kind}”,可选:{known}", status=404
        ) from None


def importer_title(kind: str) -> str:
    _discover()
    cls = _REGISTRY.get(kind)
    return cls.title if cls else kind


# --- one import --------------------------------------------------------------------------------

# Progress phases: the rows of the file are read and checked (done = the spreadsheet row
# reached, total = the file's rows), then the clean rows are written (done / total = rows).
PHASE_CHECK = "check"
PHASE_WRITE = "write"
Progress = Callable[[str, int, int], None]


class ImportContext:
    """What an import run knows: the actor, the mode, the present columns, errors and counts."""

    def __init__(
        self,
        importer: Importer,
        actor: User | None,
        partial: bool,
        file_name: str,
        progress: Progress | None = None,
        total_rows: int = 0,
    ) -> None:
        self.importer = importer
        self.progress = progress
        self.total_rows = total_rows
        self.actor = actor
        self.partial = partial
        self.file_name = file_name
        self.present: list[Column] = []
        self.errors: list[FieldError] = []
        self.bad_rows: set[int] = set()
        self.denied_rows: list[int] = []  # rows refused by the permission scope (security log)
        self.counts: Counter[str] = Counter()
        self.cache: dict[str, Any] = {}  # for importers' lookup tables
        self.data_rows = 0
        self.audit_data: dict[str, Any] = {}  # extra detail for the import's audit entry

    def report(self, phase: str, done: int, total: int) -> None:
        """Progress for a background import (a no-op otherwise): ``phase`` is
        :data:`PHASE_CHECK` or :data:`PHASE_WRITE`. Bulk importers may call it from ``write`` as
        their rows go out; the receiver throttles, so calling it per row is cheap."""
        if self.progress is not None:
            self.progress(phase, done, total)

    @property
    def present_fields(self) -> set[str]:
        return {c.field for c in self.present}

    def error(self, row: int | None, field_name: str, code: str, message: str) -> None:
        """Report a problem; ``field_name`` is a field or service field name, or a header."""
        headers = {c.header for c in self.importer.columns}
        header = field_name if field_name in headers or field_name == FILE_FIELD else None
        self.errors.append(FieldError(header or self.importer.header_for(field_name), code, message, row))
        if row is not None:
            self.bad_rows.add(row)

    def service_error(self, row: int, exc: ServiceError, denied_message: str = "") -> None:
        """A service's refusal for one row, with its field errors mapped to column names."""
        if exc.status in (403, 404) and not exc.errors:
            self.denied_rows.append(row)
            self.error(
                row,
                self.importer.key_field,
                exc.code,
                denied_message or self.importer.denied_message or exc.message,
            )
            return
        for err in exc.errors or [FieldError(self.importer.key_field, exc.code, exc.message)]:
            self.error(row, err.field, err.code, err.message)


@dataclass
class ImportResult:
    kind: str
    title: str
    file_name: str
    partial: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[FieldError] = field(default_factory=list)
    code: str = "ok"
    message: str = ""
    elapsed_ms: int = 0
    batch: ImportBatch | None = None
    audit_data: dict[str, Any] | None = None

    @property
    def written(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def status(self) -> str:
        if self.code != "ok":
            return "failed"
        return "partial" if self.skipped else "succeeded"

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def counts_text(self) -> str:
        parts = [f"共{self.rows}行", f"新增{self.created}条", f"更新{self.updated}条"]
        if self.unchanged:
            parts.append(f"未变化{self.unchanged}条")
        if self.skipped:
            parts.append(f"跳过有错误的{self.skipped}行")
        return ",".join(parts)

    def error_lines(self) -> list[str]:
        return [
            f"{'第' + str(e.row) + '行' if e.row is not None else '文件'} [{e.field}] {e.message} ({e.code})"
            for e in self.errors
        ]

    @classmethod
    def from_batch(cls, batch: ImportBatch) -> ImportResult:
        """The outcome as recorded in the history (its first ``MAX_STORED_ERRORS`` errors), to
        show a finished background import like an inline one."""
        errors = [
            FieldError(e.get("field", FILE_FIELD), e.get("code", ""), e.get("message", ""), e.get("row"))
            for e in batch.errors
        ]
        return cls(
            kind=batch.kind,
            title=batch.kind_label,
            file_name=batch.file_name,
            partial=batch.partial,
            rows=batch.rows,
            created=batch.created_count,
            updated=batch.updated_count,
            unchanged=batch.unchanged_count,
            skipped=batch.skipped_count,
            errors=errors,
            code=batch.code or ("ok" if batch.status != "failed" else "failed"),
            message=batch.message,
            elapsed_ms=batch.elapsed_ms,
            batch=batch,
        )


class _Rollback(Exception):
    pass


class FileProblem(Exception):
    def __init__(self, code: str, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.errors = errors or [FieldError(FILE_FIELD, code, message)]


Source = str | os.PathLike[str] | IO[bytes]


def run_import(
    kind: str,
    source: Source,
    *,
    actor: User | None = None,
    partial: bool = False,
    file_name: str | None = None,
    batch: ImportBatch | None = None,
    progress: Progress | None = None,
    total_rows: int = 0,
) -> ImportResult:
    """Import a file (a path or a binary file object such as an upload) as ``kind``.

    Raises :class:`~tiaodu.core.errors.Forbidden` when the actor may not run this import at all
    and ``import_kind_unknown`` for an unknown kind; everything about the file and its rows is
    reported in the returned :class:`ImportResult` (and recorded as an ImportBatch: ``batch``,
    the one a background import created when it was queued, or a new one). ``progress`` is
    called with (phase, done, total) as rows are checked and written; ``total_rows`` is the
    file's row count when known.
    """
    importer = get_importer(kind)
    if actor is not None and not importer.allowed(actor):
        raise Forbidden(audit=f"import {kind}")
    started = time.perf_counter()
    name = file_name or (Path(source).name if isinstance(source, str | os.PathLike) else "") or "upload"
    name = Path(name).name[:255]
    result = ImportResult(kind=kind, title=importer.title, file_name=name, partial=partial)
    ctx = ImportContext(importer, actor, partial, name, progress, total_rows)
    try:
        table = open_table(source, name)
        rows = _parse(importer, ctx, table)
    except FileProblem as problem:
        result.code, result.message, result.errors = problem.code, problem.message, problem.errors
    else:
        result.rows = ctx.data_rows
        _write(importer, ctx, rows, result)
        result.audit_data = ctx.audit_data or None
    result.elapsed_ms = int((time.perf_counter() - started) * 1000)
    result.batch = record_batch(result, actor, batch)
    if ctx.denied_rows:
        from tiaodu.audit.services import record_permission_denied

        listed = ",".join(str(n) for n in ctx.denied_rows[:50])
        record_permission_denied(actor, f"import {kind} {name}: rows {listed}")
    return result


def _parse(importer: Importer, ctx: ImportContext, table: Iterator[tuple[int, tuple[Any, ...]]]) -> list[Row]:
    """Map the header, then parse and clean every data row (nothing is written yet)."""
    positions = _header(importer, ctx, table)
    importer.prepare(ctx)
    rows: list[Row] = []
    columns = [(c, positions[c.field]) for c in ctx.present]
    for number, cells in table:
        ctx.report(PHASE_CHECK, number, ctx.total_rows)
        raw = [cells[i] if i < len(cells) else None for _c, i in columns]
        if all(is_blank(v) for v in raw):
            continue
        ctx.data_rows += 1
        values: dict[str, Any] = {}
        for (column, _i), value in zip(columns, raw, strict=True):
            if is_blank(value):
                if column.required:
                    ctx.error(number, column.header, "required", f"{column.header}不能为空")
                    continue
                value = None  # every parser turns None into the field's empty value
            try:
                values[column.field] = column.parse(value)
            except CellError as exc:
                ctx.error(number, column.header, exc.code, exc.message)
        # A row with bad cells is cleaned all the same (without those fields), so that every
        # problem of the row is reported; it is dropped afterwards.
        row = Row(number, values)
        try:
            importer.clean(ctx, row)
        except CellError as exc:
            ctx.error(number, importer.key_field, exc.code, exc.message)
        except ServiceError as exc:
            ctx.service_error(number, exc)
        if number not in ctx.bad_rows:
            rows.append(row)
    importer.check_rows(ctx, rows)
    return [r for r in rows if r.number not in ctx.bad_rows]


def _header(
    importer: Importer, ctx: ImportContext, table: Iterator[tuple[int, tuple[Any, ...]]]
) -> dict[str, int]:
    lookup = {_norm(name): column for column in importer.columns for name in column.names}
    best: tuple[int, int, dict[str, int]] | None = None  # (matches, row number, positions)
    scanned = 0
    for number, cells in table:
        scanned += 1
        if scanned > HEADER_SCAN_ROWS:
            break
        if all(is_blank(v) for v in cells):
            continue
        positions: dict[str, int] = {}
        duplicates: list[str] = []
        for index, cell in enumerate(cells):
            column = lookup.get(_norm(cell)) if not is_blank(cell) else None
            if column is None:
                continue
            if column.field in positions:
                duplicates.append(column.header)
            positions[column.field] = index
        if positions and (best is None or len(positions) > best[0]):
            best = (len(positions), number, positions)
        missing = [c.header for c in importer.columns if c.required and c.field not in positions]
        if positions and not missing:
            if duplicates:
                names = "、".join(dict.fromkeys(duplicates))
                raise FileProblem(
                    "header_duplicate",
                    f"第{number}行(表头)中“{names}”出现了多次",
                    [FieldError(h, "header_duplicate", f"列“{h}”出现了多次", number) for h in duplicates],
                )
            importer.check_header(ctx, number, cells, positions)
            ctx.present = [c for c in importer.columns if c.field in positions]
            return positions
    found = best[2] if best else {}
    missing = [c.header for c in importer.columns if c.required and c.field not in found]
    if best is None and scanned == 0:
        raise FileProblem("file_empty", "文件中没有内容")
    if best is None:
        headers = "、".join(c.header for c in importer.columns if c.required)
        raise FileProblem(
            "header_missing",
            f"找不到表头:前{HEADER_SCAN_ROWS}行中没有可识别的列名(必需的列:{headers}),可下载模板对照",
            [FieldError(h, "header_missing", f"缺少列“{h}”", None) for h in missing],
        )
    row = best[1] if best else None
    raise FileProblem(
        "header_missing",
        f"缺少必需的列:{'、'.join(missing)}(表头应在前{HEADER_SCAN_ROWS}行内,可下载模板对照)",
        [FieldError(h, "header_missing", f"缺少列“{h}”", row) for h in missing],
    )


_NORM_RE = re.compile(r"[\s*\uff0a]|[(\uff08](?:必填|选填|可选)[)\uff09]")
_FULLWIDTH = str.maketrans({"\uff08": "(", "\uff09": ")", "\u201c": '"', "\u201d": '"'})


def _norm(value: Any) -> str:
    return _NORM_RE.sub("", str(value)).translate(_FULLWIDTH)


def _write(importer: Importer, ctx: ImportContext, rows: list[Row], result: ImportResult) -> None:
    if not rows and not ctx.errors:
        result.code, result.message = "file_empty", "文件中没有数据行"
        result.errors = [FieldError(FILE_FIELD, "file_empty", result.message)]
        return
    if rows and (ctx.partial or not ctx.errors):
        ctx.report(PHASE_WRITE, 0, len(rows))  # every row checked: the bar turns to writing
        try:
            with transaction.atomic():
                importer.write(ctx, rows)
                if ctx.errors and not ctx.partial:
                    raise _Rollback
        except _Rollback:
            ctx.counts.clear()
            ctx.audit_data.clear()
        except ServiceError as exc:  # a refusal for the whole batch (rows are handled by write)
            ctx.counts.clear()
            ctx.audit_data.clear()
            ctx.error(None, importer.key_field, exc.code, exc.message)
    order = {c.header: i for i, c in enumerate(importer.columns)}
    result.errors = sorted(ctx.errors, key=lambda e: (e.row or 0, order.get(e.field, len(order))))
    result.created, result.updated = ctx.counts["created"], ctx.counts["updated"]
    result.unchanged = ctx.counts["unchanged"]
    bad = len(ctx.bad_rows)
    if not ctx.errors:
        result.message = f"导入{importer.title}成功:{result.counts_text()}。"
    elif ctx.partial and result.written:
        result.skipped = bad
        result.message = f"部分导入{importer.title}:{result.counts_text()}。"
    else:
        result.code = "validation_error"
        result.created = result.updated = result.unchanged = 0
        result.message = f"导入{importer.title}失败:{bad}行有错误,数据库未作任何修改。"


def record_batch(result: ImportResult, actor: User | None, batch: ImportBatch | None = None) -> ImportBatch:
    """The history row and its audit entry (one per import, whatever the outcome). ``batch``:
    the row a background import created when it was queued, given its outcome here."""
    from auditlog.context import disable_auditlog
    from auditlog.models import LogEntry

    from tiaodu.core.models import ImportBatch

    outcome = {
        "status": result.status,
        "code": result.code,
        "message": result.message[:255],
        "rows": result.rows,
        "created_count": result.created,
        "updated_count": result.updated,
        "unchanged_count": result.unchanged,
        "skipped_count": result.skipped,
        "error_count": len(result.errors),
        "errors": [e.as_dict() for e in result.errors[:MAX_STORED_ERRORS]],
        "elapsed_ms": result.elapsed_ms,
    }
    with transaction.atomic():
        with disable_auditlog():
            if batch is None:
                batch = ImportBatch.objects.create(
                    kind=result.kind,
                    file_name=result.file_name,
                    user=actor,
                    partial=result.partial,
                    **outcome,
                )
            else:
                for name, value in outcome.items():
                    setattr(batch, name, value)
                batch.finished_at = timezone.now()
                batch.save(update_fields=[*outcome, "finished_at"])
        summary = {
            "kind": result.kind,
            "file_name": result.file_name,
            "partial": result.partial,
            "status": result.status,
            "rows": result.rows,
            "created_count": result.created,
            "updated_count": result.updated,
            "unchanged_count": result.unchanged,
            "skipped_count": result.skipped,
            "error_count": len(result.errors),
        }
        LogEntry.objects.log_create(
            batch,
            force_log=True,
            action=LogEntry.Action.CREATE,
            changes={key: [None, value] for key, value in summary.items()},
            actor=actor,
            additional_data=result.audit_data,
        )
    return batch


# --- bulk writes -------------------------------------------------------------------------------

# Values of these fields go to the database drivers as they are (str, bool, int, None).
_PLAIN_FIELDS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)


@dataclass(frozen=True)
class _Col:
    attname: str
    column: str
    convert: Callable[[Any], Any] | None  # None: the value goes to the driver as it is
    auto: bool  # auto_now / auto_now_add: always ``constant``
    constant: Any  # the default (or the current time) when a row leaves the field out
    factory: Callable[[], Any] | None = None  # a callable default: called per row instead
    date_like: bool = False  # a DateField or DateTimeField (conversions memoised per call)


def _columns(
    model: type[models.Model], connection: Any, attnames: list[str] | None, with_pk: bool = False
) -> list[_Col]:
    """Every concrete column except an auto primary key (``attnames`` None, for INSERT; the key
    too with ``with_pk``), or the given columns plus the ``auto_now`` ones (for UPDATE)."""
    now = timezone.now()
    columns = []
    for f in model._meta.concrete_fields:
        auto_now = bool(getattr(f, "auto_now", False))
        auto = auto_now or bool(getattr(f, "auto_now_add", False))
        if attnames is None and f.primary_key and not with_pk:
            continue
        if attnames is not None and f.attname not in attnames and not auto_now:
            continue
        convert = None if isinstance(f, _PLAIN_FIELDS) or f.is_relation else partial(_prep, f, connection)
        date_like = isinstance(f, models.DateField)  # DateTimeField too
        if not auto and f.has_default() and callable(f.default):
            columns.append(
                _Col(f.attname, f.column, convert, auto, None, partial(_default, f, connection), date_like)
            )
            continue
        constant = f.get_db_prep_save(now if auto else f.get_default(), connection)
        columns.append(_Col(f.attname, f.column, convert, auto, constant, None, date_like))
    return columns


def _prep(field: models.Field[Any, Any], connection: Any, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _default(field: models.Field[Any, Any], connection: Any) -> Any:
    return field.get_db_prep_save(field.get_default(), connection)


_MISSING = object()


def _all_values(
    columns: list[_Col], rows: list[dict[str, Any]], shared: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Every row's values in the columns' order (a row leaving a field out gets its default,
    an ``auto_now`` field the current time; ``shared``: values every row has, prepared for the
    driver). Built for speed, as this runs for every value of a large import: the columns no
    row names are filled from a template, and a date's or datetime's conversion for the driver
    (a string on SQLite, the time zone checked) is done once per distinct value."""
    shared = shared or {}
    named = set().union(*rows) - shared.keys()
    template: list[Any] = []
    per_row = []  # (position, callable default): columns no row names, a fresh value each
    plan = []  # (position, attname, convert, factory, constant): columns the rows name
    for i, c in enumerate(columns):
        if not c.auto and c.attname in shared:
            template.append(shared[c.attname])
        elif c.auto or c.attname not in named:
            template.append(c.constant)
            if c.factory is not None and not c.auto:
                per_row.append((i, c.factory))
        else:
            template.append(None)
            convert = _memoised(c.convert) if c.convert is not None and c.date_like else c.convert
            plan.append((i, c.attname, convert, c.factory, c.constant))
    out = []
    for row in rows:
        values = template.copy()
        for i, fresh in per_row:
            values[i] = fresh()
        for i, attname, convert, factory, constant in plan:
            value = row.get(attname, _MISSING)
            if value is _MISSING:
                values[i] = factory() if factory else constant
            else:
                values[i] = value if convert is None else convert(value)
        out.append(tuple(values))
    return out


def _memoised(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict[tuple[type, Any], Any] = {}

    def cached(value: Any) -> Any:
        key = (type(value), value)  # a date never stands for an equal datetime
        try:
            return memo[key]
        except KeyError:
            found = memo[key] = convert(value)
            return found
        except TypeError:  # unhashable
            return convert(value)

    return cached


def _prepared(columns: list[_Col], attnames: Iterable[str]) -> list[_Col]:
    """The columns, those named taking their values as given (already prepared for the driver)."""
    named = set(attnames)
    return [
        _Col(c.attname, c.column, None, c.auto, c.constant, c.factory, c.date_like)
        if c.attname in named
        else c
        for c in columns
    ]


def prepare_value(model: type[models.Model], attname: str, value: Any) -> Any:
    """A value as the database driver takes it (for a value every row of a bulk insert shares:
    prepared once and passed to :func:`bulk_insert` with ``prepared``)."""
    connection = connections[router.db_for_write(model)]
    model_field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    return model_field.get_db_prep_save(value, connection)


def bulk_insert(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    batch_size: int = 1000,
    prepared: Iterable[str] = (),
    with_pk: bool = False,
    shared: Mapping[str, Any] | None = None,
) -> None:
    """INSERT rows (dicts keyed by attname) with ``executemany``.

    What ``bulk_create`` does, without building model instances or compiling every value (about
    0.2 ms of Python per row, most of a large import's time). Fields a row leaves out take their
    default; ``auto_now`` / ``auto_now_add`` fields the current time. Like ``bulk_create`` it sends
    no signals, so django-auditlog does not see the rows: importers write their entries with
    :func:`audit_objects`. ``prepared``: attnames whose values are already prepared for the
    driver (:func:`prepare_value`). ``with_pk``: the rows carry their primary keys
    (:func:`reserve_ids`). ``shared``: values every row has (by attname, prepared for the
    driver), given once instead of in every row. On PostgreSQL the rows go out with ``COPY``.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    columns = _prepared(_columns(model, connection, None, with_pk), prepared)
    quote = connection.ops.quote_name
    # Identifiers come from the model's metadata; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(c.column) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    values = _all_values(columns, rows, shared)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy_rows(cursor, model, columns, values)
            return
        for start in range(0, len(values), batch_size):
            cursor.executemany(sql, values[start : start + batch_size])


def _copy_rows(
    cursor: Any, model: type[models.Model], columns: list[_Col], values: list[tuple[Any, ...]]
) -> None:
    """PostgreSQL: the rows with ``COPY … FROM STDIN`` (psycopg's ``cursor.copy``), several
    times faster than a pipelined ``executemany`` of single-row INSERTs (the server parses one
    statement, and the client sends no per-row protocol messages). Same values, same defaults;
    like the INSERT it fires the table's constraints and triggers."""
    from psycopg import sql as pg

    statement = pg.SQL("COPY {} ({}) FROM STDIN").format(
        pg.Identifier(model._meta.db_table), pg.SQL(", ").join(pg.Identifier(c.column) for c in columns)
    )
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(statement) as copy:
        for row in values:
            copy.write_row(row)


def bulk_insert_returning(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """:func:`bulk_insert` that returns the new primary keys, in the rows' order: multi-row
    ``INSERT … VALUES (…), (…) RETURNING pk`` (PostgreSQL; SQLite 3.35+), the statement
    ``bulk_create`` uses to set ids, so an importer can link and audit what it wrote."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    columns = _columns(model, connection, None)
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    one = "({})".format(", ".join(["%s"] * len(columns)))
    per_statement = max(1, min(500, 30000 // len(columns)))  # SQLite's limit on parameters
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(c.column) for c in columns)
    )
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            params = [v for values in _all_values(columns, part) for v in values]
            sql = f"{head}{', '.join([one] * len(part))} RETURNING {quote(pk.column)}"
            cursor.execute(sql, params)
            ids.extend(r[0] for r in cursor.fetchall())
    assert len(ids) == len(rows)
    return ids


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """``count`` new primary keys drawn from the table's sequence (PostgreSQL), so that rows can
    be numbered before they are inserted and go out with a pipelined ``executemany``; None on
    databases without sequences (SQLite: use :func:`bulk_insert_returning`)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return None
    if count == 0:
        return []
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_with_ids(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows and return their new primary keys in order: reserved from the sequence
    and sent with ``executemany`` on PostgreSQL (a multi-row ``RETURNING`` insert is several
    times slower there), ``INSERT … RETURNING`` elsewhere."""
    ids = reserve_ids(model, len(rows))
    if ids is None:
        return bulk_insert_returning(model, rows)
    pk = model._meta.pk
    assert pk is not None
    bulk_insert(model, [{**row, pk.attname: i} for row, i in zip(rows, ids, strict=True)], with_pk=True)
    return ids


def bulk_update_rows(
    model: type[models.Model], attnames: list[str], rows: list[dict[str, Any]], batch_size: int = 1000
) -> None:
    """UPDATE each row (a dict with ``pk`` and the given attnames) with one ``executemany``.

    ``bulk_update`` builds one ``CASE WHEN pk=…`` per field and batch, which grows with the
    square of the batch on SQLite; a prepared single-row UPDATE repeated is linear. ``auto_now``
    fields are set to the current time. No signals (see :func:`bulk_insert`).
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    columns = _columns(model, connection, attnames)
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(f"{quote(c.column)} = %s" for c in columns),
        quote(pk.column),
    )
    values = [(*v, row["pk"]) for v, row in zip(_all_values(columns, rows), rows, strict=True)]
    with connection.cursor() as cursor:
        for start in range(0, len(values), batch_size):
            cursor.executemany(sql, values[start : start + batch_size])


# --- per-object audit entries (issue 13 item 8) ------------------------------------------------


def changes_json(changes: Mapping[str, Any]) -> str:
    """An audit entry's ``changes`` ({field: [before, after]}) as JSON text, with orjson (dates
    and datetimes in ISO format; Decimals, lazy text and other
    values as their ``str``): several times faster than ``json.dumps`` of converted values, for
    the tens of values of each object a large import creates."""
    return orjson.dumps(changes, default=str).decode()


def memo(ctx: ImportContext, table: str, key: Any, resolve: Callable[[], Any]) -> Any:
    """``resolve()`` once per distinct ``key`` of an import (in ``ctx.cache[table]``); a refusal
    (``ServiceError``) is remembered and raised again for every row that asks."""
    answers = ctx.cache.setdefault(table, {})
    if key not in answers:
        try:
            answers[key] = resolve()
        except ServiceError as exc:
            answers[key] = exc
    value = answers[key]
    if isinstance(value, ServiceError):
        raise value.with_traceback(None)
    return value


def start_of_day(day: date, seen: dict[date, datetime] | None = None) -> datetime:
    """The day's first moment in the current time zone (``seen``: once per distinct day), for the
    timestamps of history an import records."""
    if seen is None:
        return timezone.make_aware(datetime.combine(day, day_time.min))
    found = seen.get(day)
    if found is None:
        found = seen[day] = timezone.make_aware(datetime.combine(day, day_time.min))
    return found


def refuse_written(
    ctx: ImportContext, model: type[Any], action: Action, written: dict[int, Row], *, authored: bool = True
) -> set[int]:
    """As the services' ``ensure_permitted``: the rows as written must be in the actor's scope;
    the others are reported (the import rolls back, or in partial mode they are deleted).
    ``authored=False``: as ``ensure_added``, authorship does not count."""
    actor = ctx.actor
    from tiaodu.core.permissions import scope_q

    if actor is None or scope_q(actor, model, action) is None or not written:
        return set()
    spec = model.scope
    if authored and "created_by" in spec.users and (actor.is_superuser or spec.allows(actor.role, action)):
        # Every row was written with created_by = the actor, and the scope gives a user the rows
        # they created: the check cannot fail (and on a large table its query is not cheap).
        return set()
    allowed = model.objects.restrict(actor, action, authored=authored)
    ok = set(allowed.filter(pk__in=written).values_list("pk", flat=True))
    refused = set(written) - ok
    for pk in sorted(refused):
        ctx.denied_rows.append(written[pk].number)
        ctx.error(written[pk].number, ctx.importer.key_field, "permission_denied", "您没有执行此操作的权限")
    if refused and ctx.partial:
        from auditlog.context import disable_auditlog

        with disable_auditlog():
            model.objects.filter(pk__in=refused).delete()
    return refused


def created_changes(values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """A created object's audit changes: every value set, from nothing."""
    return {key: (None, value) for key, value in values.items() if value is not None and value != ""}


@dataclass
class AuditEntry:
    """One object an import created or changed: ``changes`` maps attnames (``township_id`` or
    ``name``) to (before, after); ``before`` is None for a created object."""

    pk: int
    label: str  # what the change log shows as the object (its ``str``)
    changes: dict[str, tuple[Any, Any]]
    created: bool = True


def audit_objects(ctx: ImportContext, model: type[models.Model], entries: Sequence[AuditEntry]) -> None:
    """One django-auditlog entry per object with its before/after values, written in bulk
    inside the import's transaction (rolled back with the rows). Bulk writes send no signals,
    so auditlog would see nothing; the entries carry the actor, the request id and address
    when there is a request, and the import (kind, file) in ``additional_data``.

    Every column but the object's own is the same for all entries and prepared once; the
    ``changes`` are serialised with :func:`changes_json` (the text a JSON column stores)."""
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_value
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    if not entries:
        return
    names = {f.attname: f.name for f in model._meta.concrete_fields}
    content_type = ContentType.objects.get_for_model(model)
    context: dict[str, Any] = auditlog_value.get({})
    actor = ctx.actor
    shared = {  # the same for every entry: prepared for the driver once
        "remote_addr": context.get("remote_addr"),
        "additional_data": {"import": ctx.importer.name, "file_name": ctx.file_name},
        "timestamp": timezone.now(),
    }
    common = {
        "content_type_id": content_type.pk,
        "actor_id": actor.pk if actor is not None else None,
        "actor_email": getattr(actor, "email", None) or None,
        "cid": get_cid(),
        "remote_port": context.get("remote_port"),
        "changes_text": "",
        **{name: prepare_value(LogEntry, name, value) for name, value in shared.items()},
    }
    create, update = LogEntry.Action.CREATE, LogEntry.Action.UPDATE
    bulk_insert(
        LogEntry,
        [
            {
                "object_pk": str(entry.pk),
                "object_id": entry.pk,
                "object_repr": entry.label,
                "action": create if entry.created else update,
                "changes": changes_json(_tracked(entry.changes, names)),
            }
            for entry in entries
        ],
        prepared=["changes"],
        shared=common,
    )


def _tracked(changes: Mapping[str, tuple[Any, Any]], names: Mapping[str, str]) -> dict[str, Any]:
    """The changes as auditlog itself would log them: by field name, without the fields
    ``AUDITLOG_EXCLUDE_TRACKING_FIELDS`` leaves out, masked where ``AUDITLOG_MASK_TRACKING_FIELDS``
    says (so that an import and a web edit of the same field read alike in the change log)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    excluded = set(getattr(settings, "AUDITLOG_EXCLUDE_TRACKING_FIELDS", ()))
    masked = set(getattr(settings, "AUDITLOG_MASK_TRACKING_FIELDS", ()))
    mask = import_string(settings.AUDITLOG_MASK_CALLABLE) if masked else None
    out: dict[str, Any] = {}
    for attname, (before, after) in changes.items():
        name = names.get(attname, attname)
        if name in excluded or attname in excluded:
            continue
        if mask is not None and (name in masked or attname in masked):
            before, after = (None if before is None else mask(before)), mask(after)
        out[name] = (before, after)
    return out


# --- input bounds (issue 13 item 4) ----------------------------------------------------------------


def _setting(name: str, env: str, default: int, scale: int = 1) -> int:
    """``settings.NAME`` when the project defines it, else the environment variable (a whole
    number, times ``scale``), else the default."""
    value = getattr(settings, name, None)
    if value is not None:
        return int(value)
    try:
        return int(os.environ.get(env, "")) * scale
    except ValueError:
        return default * scale


@dataclass(frozen=True)
class Limits:
    """What one import may read. A file beyond any of them is refused with a file error before
    (for the archive) or while (for rows and cells) it is read; nothing is written."""

    uncompressed_bytes: int  # an xlsx's members together, as their directory declares them
    compression_ratio: int  # one member's uncompressed / compressed size (zip bombs)
    rows: int  # spreadsheet rows, blank ones included
    columns: int  # cells of one row that may hold a value
    cells: int  # cells read in all

    @classmethod
    def current(cls) -> Limits:
        mb = 1024 * 1024
        return cls(
            uncompressed_bytes=_setting(
                "IMPORT_MAX_UNCOMPRESSED_BYTES", "TIAODU_IMPORT_MAX_UNCOMPRESSED_MB", 200, mb
            ),
            compression_ratio=_setting(
                "IMPORT_MAX_COMPRESSION_RATIO", "TIAODU_IMPORT_MAX_COMPRESSION_RATIO", 200
            ),
            rows=_setting("IMPORT_MAX_ROWS", "TIAODU_IMPORT_MAX_ROWS", 1_000_000),
            columns=_setting("IMPORT_MAX_COLUMNS", "TIAODU_IMPORT_MAX_COLUMNS", 1000),
            cells=_setting("IMPORT_MAX_CELLS", "TIAODU_IMPORT_MAX_CELLS", 30_000_000),
        )


# A member this small is harmless whatever its ratio (styles and empty sheets compress well).
RATIO_FLOOR_BYTES = 10 * 1024 * 1024


def check_archive(stream: IO[bytes], limits: Limits | None = None) -> None:
    """Refuse an xlsx whose zip directory declares more than the limits allow — the sizes a
    zip bomb announces — before openpyxl inflates anything. zipfile stops every member at its
    declared size (a member that lies fails its CRC), so the declared sizes bound what is read."""
    import zipfile

    limits = limits or Limits.current()
    position = stream.tell()
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileProblem(
            "file_unreadable", "无法读取该 xlsx 文件(文件损坏、加密或不是 Excel 工作簿)"
        ) from exc
    finally:
        stream.seek(position)
    mb = 1024 * 1024
    total = sum(m.file_size for m in members)
    if total > limits.uncompressed_bytes:
        raise FileProblem(
            "file_uncompressed_too_large",
            f"xlsx 文件解压后约{total // mb}MB,超过上限{limits.uncompressed_bytes // mb}MB"
            "(文件可能含大量空行或格式,或是恶意构造的压缩文件),已拒绝导入;"
            "请删除多余的行和格式,或拆分后分批导入",
        )
    for member in members:
        if member.file_size > RATIO_FLOOR_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > limits.compression_ratio:
                raise FileProblem(
                    "file_compression_suspicious",
                    f"xlsx 文件的压缩比异常({ratio:.0f}倍,上限{limits.compression_ratio}倍),"
                    "可能是恶意构造的压缩文件,已拒绝导入",
                )


def inspect_upload(source: IO[bytes], name: str) -> str:
    """The checks made before a file is read — type, size, content, an xlsx's declared sizes —
    without reading it (raises :class:`FileProblem`). The import page runs them before counting
    an upload's rows; :func:`open_table` runs them on every import."""
    position = source.tell()
    size = _size(source)
    source.seek(0)
    head = source.read(8)
    source.seek(position)
    ext = check_upload(name, size, head)
    if ext == ".xlsx":
        check_archive(source)
    return ext


def _bounded(
    rows: Iterator[tuple[int, tuple[Any, ...]]], limits: Limits
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows, refused past the row, column and cell limits (trailing empty cells beyond the
    column limit, as spreadsheets with formatted columns have, are dropped)."""
    try:
        yield from _bounded_rows(rows, limits)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()  # the reader's own finally closes the workbook and the file


def _bounded_rows(
    rows: Iterator[tuple[int, tuple[Any, ...]]], limits: Limits
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    cells = 0
    for number, values in rows:
        if number > limits.rows:
            raise FileProblem("file_too_many_rows", f"文件超过{limits.rows}行的上限,请拆分后分批导入")
        if len(values) > limits.columns:
            if not all(is_blank(v) for v in values[limits.columns :]):
                raise FileProblem(
                    "file_too_many_columns",
                    f"第{number}行超过{limits.columns}列的上限,请删除多余的列后再导入",
                )
            values = values[: limits.columns]
        cells += len(values)
        if cells > limits.cells:
            raise FileProblem(
                "file_too_many_cells", f"文件的单元格超过{limits.cells}个的上限,请拆分后分批导入"
            )
        yield number, values


# --- reading files -----------------------------------------------------------------------------


def _size(source: Source) -> int:
    if isinstance(source, str | os.PathLike):
        return os.path.getsize(source)
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    position = source.tell()
    source.seek(0, io.SEEK_END)
    end = source.tell()
    source.seek(position)
    return end


def check_upload(name: str, size: int, head: bytes = b"") -> str:
    """The file's extension after the type and size checks (raises :class:`FileProblem`)."""
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_EXTENSIONS:
        hint = (
            "旧版 .xls 请在 Excel 中另存为 .xlsx 后再导入" if ext == ".xls" else "请上传 .xlsx 或 .csv 文件"
        )
        raise FileProblem("file_type_not_allowed", f"不支持的文件类型“{ext or name}”:{hint}")
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise FileProblem("file_too_large", f"文件大小超过上限{limit // (1024 * 1024)}MB")
    if size == 0:
        raise FileProblem("file_empty", "文件是空的")
    if head and ext == ".xlsx" and not head.startswith(XLSX_MAGIC):
        raise FileProblem("file_content_mismatch", "文件内容不是 xlsx 格式(与扩展名不符)")
    if head and ext == ".csv" and head.startswith(BINARY_MAGIC):
        raise FileProblem("file_content_mismatch", "文件内容不是 CSV 文本(与扩展名不符)")
    return ext


def open_table(source: Source, name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cell values) of the first worksheet, or of the CSV, after the file checks,
    within the input :class:`Limits`."""
    limits = Limits.current()
    # A path is opened here and closed when the rows have been read.
    stream: IO[bytes] = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115
    try:
        size = _size(stream)
        stream.seek(0)
        head = stream.read(8)
        stream.seek(0)
        ext = check_upload(name, size, head)
        if ext == ".xlsx":
            check_archive(stream, limits)
    except BaseException:
        if stream is not source:
            stream.close()
        raise
    if ext == ".xlsx":
        return _bounded(_xlsx_rows(stream, close=stream is not source), limits)
    try:
        return _bounded(_csv_rows(stream.read()), limits)
    finally:
        if stream is not source:
            stream.close()


def _xlsx_rows(stream: IO[bytes], close: bool) -> Iterator[tuple[int, tuple[Any, ...]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for damaged or foreign files
        if close:
            stream.close()
        raise FileProblem(
            "file_unreadable", "无法读取该 xlsx 文件(文件损坏、加密或不是 Excel 工作簿)"
        ) from exc
    # Files written by other tools often carry a wrong <dimension>; read what is really there.
    sheet.reset_dimensions()  # type: ignore[union-attr]

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except FileProblem:
            raise
        except Exception as exc:
            raise FileProblem("file_unreadable", "读取 xlsx 文件时出错(文件可能已损坏)") from exc
        finally:
            workbook.close()
            if close:
                stream.close()

    return rows()


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (which contains GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        # Strict UTF-8 first: GBK text is almost never valid UTF-8, while UTF-8 Chinese read as
        # GB18030 would "succeed" as mojibake.
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            content = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in content:
            raise FileProblem("file_content_mismatch", "文件内容不是 CSV 文本(与扩展名不符)")
        return content
    raise FileProblem("file_encoding_unknown", "无法识别 CSV 文件的编码,请保存为 UTF-8 或 GBK 编码")


def _csv_rows(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    content = decode_csv(data)
    first = content.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            for number, record in enumerate(reader, start=1):
                yield number, tuple(record)
        except csv.Error as exc:
            raise FileProblem("file_unreadable", f"CSV 格式有误:{exc}") from exc

    return rows()


# --- templates ---------------------------------------------------------------------------------


def template_workbook(kind: str) -> bytes:
    """A fill-in template: the headers (required ones in red), one example row, drop-downs for
    yes/no and fixed choices, and a 填写说明 sheet describing every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    importer = get_importer(kind)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = importer.title[:31]
    ws.append([c.header for c in importer.columns])
    ws.append([c.example for c in importer.columns])
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(importer.columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = fill
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(12, min(40, len(column.header) * 2 + 6))
        # Text columns: Excel would turn codes and phone numbers into numbers (dates typed as
        # text are parsed all the same).
        ws.column_dimensions[letter].number_format = "@"
        ws.cell(row=2, column=index).number_format = "@"
        if column.options:
            listing = ",".join(column.options)
            if len(listing) <= 250:
                validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=True)
                validation.add(f"{letter}2:{letter}1048576")
                ws.add_data_validation(validation)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "示例"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in importer.columns:
        notes.append(
            [column.header, "必填" if column.required else "选填", column.note, text(column.example)]
        )
    notes.append([])
    general = [
        "第1行为表头(红色为必填列),第2行为示例,导入前请删除或改为真实数据;列的顺序可以调整,多出的列会被忽略。",
        "支持 .xlsx 和 .csv(UTF-8 或 GBK 编码)文件,大小不超过"
        f"{settings.UPLOAD_MAX_BYTES // (1024 * 1024)}MB。",
        f"日期可写作 {DATE_FORMATS_HINT},或使用 Excel 日期格式;不能晚于今天。",
        "是/否列可填写 是/否、Y/N、1/0 或 √(空白视为否)。",
        "默认整批导入:任何一行有错误时全部不导入,并列出每一行的错误;也可选择跳过有错误的行。",
        *importer.notes,
    ]
    for line in general:
        notes.append([line])
    for letter, width in zip("ABCD", (18, 10, 70, 28), strict=True):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_xlsx(path: str | os.PathLike[str], rows: Iterable[Iterable[Any]], title: str = "Sheet1") -> None:
    """Write rows to an xlsx file (write-only mode; used by tests and the benchmark)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(list(row))
    wb.save(path)


def row_region(ctx: ImportContext, row: Row, denied_message: str) -> Any:
    """The region a row names in its 地区代码 column, with the checks every such import makes:
    a known code (``region_unknown``) of a real region, not a grouping node of the code table
    such as 市辖区 500100 (``region_grouping_node``), the optional 地区名称 matching it (``region_name_mismatch``),
    and the actor allowed to write it (``ctx.cache["allowed"]``: region ids, None for all;
    ``permission_denied``). Lookups are memoised in ``ctx.cache["regions"]``. None when the row
    has no code or an error was recorded."""
    from tiaodu.regions.services import check_figure_region, get_region

    raw = row.values.get("region")
    if not raw:
        return None
    memo: dict[str, Any] = ctx.cache.setdefault("regions", {})
    if raw not in memo:
        try:
            memo[raw] = get_region(raw)
            check_figure_region(memo[raw])
        except ServiceError as exc:
            memo[raw] = exc
    found = memo[raw]
    if isinstance(found, ServiceError):
        code = found.errors[0].code if found.errors else found.code
        message = found.errors[0].message if found.errors else found.message
        ctx.error(row.number, "地区代码", code, message)
        return None
    name = row.values.get("region_name")
    if name and name not in (found.name, found.full_name):
        ctx.error(
            row.number,
            "地区名称",
            "region_name_mismatch",
            f"区划代码{found.code}是“{found.name}”,不是“{name}”",
        )
        return None
    allowed = ctx.cache.get("allowed")
    if allowed is not None and found.pk not in allowed:
        ctx.denied_rows.append(row.number)
        ctx.error(row.number, "地区代码", "permission_denied", denied_message)
        return None
    return found
