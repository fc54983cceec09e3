"""The audit trail as people read it: "字段: 旧值 → 新值" with the fields' verbose names, choice
labels, related objects by name, yes/no, dates and times in Beijing time (the configured
TIME_ZONE), JSON values and event details as "名称: 值" lines with known keys translated, and
"系统" for changes no person made (tasks, imports and commands run by the server).

One formatter for every place a change history is shown: the audit pages, each object's
变更记录 page (``core.views.ObjectHistoryView``), the xlsx exports and the audit API.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

ARROW = " → "
MASK = "******"

ACTION_LABELS = {
    LogEntry.Action.CREATE: pgettext_lazy("audit action", "新增"),
    LogEntry.Action.UPDATE: pgettext_lazy("audit action", "修改"),
    LogEntry.Action.DELETE: pgettext_lazy("audit action", "删除"),
    LogEntry.Action.ACCESS: pgettext_lazy("audit action", "访问"),
}

# Keys found in JSON values (DataSource.detail, an import's summary and additional data,
# reminders' lists) and in security events' details, in Chinese.
KNOWN_KEYS: dict[str, Any] = {
    "round": gettext_lazy("轮次编号"),
    "slot": gettext_lazy("填报编号"),
    "unit": gettext_lazy("填报单位"),
    "kind": gettext_lazy("类型"),
    "bulk": gettext_lazy("批量导入"),
    "created": gettext_lazy("新增"),
    "revised": gettext_lazy("修订"),
    "updated": gettext_lazy("更新"),
    "unchanged": gettext_lazy("未变化"),
    "skipped": gettext_lazy("跳过"),
    "source_id": gettext_lazy("数据来源编号"),
    "revisions": gettext_lazy("修订明细"),
    "key": gettext_lazy("对象"),
    "old": gettext_lazy("原值"),
    "new": gettext_lazy("新值"),
    "import": gettext_lazy("导入类型"),
    "file_name": gettext_lazy("文件名"),
    "partial": gettext_lazy("跳过错误行"),
    "status": gettext_lazy("结果"),
    "rows": gettext_lazy("数据行数"),
    "created_count": gettext_lazy("新增"),
    "updated_count": gettext_lazy("更新"),
    "unchanged_count": gettext_lazy("未变化"),
    "skipped_count": gettext_lazy("跳过"),
    "error_count": gettext_lazy("错误数"),
    "row": gettext_lazy("行号"),
    "column": gettext_lazy("列"),
    "field": gettext_lazy("字段"),
    "message": gettext_lazy("说明"),
    "code": gettext_lazy("代码"),
    "password_file": gettext_lazy("密码文件"),
    "password_count": gettext_lazy("密码数"),
    "notice": gettext_lazy("提示"),
    "occupation_proposed": gettext_lazy("推荐职业数"),
    "region": gettext_lazy("地区"),
    "district": gettext_lazy("区县"),
    "prefix": gettext_lazy("前缀"),
    "name": gettext_lazy("名称"),
    "cleared": gettext_lazy("解除条数"),
    "by": gettext_lazy("操作人"),
    "reason": gettext_lazy("原因"),
    "yellow": gettext_lazy("黄牌"),
    "red": gettext_lazy("红牌"),
    "lifted": gettext_lazy("摘牌"),
    "sessions_removed": gettext_lazy("清除过期会话"),
    "attempts_removed": gettext_lazy("清除登录尝试记录"),
    "tokens_expired": gettext_lazy("过期令牌"),
    "stale_imports_failed": gettext_lazy("中断的导入"),
    "stale_jobs_failed": gettext_lazy("中断的后台作业"),
    "expired_jobs_removed": gettext_lazy("清除过期作业结果"),
}

# The first word of a security event's detail (what was attempted), in Chinese.
DETAIL_VERBS: dict[str, Any] = {
    "view": gettext_lazy("查看"),
    "add": gettext_lazy("新增"),
    "change": gettext_lazy("修改"),
    "delete": gettext_lazy("删除"),
    "import": gettext_lazy("导入"),
    "export": gettext_lazy("导出"),
    "web": gettext_lazy("网页"),
    "api": gettext_lazy("接口"),
    "case": gettext_lazy("诉求"),
    "reset": gettext_lazy("重置"),
    "rollup": gettext_lazy("汇总"),
}

# Phrases services write in details, in Chinese (longest first).
DETAIL_PHRASES: dict[str, Any] = {
    "retention period expired": gettext_lazy("保存期满"),
    "consent withdrawn": gettext_lazy("本人撤回同意"),
    "retention": gettext_lazy("保存期满"),
    "view audit log": gettext_lazy("查看审计日志"),
}

_REVERSE_VALUE = re.compile(r"^\w+\.\w+\.None$")  # auditlog's text for a reverse relation
_MODEL_LABEL = re.compile(r"^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)(?:#(\w+))?$", re.IGNORECASE)
_KEY_VALUE = re.compile(r"(?:^|\s)(\w+)=(.*?)(?=\s+\w+=|$)")
_TRAILING_BY = re.compile(r"\s+by\s+(\S+)$")


def system_label() -> str:
    return _("系统")


def empty_label() -> str:
    return _("空")


def actor_label(entry: LogEntry) -> str:
    """Who made the change: the user's display name, or 系统 for tasks, imports and commands."""
    actor = entry.actor if entry.actor_id else None
    if actor is None:
        return system_label()
    return str(getattr(actor, "display_name", "") or actor)


def action_label(entry: LogEntry) -> str:
    return str(ACTION_LABELS.get(entry.action, entry.action))


def local_time(value: datetime) -> str:
    """A moment in Beijing time (naive values are taken as UTC, as auditlog stores them)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def model_label(content_type: ContentType | None) -> str:
    model = content_type.model_class() if content_type else None
    return str(model._meta.verbose_name) if model else (content_type.model if content_type else "")


def known_order(values: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """A JSON object's items with the known keys first, in KNOWN_KEYS' order (PostgreSQL's
    jsonb keeps no key order), then the others as stored."""
    order = {key: index for index, key in enumerate(KNOWN_KEYS)}
    return sorted(values.items(), key=lambda item: order.get(str(item[0]), len(order)))


def pairs_text(values: dict[str, Any]) -> str:
    """A task's result or a JSON object on one line: "名称: 值;名称: 值"."""
    return ";".join(f"{key_label(k)}: {plain(v) or empty_label()}" for k, v in known_order(values))


def key_label(key: Any) -> str:
    label = KNOWN_KEYS.get(str(key))
    return str(label) if label is not None else str(key)


# --- values ------------------------------------------------------------------------------------


def _parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _loads(value: Any) -> Any:
    """A JSON value that may have been stored as its text (or as a Python literal)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text or text[0] not in "[{":
        return value
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return value


def plain(value: Any) -> str:
    """A value without a field to explain it: JSON structures as "名称: 值" items."""
    value = _loads(value)
    if value is None or value == "None":
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict):
        return pairs_text(value)
    if isinstance(value, list | tuple | set):
        items = [plain(v) for v in value]
        separator = " | " if any(isinstance(v, dict) for v in value) else "、"
        return separator.join(i for i in items if i)
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


@dataclass
class Formatter:
    """Formats the changes of log entries; related objects are looked up once per formatter
    (create one per page or export, not per process: names change)."""

    related: dict[tuple[str, str], str] = field(default_factory=dict)

    def value(self, model_field: models.Field[Any, Any] | None, value: Any) -> str:
        if value is None or value == "None":
            return ""
        if value == MASK:
            return MASK
        if model_field is None:
            return plain(value)
        choices = dict(getattr(model_field, "flatchoices", None) or [])
        if choices:
            return self._choice(choices, _loads(value))
        internal = model_field.get_internal_type()
        if internal in ("BooleanField", "NullBooleanField"):
            if str(value).lower() in ("true", "1"):
                return _("是")
            if str(value).lower() in ("false", "0"):
                return _("否")
        if internal == "DateTimeField":
            moment = _parse_datetime(value)
            return local_time(moment) if moment is not None else str(value)
        if internal == "DateField":
            moment = _parse_datetime(value)
            return moment.date().isoformat() if moment is not None else str(value)
        if model_field.is_relation and (model_field.many_to_one or model_field.one_to_one):
            return self._related(model_field, value)
        if internal != "JSONField" and isinstance(value, str):
            return value  # text as written (a note that looks like a list stays as it is)
        return plain(value)

    @staticmethod
    def _choice(choices: dict[Any, Any], value: Any) -> str:
        by_text = {str(k): v for k, v in choices.items()}
        values = value if isinstance(value, list) else [value]
        labels = [str(by_text.get(str(v), v)) for v in values if v not in (None, "")]
        return "、".join(labels)

    def _related(self, model_field: models.Field[Any, Any], value: Any) -> str:
        related = model_field.related_model
        if related is None or isinstance(related, str):
            return str(value)
        key = (related._meta.label_lower, str(value))
        if key not in self.related:
            try:
                obj = related._base_manager.filter(pk=value).first()
            except (ValueError, TypeError, ValidationError):
                obj = None
            self.related[key] = str(obj) if obj is not None else _("已删除(编号%(pk)s)") % {"pk": value}
        return self.related[key]

    # --- one entry -----------------------------------------------------------------------------

    def rows(self, entry: LogEntry) -> list[tuple[str, str, str]]:
        """(field label, before, after) for each changed field; reverse relations, the primary
        key and auditlog's noise are left out."""
        model = entry.content_type.model_class() if entry.content_type_id else None
        reverse = (
            {f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete}
            if model
            else set()
        )
        result = []
        # In the model's field order (jsonb, on PostgreSQL, keeps no key order).
        positions = {f.name: i for i, f in enumerate(model._meta.get_fields())} if model else {}
        changes = sorted(
            (entry.changes_dict or {}).items(), key=lambda c: positions.get(c[0], len(positions))
        )
        for name, values in changes:
            if name in reverse or (model is not None and name == model._meta.pk.name):
                continue
            model_field = _field(model, name)
            label = str(model_field.verbose_name) if model_field is not None else key_label(name)
            if isinstance(values, dict) and values.get("type") == "m2m":
                result.append((label, *self._m2m(values)))
                continue
            before, after = (
                values if isinstance(values, list | tuple) and len(values) == 2 else (None, values)
            )
            if model_field is None and _REVERSE_VALUE.match(str(after)):
                continue
            result.append((label, self.value(model_field, before), self.value(model_field, after)))
        return result

    @staticmethod
    def _m2m(values: dict[str, Any]) -> tuple[str, str]:
        names = "、".join(str(o) for o in values.get("objects") or [])
        if values.get("operation") == "delete":
            return "", _("移除:%(names)s") % {"names": names}
        return "", _("增加:%(names)s") % {"names": names}

    def lines(self, entry: LogEntry) -> list[str]:
        """ "字段: 旧值 → 新值" per changed field (an empty side reads 空); for a creation the
        values alone ("字段: 新值"), for a deletion the last values."""
        result = []
        for label, before, after in self.rows(entry):
            if entry.action == LogEntry.Action.CREATE and not before:
                if after:
                    result.append(f"{label}: {after}")
            elif entry.action == LogEntry.Action.DELETE and not after:
                if before:
                    result.append(f"{label}: {before}")
            else:
                result.append(f"{label}: {before or empty_label()}{ARROW}{after or empty_label()}")
        return result


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if getattr(found, "concrete", False) or found.many_to_many else None


def describe_changes(entry: LogEntry, formatter: Formatter | None = None) -> list[tuple[str, str, str]]:
    """(field label, before, after) rows with the model's verbose field names, readable values."""
    return (formatter or Formatter()).rows(entry)


def change_lines(entry: LogEntry, formatter: Formatter | None = None) -> list[str]:
    return (formatter or Formatter()).lines(entry)


def lines_html(lines: Iterable[str], limit: int | None = None) -> SafeString:
    """Lines for a table cell, each escaped, one per line; past ``limit`` lines a last line
    says how many there are in all (the object's 变更记录 and the exports have them all)."""
    shown = list(lines)
    more = len(shown) - limit if limit is not None and len(shown) > limit + 1 else 0
    if more:
        total = len(shown)
        shown = [*shown[:limit], _("……共%(n)d项") % {"n": total}]
    return mark_safe("<br>".join(escape(line) for line in shown))  # noqa: S308 - escaped above


# --- security events' details ------------------------------------------------------------------


def _model_name(token: str) -> str | None:
    match = _MODEL_LABEL.match(token)
    if not match:
        return None
    try:
        model = apps.get_model(match.group(1).lower(), match.group(2))
    except (LookupError, ValueError):
        return None
    name = str(model._meta.verbose_name)
    return f"{name}(编号{match.group(3)})" if match.group(3) else name


def event_detail_lines(detail: str) -> list[str]:
    """A security event's detail as readable lines: a JSON/dict text as "名称: 值" lines;
    otherwise the words before the first ``key=value`` (the attempt: verbs and models in
    Chinese), then one "名称: 值" line per ``key=value`` and "操作人: X" for a trailing
    "by X"."""
    text = (detail or "").strip()
    if not text:
        return []
    parsed = _loads(text)
    if isinstance(parsed, dict):
        return [f"{key_label(k)}: {plain(v) or empty_label()}" for k, v in known_order(parsed)]
    lines: list[str] = []
    by = _TRAILING_BY.search(text)
    if by:
        text = text[: by.start()]
    first_pair = re.search(r"(?:^|\s)\w+=", text)
    head = text[: first_pair.start()] if first_pair else text
    words = head.split()
    if words:
        translated = [str(DETAIL_VERBS.get(words[0], words[0])), *words[1:]]
        translated = [_model_name(w) or w for w in translated]
        line = " ".join(translated)
        for phrase, chinese in DETAIL_PHRASES.items():
            line = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", str(chinese), line)
        lines.append(line)
    if first_pair:
        for key, value in _KEY_VALUE.findall(text[first_pair.start() :]):
            lines.append(f"{key_label(key)}: {value.strip() or empty_label()}")
    if by:
        lines.append(f"{key_label('by')}: {by.group(1)}")
    return lines


# --- object types for the filter ---------------------------------------------------------------


def object_type_choices() -> list[tuple[str, str]]:
    """("app.model", Chinese name) of every model the change log records, by name; a name two
    apps share carries its app's name."""
    from auditlog.registry import auditlog

    excluded = {label.lower() for label in getattr(settings, "AUDITLOG_EXCLUDE_TRACKING_MODELS", ())}
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in excluded or meta.label_lower in excluded or not auditlog.contains(model):
            continue
        found.append((meta.label_lower, str(meta.verbose_name), str(meta.app_config.verbose_name)))
    names: dict[str, int] = {}
    for _value, name, _app in found:
        names[name] = names.get(name, 0) + 1
    choices = [(value, f"{name}({app})" if names[name] > 1 else name) for value, name, app in found]
    return sorted(choices, key=lambda c: (c[1], c[0]))


class ObjectTypeChoices:
    """The filter's choices, computed when the page renders (in the request's language)."""

    def __init__(self, all_label: Any) -> None:
        self.all_label = all_label

    def __iter__(self) -> Any:
        return iter([("", str(self.all_label)), *object_type_choices()])

    def __len__(self) -> int:
        return 1 + len(object_type_choices())
