"""Domain errors with stable machine codes and Chinese messages for people.

Services raise these; the web views turn them into form errors and messages, the API into
``{"code": ..., "message": ..., "errors": [...]}`` bodies, and the CLI into exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    code: str
    message: str
    row: int | None = None  # for imports: the 1-based spreadsheet row

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "code": self.code, "message": self.message}
        if self.row is not None:
            data["row"] = self.row
        return data


@dataclass
class ServiceError(Exception):
    code: str
    message: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    # For permission failures: what was attempted, written to the security log at the boundary
    # (web, API, CLI) once the failed transaction has rolled back.
    audit: str | None = None

    def __str__(self) -> str:
        # Field codes included: the CLI prints this, and scripts match the stable codes.
        details = "; ".join(f"{e.field}: {e.message} [{e.code}]" for e in self.errors)
        return f"{self.message} ({details})" if details else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": [e.as_dict() for e in self.errors]}


class InvalidInput(ServiceError):
    def __init__(self, errors: list[FieldError], message: str = "提交的数据有误,请检查后重试") -> None:
        super().__init__("validation_error", message, errors, 422)


class Forbidden(ServiceError):
    def __init__(self, message: str = "您没有执行此操作的权限", audit: str | None = None) -> None:
        super().__init__("permission_denied", message, [], 403, audit)


class NotFound(ServiceError):
    def __init__(self, message: str = "记录不存在或您无权查看", audit: str | None = None) -> None:
        super().__init__("not_found", message, [], 404, audit)


class Conflict(ServiceError):
    def __init__(self, code: str, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(code, message, errors or [], 409)


def invalid(field_name: str, code: str, message: str) -> InvalidInput:
    """Shorthand for a single-field validation error."""
    return InvalidInput([FieldError(field_name, code, message)])
